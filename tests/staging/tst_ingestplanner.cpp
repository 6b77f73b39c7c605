// IngestPlanner: the simple/sharded threshold, shard caps by count and bytes, videos apart.
#include "staging/IngestPlan.h"

#include <QTest>

using namespace bd::staging;

namespace {
ScanResult fakeScan(int images, qint64 imageSize = 1000, int videos = 0)
{
    ScanResult r;
    for (int i = 0; i < images; ++i) {
        ScannedFile f;
        f.path = QStringLiteral("/in/img%1.jpg").arg(i, 5, 10, QLatin1Char('0'));
        f.batchName = QStringLiteral("img%1.jpg").arg(i, 5, 10, QLatin1Char('0'));
        f.size = imageSize;
        f.mtime = QDateTime::fromSecsSinceEpoch(1700000000 + i, Qt::UTC);
        r.accepted << f;
    }
    for (int i = 0; i < videos; ++i) {
        ScannedFile f;
        f.path = QStringLiteral("/in/clip%1.mp4").arg(i);
        f.batchName = QStringLiteral("clip%1.mp4").arg(i);
        f.size = 5000;
        f.kind = MediaKind::Video;
        r.accepted << f;
    }
    return r;
}
}  // namespace

class TstIngestPlanner : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void defaultsFollowTheReferenceCli()
    {
        const PlanOptions o;
        QCOMPARE(o.simpleMaxImages, 32);
        QCOMPARE(o.shardMaxFiles, 256);
        QCOMPARE(o.shardMaxBytes, qint64(256) * 1024 * 1024);
        QVERIFY(o.shardMaxFiles <= 500);   // the server's documented per-tar maximum
    }

    void upTo32ImagesGoSimple()
    {
        const IngestPlan p = IngestPlanner::plan(fakeScan(32));
        QCOMPARE(p.imageMethod, IngestPlan::ImageMethod::Simple);
        QCOMPARE(p.simpleImages.size(), 32);
        QVERIFY(p.shards.isEmpty());
        QCOMPARE(p.imageBatchType(), QStringLiteral("simple-batch"));
        QCOMPARE(p.simpleImages.first().path, QStringLiteral("/in/img00000.jpg"));
    }

    void moreThan32GoShardedNeverMixed()
    {
        const IngestPlan p = IngestPlanner::plan(fakeScan(33));
        QCOMPARE(p.imageMethod, IngestPlan::ImageMethod::Sharded);
        QVERIFY(p.simpleImages.isEmpty());
        QCOMPARE(p.shards.size(), 1);
        QCOMPARE(p.shards.first().members.size(), 33);
        QCOMPARE(p.imageBatchType(), QStringLiteral("sharded-batch"));
    }

    void shardsCappedByFileCountInOrder()
    {
        const IngestPlan p = IngestPlanner::plan(fakeScan(600));
        QCOMPARE(p.shards.size(), 3);
        QCOMPARE(p.shards.at(0).members.size(), 256);
        QCOMPARE(p.shards.at(1).members.size(), 256);
        QCOMPARE(p.shards.at(2).members.size(), 88);
        for (int i = 0; i < p.shards.size(); ++i)
            QCOMPARE(p.shards.at(i).index, i);
        QCOMPARE(p.shards.at(1).members.first().name, QStringLiteral("img00256.jpg"));
        QCOMPARE(p.shards.at(1).members.first().mtime, qint64(1700000256));
        QCOMPARE(p.shards.at(2).payloadBytes, qint64(88) * 1000);
        QCOMPARE(p.imagesToUpload(), 600);
        QCOMPARE(p.bytesToUpload(), qint64(600) * 1000);
    }

    void shardsCappedByBytes()
    {
        PlanOptions o;
        o.shardMaxBytes = 10 * 1000;   // ten 1000-byte files per shard
        const IngestPlan p = IngestPlanner::plan(fakeScan(95), o);
        QCOMPARE(p.shards.size(), 10);
        QCOMPARE(p.shards.first().members.size(), 10);
        QCOMPARE(p.shards.last().members.size(), 5);
        for (const PlannedShard &s : p.shards)
            QVERIFY(s.payloadBytes <= o.shardMaxBytes);
    }

    void oversizedFileGetsItsOwnShard()
    {
        ScanResult scan = fakeScan(3, 100);
        scan.accepted[1].size = 5000;
        const QVector<PlannedShard> shards = IngestPlanner::split(scan.accepted, 256, 1000);
        QCOMPARE(shards.size(), 3);
        QCOMPARE(shards.at(1).members.size(), 1);
        QCOMPARE(shards.at(1).payloadBytes, qint64(5000));
    }

    void resumeKeepsTheMethodAndSkipsUploadedFiles()
    {
        PlanOptions o;
        const ScanResult scan = fakeScan(40);
        for (int i = 0; i < 30; ++i)
            o.alreadyUploaded.insert(scan.accepted.at(i).path);
        const IngestPlan p = IngestPlanner::plan(scan, o);
        // 40 discovered > 32: sharded, even though only 10 remain (as the CLI decides).
        QCOMPARE(p.imageMethod, IngestPlan::ImageMethod::Sharded);
        QCOMPARE(p.imagesDiscovered, 40);
        QCOMPARE(p.imagesAlreadyUploaded, 30);
        QCOMPARE(p.imagesToUpload(), 10);
        QCOMPARE(p.shards.first().members.first().path, QStringLiteral("/in/img00030.jpg"));
    }

    void videosGoOneByOneAndApartFromShards()
    {
        const IngestPlan small = IngestPlanner::plan(fakeScan(5, 1000, 2));
        QCOMPARE(small.imageMethod, IngestPlan::ImageMethod::Simple);
        QCOMPARE(small.videos.size(), 2);
        QVERIFY(!small.videosNeedSeparateBatch);

        const IngestPlan big = IngestPlanner::plan(fakeScan(100, 1000, 2));
        QCOMPARE(big.imageMethod, IngestPlan::ImageMethod::Sharded);
        QCOMPARE(big.videos.size(), 2);
        QVERIFY(big.videosNeedSeparateBatch);
        QVERIFY(!big.notes.isEmpty());
        for (const PlannedShard &s : big.shards)
            for (const ShardMember &m : s.members)
                QVERIFY(m.name.endsWith(QLatin1String(".jpg")));

        const IngestPlan onlyVideos = IngestPlanner::plan(fakeScan(0, 0, 3));
        QCOMPARE(onlyVideos.imageMethod, IngestPlan::ImageMethod::None);
        QCOMPARE(onlyVideos.videos.size(), 3);
        QVERIFY(!onlyVideos.isEmpty());
        QVERIFY(IngestPlanner::plan(ScanResult{}).isEmpty());
    }
};

QTEST_GUILESS_MAIN(TstIngestPlanner)
#include "tst_ingestplanner.moc"
