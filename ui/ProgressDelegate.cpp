#include "ProgressDelegate.h"

#include "RecordTableModel.h"

#include <QApplication>
#include <QPainter>
#include <QStyleOptionProgressBar>

namespace bd::ui {

ProgressDelegate::ProgressDelegate(int progressColumn, QObject *parent)
    : QStyledItemDelegate(parent), m_column(progressColumn)
{
}

void ProgressDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    if (index.column() != m_column) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    QStyleOptionViewItem background = option;
    initStyleOption(&background, index);
    background.text.clear();
    QApplication::style()->drawControl(QStyle::CE_ItemViewItem, &background, painter, background.widget);

    const int percent = index.data(SortRole).toInt();
    QStyleOptionProgressBar bar;
    bar.rect = option.rect.adjusted(2, 2, -2, -2);
    bar.minimum = 0;
    bar.maximum = percent < 0 ? 0 : 100;   // 0..0 draws the busy/indeterminate style
    bar.progress = qBound(0, percent, 100);
    bar.text = index.data(Qt::DisplayRole).toString();
    bar.textVisible = true;
    bar.textAlignment = Qt::AlignCenter;
    bar.state = option.state | QStyle::State_Horizontal;
    bar.palette = option.palette;
    // A row may colour its bar (failed: the failure colour), so colour and text agree.
    if (const QVariant tone = index.data(Qt::ForegroundRole); tone.canConvert<QColor>() && tone.value<QColor>().isValid()) {
        bar.palette.setColor(QPalette::Highlight, tone.value<QColor>());
        bar.palette.setColor(QPalette::HighlightedText, Qt::white);
    }
    QApplication::style()->drawControl(QStyle::CE_ProgressBar, &bar, painter, option.widget);
}

}  // namespace bd::ui
