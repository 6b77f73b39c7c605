// batchdeck: the desktop client. `batchdeck --sandbox` starts the embedded emulator with demo
// data (no account needed); otherwise it connects as the saved settings say.
#include "ActivityPanel.h"
#include "AppSession.h"
#include "ConnectionDialog.h"
#include "MainWindow.h"
#include "Screenshots.h"
#include "core/Redact.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QIcon>
#include <QPalette>
#include <QStyleFactory>
#include <QTabWidget>
#include <QTimer>

namespace {

// Fusion with a dark palette: the same look on every desktop, for dark-mode screenshots and users.
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
    p.setColor(QPalette::Highlight, QColor(0x2f, 0x65, 0xca));
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

}  // namespace

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("batchdeck"));
    QApplication::setOrganizationName(QStringLiteral("Batchdeck"));
    QApplication::setApplicationVersion(QStringLiteral(BATCHDECK_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("batchdeck"));
    bd::installRedactingMessageHandler();

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Desktop client for Roboflow Batch Processing"));
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption sandbox(QStringLiteral("sandbox"), QStringLiteral("Run on the embedded sandbox with demo data."));
    QCommandLineOption timeScale(QStringLiteral("time-scale"), QStringLiteral("Sandbox job speed (default 1)."),
                                 QStringLiteral("factor"), QStringLiteral("1"));
    QCommandLineOption quitAfter(QStringLiteral("quit-after"), QStringLiteral("Quit after N seconds (smoke tests)."),
                                 QStringLiteral("seconds"));
    QCommandLineOption screenshots(QStringLiteral("screenshot-dir"),
                                   QStringLiteral("Save a PNG of each tab after N seconds, then quit (docs, checks)."),
                                   QStringLiteral("dir"));
    QCommandLineOption palette(QStringLiteral("palette"), QStringLiteral("Colour scheme: light (default) or dark (Fusion)."),
                               QStringLiteral("light|dark"), QStringLiteral("light"));
    parser.addOptions({ sandbox, timeScale, quitAfter, screenshots, palette });
    parser.process(app);
    if (parser.value(palette) == QLatin1String("dark"))
        applyDarkPalette();
    else if (parser.value(palette) != QLatin1String("light"))
        parser.showHelp(2);

    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/batchdeck.svg")));
    bd::ui::AppSession session;
    bd::ui::MainWindow window(&session);
    window.show();
    if (parser.isSet(sandbox))
        session.connectToSandbox(parser.value(timeScale).toDouble() > 0 ? parser.value(timeScale).toDouble() : 1.0);
    else
        session.connectFromSettings();
    session.startWebhooksFromSettings();
    if (parser.isSet(screenshots)) {
        const QString dir = parser.value(screenshots);
        const int seconds = parser.isSet(quitAfter) ? parser.value(quitAfter).toInt() : 5;
        QTimer::singleShot(seconds * 1000, &app, [&window, dir] {
            QDir().mkpath(dir);
            for (int i = 0; i < window.tabs()->count(); ++i) {
                window.tabs()->setCurrentIndex(i);
                QApplication::processEvents();
                window.grab().save(QStringLiteral("%1/tab-%2.png").arg(dir).arg(i));
            }
            bd::ui::ConnectionDialog dialog(&window);
            dialog.setProfile(bd::ConnectionProfile::RoboflowUS, {});
            dialog.show();
            QApplication::processEvents();
            dialog.grab().save(QStringLiteral("%1/connection-dialog.png").arg(dir));
            bd::ui::saveAutomationScreenshots(&window, dir);
            QApplication::quit();
        });
    } else if (parser.isSet(quitAfter))
        QTimer::singleShot(parser.value(quitAfter).toInt() * 1000, &app, &QApplication::quit);
    return app.exec();
}
