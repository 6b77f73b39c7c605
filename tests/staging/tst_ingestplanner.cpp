// IngestPlanner: the simple/sharded threshold, shard caps by count and bytes, videos apart.
// IngestPlanCursor (the plan of a scan on disk, read a shard at a time) gives the same plan.
#include "core/Database.h"
#include "staging/BatchNaming.h"
#include "staging/EarlyShards.h"
#include "staging/FolderWalker.h"
#include "staging/IngestJournal.h"
#include "staging/IngestPlan.h"
#include "staging/IngestPlanCursor.h"
#include "staging/ScanStore.h"
#include "staging/StagingTestFiles.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

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

    // The cursor over a scan written to disk plans exactly what IngestPlanner plans from the
    // same scan in memory: method, counts, notes, every shard's members in order (file and
    // byte caps, an oversized file alone), simple images, videos; files the journal has
    // confirmed are counted, not planned.
    void cursorPlansWhatThePlannerPlans_data()
    {
        QTest::addColumn<int>("images");
        QTest::addColumn<int>("videos");
        QTest::addColumn<int>("maxFiles");
        QTest::addColumn<qint64>("maxBytes");
        QTest::addColumn<int>("confirmEvery");   // 0: none confirmed
        QTest::newRow("simple") << 20 << 0 << 256 << qint64(1) << 0;
        QTest::newRow("sharded by count") << 700 << 0 << 64 << qint64(1) << 0;
        QTest::newRow("sharded by bytes, oversized alone") << 300 << 0 << 256 << qint64(6000) << 0;
        QTest::newRow("resume: confirmed skipped") << 500 << 0 << 50 << qint64(20000) << 3;
        QTest::newRow("simple + videos") << 10 << 3 << 256 << qint64(1) << 0;
        QTest::newRow("sharded + videos apart") << 40 << 3 << 16 << qint64(1) << 7;
    }
    void cursorPlansWhatThePlannerPlans()
    {
        QFETCH(int, images);
        QFETCH(int, videos);
        QFETCH(int, maxFiles);
        QFETCH(qint64, maxBytes);
        QFETCH(int, confirmEvery);
        if (maxBytes == 1)
            maxBytes = PlanOptions().shardMaxBytes;
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        qputenv("BATCHDECK_DATA_DIR", tmp.filePath(QStringLiteral("data")).toUtf8());
        bd::setDatabasePath(tmp.filePath(QStringLiteral("data/batchdeck.sqlite")));
        const QString root = tmp.filePath(QStringLiteral("in"));
        for (int i = 0; i < images; ++i)   // sizes vary; every 97th is bigger than the byte cap
            stagingtest::writeFile(root, QStringLiteral("d%1/img%2.jpg").arg(i % 3).arg(i, 4, 10, QLatin1Char('0')),
                                   stagingtest::jpegBytes(i % 97 == 50 ? 7000 : 100 + (i * 37) % 900));
        for (int i = 0; i < videos; ++i)
            stagingtest::writeFile(root, QStringLiteral("v/clip%1.mp4").arg(i), QByteArray(500 + i, 'v'));

        ScanOptions scanOptions;
        scanOptions.media = MediaSelection::Both;
        const ScanResult memory = FolderWalker(scanOptions).scan({ root });
        scanOptions.toDatabase = true;
        const ScanResult disk = FolderWalker(scanOptions).scan({ root });
        QVERIFY2(disk.storeError.isEmpty(), qPrintable(disk.storeError));
        QCOMPARE(disk.acceptedCount(), images + videos);

        IngestJournal journal;
        QVERIFY(journal.open());
        IngestRecord record;
        record.ingestId = QStringLiteral("plan-%1").arg(QTest::currentDataTag());
        record.batchId = QStringLiteral("b");
        record.sources = { root };
        QVERIFY(journal.saveIngest(record));
        QSqlDatabase db = bd::database();
        QString error;
        QVERIFY2(ScanStore::attach(db, *disk.file, QStringLiteral("scan_t"), &error), qPrintable(error));
        QVERIFY2(journal.addScanFiles(record.ingestId, QStringLiteral("scan_t")), qPrintable(journal.lastError()));
        PlanOptions options;
        options.shardMaxFiles = maxFiles;
        options.shardMaxBytes = maxBytes;
        QStringList confirmed;
        for (int i = 0; confirmEvery > 0 && i < memory.accepted.size(); i += confirmEvery) {
            confirmed << memory.accepted.at(i).path;
            options.alreadyUploaded.insert(memory.accepted.at(i).path);
        }
        QVERIFY(journal.setFileState(record.ingestId, confirmed, JournalFileState::Confirmed));

        const IngestPlan expected = IngestPlanner::plan(memory, options);
        IngestPlanCursor cursor(db, QStringLiteral("scan_t"), record.ingestId, options);
        QVERIFY2(cursor.summarize(), qPrintable(cursor.lastError()));
        QCOMPARE(cursor.imageMethod(), expected.imageMethod);
        QCOMPARE(cursor.counts().imagesDiscovered, expected.imagesDiscovered);
        QCOMPARE(cursor.counts().imagesAlreadyUploaded, expected.imagesAlreadyUploaded);
        QCOMPARE(cursor.counts().videosAlreadyUploaded, expected.videosAlreadyUploaded);
        QCOMPARE(cursor.counts().imagesPending, expected.imagesToUpload());
        QCOMPARE(cursor.videosNeedSeparateBatch(), expected.videosNeedSeparateBatch);
        QCOMPARE(cursor.notes(), expected.notes);
        qint64 bytes = cursor.counts().imageBytesPending + cursor.counts().videoBytesPending;
        QCOMPARE(bytes, expected.bytesToUpload());

        auto fileText = [](const QString &path, const QString &name, qint64 size) {
            return QStringLiteral("%1|%2|%3").arg(path, name).arg(size);
        };
        QStringList got, want;
        for (const ScannedFile &f : expected.simpleImages)
            want << fileText(f.path, f.batchName, f.size);
        while (const auto f = cursor.nextSimpleImage())
            got << fileText(f->path, f->batchName, f->size);
        QCOMPARE(got, want);
        int shards = 0;
        while (const auto shard = cursor.nextShard()) {
            QVERIFY(shards < expected.shards.size());
            const PlannedShard &e = expected.shards.at(shards);
            QCOMPARE(shard->index, e.index);
            QCOMPARE(shard->payloadBytes, e.payloadBytes);
            got.clear();
            want.clear();
            for (const ShardMember &m : shard->members)
                got << fileText(m.path, m.name, m.size) + QString::number(m.mtime);
            for (const ShardMember &m : e.members)
                want << fileText(m.path, m.name, m.size) + QString::number(m.mtime);
            QCOMPARE(got, want);
            ++shards;
        }
        QCOMPARE(shards, int(expected.shards.size()));
        QVERIFY(images <= 32 || shards > 1);
        got.clear();
        want.clear();
        for (const ScannedFile &f : expected.videos)
            want << fileText(f.path, f.batchName, f.size);
        while (const auto f = cursor.nextVideo())
            got << fileText(f->path, f->batchName, f->size);
        QCOMPARE(got, want);
        QVERIFY(cursor.lastError().isEmpty());
        ScanStore::detach(db, QStringLiteral("scan_t"));
    }

    // NameCertainty's fast key is BatchNaming's key (NFC, case folding, sanitising), also for
    // names whose folding leaves ASCII (the Kelvin sign folds to "k").
    void fastKeyIsBatchNamingsKey()
    {
        const QStringList names{ QStringLiteral("IMG_0001.JPG"), QStringLiteral("a:b*c?.jpg"),
                                 QStringLiteral("tab\there.png"), QStringLiteral("Caf\u00e9.jpg"),
                                 QStringLiteral("Cafe\u0301.jpg"), QStringLiteral("\u212a.jpg"),
                                 QStringLiteral("STRASSE.jpg"), QStringLiteral("stra\u00dfe.jpg"),
                                 QStringLiteral("x|y<z>.webp"), QStringLiteral("..") };
        for (const QString &name : names)
            QCOMPARE(NameCertainty::keyOfFileName(name), BatchNaming::collisionKey(BatchNaming::sanitize(name)));
    }

    // The walk hands out shards while it goes on (a fresh sharded ingest): every image goes
    // exactly once - in an early shard or in the plan after the scan - and an early member's
    // name is the name the whole scan gives it. Names that collide (or that a raised name of
    // another group could equal) wait for the end; no early shard before the batch is known
    // to be sharded; at most `window` handed out while none is taken; a symlinked folder turns
    // early shards off.
    void earlyShardsHoldEveryImageOnceWithFinalNames()
    {
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        qputenv("BATCHDECK_DATA_DIR", tmp.filePath(QStringLiteral("data")).toUtf8());
        bd::setDatabasePath(tmp.filePath(QStringLiteral("data/batchdeck.sqlite")));
        const QString root = tmp.filePath(QStringLiteral("in"));
        QStringList mustWait;
        for (int i = 0; i < 600; ++i)
            stagingtest::writeFile(root, QStringLiteral("d%1/u%2.jpg").arg(i % 4).arg(i, 4, 10, QLatin1Char('0')),
                                   stagingtest::jpegBytes(100 + i % 50));
        for (int i = 0; i < 3; ++i)   // one basename, three folders, one of them upper case
            mustWait << stagingtest::writeFile(root, QStringLiteral("d%1/%2.jpg").arg(i).arg(i == 1 ? QStringLiteral("SAME") : QStringLiteral("same")),
                                               stagingtest::jpegBytes(120));
        // A raised name of the "pic" group is "a__pic.jpg": the file really named so waits.
        mustWait << stagingtest::writeFile(root, QStringLiteral("a/pic.jpg"), stagingtest::jpegBytes(90))
                 << stagingtest::writeFile(root, QStringLiteral("b/pic.jpg"), stagingtest::jpegBytes(91))
                 << stagingtest::writeFile(root, QStringLiteral("z/a__pic.jpg"), stagingtest::jpegBytes(92))
                 << stagingtest::writeFile(root, QStringLiteral("z/shot-0123abcd.jpg"), stagingtest::jpegBytes(93));
        // A file symlink: accepted under the link's own name (a duplicate of its target).
        QVERIFY(QFile::link(root + QStringLiteral("/d0/u0000.jpg"), root + QStringLiteral("/d1/link.jpg")));
        for (QString &path : mustWait)
            path = QDir::cleanPath(path);
        QCOMPARE(mustWait.size(), 7);

        // (window, tail): at the walk's end up to `tail` more go, beyond the window, from what
        // the walk left to the plan (all of it with 1000).
        for (const auto &[window, tail] : { std::pair{ 1000, 0 }, std::pair{ 2, 0 }, std::pair{ 2, 3 }, std::pair{ 2, 1000 } }) {
            auto waiting = std::make_shared<std::atomic<int>>(0);
            QVector<PlannedShard> early;
            EarlyShardOptions earlyOptions;
            earlyOptions.enabled = true;
            earlyOptions.shardMaxFiles = 50;
            earlyOptions.shardMaxBytes = 4000;   // some shards end on bytes
            earlyOptions.window = window;
            earlyOptions.tailShards = tail;
            earlyOptions.waiting = waiting;
            earlyOptions.handOut = [&early](PlannedShard shard) { early.append(std::move(shard)); };
            ScanOptions scanOptions;
            scanOptions.toDatabase = true;
            FolderWalker walker(scanOptions);
            walker.setEarlyShards(earlyOptions);
            const ScanResult disk = walker.scan({ root });
            QVERIFY2(disk.storeError.isEmpty(), qPrintable(disk.storeError));
            const ScanResult memory = FolderWalker(ScanOptions()).scan({ root });
            QCOMPARE(disk.acceptedCount(), memory.acceptedCount());
            QHash<QString, QString> finalName;
            for (const ScannedFile &f : memory.accepted)
                finalName.insert(f.path, f.batchName);

            if (window == 1000)
                QVERIFY(early.size() >= 10);
            else if (tail < 1000)
                QCOMPARE(early.size(), 2 + tail);   // nobody took one: the window stays full, then the tail
            int handedEarly = 0;
            for (const PlannedShard &shard : std::as_const(early))
                handedEarly += int(shard.members.size());
            if (tail == 1000)   // everything with a final name (all but those that must wait and the link's twin)
                QVERIFY2(handedEarly >= memory.imageCount - mustWait.size() - 2, qPrintable(QString::number(handedEarly)));
            QHash<QString, int> sent;
            for (const PlannedShard &shard : std::as_const(early)) {
                QVERIFY(shard.members.size() <= 50);
                QVERIFY(shard.payloadBytes <= 4000);
                for (const ShardMember &m : shard.members) {
                    QCOMPARE(m.name, finalName.value(m.path));
                    QVERIFY2(!mustWait.contains(m.path), qPrintable(m.path));
                    ++sent[m.path];
                }
            }
            // The plan after the scan: everything else, nothing handed out again.
            IngestJournal journal;
            QVERIFY(journal.open());
            IngestRecord record;
            record.ingestId = QStringLiteral("early-%1-%2").arg(window).arg(tail);
            record.batchId = QStringLiteral("b");
            record.sources = { root };
            QVERIFY(journal.saveIngest(record));
            QSqlDatabase db = bd::database();
            QString error;
            QVERIFY2(ScanStore::attach(db, *disk.file, QStringLiteral("scan_e"), &error), qPrintable(error));
            QVERIFY(journal.addScanFiles(record.ingestId, QStringLiteral("scan_e")));
            PlanOptions options;
            options.shardMaxFiles = 50;
            options.shardMaxBytes = 4000;
            // The early shards went up meanwhile (confirmed in the journal, as the upload does):
            // the cursor that looks files up in the journal and the one that reads the scan
            // alone (what a fresh overlapped ingest uses) plan the same shards.
            for (const PlannedShard &shard : std::as_const(early)) {
                QStringList paths;
                for (const ShardMember &m : shard.members)
                    paths << m.path;
                QVERIFY(journal.setFileState(record.ingestId, paths, JournalFileState::Confirmed));
            }
            int handed = 0;
            for (const PlannedShard &shard : std::as_const(early))
                handed += int(shard.members.size());
            QList<QStringList> planned[2];
            for (const auto lookup : { IngestPlanCursor::Lookup::Journal, IngestPlanCursor::Lookup::ScanOnly }) {
                IngestPlanCursor cursor(db, QStringLiteral("scan_e"), record.ingestId, options, lookup);
                QVERIFY(cursor.summarize());
                QCOMPARE(cursor.imageMethod(), IngestPlan::ImageMethod::Sharded);
                QCOMPARE(cursor.counts().imagesDiscovered, memory.imageCount);
                QCOMPARE(cursor.counts().imagesHandedOut, handed);
                QCOMPARE(cursor.counts().imagesPending, memory.imageCount - handed);
                QCOMPARE(cursor.counts().imagesAlreadyUploaded, 0);
                while (const auto shard = cursor.nextShard()) {
                    QStringList members;
                    for (const ShardMember &m : shard->members) {
                        QCOMPARE(m.name, finalName.value(m.path));
                        members << m.path + QLatin1Char('|') + m.name;
                    }
                    planned[int(lookup)].append(members);
                }
                QVERIFY(cursor.lastError().isEmpty());
            }
            QCOMPARE(planned[1], planned[0]);
            for (const QStringList &members : std::as_const(planned[0]))
                for (const QString &m : members)
                    ++sent[m.section(QLatin1Char('|'), 0, 0)];
            ScanStore::detach(db, QStringLiteral("scan_e"));
            QCOMPARE(sent.size(), memory.imageCount);
            for (auto it = sent.cbegin(); it != sent.cend(); ++it)
                QVERIFY2(it.value() == 1, qPrintable(it.key()));
        }

        // Few images: simple, so nothing early; a symlinked folder: no early shards at all.
        for (const bool linkedFolder : { false, true }) {
            QTemporaryDir small;
            const QString in = small.filePath(QStringLiteral("in"));
            for (int i = 0; i < (linkedFolder ? 200 : 30); ++i)
                stagingtest::writeFile(in, QStringLiteral("f%1.jpg").arg(i), stagingtest::jpegBytes(100));
            if (linkedFolder) {
                stagingtest::writeFile(small.filePath(QStringLiteral("other")), QStringLiteral("o.jpg"), stagingtest::jpegBytes(100));
                QVERIFY(QFile::link(small.filePath(QStringLiteral("other")), in + QStringLiteral("/linked")));
            }
            auto waiting = std::make_shared<std::atomic<int>>(0);
            int handedOut = 0;
            EarlyShardOptions earlyOptions;
            earlyOptions.enabled = true;
            earlyOptions.shardMaxFiles = 10;
            earlyOptions.waiting = waiting;
            earlyOptions.window = 1000;
            earlyOptions.handOut = [&handedOut](PlannedShard) { ++handedOut; };
            ScanOptions scanOptions;
            scanOptions.toDatabase = true;
            FolderWalker walker(scanOptions);
            walker.setEarlyShards(earlyOptions);
            const ScanResult disk = walker.scan({ in });
            QCOMPARE(disk.imageCount, linkedFolder ? 201 : 30);
            QCOMPARE(handedOut, 0);
        }
    }
};

QTEST_GUILESS_MAIN(TstIngestPlanner)
#include "tst_ingestplanner.moc"
