#include "Palette.h"

#include <QApplication>
#include <QDir>
#include <QPalette>
#include <QStyle>
#include <QStyleFactory>
#include <QEventLoop>
#include <QTimer>
#include <QWidget>

namespace bd::ui {

void applyDarkPalette()
{
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    QPalette p;
    const QColor window(0x2b, 0x2d, 0x30), base(0x1e, 0x1f, 0x22), text(0xe6, 0xe6, 0xe6), disabled(0x80, 0x80, 0x80);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, QColor(0x26, 0x28, 0x2b));
    p.setColor(QPalette::ToolTipBase, window);
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, QColor(0x9a, 0x9a, 0x9a));
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, QColor(0x35, 0x37, 0x3b));
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, QColor(0xff, 0x6e, 0x6e));
    p.setColor(QPalette::Link, QColor(0x64, 0xb5, 0xf6));
    // ≥ 3:1 against Window and Base: Fusion draws the focus frame in this colour (WCAG 1.4.11).
    p.setColor(QPalette::Highlight, QColor(0x3a, 0x78, 0xde));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Light, QColor(0x45, 0x47, 0x4b));
    p.setColor(QPalette::Midlight, QColor(0x3a, 0x3c, 0x40));
    p.setColor(QPalette::Mid, QColor(0x30, 0x32, 0x36));
    p.setColor(QPalette::Dark, QColor(0x1a, 0x1b, 0x1d));
    p.setColor(QPalette::Shadow, Qt::black);
    for (auto role : { QPalette::WindowText, QPalette::Text, QPalette::ButtonText })
        p.setColor(QPalette::Disabled, role, disabled);
    QApplication::setPalette(p);
}

void applyLightPalette()
{
    QStyle *fusion = QStyleFactory::create(QStringLiteral("Fusion"));
    QApplication::setStyle(fusion);
    QApplication::setPalette(fusion->standardPalette());
}

namespace {

constexpr const char *kTone = "bd_statusTone";

void applyTone(QWidget *widget)
{
    const auto tone = StatusTone(widget->property(kTone).toInt());
    // The application's palette for this kind of widget, not the widget's own: a style sheet
    // colour already changed that one.
    const QString sheet = tone == StatusTone::Neutral
        ? QString()
        : QStringLiteral("color: %1;").arg(statusColour(tone, QApplication::palette(widget)).name());
    if (widget->styleSheet() != sheet)   // unchanged: no restyle, no PaletteChange echo
        widget->setStyleSheet(sheet);
}

// One per toned widget: re-applies its tone after a palette change reached it.
class ToneFollower : public QObject
{
public:
    explicit ToneFollower(QWidget *widget) : QObject(widget) { widget->installEventFilter(this); }

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if ((event->type() == QEvent::ApplicationPaletteChange || event->type() == QEvent::PaletteChange) && !m_pending) {
            m_pending = true;   // later: setting the style sheet sends a PaletteChange itself
            QTimer::singleShot(0, this, [this, widget = static_cast<QWidget *>(watched)] {
                applyTone(widget);
                QTimer::singleShot(0, this, [this] { m_pending = false; });
            });
        }
        return false;
    }

private:
    bool m_pending = false;
};

}  // namespace

void setStatusTone(QWidget *widget, StatusTone tone)
{
    if (!widget)
        return;
    if (!widget->property(kTone).isValid())
        new ToneFollower(widget);
    widget->setProperty(kTone, int(tone));
    applyTone(widget);
}

void saveTestShot(QWidget *widget, const QString &name)
{
    const QString dir = qEnvironmentVariable("BATCHDECK_TEST_SHOTS");
    if (dir.isEmpty() || !widget)
        return;
    QDir().mkpath(dir);
    QEventLoop settle;   // let pending layouts and repaints happen first
    QTimer::singleShot(150, &settle, &QEventLoop::quit);
    settle.exec();
    const bool dark = qEnvironmentVariableIsSet("BATCHDECK_TEST_DARK");
    widget->grab().save(QStringLiteral("%1/%2-%3.png").arg(dir, name, dark ? QStringLiteral("dark") : QStringLiteral("light")));
}

}  // namespace bd::ui
