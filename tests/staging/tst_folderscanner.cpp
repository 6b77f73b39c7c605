// FolderScanner / FolderWalker on a real temp tree: every entry ends up accepted or skipped with
// the right reason, nothing is lost, links and loops are handled, the Operation runs off-thread.
#include "staging/FolderScanner.h"
#include "staging/FolderWalker.h"
#include "staging/BatchNaming.h"
#include "staging/ScanStore.h"
#include "staging/StagingTestFiles.h"

#include <QDir>
#include <QMap>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

using namespace bd::staging;
using namespace stagingtest;

namespace {

// path -> "accepted:<kind>" or the skip reason's name, for one-shot comparison.
QMap<QString, QString> outcome(const ScanResult &r)
{
    QMap<QString, QString> m;
    for (const ScannedFile &f : r.accepted)
        m.insert(f.path, QStringLiteral("accepted:") + mediaKindName(f.kind));
    for (const SkippedFile &s : r.skipped) {
        if (m.contains(s.path))
            m.insert(s.path, QStringLiteral("TWICE"));
        else
            m.insert(s.path, skipReasonName(s.reason));
    }
    return m;
}

void symlinkOrFail(const QString &target, const QString &link)
{
    if (::symlink(QFile::encodeName(target).constData(), QFile::encodeName(link).constData()) != 0)
        qFatal("symlink failed");
}

}  // namespace

class TstFolderScanner : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_root;
    QMap<QString, QString> m_expectImages;   // outcome for a recursive image scan

    void expect(const QString &rel, const QString &what) { m_expectImages.insert(m_root + QLatin1Char('/') + rel, what); }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        qputenv("BATCHDECK_DATA_DIR", (m_dir.path() + QStringLiteral("/data")).toUtf8());   // scan scratch files
        m_root = m_dir.path() + QStringLiteral("/tree");
        const QString img = QStringLiteral("accepted:image");
        writeFile(m_root, "a.jpg", jpegBytes());                        expect("a.jpg", img);
        writeFile(m_root, "B.PNG", pngBytes());                         expect("B.PNG", img);
        writeFile(m_root, "c.JpG", jpegBytes(700));                     expect("c.JpG", img);
        writeFile(m_root, QStringLiteral("ünïcødé 写真.jpeg"), jpegBytes()); expect(QStringLiteral("ünïcødé 写真.jpeg"), img);
        writeFile(m_root, "notes.txt", "hello");                        expect("notes.txt", "unsupported-extension");
        writeFile(m_root, "noextension", jpegBytes());                  expect("noextension", "unsupported-extension");
        writeFile(m_root, ".hidden.jpg", jpegBytes());                  expect(".hidden.jpg", "hidden");
        writeFile(m_root, ".hiddendir/x.jpg", jpegBytes());             expect(".hiddendir", "hidden");
        writeFile(m_root, "empty.jpg", {});                             expect("empty.jpg", "empty-file");
        writeSparseJpeg(m_root, "big.jpg", 21 * 1024 * 1024);           expect("big.jpg", "too-large");
        writeSparseJpeg(m_root, "limit.jpg", kMaxImageBytes);           expect("limit.jpg", img);
        writeFile(m_root, "fake.jpg", "this is only text, not a JPEG"); expect("fake.jpg", "not-an-image");
        writeFile(m_root, "clip.MP4", "not really decoded");            expect("clip.MP4", "unsupported-extension");
        writeFile(m_root, "sub/a.jpg", jpegBytes(90));                  expect("sub/a.jpg", img);
        writeFile(m_root, "sub/deeper/pic.WebP", webpBytes());          expect("sub/deeper/pic.WebP", img);
        writeFile(m_root, "sub/deeper/a.jpg", jpegBytes(91));           expect("sub/deeper/a.jpg", img);
        symlinkOrFail(QStringLiteral(".."), m_root + "/sub/loop");      expect("sub/loop", "symlink-loop");
        symlinkOrFail(m_root + "/selfloop", m_root + "/selfloop");       expect("selfloop", "symlink-loop");
        symlinkOrFail(m_root + "/nowhere.jpg", m_root + "/broken.jpg");  expect("broken.jpg", "broken-symlink");
        symlinkOrFail(QStringLiteral("sub"), m_root + "/alias");         expect("alias", "duplicate");
        symlinkOrFail(QStringLiteral("../a.jpg"), m_root + "/sub/again.jpg"); expect("sub/again.jpg", "duplicate");
        // A link to a folder outside the tree is followed; its content is scanned.
        writeFile(m_dir.path(), "outside/o.png", pngBytes());
        symlinkOrFail(m_dir.path() + "/outside", m_root + "/ext");       expect("ext/o.png", img);
        QVERIFY(::mkfifo(QFile::encodeName(m_root + "/pipe.jpg").constData(), 0644) == 0);
        expect("pipe.jpg", "not-regular-file");
    }

    void recursiveImageScanSortsEveryEntry()
    {
        FolderWalker walker(ScanOptions{});
        const ScanResult r = walker.scan({ m_root });
        QCOMPARE(outcome(r), m_expectImages);
        QCOMPARE(r.imageCount, 9);
        QCOMPARE(r.videoCount, 0);
        QCOMPARE(r.skippedCount(SkipReason::SymlinkLoop), 2);
        QCOMPARE(r.skippedCount(SkipReason::Hidden), 2);
        qint64 sum = 0;
        for (const ScannedFile &f : r.accepted) {
            sum += f.size;
            QVERIFY(!f.batchName.isEmpty());
            QCOMPARE(f.mtime.timeSpec(), Qt::UTC);
            QCOMPARE(f.mtime, QDateTime::fromSecsSinceEpoch(QFileInfo(f.path).lastModified().toSecsSinceEpoch(), Qt::UTC));
        }
        QCOMPARE(r.totalBytes, sum);
        QVERIFY(std::is_sorted(r.accepted.begin(), r.accepted.end(),
                               [](const auto &a, const auto &b) { return a.path < b.path; }));
        QVERIFY(r.summary().contains(QStringLiteral("9 image")));
    }

    void collidingBasenamesGetFolderPrefixes()
    {
        const ScanResult r = FolderWalker(ScanOptions{}).scan({ m_root });
        QMap<QString, QString> names;
        for (const ScannedFile &f : r.accepted)
            names.insert(f.path.mid(m_root.size() + 1), f.batchName);
        QCOMPARE(names.value("a.jpg"), QStringLiteral("a.jpg"));
        QCOMPARE(names.value("sub/a.jpg"), QStringLiteral("sub__a.jpg"));
        QCOMPARE(names.value("sub/deeper/a.jpg"), QStringLiteral("sub__deeper__a.jpg"));
        QCOMPARE(names.value("B.PNG"), QStringLiteral("B.PNG"));
        QCOMPARE(names.value(QStringLiteral("ünïcødé 写真.jpeg")), QStringLiteral("ünïcødé 写真.jpeg"));
    }

    void videosAndBothKinds()
    {
        ScanOptions opt;
        opt.media = MediaSelection::Both;
        const ScanResult both = FolderWalker(opt).scan({ m_root });
        QCOMPARE(outcome(both).value(m_root + "/clip.MP4"), QStringLiteral("accepted:video"));
        QCOMPARE(both.videoCount, 1);
        QCOMPARE(both.imageCount, 9);

        opt.media = MediaSelection::Videos;
        const ScanResult videos = FolderWalker(opt).scan({ m_root });
        QCOMPARE(videos.imageCount, 0);
        QCOMPARE(videos.videoCount, 1);
        QCOMPARE(outcome(videos).value(m_root + "/a.jpg"), QStringLiteral("unsupported-extension"));
    }

    void nonRecursiveHiddenAndNoFollow()
    {
        ScanOptions opt;
        opt.recursive = false;
        opt.includeHidden = true;
        opt.followSymlinks = false;
        const QMap<QString, QString> m = outcome(FolderWalker(opt).scan({ m_root }));
        QCOMPARE(m.value(m_root + "/sub"), QStringLiteral("subfolder-not-scanned"));
        QCOMPARE(m.value(m_root + "/.hidden.jpg"), QStringLiteral("accepted:image"));
        QCOMPARE(m.value(m_root + "/.hiddendir"), QStringLiteral("subfolder-not-scanned"));
        QCOMPARE(m.value(m_root + "/alias"), QStringLiteral("symlink-not-followed"));
        QCOMPARE(m.value(m_root + "/broken.jpg"), QStringLiteral("symlink-not-followed"));
        QVERIFY(!m.contains(m_root + "/sub/a.jpg"));
    }

    void explicitFilesAndMissingInputs()
    {
        const QString missing = m_root + "/missing.jpg";
        const ScanResult r = FolderWalker(ScanOptions{}).scan(
            { m_root + "/a.jpg", m_root + "/.hidden.jpg", missing, m_root + "/sub", m_root + "/sub/a.jpg" });
        const QMap<QString, QString> m = outcome(r);
        QCOMPARE(m.value(m_root + "/a.jpg"), QStringLiteral("accepted:image"));
        QCOMPARE(m.value(m_root + "/.hidden.jpg"), QStringLiteral("accepted:image"));   // named by the user
        QCOMPARE(m.value(missing), QStringLiteral("not-found"));
        // sub/a.jpg was already reached through the folder "sub".
        QCOMPARE(m.value(m_root + "/sub/a.jpg"), QStringLiteral("TWICE"));
        // sub/again.jpg links to a.jpg, accepted as an input.
        QCOMPARE(m.value(m_root + "/sub/again.jpg"), QStringLiteral("duplicate"));
        QCOMPARE(r.skippedCount(SkipReason::Duplicate), 2);
    }

    void unreadableFileAndFolder()
    {
        // Root reads everything regardless of mode bits, so the scan runs as "nobody" for this
        // case (seteuid applies to every thread of the process on Linux/glibc).
        QTemporaryDir dir;
        const QString root = dir.path() + "/perm";
        writeFile(root, "ok.jpg", jpegBytes());
        const QString secret = writeFile(root, "secret.jpg", jpegBytes());
        writeFile(root, "closed/inside.jpg", jpegBytes());
        QVERIFY(::chmod(QFile::encodeName(dir.path()).constData(), 0755) == 0);
        QVERIFY(::chmod(QFile::encodeName(root).constData(), 0755) == 0);
        QVERIFY(::chmod(QFile::encodeName(root + "/ok.jpg").constData(), 0644) == 0);
        QVERIFY(::chmod(QFile::encodeName(secret).constData(), 0000) == 0);
        QVERIFY(::chmod(QFile::encodeName(root + "/closed").constData(), 0000) == 0);

        const uid_t before = ::geteuid();
        if (before == 0 && ::seteuid(65534) != 0)
            QSKIP("running as root without the right to drop privileges: unreadability cannot be observed");
        const ScanResult r = FolderWalker(ScanOptions{}).scan({ root });
        if (before == 0)
            QVERIFY(::seteuid(0) == 0);

        const QMap<QString, QString> m = outcome(r);
        QCOMPARE(m.value(root + "/ok.jpg"), QStringLiteral("accepted:image"));
        QCOMPARE(m.value(secret), QStringLiteral("unreadable"));
        QCOMPARE(m.value(root + "/closed"), QStringLiteral("unreadable"));
        QCOMPARE(m.size(), 3);
        ::chmod(QFile::encodeName(root + "/closed").constData(), 0755);
    }

    // A file name that is not valid UTF-8 cannot be opened again by its decoded path: it is
    // reported with that reason (it used to read "does not exist"), in both kinds of scan, and
    // its valid neighbours are not affected.
    void undecodableNameIsReportedNotDropped()
    {
        QTemporaryDir dir;
        const QString root = dir.path() + "/names";
        writeFile(root, "good.jpg", jpegBytes());
        const QByteArray raw = QFile::encodeName(root) + QByteArray("/caf\xe9.jpg");
        const int fd = ::open(raw.constData(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        QVERIFY(fd >= 0);
        const QByteArray bytes = jpegBytes();
        QCOMPARE(::write(fd, bytes.constData(), size_t(bytes.size())), ssize_t(bytes.size()));
        ::close(fd);
        for (const bool toDatabase : { false, true }) {
            ScanOptions options;
            options.toDatabase = toDatabase;
            const ScanResult r = FolderWalker(options).scan({ root });
            QVERIFY2(r.storeError.isEmpty(), qPrintable(r.storeError));
            QCOMPARE(r.imageCount, 1);
            QCOMPARE(r.skippedTotal(), 1);
            QCOMPARE(r.skipped.size(), 1);
            const SkippedFile &s = r.skipped.first();
            QCOMPARE(s.reason, SkipReason::Unreadable);
            QVERIFY2(s.detail.contains(QLatin1String("not valid UTF-8")), qPrintable(s.detail));
            QVERIFY(s.path.startsWith(root + QStringLiteral("/caf")));
        }
    }

    void operationRunsOffThreadWithProgress()
    {
        FolderScanner scanner({ m_root });
        QSignalSpy finished(&scanner, &bd::Operation::finished);
        scanner.start();
        QVERIFY(finished.wait(10000));
        QVERIFY(!scanner.error());
        QCOMPARE(outcome(scanner.result()), m_expectImages);
        QVERIFY(scanner.processedAmount(bd::Operation::Unit::Items) >= m_expectImages.size());
        QCOMPARE(scanner.totalAmount(bd::Operation::Unit::Items), scanner.processedAmount(bd::Operation::Unit::Items));
        QCOMPARE(scanner.percent(), 100);
        QVERIFY(scanner.statusText().contains(QStringLiteral("9 image")));
    }

    void cancelStopsTheWalk()
    {
        // The walker stops at once when the flag is already set ...
        std::atomic<bool> cancel{ true };
        std::atomic<qint64> examined{ 0 };
        const ScanResult r = FolderWalker(ScanOptions{}, &cancel, &examined).scan({ m_root });
        QVERIFY(r.cancelled);
        QVERIFY(r.accepted.isEmpty());
        QCOMPARE(examined.load(), 0);

        // ... and the Operation finishes with Cancelled, exactly once.
        FolderScanner scanner({ m_root });
        QSignalSpy finished(&scanner, &bd::Operation::finished);
        scanner.start();
        scanner.cancel();
        QCOMPARE(finished.count(), 1);
        QCOMPARE(scanner.error().kind, bd::ErrorKind::Cancelled);
        QTest::qWait(200);   // the worker's late result must not finish it twice
        QCOMPARE(finished.count(), 1);
    }

    // The read-ahead takes a file's head from the page cache when it is there (RWF_NOWAIT) and
    // asks the disk for it otherwise: both ways see the same heads, so the same files pass the
    // image check (files shorter than the head, a fake, real images) whether cached or not.
    void headsFromTheCacheOrTheDiskAgree()
    {
        QTemporaryDir dir;
        const QString root = dir.path() + QStringLiteral("/heads");
        QStringList files;
        for (int i = 0; i < 40; ++i)
            files << writeFile(root, QStringLiteral("img%1.jpg").arg(i, 2, 10, QLatin1Char('0')), jpegBytes(30 + i * 97));
        files << writeFile(root, QStringLiteral("fake.jpg"), "not a jpeg, though long enough to fill a head");
        files << writeFile(root, QStringLiteral("short.jpg"), QByteArray("\xff\xd8", 2));   // shorter than a head
        files << writeFile(root, QStringLiteral("one.png"), QByteArray("\x89", 1));
        const auto evict = [&files] {   // clean pages leave the cache when asked (no root needed)
            int cold = 0;
            for (const QString &path : std::as_const(files)) {
                const int fd = ::open(QFile::encodeName(path).constData(), O_RDONLY);
                if (fd < 0)
                    continue;
                ::fdatasync(fd);
                ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
                char byte;
                iovec io{ &byte, 1 };
                cold += ::preadv2(fd, &io, 1, 0, RWF_NOWAIT) < 0 && errno == EAGAIN;
                ::close(fd);
            }
            return cold;
        };
        ScanOptions options;
        options.toDatabase = true;
        const ScanResult warm = FolderWalker(options).scan({ root });
        QVERIFY2(warm.storeError.isEmpty(), qPrintable(warm.storeError));
        QCOMPARE(warm.imageCount, 40);
        QCOMPARE(warm.skippedByReason[std::size_t(SkipReason::NotAnImage)], 3);
        const int cold = evict();
        if (cold == 0)
            QSKIP("this file system keeps the files in memory (tmpfs?): the path from the disk is not reached");
        const ScanResult fromDisk = FolderWalker(options).scan({ root });
        QVERIFY2(fromDisk.storeError.isEmpty(), qPrintable(fromDisk.storeError));
        QCOMPARE(fromDisk.imageCount, 40);
        QCOMPARE(fromDisk.skippedByReason[std::size_t(SkipReason::NotAnImage)], 3);
        QCOMPARE(fromDisk.totalBytes, warm.totalBytes);
    }

    // The walk opens the next regular media files of a folder ahead of checking them (their
    // reads start at once): never a FIFO, a folder, a link or a skipped name, and every one it
    // opened is closed again, however the walk ends (to its end, cancelled part-way).
    void readAheadClosesEveryFileItOpens()
    {
        const auto openFiles = [] { return QDir(QStringLiteral("/proc/self/fd")).entryList(QDir::AllEntries | QDir::System | QDir::Hidden | QDir::NoDotAndDotDot).size(); };
        QTemporaryDir dir;
        const QString root = dir.path() + QStringLiteral("/ahead");
        for (int i = 0; i < 200; ++i)   // more than a few windows
            writeFile(root, QStringLiteral("img%1.jpg").arg(i, 3, 10, QLatin1Char('0')), jpegBytes(40 + i));
        writeFile(root, QStringLiteral("notes.txt"), "text");
        writeFile(root, QStringLiteral(".hidden.jpg"), jpegBytes());
        writeFile(root, QStringLiteral("fake.jpg"), "not a jpeg");
        QVERIFY(QDir().mkpath(root + QStringLiteral("/folder.jpg")));
        QVERIFY(::mkfifo(QFile::encodeName(root + QStringLiteral("/img050b.jpg")).constData(), 0644) == 0);
        symlinkOrFail(root + QStringLiteral("/img001.jpg"), root + QStringLiteral("/link.jpg"));
        const int before = openFiles();
        for (const bool toDatabase : { false, true }) {
            ScanOptions options;
            options.toDatabase = toDatabase;
            const ScanResult r = FolderWalker(options).scan({ root });   // a FIFO opened would block here
            QVERIFY2(r.storeError.isEmpty(), qPrintable(r.storeError));
            QCOMPARE(r.imageCount, 200);
            QCOMPARE(r.skippedByReason[std::size_t(SkipReason::NotAnImage)], 1);
            QCOMPARE(r.skippedByReason[std::size_t(SkipReason::NotRegularFile)], 1);
            QCOMPARE(r.skippedByReason[std::size_t(SkipReason::Duplicate)], 1);
            QCOMPARE(openFiles(), before);
        }
        // Cancelled while the walk runs, wherever it is: still nothing left open.
        for (int round = 0; round < 20; ++round) {
            std::atomic<bool> cancel{ false };
            std::atomic<qint64> examined{ 0 };
            ScanResult r;
            QThread *walker = QThread::create([&] { r = FolderWalker(ScanOptions{}, &cancel, &examined).scan({ root }); });
            walker->start();
            while (!walker->isFinished() && examined.load() < 20 + round * 8)
                QThread::yieldCurrentThread();
            cancel = true;
            QVERIFY(walker->wait(10000));
            delete walker;
            QVERIFY(r.cancelled || examined.load() >= 200);
            QCOMPARE(openFiles(), before);
        }
    }

    void manyFilesStayCompact()
    {
        // 2 000 files in nested folders: all accepted, unique names, result holds no contents.
        QTemporaryDir dir;
        const QByteArray bytes = jpegBytes(32);
        for (int d = 0; d < 20; ++d)
            for (int i = 0; i < 100; ++i)
                writeFile(dir.path(), QStringLiteral("d%1/img%2.jpg").arg(d).arg(i), bytes);
        const ScanResult r = FolderWalker(ScanOptions{}).scan({ dir.path() });
        QCOMPARE(r.imageCount, 2000);
        QCOMPARE(r.totalBytes, qint64(2000) * 32);
        QSet<QString> names;
        for (const ScannedFile &f : r.accepted)
            names.insert(f.batchName.toLower());
        QCOMPARE(names.size(), 2000);
    }

    // The same file under several names (hard links, symbolic links) is accepted once and the
    // other names skipped as duplicates, wherever they fall: in the scratch database's unwritten
    // rows (ScanStore::kRowsPerInsert), in rows written already, across its transactions
    // (kRowsPerTransaction); the inode filter in front of the query must never hide one.
    void everyOtherNameOfAFileIsADuplicateWherever()
    {
        QTemporaryDir dir;
        const QByteArray bytes = jpegBytes(24);
        const int files = ScanStore::kRowsPerTransaction + 700;
        int links = 0;
        for (int i = 0; i < files; ++i)
            writeFile(dir.path(), QStringLiteral("a/f%1.jpg").arg(i, 5, 10, QLatin1Char('0')), bytes);
        // Links at distances of 1 to thousands of rows after their file, before and after it in
        // path order ("0" < "a" < "z").
        for (int i = 0; i < files; i += 37) {
            const QByteArray target = QFile::encodeName(dir.path() + QStringLiteral("/a/f%1.jpg").arg(i, 5, 10, QLatin1Char('0')));
            for (const QString &folder : { QStringLiteral("0"), QStringLiteral("z") }) {
                QDir(dir.path()).mkpath(folder);
                const QString link = dir.path() + QStringLiteral("/%1/l%2.jpg").arg(folder).arg(i);
                QCOMPARE(::link(target.constData(), QFile::encodeName(link).constData()), 0);
                ++links;
            }
            if (i % 2 == 0) {
                const QString alias = dir.path() + QStringLiteral("/a/f%1-alias.jpg").arg(i, 5, 10, QLatin1Char('0'));
                symlinkOrFail(QString::fromUtf8(target), alias);
                ++links;
            }
        }
        ScanOptions toDb;
        toDb.toDatabase = true;
        const ScanResult db = FolderWalker(toDb).scan({ dir.path() });
        QVERIFY2(db.storeError.isEmpty(), qPrintable(db.storeError));
        const ScanResult memory = FolderWalker(ScanOptions{}).scan({ dir.path() });
        QCOMPARE(memory.imageCount, files);
        QCOMPARE(memory.skippedCount(SkipReason::Duplicate), links);
        QCOMPARE(db.imageCount, files);
        QCOMPARE(db.skippedCount(SkipReason::Duplicate), links);
        QCOMPARE(db.totalBytes, memory.totalBytes);
        // Every file a suspect of the filter: the same counts once the walk settled them, by
        // either way of settling (ScanStore::resolveSuspects).
        for (const ScanStore::Settling settling : { ScanStore::Settling::SortAll, ScanStore::Settling::LookUpTable }) {
            ScanStore::setInodeFilterBitsForTests(64);
            ScanStore::setSettlingForTests(settling);
            const auto restore = qScopeGuard([] {
                ScanStore::setInodeFilterBitsForTests(ScanStore::kInodeFilterBits);
                ScanStore::setSettlingForTests(ScanStore::Settling::Auto);
            });
            const ScanResult suspects = FolderWalker(toDb).scan({ dir.path() });
            QVERIFY2(suspects.storeError.isEmpty(), qPrintable(suspects.storeError));
            QCOMPARE(suspects.imageCount, files);
            QCOMPARE(suspects.skippedCount(SkipReason::Duplicate), links);
            QCOMPARE(suspects.totalBytes, memory.totalBytes);
            ScanStore store(suspects.file);
            int duplicates = 0;
            QVERIFY(store.forEachSkipped([&](const SkippedFile &f) {
                duplicates += f.reason == SkipReason::Duplicate && !f.detail.isEmpty();
                return true;
            }));
            QCOMPARE(duplicates, links);
        }
        QSet<QPair<quint64, quint64>> inodes;
        ScanStore store(db.file);
        QVERIFY(store.forEachAccepted([&](const ScannedFile &f) {
            struct stat st {};
            if (::stat(QFile::encodeName(f.path).constData(), &st) != 0)
                return false;
            inodes.insert({ quint64(st.st_dev), quint64(st.st_ino) });
            return true;
        }));
        QCOMPARE(inodes.size(), files);   // each file once, under one of its names
    }

    // A name too long for the service as it is (a file system that allows more than 255 bytes
    // per name: NTFS, SMB) is named by the store as uniqueNames names it, also when nothing
    // collides with it (the store's first naming round skips what the walk ruled out).
    void aNameTooLongAsItIsIsNamedAsInMemory()
    {
        const QStringList paths = { QStringLiteral("/m/") + QString(130, QChar(0xe9)) + QStringLiteral(".jpg"),   // 264 bytes
                                    QStringLiteral("/m/short.jpg"), QStringLiteral("/m/other.png") };
        QString error;
        std::shared_ptr<ScanFile> file = ScanStore::create(&error);
        QVERIFY2(file, qPrintable(error));
        ScanStore store(file);
        QVERIFY2(store.isOpen(), qPrintable(store.lastError()));
        for (int i = 0; i < paths.size(); ++i)
            QVERIFY(store.addAccepted(paths.at(i), 10, 1700000000, MediaKind::Image, 1, quint64(i) + 1));
        QVERIFY2(store.finishWriting(), qPrintable(store.lastError()));
        QMap<QString, QString> named;
        QVERIFY(store.forEachAccepted([&](const ScannedFile &f) {
            named.insert(f.path, f.batchName);
            return true;
        }));
        const QStringList expected = BatchNaming::uniqueNames(paths);
        for (int i = 0; i < paths.size(); ++i)
            QCOMPARE(named.value(paths.at(i)), expected.at(i));
        QVERIFY(named.value(paths.first()).toUtf8().size() <= BatchNaming::kMaxNameBytes);
    }

    // A scan written to its scratch database (what an ingest uses) finds exactly what the
    // in-memory scan finds: the same entries, reasons and details, and the same batch names,
    // also where names collide by case, after the folder prefix, and beyond 255 bytes.
    // With no inode filter every file is a suspect (ScanStore::checkInode), settled only once
    // the walk is over: the result must not change.
    void databaseScanMatchesMemoryScan_data()
    {
        QTest::addColumn<bool>("collisionTree");
        QTest::addColumn<bool>("everyFileASuspect");
        QTest::newRow("tree with links and skips") << false << false;
        QTest::newRow("colliding names") << true << false;
        QTest::newRow("tree with links and skips, every file a suspect") << false << true;
        QTest::newRow("colliding names, every file a suspect") << true << true;
    }
    void databaseScanMatchesMemoryScan()
    {
        QFETCH(bool, collisionTree);
        QFETCH(bool, everyFileASuspect);
        ScanStore::setInodeFilterBitsForTests(everyFileASuspect ? 0 : ScanStore::kInodeFilterBits);
        // Suspects settled through the small table (the sort of every row is the default for
        // this many; the many-suspects test runs both).
        ScanStore::setSettlingForTests(everyFileASuspect ? ScanStore::Settling::LookUpTable : ScanStore::Settling::Auto);
        const auto restore = qScopeGuard([] {
            ScanStore::setInodeFilterBitsForTests(ScanStore::kInodeFilterBits);
            ScanStore::setSettlingForTests(ScanStore::Settling::Auto);
        });
        QTemporaryDir dir;
        QString root = m_root;
        if (collisionTree) {
            root = dir.path();
            const QByteArray bytes = jpegBytes(40);
            for (int d = 0; d < 30; ++d)
                writeFile(root, QStringLiteral("d%1/x/IMG.jpg").arg(d % 7) + (d >= 7 ? QString::number(d) : QString()), bytes);
            for (int d = 0; d < 7; ++d)
                writeFile(root, QStringLiteral("d%1/x/img.JPG").arg(d), bytes);   // case collisions
            writeFile(root, "d1__x__IMG.jpg", bytes);                            // meets a prefixed name
            writeFile(root, "d1/x__IMG.jpg", bytes);
            const QString longName = QString(248, QLatin1Char('n')) + QStringLiteral(".jpg");
            writeFile(root, QStringLiteral("deep/") + longName, bytes);
            writeFile(root, QStringLiteral("deeper/") + longName, bytes);        // prefixed: too long
            writeFile(root, "a/same.png", pngBytes());
            writeFile(root, "a/b/same.png", pngBytes());
            writeFile(root, "a/b/c/same.png", pngBytes());
            writeFile(root, "skip.txt", "x");
        }
        const ScanResult memory = FolderWalker(ScanOptions{}).scan({ root });
        ScanOptions toDb;
        toDb.toDatabase = true;
        ScanResult db = FolderWalker(toDb).scan({ root });
        QVERIFY2(db.storeError.isEmpty(), qPrintable(db.storeError));
        QVERIFY(db.file);
        QVERIFY(db.accepted.isEmpty());
        QCOMPARE(db.imageCount, memory.imageCount);
        QCOMPARE(db.totalBytes, memory.totalBytes);
        QCOMPARE(db.skippedTotal(), int(memory.skipped.size()));
        QCOMPARE(db.skippedByReason, memory.skippedByReason);
        QCOMPARE(db.summary(), memory.summary());

        QStringList fromDb, fromMemory;
        for (const ScannedFile &f : memory.accepted)
            fromMemory << QStringLiteral("%1|%2|%3|%4|%5").arg(f.path, f.batchName).arg(f.size).arg(f.mtime.toSecsSinceEpoch()).arg(int(f.kind));
        {
            ScanStore store(db.file);
            QVERIFY(store.forEachAccepted([&](const ScannedFile &f) {
                fromDb << QStringLiteral("%1|%2|%3|%4|%5").arg(f.path, f.batchName).arg(f.size).arg(f.mtime.toSecsSinceEpoch()).arg(int(f.kind));
                return true;
            }));
            QCOMPARE(fromDb, fromMemory);
            QCOMPARE(store.accepted(1, 2).size(), qMin(2, int(memory.accepted.size()) - 1));
            auto skipText = [](const QVector<SkippedFile> &list) {
                QStringList out;
                for (const SkippedFile &s : list)
                    out << s.path + QLatin1Char('|') + skipReasonName(s.reason) + QLatin1Char('|') + s.detail;
                return out;
            };
            QCOMPARE(skipText(store.skipped(0, 100000)), skipText(memory.skipped));
            QCOMPARE(skipText(db.skipped), skipText(memory.skipped.mid(0, ScanResult::kSkippedSample)));
        }
        if (collisionTree) {
            QSet<QString> unique;
            for (const QString &row : std::as_const(fromDb))
                unique.insert(row.section(QLatin1Char('|'), 1, 1).toCaseFolded());
            QCOMPARE(unique.size(), fromDb.size());
        }
        // The scratch file goes with the last copy of the result.
        const QString scratch = db.file->path();
        QVERIFY(QFileInfo::exists(scratch));
        db = {};
        QVERIFY(!QFileInfo::exists(scratch));
    }
};

QTEST_GUILESS_MAIN(TstFolderScanner)
#include "tst_folderscanner.moc"
