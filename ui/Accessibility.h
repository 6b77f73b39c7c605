#pragma once
// Accessible names and descriptions for every control (docs/ui-guidelines.md, Accessibility),
// whoever built the screen. Qt names a control from its own text or a buddy label; what it misses
// is filled in here, once per widget when it is first shown (an app-wide event filter, like
// InteractionFilter):
//  * name: the QFormLayout row label (a row given as text + layout has no buddy), then the
//    placeholder text, then the tooltip, then the enclosing group box's title;
//  * description: the tooltip (or the placeholder) when it says more than the name.
// Names already set by a screen's author are never replaced.
#include <QObject>
#include <QString>
#include <QStringList>

class QWidget;

namespace bd::ui {

class Accessibility : public QObject
{
    Q_OBJECT
public:
    // Install one filter on qApp (idempotent); returns it.
    static Accessibility *install();

    // Name and describe the controls under `root` (root included) that lack it.
    static void complete(QWidget *root);
    // True for the widgets a screen reader must be able to name (buttons, fields, lists, tabs…).
    static bool isControl(const QWidget *widget);
    // What a screen reader would call it (QAccessible), trimmed.
    static QString accessibleName(QWidget *widget);
    static QString accessibleDescription(QWidget *widget);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    explicit Accessibility(QObject *parent) : QObject(parent) {}
    static void completeOne(QWidget *widget);
};

}  // namespace bd::ui
