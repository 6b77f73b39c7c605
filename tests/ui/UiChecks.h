#pragma once
// Checks the UI tests share: text that does not fit its widget, and controls a screen reader
// cannot name (QAccessible, as a screen reader asks). Used by tst_layout_ui (both window sizes)
// and tst_accessibility_ui (a larger font, a high-contrast palette).
#include <QAbstractButton>
#include <QAbstractSpinBox>
#include <QAccessible>
#include <QApplication>
#include <QComboBox>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QRegularExpression>
#include <QStyle>
#include <QTabBar>
#include <QTableView>
#include <QTest>
#include <QTextDocument>
#include <QToolButton>

namespace uichecks {

inline QString describe(const QWidget *w)
{
    QStringList path;
    for (const QWidget *p = w; p; p = p->parentWidget())
        path.prepend(p->objectName().isEmpty() ? QString::fromLatin1(p->metaObject()->className()) : p->objectName());
    return path.mid(qMax(0, int(path.size()) - 3)).join(QLatin1Char('/'));
}

inline bool shown(const QWidget *w)
{
    return w->isVisible() && w->width() > 0 && w->height() > 0;
}

inline QString plainText(const QLabel *label)
{
    if (label->textFormat() == Qt::PlainText || (label->textFormat() == Qt::AutoText && !Qt::mightBeRichText(label->text()))) {
        if (!label->buddy())
            return label->text();
        QString shown = label->text();   // a buddy's mnemonic '&' is not drawn ("&&" draws one '&')
        shown.replace(QStringLiteral("&&"), QStringLiteral("\x01"));
        shown.remove(QLatin1Char('&'));
        return shown.replace(QStringLiteral("\x01"), QStringLiteral("&"));
    }
    QTextDocument doc;
    doc.setHtml(label->text());
    return doc.toPlainText();
}

// Every text on `root` that does not fit its widget, as "where: text".
inline QStringList clippedTexts(QWidget *root)
{
    QStringList clipped;
    for (QLabel *label : root->findChildren<QLabel *>()) {
        const QString text = plainText(label);
        if (!shown(label) || text.trimmed().isEmpty() || label->pixmap().isNull() == false)
            continue;
        const QRect room = label->contentsRect().adjusted(label->margin(), label->margin(), -label->margin(), -label->margin());
        if (label->wordWrap()) {
            if (label->heightForWidth(label->width()) > label->height() + 1)
                clipped << QStringLiteral("%1 (wrapped, %2 > %3 px high): %4")
                               .arg(describe(label)).arg(label->heightForWidth(label->width())).arg(label->height()).arg(text);
            continue;
        }
        int widest = 0;
        const QStringList lines = text.split(QLatin1Char('\n'));
        for (const QString &line : lines)
            widest = qMax(widest, label->fontMetrics().horizontalAdvance(line));
        if (widest > room.width() + 1 || int(lines.size()) * label->fontMetrics().height() > room.height() + 2)
            clipped << QStringLiteral("%1 (%2 px in %3×%4): %5").arg(describe(label)).arg(widest).arg(room.width()).arg(room.height()).arg(text);
    }
    for (QAbstractButton *button : root->findChildren<QAbstractButton *>()) {
        if (!shown(button) || button->text().isEmpty() || qobject_cast<QTabBar *>(button->parentWidget()))
            continue;
        if (auto *tool = qobject_cast<QToolButton *>(button); tool && tool->toolButtonStyle() == Qt::ToolButtonIconOnly)
            continue;   // the text is its tooltip / accessible name
        if (button->width() + 1 < button->sizeHint().width())
            clipped << QStringLiteral("%1 (button %2 < %3): %4").arg(describe(button)).arg(button->width()).arg(button->sizeHint().width()).arg(button->text());
    }
    for (QTableView *table : root->findChildren<QTableView *>()) {
        if (!shown(table) || !table->model())
            continue;
        QHeaderView *header = table->horizontalHeader();
        for (int c = 0; c < header->count(); ++c) {
            if (header->isSectionHidden(c))
                continue;
            const bool stretched = header->stretchLastSection() && c == header->count() - 1;
            if (!stretched && header->sectionSize(c) + 1 < header->sectionSizeHint(c))
                clipped << QStringLiteral("%1 header %2 (%3 < %4)").arg(describe(table)).arg(table->model()->headerData(c, Qt::Horizontal).toString()).arg(header->sectionSize(c)).arg(header->sectionSizeHint(c));
            // Dates are never cut (the cell's text plus the item margins).
            const QString title = table->model()->headerData(c, Qt::Horizontal).toString();
            if (!title.contains(QRegularExpression(QStringLiteral("Created|Updated|Expir|Received|Date|Time|event"))))
                continue;
            for (int r = 0; r < qMin(table->model()->rowCount(), 50); ++r) {
                const QString cell = table->model()->index(r, c).data().toString();
                const int need = table->fontMetrics().horizontalAdvance(cell) + 2 * (table->style()->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, table) + 1);
                if (need > header->sectionSize(c) + 1) {
                    clipped << QStringLiteral("%1 date %2 (%3 < %4)").arg(describe(table), cell).arg(header->sectionSize(c)).arg(need);
                    break;
                }
            }
        }
    }
    return clipped;
}

// Controls without an accessible name; with `descriptions`, also without a description.
inline QStringList unnamedControls(QWidget *root, bool descriptions)
{
    QStringList missing;
    QList<QWidget *> controls;
    for (QWidget *w : root->findChildren<QWidget *>())
        if (shown(w) && w->focusPolicy() != Qt::NoFocus && w->isEnabled()
            && (qobject_cast<QAbstractButton *>(w) || qobject_cast<QLineEdit *>(w) || qobject_cast<QComboBox *>(w)
                || qobject_cast<QAbstractSpinBox *>(w) || qobject_cast<QAbstractItemView *>(w) || qobject_cast<QTabBar *>(w))
            && !qobject_cast<QLineEdit *>(w->parentWidget()) && !qobject_cast<QAbstractSpinBox *>(w->parentWidget())
            && !qobject_cast<QComboBox *>(w->parentWidget()))
            controls << w;
    for (QWidget *w : std::as_const(controls)) {
        QAccessibleInterface *iface = QAccessible::queryAccessibleInterface(w);
        if (!iface) {
            missing << describe(w) + QStringLiteral(": no accessible interface");
            continue;
        }
        if (iface->text(QAccessible::Name).trimmed().isEmpty())
            missing << describe(w) + QStringLiteral(": no name");
        else if (descriptions && iface->text(QAccessible::Description).trimmed().isEmpty()
                 && !qobject_cast<QTabBar *>(w))
            missing << describe(w) + QStringLiteral(" (") + iface->text(QAccessible::Name) + QStringLiteral("): no description");
    }
    return missing;
}

inline void settle()
{
    QTest::qWait(250);
    QApplication::processEvents();
}

}  // namespace uichecks
