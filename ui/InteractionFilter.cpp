#include "InteractionFilter.h"

#include <QAbstractItemView>
#include <QAbstractSlider>
#include <QAbstractSpinBox>
#include <QApplication>
#include <QComboBox>
#include <QDialog>
#include <QEvent>
#include <QScrollBar>
#include <QWidget>

namespace bd::ui {

InteractionFilter::InteractionFilter(QObject *parent) : QObject(parent) {}

InteractionFilter *InteractionFilter::install()
{
    if (auto *existing = qApp->findChild<InteractionFilter *>(QString(), Qt::FindDirectChildrenOnly))
        return existing;
    auto *filter = new InteractionFilter(qApp);
    qApp->installEventFilter(filter);
    // Widgets polished before the filter existed (none in main(), some in tests).
    for (QWidget *w : QApplication::allWidgets()) {
        QEvent polish(QEvent::Polish);
        filter->eventFilter(w, &polish);
    }
    return filter;
}

bool InteractionFilter::isValueWidget(const QObject *object)
{
    // Scroll bars are sliders too, but scrolling them is their purpose.
    return (qobject_cast<const QComboBox *>(object) || qobject_cast<const QAbstractSpinBox *>(object)
            || qobject_cast<const QAbstractSlider *>(object))
        && !qobject_cast<const QScrollBar *>(object);
}

bool InteractionFilter::eventFilter(QObject *watched, QEvent *event)
{
    switch (event->type()) {
    case QEvent::Polish:
        if (auto *view = qobject_cast<QAbstractItemView *>(watched))
            view->setTabKeyNavigation(false);
        else if (isValueWidget(watched)) {
            auto *w = static_cast<QWidget *>(watched);
            if (w->focusPolicy() == Qt::WheelFocus)
                w->setFocusPolicy(Qt::StrongFocus);
        }
        break;
    case QEvent::Show:
        // No dialog taller or wider than the window it belongs to (New job asked for 1050×720
        // in an 800×560 window); their forms scroll instead.
        if (auto *dialog = qobject_cast<QDialog *>(watched); dialog && dialog->parentWidget()) {
            const QWidget *owner = dialog->parentWidget()->window();
            if (owner->isVisible() && !owner->isMinimized()
                && (dialog->height() > owner->height() || dialog->width() > owner->width())) {
                dialog->resize(qMin(dialog->width(), owner->width()), qMin(dialog->height(), owner->height()));
                dialog->move(owner->geometry().center() - dialog->rect().center());
            }
        }
        break;
    case QEvent::Wheel:
        if (isValueWidget(watched) && !static_cast<QWidget *>(watched)->hasFocus()) {
            // Not ours to take: ignored, QApplication hands it to the parent (the form scrolls).
            event->ignore();
            return true;
        }
        break;
    default:
        break;
    }
    return QObject::eventFilter(watched, event);
}

}  // namespace bd::ui
