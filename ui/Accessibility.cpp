#include "Accessibility.h"

#include <QAbstractButton>
#include <QAbstractItemView>
#include <QAbstractSlider>
#include <QAbstractSpinBox>
#include <QAccessible>
#include <QApplication>
#include <QComboBox>
#include <QEvent>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPointer>
#include <QRegularExpression>
#include <QTabBar>
#include <QTextEdit>

namespace bd::ui {

namespace {

QString withoutMnemonic(QString text)
{
    text.replace(QStringLiteral("&&"), QStringLiteral("\x01"));
    text.remove(QLatin1Char('&'));
    text.replace(QStringLiteral("\x01"), QStringLiteral("&"));
    if (text.endsWith(QLatin1Char(':')))
        text.chop(1);
    return text.trimmed();
}

QString plain(const QString &maybeRich)
{
    return Qt::mightBeRichText(maybeRich) ? QString(maybeRich).remove(QRegularExpression(QStringLiteral("<[^>]*>"))).trimmed()
                                          : maybeRich.trimmed();
}

bool layoutContains(QLayout *layout, const QWidget *widget)
{
    if (!layout)
        return false;
    for (int i = 0; i < layout->count(); ++i) {
        QLayoutItem *item = layout->itemAt(i);
        if (item->widget() == widget || layoutContains(item->layout(), widget))
            return true;
    }
    return false;
}

// The label of the QFormLayout row that holds `widget` (directly or inside the row's layout).
QString formLabelOf(const QWidget *widget)
{
    for (const QWidget *p = widget->parentWidget(); p; p = p->parentWidget()) {
        for (QFormLayout *form : p->findChildren<QFormLayout *>(Qt::FindDirectChildrenOnly)
                                     + (qobject_cast<QFormLayout *>(p->layout()) ? QList<QFormLayout *>{ qobject_cast<QFormLayout *>(p->layout()) }
                                                                                 : QList<QFormLayout *>{})) {
            for (int row = 0; row < form->rowCount(); ++row) {
                QLayoutItem *field = form->itemAt(row, QFormLayout::FieldRole);
                if (!field || (field->widget() != widget && !layoutContains(field->layout(), widget)))
                    continue;
                if (QLayoutItem *label = form->itemAt(row, QFormLayout::LabelRole))
                    if (auto *text = qobject_cast<QLabel *>(label->widget()))
                        return withoutMnemonic(plain(text->text()));
            }
        }
        if (p->isWindow())
            break;
    }
    return {};
}

QString groupTitleOf(const QWidget *widget)
{
    for (const QWidget *p = widget->parentWidget(); p && !p->isWindow(); p = p->parentWidget())
        if (auto *group = qobject_cast<const QGroupBox *>(p))
            return withoutMnemonic(group->title());
    return {};
}

QString placeholderOf(const QWidget *widget)
{
    if (auto *line = qobject_cast<const QLineEdit *>(widget))
        return line->placeholderText();
    if (auto *combo = qobject_cast<const QComboBox *>(widget)) {
        if (combo->lineEdit() && !combo->lineEdit()->placeholderText().isEmpty())
            return combo->lineEdit()->placeholderText();
        return combo->placeholderText();
    }
    if (auto *text = qobject_cast<const QPlainTextEdit *>(widget))
        return text->placeholderText();
    if (auto *text = qobject_cast<const QTextEdit *>(widget))
        return text->placeholderText();
    return {};
}

}  // namespace

Accessibility *Accessibility::install()
{
    static QPointer<Accessibility> filter;
    if (!filter) {
        filter = new Accessibility(qApp);
        qApp->installEventFilter(filter);
    }
    return filter;
}

bool Accessibility::isControl(const QWidget *w)
{
    if (!w || w->focusPolicy() == Qt::NoFocus)
        return false;
    // The inner parts of compound controls are named through their owner.
    const QWidget *parent = w->parentWidget();
    if (qobject_cast<const QLineEdit *>(w) && (qobject_cast<const QAbstractSpinBox *>(parent) || qobject_cast<const QComboBox *>(parent)))
        return false;
    return qobject_cast<const QAbstractButton *>(w) || qobject_cast<const QLineEdit *>(w) || qobject_cast<const QComboBox *>(w)
           || qobject_cast<const QAbstractSpinBox *>(w) || qobject_cast<const QAbstractItemView *>(w)
           || qobject_cast<const QTabBar *>(w) || qobject_cast<const QAbstractSlider *>(w)
           || qobject_cast<const QPlainTextEdit *>(w) || qobject_cast<const QTextEdit *>(w);
}

QString Accessibility::accessibleName(QWidget *widget)
{
    QAccessibleInterface *iface = QAccessible::queryAccessibleInterface(widget);
    return iface ? iface->text(QAccessible::Name).trimmed() : QString();
}

QString Accessibility::accessibleDescription(QWidget *widget)
{
    QAccessibleInterface *iface = QAccessible::queryAccessibleInterface(widget);
    return iface ? iface->text(QAccessible::Description).trimmed() : QString();
}

void Accessibility::completeOne(QWidget *w)
{
    if (!isControl(w))
        return;
    // Scroll bars of scroll areas are named by Qt; item views' viewports are not controls.
    const QString tooltip = plain(w->toolTip());
    const QString placeholder = placeholderOf(w);
    QString name = accessibleName(w);
    if (name.isEmpty()) {
        for (const QString &candidate : { formLabelOf(w), placeholder, tooltip, groupTitleOf(w) }) {
            if (!candidate.isEmpty()) {
                name = candidate;
                w->setAccessibleName(candidate);
                break;
            }
        }
    }
    if (w->accessibleDescription().isEmpty() && accessibleDescription(w).isEmpty()) {
        for (const QString &candidate : { tooltip, placeholder }) {
            if (!candidate.isEmpty() && candidate.compare(name, Qt::CaseInsensitive) != 0) {
                w->setAccessibleDescription(candidate);
                break;
            }
        }
    }
}

void Accessibility::complete(QWidget *root)
{
    if (!root)
        return;
    completeOne(root);
    for (QWidget *w : root->findChildren<QWidget *>())
        completeOne(w);
}

bool Accessibility::eventFilter(QObject *watched, QEvent *event)
{
    // Show reaches every widget as it appears (children of a window included): a widget added
    // later (a job view, a dialog page) is named when it is first seen.
    if (event->type() == QEvent::Show && watched->isWidgetType())
        completeOne(static_cast<QWidget *>(watched));
    return QObject::eventFilter(watched, event);
}

}  // namespace bd::ui
