// The window shell on the embedded sandbox: each tab lists the demo data, the status bar says
// where we are, and no secret reaches any file Batchdeck writes.
#include "AppSession.h"
#include "ConnectionDialog.h"
#include "DownloadDialog.h"
#include "ExportsTab.h"
#include "JobView.h"
#include "JobsTab.h"
#include "ListModels.h"
#include "MainWindow.h"
#include "NewJobDialog.h"
#include "StagingTab.h"
#include "UiTestHome.h"
#include "core/AppSettings.h"
#include "sandbox/Sandbox.h"

#include <QDirIterator>
#include <QPushButton>
#include <QStatusBar>
#include <QLabel>
#include <QTemporaryDir>
#include <QTest>

using namespace bd::ui;

class TstMainWindow : public QObject
{
    Q_OBJECT
    QTemporaryDir m_home;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(useTemporaryHome(m_home));
    }

    void tabsListTheDemoData()
    {
        AppSession session;
        MainWindow window(&session);
        window.show();
        QVERIFY(session.connectToSandbox(20.0));
        QTRY_COMPARE_WITH_TIMEOUT(session.state(), AppSession::State::Online, 15000);
        QCOMPARE(session.workspace(), QStringLiteral("sandbox-ws"));

        // Staging: the demo input batches and the finished job's output batches.
        BatchesModel *batches = window.stagingTab()->model();
        QTRY_VERIFY_WITH_TIMEOUT(batches->rowOfKey(QStringLiteral("demo-images")) >= 0, 15000);
        QVERIFY(batches->rowOfKey(QStringLiteral("demo-videos")) >= 0);
        const int row = batches->rowOfKey(QStringLiteral("demo-images"));
        QCOMPARE(batches->data(batches->index(row, BatchesModel::Type), Qt::DisplayRole).toString(),
                 QStringLiteral("simple-batch"));
        QCOMPARE(batches->data(batches->index(row, BatchesModel::Content), Qt::DisplayRole).toString(),
                 QStringLiteral("images"));
        QVERIFY(!batches->data(batches->index(row, BatchesModel::Expires), Qt::DisplayRole).toString().isEmpty());

        // Jobs: a finished job and a running one whose stage moves.
        JobsModel *jobs = window.jobsTab()->model();
        QTRY_VERIFY_WITH_TIMEOUT(jobs->rowOfKey(QStringLiteral("demo-running")) >= 0, 15000);
        const JobRow *finished = jobs->rowAt(jobs->rowOfKey(QStringLiteral("demo-finished")));
        QVERIFY(finished);
        QVERIFY(finished->job.isTerminal);
        QCOMPARE(finished->stateText(), QStringLiteral("Succeeded"));
        const JobRow *running = jobs->rowAt(jobs->rowOfKey(QStringLiteral("demo-running")));
        QVERIFY(running);
        QVERIFY(!running->job.isTerminal);
        const QDateTime firstUpdate = running->job.lastUpdate;
        // The background refresh picks up the simulator's progress without any click.
        QTRY_VERIFY_WITH_TIMEOUT(jobs->rowAt(jobs->rowOfKey(QStringLiteral("demo-running")))->job.lastUpdate > firstUpdate,
                                 20000);

        // Exports: the finished job's output batches, with their metadata.
        OutputBatchesModel *outputs = window.exportsTab()->model();
        QTRY_VERIFY_WITH_TIMEOUT(outputs->rowOfKey(QStringLiteral("demo-finished/demo-finished-export-out")) >= 0, 20000);
        const OutputBatchRow *exportRow =
            outputs->rowAt(outputs->rowOfKey(QStringLiteral("demo-finished/demo-finished-export-out")));
        QVERIFY(exportRow->batch.has_value());
        QCOMPARE(exportRow->batch->batchType, QStringLiteral("multipart-batch"));

        // Status bar: workspace and connection state.
        QStringList texts;
        for (QLabel *label : window.statusBar()->findChildren<QLabel *>())
            texts << label->text();
        QVERIFY2(texts.join(QLatin1Char('|')).contains(QStringLiteral("sandbox-ws")), qPrintable(texts.join('|')));
        QVERIFY(texts.join(QLatin1Char('|')).contains(QStringLiteral("Online")));
    }

    void newJobAndDownloadResultsReachTheirTabs()
    {
        AppSession session;
        MainWindow window(&session);
        window.show();
        QVERIFY(session.connectToSandbox(20.0));
        QTRY_COMPARE_WITH_TIMEOUT(session.state(), AppSession::State::Online, 15000);

        // Staging's "New job…" for a batch: the Jobs tab comes forward with the dialog for it.
        QCOMPARE(window.tabs()->currentWidget(), window.stagingTab());
        Q_EMIT window.stagingTab()->newJobRequested(QStringLiteral("demo-images"));
        QCOMPARE(window.tabs()->currentWidget(), window.jobsTab());
        auto *dialog = window.findChild<NewJobDialog *>();
        QVERIFY(dialog);
        QVERIFY(dialog->isVisible());
        QTRY_COMPARE_WITH_TIMEOUT(dialog->workflowSpec().batchId, QStringLiteral("demo-images"), 10000);
        dialog->close();

        // A finished job's "Download results…" in the job view: the Exports tab with its dialog.
        JobsModel *jobs = window.jobsTab()->model();
        QTRY_VERIFY_WITH_TIMEOUT(jobs->rowOfKey(QStringLiteral("demo-finished")) >= 0, 15000);
        window.jobsTab()->openJob(QStringLiteral("demo-finished"));
        QPushButton *download = window.jobsTab()->jobView()->downloadButton();
        QTRY_VERIFY_WITH_TIMEOUT(download->isEnabled(), 15000);   // enabled once the job is known finished
        QVERIFY(window.findChildren<DownloadDialog *>().isEmpty());
        download->click();
        QCOMPARE(window.tabs()->currentWidget(), window.exportsTab());
        auto *downloadDialog = window.findChild<DownloadDialog *>();
        QVERIFY(downloadDialog);
        QCOMPARE(downloadDialog->options().jobId, QStringLiteral("demo-finished"));
        downloadDialog->close();

        // A running job offers no download yet (the demo job ends after ≈ 40 s at this time scale).
        QTRY_VERIFY_WITH_TIMEOUT(jobs->rowOfKey(QStringLiteral("demo-running")) >= 0, 15000);
        window.jobsTab()->openJob(QStringLiteral("demo-running"));
        QTRY_VERIFY_WITH_TIMEOUT(window.jobsTab()->jobView()->stateText().contains(QStringLiteral("Running")), 10000);
        QVERIFY(!download->isEnabled());
    }

    void offlineIsShownAndRecovers()
    {
        // A sandbox we can stop and restart on the same port: the shell says "offline", then
        // recovers by itself when the service answers again.
        bd::sandbox::SandboxOptions options;
        options.demo = true;
        options.dataDir = m_home.filePath(QStringLiteral("sandbox-restart"));
        auto sandbox = std::make_unique<bd::sandbox::Sandbox>(options);
        QVERIFY(sandbox->start());
        const QUrl url = sandbox->apiUrl();
        AppSession session;
        MainWindow window(&session);
        session.connectTo(bd::ConnectionProfile::Custom, url, QStringLiteral("sandbox-key"), false);
        QTRY_COMPARE_WITH_TIMEOUT(session.state(), AppSession::State::Online, 15000);
        sandbox->stop();
        window.refreshAll();
        QTRY_COMPARE_WITH_TIMEOUT(session.state(), AppSession::State::Offline, 30000);
        options.port = quint16(url.port());
        sandbox = std::make_unique<bd::sandbox::Sandbox>(options);
        QVERIFY(sandbox->start());
        window.refreshAll();
        QTRY_COMPARE_WITH_TIMEOUT(session.state(), AppSession::State::Online, 30000);
    }

    void unauthorisedKeyIsReported()
    {
        bd::sandbox::Sandbox sandbox;
        QVERIFY(sandbox.start());
        AppSession session;
        session.connectTo(bd::ConnectionProfile::Custom, sandbox.apiUrl(), QStringLiteral("wrong-key-123456"), false);
        QTRY_COMPARE_WITH_TIMEOUT(session.state(), AppSession::State::Unauthorized, 15000);
    }

    void connectionDialogReportsTestResult()
    {
        bd::sandbox::Sandbox sandbox;
        QVERIFY(sandbox.start());
        AppSession session;
        ConnectionDialog dialog;
        dialog.setProfile(bd::ConnectionProfile::Custom, sandbox.apiUrl());
        QCOMPARE(dialog.profile(), bd::ConnectionProfile::Custom);
        bool ok = false;
        QString text;
        connect(&session, &AppSession::testFinished, this, [&](bool good, const QString &t) { ok = good; text = t; });
        session.testConnection(dialog.profile(), dialog.customUrl(), QStringLiteral("sandbox-key"));
        QTRY_VERIFY_WITH_TIMEOUT(!text.isEmpty(), 15000);
        QVERIFY2(ok, qPrintable(text));
        QVERIFY(text.contains(QStringLiteral("sandbox-ws")));
        text.clear();
        session.testConnection(dialog.profile(), dialog.customUrl(), QStringLiteral("not-the-key-9876"));
        QTRY_VERIFY_WITH_TIMEOUT(!text.isEmpty(), 15000);
        QVERIFY(!ok);
        QVERIFY2(!text.contains(QStringLiteral("not-the-key-9876")), qPrintable(text));
    }

    void noKeyInAnyFileWritten()
    {
        // Everything this test process wrote (settings, database, sandbox state) must be free of
        // the keys used above.
        bd::AppSettings settings;
        settings.setCustomBaseUrl(QUrl(QStringLiteral("http://127.0.0.1:1/?api_key=typed-into-url-555")));
        QVERIFY(!settings.customBaseUrl().toString().contains(QStringLiteral("typed-into-url-555")));
        int filesRead = 0;
        QDirIterator it(m_home.path(), QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            QFile f(it.next());
            QVERIFY(f.open(QIODevice::ReadOnly));
            const QByteArray bytes = f.readAll();
            ++filesRead;
            for (const char *secret : { "wrong-key-123456", "not-the-key-9876", "typed-into-url-555" })
                QVERIFY2(!bytes.contains(secret), qPrintable(f.fileName() + QStringLiteral(" contains ") + QLatin1String(secret)));
        }
        QVERIFY(filesRead > 0);
    }
};

QTEST_MAIN(TstMainWindow)
#include "tst_mainwindow.moc"
