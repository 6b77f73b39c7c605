// Layouts that fit and controls a screen reader can name (docs/ui-guidelines.md), on the real
// screens with the embedded sandbox's demo data, at 800×560 and 1400×900:
//  * no clipped text: every visible label, button and column header has the room its text
//    needs (fontMetrics against the widget's geometry), and no date cell is cut;
//  * every visible control has an accessible name (QAccessible, as a screen reader asks), the
//    main window's controls a description too;
//  * no dialog is taller than the main window.
// BATCHDECK_TEST_SHOTS=DIR saves each screen (BATCHDECK_TEST_DARK: the dark palette).
#include "AppSession.h"
#include "ConnectionDialog.h"
#include "DownloadDialog.h"
#include "ExportsTab.h"
#include "IngestDialog.h"
#include "JobView.h"
#include "JobsTab.h"
#include "ListModels.h"
#include "MainWindow.h"
#include "Palette.h"
#include "SettingsDialog.h"
#include "StagingTab.h"
#include "UiChecks.h"
#include "UiTestHome.h"
#include "sandbox/DemoMedia.h"

#include <QAbstractButton>
#include <QAccessible>
#include <QAbstractSpinBox>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTabBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTextDocument>
#include <QToolButton>

using namespace bd::ui;

using namespace uichecks;

class TstLayoutUi : public QObject
{
    Q_OBJECT
    QTemporaryDir m_home;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(useTemporaryHome(m_home));
        if (qEnvironmentVariableIsSet("BATCHDECK_TEST_DARK"))
            applyDarkPalette();
    }

    void screensFitAndAreNamed_data()
    {
        QTest::addColumn<QSize>("size");
        QTest::newRow("800x560") << QSize(800, 560);
        QTest::newRow("1400x900") << QSize(1400, 900);
    }

    void screensFitAndAreNamed()
    {
        QFETCH(QSize, size);
        const QString tag = QStringLiteral("%1x%2").arg(size.width()).arg(size.height());
        AppSession session;
        MainWindow window(&session);
        window.resize(size);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(session.connectToSandbox(20.0));
        QTRY_COMPARE_WITH_TIMEOUT(session.state(), AppSession::State::Online, 15000);
        QTRY_VERIFY_WITH_TIMEOUT(window.stagingTab()->model()->rowOfKey(QStringLiteral("demo-images")) >= 0, 15000);
        QTRY_VERIFY_WITH_TIMEOUT(window.jobsTab()->model()->rowOfKey(QStringLiteral("demo-finished")) >= 0, 15000);
        QTRY_VERIFY_WITH_TIMEOUT(window.exportsTab()->model()->rowCount() > 0, 20000);
        QCOMPARE(window.size(), size);

        QStringList problems;
        const auto check = [&](QWidget *screen, const QString &name, bool descriptions) {
            settle();
            if (window.size() != size)   // a minimum size forced the window larger: content would be cut
                problems << QStringLiteral("%1: the window grew to %2×%3").arg(name).arg(window.width()).arg(window.height());
            saveTestShot(screen, name + QLatin1Char('-') + tag);
            for (const QString &p : clippedTexts(screen))
                problems << name + QStringLiteral(": clipped ") + p;
            for (const QString &p : unnamedControls(screen, descriptions))
                problems << name + QStringLiteral(": ") + p;
            if (screen != &window && screen->height() > window.height())
                problems << QStringLiteral("%1: %2 px high, taller than the window (%3)").arg(name).arg(screen->height()).arg(window.height());
        };

        window.stagingTab()->selectBatch(QStringLiteral("demo-images"));
        check(&window, QStringLiteral("staging"), true);
        window.tabs()->setCurrentWidget(window.jobsTab());
        window.jobsTab()->openJob(QStringLiteral("demo-finished"));
        QTRY_VERIFY_WITH_TIMEOUT(window.jobsTab()->jobView()->downloadButton()->isEnabled(), 15000);
        check(&window, QStringLiteral("job-view"), true);
        window.tabs()->setCurrentWidget(window.exportsTab());
        check(&window, QStringLiteral("exports"), true);

        ConnectionDialog connection(&window);
        connection.setProfile(bd::ConnectionProfile::RoboflowUS, {});
        connection.show();
        check(&connection, QStringLiteral("connection-dialog"), false);
        connection.close();

        SettingsDialog settings(&window);
        settings.show();
        check(&settings, QStringLiteral("settings-dialog"), false);
        settings.close();

        bd::ExportOptions options;
        options.jobId = QStringLiteral("demo-finished");
        options.targetDir = m_home.filePath(QStringLiteral("downloads/demo-finished"));
        DownloadDialog download(session.batches(), options, &window);
        download.show();
        check(&download, QStringLiteral("download-dialog"), false);
        download.close();

        const QString folder = m_home.filePath(QStringLiteral("layout-photos"));
        QDir().mkpath(folder);
        QFile jpeg(folder + QStringLiteral("/a.jpg"));
        QVERIFY(jpeg.open(QIODevice::WriteOnly));
        jpeg.write(bd::sandbox::tinyJpeg(QStringLiteral("layout")));
        jpeg.close();
        IngestDialog ingest({ folder }, &window);
        ingest.show();
        QTRY_VERIFY_WITH_TIMEOUT(!ingest.isScanning(), 15000);
        check(&ingest, QStringLiteral("ingest-dialog"), false);
        ingest.close();

        for (const QString &p : std::as_const(problems))
            qWarning("%s", qPrintable(p));
        QVERIFY2(problems.isEmpty(), qPrintable(QStringLiteral("%1 problem(s), listed above").arg(problems.size())));
        QTRY_VERIFY_WITH_TIMEOUT(!window.stagingTab()->model()->isRefreshing(), 10000);
        QTest::qWait(300);
    }
};

QTEST_MAIN(TstLayoutUi)
#include "tst_layout_ui.moc"
