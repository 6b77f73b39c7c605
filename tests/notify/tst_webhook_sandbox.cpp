// End to end: the embedded sandbox runs a job whose notificationsURL is our receiver; its
// completion webhook (Authorization: Bearer <publishable key>) must arrive, be stored and signalled.
#include "notify/WebhookReceiver.h"
#include "notify/WebhookStore.h"

#include "core/Database.h"
#include "sandbox/Sandbox.h"

#include <QJsonDocument>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <httplib.h>

using namespace bd::notify;

class TestWebhookSandbox : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void jobCompletionArrives()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        bd::setDatabasePath(dir.filePath(QStringLiteral("e2e.sqlite")));

        const QString pub = QStringLiteral("rf_e2e_publishable_key");
        bd::sandbox::SandboxOptions so;
        so.publishableKey = pub;
        so.demo = true;
        so.timeScale = 2000;
        bd::sandbox::Sandbox sandbox(so);
        QString error;
        QVERIFY2(sandbox.start(&error), qPrintable(error));

        WebhookReceiverOptions ro;
        ro.publishableKey = pub;
        WebhookReceiver receiver(ro);
        QVERIFY2(receiver.start(&error), qPrintable(error));
        QSignalSpy spy(&receiver, &WebhookReceiver::eventReceived);

        const QJsonObject job{
            { "type", "simple-image-processing-v1" },
            { "jobInput", QJsonObject{ { "type", "staging-batch-input-v1" }, { "batchId", "demo-images" } } },
            { "computeConfiguration", QJsonObject{ { "type", "compute-configuration-v2" } } },
            { "processingSpecification", QJsonObject{ { "type", "workflows-processing-specification-v1" },
                                                      { "workspace", so.workspace },
                                                      { "workflowId", "wf-e2e" },
                                                      { "persistImagesOutputs", false } } },
            { "notificationsURL", receiver.url().resolved(QUrl(QStringLiteral("hooks/job"))).toString() } };
        httplib::Client api("127.0.0.1", sandbox.apiUrl().port());
        const std::string path = "/batch-processing/v1/external/" + so.workspace.toStdString()
                                 + "/jobs/e2e-job-1?api_key=sandbox-key";
        auto res = api.Post(path.c_str(), QJsonDocument(job).toJson().toStdString(), "application/json");
        QVERIFY(res);
        QVERIFY2(res->status / 100 == 2, res->body.c_str());

        QTRY_VERIFY_WITH_TIMEOUT(spy.count() >= 1, 60000);
        const WebhookEvent e = spy.at(0).at(0).value<WebhookEvent>();
        QCOMPARE(e.kind, WebhookKind::JobCompletion);
        QCOMPARE(e.jobId, QStringLiteral("e2e-job-1"));
        QVERIFY(e.jobState == QLatin1String("success") || e.jobState == QLatin1String("fail"));
        QVERIFY(!e.eventId.isEmpty());
        QVERIFY(WebhookStore::contains(e.eventId));
        QCOMPARE(receiver.rejectedCount(), 0);   // the sandbox's Authorization was accepted

        receiver.stop();
        sandbox.stop();
    }
};

QTEST_GUILESS_MAIN(TestWebhookSandbox)
#include "tst_webhook_sandbox.moc"
