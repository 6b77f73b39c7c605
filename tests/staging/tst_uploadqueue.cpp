// UploadQueue and SignedPutOperation's URL prefetch against the embedded sandbox over loopback:
// the transfers next in line ask for their signed URL (D9) while others run, each URL is used
// once (no extra D9 per shard), a failed or stale prefetch is replaced by a fresh request, and a
// cancel drops the prefetched ones. And the records a PUT is held for: its body starts while
// the "sent" record is still being written, but its last bytes wait for it.
#include <QtTest>

#include "IngestFixture.h"
#include "staging/TransferOperation.h"
#include "staging/UploadQueue.h"

#include <QPromise>
#include <QTemporaryDir>

using namespace bd;
using namespace bd::staging;
using namespace ingesttest;

class TestUploadQueue : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init() { m_env.sandbox->setFaultPlan({}); }
    void transfersInLinePrefetchTheirUrl();
    void prefetchedUrlIsUsedOnce();
    void failedPrefetchIsForgotten();
    void stalePrefetchIsReplaced();
    void cancelDropsPrefetchedTransfers();
    void sentRecordHoldsTheLastBytesNotTheFirst();

private:
    // `count` shards of `filesEach` small JPEGs in a new folder.
    QVector<PlannedShard> shards(const QString &name, int count, int filesEach)
    {
        const QString dir = m_tmp.path() + QLatin1Char('/') + name;
        const QStringList paths = writeJpegs(dir, count * filesEach, name);
        QVector<PlannedShard> out(count);
        for (int i = 0; i < paths.size(); ++i) {
            const QFileInfo info(paths.at(i));
            PlannedShard &shard = out[i / filesEach];
            shard.index = i / filesEach;
            shard.members.push_back({ paths.at(i), info.fileName(), info.size(), 1700000000 });
            shard.payloadBytes += info.size();
        }
        return out;
    }
    ShardUploadOperation *shardUpload(const QString &batch, const PlannedShard &shard, QObject *parent = nullptr)
    {
        auto *op = new ShardUploadOperation(m_env.api.get(), batch, batch, shard, {}, parent);
        op->setBackoffBaseMs(50);
        return op;
    }
    int d9() const { return m_env.sandbox->requestCount(QStringLiteral("D9")); }
    int s1() const { return m_env.sandbox->requestCount(QStringLiteral("S1")); }

    QTemporaryDir m_tmp;
    Env m_env;
};

void TestUploadQueue::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    QString error;
    QVERIFY2(m_env.start(100, &error), qPrintable(error));
}

void TestUploadQueue::transfersInLinePrefetchTheirUrl()
{
    const QVector<PlannedShard> planned = shards(QStringLiteral("inline"), 8, 3);
    const int d9Before = d9();
    const int s1Before = s1();
    UploadQueue queue(m_env.api.get());
    queue.setConcurrency(2);
    for (const PlannedShard &shard : planned)
        queue.enqueue(shardUpload(QStringLiteral("inline-b"), shard));
    QList<bool> prefetchedAtStart;
    connect(&queue, &UploadQueue::transferStarted, this, [&prefetchedAtStart](TransferOperation *t) {
        prefetchedAtStart << static_cast<SignedPutOperation *>(t)->hasPrefetch();
    });
    queue.start();
    QVERIFY(waitFinished(&queue));
    QVERIFY2(!queue.error(), qPrintable(queue.error().fullText()));
    QCOMPARE(queue.succeededCount(), 8);
    // Only the first starts cold; every later one was asked for its URL while another ran
    // (slots are granted from the event loop, after the first start has asked ahead).
    QCOMPARE(prefetchedAtStart, (QList<bool>{ false, true, true, true, true, true, true, true }));
    QCOMPARE(d9() - d9Before, 8);   // one URL per shard, none wasted
    QCOMPARE(s1() - s1Before, 8);
    QTRY_COMPARE_WITH_TIMEOUT(m_env.count(QStringLiteral("inline-b")), qint64(24), 20000);
    QVERIFY(allUnique(m_env.names(QStringLiteral("inline-b"))));
}

void TestUploadQueue::prefetchedUrlIsUsedOnce()
{
    const PlannedShard shard = shards(QStringLiteral("once"), 1, 2).first();
    std::unique_ptr<ShardUploadOperation> op(shardUpload(QStringLiteral("once-b"), shard));
    const int d9Before = d9();
    op->prefetch();
    op->prefetch();   // a second ask while the first runs changes nothing
    QVERIFY(op->hasPrefetch());
    QTRY_COMPARE(d9() - d9Before, 1);
    op->start();
    QVERIFY(waitFinished(op.get()));
    QVERIFY2(!op->error(), qPrintable(op->error().fullText()));
    QCOMPARE(op->attempts(), 1);
    QCOMPARE(d9() - d9Before, 1);
    op->prefetch();   // after the start: nothing
    QCOMPARE(d9() - d9Before, 1);
}

void TestUploadQueue::failedPrefetchIsForgotten()
{
    const PlannedShard shard = shards(QStringLiteral("failed"), 1, 2).first();
    std::unique_ptr<ShardUploadOperation> op(shardUpload(QStringLiteral("failed-b"), shard));
    // A 400 is not retried by the call: the prefetch fails once, for good.
    m_env.sandbox->setFaultPlan(QJsonObject{ { "rules", QJsonArray{ QJsonObject{
        { "route", "D9" }, { "status", 400 }, { "times", 1 } } } } });
    const int d9Before = d9();
    op->prefetch();
    QTRY_VERIFY(!op->hasPrefetch());   // the failure left nothing behind
    QCOMPARE(d9() - d9Before, 1);
    op->start();   // asks again, and the fault is spent
    QVERIFY(waitFinished(op.get()));
    QVERIFY2(!op->error(), qPrintable(op->error().fullText()));
    QCOMPARE(op->attempts(), 1);
    QCOMPARE(d9() - d9Before, 2);
}

void TestUploadQueue::stalePrefetchIsReplaced()
{
    const PlannedShard shard = shards(QStringLiteral("stale"), 1, 2).first();
    std::unique_ptr<ShardUploadOperation> op(shardUpload(QStringLiteral("stale-b"), shard));
    const int d9Before = d9();
    op->prefetch();
    QTRY_COMPARE(d9() - d9Before, 1);
    QTest::qWait(50);
    op->setPrefetchMaxAgeMs(10);   // the URL waited too long: do not trust it any more
    op->start();
    QVERIFY(waitFinished(op.get()));
    QVERIFY2(!op->error(), qPrintable(op->error().fullText()));
    QCOMPARE(d9() - d9Before, 2);
    QCOMPARE(op->attempts(), 1);
}

void TestUploadQueue::cancelDropsPrefetchedTransfers()
{
    const QVector<PlannedShard> planned = shards(QStringLiteral("cancel"), 6, 2);
    // Every PUT is held 2 s by the storage host, so the queue is cancelled mid-way.
    m_env.sandbox->setFaultPlan(QJsonObject{ { "rules", QJsonArray{ QJsonObject{
        { "route", "S1" }, { "delayMs", 2000 }, { "times", 100 } } } } });
    auto *queue = new UploadQueue(m_env.api.get(), this);
    queue->setConcurrency(2);
    for (const PlannedShard &shard : planned)
        queue->enqueue(shardUpload(QStringLiteral("cancel-b"), shard));
    queue->start();
    QTRY_COMPARE(queue->runningCount(), 2);
    QTRY_VERIFY(d9() >= 4);   // two running and two prefetched
    queue->cancel();
    QVERIFY(queue->isFinished());
    QCOMPARE(queue->error().kind, ErrorKind::Cancelled);
    QCOMPARE(queue->succeededCount(), 0);
    delete queue;   // with its prefetching transfers: nothing may call back into them
    QTest::qWait(300);
}

void TestUploadQueue::sentRecordHoldsTheLastBytesNotTheFirst()
{
    // Four 256 KiB images: a body of many reads, so "first bytes" and "last bytes" differ.
    const QString dir = m_tmp.path() + QStringLiteral("/held");
    const QStringList paths = writeJpegs(dir, 4, QStringLiteral("held"), 256 * 1024);
    PlannedShard shard;
    for (const QString &path : paths) {
        const QFileInfo info(path);
        shard.members.push_back({ path, info.fileName(), info.size(), 1700000000 });
        shard.payloadBytes += info.size();
    }
    const QString batch = QStringLiteral("held-b");
    std::unique_ptr<ShardUploadOperation> op(shardUpload(batch, shard));
    // The "sent" record, as the journal's would be: not durable until the test says so.
    QPromise<bool> record;
    record.start();
    int holds = 0;
    bool lastBytesReached = false;
    connect(op.get(), &TransferOperation::sending, this, [&] {
        op->holdUntil(record.future());
        ++holds;
    });
    connect(op.get(), &TransferOperation::bodyLeaving, this, [&] { lastBytesReached = true; });
    op->start();
    // The body goes up to its last bytes while the record is pending (the device reports
    // reaching them once the bytes before have been taken by the PUT) ...
    QTRY_VERIFY_WITH_TIMEOUT(lastBytesReached, 20000);
    QCOMPARE(holds, 1);
    // ... but not the last ones: the PUT cannot complete, nothing is stored.
    QTest::qWait(500);
    QVERIFY(!op->isFinished());
    QCOMPARE(m_env.count(batch), qint64(0));
    record.addResult(true);
    record.finish();
    QVERIFY(waitFinished(op.get()));
    QVERIFY2(!op->error(), qPrintable(op->error().fullText()));
    QCOMPARE(op->attempts(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(m_env.count(batch), qint64(4), 20000);
}

QTEST_MAIN(TestUploadQueue)
#include "tst_uploadqueue.moc"
