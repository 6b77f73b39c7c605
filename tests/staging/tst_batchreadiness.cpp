// BatchReadiness against the embedded sandbox over loopback: each documented verdict (ready,
// indexing, empty, failed, stalled, gone), shard ownership, and "no answer" under a fault plan.
#include "IngestFixture.h"
#include "staging/BatchReadiness.h"
#include "staging/TransferOperation.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QtTest>

using namespace bd::staging;
using namespace ingesttest;
using Verdict = BatchReadiness::Verdict;

class TestBatchReadiness : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void readyWhenEveryFileIsIndexed();
    void rejectedFilesCountAndShortIsFailed();
    void goneAtOnceOrAfterTheGrace();
    void aShardListing404IsNotGone();
    void otherIngestsDoNotDelayOurs();
    void stalledWhenNothingMoves();
    void noAnswerIsAnError();

private:
    // One shard of `good` valid JPEGs plus `bad` files that are not images, PUT into `batch`;
    // returns the member names (the batch names).
    QStringList sendShard(Env &env, const QString &batch, const QString &tag, int good, int bad,
                          const QString &ingestId = {})
    {
        const QString dir = m_tmp.path() + QLatin1Char('/') + tag;
        QStringList paths = writeJpegs(dir, good, tag);
        for (int i = 0; i < bad; ++i)
            paths << writeBytes(dir + QStringLiteral("/%1_bad%2.jpg").arg(tag).arg(i), "not an image at all");
        PlannedShard shard;
        QStringList names;
        for (const QString &p : std::as_const(paths)) {
            const QFileInfo info(p);
            shard.members.append({ p, info.fileName(), info.size(), info.lastModified().toSecsSinceEpoch() });
            shard.payloadBytes += info.size();
            names << info.fileName();
        }
        // A notifications URL makes the tar carry notification_config.json with the ingest id
        // (the shard's owner); nothing listens there.
        NotificationConfig config;
        if (!ingestId.isEmpty())
            config = { ingestId, QStringLiteral("http://127.0.0.1:9/hook") };
        auto *op = new ShardUploadOperation(env.api.get(), batch, batch, shard, config, this);
        op->start();
        if (!waitFinished(op) || op->error())
            qWarning() << "shard upload failed:" << op->error().fullText();
        return names;
    }

    BatchReadiness *check(Env &env, ReadinessOptions options)
    {
        auto *op = new BatchReadiness(env.api.get(), std::move(options), this);
        op->start();
        if (!waitFinished(op, 60000))
            qWarning() << "readiness did not finish in time";
        return op;
    }

    static ReadinessOptions fast(const QString &batch)
    {
        ReadinessOptions o;
        o.batchId = batch;
        o.pollInitialMs = 50;
        o.pollMaxMs = 200;
        o.timeoutMs = 30000;
        o.stallTimeoutMs = 20000;
        return o;
    }

    QTemporaryDir m_tmp;
    Env m_env;    // indexes a shard 200 ms after its PUT
    Env m_slow;   // keeps shards "indexing" for a minute
};

void TestBatchReadiness::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    QString error;
    QVERIFY2(m_env.start(200, &error), qPrintable(error));
    QVERIFY2(m_slow.start(60000, &error), qPrintable(error));
}

void TestBatchReadiness::cleanupTestCase()
{
    m_env.stop();
    m_slow.stop();
}

void TestBatchReadiness::readyWhenEveryFileIsIndexed()
{
    const QString batch = QStringLiteral("ready-b");
    sendShard(m_env, batch, QStringLiteral("r1"), 20, 0, QStringLiteral("ingest-r"));
    sendShard(m_env, batch, QStringLiteral("r2"), 15, 0, QStringLiteral("ingest-r"));
    ReadinessOptions o = fast(batch);
    o.expectedCount = 35;
    o.ingestIds = { QStringLiteral("ingest-r") };
    BatchReadiness *r = check(m_env, o);
    QVERIFY2(!r->error(), qPrintable(r->error().fullText()));
    QCOMPARE(r->verdict(), Verdict::Ready);
    QCOMPARE(r->count(), qint64(35));
    QCOMPARE(r->shardsSeen(), 2);
    QCOMPARE(r->shardsInProgress(), 0);
    QVERIFY(r->failedFiles().isEmpty());
    QCOMPARE(m_env.count(batch), qint64(35));   // the verdict matches the service

    // One look at a ready batch without an expected count: ready, with the count.
    ReadinessOptions once = fast(batch);
    once.once = true;
    r = check(m_env, once);
    QCOMPARE(r->verdict(), Verdict::Ready);
    QCOMPARE(r->count(), qint64(35));
    QVERIFY(r->describe().contains(QStringLiteral("35")));
}

void TestBatchReadiness::rejectedFilesCountAndShortIsFailed()
{
    const QString batch = QStringLiteral("rejects-b");
    const QStringList names = sendShard(m_env, batch, QStringLiteral("x"), 4, 2);
    ReadinessOptions o = fast(batch);
    o.expectedCount = names.size();   // 6: 4 indexed + 2 the service rejected = complete
    BatchReadiness *r = check(m_env, o);
    QCOMPARE(r->verdict(), Verdict::Ready);
    QCOMPARE(r->count(), qint64(4));
    QCOMPARE(r->failedFiles().size(), 2);
    QVERIFY(r->failedFiles().contains(QStringLiteral("x_bad0.jpg")));
    QVERIFY(r->failedFiles().contains(QStringLiteral("x_bad1.jpg")));

    // Three more expected than the service ever saw: settled and short = Failed, not a wait.
    o.expectedCount = names.size() + 3;
    o.settlePolls = 3;
    QElapsedTimer clock;
    clock.start();
    r = check(m_env, o);
    QCOMPARE(r->verdict(), Verdict::Failed);
    QVERIFY(!r->error());
    QCOMPARE(r->count(), qint64(4));
    QVERIFY(clock.elapsed() < o.stallTimeoutMs);

    // Every file rejected: one look says Empty; with an expected count the wait says Failed.
    const QString empty = QStringLiteral("all-bad-b");
    sendShard(m_env, empty, QStringLiteral("y"), 0, 3);
    ReadinessOptions w = fast(empty);
    w.expectedCount = 4;
    r = check(m_env, w);
    QCOMPARE(r->verdict(), Verdict::Failed);
    QCOMPARE(r->count(), qint64(0));
    QCOMPARE(r->shardsSeen(), 1);
    QCOMPARE(r->failedFiles().size(), 3);   // 0 indexed + 3 rejected < 4 expected
    ReadinessOptions once = fast(empty);
    once.once = true;
    r = check(m_env, once);
    QCOMPARE(r->verdict(), Verdict::Empty);
}

void TestBatchReadiness::goneAtOnceOrAfterTheGrace()
{
    ReadinessOptions once = fast(QStringLiteral("no-such-batch"));
    once.once = true;
    BatchReadiness *r = check(m_env, once);
    QVERIFY(!r->error());
    QCOMPARE(r->verdict(), Verdict::Gone);
    QVERIFY(r->describe().contains(QStringLiteral("no-such-batch")));

    // Waiting: a batch never seen may still appear, so Gone only after the stall timeout.
    ReadinessOptions wait = fast(QStringLiteral("no-such-batch"));
    wait.stallTimeoutMs = 600;
    QElapsedTimer clock;
    clock.start();
    r = check(m_env, wait);
    QCOMPARE(r->verdict(), Verdict::Gone);
    QVERIFY2(clock.elapsed() >= 600, qPrintable(QString::number(clock.elapsed())));
    QVERIFY(clock.elapsed() < 10000);
}

void TestBatchReadiness::aShardListing404IsNotGone()
{
    // A service without a shard listing for this batch (404 on D6) while D3 counts its files:
    // the count decides, the batch is ready, not gone. Only a 404 from D3 means gone.
    const QString batch = QStringLiteral("no-listing-b");
    sendShard(m_env, batch, QStringLiteral("n1"), 5, 0);
    ReadinessOptions o = fast(batch);
    QVERIFY(check(m_env, o)->verdict() == Verdict::Ready);   // indexed first, with its listing
    m_env.sandbox->setFaultPlan(QJsonObject{ { QStringLiteral("rules"),
                                               QJsonArray{ QJsonObject{ { QStringLiteral("route"), QStringLiteral("D6") },
                                                                        { QStringLiteral("status"), 404 } } } } });
    ReadinessOptions once = fast(batch);
    once.once = true;
    BatchReadiness *r = check(m_env, once);
    m_env.sandbox->setFaultPlan({});
    QVERIFY(!r->error());
    QCOMPARE(r->verdict(), Verdict::Ready);
    QCOMPARE(r->count(), qint64(5));
    QVERIFY(r->shards().isEmpty());
    // With the listing back, the look carries the shard for a display.
    r = check(m_env, once);
    QCOMPARE(r->verdict(), Verdict::Ready);
    QCOMPARE(r->shards().size(), 1);
}

void TestBatchReadiness::otherIngestsDoNotDelayOurs()
{
    // Another ingest's shard is still indexing in the same batch.
    const QString batch = QStringLiteral("shared-b");
    sendShard(m_slow, batch, QStringLiteral("o"), 5, 0, QStringLiteral("other-ingest"));

    ReadinessOptions everyone = fast(batch);
    everyone.once = true;
    BatchReadiness *r = check(m_slow, everyone);
    QCOMPARE(r->verdict(), Verdict::Indexing);
    QCOMPARE(r->shardsInProgress(), 1);

    ReadinessOptions ours = fast(batch);
    ours.once = true;
    ours.ingestIds = { QStringLiteral("my-ingest") };
    ours.expectedCount = 0;   // ours had nothing left to index
    r = check(m_slow, ours);
    QCOMPARE(r->verdict(), Verdict::Ready);
    QCOMPARE(r->shardsSeen(), 0);
    QCOMPARE(r->shardsInProgress(), 0);
}

void TestBatchReadiness::stalledWhenNothingMoves()
{
    const QString batch = QStringLiteral("stall-b");
    sendShard(m_slow, batch, QStringLiteral("s"), 5, 0, QStringLiteral("slow-ingest"));
    ReadinessOptions o = fast(batch);
    o.expectedCount = 5;
    o.ingestIds = { QStringLiteral("slow-ingest") };
    o.stallTimeoutMs = 700;
    QElapsedTimer clock;
    clock.start();
    BatchReadiness *r = check(m_slow, o);
    QVERIFY(!r->error());
    QCOMPARE(r->verdict(), Verdict::Stalled);
    QCOMPARE(r->shardsInProgress(), 1);
    QVERIFY(clock.elapsed() >= 700);

    // The overall timeout ends a wait whose figures keep moving just the same.
    o.stallTimeoutMs = 60000;
    o.timeoutMs = 500;
    r = check(m_slow, o);
    QCOMPARE(r->verdict(), Verdict::Stalled);
}

void TestBatchReadiness::noAnswerIsAnError()
{
    // D6 is never repeated by the client: every look fails, and after maxPollErrors in a row
    // the operation ends with the last error and no verdict.
    m_env.sandbox->setFaultPlan(QJsonObject{ { QStringLiteral("rules"),
                                               QJsonArray{ QJsonObject{ { QStringLiteral("route"), QStringLiteral("D6") },
                                                                        { QStringLiteral("status"), 500 } } } } });
    ReadinessOptions o = fast(QStringLiteral("ready-b"));
    o.maxPollErrors = 3;
    BatchReadiness *r = check(m_env, o);
    m_env.sandbox->setFaultPlan({});
    QVERIFY(r->error());
    QCOMPARE(r->verdict(), Verdict::Unknown);
    QCOMPARE(m_env.sandbox->requestCount(QStringLiteral("D6")) >= 3, true);

    // cancel() ends a wait with Cancelled.
    ReadinessOptions wait = fast(QStringLiteral("no-such-batch"));
    auto *op = new BatchReadiness(m_env.api.get(), wait, this);
    op->start();
    QTimer::singleShot(150, op, [op] { op->cancel(); });
    QVERIFY(waitFinished(op, 10000));
    QCOMPARE(op->error().kind, bd::ErrorKind::Cancelled);
}

QTEST_GUILESS_MAIN(TestBatchReadiness)
#include "tst_batchreadiness.moc"
