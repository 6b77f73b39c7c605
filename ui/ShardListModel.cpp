#include "ShardListModel.h"

#include "ListModels.h"
#include "RecordTableModel.h"
#include "StatusTone.h"

#include <QGuiApplication>
#include <QLocale>

namespace bd::ui {

namespace {

StatusTone shardTone(const api::Shard &s)
{
    return s.isFailed() ? StatusTone::Bad : s.isSucceeded() ? StatusTone::Good : s.isInProgress() ? StatusTone::Busy
                                                                                                  : StatusTone::Neutral;
}

}  // namespace

ShardListModel::ShardListModel(QObject *parent) : QAbstractTableModel(parent) {}

void ShardListModel::setShards(QVector<api::Shard> shards)
{
    beginResetModel();
    m_shards = std::move(shards);
    m_shown = int(qMin<qsizetype>(kStep, m_shards.size()));
    endResetModel();
}

bool ShardListModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && m_shown < m_shards.size();
}

void ShardListModel::fetchMore(const QModelIndex &parent)
{
    if (!canFetchMore(parent))
        return;
    const int more = int(qMin<qsizetype>(kStep, m_shards.size() - m_shown));
    beginInsertRows({}, m_shown, m_shown + more - 1);
    m_shown += more;
    endInsertRows();
}

int ShardListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_shown;
}

int ShardListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ShardListModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_shown)
        return {};
    const api::Shard &s = m_shards.at(index.row());
    if (index.column() == Status && role == Qt::ForegroundRole)
        return statusColour(shardTone(s), QGuiApplication::palette());
    if (index.column() == Status && role == Qt::ToolTipRole)
        return s.statusType;
    if (index.column() == Objects && role == Qt::TextAlignmentRole)
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role == KeyRole)
        return s.shardId;
    const bool display = role == Qt::DisplayRole;
    if (!display && role != SortRole)
        return {};
    switch (index.column()) {
    case Id: return s.shardId;
    case Status: return s.statusName;
    case Objects: return display ? QVariant(QLocale().toString(s.shardObjectsCount)) : QVariant(s.shardObjectsCount);
    case Updated: return display ? QVariant(formatDate(s.eventTimestamp)) : QVariant(s.eventTimestamp);
    default: return {};
    }
}

QVariant ShardListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Id: return tr("Shard");
    case Status: return tr("Status");
    case Objects: return tr("Objects");
    case Updated: return tr("Updated");
    default: return {};
    }
}

}  // namespace bd::ui
