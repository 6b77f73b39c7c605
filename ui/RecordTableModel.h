#pragma once
// A table model over a vector of plain records (qBittorrent's transfer-list shape): one
// Column per field, DisplayRole for formatted text, SortRole (Qt::UserRole) for the raw value
// used by sorting and delegates. Background refreshes call setRows(); rows keep their identity
// by key, so selection survives when only values change.
#include <QAbstractTableModel>
#include <QVector>

#include <functional>

namespace bd::ui {

inline constexpr int SortRole = Qt::UserRole;
inline constexpr int KeyRole = Qt::UserRole + 1;

template <class Row>
class RecordTableModel : public QAbstractTableModel
{
public:
    struct Column {
        QString title;
        std::function<QVariant(const Row &)> display;
        std::function<QVariant(const Row &)> sortValue;          // defaults to display
        std::function<QVariant(const Row &, int role)> extra;    // other roles (colour, tooltip)
    };

    // Columns described once, next to their enum: `describe(Column)` is a switch over the model's
    // Column enum (0 … ColumnCount-1), so the enum's order is the columns' order and -Wswitch
    // names a column left without a description.
    template <class ColumnEnum, class Describe>
    static QVector<Column> columnsOf(Describe describe)
    {
        QVector<Column> columns;
        for (int c = 0; c < int(ColumnEnum::ColumnCount); ++c)
            columns << describe(ColumnEnum(c));
        return columns;
    }

    RecordTableModel(QVector<Column> columns, std::function<QString(const Row &)> key, QObject *parent = nullptr)
        : QAbstractTableModel(parent), m_columns(std::move(columns)), m_key(std::move(key))
    {
    }

    int rowCount(const QModelIndex &parent = {}) const override { return parent.isValid() ? 0 : int(m_rows.size()); }
    int columnCount(const QModelIndex &parent = {}) const override { return parent.isValid() ? 0 : int(m_columns.size()); }

    QVariant data(const QModelIndex &index, int role) const override
    {
        if (!index.isValid() || index.row() >= m_rows.size() || index.column() >= m_columns.size())
            return {};
        const Row &row = m_rows.at(index.row());
        const Column &col = m_columns.at(index.column());
        switch (role) {
        case Qt::DisplayRole:
            return col.display(row);
        case SortRole:
            return col.sortValue ? col.sortValue(row) : col.display(row);
        case KeyRole:
            return m_key(row);
        default:
            return col.extra ? col.extra(row, role) : QVariant();
        }
    }

    QVariant headerData(int section, Qt::Orientation orientation, int role) const override
    {
        if (orientation == Qt::Horizontal && role == Qt::DisplayRole && section < m_columns.size())
            return m_columns.at(section).title;
        return {};
    }

    void setRows(QVector<Row> rows)
    {
        bool sameKeys = rows.size() == m_rows.size();
        for (qsizetype i = 0; sameKeys && i < rows.size(); ++i)
            sameKeys = m_key(rows.at(i)) == m_key(m_rows.at(i));
        if (sameKeys) {
            m_rows = std::move(rows);
            if (!m_rows.isEmpty())
                Q_EMIT dataChanged(index(0, 0), index(int(m_rows.size()) - 1, int(m_columns.size()) - 1));
            return;
        }
        beginResetModel();
        m_rows = std::move(rows);
        endResetModel();
    }

    const QVector<Row> &rows() const { return m_rows; }
    const Row *rowAt(int row) const { return row >= 0 && row < m_rows.size() ? &m_rows.at(row) : nullptr; }
    int rowOfKey(const QString &key) const
    {
        for (qsizetype i = 0; i < m_rows.size(); ++i)
            if (m_key(m_rows.at(i)) == key)
                return int(i);
        return -1;
    }

private:
    QVector<Column> m_columns;
    std::function<QString(const Row &)> m_key;
    QVector<Row> m_rows;
};

}  // namespace bd::ui
