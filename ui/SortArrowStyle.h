#pragma once
// Column sort arrows that say what they mean: ▲ ascending (A first, oldest first), ▼ descending.
// Qt draws the Windows convention (an ascending column shows a down arrow), so the Jobs list,
// newest first, showed ▲. A proxy over the desktop's own style swaps only that arrow.
#include <QProxyStyle>

namespace bd::ui {

class SortArrowStyle : public QProxyStyle
{
public:
    using QProxyStyle::QProxyStyle;
    void drawPrimitive(PrimitiveElement element, const QStyleOption *option, QPainter *painter,
                       const QWidget *widget = nullptr) const override;
    // Wrap the application's current style (call after any palette / style choice).
    static void install();
};

}  // namespace bd::ui
