#include "BatchFilesModel.h"

#include "RecordTableModel.h"
#include "core/Format.h"
#include "session/Services.h"

#include <QJsonValue>

namespace bd::ui {

BatchFilesModel::BatchFilesModel(QObject *parent) : QAbstractTableModel(parent) {}

qint64 BatchFilesModel::listedSize(const api::BatchFile &file)
{
    for (const char *key : { "size", "sizeBytes", "fileSize", "contentLength" }) {
        const QJsonValue value = file.raw.value(QLatin1String(key));
        if (value.isDouble() && value.toDouble() >= 0)
            return qint64(value.toDouble());
        if (value.isString()) {
            bool ok = false;
            const qint64 n = value.toString().toLongLong(&ok);
            if (ok && n >= 0)
                return n;
        }
    }
    return -1;
}

void BatchFilesModel::setBatch(session::Batches *batches, const QString &batchId, const QString &partName)
{
    beginResetModel();
    ++m_generation;
    m_batches = batches;
    m_batchId = batchId;
    m_partName = partName;
    m_started = false;
    m_fetching = false;
    m_nextToken.reset();
    m_pagesFetched = 0;
    m_error = {};
    m_rows.clear();
    m_rows.squeeze();
    endResetModel();
}

bool BatchFilesModel::canFetchMore(const QModelIndex &parent) const
{
    if (parent.isValid() || !m_batches || m_batchId.isEmpty() || m_fetching || m_error)
        return false;
    return !m_started || m_nextToken.has_value();
}

void BatchFilesModel::retry()
{
    if (!m_error)
        return;
    m_error = {};
    fetchMore({});
}

void BatchFilesModel::fetchMore(const QModelIndex &parent)
{
    if (!canFetchMore(parent))
        return;
    m_started = true;
    m_fetching = true;
    const int generation = m_generation;
    m_batches->fetchFilesPage(m_batchId, m_partName, m_pageSize, m_nextToken.value_or(QString()), this,
                              [this, generation](const Error &error, const session::Page<api::BatchFile> &page) {
        if (generation != m_generation)
            return;
        m_fetching = false;
        if (error) {
            m_error = error;   // the token stays: retry() asks for the same page
            Q_EMIT fetchFailed(error);
            return;
        }
        ++m_pagesFetched;
        m_nextToken = page.nextPageToken;
        if (!page.items.isEmpty()) {
            const int first = int(m_rows.size());
            beginInsertRows({}, first, first + int(page.items.size()) - 1);
            m_rows.reserve(m_rows.size() + page.items.size());
            for (const api::BatchFile &f : page.items)
                m_rows.append(Row{ f.fileName, f.partName, f.shardId,
                                   f.nestedContentType.isEmpty() ? f.contentType
                                                                 : f.contentType + QLatin1Char('/') + f.nestedContentType,
                                   listedSize(f) });
            endInsertRows();
        }
        Q_EMIT pageArrived();
    });
}

int BatchFilesModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int BatchFilesModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant BatchFilesModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const Row &r = m_rows.at(index.row());
    if (role == Qt::TextAlignmentRole && index.column() == Size)
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role == KeyRole)
        return r.fileName;
    if (role != Qt::DisplayRole && role != SortRole && role != Qt::ToolTipRole)
        return {};
    switch (index.column()) {
    case File: return r.fileName;
    case Size:
        if (role == SortRole)
            return r.size;
        if (role == Qt::ToolTipRole)
            return r.size >= 0 ? tr("%1 bytes").arg(r.size) : tr("The listing gives no size");
        return r.size >= 0 ? formatBytes(r.size) : QString();
    case Part: return r.partName;
    case Shard: return r.shardId;
    case ContentType: return r.contentType;
    default: return {};
    }
}

QVariant BatchFilesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case File: return tr("File");
    case Size: return tr("Size");
    case Part: return tr("Part");
    case Shard: return tr("Shard");
    case ContentType: return tr("Content type");
    default: return {};
    }
}

}  // namespace bd::ui
