#include "BatchCountProxy.h"

#include "RecordTableModel.h"

#include <QLocale>

namespace bd::ui {

BatchCountProxy::BatchCountProxy(QObject *parent) : QIdentityProxyModel(parent) {}

int BatchCountProxy::countColumn() const
{
    return sourceModel() ? sourceModel()->columnCount() : 0;
}

bool BatchCountProxy::isKnownOrPending(const QString &batchId) const
{
    return m_counts.contains(batchId) || m_pending.contains(batchId);
}

void BatchCountProxy::setPending(const QString &batchId)
{
    m_pending.insert(batchId);
    emitCountChanged(batchId);
}

void BatchCountProxy::setCount(const QString &batchId, qint64 count)
{
    m_pending.remove(batchId);
    if (count < 0)
        m_counts.remove(batchId);
    else
        m_counts.insert(batchId, count);
    emitCountChanged(batchId);
}

void BatchCountProxy::forget(const QString &batchId)
{
    m_counts.remove(batchId);
    m_pending.remove(batchId);
    emitCountChanged(batchId);
}

void BatchCountProxy::forgetAll()
{
    m_counts.clear();
    m_pending.clear();
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0, countColumn()), index(rowCount() - 1, countColumn()));
}

QString BatchCountProxy::batchIdAt(int row) const
{
    return sourceModel() ? sourceModel()->index(row, 0).data(KeyRole).toString() : QString();
}

void BatchCountProxy::emitCountChanged(const QString &batchId)
{
    for (int row = 0; row < rowCount(); ++row) {
        if (batchIdAt(row) == batchId) {
            const QModelIndex idx = index(row, countColumn());
            Q_EMIT dataChanged(idx, idx);
        }
    }
}

int BatchCountProxy::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() || !sourceModel() ? 0 : countColumn() + 1;
}

QModelIndex BatchCountProxy::index(int row, int column, const QModelIndex &parent) const
{
    if (sourceModel() && column == countColumn() && !parent.isValid() && row >= 0 && row < rowCount())
        return createIndex(row, column);
    return QIdentityProxyModel::index(row, column, parent);
}

QModelIndex BatchCountProxy::parent(const QModelIndex &child) const
{
    if (child.isValid() && child.column() == countColumn())
        return {};
    return QIdentityProxyModel::parent(child);
}

QModelIndex BatchCountProxy::sibling(int row, int column, const QModelIndex &idx) const
{
    return index(row, column, idx.parent());
}

QModelIndex BatchCountProxy::mapToSource(const QModelIndex &proxyIndex) const
{
    if (proxyIndex.isValid() && proxyIndex.column() == countColumn())
        return {};
    return QIdentityProxyModel::mapToSource(proxyIndex);
}

QVariant BatchCountProxy::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.column() != countColumn())
        return QIdentityProxyModel::data(index, role);
    const QString id = batchIdAt(index.row());
    const qint64 n = count(id);
    switch (role) {
    case Qt::DisplayRole:
        return n >= 0 ? QLocale().toString(n) : m_pending.contains(id) ? QStringLiteral("…") : QString();
    case SortRole:
        return n;
    case KeyRole:
        return id;
    case Qt::TextAlignmentRole:
        return int(Qt::AlignRight | Qt::AlignVCenter);
    default:
        return {};
    }
}

QVariant BatchCountProxy::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Horizontal && section == countColumn()) {
        if (role == Qt::DisplayRole)
            return tr("Files");
        if (role == Qt::ToolTipRole)
            return tr("Files in the batch (read when the row is shown)");
        return {};
    }
    return QIdentityProxyModel::headerData(section, orientation, role);
}

Qt::ItemFlags BatchCountProxy::flags(const QModelIndex &index) const
{
    if (index.isValid() && index.column() == countColumn())
        return Qt::ItemIsEnabled | Qt::ItemIsSelectable;
    return QIdentityProxyModel::flags(index);
}

}  // namespace bd::ui
