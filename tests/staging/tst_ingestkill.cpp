// A real batchdeck-cli killed with SIGKILL in the middle of a sharded ingest, then run again with
// the same command: the second run resumes the same ingest (same id, read from the journal in
// BATCHDECK_DATA_DIR), and the batch ends with every file exactly once.
#include <QtTest>

#ifdef BD_HAVE_SANDBOX
#include "IngestFixture.h"

#include <QJsonDocument>
#include <QProcess>
#include <QTemporaryDir>

using namespace ingesttest;
#endif

class TestIngestKill : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void killedMidIngestResumesWithoutDuplicates();
};

#ifndef BD_HAVE_SANDBOX
void TestIngestKill::killedMidIngestResumesWithoutDuplicates()
{
    QSKIP("the sandbox library is not available in this tree");
}
#else
namespace {
QProcess *startCli(const QString &dataDir, const QUrl &apiUrl, const QStringList &args, QObject *parent)
{
    auto *p = new QProcess(parent);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("BATCHDECK_DATA_DIR"), dataDir);
    env.insert(QStringLiteral("ROBOFLOW_API_KEY"), QStringLiteral("sandbox-key"));
    env.insert(QStringLiteral("API_BASE_URL"), apiUrl.toString());
    p->setProcessEnvironment(env);
    p->setProgram(qEnvironmentVariable("BATCHDECK_BIN_DIR") + QStringLiteral("/batchdeck-cli"));
    p->setArguments(QStringList{ QStringLiteral("--api-url"), apiUrl.toString() } + args);
    p->start();
    return p;
}
}  // namespace

void TestIngestKill::killedMidIngestResumesWithoutDuplicates()
{
    const QString cli = qEnvironmentVariable("BATCHDECK_BIN_DIR") + QStringLiteral("/batchdeck-cli");
    if (!QFileInfo(cli).isExecutable())
        QSKIP("batchdeck-cli is not built");
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    Env env;
    QString error;
    QVERIFY2(env.start(200, &error), qPrintable(error));
    const int files = 200;
    const QString dir = tmp.path() + QStringLiteral("/images");
    writeJpegs(dir, files);
    const QString dataDir = tmp.path() + QStringLiteral("/data");
    const QStringList args{ QStringLiteral("data-staging"), QStringLiteral("create-batch-of-images"),
                            QStringLiteral("-b"), QStringLiteral("kill-b"), QStringLiteral("--images-dir"), dir,
                            QStringLiteral("--shard-max-files"), QStringLiteral("10"),
                            QStringLiteral("--concurrency"), QStringLiteral("2"), QStringLiteral("--json"),
                            QStringLiteral("--notifications-url"), QStringLiteral("http://127.0.0.1:9/hook") };

    // Slow PUTs, so the kill lands with some shards up and others not.
    env.sandbox->setFaultPlan(QJsonObject{ { "rules", QJsonArray{ QJsonObject{ { "route", "S1" }, { "delayMs", 300 } } } } });
    QProcess *first = startCli(dataDir, env.sandbox->apiUrl(), args, this);
    QVERIFY2(first->waitForStarted(10000), qPrintable(first->errorString()));
    QTRY_VERIFY_WITH_TIMEOUT(env.sandbox->requestCount(QStringLiteral("S1")) >= 5, 120000);
    first->kill();   // SIGKILL: no chance to tidy up
    QVERIFY(first->waitForFinished(10000));
    QCOMPARE(first->exitStatus(), QProcess::CrashExit);
    QTest::qWait(500);   // let the last shard be indexed
    const qint64 partial = env.count(QStringLiteral("kill-b"));
    QVERIFY2(partial > 0 && partial < files, qPrintable(QString::number(partial)));

    env.sandbox->setFaultPlan({});
    QProcess *second = startCli(dataDir, env.sandbox->apiUrl(), args, this);
    QVERIFY(second->waitForFinished(180000));
    const QByteArray out = second->readAllStandardOutput();
    QVERIFY2(second->exitCode() == 0, second->readAllStandardError().constData());
    const QJsonObject summary = QJsonDocument::fromJson(out).object();
    QCOMPARE(summary.value(QStringLiteral("uploadedCount")).toInt(), files);
    QCOMPARE(summary.value(QStringLiteral("failedCount")).toInt(), 0);
    QVERIFY(summary.value(QStringLiteral("resumed")).toBool());
    QVERIFY(summary.value(QStringLiteral("ready")).toBool());

    QCOMPARE(env.count(QStringLiteral("kill-b")), qint64(files));
    const QStringList names = env.names(QStringLiteral("kill-b"));
    QCOMPARE(names.size(), files);
    QVERIFY(allUnique(names));
    // Both runs used one ingest id: the service sees one ingest.
    const QString ingestId = summary.value(QStringLiteral("ingestId")).toString();
    for (const bd::api::Shard &s : env.shards(QStringLiteral("kill-b")))
        QCOMPARE(s.statusMetadata.value(QStringLiteral("ingestId")).toString(), ingestId);
}
#endif

QTEST_GUILESS_MAIN(TestIngestKill)
#include "tst_ingestkill.moc"
