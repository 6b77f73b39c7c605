// Webhooks in the GUI, on the embedded sandbox (which posts with its publishable key): with the
// receiver on and every poll stretched to an hour, a RoboQL ingest's ingest-status notification
// updates the Staging tab's file count and a job's completion notification turns its Jobs row to
// "Succeeded" — both after the notification arrived and long before any poll. Notifications
// appear in the Activity panel and are kept; the publishable key never lands in a file.
#include "ActivityModel.h"
#include "ActivityPanel.h"
#include "AppSession.h"
#include "BatchCountProxy.h"
#include "JobsTab.h"
#include "ListModels.h"
#include "MainWindow.h"
#include "SettingsDialog.h"
#include "StagingTab.h"
#include "UiTestHome.h"
#include "api/ApiClient.h"
#include "jobs/JobMonitor.h"
#include "notify/WebhookReceiver.h"
#include "notify/WebhookStore.h"
#include "sandbox/Sandbox.h"
#include "secrets/SecretStore.h"

#include <QCheckBox>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QJsonObject>
#include <QLineEdit>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

using namespace bd::ui;
using bd::notify::WebhookEvent;
using bd::notify::WebhookKind;

namespace {
constexpr int kHour = 3600 * 1000;
}

class TstWebhooksUi : public QObject
{
    Q_OBJECT
    QTemporaryDir m_home;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(useTemporaryHome(m_home));
    }

    void notificationsUpdateModelsWithoutPolling()
    {
        AppSession session;
        MainWindow window(&session);
        window.show();
        // No background refresh for an hour: whatever changes below, a webhook changed it.
        window.setRefreshIntervals(kHour, kHour);
        session.jobs()->monitor()->setPollIntervals(kHour, kHour);
        QVERIFY(session.connectToSandbox(20.0));
        QTRY_COMPARE_WITH_TIMEOUT(session.state(), AppSession::State::Online, 15000);

        WebhookSettings hooks;
        hooks.enabled = true;
        hooks.port = 0;
        QString error;
        QVERIFY2(session.startWebhookReceiver(hooks, session.sandbox()->options().publishableKey, &error), qPrintable(error));
        const QString hookUrl = session.notificationsUrl().toString();
        QVERIFY(hookUrl.startsWith(QStringLiteral("http://127.0.0.1:")));
        QVERIFY(window.activityPanel()->statusText().contains(hookUrl));

        QElapsedTimer clock;
        clock.start();
        // What the models showed at the moment each notification came in (MainWindow reacts
        // asynchronously, so these are the values from before its refresh).
        qint64 countWhenIngestHookArrived = -2;
        bool jobTerminalWhenHookArrived = true;
        qint64 ingestHookAtMs = -1, jobHookAtMs = -1;
        JobsModel *jobs = window.jobsTab()->model();
        BatchCountProxy *counts = window.stagingTab()->countProxy();
        connect(&session, &AppSession::webhookReceived, this, [&](const WebhookEvent &e) {
            if (e.kind == WebhookKind::IngestStatus && e.batchId == QLatin1String("hooked-batch") && ingestHookAtMs < 0) {
                ingestHookAtMs = clock.elapsed();
                countWhenIngestHookArrived = counts->count(e.batchId);
            }
            if (e.kind == WebhookKind::JobCompletion && e.jobId == QLatin1String("hooked-job") && jobHookAtMs < 0) {
                jobHookAtMs = clock.elapsed();
                const JobRow *row = jobs->rowAt(jobs->rowOfKey(e.jobId));
                jobTerminalWhenHookArrived = row && row->job.isTerminal;
            }
        });

        // --- Staging: a RoboQL ingest (40 library images) that reports to the receiver. -----------
        QTRY_VERIFY_WITH_TIMEOUT(window.stagingTab()->model()->rowOfKey(QStringLiteral("demo-images")) >= 0, 15000);
        auto *ingest = session.api()->roboqlIngest(
            QStringLiteral("hooked-batch"),
            QJsonObject{ { "query", "*" }, { "displayName", "Hooked batch" }, { "notificationsURL", hookUrl } });
        QVERIFY(ingest->exec());
        QVERIFY2(!ingest->error(), qPrintable(ingest->error().message));
        ingest->deleteLater();

        // --- Jobs: a job on the demo batch that reports its completion to the receiver. ---------
        QTRY_VERIFY_WITH_TIMEOUT(jobs->rowOfKey(QStringLiteral("demo-running")) >= 0, 15000);
        const QJsonObject definition{
            { "type", "simple-image-processing-v1" },
            { "jobInput", QJsonObject{ { "type", "staging-batch-input-v1" }, { "batchId", "demo-images" } } },
            { "computeConfiguration", QJsonObject{ { "type", "compute-configuration-v2" } } },
            { "processingSpecification", QJsonObject{ { "type", "workflows-processing-specification-v1" },
                                                      { "workspace", session.workspace() },
                                                      { "workflowId", "wf-hooked" },
                                                      { "persistImagesOutputs", false } } },
            { "notificationsURL", hookUrl } };
        auto *create = session.api()->createJob(QStringLiteral("hooked-job"), QStringLiteral("Hooked job"), definition);
        QVERIFY(create->exec());
        QVERIFY2(!create->error(), qPrintable(create->error().message));
        create->deleteLater();
        // One explicit refresh lists the running job (the only refresh this test asks for).
        window.jobsTab()->refresh();
        QTRY_VERIFY_WITH_TIMEOUT(jobs->rowOfKey(QStringLiteral("hooked-job")) >= 0, 15000);

        // The ingest is indexed after the sandbox's index delay; its notification brings the count.
        QTRY_VERIFY_WITH_TIMEOUT(ingestHookAtMs >= 0, 30000);
        QVERIFY2(countWhenIngestHookArrived != 40, qPrintable(QString::number(countWhenIngestHookArrived)));
        QTRY_COMPARE_WITH_TIMEOUT(counts->count(QStringLiteral("hooked-batch")), qint64(40), 10000);
        const qint64 batchLatency = clock.elapsed() - ingestHookAtMs;
        QVERIFY(window.stagingTab()->model()->rowOfKey(QStringLiteral("hooked-batch")) >= 0);

        // The job finishes in simulated time; its notification turns the row terminal.
        QTRY_VERIFY_WITH_TIMEOUT(jobHookAtMs >= 0, 90000);
        QVERIFY2(!jobTerminalWhenHookArrived, "the job row was already terminal before its notification arrived");
        QTRY_VERIFY_WITH_TIMEOUT(jobs->rowAt(jobs->rowOfKey(QStringLiteral("hooked-job")))->job.isTerminal, 10000);
        // Upper bounds (QTRY polls every 50 ms): notification in → model row changed.
        qInfo("webhook to model: batch count %lld ms, job row %lld ms (polls set to 1 h)", batchLatency,
              clock.elapsed() - jobHookAtMs);
        QVERIFY2(clock.elapsed() < kHour, "a poll could have happened");

        // Activity: both notifications listed, and kept for the next session.
        ActivityModel *activity = window.activityPanel()->model();
        QStringList subjects;
        for (const WebhookEvent &e : activity->rows())
            subjects << ActivityModel::subjectText(e);
        QVERIFY2(subjects.contains(QStringLiteral("Job hooked-job")), qPrintable(subjects.join(" | ")));
        QVERIFY2(subjects.contains(QStringLiteral("Batch hooked-batch")), qPrintable(subjects.join(" | ")));
        ActivityModel reloaded;
        reloaded.loadHistory();
        QVERIFY(reloaded.rowCount() >= 2);
        QVERIFY(reloaded.rowOfKey(activity->rows().first().eventId) >= 0);
        session.stopWebhookReceiver();
        QVERIFY(!session.isReceivingWebhooks());
        QVERIFY(session.notificationsUrl().isEmpty());
    }

    void settingsStartReceiverAndKeepKeyOutOfFiles()
    {
        const QString key = QStringLiteral("rf_pub_settings_typed_7731");
        AppSession session;
        MainWindow window(&session);
        SettingsDialog *dialog = window.showSettingsDialog();
        QVERIFY(dialog);
        dialog->enabledBox()->setChecked(true);
        // Without a key there is nothing to check senders against: OK stays disabled.
        QVERIFY(!dialog->problem().isEmpty());
        dialog->keyEdit()->setText(key);
        dialog->portBox()->setValue(0);   // any free port: the test must not depend on 8787 being free
        QVERIFY2(dialog->problem().isEmpty(), qPrintable(dialog->problem()));
        WebhookSettings chosen = dialog->webhookSettings();
        QCOMPARE(chosen.host, QStringLiteral("127.0.0.1"));   // loopback by default
        dialog->accept();
        QTRY_VERIFY_WITH_TIMEOUT(session.isReceivingWebhooks(), 5000);
        QVERIFY(WebhookSettings::load().enabled);
        QVERIFY(session.webhookReceiver()->url().port() > 0);
        QVERIFY(window.activityPanel()->statusText().contains(QStringLiteral("127.0.0.1")));

        // Switching it off in Settings stops it.
        SettingsDialog *again = window.showSettingsDialog();
        again->enabledBox()->setChecked(false);
        again->accept();
        QTRY_VERIFY_WITH_TIMEOUT(!session.isReceivingWebhooks(), 5000);

        QDirIterator it(m_home.path(), QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
        int filesRead = 0;
        while (it.hasNext()) {
            QFile f(it.next());
            QVERIFY(f.open(QIODevice::ReadOnly));
            ++filesRead;
            QVERIFY2(!f.readAll().contains(key.toUtf8()), qPrintable(f.fileName() + QStringLiteral(" holds the publishable key")));
        }
        QVERIFY(filesRead > 0);
    }

    void publishableKeyComesBackFromTheKeychain()
    {
        // Needs a secret service (run under dbus-run-session with gnome-keyring, as the suite does).
        const QString key = QStringLiteral("rf_pub_keychain_5519");
        {
            AppSession first;
            WebhookSettings on;
            on.enabled = true;
            on.port = 0;
            bd::secrets::KeychainOperation *store = first.applyWebhookSettings(on, key);
            QVERIFY(store);
            QCOMPARE(store->account(), AppSession::kPublishableKeyAccount);
            QVERIFY(first.isReceivingWebhooks());   // started at once with the typed key
            store->exec();   // the keychain's answer (bounded by the store's timeout)
            const bd::Error storeError = store->error();
            delete store;
            if (storeError)
                QSKIP(qPrintable(QStringLiteral("no usable keychain here: ") + storeError.message));
        }
        // A new session (as after a restart) knows the key only through the keychain.
        AppSession second;
        QVERIFY(!second.hasPublishableKey());
        second.startWebhooksFromSettings();
        QTRY_VERIFY_WITH_TIMEOUT(second.isReceivingWebhooks(), 40000);
        QVERIFY(second.hasPublishableKey());
        second.stopWebhookReceiver();
        bd::secrets::KeychainOperation *forget = second.secrets()->remove(AppSession::kPublishableKeyAccount);
        QVERIFY2(forget->exec(), qPrintable(forget->error().message));
        delete forget;
        WebhookSettings off;
        off.save();
    }
};

QTEST_MAIN(TstWebhooksUi)
#include "tst_webhooks_ui.moc"
