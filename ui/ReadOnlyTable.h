#pragma once
// The small read-only QTableWidget used for listings inside dialogs and panes (the staging
// detail pane, the ingest dialog): no row numbers, last column stretched, whole-row selection,
// alternating rows, no word wrap.
#include <QStringList>

class QTableWidget;
class QWidget;

namespace bd::ui {

QTableWidget *makeReadOnlyTable(const QStringList &headers, QWidget *parent);

}  // namespace bd::ui
