#include "ColumnWidths.h"

#include <QAbstractItemView>
#include <QApplication>
#include <QEvent>
#include <QFontMetrics>
#include <QHeaderView>
#include <QPointer>
#include <QStyle>
#include <QTableView>
#include <QTimer>
#include <QTreeView>

namespace bd::ui {

namespace {

// What a font is measured by: the advance of this sample (its ratio between two fonts scales the
// widths; a 9 → 9.5 pt change moves it even when the rounded average character does not).
const QString &sample()
{
    static const QString text = QStringLiteral("0123456789abcdefghijklmnopqrstuvwxyz");
    return text;
}

// Dynamic properties on a tracked view: the font its widths were last laid out for.
constexpr const char *kSampleWidth = "bd_columnSampleWidth";
constexpr const char *kFontHeight = "bd_columnFontHeight";
constexpr const char *kPending = "bd_columnFontPending";

bool userSized(const QHeaderView *header, int section)
{
    if (header->isSectionHidden(section))
        return false;
    if (header->stretchLastSection() && header->visualIndex(section) == header->count() - 1)
        return false;   // the header gives it the rest of the row
    const QHeaderView::ResizeMode mode = header->sectionResizeMode(section);
    return mode == QHeaderView::Interactive || mode == QHeaderView::Fixed;
}

}  // namespace

int fontSampleWidth(const QFontMetrics &metrics)
{
    return metrics.horizontalAdvance(sample());
}

int charWidth(const QFontMetrics &metrics)
{
    return qMax(1, (metrics.horizontalAdvance(sample()) + int(sample().size()) - 1) / int(sample().size()));
}

int widthForChars(const QAbstractItemView *view, int chars)
{
    // The item delegate draws the text inside the focus-frame margin plus one pixel on each side.
    const int margin = 2 * (view->style()->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, view) + 1);
    return (fontSampleWidth(view->fontMetrics()) * chars + int(sample().size()) - 1) / int(sample().size())
        + margin;
}

QHeaderView *columnHeaderOf(const QAbstractItemView *view)
{
    if (auto *table = qobject_cast<const QTableView *>(view))
        return table->horizontalHeader();
    if (auto *tree = qobject_cast<const QTreeView *>(view))
        return tree->header();
    return nullptr;
}

void setColumnChars(QAbstractItemView *view, std::initializer_list<std::pair<int, int>> columnChars)
{
    QHeaderView *header = columnHeaderOf(view);
    if (!header)
        return;
    for (const auto &[column, chars] : columnChars)
        header->resizeSection(column, qMax(widthForChars(view, chars), header->sectionSizeHint(column)));
}

int widenToHeaders(QHeaderView *header)
{
    if (!header || header->isHidden() || !header->model())
        return 0;
    int widened = 0;
    for (int section = 0; section < header->count(); ++section) {
        if (!userSized(header, section))
            continue;
        const int hint = header->sectionSizeHint(section);
        if (header->sectionSize(section) < hint) {
            header->resizeSection(section, hint);
            ++widened;
        }
    }
    return widened;
}

void scaleColumns(QHeaderView *header, double factor)
{
    if (!header)
        return;
    for (int section = 0; section < header->count(); ++section)
        if (userSized(header, section))
            header->resizeSection(section, qRound(header->sectionSize(section) * factor));
    widenToHeaders(header);
}

ColumnWidths *ColumnWidths::install()
{
    if (auto *existing = qApp->findChild<ColumnWidths *>(QString(), Qt::FindDirectChildrenOnly))
        return existing;
    auto *filter = new ColumnWidths(qApp);
    qApp->installEventFilter(filter);
    // Views polished before the filter existed (tests that install it late).
    for (QWidget *w : QApplication::allWidgets())
        if (auto *view = qobject_cast<QAbstractItemView *>(w); view && view->testAttribute(Qt::WA_WState_Polished))
            track(view);
    return filter;
}

void ColumnWidths::track(QAbstractItemView *view)
{
    QHeaderView *header = columnHeaderOf(view);
    if (!header || view->property(kSampleWidth).isValid())
        return;
    view->setProperty(kSampleWidth, fontSampleWidth(view->fontMetrics()));
    view->setProperty(kFontHeight, view->fontMetrics().height());
    widenToHeaders(header);
    // New columns (a results file with other fields): their headers must fit too. Later, so the
    // view's own sizing of the new columns comes first. Not on every refresh: widths stay put.
    const auto widenLater = [view = QPointer<QAbstractItemView>(view)] {
        QTimer::singleShot(0, view, [view] {
            if (view)
                widenToHeaders(columnHeaderOf(view));
        });
    };
    connect(header, &QHeaderView::sectionCountChanged, view, widenLater);
}

void ColumnWidths::followFont(QAbstractItemView *view)
{
    view->setProperty(kPending, {});
    QHeaderView *header = columnHeaderOf(view);
    const int oldSample = view->property(kSampleWidth).toInt();
    const int newSample = fontSampleWidth(view->fontMetrics());
    if (oldSample > 0 && newSample != oldSample)
        scaleColumns(header, double(newSample) / oldSample);
    else
        widenToHeaders(header);
    // Rows keep the padding the view gave them around the text (style default or its own).
    const int oldHeight = view->property(kFontHeight).toInt();
    const int newHeight = view->fontMetrics().height();
    if (auto *table = qobject_cast<QTableView *>(view); table && oldHeight > 0 && newHeight != oldHeight) {
        QHeaderView *rows = table->verticalHeader();
        if (rows->sectionResizeMode(0) == QHeaderView::Interactive || rows->sectionResizeMode(0) == QHeaderView::Fixed
            || rows->count() == 0)
            rows->setDefaultSectionSize(qMax(newHeight, rows->defaultSectionSize() + newHeight - oldHeight));
    }
    view->setProperty(kSampleWidth, newSample);
    view->setProperty(kFontHeight, newHeight);
}

bool ColumnWidths::eventFilter(QObject *watched, QEvent *event)
{
    switch (event->type()) {
    case QEvent::Polish:   // every view of a shown window, hidden tabs included (they follow the font too)
    case QEvent::Show:
        if (auto *view = qobject_cast<QAbstractItemView *>(watched))
            track(view);
        break;
    case QEvent::FontChange:
    case QEvent::ApplicationFontChange: {
        auto *view = qobject_cast<QAbstractItemView *>(watched);
        if (!view || !view->property(kSampleWidth).isValid() || view->property(kPending).isValid())
            break;
        // Later: the header (a child) and the item fonts change after the view is told.
        view->setProperty(kPending, true);
        QTimer::singleShot(0, view, [view = QPointer<QAbstractItemView>(view)] {
            if (view)
                followFont(view);
        });
        break;
    }
    default:
        break;
    }
    return QObject::eventFilter(watched, event);
}

}  // namespace bd::ui
