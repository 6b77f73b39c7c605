// The upload pipeline end to end against the embedded sandbox over loopback: simple (D7),
// sharded (D9 + streamed S1 PUT) and video (D8 + S1) ingests, every injected fault kind, a
// folder of bad files, pause/resume of the queue and journal resume. After each run the batch
// holds every file exactly once: D3 count == files and D5 names unique.
#include <QtTest>

#include "IngestFixture.h"
#include "core/Database.h"
#include "staging/UploadQueue.h"

#include <QDirIterator>
#include <QJsonArray>
#include <QSqlQuery>
#include <QTemporaryDir>

using namespace bd;
using namespace bd::staging;
using namespace ingesttest;

class TestUploadPipeline : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void simpleIngest();
    void shardedIngest();
    void progressTotalsHoldWhenEarlyShardsRunDry();
    void earlyShardsThatFailAreListedFileByFile();
    void plannedShardsAnsweredBeforeTheScanIsCopied();
    void videoIngest();
    void faults_data();
    void faults();
    void badFiles();
    void pauseResumeAndJournalResume();
    void pauseLetsAWholeBodyFinish();
    void rateLimitHoldsTheWholeQueue();

private:
    QString newDir(const QString &name) { return m_tmp.path() + QLatin1Char('/') + name; }
    // Runs one ingest to its end; returns it (owned by this test object).
    IngestOperation *ingest(const IngestOptions &options, int timeoutMs = 180000)
    {
        auto *op = new IngestOperation(m_env.api.get(), options, this);
        op->start();
        if (!waitFinished(op, timeoutMs))
            qWarning() << "ingest did not finish in time";
        return op;
    }
    void expectExactlyOnce(const QString &batchId, int files)
    {
        QCOMPARE(m_env.count(batchId), qint64(files));
        const QStringList names = m_env.names(batchId);
        QCOMPARE(names.size(), files);
        QVERIFY(allUnique(names));
    }

    QTemporaryDir m_tmp;
    Env m_env;
};

void TestUploadPipeline::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    QVERIFY(QDir().mkpath(m_tmp.path() + QStringLiteral("/data")));
    qputenv("BATCHDECK_DATA_DIR", (m_tmp.path() + QStringLiteral("/data")).toUtf8());
    setDatabasePath(m_tmp.path() + QStringLiteral("/data/batchdeck.sqlite"));
    QString error;
    QVERIFY2(m_env.start(200, &error), qPrintable(error));
}

void TestUploadPipeline::simpleIngest()
{
    const QString dir = newDir(QStringLiteral("simple"));
    writeJpegs(dir, 20);
    IngestOperation *op = ingest(m_env.options(QStringLiteral("simple-b"), { dir }));
    QVERIFY2(!op->error(), qPrintable(op->error().fullText()));
    const IngestSummary &s = op->summary();
    QCOMPARE(s.method, QStringLiteral("simple"));
    QCOMPARE(s.uploaded.size(), 20);
    QVERIFY(s.skipped.isEmpty());
    QVERIFY(s.failed.isEmpty());
    QVERIFY(s.ready);
    QCOMPARE(op->processedAmount(Operation::Unit::Files), 20);
    QCOMPARE(m_env.sandbox->requestCount(QStringLiteral("D7")), 20);
    QCOMPARE(m_env.sandbox->requestCount(QStringLiteral("D9")), 0);
    expectExactlyOnce(QStringLiteral("simple-b"), 20);

    // The same command again sends nothing: every file is already confirmed in this batch.
    IngestOperation *again = ingest(m_env.options(QStringLiteral("simple-b"), { dir }));
    QVERIFY(!again->error());
    QCOMPARE(again->summary().uploaded.size(), 20);
    QCOMPARE(again->summary().uploadedEarlier, 20);
    QCOMPARE(m_env.sandbox->requestCount(QStringLiteral("D7")), 20);
    expectExactlyOnce(QStringLiteral("simple-b"), 20);
}

void TestUploadPipeline::shardedIngest()
{
    const QString dir = newDir(QStringLiteral("sharded"));
    writeJpegs(dir, 300);
    IngestOptions options = m_env.options(QStringLiteral("sharded-b"), { dir });
    options.plan.shardMaxFiles = 64;   // 5 shards
    options.notificationsUrl = QStringLiteral("http://127.0.0.1:9/hook");
    const int d9Before = m_env.sandbox->requestCount(QStringLiteral("D9"));
    IngestOperation *op = ingest(options);
    QVERIFY2(!op->error(), qPrintable(op->error().fullText()));
    QCOMPARE(op->summary().method, QStringLiteral("sharded"));
    QCOMPARE(op->summary().uploaded.size(), 300);
    QVERIFY(op->summary().ready);
    QCOMPARE(op->summary().batchCount, 300);
    QCOMPARE(m_env.sandbox->requestCount(QStringLiteral("D9")) - d9Before, 5);
    QCOMPARE(op->processedAmount(Operation::Unit::Bytes), op->totalAmount(Operation::Unit::Bytes));
    // Progress counts the images' own bytes (what the scan showed), not the tars' headers.
    qint64 payload = 0;
    for (const QFileInfo &file : QDir(dir).entryInfoList(QDir::Files))
        payload += file.size();
    QCOMPARE(op->totalAmount(Operation::Unit::Bytes), payload);
    QCOMPARE(op->summary().bytesSent, payload);
    expectExactlyOnce(QStringLiteral("sharded-b"), 300);
    // notification_config.json carried our ingest id into every shard (and is not a batch file).
    const auto shards = m_env.shards(QStringLiteral("sharded-b"));
    QCOMPARE(shards.size(), 5);
    for (const api::Shard &s : shards)
        QCOMPARE(s.statusMetadata.value(QStringLiteral("ingestId")).toString(), op->ingestId());
    QVERIFY(!m_env.names(QStringLiteral("sharded-b")).contains(QStringLiteral("notification_config.json")));
}

void TestUploadPipeline::progressTotalsHoldWhenEarlyShardsRunDry()
{
    // Unique names at the top go in early shards while the walk goes on into folders whose files
    // all share their names (they wait for the end of the walk): the early shards' queue runs
    // dry and a new one takes the plan after the scan. The totals must still cover what the dry
    // queue did: at every step no more processed than the total, and at the end both the
    // images' own bytes (they once fell to the last queue's share: "492 MB / 13.4 MB").
    const QString dir = newDir(QStringLiteral("early-dry"));
    writeJpegs(dir, 128, QStringLiteral("top"));
    for (int i = 0; i < 20; ++i)
        writeJpegs(dir + QStringLiteral("/same%1").arg(i), 100, QStringLiteral("same"));
    qint64 payload = 0;
    QDirIterator files(dir, QDir::Files, QDirIterator::Subdirectories);
    while (files.hasNext())
        payload += QFileInfo(files.next()).size();
    bool ranDry = false;
    for (int attempt = 0; attempt < 4 && !ranDry; ++attempt) {
        const QString batch = QStringLiteral("early-dry-%1").arg(attempt);
        IngestOptions options = m_env.options(batch, { dir });
        options.plan.shardMaxFiles = 64;
        auto *op = new IngestOperation(m_env.api.get(), options, this);
        int queues = 0;
        QPointer<UploadQueue> lastQueue;
        QStringList broken;
        connect(op, &Operation::progressChanged, this, [&] {
            if (op->queue() && op->queue() != lastQueue.data()) {
                ++queues;
                lastQueue = op->queue();
            }
            for (const auto unit : { Operation::Unit::Bytes, Operation::Unit::Files }) {
                if (op->totalAmount(unit) >= 0 && op->processedAmount(unit) > op->totalAmount(unit))   // (-1: unknown yet)
                    broken << QStringLiteral("%1 of %2").arg(op->processedAmount(unit)).arg(op->totalAmount(unit));
            }
        });
        op->start();
        QVERIFY(waitFinished(op, 180000));
        QVERIFY2(!op->error(), qPrintable(op->error().fullText()));
        QVERIFY2(broken.isEmpty(), qPrintable(broken.join(QStringLiteral(", "))));
        QCOMPARE(op->summary().uploaded.size(), qMin(2128, IngestSummary::kMaxListedUploads));
        QCOMPARE(op->processedAmount(Operation::Unit::Files), 2128);
        QCOMPARE(op->totalAmount(Operation::Unit::Files), 2128);
        QCOMPARE(op->processedAmount(Operation::Unit::Bytes), payload);
        QCOMPARE(op->totalAmount(Operation::Unit::Bytes), payload);
        expectExactlyOnce(batch, 2128);
        ranDry = queues > 1;
    }
    QVERIFY2(ranDry, "the early shards' queue never ran dry before the plan: the case was not exercised");
}

// An early shard's members get their journal rows with the answer (IngestJournal.h): one that
// fails for good must still list every member as failed with the reason, and the next run sends
// exactly those.
void TestUploadPipeline::earlyShardsThatFailAreListedFileByFile()
{
    const QString dir = newDir(QStringLiteral("early-fail"));
    const int images = 1500;   // a walk long enough that the first shards go (and fail) while it runs
    writeJpegs(dir, images);
    IngestOptions options = m_env.options(QStringLiteral("early-fail-b"), { dir });
    options.plan.shardMaxFiles = 25;
    options.maxTransferAttempts = 1;
    const int putsBefore = m_env.sandbox->requestCount(QStringLiteral("S1"));
    m_env.sandbox->setFaultPlan(
        QJsonObject{ { "rules", QJsonArray{ QJsonObject{ { "route", "S1" }, { "status", 500 }, { "times", 3 } } } } });
    IngestOperation *op = ingest(options);
    m_env.sandbox->setFaultPlan({});
    QVERIFY(m_env.sandbox->requestCount(QStringLiteral("S1")) - putsBefore >= 3);
    const IngestSummary &s = op->summary();
    QCOMPARE(s.failedTotal(), 75);
    QCOMPARE(s.uploadedTotal(), images - 75);
    QCOMPARE(s.total(), images);
    QSet<QString> failed;
    for (const IngestFileOutcome &o : s.failed) {
        QVERIFY2(!o.reason.isEmpty(), qPrintable(o.path));
        failed.insert(o.path);
    }
    QCOMPARE(failed.size(), 75);
    // Every failure was its row's: the journal says "failed" for exactly those files.
    QSqlQuery q(bd::database());
    QVERIFY(q.exec(QStringLiteral("SELECT path FROM ingest_files WHERE ingest_id = '%1' AND state = 'failed'").arg(op->ingestId())));
    QSet<QString> inJournal;
    while (q.next())
        inJournal.insert(q.value(0).toString());
    QCOMPARE(inJournal, failed);
    QCOMPARE(m_env.count(QStringLiteral("early-fail-b")), qint64(images - 75));

    IngestOperation *again = ingest(options);
    QVERIFY2(!again->error(), qPrintable(again->error().fullText()));
    QCOMPARE(again->summary().failedTotal(), 0);
    expectExactlyOnce(QStringLiteral("early-fail-b"), images);
}

// A fresh overlapped ingest plans its shards once the scan is counted, while the scan is still
// being copied into the journal: a shard may be answered before its members' rows are copied.
// Hold the copy until all but the last few shards were answered (their members appended to
// ingest_answered, IngestJournal::answerShard): every file ends confirmed,
// exactly once in the batch and in the journal (the copy leaves a confirmed row as it is).
void TestUploadPipeline::plannedShardsAnsweredBeforeTheScanIsCopied()
{
    const QString dir = newDir(QStringLiteral("copy-late"));
    const int images = 600;
    writeJpegs(dir, images);
    IngestOptions options = m_env.options(QStringLiteral("copy-late-b"), { dir });
    options.plan.shardMaxFiles = 25;
    std::atomic<int> confirmedWhenCopied{ -1 };
    std::atomic<int> answeredWhenCopied{ -1 };
    std::atomic<bool> stateChangedWhenCopied{ false };
    IngestOperation::setBeforeJournalCopyForTests([&] {
        QSqlDatabase db = bd::database();   // the copy's thread's connection
        QElapsedTimer waited;
        waited.start();
        while (waited.elapsed() < 60000) {
            QSqlQuery q(db);
            // One snapshot: the confirmed rows, the answers waiting in ingest_answered (appended
            // before the copy, written on the rows after it) and whether the ingest's state moved
            // on (all sent and answered before this looked: the state change wrote them).
            if (q.exec(QStringLiteral("SELECT (SELECT count(*) FROM ingest_files f JOIN ingests i ON i.ingest_id = f.ingest_id"
                                      " WHERE i.batch_id = 'copy-late-b' AND f.state = 'confirmed'),"
                                      " (SELECT count(*) FROM ingest_answered WHERE batch_id = 'copy-late-b'),"
                                      " (SELECT count(*) FROM ingests WHERE batch_id = 'copy-late-b' AND state != 'running')"))
                && q.next()) {
                confirmedWhenCopied = q.value(0).toInt() + q.value(1).toInt();
                answeredWhenCopied = q.value(1).toInt();
                stateChangedWhenCopied = q.value(2).toInt() > 0;
            }
            if (confirmedWhenCopied >= images - 75)
                break;
            QThread::msleep(20);
        }
    });
    const auto restore = qScopeGuard([] { IngestOperation::setBeforeJournalCopyForTests({}); });
    IngestOperation *op = ingest(options);
    QVERIFY2(!op->error(), qPrintable(op->error().fullText()));
    QVERIFY2(confirmedWhenCopied >= images - 75,
             qPrintable(QStringLiteral("only %1 files confirmed before the copy: the plan waited for it").arg(confirmedWhenCopied.load())));
    qInfo("  at the copy: %d answered, %d of them waiting in ingest_answered, state changed: %d",
          confirmedWhenCopied.load(), answeredWhenCopied.load(), int(stateChangedWhenCopied.load()));
    // Every answer before the copy waited in ingest_answered, unless the ingest's end (its state
    // change) had written them already.
    QVERIFY2(answeredWhenCopied == confirmedWhenCopied || stateChangedWhenCopied,
             qPrintable(QStringLiteral("%1 answered of %2").arg(answeredWhenCopied.load()).arg(confirmedWhenCopied.load())));
    QCOMPARE(op->summary().uploadedTotal(), images);
    expectExactlyOnce(QStringLiteral("copy-late-b"), images);
    QSqlQuery q(bd::database());
    QVERIFY(q.exec(QStringLiteral("SELECT state, count(*) FROM ingest_files WHERE ingest_id = '%1' GROUP BY state").arg(op->ingestId())));
    QMap<QString, int> states;
    while (q.next())
        states.insert(q.value(0).toString(), q.value(1).toInt());
    QCOMPARE(states, (QMap<QString, int>{ { QStringLiteral("confirmed"), images } }));
    QVERIFY(q.exec(QStringLiteral("SELECT (SELECT count(*) FROM ingest_answered),"
                                  " (SELECT count(*) FROM ingest_shards WHERE ingest_id = '%1' AND state != 'uploaded')")
                       .arg(op->ingestId())));
    QVERIFY(q.next());
    QCOMPARE(q.value(0).toInt(), 0);   // every answer written on its rows
    QCOMPARE(q.value(1).toInt(), 0);
}

void TestUploadPipeline::videoIngest()
{
    const QString dir = newDir(QStringLiteral("videos"));
    for (int i = 0; i < 3; ++i)
        writeBytes(QStringLiteral("%1/clip%2.mp4").arg(dir).arg(i),
                   QByteArray("\x00\x00\x00\x18" "ftypmp42", 12) + QByteArray(200000 + i, char('v' + i)));
    IngestOptions options = m_env.options(QStringLiteral("video-b"), { dir });
    options.media = MediaSelection::Videos;
    IngestOperation *op = ingest(options);
    QVERIFY2(!op->error(), qPrintable(op->error().fullText()));
    QCOMPARE(op->summary().method, QStringLiteral("videos"));
    QCOMPARE(op->summary().uploaded.size(), 3);
    QCOMPARE(m_env.sandbox->requestCount(QStringLiteral("D8")), 3);
    QCOMPARE(op->processedAmount(Operation::Unit::Bytes), qint64(3 * 200012 + 3));
    expectExactlyOnce(QStringLiteral("video-b"), 3);
}

void TestUploadPipeline::faults_data()
{
    QTest::addColumn<QString>("route");
    QTest::addColumn<QJsonObject>("rule");
    QTest::addColumn<int>("images");
    QTest::newRow("503 + Retry-After on D9") << QStringLiteral("D9")
        << QJsonObject{ { "route", "D9" }, { "status", 503 }, { "retryAfter", 1 }, { "times", 2 } } << 100;
    QTest::newRow("cut connection on S1") << QStringLiteral("S1")
        << QJsonObject{ { "route", "S1" }, { "action", "cut" }, { "times", 2 } } << 100;
    QTest::newRow("expired signed URL on S1") << QStringLiteral("S1")
        << QJsonObject{ { "route", "S1" }, { "action", "expire-url" }, { "times", 2 } } << 100;
    QTest::newRow("429 on D7") << QStringLiteral("D7")
        << QJsonObject{ { "route", "D7" }, { "status", 429 }, { "retryAfter", 1 }, { "times", 2 } } << 10;
    QTest::newRow("malformed JSON on D3") << QStringLiteral("D3")
        << QJsonObject{ { "route", "D3" }, { "action", "malformed-json" }, { "times", 2 } } << 100;
}

void TestUploadPipeline::faults()
{
    QFETCH(QString, route);
    QFETCH(QJsonObject, rule);
    QFETCH(int, images);
    static int round = 0;
    const QString batch = QStringLiteral("fault-%1").arg(++round);
    const QString dir = newDir(batch);
    writeJpegs(dir, images);
    IngestOptions options = m_env.options(batch, { dir });
    options.plan.shardMaxFiles = 25;
    const int before = m_env.sandbox->requestCount(route);
    m_env.sandbox->setFaultPlan(QJsonObject{ { "rules", QJsonArray{ rule } } });
    IngestOperation *op = ingest(options);
    m_env.sandbox->setFaultPlan({});
    QVERIFY2(!op->error(), qPrintable(op->error().fullText()));
    QCOMPARE(op->summary().uploaded.size(), images);
    QVERIFY(op->summary().failed.isEmpty());
    QVERIFY(op->summary().ready);
    QVERIFY2(m_env.sandbox->requestCount(route) - before >= 3, "the fault was hit and the request repeated");
    expectExactlyOnce(batch, images);
}

void TestUploadPipeline::badFiles()
{
    const QString dir = newDir(QStringLiteral("bad"));
    writeJpegs(dir, 40);
    writeBytes(dir + QStringLiteral("/empty.jpg"), QByteArray());
    writeBytes(dir + QStringLiteral("/text.jpg"), QByteArray("this is not an image at all, just text"));
    writeBytes(dir + QStringLiteral("/notes.txt"), QByteArray("notes"));
    writeBytes(dir + QStringLiteral("/.hidden.jpg"), validJpeg("hidden"));
    IngestOptions options = m_env.options(QStringLiteral("bad-b"), { dir });
    options.plan.shardMaxFiles = 16;
    IngestOperation *op = ingest(options);
    const IngestSummary &s = op->summary();
    QVERIFY2(!op->error(), qPrintable(op->error().fullText()));
    QCOMPARE(s.uploaded.size(), 40);
    QVERIFY(s.failed.isEmpty());
    QHash<QString, QString> reasons;
    for (const IngestFileOutcome &o : s.skipped)
        reasons.insert(QFileInfo(o.path).fileName(), o.reason);
    QCOMPARE(reasons.value(QStringLiteral("empty.jpg")), QStringLiteral("empty-file"));
    QCOMPARE(reasons.value(QStringLiteral("text.jpg")), skipReasonName(SkipReason::NotAnImage));
    QCOMPARE(reasons.value(QStringLiteral("notes.txt")), skipReasonName(SkipReason::UnsupportedExtension));
    QCOMPARE(reasons.value(QStringLiteral(".hidden.jpg")), skipReasonName(SkipReason::Hidden));
    QCOMPARE(s.total(), 44);   // every file met lands in exactly one list
    for (const IngestFileOutcome &o : s.skipped)
        QVERIFY2(!o.detail.isEmpty(), qPrintable(o.path));
    expectExactlyOnce(QStringLiteral("bad-b"), 40);
}

void TestUploadPipeline::pauseResumeAndJournalResume()
{
    const QString dir = newDir(QStringLiteral("resume"));
    writeJpegs(dir, 120);
    IngestOptions options = m_env.options(QStringLiteral("resume-b"), { dir });
    options.plan.shardMaxFiles = 10;
    options.concurrency = 2;
    // Slow PUTs so there is time to pause, resume and cancel mid-way.
    m_env.sandbox->setFaultPlan(QJsonObject{ { "rules", QJsonArray{ QJsonObject{ { "route", "S1" }, { "delayMs", 150 } } } } });

    auto *first = new IngestOperation(m_env.api.get(), options, this);
    first->start();
    QTRY_VERIFY_WITH_TIMEOUT(first->queue() && first->queue()->succeededCount() >= 2, 60000);
    QVERIFY(first->suspend());
    // Running PUTs still sending were aborted, to restart later; those whose body had left
    // finish (see pauseLetsAWholeBodyFinish).
    QTRY_COMPARE_WITH_TIMEOUT(first->queue()->runningCount(), 0, 30000);
    const int pending = first->queue()->pendingCount();
    QTest::qWait(400);
    QCOMPARE(first->queue()->pendingCount(), pending);   // nothing starts while paused
    QVERIFY(first->resume());
    QTRY_VERIFY_WITH_TIMEOUT(first->queue()->succeededCount() >= 5, 60000);
    first->cancel();
    QVERIFY(first->isFinished());
    QCOMPARE(first->error().kind, ErrorKind::Cancelled);
    const QString ingestId = first->ingestId();
    QVERIFY(!ingestId.isEmpty());
    QVERIFY(first->summary().uploaded.size() >= 50);
    QVERIFY(first->summary().uploaded.size() < 120);
    QVERIFY(IngestJournal().unfinishedIngests().size() >= 1);

    m_env.sandbox->setFaultPlan({});
    IngestOperation *second = ingest(options);
    QVERIFY2(!second->error(), qPrintable(second->error().fullText()));
    QVERIFY(second->summary().resumed);
    QCOMPARE(second->ingestId(), ingestId);   // the same ingest id, so the service can de-duplicate
    QCOMPARE(second->summary().uploaded.size(), 120);
    QVERIFY(second->summary().uploadedEarlier >= 50);
    expectExactlyOnce(QStringLiteral("resume-b"), 120);
    for (const IngestRecord &r : IngestJournal().unfinishedIngests())
        QVERIFY(r.ingestId != ingestId);
}

// A shard whose whole body has left cannot be taken back: the storage host holds each PUT 1.5 s
// before reading it, so when the queue pauses the small bodies already sit in its socket buffer
// and would be stored even if the client hung up. Pausing must let those transfers finish
// (aborting them and sending copies later put their files on the service twice).
void TestUploadPipeline::pauseLetsAWholeBodyFinish()
{
    const QString dir = newDir(QStringLiteral("pause-left"));
    writeJpegs(dir, 60);
    IngestOptions options = m_env.options(QStringLiteral("pause-left-b"), { dir });
    options.plan.shardMaxFiles = 10;
    options.concurrency = 2;
    m_env.sandbox->setFaultPlan(QJsonObject{ { "rules", QJsonArray{ QJsonObject{ { "route", "S1" }, { "delayMs", 1500 } } } } });
    const int before = m_env.sandbox->requestCount(QStringLiteral("S1"));
    auto *op = new IngestOperation(m_env.api.get(), options, this);
    op->start();
    QTRY_VERIFY_WITH_TIMEOUT(m_env.sandbox->requestCount(QStringLiteral("S1")) >= before + 2, 60000);
    QTest::qWait(300);   // the two small bodies are written out long before the host reads them
    QVERIFY(op->suspend());
    QCOMPARE(op->queue()->runningCount(), 2);   // kept, not aborted
    QTRY_COMPARE_WITH_TIMEOUT(op->queue()->runningCount(), 0, 30000);
    QCOMPARE(op->queue()->succeededCount(), 2);
    QTest::qWait(300);
    QCOMPARE(op->queue()->succeededCount(), 2);   // nothing new while paused
    m_env.sandbox->setFaultPlan({});
    QVERIFY(op->resume());
    QVERIFY(waitFinished(op));
    QVERIFY2(!op->error(), qPrintable(op->error().fullText()));
    expectExactlyOnce(QStringLiteral("pause-left-b"), 60);
    qint64 objects = 0;
    const QVector<bd::api::Shard> shards = m_env.shards(QStringLiteral("pause-left-b"));
    for (const bd::api::Shard &s : shards)
        objects += s.shardObjectsCount;
    QCOMPARE(objects, qint64(60));   // no shard indexed twice
    QCOMPARE(shards.size(), 6);
}

void TestUploadPipeline::rateLimitHoldsTheWholeQueue()
{
    UploadQueue queue(m_env.api.get());
    queue.setConcurrency(4);
    QSignalSpy holding(&queue, &UploadQueue::holding);
    const QString dir = newDir(QStringLiteral("hold"));
    const QStringList paths = writeJpegs(dir, 6);
    for (const QString &p : paths)
        queue.enqueue(new ImageUploadOperation(m_env.api.get(), QStringLiteral("hold-b"), QStringLiteral("hold-b"), p,
                                               QFileInfo(p).fileName(), QFileInfo(p).size()));
    queue.holdFor(800);
    QElapsedTimer clock;
    clock.start();
    queue.start();
    QTest::qWait(300);
    QCOMPARE(queue.runningCount(), 0);   // held: nothing started
    QVERIFY(waitFinished(&queue, 60000));
    QVERIFY(clock.elapsed() >= 700);
    QVERIFY(!queue.error());
    QCOMPARE(queue.succeededCount(), 6);
    QCOMPARE(queue.processedAmount(Operation::Unit::Files), 6);
    QCOMPARE(holding.size(), 1);
    // An ApiClient rateLimited signal (a 429 seen by any call) holds a queue too.
    UploadQueue other(m_env.api.get());
    Q_EMIT m_env.api->rateLimited(500);
    QVERIFY(other.holdRemainingMs() > 0);
}

QTEST_GUILESS_MAIN(TestUploadPipeline)
#include "tst_uploadpipeline.moc"
