#include "FirstPaint.h"

#include <QApplication>
#include <QEvent>
#include <QPointer>
#include <QTimer>
#include <QWidget>

#include <cstdio>

namespace bd::ui {

namespace {

// Watches every widget's paint events (the top level itself may be fully covered by children)
// and runs the callback once, queued: the rest of the paint pass and the flush come first.
class FirstPaintFilter : public QObject
{
public:
    FirstPaintFilter(QWidget *window, std::function<void()> then, int fallbackMs)
        : QObject(window), m_window(window), m_then(std::move(then))
    {
        qApp->installEventFilter(this);
        QTimer::singleShot(fallbackMs, this, [this] { fire(); });
    }

    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (event->type() == QEvent::Paint && watched->isWidgetType()
            && static_cast<QWidget *>(watched)->window() == m_window) {
            qApp->removeEventFilter(this);
            QTimer::singleShot(0, this, [this] { fire(); });
        }
        return false;
    }

private:
    void fire()
    {
        if (!m_then)
            return;
        qApp->removeEventFilter(this);
        const std::function<void()> then = std::move(m_then);
        m_then = nullptr;
        deleteLater();
        then();
    }

    QWidget *m_window;
    std::function<void()> m_then;
};

}  // namespace

void afterFirstPaint(QWidget *window, std::function<void()> then, int fallbackMs)
{
    new FirstPaintFilter(window, std::move(then), fallbackMs);
}

void quitAfterFirstPaint(QWidget *window, QElapsedTimer sinceMain)
{
    // No fallback worth having: without a paint there is nothing to measure.
    afterFirstPaint(window, [sinceMain] {
        std::printf("first-paint-ms %lld\n", static_cast<long long>(sinceMain.elapsed()));
        std::fflush(stdout);
        QApplication::quit();
    }, 60000);
}

}  // namespace bd::ui
