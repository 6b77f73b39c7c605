#pragma once
// Adds a "Files" column (the D3 count) to the batches list without touching BatchesModel: an
// identity proxy with one extra column whose values are filled in lazily (visible rows and the
// selected batch) by the Staging tab. Unknown counts show empty, pending ones "…".
#include <QHash>
#include <QIdentityProxyModel>
#include <QSet>

namespace bd::ui {

class BatchCountProxy : public QIdentityProxyModel
{
    Q_OBJECT
public:
    explicit BatchCountProxy(QObject *parent = nullptr);

    int countColumn() const;
    // -1 when not loaded.
    qint64 count(const QString &batchId) const { return m_counts.value(batchId, -1); }
    bool isKnownOrPending(const QString &batchId) const;
    void setPending(const QString &batchId);
    void setCount(const QString &batchId, qint64 count);
    // Forget a count (it changed, e.g. after an upload) or all of them.
    void forget(const QString &batchId);
    void forgetAll();
    QString batchIdAt(int row) const;

    int columnCount(const QModelIndex &parent = {}) const override;
    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    QModelIndex sibling(int row, int column, const QModelIndex &idx) const override;
    QModelIndex mapToSource(const QModelIndex &proxyIndex) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;

private:
    void emitCountChanged(const QString &batchId);

    QHash<QString, qint64> m_counts;
    QSet<QString> m_pending;
};

}  // namespace bd::ui
