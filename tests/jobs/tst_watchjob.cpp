// `batchdeck-cli batch-processing watch-job`, the real binary ($BATCHDECK_BIN_DIR) against the
// embedded sandbox: exit 0 for a succeeding job, 1 for a failing one, 2 for usage errors, 130
// after Ctrl-C; plain lines on a pipe and JSON lines with --json.
#include "JobMonitorFixture.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QTemporaryDir>

#include <csignal>

using namespace bd;
using namespace bdtest;

class TestWatchJob : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void succeedingJobExitsZero();
    void failingJobExitsOneWithJsonLines();
    void usageAndUnknownJob();
    void ctrlCExits130();

private:
    // Starts the CLI with the sandbox's URL and key in the environment.
    void startCli(QProcess &process, const QStringList &args);
    int runCli(const QStringList &args, QByteArray *out, QByteArray *err, int timeoutMs = 120000);

    QTemporaryDir m_dir;
    std::unique_ptr<sandbox::Sandbox> m_sandbox;
    std::unique_ptr<api::ApiClient> m_api;
    QString m_cli;
};

void TestWatchJob::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_cli = qEnvironmentVariable("BATCHDECK_BIN_DIR") + QStringLiteral("/batchdeck-cli");
    if (!QFileInfo::exists(m_cli))
        QSKIP("batchdeck-cli is not built");
    m_sandbox = startSandbox(200);
    m_api = std::make_unique<api::ApiClient>(configFor(m_sandbox->apiUrl()));
}

void TestWatchJob::startCli(QProcess &process, const QStringList &args)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("API_BASE_URL"), m_sandbox->apiUrl().toString());
    env.insert(QStringLiteral("ROBOFLOW_API_KEY"), kKey);
    env.insert(QStringLiteral("BATCHDECK_DATA_DIR"), m_dir.path());
    process.setProcessEnvironment(env);
    process.start(m_cli, args);
    QVERIFY(process.waitForStarted());
}

int TestWatchJob::runCli(const QStringList &args, QByteArray *out, QByteArray *err, int timeoutMs)
{
    QProcess process;
    startCli(process, args);
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        return -1;
    }
    *out = process.readAllStandardOutput();
    *err = process.readAllStandardError();
    return process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -2;
}

void TestWatchJob::succeedingJobExitsZero()
{
    QVERIFY(createJob(*m_api, QStringLiteral("watch-ok"), workflowJob(QStringLiteral("demo-images"), QStringLiteral("wf"))));
    QByteArray out, err;
    const int rc = runCli({QStringLiteral("batch-processing"), QStringLiteral("watch-job"), QStringLiteral("-j"),
                           QStringLiteral("watch-ok"), QStringLiteral("--interval"), QStringLiteral("0.1")},
                          &out, &err);
    QVERIFY2(rc == 0, err.constData());
    // A pipe gets plain lines; the last ones show the finished stages at 100 %.
    const QString text = QString::fromUtf8(out);
    QVERIFY2(text.contains(QStringLiteral("job watch-ok succeeded")), qPrintable(text));
    QVERIFY(text.contains(QStringLiteral("processing 100.0%")));
    QVERIFY(text.contains(QStringLiteral("export 100.0%")));
    QVERIFY(text.contains(QStringLiteral("succeeded 2 | failed 0")));  // 12 images = 2 tasks
    QVERIFY(text.trimmed().endsWith(QStringLiteral("Job watch-ok succeeded.")));
    QVERIFY(!text.contains(QStringLiteral("\x1b[")));  // no terminal redraws into a pipe
    QVERIFY(!out.contains(kKey.toUtf8()) && !err.contains(kKey.toUtf8()));
}

void TestWatchJob::failingJobExitsOneWithJsonLines()
{
    QVERIFY(createJob(*m_api, QStringLiteral("watch-fail"),
                      workflowJob(QStringLiteral("demo-sharded"), QStringLiteral("wf-fail"))));
    QByteArray out, err;
    const int rc = runCli({QStringLiteral("--json"), QStringLiteral("batch-processing"), QStringLiteral("watch-job"),
                           QStringLiteral("--job-id"), QStringLiteral("watch-fail"), QStringLiteral("--interval"),
                           QStringLiteral("0.1")},
                          &out, &err);
    QVERIFY2(rc == 1, err.constData());
    const QList<QByteArray> lines = out.trimmed().split('\n');
    QVERIFY(!lines.isEmpty());
    for (const QByteArray &line : lines) {
        QJsonParseError pe;
        const QJsonDocument doc = QJsonDocument::fromJson(line, &pe);
        QVERIFY2(pe.error == QJsonParseError::NoError && doc.isObject(), line.constData());
    }
    const QJsonObject last = QJsonDocument::fromJson(lines.last()).object();
    QCOMPARE(last.value(QStringLiteral("event")).toString(), QStringLiteral("finished"));
    QVERIFY(last.value(QStringLiteral("job")).toObject().value(QStringLiteral("error")).toBool());
    const QJsonObject processing = last.value(QStringLiteral("stages")).toArray().first().toObject();
    QCOMPARE(processing.value(QStringLiteral("tasksNumber")).toInt(), 5);
    QCOMPARE(processing.value(QStringLiteral("failed")).toInt(), 2);
    QVERIFY(!last.value(QStringLiteral("errorSummary")).toArray().isEmpty());

    // The same per-stage figures and keys as show-job-details --json (which adds the stage's own
    // error summary): both print the one §10 computation.
    QCOMPARE(runCli({QStringLiteral("--json"), QStringLiteral("batch-processing"), QStringLiteral("show-job-details"),
                     QStringLiteral("-j"), QStringLiteral("watch-fail")},
                    &out, &err),
             0);
    const QJsonArray shown = QJsonDocument::fromJson(out).object().value(QStringLiteral("stages")).toArray();
    const QJsonArray watched = last.value(QStringLiteral("stages")).toArray();
    QCOMPARE(shown.size(), watched.size());
    const QStringList keys{QStringLiteral("failed"), QStringLiteral("hasError"), QStringLiteral("isRunning"),
                           QStringLiteral("lastUpdate"), QStringLiteral("percent"), QStringLiteral("progress"),
                           QStringLiteral("running"), QStringLiteral("stage"), QStringLiteral("succeeded"),
                           QStringLiteral("tasksNumber"), QStringLiteral("terminated"), QStringLiteral("waiting")};
    for (int i = 0; i < shown.size(); ++i) {
        QJsonObject stage = shown.at(i).toObject();
        QVERIFY(stage.contains(QStringLiteral("errorSummary")));
        stage.remove(QStringLiteral("errorSummary"));
        stage.remove(QStringLiteral("errorSummaryText"));
        QCOMPARE(watched.at(i).toObject().keys(), keys);
        QCOMPARE(stage, watched.at(i).toObject());
    }
    QCOMPARE(processing.value(QStringLiteral("percent")).toDouble(),
             qRound(processing.value(QStringLiteral("progress")).toDouble() * 1000.0) / 10.0);
}

void TestWatchJob::usageAndUnknownJob()
{
    QByteArray out, err;
    QCOMPARE(runCli({QStringLiteral("batch-processing"), QStringLiteral("watch-job")}, &out, &err), 2);
    QCOMPARE(runCli({QStringLiteral("batch-processing"), QStringLiteral("watch-job"), QStringLiteral("-j"),
                     QStringLiteral("x"), QStringLiteral("--interval"), QStringLiteral("soon")},
                    &out, &err),
             2);
    // A job the server does not know: fails at once instead of polling forever.
    QCOMPARE(runCli({QStringLiteral("batch-processing"), QStringLiteral("watch-job"), QStringLiteral("-j"),
                     QStringLiteral("no-such-job")},
                    &out, &err, 30000),
             1);
    QVERIFY(err.contains("Command failed"));
}

void TestWatchJob::ctrlCExits130()
{
    QVERIFY(createJob(*m_api, QStringLiteral("watch-slow"),
                      workflowJob(QStringLiteral("demo-images"), QStringLiteral("wf-slow"))));
    QProcess process;
    startCli(process, {QStringLiteral("batch-processing"), QStringLiteral("watch-job"), QStringLiteral("-j"),
                       QStringLiteral("watch-slow"), QStringLiteral("--interval"), QStringLiteral("0.1")});
    // Wait for the first state line, then interrupt.
    QTRY_VERIFY_WITH_TIMEOUT((process.waitForReadyRead(50), process.bytesAvailable() > 0 ||
                                                                 process.state() != QProcess::Running),
                             20000);
    QCOMPARE(process.state(), QProcess::Running);
    ::kill(pid_t(process.processId()), SIGINT);
    QVERIFY(process.waitForFinished(10000));
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 130);
    const QString text = QString::fromUtf8(process.readAllStandardOutput());
    QVERIFY2(text.contains(QStringLiteral("job watch-slow running")), qPrintable(text));
    QVERIFY(process.readAllStandardError().contains("Interrupted"));
}

QTEST_GUILESS_MAIN(TestWatchJob)
#include "tst_watchjob.moc"
