#pragma once
// Paints a progress bar in one column (qBittorrent's transfer-list delegate): the model gives
// the percent (0-100, or -1 for "unknown/waiting") under SortRole, the text under DisplayRole and,
// optionally, the bar's colour under ForegroundRole.
#include <QStyledItemDelegate>

namespace bd::ui {

class ProgressDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    ProgressDelegate(int progressColumn, QObject *parent = nullptr);
    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;

private:
    int m_column;
};

}  // namespace bd::ui
