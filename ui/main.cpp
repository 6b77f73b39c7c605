// batchdeck: the desktop client. `batchdeck --sandbox` starts the embedded emulator with demo
// data (no account needed); otherwise it connects as the saved settings say.
#include "ActivityPanel.h"
#include "AppSession.h"
#include "ConnectionDialog.h"
#include "Accessibility.h"
#include "InteractionFilter.h"
#include "MainWindow.h"
#include "Palette.h"
#include "Screenshots.h"
#include "SortArrowStyle.h"
#include "FirstPaint.h"
#include "batchdeck/Version.h"
#include "core/HeapPolicy.h"
#include "core/Redact.h"
#include "core/ThreadPriority.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QIcon>
#include <QTabWidget>
#include <QTimer>

int main(int argc, char **argv)
{
    QElapsedTimer sinceMain;
    sinceMain.start();
    bd::fixHeapThresholds();   // flat memory at any folder size (core/HeapPolicy.h)
    // Uploads, scans and the embedded sandbox give way to the window (see ThreadPriority.h):
    // nice 5 weighs a worker a third of the GUI thread, and leaves it a fair share beside other
    // programs' work.
    bd::threads::setBackgroundNice(5);
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("batchdeck"));
    QApplication::setOrganizationName(QStringLiteral("Batchdeck"));
    QApplication::setApplicationVersion(QStringLiteral(BATCHDECK_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("batchdeck"));
    bd::installRedactingMessageHandler();
    bd::ui::InteractionFilter::install();   // wheel needs focus, Tab leaves tables: every window and dialog
    bd::ui::Accessibility::install();       // accessible names Qt cannot derive, for every control shown

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
    QCommandLineOption startupTime(QStringLiteral("print-startup-time"),
                                   QStringLiteral("Print the ms to the first painted window, then quit (benchmarks)."));
    parser.addOptions({ sandbox, timeScale, quitAfter, screenshots, palette, startupTime });
    parser.process(app);
    if (parser.value(palette) == QLatin1String("dark"))
        bd::ui::applyDarkPalette();
    else if (parser.value(palette) != QLatin1String("light"))
        parser.showHelp(2);
    bd::ui::SortArrowStyle::install();   // ▲ ascending, ▼ descending, on the chosen style

    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/batchdeck.svg")));
    bd::ui::AppSession session;
    bd::ui::MainWindow window(&session);
    if (parser.isSet(startupTime))
        bd::ui::quitAfterFirstPaint(&window, sinceMain);
    window.show();
    // Connecting (the sandbox's start, the keychain) waits for the first paint: the window shows
    // at once and says "Connecting" instead of appearing only when the connection is under way.
    const double scale = parser.value(timeScale).toDouble() > 0 ? parser.value(timeScale).toDouble() : 1.0;
    const bool useSandbox = parser.isSet(sandbox);
    bd::ui::afterFirstPaint(&window, [&session, useSandbox, scale] {
        if (useSandbox)
            session.startSandbox(scale);   // on a worker thread; the window says "Connecting…"
        else
            session.connectFromSettings();
        session.startWebhooksFromSettings();
    });
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
