#include "StageTimeline.h"

#include "core/Format.h"

#include <QApplication>
#include <QLocale>
#include <QMouseEvent>
#include <QPainter>
#include <QStyleOptionProgressBar>

namespace bd::ui {

namespace {
constexpr int kMargin = 4;
constexpr int kGap = 18;           // room for the arrow between boxes
constexpr int kPad = 8;
constexpr int kMinBoxWidth = 210;  // below this the stages stack vertically
constexpr int kBarHeight = 18;

bool isDark(const QPalette &palette)
{
    return palette.color(QPalette::Base).lightness() < 128;
}
}  // namespace

QColor StageTimeline::successColour(const QPalette &palette)
{
    return isDark(palette) ? QColor(0x81, 0xc7, 0x84) : QColor(0x2e, 0x7d, 0x32);
}

QColor StageTimeline::failureColour(const QPalette &palette)
{
    return isDark(palette) ? QColor(0xef, 0x9a, 0x9a) : QColor(0xc6, 0x28, 0x28);
}

StageTimeline::StageTimeline(QWidget *parent) : QWidget(parent)
{
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    setFocusPolicy(Qt::StrongFocus);
    setToolTip(tr("Click a stage to list its tasks"));
}

void StageTimeline::setEntries(const QVector<Entry> &entries, const QString &currentStage)
{
    const bool shapeChanged = entries.size() != m_entries.size();
    m_entries = entries;
    m_current = -1;
    for (int i = 0; i < m_entries.size(); ++i)
        if (m_entries.at(i).name == currentStage)
            m_current = i;
    if (m_selected >= m_entries.size())
        m_selected = -1;
    if (shapeChanged)
        updateGeometry();
    update();
}

void StageTimeline::setSelectedIndex(int index)
{
    if (index < -1 || index >= m_entries.size() || index == m_selected)
        return;
    m_selected = index;
    update();
    Q_EMIT stageSelected(index);
}

bool StageTimeline::isStacked() const
{
    const int n = qMax(1, int(m_entries.size()));
    return (width() - 2 * kMargin - (n - 1) * kGap) / n < kMinBoxWidth;
}

int StageTimeline::boxHeight() const
{
    const QFontMetrics fm = fontMetrics();
    return kPad * 2 + fm.height() * 3 + kBarHeight + 3 * 4;
}

QRect StageTimeline::boxRect(int index, int width) const
{
    const int n = qMax(1, int(m_entries.size()));
    const int inner = width - 2 * kMargin;
    const int boxWidth = (inner - (n - 1) * kGap) / n;
    if (boxWidth < kMinBoxWidth)   // stacked: one box per row
        return QRect(kMargin, kMargin + index * (boxHeight() + kMargin), inner, boxHeight());
    return QRect(kMargin + index * (boxWidth + kGap), kMargin, boxWidth, boxHeight());
}

int StageTimeline::heightForWidth(int width) const
{
    const int n = qMax(1, int(m_entries.size()));
    const bool stacked = (width - 2 * kMargin - (n - 1) * kGap) / n < kMinBoxWidth;
    return stacked ? kMargin + n * (boxHeight() + kMargin) : boxHeight() + 2 * kMargin;
}

QSize StageTimeline::sizeHint() const
{
    const int n = qMax(1, int(m_entries.size()));
    return { 2 * kMargin + n * 260 + (n - 1) * kGap, boxHeight() + 2 * kMargin };
}

QSize StageTimeline::minimumSizeHint() const
{
    return { 120, heightForWidth(120) };
}

QString StageTimeline::countsText(const Entry &e) const
{
    if (!e.started)
        return e.skipped ? tr("Not run") : tr("Not started");
    const api::StageProgress &p = e.progress;
    return tr("%1 waiting · %2 running · %3 succeeded · %4 failed")
        .arg(p.waiting).arg(p.running).arg(p.succeeded).arg(p.failed);
}

QString StageTimeline::timesText(const Entry &e) const
{
    if (!e.start.isValid())
        return {};
    const QString start = QLocale().toString(e.start.toLocalTime().time(), QLocale::ShortFormat);
    const QDateTime end = e.finished && e.end.isValid() ? e.end : QDateTime::currentDateTimeUtc();
    return tr("Started %1 · %2").arg(start, formatDuration(qMax<qint64>(0, e.start.secsTo(end))));
}

void StageTimeline::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    if (m_entries.isEmpty()) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(rect(), Qt::AlignCenter, tr("No stages yet"));
        return;
    }
    const bool stacked = isStacked();
    for (int i = 0; i < m_entries.size(); ++i) {
        const QRect r = boxRect(i, width());
        paintBox(p, m_entries.at(i), r, i == m_current, i == m_selected);
        if (!stacked && i + 1 < m_entries.size()) {   // arrow to the next stage
            p.setPen(QPen(palette().color(QPalette::Mid), 2));
            const int y = r.center().y();
            const int x0 = r.right() + 4, x1 = r.right() + kGap - 4;
            p.drawLine(x0, y, x1, y);
            p.drawLine(x1, y, x1 - 5, y - 4);
            p.drawLine(x1, y, x1 - 5, y + 4);
        }
    }
}

void StageTimeline::paintBox(QPainter &p, const Entry &e, const QRect &r, bool current, bool selected) const
{
    const QPalette pal = palette();
    QColor fill = pal.color(QPalette::Base);
    if (selected) {
        QColor h = pal.color(QPalette::Highlight);
        h.setAlpha(45);
        fill = h;
    }
    p.setBrush(fill);
    // The frame says where the job is (current) and, in the failure colour, where it broke.
    const QColor frame = e.progress.hasError ? failureColour(pal)
                                             : (current ? pal.color(QPalette::Highlight) : pal.color(QPalette::Mid));
    p.setPen(QPen(frame, current || e.progress.hasError ? 2.5 : 1));
    p.drawRoundedRect(QRectF(r).adjusted(1, 1, -1, -1), 5, 5);

    const QFontMetrics fm = fontMetrics();
    QRect line(r.left() + kPad, r.top() + kPad, r.width() - 2 * kPad, fm.height());

    // Title: the stage name and its state word, coloured by outcome.
    QString state;
    QColor stateColour = pal.color(QPalette::Text);
    if (!e.started) {
        state = e.skipped ? tr("not run") : tr("planned");
        stateColour = pal.color(QPalette::PlaceholderText);
    } else if (e.progress.hasError) {
        state = tr("failed");
        stateColour = failureColour(pal);
    } else if (e.finished) {
        state = tr("succeeded");
        stateColour = successColour(pal);
    } else {
        state = current ? tr("running · current") : tr("running");
        stateColour = pal.color(QPalette::Highlight);
        if (isDark(pal))
            stateColour = stateColour.lighter(150);
    }
    QFont bold = font();
    bold.setBold(true);
    p.setFont(bold);
    p.setPen(pal.color(QPalette::Text));
    const QFontMetrics bfm(bold);
    const int stateWidth = fm.horizontalAdvance(state) + kPad;
    const QString name = bfm.elidedText(e.name, Qt::ElideRight, qMax(10, line.width() - stateWidth));
    p.drawText(line, Qt::AlignLeft | Qt::AlignVCenter, name);
    p.setFont(font());
    p.setPen(stateColour);
    p.drawText(line, Qt::AlignRight | Qt::AlignVCenter, state);

    // Progress bar, drawn by the style so it matches the tables' ProgressDelegate; a stage that
    // has not started gets a dashed outline instead (an empty bar reads as "stuck at 0 %").
    QStyleOptionProgressBar bar;
    bar.initFrom(this);
    bar.rect = QRect(line.left(), line.bottom() + 5, line.width(), kBarHeight);
    if (e.started) {
        bar.minimum = 0;
        bar.maximum = 100;
        bar.progress = qBound(0, int(e.progress.progress * 100.0 + 0.5), 100);
        bar.text = QStringLiteral("%1 %").arg(bar.progress);
        bar.textVisible = true;
        bar.textAlignment = Qt::AlignCenter;
        bar.state |= QStyle::State_Horizontal;
        // A failed stage's bar is not the running blue at 100 %: the failure colour, as its frame.
        if (e.progress.hasError)
            bar.palette.setColor(QPalette::Highlight, failureColour(pal));
        style()->drawControl(QStyle::CE_ProgressBar, &bar, &p, this);
    } else {
        p.setPen(QPen(pal.color(QPalette::Mid), 1, Qt::DashLine));
        p.setBrush(Qt::NoBrush);
        p.drawRoundedRect(QRectF(bar.rect).adjusted(0.5, 0.5, -0.5, -0.5), 3, 3);
        p.setPen(pal.color(QPalette::PlaceholderText));
        p.drawText(bar.rect, Qt::AlignCenter, fm.elidedText(e.skipped ? tr("the job ended before this stage") : tr("waiting for the previous stage"), Qt::ElideRight, bar.rect.width() - 8));
    }

    p.setPen(pal.color(QPalette::Text));
    line.moveTop(bar.rect.bottom() + 5);
    p.drawText(line, Qt::AlignLeft | Qt::AlignVCenter, fm.elidedText(countsText(e), Qt::ElideRight, line.width()));
    line.moveTop(line.bottom() + 4);
    p.setPen(pal.color(QPalette::PlaceholderText));
    p.drawText(line, Qt::AlignLeft | Qt::AlignVCenter, fm.elidedText(timesText(e), Qt::ElideRight, line.width()));
}

void StageTimeline::mousePressEvent(QMouseEvent *event)
{
    for (int i = 0; i < m_entries.size(); ++i)
        if (boxRect(i, width()).contains(event->position().toPoint())) {
            setSelectedIndex(i);
            return;
        }
    QWidget::mousePressEvent(event);
}

}  // namespace bd::ui
