#pragma once
// The app-wide half of the interaction model (docs/ui-guidelines.md), installed once on the
// QApplication so it reaches every window and dialog, whoever wrote them:
//  * a wheel over a combo box, spin box or slider without focus does not change its value; the
//    event goes on to the parent (a scroll area scrolls instead);
//  * such value widgets take focus by click or Tab, never by wheel (Qt::StrongFocus);
//  * Tab leaves item views (arrows move inside them): setTabKeyNavigation(false);
//  * a dialog is never taller or wider than its main window when shown (its content scrolls).
#include <QObject>

namespace bd::ui {

class InteractionFilter : public QObject
{
    Q_OBJECT
public:
    explicit InteractionFilter(QObject *parent = nullptr);
    // Install one filter on qApp (idempotent); returns it.
    static InteractionFilter *install();
    // True for the widgets whose value a wheel would change.
    static bool isValueWidget(const QObject *object);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;
};

}  // namespace bd::ui
