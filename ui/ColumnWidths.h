#pragma once
// One rule for column widths (docs/ui-guidelines.md, Lists): a width is a number of characters
// of the view's current font, never a number of pixels, and a column is never narrower than its
// header text. ColumnWidths::install() puts one filter on qApp (like InteractionFilter) so the
// rule reaches every table and tree, whoever built it:
//  * when a view is first polished or shown, and when its columns change, every resizable column narrower
//    than its header text is widened to it (a width the user dragged, remembered by ViewState,
//    stays unless the header text no longer fits);
//  * when the font changes at runtime (the desktop's font size: QEvent::FontChange /
//    ApplicationFontChange) every width — fitted, given in characters or dragged — scales with
//    the font's character width, then is widened to its header again; rows keep their padding
//    around the new text height.
#include <QObject>

#include <initializer_list>
#include <utility>

class QAbstractItemView;
class QFontMetrics;
class QHeaderView;

namespace bd::ui {

// A font's measure for widths: the advance of a fixed sample of digits and lower-case letters
// (the ratio of two fonts' measures scales a width from one to the other).
int fontSampleWidth(const QFontMetrics &metrics);
// The width of one average character of `metrics` (digits and lower-case letters), ≥ 1 px.
int charWidth(const QFontMetrics &metrics);
// Pixels for a cell of `chars` characters in `view`'s font, cell margins included.
int widthForChars(const QAbstractItemView *view, int chars);
// Sets the given columns to (column, characters) widths, each at least its header text.
void setColumnChars(QAbstractItemView *view, std::initializer_list<std::pair<int, int>> columnChars);
// The view's horizontal header (QTableView's, QTreeView's), or nullptr.
QHeaderView *columnHeaderOf(const QAbstractItemView *view);
// Widens every visible, user-sized column narrower than its header text; returns how many.
int widenToHeaders(QHeaderView *header);
// Multiplies every visible, user-sized column by `factor` (a new font), then widens to headers.
void scaleColumns(QHeaderView *header, double factor);

class ColumnWidths : public QObject
{
    Q_OBJECT
public:
    // Install one filter on qApp (idempotent); returns it.
    static ColumnWidths *install();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    explicit ColumnWidths(QObject *parent) : QObject(parent) {}
    static void track(QAbstractItemView *view);
    static void followFont(QAbstractItemView *view);
};

}  // namespace bd::ui
