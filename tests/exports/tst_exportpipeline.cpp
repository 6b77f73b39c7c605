// The download pipeline against the embedded sandbox over loopback: a full job export compared
// byte for byte with direct GETs and libarchive reads, listing pages, injected faults, Range
// resume, disk and permission errors, hostile archives, part names, pause and resume. The tests
// that run the real batchdeck-cli are in tst_exportcli.
#include "ExportFixture.h"
#include "TestArchives.h"

#include "exports/DownloadOperation.h"
#include "exports/ExportLog.h"
#include "exports/ExportOperation.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>
#include <sys/resource.h>
#include <unistd.h>

using namespace bd;
using namespace exporttest;

class TstExportPipeline : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_dataDir;
    Env m_env;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dataDir.isValid());
        QString error;
        QVERIFY2(m_env.start(m_dataDir.path(), &error), qPrintable(error));
    }

    void jobExportMatchesTheSandboxByteForByte()
    {
        QTemporaryDir target;
        ExportOptions o;
        o.jobId = QStringLiteral("demo-finished");
        o.allStages = true;
        o.targetDir = target.path();
        o.concurrency = 4;
        ExportOperation op(m_env.api.get(), o);
        int peakRunning = 0;
        connect(&op, &ExportOperation::fileStarted, this,
                [&] { peakRunning = qMax(peakRunning, op.runningDownloads()); });
        op.start();
        QVERIFY(waitFinished(&op));
        QVERIFY2(!op.error(), qPrintable(op.error().fullText()));
        QVERIFY2(peakRunning >= 2 && peakRunning <= o.concurrency, qPrintable(QString::number(peakRunning)));

        const ExportSummary &s = op.summary();
        QVERIFY(s.planned > 0);
        QCOMPARE(s.downloaded, s.planned);
        QCOMPARE(s.failed(), 0);
        int archives = 0, plain = 0, opaqueUrls = 0;
        for (const PlannedFile &f : op.files()) {
            // The local name is fileName, never the URL's basename (a UUID for every second file).
            QCOMPARE(QFileInfo(f.destPath).fileName(), f.file.fileName);
            if (QUrl(f.file.downloadUrl).fileName() != f.file.fileName)
                ++opaqueUrls;
            // Several output batches: each in its own folder, multipart parts below it.
            QVERIFY2(f.destPath.startsWith(target.path() + QLatin1Char('/') + f.batchId + QLatin1Char('/')), qPrintable(f.destPath));
            const QByteArray reference = m_env.directGet(f.file.downloadUrl);
            QVERIFY(!reference.isEmpty());
            if (f.isArchive) {
                ++archives;
                QVERIFY2(!QFileInfo::exists(f.destPath), "archives are deleted after extraction by default");
                const auto members = archiveMembers(reference);
                QVERIFY(!members.isEmpty());
                for (auto it = members.cbegin(); it != members.cend(); ++it)
                    QCOMPARE(fileSha256(f.destDir + QLatin1Char('/') + it.key()), sha256(it.value()));
            } else {
                ++plain;
                QCOMPARE(fileSha256(f.destPath), sha256(reference));
            }
            QVERIFY(!QFileInfo::exists(f.destPath + QStringLiteral(".part")));
        }
        QVERIFY(archives > 0);
        QVERIFY(plain > 0);
        QVERIFY(opaqueUrls > 0);
        QCOMPARE(s.extracted, archives);

        // The log of each batch root is readable by ExportLog and keyed like the Python CLI.
        int logged = 0;
        QSet<QString> roots;
        for (const PlannedFile &f : op.files())
            roots.insert(f.targetRoot);
        for (const QString &root : roots) {
            ExportLog log(root);
            QVERIFY(log.load());
            QVERIFY(log.problems().isEmpty());
            logged += int(log.entries().size());
            for (const PlannedFile &f : op.files()) {
                if (f.targetRoot != root)
                    continue;
                const QString key = f.file.fileName + QLatin1Char('-') + f.file.partName + QStringLiteral("-")
                    + (f.file.shardId.isNull() ? QStringLiteral("None") : f.file.shardId);
                QVERIFY2(log.contains(key), qPrintable(key));
                QCOMPARE(log.localPath(key), f.isArchive ? f.destDir : f.destPath);
            }
        }
        QCOMPARE(logged, s.planned);

        // Run again: everything is skipped, nothing is fetched.
        const int s2Before = m_env.sandbox->requestCount(QStringLiteral("S2"));
        ExportOperation again(m_env.api.get(), o);
        again.start();
        QVERIFY(waitFinished(&again));
        QVERIFY(!again.error());
        QCOMPARE(again.summary().skipped, s.planned);
        QCOMPARE(again.summary().downloaded, 0);
        QCOMPARE(m_env.sandbox->requestCount(QStringLiteral("S2")), s2Before);
    }

    void injectedFaultsEndInACompleteExport()
    {
        QHash<QString, QByteArray> originals;
        for (int i = 0; i < 4; ++i) {
            const QString name = QStringLiteral("clip-%1.mp4").arg(i);
            originals.insert(name, patternBytes(300 * 1024 + i * 700 * 1024, 11 + i));
            QVERIFY(m_env.seedFile(QStringLiteral("faulty"), name, originals.value(name)));
        }
        m_env.sandbox->setFaultPlan(QJsonDocument::fromJson(R"({"rules": [
            {"route": "D5", "status": 503, "times": 2},
            {"route": "S2", "action": "cut", "times": 2},
            {"route": "S2", "status": 503, "times": 2},
            {"route": "S2", "status": 429, "retryAfter": 1, "times": 2},
            {"route": "S2", "action": "expire-url", "times": 2}
        ]})").object());
        QTemporaryDir target;
        ExportOperation op(m_env.api.get(), batchOptions(QStringLiteral("faulty"), target.path()));
        op.start();
        QVERIFY(waitFinished(&op));
        m_env.sandbox->setFaultPlan({});
        QVERIFY2(!op.error(), qPrintable(op.error().fullText() + op.summary().toText()));
        QCOMPARE(op.summary().downloaded, 4);
        QVERIFY(op.summary().urlRefreshes >= 1);
        for (auto it = originals.cbegin(); it != originals.cend(); ++it)
            QCOMPARE(fileSha256(target.path() + QLatin1Char('/') + it.key()), sha256(it.value()));
    }

    // More files than one D5 page (the sandbox's default page is 50): every page is listed and
    // every file lands under its fileName.
    void everyPageOfTheListingIsExported()
    {
        const int files = 57;
        for (int i = 0; i < files; ++i)
            QVERIFY(m_env.seedFile(QStringLiteral("paged"), QStringLiteral("clip-%1.mp4").arg(i, 2, 10, QLatin1Char('0')),
                                   patternBytes(1024 + i, 200 + i)));
        QTemporaryDir target;
        const int d5Before = m_env.sandbox->requestCount(QStringLiteral("D5"));
        ExportOperation op(m_env.api.get(), batchOptions(QStringLiteral("paged"), target.path()));
        op.start();
        QVERIFY(waitFinished(&op));
        QVERIFY2(!op.error(), qPrintable(op.error().fullText()));
        QCOMPARE(op.summary().planned, files);
        QCOMPARE(op.summary().downloaded, files);
        QVERIFY(m_env.sandbox->requestCount(QStringLiteral("D5")) - d5Before >= 2);
        for (int i = 0; i < files; ++i)
            QCOMPARE(fileSha256(target.path() + QStringLiteral("/clip-%1.mp4").arg(i, 2, 10, QLatin1Char('0'))),
                     sha256(patternBytes(1024 + i, 200 + i)));
    }

    // --concurrency 8 means 8 GETs on the wire, as curl x8: every storage GET is held 2 s by the
    // sandbox, and more than 6 must have reached it before the first answer. (Qt 6.4 opens at most
    // 6 connections per host per QNetworkAccessManager: with one manager exactly 6 arrived. The
    // storage host serves 8 connections at once, and the seeding's kept-alive one may hold one.)
    void eightDownloadsFromOneStorageHostRunAtOnce()
    {
        for (int i = 0; i < 8; ++i)
            QVERIFY(m_env.seedFile(QStringLiteral("wide"), QStringLiteral("w-%1.mp4").arg(i), patternBytes(4096, 40 + i)));
        QTemporaryDir target;
        ExportOptions o = batchOptions(QStringLiteral("wide"), target.path());
        o.concurrency = 8;
        m_env.sandbox->setFaultPlan(QJsonDocument::fromJson(R"({"rules": [
            {"route": "S2", "delayMs": 2000, "times": 8}
        ]})").object());
        // As `export-batch --concurrency 8` sets it: the gate starts at 8 transfers.
        api::NetworkGate *gate = m_env.api->networkGate();
        const api::NetworkGate::TransferLimits saved = gate->transferLimits();
        api::NetworkGate::TransferLimits limits = saved;
        limits.initial = 8;
        limits.maximum = qMax(limits.maximum, 8);
        gate->setTransferLimits(limits);
        const int s2Before = m_env.sandbox->requestCount(QStringLiteral("S2"));
        ExportOperation op(m_env.api.get(), o);
        op.start();
        QElapsedTimer clock;
        clock.start();
        int peakRunning = 0;
        while (m_env.sandbox->requestCount(QStringLiteral("S2")) - s2Before < 8 && clock.elapsed() < 1800) {
            QTest::qWait(20);
            peakRunning = qMax(peakRunning, op.runningDownloads());
        }
        const int arrived = m_env.sandbox->requestCount(QStringLiteral("S2")) - s2Before;
        QVERIFY(waitFinished(&op));
        m_env.sandbox->setFaultPlan({});
        gate->setTransferLimits(saved);
        QVERIFY2(!op.error(), qPrintable(op.error().fullText()));
        QVERIFY2(peakRunning == 8, qPrintable(QString::number(peakRunning)));   // the gate let 8 go
        QVERIFY2(arrived > 6, qPrintable(QString::number(arrived)));
        for (int i = 0; i < 8; ++i)
            QCOMPARE(fileSha256(target.path() + QStringLiteral("/w-%1.mp4").arg(i)), sha256(patternBytes(4096, 40 + i)));
    }

    void partFileResumesWithRange()
    {
        const QByteArray original = patternBytes(2 * 1024 * 1024, 77);
        QVERIFY(m_env.seedFile(QStringLiteral("resume"), QStringLiteral("big.mp4"), original));
        QTemporaryDir target;
        // A .part holding the first MiB, its first bytes marked: a Range GET keeps them, a full
        // GET would overwrite them. So the marker proves which request was made.
        QByteArray part = original.left(1024 * 1024);
        part.replace(0, 8, QByteArray("MARKER!!"));
        QFile f(target.path() + QStringLiteral("/big.mp4.part"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        QCOMPARE(f.write(part), part.size());
        f.close();

        ExportOperation op(m_env.api.get(), batchOptions(QStringLiteral("resume"), target.path()));
        op.start();
        QVERIFY(waitFinished(&op));
        QVERIFY2(!op.error(), qPrintable(op.error().fullText()));
        QCOMPARE(op.summary().resumed, 1);
        QFile done(target.path() + QStringLiteral("/big.mp4"));
        QVERIFY(done.open(QIODevice::ReadOnly));
        const QByteArray bytes = done.readAll();
        QCOMPARE(bytes.size(), original.size());
        QCOMPARE(bytes.left(8), QByteArray("MARKER!!"));
        QVERIFY(bytes.mid(8) == original.mid(8));
    }

    void unwritableTargetGivesAClearError()
    {
        QTemporaryDir base;
        QFile plain(base.path() + QStringLiteral("/plainfile"));
        QVERIFY(plain.open(QIODevice::WriteOnly));
        plain.close();
        const QString target = plain.fileName() + QStringLiteral("/target");
        ExportOperation op(m_env.api.get(), batchOptions(QStringLiteral("resume"), target));
        op.start();
        QVERIFY(waitFinished(&op));
        QCOMPARE(op.error().kind, ErrorKind::Io);
        QVERIFY2(op.error().message.contains(target), qPrintable(op.error().message));
    }

    // An export archive with hostile members, served by the sandbox like any result file: the
    // export completes, the safe members land in the target, nothing is written outside it and
    // every refused member is reported in the summary (and its JSON).
    void maliciousArchiveWritesNothingOutsideTheTarget()
    {
        const QByteArray evil = "bd-evil-" + QByteArray::number(qint64(::getpid())) + "-"
            + QByteArray::number(QRandomGenerator::global()->generate());
        using archivetest::Member;
        QTemporaryDir build;
        const QString tarPath = build.path() + QStringLiteral("/results.tar");
        QVERIFY(archivetest::writeArchive(tarPath, archivetest::Kind::Tar, {
            { "good/result.jsonl", Member::File, "{\"ok\": 1}\n", {} },
            { "../" + evil, Member::File, "x", {} },
            { "/tmp/" + evil, Member::File, "x", {} },
            { "good/../../" + evil, Member::File, "x", {} },
            { "out", Member::Symlink, {}, "../outside" },
            { "out/" + evil, Member::File, "x", {} },
            { "etc", Member::Symlink, {}, "/etc" },
            { "etc/" + evil, Member::File, "x", {} },
        }));
        QFile tarFile(tarPath);
        QVERIFY(tarFile.open(QIODevice::ReadOnly));
        QVERIFY(m_env.seedFile(QStringLiteral("hostile"), QStringLiteral("results.tar"), tarFile.readAll()));
        QTemporaryDir base;
        const QString target = base.path() + QStringLiteral("/target");
        QVERIFY(QDir().mkpath(base.path() + QStringLiteral("/outside")));
        const QStringList before = archivetest::snapshot(base.path(), target);

        ExportOperation op(m_env.api.get(), batchOptions(QStringLiteral("hostile"), target));
        op.start();
        QVERIFY(waitFinished(&op));
        QVERIFY2(!op.error(), qPrintable(op.error().fullText()));
        QCOMPARE(op.summary().extracted, 1);

        QCOMPARE(archivetest::snapshot(base.path(), target), before);
        QVERIFY(QDir(base.path() + QStringLiteral("/outside")).isEmpty());
        for (const QString &escaped : { QStringLiteral("/tmp/"), QStringLiteral("/etc/") })
            QVERIFY2(!QFileInfo::exists(escaped + QString::fromLatin1(evil)), qPrintable(escaped));
        QCOMPARE(fileSha256(target + QStringLiteral("/good/result.jsonl")), sha256("{\"ok\": 1}\n"));
        QVERIFY(!QFileInfo::exists(target + QStringLiteral("/results.tar")));   // deleted after extraction

        QSet<QString> refused;
        for (const ExportSummary::Refusal &r : op.summary().refused) {
            QCOMPARE(r.archive, QStringLiteral("results.tar"));
            QVERIFY(!r.entry.reason.isEmpty());
            refused.insert(r.entry.path);
        }
        const QSet<QString> expected{ QString::fromLatin1("../" + evil), QString::fromLatin1("/tmp/" + evil),
                                      QString::fromLatin1("good/../../" + evil), QStringLiteral("out"),
                                      QString::fromLatin1("out/" + evil), QStringLiteral("etc"),
                                      QString::fromLatin1("etc/" + evil) };
        QCOMPARE(refused, expected);
        QCOMPARE(op.summary().toJson().value(QStringLiteral("refusedEntries")).toArray().size(), expected.size());
        QVERIFY(op.summary().toText().contains(QStringLiteral("Refused archive entry")));
    }

    void fullDiskStopsTheFileAndKeepsItsBytes()
    {
        const QByteArray original = patternBytes(3 * 1024 * 1024, 5);
        QVERIFY(m_env.seedFile(QStringLiteral("diskfull"), QStringLiteral("huge.mp4"), original));
        QTemporaryDir target;
        ExportOptions o = batchOptions(QStringLiteral("diskfull"), target.path());
        o.useJournal = false;   // keep SQLite away from the file-size limit
        ExportOperation op(m_env.api.get(), o);
        // RLIMIT_FSIZE makes the kernel refuse writes past 1 MiB (EFBIG) even for root.
        rlimit old{};
        QVERIFY(::getrlimit(RLIMIT_FSIZE, &old) == 0);
        const auto oldHandler = std::signal(SIGXFSZ, SIG_IGN);
        rlimit small = old;
        small.rlim_cur = 1024 * 1024;
        QVERIFY(::setrlimit(RLIMIT_FSIZE, &small) == 0);
        op.start();
        const bool ended = waitFinished(&op);
        ::setrlimit(RLIMIT_FSIZE, &old);
        std::signal(SIGXFSZ, oldHandler);
        QVERIFY(ended);
        QCOMPARE(op.error().kind, ErrorKind::DiskFull);
        const QString partPath = target.path() + QStringLiteral("/huge.mp4.part");
        QVERIFY2(op.error().message.contains(partPath), qPrintable(op.error().message));
        QCOMPARE(QFileInfo(partPath).size(), qint64(1024 * 1024));
        QCOMPARE(op.summary().failed(), 1);

        // With room again, the same export finishes from those bytes.
        ExportOperation again(m_env.api.get(), o);
        again.start();
        QVERIFY(waitFinished(&again));
        QVERIFY2(!again.error(), qPrintable(again.error().fullText()));
        QCOMPARE(again.summary().resumed, 1);
        QCOMPARE(fileSha256(target.path() + QStringLiteral("/huge.mp4")), sha256(original));
    }

    void partNamesSelectPartsAndAreChecked()
    {
        QTemporaryDir target;
        ExportOptions o = batchOptions(QStringLiteral("demo-finished-export-out"), target.path());
        o.partNames = { QStringLiteral("archives-1") };
        ExportOperation op(m_env.api.get(), o);
        op.start();
        QVERIFY(waitFinished(&op));
        QVERIFY2(!op.error(), qPrintable(op.error().fullText()));
        QVERIFY(op.summary().planned > 0);
        for (const PlannedFile &f : op.files()) {
            QCOMPARE(f.file.partName, QStringLiteral("archives-1"));
            QCOMPARE(f.destDir, target.path() + QStringLiteral("/archives-1"));
        }

        o.partNames = { QStringLiteral("no-such-part") };
        ExportOperation unknown(m_env.api.get(), o);
        unknown.start();
        QVERIFY(waitFinished(&unknown));
        QCOMPARE(unknown.error().kind, ErrorKind::InvalidInput);
        QVERIFY(unknown.error().message.contains(QStringLiteral("no-such-part")));

        // --part-name on a batch without parts is a client error, as in the reference CLI.
        ExportOptions simple = batchOptions(QStringLiteral("resume"), target.path());
        simple.partNames = { QStringLiteral("x") };
        ExportOperation notMultipart(m_env.api.get(), simple);
        notMultipart.start();
        QVERIFY(waitFinished(&notMultipart));
        QCOMPARE(notMultipart.error().kind, ErrorKind::InvalidInput);
    }

    void suspendKeepsThePartAndResumeContinuesIt()
    {
        const QByteArray original = patternBytes(16 * 1024 * 1024, 31);
        QVERIFY(m_env.seedFile(QStringLiteral("pausable"), QStringLiteral("long.mp4"), original));
        QTemporaryDir target;
        const QString partPath = target.path() + QStringLiteral("/long.mp4.part");
        // The first GET is cut mid-body; the retry waits >= 1.5 s: pause in between.
        m_env.sandbox->setFaultPlan(QJsonDocument::fromJson(R"({"rules": [
            {"route": "S2", "action": "cut", "times": 1}
        ]})").object());
        ExportOptions o = batchOptions(QStringLiteral("pausable"), target.path());
        o.backoffBaseMs = 3000;
        ExportOperation op(m_env.api.get(), o);
        op.start();
        QElapsedTimer clock;
        clock.start();
        // Pause once the cut GET has ended: the .part has bytes and stopped growing (backoff).
        qint64 previous = -1;
        int stable = 0;
        while (stable < 3 && clock.elapsed() < 60000 && !op.isFinished()) {
            QTest::qWait(100);
            const qint64 size = QFileInfo(partPath).size();
            stable = size > 0 && size == previous ? stable + 1 : 0;
            previous = size;
        }
        QVERIFY(op.suspend());
        const qint64 pausedBytes = QFileInfo(partPath).size();
        QVERIFY(pausedBytes > 0 && pausedBytes < original.size());
        QCOMPARE(op.state(), Operation::State::Suspended);
        const int s2Paused = m_env.sandbox->requestCount(QStringLiteral("S2"));
        QTest::qWait(4000);   // longer than any backoff: nothing may be sent while paused
        QCOMPARE(m_env.sandbox->requestCount(QStringLiteral("S2")), s2Paused);
        QCOMPARE(QFileInfo(partPath).size(), pausedBytes);
        QVERIFY(!op.isFinished());
        QVERIFY(op.resume());
        QVERIFY(waitFinished(&op));
        m_env.sandbox->setFaultPlan({});
        QVERIFY2(!op.error(), qPrintable(op.error().fullText()));
        QCOMPARE(op.summary().resumed, 1);
        QCOMPARE(m_env.sandbox->requestCount(QStringLiteral("S2")), s2Paused + 1);
        QCOMPARE(fileSha256(target.path() + QStringLiteral("/long.mp4")), sha256(original));
    }

    void cleanupTestCase() { m_env.stop(); }
};

QTEST_GUILESS_MAIN(TstExportPipeline)
#include "tst_exportpipeline.moc"
