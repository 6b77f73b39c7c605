#pragma once
// ResultsFilterProxy: filtering and sorting for ResultsTableModel (or any model exposing
// ResultsTableModel::RawValueRole). Numbers sort numerically (9.5 before 10), numbers before text,
// text case-insensitively. sort() first reads the column once, in file order, so sorting a large
// file does not thrash the model's page cache.
#include <QSortFilterProxyModel>
#include <QVector>

namespace bd {

class ResultsFilterProxy : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    explicit ResultsFilterProxy(QObject *parent = nullptr);

    // Keeps rows whose cell in `column` (-1: any column) contains text, case-insensitively.
    // An empty text shows every row.
    void setFilter(const QString &text, int column = -1);
    QString filterText() const { return m_text; }
    int filterColumn() const { return m_column; }

    void setSourceModel(QAbstractItemModel *model) override;
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;
    bool lessThan(const QModelIndex &left, const QModelIndex &right) const override;

private:
    struct SortKey {
        bool numeric = false;
        double number = 0;
        QString text;
    };
    static SortKey keyOf(const QVariant &raw);
    const SortKey *cachedKey(const QModelIndex &index) const;
    void dropKeys();
    bool matches(int sourceRow, const QModelIndex &sourceParent) const;

    QString m_text;
    int m_column = -1;
    int m_keyColumn = -1;
    QVector<SortKey> m_keys;   // per source row, for m_keyColumn
    QVector<bool> m_accepted;  // per source row, for m_text/m_column
};

}  // namespace bd
