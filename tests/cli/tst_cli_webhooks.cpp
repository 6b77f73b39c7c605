// batchdeck-cli listen-webhooks end to end: the real binary receives what the embedded sandbox
// posts when a job whose notificationsURL points at it completes, and prints it as one JSON line.
// With the wrong key the sender gets 401 and nothing is printed. Hostile requests against the
// listener process keep its own peak memory (VmHWM) bounded and let a real delivery through.
#include "notify/RawHttp.h"
#include "sandbox/Sandbox.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <httplib.h>

#include <csignal>

namespace {

const QString kApiKey = QStringLiteral("cli-webhook-api-key");
const QString kPublishable = QStringLiteral("rf_pub_cli_webhook_4242");

QJsonObject jobBody(const QString &workspace, const QString &notificationsUrl)
{
    return QJsonObject{
        { "type", "simple-image-processing-v1" },
        { "jobInput", QJsonObject{ { "type", "staging-batch-input-v1" }, { "batchId", "demo-images" } } },
        { "computeConfiguration", QJsonObject{ { "type", "compute-configuration-v2" } } },
        { "processingSpecification", QJsonObject{ { "type", "workflows-processing-specification-v1" },
                                                  { "workspace", workspace },
                                                  { "workflowId", "wf-cli-hooks" },
                                                  { "persistImagesOutputs", false } } },
        { "notificationsURL", notificationsUrl } };
}

}  // namespace

class TestCliWebhooks : public QObject {
    Q_OBJECT
    QTemporaryDir m_tmp;
    QString m_cli;

    // Starts `listen-webhooks` with extra arguments and the key in ROBOFLOW_PUBLISHABLE_KEY
    // (unless `keyInEnv` is empty); returns the port it reports on stderr, 0 on failure. What it
    // wrote on stderr until then is appended to `earlyErr`.
    quint16 startListener(QProcess *p, const QStringList &extra, const QString &keyInEnv, QByteArray *earlyErr)
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("ROBOFLOW_PUBLISHABLE_KEY"));
        if (!keyInEnv.isEmpty())
            env.insert(QStringLiteral("ROBOFLOW_PUBLISHABLE_KEY"), keyInEnv);
        env.insert(QStringLiteral("BATCHDECK_DATA_DIR"), m_tmp.filePath(QStringLiteral("data-%1").arg(quintptr(p))));
        p->setProcessEnvironment(env);
        p->start(m_cli, QStringList{ QStringLiteral("listen-webhooks"), QStringLiteral("--host"), QStringLiteral("127.0.0.1"),
                                     QStringLiteral("--port"), QStringLiteral("0") }
                            + extra);
        if (!p->waitForStarted(10000))
            return 0;
        QByteArray err;
        static const QRegularExpression listening(QStringLiteral("Listening for webhooks on http://127\\.0\\.0\\.1:(\\d+)/"));
        for (int i = 0; i < 200; ++i) {
            p->waitForReadyRead(100);
            err += p->readAllStandardError();
            const auto m = listening.match(QString::fromUtf8(err));
            if (m.hasMatch()) {
                *earlyErr += err;
                return quint16(m.captured(1).toUInt());
            }
            if (p->state() == QProcess::NotRunning)
                break;
        }
        qWarning("listener did not start: %s", err.constData());
        return 0;
    }

    static bool postJob(bd::sandbox::Sandbox &sandbox, const QString &jobId, quint16 hookPort)
    {
        httplib::Client api("127.0.0.1", sandbox.apiUrl().port());
        const std::string path = "/batch-processing/v1/external/" + sandbox.options().workspace.toStdString() + "/jobs/"
                                 + jobId.toStdString() + "?api_key=" + kApiKey.toStdString();
        const QString url = QStringLiteral("http://127.0.0.1:%1/hooks/%2").arg(hookPort).arg(jobId);
        auto res = api.Post(path.c_str(), QJsonDocument(jobBody(sandbox.options().workspace, url)).toJson().toStdString(),
                            "application/json");
        return res && res->status / 100 == 2;
    }

    static std::unique_ptr<bd::sandbox::Sandbox> startSandbox(const QString &publishableKey)
    {
        bd::sandbox::SandboxOptions so;
        so.publishableKey = publishableKey;
        so.apiKeys = { kApiKey };
        so.demo = true;
        so.timeScale = 2000;
        auto sandbox = std::make_unique<bd::sandbox::Sandbox>(so);
        QString error;
        if (!sandbox->start(&error)) {
            qWarning("sandbox: %s", qPrintable(error));
            return {};
        }
        return sandbox;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        const QString binDir = qEnvironmentVariable("BATCHDECK_BIN_DIR");
        QVERIFY2(!binDir.isEmpty(), "BATCHDECK_BIN_DIR is not set (run through ctest)");
        m_cli = QDir(binDir).filePath(QStringLiteral("batchdeck-cli"));
        QVERIFY2(QFile::exists(m_cli), qPrintable(m_cli));
    }

    void jobCompletionPrintedAsOneJsonLine()
    {
        auto sandbox = startSandbox(kPublishable);
        QVERIFY(sandbox);
        QProcess listener;
        // The key comes from the environment, as recommended: no warning about argv.
        QByteArray err;
        const quint16 port = startListener(&listener, { QStringLiteral("--count"), QStringLiteral("1") }, kPublishable, &err);
        QVERIFY(port > 0);
        QVERIFY(postJob(*sandbox, QStringLiteral("cli-hook-job"), port));

        // --count 1: the listener exits by itself once the completion notification is in.
        QVERIFY2(listener.waitForFinished(60000), "no notification arrived within 60 s");
        QCOMPARE(listener.exitStatus(), QProcess::NormalExit);
        QCOMPARE(listener.exitCode(), 0);
        const QByteArray out = listener.readAllStandardOutput();
        err += listener.readAllStandardError();
        const QList<QByteArray> lines = out.trimmed().split('\n');
        QCOMPARE(lines.size(), 1);
        QJsonParseError parseError;
        const QJsonObject event = QJsonDocument::fromJson(lines.first(), &parseError).object();
        QVERIFY2(parseError.error == QJsonParseError::NoError, lines.first().constData());
        QCOMPARE(event.value(QStringLiteral("job_id")).toString(), QStringLiteral("cli-hook-job"));
        QVERIFY(!event.value(QStringLiteral("event_id")).toString().isEmpty());
        QVERIFY(!err.contains("visible to other local users"));
        QVERIFY(!out.contains(kPublishable.toUtf8()) && !err.contains(kPublishable.toUtf8()));
        QVERIFY2(err.contains("1 accepted"), err.constData());
    }

    void wrongKeyPrintsNothing()
    {
        auto sandbox = startSandbox(QStringLiteral("rf_pub_someone_else"));
        QVERIFY(sandbox);
        QProcess listener;
        // The key on the command line works, with a warning that argv is visible to others.
        QByteArray err;
        const quint16 port = startListener(&listener, { QStringLiteral("--publishable-key"), kPublishable }, {}, &err);
        QVERIFY(port > 0);

        // A direct post with the wrong key gets 401 ...
        httplib::Client hook("127.0.0.1", port);
        httplib::Headers headers{ { "Authorization", "Bearer rf_pub_someone_else" } };
        auto res = hook.Post("/", headers, R"({"type":"batch-processing-job-completion","job_id":"x","event_id":"e1"})",
                             "application/json");
        QVERIFY(res);
        QCOMPARE(res->status, 401);

        // ... and so does the sandbox, which retries (4 attempts) and gives up.
        QVERIFY(postJob(*sandbox, QStringLiteral("cli-hook-wrong"), port));
        // The job finishes within a second at this time scale; its 4 attempts span ≈ 1.7 s more.
        QTest::qWait(6000);
        static const QRegularExpression rejections(QStringLiteral("(\\d+) rejected"));
        ::kill(pid_t(listener.processId()), SIGTERM);
        QVERIFY(listener.waitForFinished(10000));
        QCOMPARE(listener.exitCode(), 0);
        err += listener.readAllStandardError();
        QVERIFY2(listener.readAllStandardOutput().isEmpty(), "a rejected notification was printed");
        QVERIFY2(err.contains("visible to other local users"), err.constData());
        const auto m = rejections.match(QString::fromUtf8(err));
        QVERIFY2(m.hasMatch(), err.constData());
        QVERIFY2(m.captured(1).toInt() >= 2, err.constData());   // our probe + at least one sandbox attempt
        QVERIFY2(err.contains("0 accepted"), err.constData());
    }

    // Issue 14 item 3 against the real listener: a keyless chunked body, a body without length and
    // a gzip bomb, each 64 MiB+, and 500 slow-loris connections; a valid delivery is still printed
    // and the listener's peak RSS (its own /proc/PID/status VmHWM) stays under 100 MB.
    void hostileRequestsKeepListenerSmall()
    {
        QProcess listener;
        QByteArray err;
        const quint16 port = startListener(&listener, { QStringLiteral("--count"), QStringLiteral("1") }, kPublishable, &err);
        QVERIFY(port > 0);
        QVERIFY2(err.contains("compressed bodies refused"), err.constData());
        const QByteArray head = "POST / HTTP/1.1\r\nHost: l\r\nContent-Type: application/json\r\n";
        const qint64 mib = 1024 * 1024;
        auto chunked = rawhttp::exchange(port, head + "Transfer-Encoding: chunked\r\n\r\n", rawhttp::bodyOf(64 * mib, true), 30000);
        QVERIFY(chunked.bodySent < 16 * mib);
        auto unframed = rawhttp::exchange(port, head + "\r\n", rawhttp::bodyOf(64 * mib, false), 30000);
        QVERIFY(unframed.bodySent < 16 * mib);
        // 64 MiB of zeros gzip-compressed is ~64 KiB of repeated blocks; the bytes need not be a real
        // gzip stream to prove the point: the listener refuses the encoding without looking.
        auto gzip = rawhttp::exchange(port, head + "Authorization: Bearer " + kPublishable.toUtf8()
                                                + "\r\nContent-Encoding: gzip\r\nContent-Length: 65536\r\n\r\n",
                                      rawhttp::bodyOf(65536, false), 30000);
        QCOMPARE(gzip.status(), 415);
        {
            rawhttp::SlowClients slow(port, 500, 2000, 30);
            QCOMPARE(slow.connected(), 500);
            QTRY_VERIFY_WITH_TIMEOUT(slow.rounds() >= 2, 10000);
            const QByteArray body = R"({"type":"roboflow-batch-job-notification-v1","event_id":"cli-slow","job_id":"j","job_state":"success"})";
            auto valid = rawhttp::exchange(port, head + "Authorization: Bearer " + kPublishable.toUtf8() + "\r\nContent-Length: "
                                                     + QByteArray::number(body.size()) + "\r\n\r\n",
                                           rawhttp::bodyOf(body), 5000);
            QCOMPARE(valid.status(), 200);
            QFile status(QStringLiteral("/proc/%1/status").arg(listener.processId()));
            QVERIFY(status.open(QIODevice::ReadOnly));
            qint64 peakKiB = -1;
            for (const QByteArray &line : status.readAll().split('\n'))
                if (line.startsWith("VmHWM:"))
                    peakKiB = line.mid(6).trimmed().split(' ').first().toLongLong();
            qInfo("listen-webhooks peak RSS after the attacks: %.1f MB", double(peakKiB) * 1024 / 1e6);
            QVERIFY2(peakKiB > 0 && peakKiB * 1024 < 100 * mib, qPrintable(QString::number(peakKiB)));
        }
        QVERIFY2(listener.waitForFinished(20000), "the valid delivery was not printed");
        QCOMPARE(listener.exitCode(), 0);
        QVERIFY(listener.readAllStandardOutput().contains("cli-slow"));
    }
};

QTEST_GUILESS_MAIN(TestCliWebhooks)
#include "tst_cli_webhooks.moc"
