#pragma once
// The files of one batch (D5) as a lazily paged table: nothing is read until a view asks
// (QAbstractItemModel::canFetchMore / fetchMore: a view asks when its last row comes into sight),
// then one keyset page at a time, appended in the listing's order (the service's stored order:
// stable, no sorting — a sort of the pages seen so far would reorder under the user as pages
// arrive). A million-file batch opens with one page and holds only the pages scrolled through,
// each row a few strings (no signed URL, no raw JSON). The page token is opaque: handed back as
// received.
#include "api/ApiModels.h"
#include "core/Error.h"

#include <QAbstractTableModel>
#include <QPointer>
#include <QVector>

#include <optional>

namespace bd::session { class Batches; }

namespace bd::ui {

class BatchFilesModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { File, Size, Part, Shard, ContentType, ColumnCount };
    static constexpr int kDefaultPageSize = 200;

    explicit BatchFilesModel(QObject *parent = nullptr);

    // List this batch (partName empty: the whole batch) from its first page, dropping the rows
    // of any earlier listing and the answers still on their way for it. Nothing is fetched here.
    void setBatch(session::Batches *batches, const QString &batchId, const QString &partName = {});
    void clear() { setBatch(nullptr, {}); }
    void setPageSize(int pageSize) { m_pageSize = qMax(1, pageSize); }

    QString batchId() const { return m_batchId; }
    bool isFetching() const { return m_fetching; }
    // The last page has arrived (no next token).
    bool isComplete() const { return m_started && !m_fetching && !m_nextToken && !m_error; }
    // The last page request failed (canFetchMore() is then false, so a view does not ask again
    // in a loop); retry() asks for that page again.
    const Error &lastError() const { return m_error; }
    void retry();
    int pagesFetched() const { return m_pagesFetched; }
    QString fileNameAt(int row) const { return row >= 0 && row < m_rows.size() ? m_rows.at(row).fileName : QString(); }

    // The size a D5 entry carries, in bytes, or -1: D5 documents none; some deployments (and the
    // sandbox) add one under one of a few names.
    static qint64 listedSize(const api::BatchFile &file);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;

Q_SIGNALS:
    // A page was appended (or the listing turned out empty / complete).
    void pageArrived();
    void fetchFailed(const bd::Error &error);

private:
    struct Row {
        QString fileName;
        QString partName;
        QString shardId;
        QString contentType;
        qint64 size = -1;
    };

    QPointer<session::Batches> m_batches;
    QString m_batchId;
    QString m_partName;
    int m_pageSize = kDefaultPageSize;
    int m_generation = 0;   // answers for an earlier setBatch() are dropped
    bool m_started = false;
    bool m_fetching = false;
    std::optional<QString> m_nextToken;   // the next page's token; none after the last page
    int m_pagesFetched = 0;
    Error m_error;
    QVector<Row> m_rows;
};

}  // namespace bd::ui
