// SafeExtractor: real archives built with libarchive, real files, real refusals.
#include "TestArchives.h"
#include "common/FileHashes.h"
#include "exports/SafeExtractor.h"

#include <QDirIterator>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QStorageInfo>
#include <QTemporaryDir>
#include <QTest>

#include <archive.h>
#include <archive_entry.h>

#include <csignal>
#include <sys/resource.h>
#include <sys/sysmacros.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace bd;
using namespace archivetest;

namespace {

using sandboxtest::fileSha256;
using sandboxtest::sha256;

QByteArray randomBytes(int size)
{
    QByteArray b(size, Qt::Uninitialized);
    auto *gen = QRandomGenerator::global();
    for (int i = 0; i < size; ++i)
        b[i] = char(gen->bounded(256));
    return b;
}

// Runs the operation to completion in the event loop.
bool runToEnd(SafeExtractor &op, int timeoutMs = 120000)
{
    QSignalSpy spy(&op, &Operation::finished);
    op.start();
    return spy.wait(timeoutMs) || op.isFinished();
}

}  // namespace

class TestSafeExtractor : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void maliciousEntriesAreRefusedAndReported()
    {
        QTemporaryDir base;
        const QString target = base.path() + QStringLiteral("/target");
        const QString outside = base.path() + QStringLiteral("/outside");
        QVERIFY(QDir().mkpath(target));
        QVERIFY(QDir().mkpath(outside));
        // A symlink already on disk, inside the target, that leads out of it.
        QVERIFY(QFile::link(outside, target + QStringLiteral("/pre")));
        const QByteArray evil = "bd-evil-" + QByteArray::number(qint64(::getpid())) + "-"
            + QByteArray::number(QRandomGenerator::global()->generate());
        const QString tmpEvil = QStringLiteral("/tmp/") + QString::fromLatin1(evil);
        QVERIFY(!QFileInfo::exists(tmpEvil));
        const QByteArray passwdBefore = fileSha256(QStringLiteral("/etc/passwd"));

        const QVector<Member> members = {
            { "good.txt", Member::File, "fine\n", {} },
            { "../" + evil, Member::File, "x", {} },
            { "/abs/" + evil, Member::File, "x", {} },
            { "a/../../" + evil, Member::File, "x", {} },
            { "link", Member::Symlink, {}, "/tmp" },
            { "link/" + evil, Member::File, "x", {} },
            { "passwd", Member::Hardlink, {}, "/etc/passwd" },
            { "up", Member::Symlink, {}, "../outside" },
            { "up/" + evil, Member::File, "x", {} },
            { "pre/" + evil, Member::File, "x", {} },
            { "dot", Member::Symlink, {}, "." },          // harmless by itself, but links are never made
            { "esc", Member::Symlink, {}, "dot/.." },      // dot/.. is the target's parent
            { "fifo", Member::Fifo, {}, {} },
            { "dev/null2", Member::CharDevice, {}, {} },
            { "sub/inner.txt", Member::File, "inner\n", {} },
            { "sub/hl.txt", Member::Hardlink, {}, "good.txt" },   // even a hard link inside is not made
        };
        const QString archivePath = base.path() + QStringLiteral("/evil.tar");
        QVERIFY(writeArchive(archivePath, Kind::Tar, members));
        const QStringList before = snapshot(base.path(), target);

        SafeExtractor op(archivePath, target);
        QVERIFY(runToEnd(op));
        QVERIFY2(!op.error(), qPrintable(op.error().message));

        QCOMPARE(snapshot(base.path(), target), before);   // nothing appeared or vanished outside
        QVERIFY(!QFileInfo::exists(tmpEvil));
        QVERIFY(!QFileInfo::exists(QStringLiteral("/abs")));
        QCOMPARE(fileSha256(QStringLiteral("/etc/passwd")), passwdBefore);
        QVERIFY(QDir(outside).entryList(QDir::NoDotAndDotDot | QDir::AllEntries).isEmpty());

        QHash<QString, QString> refused;
        for (const RefusedEntry &r : op.result().refused) {
            qInfo("refused %s: %s", qPrintable(r.path), qPrintable(r.reason));
            refused.insert(r.path, r.reason);
        }
        const QStringList expected = {
            QString::fromLatin1("../" + evil), QString::fromLatin1("/abs/" + evil),
            QString::fromLatin1("a/../../" + evil), QStringLiteral("link"), QString::fromLatin1("link/" + evil),
            QStringLiteral("passwd"), QStringLiteral("up"), QString::fromLatin1("up/" + evil),
            QString::fromLatin1("pre/" + evil), QStringLiteral("dot"), QStringLiteral("esc"), QStringLiteral("fifo"),
            QStringLiteral("dev/null2"), QStringLiteral("sub/hl.txt"),
        };
        for (const QString &name : expected)
            QVERIFY2(refused.contains(name), qPrintable(QStringLiteral("not reported: ") + name));
        QCOMPARE(refused.size(), expected.size());
        for (const QString &reason : std::as_const(refused))
            QVERIFY(!reason.isEmpty());
        QVERIFY(refused.value(QStringLiteral("link")).contains(QStringLiteral("outside")));
        QVERIFY(refused.value(QStringLiteral("passwd")).contains(QStringLiteral("hard link")));
        QVERIFY(refused.value(QStringLiteral("fifo")).contains(QStringLiteral("FIFO")));
        QVERIFY(refused.value(QString::fromLatin1("pre/" + evil)).contains(QStringLiteral("symlink")));
        QVERIFY(refused.value(QString::fromLatin1("../" + evil)).contains(QStringLiteral("..")));

        // The safe members were extracted.
        QCOMPARE(fileSha256(target + QStringLiteral("/good.txt")), sha256("fine\n"));
        QCOMPARE(fileSha256(target + QStringLiteral("/sub/inner.txt")), sha256("inner\n"));
        // Policy: links in archives are never materialised, whatever they point at.
        QVERIFY(!QFileInfo::exists(target + QStringLiteral("/dot")) && !QFileInfo(target + QStringLiteral("/dot")).isSymLink());
        QVERIFY(!QFileInfo::exists(target + QStringLiteral("/esc")));
        QVERIFY(!QFileInfo::exists(target + QStringLiteral("/fifo")));
        QVERIFY(!QFileInfo::exists(target + QStringLiteral("/sub/hl.txt")));
        QVERIFY(refused.value(QStringLiteral("sub/hl.txt")).contains(QStringLiteral("never created")));
        QCOMPARE(op.result().filesExtracted, 2);   // good.txt, sub/inner.txt
        QCOMPARE(op.result().written, QStringList({ QStringLiteral("good.txt"), QStringLiteral("sub/inner.txt") }));
    }

    void normalArchivesExtractByteIdentical_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("suffix");
        QTest::newRow("tar") << int(Kind::Tar) << QStringLiteral(".tar");
        QTest::newRow("tar.gz") << int(Kind::TarGz) << QStringLiteral(".tar.gz");
        QTest::newRow("tgz") << int(Kind::TarGz) << QStringLiteral(".tgz");
        QTest::newRow("zip") << int(Kind::Zip) << QStringLiteral(".zip");
    }
    void normalArchivesExtractByteIdentical()
    {
        QFETCH(int, kind);
        QFETCH(QString, suffix);
        QTemporaryDir base;
        const QVector<Member> members = {
            { "images/", Member::Dir, {}, {} },
            { "images/a.jpg", Member::File, randomBytes(300000), {} },
            { "images/nested/b.bin", Member::File, randomBytes(1 << 20), {} },
            { "predictions.jsonl", Member::File, "{\"x\": 1}\n{\"x\": 2}\n", {} },
            { "empty.txt", Member::File, {}, {} },
            { "./dotted/c.txt", Member::File, "c", {} },
        };
        const QString archivePath = base.path() + QStringLiteral("/export") + suffix;
        QVERIFY(writeArchive(archivePath, Kind(kind), members));
        const QString target = base.path() + QStringLiteral("/out/deeper");

        ExtractOptions options;
        options.deleteArchiveOnSuccess = true;
        SafeExtractor op(archivePath, target, options);
        QVERIFY(runToEnd(op));
        QVERIFY2(!op.error(), qPrintable(op.error().message));
        QVERIFY(op.result().refused.isEmpty());
        qint64 total = 0;
        for (const Member &m : members) {
            if (m.type != Member::File)
                continue;
            total += m.data.size();
            const QString path = target + QLatin1Char('/') + QString::fromLatin1(m.name);
            QCOMPARE(fileSha256(path), sha256(m.data));
        }
        QCOMPARE(op.result().filesExtracted, 5);
        QCOMPARE(op.result().bytesWritten, total);
        QCOMPARE(op.totalAmount(Operation::Unit::Bytes), total);
        QCOMPARE(op.processedAmount(Operation::Unit::Bytes), total);
        QCOMPARE(op.percent(), 100);
        QVERIFY(op.result().archiveDeleted);
        QVERIFY(!QFileInfo::exists(archivePath));
    }

    void archiveIsKeptByDefault()
    {
        QTemporaryDir base;
        const QString archivePath = base.path() + QStringLiteral("/a.tar");
        QVERIFY(writeArchive(archivePath, Kind::Tar, { { "a.txt", Member::File, "a", {} } }));
        SafeExtractor op(archivePath, base.path() + QStringLiteral("/out"));
        QVERIFY(runToEnd(op));
        QVERIFY(!op.error());
        QVERIFY(QFileInfo::exists(archivePath));
        QVERIFY(!op.result().archiveDeleted);
    }

    void expansionCapStopsBeforeWriting()
    {
        QTemporaryDir base;
        const QString archivePath = base.path() + QStringLiteral("/bomb.tar.gz");
        // 8 MB of zeros compresses to a few KB: a small zip bomb.
        QVERIFY(writeArchive(archivePath, Kind::TarGz,
                             { { "small.txt", Member::File, "s", {} },
                               { "zeros.bin", Member::File, QByteArray(8 << 20, '\0'), {} } }));
        QVERIFY(QFileInfo(archivePath).size() < 100000);
        const QString target = base.path() + QStringLiteral("/out");
        ExtractOptions options;
        options.maxExpandedBytes = 1 << 20;
        SafeExtractor op(archivePath, target, options);
        QVERIFY(runToEnd(op));
        QCOMPARE(op.error().kind, ErrorKind::Unsafe);
        QVERIFY2(op.error().message.contains(QStringLiteral("expands to more than")), qPrintable(op.error().message));
        QVERIFY(QDir(target).entryList(QDir::NoDotAndDotDot | QDir::AllEntries).isEmpty());
    }

    void notEnoughFreeSpaceIsDiskFull()
    {
        QTemporaryDir base;
        const QString archivePath = base.path() + QStringLiteral("/a.tar");
        QVERIFY(writeArchive(archivePath, Kind::Tar, { { "a.bin", Member::File, randomBytes(4096), {} } }));
        ExtractOptions options;
        // A margin above all free space: the 4 KB archive cannot fit "before writing". The 64 MiB
        // extra keeps this true while other processes free space on the same disk meanwhile.
        options.freeSpaceMarginBytes = QStorageInfo(base.path()).bytesAvailable() + (qint64(64) << 20);
        SafeExtractor op(archivePath, base.path() + QStringLiteral("/out"), options);
        QVERIFY(runToEnd(op));
        QCOMPARE(op.error().kind, ErrorKind::DiskFull);
        QVERIFY2(op.error().message.contains(QStringLiteral("Not enough free space")), qPrintable(op.error().message));
        QVERIFY(!QFileInfo::exists(base.path() + QStringLiteral("/out/a.bin")));
    }

    void unwritableTargetGivesClearError()
    {
        // Tests run as root, so permission bits do not stop writes; a target below a regular file
        // fails for everyone (ENOTDIR), which is the real failure we can produce here.
        QTemporaryDir base;
        const QString archivePath = base.path() + QStringLiteral("/a.tar");
        QVERIFY(writeArchive(archivePath, Kind::Tar, { { "a.txt", Member::File, "a", {} } }));
        QFile plain(base.path() + QStringLiteral("/plainfile"));
        QVERIFY(plain.open(QIODevice::WriteOnly));
        plain.close();
        SafeExtractor op(archivePath, plain.fileName() + QStringLiteral("/target"));
        QVERIFY(runToEnd(op));
        QCOMPARE(op.error().kind, ErrorKind::Io);
        QVERIFY2(op.error().message.contains(QStringLiteral("plainfile")), qPrintable(op.error().message));
        QVERIFY2(op.error().message.contains(QStringLiteral("Not a directory")), qPrintable(op.error().message));
    }

    void writeFailureMidFileNamesTheFile()
    {
        // RLIMIT_FSIZE makes the kernel refuse writes past 64 KB (EFBIG) even for root: a real
        // write error in the middle of a member, like a full disk or a quota.
        QTemporaryDir base;
        const QString archivePath = base.path() + QStringLiteral("/a.tar");
        QVERIFY(writeArchive(archivePath, Kind::Tar,
                             { { "ok.txt", Member::File, "ok", {} },
                               { "dir/big.bin", Member::File, QByteArray(1 << 20, 'b'), {} } }));
        rlimit old{};
        QVERIFY(::getrlimit(RLIMIT_FSIZE, &old) == 0);
        const auto oldHandler = std::signal(SIGXFSZ, SIG_IGN);
        rlimit small = old;
        small.rlim_cur = 64 * 1024;
        QVERIFY(::setrlimit(RLIMIT_FSIZE, &small) == 0);
        SafeExtractor op(archivePath, base.path() + QStringLiteral("/out"));
        const bool ended = runToEnd(op);
        ::setrlimit(RLIMIT_FSIZE, &old);
        std::signal(SIGXFSZ, oldHandler);
        QVERIFY(ended);
        QCOMPARE(op.error().kind, ErrorKind::Io);
        QVERIFY2(op.error().message.contains(QStringLiteral("dir/big.bin")), qPrintable(op.error().message));
        QCOMPARE(op.result().filesExtracted, 1);
        QVERIFY(!QFileInfo::exists(base.path() + QStringLiteral("/out/dir/big.bin")));
    }

    void cancelStopsTheWorker()
    {
        QTemporaryDir base;
        const QString archivePath = base.path() + QStringLiteral("/big.tar.gz");
        const qint64 size = qint64(160) << 20;
        QVERIFY(writeArchive(archivePath, Kind::TarGz, { { "big.bin", Member::File, QByteArray(size, 'z'), {} } }));
        const QString target = base.path() + QStringLiteral("/out");
        ExtractOptions options;
        options.maxExpansionRatio = 0;   // 160 MB of one letter is a bomb by ratio; this test cancels
        SafeExtractor op(archivePath, target, options);
        // Cancel as soon as the header scan is done and writing has begun.
        connect(&op, &Operation::progressChanged, &op, [&op] {
            if (op.totalAmount(Operation::Unit::Bytes) > 0 && !op.isFinished())
                op.cancel();
        });
        QVERIFY(runToEnd(op));
        QCOMPARE(op.error().kind, ErrorKind::Cancelled);
        QSignalSpy spy(&op, &Operation::finished);
        QTest::qWait(200);
        QCOMPARE(spy.count(), 0);   // finished fires once
        QTRY_VERIFY_WITH_TIMEOUT(!op.isWorkerRunning(), 60000);
        QVERIFY(op.result().bytesWritten < size);
        // The half-written member is removed rather than left looking complete.
        QVERIFY(!QFileInfo::exists(target + QStringLiteral("/big.bin")));
    }

    void cancelFlagBeforeStartStopsImmediately()
    {
        QTemporaryDir base;
        const QString archivePath = base.path() + QStringLiteral("/a.tar");
        QVERIFY(writeArchive(archivePath, Kind::Tar, { { "a.txt", Member::File, "a", {} } }));
        ExtractControl control;
        control.cancel = true;
        const ExtractOutcome out = extractArchive(archivePath, base.path() + QStringLiteral("/out"), {}, control);
        QCOMPARE(out.error.kind, ErrorKind::Cancelled);
        QVERIFY(!QFileInfo::exists(base.path() + QStringLiteral("/out/a.txt")));
    }

    void damagedArchiveIsAnError()
    {
        QTemporaryDir base;
        const QString archivePath = base.path() + QStringLiteral("/bad.tar.gz");
        QFile f(archivePath);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray("\x1f\x8b\x08\x00garbage-that-is-not-gzip", 28));
        f.close();
        SafeExtractor op(archivePath, base.path() + QStringLiteral("/out"));
        QVERIFY(runToEnd(op));
        QVERIFY(op.error().isError());
        QVERIFY(op.error().message.contains(QStringLiteral("bad.tar.gz")));
    }
};

QTEST_GUILESS_MAIN(TestSafeExtractor)
#include "tst_safeextractor.moc"
