#include "TabBase.h"

#include "Palette.h"
#include "RecordTableModel.h"
#include "ViewState.h"
#include "core/Error.h"

#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

namespace bd::ui {

TabBase::TabBase(QWidget *parent) : QWidget(parent)
{
    m_layout = new QVBoxLayout(this);
    m_toolbar = new QHBoxLayout;
    m_layout->addLayout(m_toolbar);
    m_table = new QTableView(this);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setSortingEnabled(true);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);   // a date on two lines doubled the row height
    m_table->verticalHeader()->hide();
    // Not stretched: the last column of every list is a date, which a stretched section cut to
    // "5 Dec 2026 1…" at 800 px; too wide lists scroll sideways instead.
    m_table->horizontalHeader()->setStretchLastSection(false);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_layout->addWidget(m_table, 1);
    m_status = new QLabel(this);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status->setAccessibleName(tr("List status"));
    m_layout->addWidget(m_status);
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSortRole(SortRole);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_proxy->setFilterKeyColumn(-1);
}

void TabBase::setSourceModel(QAbstractItemModel *model, int sortColumn, Qt::SortOrder order, const QString &name)
{
    m_proxy->setSourceModel(model);
    m_table->setModel(m_proxy);
    m_table->setObjectName(name + QStringLiteral("Table"));
    m_table->sortByColumn(sortColumn, order);
    // Selection, scroll and column widths survive refreshes; widths and sort are remembered.
    ViewState::attach(m_table, name);
}

void TabBase::showRefreshResult(const Error &error, const QString &summary)
{
    const QString time = QLocale().toString(QDateTime::currentDateTime().time(), QLocale::ShortFormat);
    if (error) {
        setStatusTone(m_status, StatusTone::Bad);
        m_status->setText(tr("⚠ Refresh failed at %1: %2").arg(time, error.message));
    } else {
        setStatusTone(m_status, StatusTone::Neutral);
        m_status->setText(tr("Updated %1 · %2").arg(time, summary));
    }
}

int TabBase::selectedSourceRow() const
{
    const QModelIndexList rows = m_table->selectionModel() ? m_table->selectionModel()->selectedRows() : QModelIndexList();
    if (rows.isEmpty())
        return -1;
    return m_proxy->mapToSource(rows.first()).row();
}

}  // namespace bd::ui
