#pragma once
// Shared shape of the three tabs: a toolbar row, a sortable table over a background-refreshed
// model, a one-line status under it ("Updated 10:42 · 12 batches" or the last error).
#include <QWidget>

class QAbstractItemModel;
class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QTableView;
class QHBoxLayout;
class QVBoxLayout;

namespace bd { struct Error; }

namespace bd::ui {

class TabBase : public QWidget
{
    Q_OBJECT
public:
    explicit TabBase(QWidget *parent = nullptr);

    QTableView *table() const { return m_table; }
    QSortFilterProxyModel *proxy() const { return m_proxy; }
    // The tab's filter field (Edit → Filter, Ctrl+F), or nullptr.
    virtual QLineEdit *filterField() const { return nullptr; }

protected:
    // `name` keys the remembered column widths / sort ("ui/<name>/header") and splitter.
    void setSourceModel(QAbstractItemModel *model, int sortColumn, Qt::SortOrder order, const QString &name);
    void showRefreshResult(const Error &error, const QString &summary);
    // Row of the source model under the current selection, or -1.
    int selectedSourceRow() const;

    QHBoxLayout *m_toolbar = nullptr;
    QVBoxLayout *m_layout = nullptr;   // toolbar, table, status; tabs may add a detail pane
    QTableView *m_table = nullptr;
    QSortFilterProxyModel *m_proxy = nullptr;
    QLabel *m_status = nullptr;
};

}  // namespace bd::ui
