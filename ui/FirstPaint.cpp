#include "StartupProbe.h"

#include <QApplication>
#include <QEvent>
#include <QTimer>
#include <QWidget>

#include <cstdio>

namespace bd::ui {

namespace {

// Watches every widget's paint events (the top level itself may be fully covered by children).
class FirstPaintFilter : public QObject
{
public:
    FirstPaintFilter(QWidget *window, QElapsedTimer sinceMain) : QObject(window), m_window(window), m_sinceMain(sinceMain) {}

    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (!m_seen && event->type() == QEvent::Paint && watched->isWidgetType()
            && static_cast<QWidget *>(watched)->window() == m_window) {
            m_seen = true;
            // Queued: the rest of this paint pass and the flush to the screen come first.
            QTimer::singleShot(0, this, [this] {
                std::printf("first-paint-ms %lld\n", static_cast<long long>(m_sinceMain.elapsed()));
                std::fflush(stdout);
                QApplication::quit();
            });
        }
        return false;
    }

private:
    QWidget *m_window;
    QElapsedTimer m_sinceMain;
    bool m_seen = false;
};

}  // namespace

void quitAfterFirstPaint(QWidget *window, QElapsedTimer sinceMain)
{
    qApp->installEventFilter(new FirstPaintFilter(window, sinceMain));
}

}  // namespace bd::ui
