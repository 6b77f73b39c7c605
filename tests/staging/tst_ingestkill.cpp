// A real batchdeck-cli killed with SIGKILL in the middle of a sharded ingest, then run again with
// the same command: the second run resumes the same ingest (same id, read from the journal in
// BATCHDECK_DATA_DIR), and the batch ends with every file exactly once - counted by name (D5)
// and by what the service indexed (the objects of every shard, D6: a shard sent twice shows).
//
//  - killedMidIngest...: one kill while shards are in flight;
//  - killedAfterTheWholeBodyLeft...: the kill lands after a shard's whole body reached the
//    storage host but before its answer, and the service registers the shard 7 s later (longer
//    than the old 5 s "look once more"): the re-run must wait for it, not send it again;
//  - killedWhileTheWalkStillRuns...: the kill lands in the overlapped phase - shards of a fresh
//    ingest on their way while the folder walk goes on and the journal holds only their files;
//  - killedWithJournalWritesQueued...: every journal commit is delayed (JournalWriter), so the
//    kills land with records queued: after each, whatever the service has is in the journal as
//    "sent" with its body left, or "confirmed", and nothing "confirmed" is missing there; the
//    last run sends each file exactly once;
//  - randomKillPoints: SIGKILL at seeded random instants (the seed is printed; set
//    BATCHDECK_KILL_SEED to replay, BATCHDECK_KILL_POINTS for more) with 10 % faults on every
//    route, each run killed again until one completes.
#include <QtTest>

#include "IngestFixture.h"

#include <QJsonDocument>
#include <QProcess>
#include <QRandomGenerator>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>

using namespace ingesttest;

class TestIngestKill : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void killedMidIngestResumesWithoutDuplicates();
    void killedAfterTheWholeBodyLeftIsNotSentAgain();
    void killedWhileTheWalkStillRunsResumesWithoutDuplicates();
    void killedWithJournalWritesQueuedClaimsNothingUnconfirmed();
    void randomKillPoints();
};

namespace {
QProcess *startCli(const QString &dataDir, const QUrl &apiUrl, const QStringList &args, QObject *parent,
                   const QHash<QString, QString> &extraEnv = {})
{
    auto *p = new QProcess(parent);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (auto it = extraEnv.cbegin(); it != extraEnv.cend(); ++it)
        env.insert(it.key(), it.value());
    env.insert(QStringLiteral("BATCHDECK_DATA_DIR"), dataDir);
    env.insert(QStringLiteral("ROBOFLOW_API_KEY"), QStringLiteral("sandbox-key"));
    env.insert(QStringLiteral("API_BASE_URL"), apiUrl.toString());
    p->setProcessEnvironment(env);
    p->setProgram(qEnvironmentVariable("BATCHDECK_BIN_DIR") + QStringLiteral("/batchdeck-cli"));
    p->setArguments(QStringList{ QStringLiteral("--api-url"), apiUrl.toString() } + args);
    p->start();
    return p;
}

// Objects the service indexed for this batch over every shard (a shard sent twice counts twice).
qint64 indexedObjects(Env &env, const QString &batch)
{
    qint64 n = 0;
    for (const bd::api::Shard &s : env.shards(batch))
        n += s.shardObjectsCount;
    return n;
}

// Each file's state as a killed run left it: its own row, or "sent" (with the shard's body_left)
// when it is a member of a shard whose in-flight record is on the shard's row - what the next
// run's recovery writes onto the file rows before it reads them (IngestJournal.h). A member of
// an early shard may have no row yet: the record alone speaks for it (its name from the shard's
// members, in the record's order). A member of a shard the service answered before the scan's
// copy reached the journal is in ingest_answered until the pass that writes it on its row.
const char *const kFileStatesAfterKill =
    "WITH x AS (SELECT s.ingest_id, json_extract(j.value, '$[0]') AS path,"
    " json_extract(s.members, '$[' || j.key || ']') AS name, 'sent' AS state, s.body_left"
    " FROM ingest_shards s, json_each(s.files) j WHERE s.state = 'sent' AND s.files IS NOT NULL"
    " UNION ALL SELECT a.ingest_id, a.path, a.batch_name, a.state, a.body_left FROM ingest_answered a)"
    " SELECT f.batch_name, COALESCE(x.state, f.state) AS state, COALESCE(x.body_left, f.body_left) AS body_left"
    " FROM ingest_files f LEFT JOIN x ON x.ingest_id = f.ingest_id AND x.path = f.path"
    " UNION ALL SELECT x.name, x.state, x.body_left FROM x WHERE NOT EXISTS"
    " (SELECT 1 FROM ingest_files f WHERE f.ingest_id = x.ingest_id AND f.path = x.path)";

QStringList ingestArgs(const QString &batch, const QString &dir, int shardFiles)
{
    return { QStringLiteral("data-staging"), QStringLiteral("create-batch-of-images"), QStringLiteral("-b"), batch,
             QStringLiteral("--images-dir"), dir, QStringLiteral("--shard-max-files"), QString::number(shardFiles),
             QStringLiteral("--concurrency"), QStringLiteral("2"), QStringLiteral("--json") };
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

void TestIngestKill::killedAfterTheWholeBodyLeftIsNotSentAgain()
{
    const QString cli = qEnvironmentVariable("BATCHDECK_BIN_DIR") + QStringLiteral("/batchdeck-cli");
    if (!QFileInfo(cli).isExecutable())
        QSKIP("batchdeck-cli is not built");
    QTemporaryDir tmp;
    Env env;
    QString error;
    QVERIFY2(env.start(100, &error), qPrintable(error));
    const int files = 40;   // above 32: sharded
    const QString dir = tmp.path() + QStringLiteral("/images");
    writeJpegs(dir, files);
    const QString dataDir = tmp.path() + QStringLiteral("/data");
    const QStringList args = ingestArgs(QStringLiteral("left-b"), dir, 20);
    // The storage host holds every PUT 7 s before reading it: the small bodies have long left
    // the client (they sit in the host's socket buffer) when the process is killed.
    env.sandbox->setFaultPlan(QJsonObject{ { "rules", QJsonArray{ QJsonObject{ { "route", "S1" }, { "delayMs", 7000 } } } } });
    QProcess *first = startCli(dataDir, env.sandbox->apiUrl(), args, this);
    QTRY_VERIFY_WITH_TIMEOUT(env.sandbox->requestCount(QStringLiteral("S1")) >= 2, 60000);
    QTest::qWait(700);
    first->kill();
    QVERIFY(first->waitForFinished(10000));
    QCOMPARE(first->exitStatus(), QProcess::CrashExit);
    env.sandbox->setFaultPlan({});

    QProcess *second = startCli(dataDir, env.sandbox->apiUrl(), args, this);
    QVERIFY(second->waitForFinished(120000));
    const QByteArray out = second->readAllStandardOutput();
    QVERIFY2(second->exitCode() == 0, second->readAllStandardError().constData());
    const QJsonObject summary = QJsonDocument::fromJson(out).object();
    QCOMPARE(summary.value(QStringLiteral("uploadedCount")).toInt(), files);
    QCOMPARE(summary.value(QStringLiteral("uploadedEarlier")).toInt(), files);   // both shards had landed
    QCOMPARE(env.count(QStringLiteral("left-b")), qint64(files));
    QCOMPARE(indexedObjects(env, QStringLiteral("left-b")), qint64(files));
    QCOMPARE(env.shards(QStringLiteral("left-b")).size(), 2);
}

void TestIngestKill::killedWhileTheWalkStillRunsResumesWithoutDuplicates()
{
    const QString cli = qEnvironmentVariable("BATCHDECK_BIN_DIR") + QStringLiteral("/batchdeck-cli");
    if (!QFileInfo(cli).isExecutable())
        QSKIP("batchdeck-cli is not built");
    QTemporaryDir tmp;
    Env env;
    QString error;
    QVERIFY2(env.start(100, &error), qPrintable(error));
    // Enough files that the walk outlasts the first shards (handed out after 100 files).
    const int files = 12000;
    const QString dir = tmp.path() + QStringLiteral("/images");
    writeJpegs(dir, files);
    const QString dataDir = tmp.path() + QStringLiteral("/data");
    const QStringList args = ingestArgs(QStringLiteral("walk-b"), dir, 100);
    env.sandbox->setFaultPlan(QJsonObject{ { "rules", QJsonArray{ QJsonObject{ { "route", "S1" }, { "delayMs", 300 } } } } });
    QProcess *first = startCli(dataDir, env.sandbox->apiUrl(), args, this);
    // Killed once a shard's "sent" record is in the journal (a PUT starts before it: the record
    // holds the body's last bytes, so the storage host seeing the PUT proved nothing journaled).
    const auto shardSent = [&] {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("kill-poll"));
        db.setDatabaseName(dataDir + QStringLiteral("/batchdeck.sqlite"));
        db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=100"));
        bool sent = false;
        if (db.open()) {
            QSqlQuery q(db);
            sent = q.exec(QStringLiteral("SELECT 1 FROM ingest_shards WHERE state = 'sent' LIMIT 1")) && q.next();
        }
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(QStringLiteral("kill-poll"));
        return sent;
    };
    QTRY_VERIFY_WITH_TIMEOUT(env.sandbox->requestCount(QStringLiteral("S1")) >= 1 && shardSent(), 60000);
    first->kill();
    QVERIFY(first->waitForFinished(10000));
    QCOMPARE(first->exitStatus(), QProcess::CrashExit);
    {
        // The kill landed in the overlapped phase: some files sent, the scan not yet journaled.
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("kill-journal"));
        db.setDatabaseName(dataDir + QStringLiteral("/batchdeck.sqlite"));
        QVERIFY(db.open());
        QSqlQuery q(db);
        QVERIFY(q.exec(QStringLiteral("SELECT COUNT(*), TOTAL(state IN ('sent', 'confirmed')) FROM (%1)")
                           .arg(QLatin1String(kFileStatesAfterKill))));
        QVERIFY(q.next());
        const int rows = q.value(0).toInt();
        const int sent = q.value(1).toInt();
        QVERIFY2(sent > 0 && rows < files, qPrintable(QStringLiteral("%1 rows, %2 sent").arg(rows).arg(sent)));
        q = QSqlQuery();
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("kill-journal"));
    env.sandbox->setFaultPlan({});

    QProcess *second = startCli(dataDir, env.sandbox->apiUrl(), args, this);
    QVERIFY(second->waitForFinished(300000));
    const QByteArray out = second->readAllStandardOutput();
    QVERIFY2(second->exitCode() == 0, second->readAllStandardError().constData());
    const QJsonObject summary = QJsonDocument::fromJson(out).object();
    QVERIFY(summary.value(QStringLiteral("resumed")).toBool());
    QCOMPARE(summary.value(QStringLiteral("uploadedCount")).toInt(), files);
    QCOMPARE(summary.value(QStringLiteral("failedCount")).toInt(), 0);
    QCOMPARE(env.count(QStringLiteral("walk-b")), qint64(files));
    const QStringList names = env.names(QStringLiteral("walk-b"));
    QCOMPARE(names.size(), files);
    QVERIFY(allUnique(names));
    QCOMPARE(indexedObjects(env, QStringLiteral("walk-b")), qint64(files));   // no shard went twice
}

void TestIngestKill::killedWithJournalWritesQueuedClaimsNothingUnconfirmed()
{
    const QString cli = qEnvironmentVariable("BATCHDECK_BIN_DIR") + QStringLiteral("/batchdeck-cli");
    if (!QFileInfo(cli).isExecutable())
        QSKIP("batchdeck-cli is not built");
    QTemporaryDir tmp;
    Env env;
    QString error;
    QVERIFY2(env.start(100, &error), qPrintable(error));
    const int files = 200;
    const QString batch = QStringLiteral("queued-b");
    const QString dir = tmp.path() + QStringLiteral("/images");
    writeJpegs(dir, files);
    const QString dataDir = tmp.path() + QStringLiteral("/data");
    const QStringList args = ingestArgs(batch, dir, 10);
    // Each journal transaction waits 300 ms before it begins: records pile up behind it, and
    // the transfers wait for theirs.
    const QHash<QString, QString> slowJournal{ { QStringLiteral("BATCHDECK_JOURNAL_WRITE_DELAY_MS"),
                                                 QStringLiteral("300") } };
    env.sandbox->setFaultPlan(QJsonObject{ { "rules", QJsonArray{ QJsonObject{ { "route", "S1" }, { "delayMs", 100 } } } } });
    const QString journalPath = dataDir + QStringLiteral("/batchdeck.sqlite");
    for (int round = 0; round < 3; ++round) {
        const int puts = env.sandbox->requestCount(QStringLiteral("S1"));
        QProcess *p = startCli(dataDir, env.sandbox->apiUrl(), args, this, slowJournal);
        QVERIFY(p->waitForStarted(10000));
        QTRY_VERIFY_WITH_TIMEOUT(env.sandbox->requestCount(QStringLiteral("S1")) >= puts + 3 || p->state() == QProcess::NotRunning,
                                 120000);
        QVERIFY2(p->state() != QProcess::NotRunning, "the run ended before the kill");
        p->kill();
        QVERIFY(p->waitForFinished(10000));
        QTest::qWait(800);   // what arrived is indexed and listed
        const QSet<QString> onService = [&] {
            const QStringList names = env.names(batch);
            return QSet<QString>(names.begin(), names.end());
        }();
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("queued-journal"));
        db.setDatabaseName(journalPath);
        QVERIFY(db.open());
        QHash<QString, QPair<QString, bool>> journal;   // batch name → (state, body left)
        {
            QSqlQuery q(db);
            QVERIFY(q.exec(QLatin1String(kFileStatesAfterKill)));
            while (q.next())
                journal.insert(q.value(0).toString(), { q.value(1).toString(), q.value(2).toInt() != 0 });
        }
        db.close();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(QStringLiteral("queued-journal"));
        int confirmed = 0;
        for (auto it = journal.cbegin(); it != journal.cend(); ++it) {
            if (it->first != QLatin1String("confirmed"))
                continue;
            ++confirmed;
            QVERIFY2(onService.contains(it.key()), qPrintable(it.key() + QStringLiteral(" confirmed, not on the service")));
        }
        // Its "sent" was durable before its first byte left, its "body left" before its last.
        for (const QString &name : onService) {
            const auto row = journal.constFind(name);
            QVERIFY2(row != journal.cend(), qPrintable(name + QStringLiteral(" on the service, not in the journal")));
            QVERIFY2(row->first == QLatin1String("confirmed") || (row->first == QLatin1String("sent") && row->second),
                     qPrintable(QStringLiteral("%1 on the service, journal: %2 body_left=%3")
                                    .arg(name, row->first).arg(row->second)));
        }
        qInfo("  round %d: %lld on the service, %d confirmed in the journal", round, qint64(onService.size()), confirmed);
    }
    env.sandbox->setFaultPlan({});
    QProcess *last = startCli(dataDir, env.sandbox->apiUrl(), args, this);
    QVERIFY(last->waitForFinished(240000));
    const QByteArray out = last->readAllStandardOutput();
    QVERIFY2(last->exitCode() == 0, last->readAllStandardError().constData());
    const QJsonObject summary = QJsonDocument::fromJson(out).object();
    QVERIFY(summary.value(QStringLiteral("resumed")).toBool());
    QCOMPARE(summary.value(QStringLiteral("uploadedCount")).toInt(), files);
    QCOMPARE(env.count(batch), qint64(files));
    const QStringList names = env.names(batch);
    QCOMPARE(names.size(), files);
    QVERIFY(allUnique(names));
    QCOMPARE(indexedObjects(env, batch), qint64(files));   // no shard went twice
}

void TestIngestKill::randomKillPoints()
{
    const QString cli = qEnvironmentVariable("BATCHDECK_BIN_DIR") + QStringLiteral("/batchdeck-cli");
    if (!QFileInfo(cli).isExecutable())
        QSKIP("batchdeck-cli is not built");
    const quint32 seed = qEnvironmentVariableIsSet("BATCHDECK_KILL_SEED")
                             ? quint32(qEnvironmentVariableIntValue("BATCHDECK_KILL_SEED"))
                             : quint32(QDateTime::currentMSecsSinceEpoch() & 0x7fffffff);
    const int killPoints = qEnvironmentVariableIsSet("BATCHDECK_KILL_POINTS")
                               ? qEnvironmentVariableIntValue("BATCHDECK_KILL_POINTS")
                               : 8;
    qInfo("randomKillPoints: seed %u, %d kill points (replay with BATCHDECK_KILL_SEED=%u)", seed, killPoints, seed);
    QRandomGenerator random(seed);
    QTemporaryDir tmp;
    Env env;
    QString error;
    QVERIFY2(env.start(100, &error), qPrintable(error));
    const int files = 120;
    const QString dir = tmp.path() + QStringLiteral("/images");
    writeJpegs(dir, files);
    const QString dataDir = tmp.path() + QStringLiteral("/data");
    // 10 % of every route's requests fail (503); PUTs take a little while so kills land mid-body.
    env.sandbox->setFaultPlan(QJsonObject{
        { "seed", int(seed & 0xffff) },
        { "rules", QJsonArray{ QJsonObject{ { "route", "*" }, { "probability", 0.1 }, { "status", 503 } },
                               QJsonObject{ { "route", "S1" }, { "delayMs", 80 } } } } });
    // Each round ingests the folder into a new batch; its runs are killed at random instants
    // until one completes by itself (exit 0), then the next round starts, until every kill
    // point has been used. The last round then runs to completion.
    QStringList batches;
    int kills = 0;
    int round = 0;
    QString batch = QStringLiteral("chaos-0");
    bool roundKilled = false;
    for (int run = 0; run < 10 * killPoints + 10; ++run) {
        QProcess *p = startCli(dataDir, env.sandbox->apiUrl(), ingestArgs(batch, dir, 10), this);
        QVERIFY(p->waitForStarted(10000));
        const int killAtMs = kills < killPoints ? int(random.bounded(50, 2000)) : -1;
        if (killAtMs >= 0 && !p->waitForFinished(killAtMs)) {
            p->kill();
            QVERIFY(p->waitForFinished(10000));
            ++kills;
            roundKilled = true;
            qInfo("  %s run %d: SIGKILL after %d ms", qPrintable(batch), run, killAtMs);
            continue;
        }
        QElapsedTimer clock;
        clock.start();
        if (p->state() != QProcess::NotRunning)
            QVERIFY(p->waitForFinished(240000));
        const QByteArray out = p->readAllStandardOutput();
        QVERIFY2(p->exitStatus() == QProcess::NormalExit && p->exitCode() == 0,
                 qPrintable(QStringLiteral("exit status %1, code %2; stdout: %3; stderr: %4")
                                .arg(int(p->exitStatus())).arg(p->exitCode())
                                .arg(QString::fromUtf8(out.left(3000)), QString::fromUtf8(p->readAllStandardError().right(3000)))));
        const QJsonObject summary = QJsonDocument::fromJson(out).object();
        QCOMPARE(summary.value(QStringLiteral("uploadedCount")).toInt(), files);
        QCOMPARE(summary.value(QStringLiteral("failedCount")).toInt(), 0);
        qInfo("  %s run %d: completed (exit 0) after %d kill(s), last run %lld ms", qPrintable(batch), run,
              kills, qint64(clock.elapsed()));
        if (roundKilled)
            batches << batch;
        if (kills >= killPoints)
            break;
        batch = QStringLiteral("chaos-%1").arg(++round);
        roundKilled = false;
    }
    QCOMPARE(kills, killPoints);
    QVERIFY(!batches.isEmpty());
    env.sandbox->setFaultPlan({});
    for (const QString &b : std::as_const(batches)) {
        QCOMPARE(env.count(b), qint64(files));
        const QStringList names = env.names(b);
        QCOMPARE(names.size(), files);
        QVERIFY(allUnique(names));
        QCOMPARE(indexedObjects(env, b), qint64(files));   // no shard indexed twice
    }
}

QTEST_GUILESS_MAIN(TestIngestKill)
#include "tst_ingestkill.moc"
