#include "exports/ResultsFilterProxy.h"

#include "exports/ResultsTableModel.h"

namespace bd {

ResultsFilterProxy::ResultsFilterProxy(QObject *parent) : QSortFilterProxyModel(parent)
{
    setSortRole(ResultsRowModel::RawValueRole);
}

void ResultsFilterProxy::setFilter(const QString &text, int column)
{
    m_text = text;
    m_column = column;
    // Decide every row now, in file order: the proxy re-filters in sorted order, which would
    // jump around the file and thrash the model's page cache.
    m_accepted.clear();
    if (QAbstractItemModel *source = sourceModel(); source && !m_text.isEmpty()) {
        const int rows = source->rowCount();
        m_accepted.reserve(rows);
        for (int row = 0; row < rows; ++row)
            m_accepted << matches(row, {});
    }
    invalidateFilter();
}

void ResultsFilterProxy::setSourceModel(QAbstractItemModel *model)
{
    if (sourceModel())
        disconnect(sourceModel(), nullptr, this, nullptr);
    dropKeys();
    QSortFilterProxyModel::setSourceModel(model);
    if (model) {
        connect(model, &QAbstractItemModel::modelReset, this, &ResultsFilterProxy::dropKeys);
        connect(model, &QAbstractItemModel::dataChanged, this, &ResultsFilterProxy::dropKeys);
    }
}

void ResultsFilterProxy::dropKeys()
{
    m_keys.clear();
    m_keyColumn = -1;
    m_accepted.clear();
}

ResultsFilterProxy::SortKey ResultsFilterProxy::keyOf(const QVariant &raw)
{
    SortKey key;
    if (raw.typeId() == QMetaType::Double || raw.typeId() == QMetaType::Int || raw.typeId() == QMetaType::LongLong) {
        key.numeric = true;
        key.number = raw.toDouble();
    } else {
        key.text = raw.toString();
    }
    return key;
}

void ResultsFilterProxy::sort(int column, Qt::SortOrder order)
{
    QAbstractItemModel *source = sourceModel();
    if (source && column >= 0 && column != m_keyColumn) {
        // One sequential pass over the column; lessThan then never touches the file.
        const int rows = source->rowCount();
        m_keys.clear();
        m_keys.reserve(rows);
        auto *results = qobject_cast<ResultsRowModel *>(source);
        for (int row = 0; row < rows; ++row) {
            m_keys << (results ? keyOf(ResultsRowModel::rawValue(results->rowValues(row).value(column)))
                               : keyOf(source->index(row, column).data(sortRole())));
        }
        m_keyColumn = column;
    }
    QSortFilterProxyModel::sort(column, order);
}

const ResultsFilterProxy::SortKey *ResultsFilterProxy::cachedKey(const QModelIndex &index) const
{
    if (index.column() == m_keyColumn && index.row() < m_keys.size())
        return &m_keys.at(index.row());
    return nullptr;   // a row added after sort() was called
}

bool ResultsFilterProxy::lessThan(const QModelIndex &left, const QModelIndex &right) const
{
    // Pointers into the key cache: the comparison runs millions of times on big files.
    SortKey leftTemp, rightTemp;
    const SortKey *a = cachedKey(left);
    if (!a) {
        leftTemp = keyOf(left.data(sortRole()));
        a = &leftTemp;
    }
    const SortKey *b = cachedKey(right);
    if (!b) {
        rightTemp = keyOf(right.data(sortRole()));
        b = &rightTemp;
    }
    if (a->numeric != b->numeric)
        return a->numeric;   // numbers first
    if (a->numeric)
        return a->number < b->number;
    return a->text.compare(b->text, Qt::CaseInsensitive) < 0;
}

bool ResultsFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (m_text.isEmpty())
        return true;
    if (!sourceParent.isValid() && sourceRow < m_accepted.size())
        return m_accepted.at(sourceRow);
    return matches(sourceRow, sourceParent);   // a row added after setFilter()
}

bool ResultsFilterProxy::matches(int sourceRow, const QModelIndex &sourceParent) const
{
    QAbstractItemModel *source = sourceModel();
    QStringList cells;
    if (auto *results = qobject_cast<ResultsRowModel *>(source)) {
        cells = results->rowValues(sourceRow);   // one page lookup for the whole row
    } else {
        for (int c = 0; c < source->columnCount(sourceParent); ++c)
            cells << source->index(sourceRow, c, sourceParent).data().toString();
    }
    if (m_column >= 0)
        return m_column < cells.size() && cells.at(m_column).contains(m_text, Qt::CaseInsensitive);
    for (const QString &cell : std::as_const(cells)) {
        if (cell.contains(m_text, Qt::CaseInsensitive))
            return true;
    }
    return false;
}

}  // namespace bd
