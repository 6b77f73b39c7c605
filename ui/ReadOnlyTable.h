#pragma once
// The small read-only QTableWidget used for listings inside dialogs and panes (the staging
// detail pane, the ingest dialog): no row numbers, last column stretched, whole-row selection,
// alternating rows, no word wrap.
#include <QStringList>

class QTableView;
class QTableWidget;
class QWidget;

namespace bd::ui {

// The read-only list look shared by every table: whole rows selected, no editing, no row
// numbers, alternating rows, no wrapping, the last column stretched.
void setReadOnlyListLook(QTableView *table);
QTableWidget *makeReadOnlyTable(const QStringList &headers, QWidget *parent);

}  // namespace bd::ui
