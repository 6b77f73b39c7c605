#include "ReadOnlyTable.h"

#include <QHeaderView>
#include <QTableWidget>

namespace bd::ui {

void setReadOnlyListLook(QTableView *table)
{
    table->verticalHeader()->hide();
    table->horizontalHeader()->setStretchLastSection(true);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setAlternatingRowColors(true);
    table->setWordWrap(false);
}

QTableWidget *makeReadOnlyTable(const QStringList &headers, QWidget *parent)
{
    auto *table = new QTableWidget(0, int(headers.size()), parent);
    table->setHorizontalHeaderLabels(headers);
    setReadOnlyListLook(table);
    return table;
}

}  // namespace bd::ui
