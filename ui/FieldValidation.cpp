#include "FieldValidation.h"
#include "Palette.h"

#include "StatusTone.h"

#include <QEvent>
#include <QLabel>
#include <QWidget>

namespace bd::ui {

FieldValidation::FieldValidation(QObject *parent) : QObject(parent) {}

QLabel *FieldValidation::makeMessageLine(QWidget *parent)
{
    auto *line = new QLabel(parent);
    line->setObjectName(QStringLiteral("validationLine"));
    line->setWordWrap(false);
    // Reserved: one line high whether empty or not, so nothing below it moves.
    line->setMinimumHeight(line->fontMetrics().height());
    line->setTextFormat(Qt::PlainText);
    return line;
}

void FieldValidation::showMessage(QLabel *line, const QString &message)
{
    if (!line)
        return;
    line->setText(message.isEmpty() ? QString() : QStringLiteral("⚠ ") + message);
    line->setToolTip(message);
    setStatusTone(line, message.isEmpty() ? StatusTone::Neutral : StatusTone::Bad);   // follows a palette change
}

QLabel *FieldValidation::add(QWidget *field, Check check, QLabel *line)
{
    if (!line)
        line = makeMessageLine(field->parentWidget());
    field->installEventFilter(this);
    if (line->accessibleName().isEmpty())
        line->setAccessibleName(tr("Message for %1").arg(field->accessibleName().isEmpty() ? field->objectName()
                                                                                           : field->accessibleName()));
    m_entries.append(Entry{ field, line, std::move(check), false });
    return line;
}

void FieldValidation::watch(QWidget *field)
{
    field->installEventFilter(this);
    m_entries.append(Entry{ field, nullptr, {}, false });
}

bool FieldValidation::isTouched(QWidget *field) const
{
    for (const Entry &e : m_entries)
        if (e.field == field)
            return e.touched;
    return false;
}

void FieldValidation::touchAll()
{
    for (Entry &e : m_entries) {
        e.touched = true;
        show(e);
    }
    Q_EMIT touched(nullptr);
}

bool FieldValidation::eventFilter(QObject *watched, QEvent *event)
{
    if (event->type() == QEvent::FocusOut) {
        for (Entry &e : m_entries)
            if (e.field == watched && !e.touched) {
                e.touched = true;
                show(e);
                Q_EMIT touched(e.field);
            }
    }
    return QObject::eventFilter(watched, event);
}

void FieldValidation::show(Entry &entry)
{
    if (entry.line && entry.check)
        showMessage(entry.line, entry.touched ? entry.check() : QString());
}

void FieldValidation::recheck()
{
    for (Entry &e : m_entries)
        show(e);
}

bool FieldValidation::validateAll()
{
    QWidget *firstInvalid = nullptr;
    for (Entry &e : m_entries) {
        e.touched = true;
        show(e);
        if (!firstInvalid && e.check && !e.check().isEmpty())
            firstInvalid = e.field;
    }
    if (firstInvalid)
        firstInvalid->setFocus(Qt::OtherFocusReason);
    return !firstInvalid;
}

bool FieldValidation::isValid() const
{
    for (const Entry &e : m_entries)
        if (e.check && !e.check().isEmpty())
            return false;
    return true;
}

QString FieldValidation::message(QWidget *field) const
{
    for (const Entry &e : m_entries)
        if (e.field == field)
            return e.touched && e.check ? e.check() : QString();
    return {};
}

}  // namespace bd::ui
