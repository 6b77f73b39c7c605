#include "SortArrowStyle.h"

#include <QApplication>
#include <QStyleOptionHeader>

namespace bd::ui {

void SortArrowStyle::drawPrimitive(PrimitiveElement element, const QStyleOption *option, QPainter *painter,
                                   const QWidget *widget) const
{
    if (element == PE_IndicatorHeaderArrow) {
        if (const auto *header = qstyleoption_cast<const QStyleOptionHeader *>(option)) {
            QStyleOptionHeader swapped = *header;
            if (header->sortIndicator == QStyleOptionHeader::SortUp)
                swapped.sortIndicator = QStyleOptionHeader::SortDown;
            else if (header->sortIndicator == QStyleOptionHeader::SortDown)
                swapped.sortIndicator = QStyleOptionHeader::SortUp;
            QProxyStyle::drawPrimitive(element, &swapped, painter, widget);
            return;
        }
    }
    QProxyStyle::drawPrimitive(element, option, painter, widget);
}

void SortArrowStyle::install()
{
    if (dynamic_cast<SortArrowStyle *>(QApplication::style()))
        return;
    QApplication::setStyle(new SortArrowStyle(QApplication::style()->name()));
}

}  // namespace bd::ui
