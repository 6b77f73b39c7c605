// ShardTarDevice: the streamed tar reads back with libarchive (names, bytes, modes, mtimes, the
// config member), its exact size is known ahead, its buffer stays bounded, and a file that
// changed since planning fails the stream instead of producing a wrong tar. Each member's
// fingerprint is taken as it is opened to be sent (hashed as it is read when racy) and complete
// when the last bytes are reached.
#include "staging/ShardTarDevice.h"
#include "staging/StagingTestFiles.h"
#include "staging/Utf8LocaleScope.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

#include <archive.h>
#include <archive_entry.h>
#include <clocale>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

using namespace bd::staging;
using namespace stagingtest;

namespace {

struct TarEntry {
    QString name;
    QByteArray data;
    int mode = 0;
    qint64 mtime = 0;
};

QVector<TarEntry> readTar(const QByteArray &tar, QString *error)
{
    // Readers need UTF-8 too: in the "C" locale libarchive warns and drops non-ASCII names.
    const Utf8LocaleScope utf8;
    QVector<TarEntry> out;
    struct archive *a = archive_read_new();
    archive_read_support_format_tar(a);
    if (archive_read_open_memory(a, tar.constData(), size_t(tar.size())) != ARCHIVE_OK) {
        *error = QString::fromLocal8Bit(archive_error_string(a));
        archive_read_free(a);
        return out;
    }
    struct archive_entry *e = nullptr;
    int rc;
    while ((rc = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
        TarEntry t;
        t.name = QString::fromUtf8(archive_entry_pathname_utf8(e));
        t.mode = int(archive_entry_perm(e));
        t.mtime = qint64(archive_entry_mtime(e));
        t.data.resize(int(archive_entry_size(e)));
        if (!t.data.isEmpty() && archive_read_data(a, t.data.data(), size_t(t.data.size())) != t.data.size())
            *error = QStringLiteral("short data for ") + t.name;
        out << t;
    }
    if (rc != ARCHIVE_EOF)
        *error = QString::fromLocal8Bit(archive_error_string(a));
    archive_read_free(a);
    return out;
}

// Reads the device to its end in chunks of the given size; -1 from read() ends it too.
QByteArray drain(QIODevice &dev, qint64 chunk, bool *failed = nullptr)
{
    QByteArray all;
    QByteArray buf(int(chunk), Qt::Uninitialized);
    for (;;) {
        const qint64 n = dev.read(buf.data(), chunk);
        if (n < 0) {
            if (failed)
                *failed = !dev.errorString().isEmpty() && dev.errorString() != QLatin1String("Unknown error");
            break;
        }
        all.append(buf.constData(), int(n));
        if (n == 0 && dev.atEnd())
            break;
    }
    return all;
}

ShardMember member(const QString &path, const QString &name, qint64 mtime)
{
    return { path, name, QFileInfo(path).size(), mtime };
}

}  // namespace

class TstShardTarDevice : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QVector<ShardMember> m_members;
    QMap<QString, QByteArray> m_content;   // member name -> bytes
    QMap<QString, int> m_modes;

    void add(const QString &name, const QByteArray &bytes, int mode, qint64 mtime)
    {
        const QString path = writeFile(m_dir.path(), QStringLiteral("src/%1/file").arg(m_members.size()), bytes);
        QVERIFY(::chmod(QFile::encodeName(path).constData(), mode_t(mode)) == 0);
        m_members << member(path, name, mtime);
        m_content.insert(name, bytes);
        m_modes.insert(name, mode);
    }

    void verifyTar(const QByteArray &tar, const NotificationConfig &config)
    {
        QString error;
        const QVector<TarEntry> entries = readTar(tar, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(entries.size(), m_members.size() + (config.isEmpty() ? 0 : 1));
        for (int i = 0; i < m_members.size(); ++i) {
            const TarEntry &e = entries.at(i);
            QCOMPARE(e.name, m_members.at(i).name);
            QCOMPARE(e.data, m_content.value(e.name));
            QCOMPARE(e.mode, m_modes.value(e.name));
            QCOMPARE(e.mtime, m_members.at(i).mtime);
        }
        if (!config.isEmpty()) {
            const TarEntry &c = entries.last();
            QCOMPARE(c.name, QString::fromLatin1(ShardTarDevice::kConfigMemberName));
            QCOMPARE(c.mtime, qint64(0));
            const QJsonObject o = QJsonDocument::fromJson(c.data).object();
            QCOMPARE(o.value("ingestId").toString(), config.ingestId);
            QCOMPARE(o.value("notificationsURL").toString(), config.notificationsUrl);
            QCOMPARE(o.size(), 2);
        }
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        add("empty.jpg", {}, 0644, 1700000000);
        add("one.jpg", jpegBytes(1), 0600, 1);
        add("b511.jpg", jpegBytes(511), 0644, 1600000000);
        add("b512.png", pngBytes(512), 0755, 1600000001);
        add("b513.png", pngBytes(513), 0640, 1600000002);
        add(QStringLiteral("ünïcødé 写真 😀.jpg"), jpegBytes(1000), 0644, 1650000000);
        add(QString(180, QLatin1Char('L')) + QStringLiteral(".jpg"), jpegBytes(2048), 0644, 1650000001);
        add(QStringLiteral("d__") + QString(120, QChar(0x00E9)) + QStringLiteral(".webp"), webpBytes(4097), 0444, 1650000002);
        add("chunky.jpg", jpegBytes(int(ShardTarDevice::kDataChunk) * 2 + 77), 0644, 1660000000);
    }

    void exactSizeMatchesBytesInAnyChunkSize_data()
    {
        QTest::addColumn<qint64>("chunk");
        QTest::addColumn<bool>("withConfig");
        QTest::addColumn<bool>("unbuffered");
        // Buffered, QIODevice asks for 16 KiB or more: file bytes go straight into its buffer.
        // Unbuffered, a reader asking for less than kDirectMin gets them through the scratch.
        for (qint64 chunk : { 1, 7, 511, 512, 4099, 65537, 3 * 1024 * 1024 }) {
            for (const bool unbuffered : { false, true }) {
                const char *mode = unbuffered ? "unbuffered" : "buffered";
                QTest::addRow("chunk %lld %s", chunk, mode) << chunk << false << unbuffered;
                QTest::addRow("chunk %lld + config %s", chunk, mode) << chunk << true << unbuffered;
            }
        }
    }

    void exactSizeMatchesBytesInAnyChunkSize()
    {
        QFETCH(qint64, chunk);
        QFETCH(bool, withConfig);
        QFETCH(bool, unbuffered);
        NotificationConfig config;
        if (withConfig)
            config = { QStringLiteral("ingest-42"), QStringLiteral("https://hooks.example.com/in?x=1&y=ü") };
        const qint64 expected = ShardTarDevice::exactSize(m_members, config);
        QVERIFY(expected > 0);
        QCOMPARE(expected % 512, qint64(0));

        ShardTarDevice dev(m_members, config);
        QCOMPARE(dev.size(), expected);
        QVERIFY(dev.isSequential());
        QVERIFY(dev.open(unbuffered ? QIODevice::ReadOnly | QIODevice::Unbuffered : QIODevice::ReadOnly));
        QCOMPARE(dev.bytesAvailable(), expected);
        const QByteArray tar = drain(dev, chunk);
        QVERIFY2(dev.errorString().isEmpty() || !dev.error(), qPrintable(dev.errorString()));
        QCOMPARE(qint64(tar.size()), expected);
        QVERIFY(dev.atEnd());
        QVERIFY(dev.peakBufferBytes() > 0);
        QVERIFY(dev.peakBufferBytes() <= ShardTarDevice::kBufferCap);
        verifyTar(tar, config);
    }

    void exactSizeHoldsForAnyName()
    {
        // exactSize counts one 512-byte header for the names it judges plain and asks libarchive
        // for the others: for names at the judgement's edges and random ones (printable ASCII,
        // spaces, controls, slashes, dots, accents, CJK, emoji; lengths around the 100-byte name
        // field; mtimes around the octal field's range), each member alone and all of them in
        // one tar, the size it announces is what the device writes, and the names read back.
        const QString path = writeFile(m_dir.path(), QStringLiteral("names/file"), QByteArray("abc"));
        QVector<ShardMember> members;
        const qint64 maxOctal = 077777777777;
        for (const int length : { 1, 99, 100, 101, 155, 156, 256 }) {
            members << member(path, QString(length, QLatin1Char('a')), 1660000000);
            members << member(path, QString(length - 1, QLatin1Char('b')) + QChar(0xE9), 1660000000);
        }
        for (const qint64 mtime : { qint64(0), qint64(0x7FFFFFFE), qint64(0x7FFFFFFF), maxOctal, maxOctal + 1, qint64(-1) })
            members << member(path, QStringLiteral("t%1.jpg").arg(mtime), mtime);
        members << member(path, QStringLiteral("a/b.jpg"), 1) << member(path, QStringLiteral("dir/"), 1)
                << member(path, QStringLiteral(".."), 1) << member(path, QStringLiteral("tab\tx.jpg"), 1)
                << member(path, QStringLiteral("del\x7f.jpg"), 1) << member(path, QStringLiteral(" "), 1);
        const QStringList pool{ QStringLiteral("a"), QStringLiteral("Z"), QStringLiteral("0"), QStringLiteral("_"),
                                QStringLiteral("."), QStringLiteral(" "), QStringLiteral("~"), QStringLiteral("/"),
                                QStringLiteral("\x01"), QStringLiteral("\x7f"), QStringLiteral("é"),
                                QStringLiteral("漢"), QStringLiteral("😀") };
        const quint32 seed = QRandomGenerator::global()->generate();
        qInfo("random names from seed %u", seed);
        QRandomGenerator random(seed);
        for (int i = 0; i < 300; ++i) {
            const int length = 1 + random.bounded(130);
            const bool plain = random.bounded(2) == 0;   // half of them from the plain characters only
            QString name;
            while (name.size() < length)
                name += pool.at(random.bounded(plain ? 7 : int(pool.size())));
            members << member(path, name, random.bounded(2) ? 1660000000 : random.bounded(maxOctal));   // (whole characters)
        }
        QVector<ShardMember> accepted;
        for (const ShardMember &m : std::as_const(members)) {
            const qint64 expected = ShardTarDevice::exactSize({ m });
            if (expected < 0)
                continue;   // refused ahead (a name libarchive cannot write here): never uploaded
            ShardTarDevice dev({ m });
            QVERIFY(dev.open(QIODevice::ReadOnly));
            const QByteArray tar = drain(dev, 4096);
            QVERIFY2(qint64(tar.size()) == expected,
                     qPrintable(QStringLiteral("%1 (mtime %2): %3 bytes written, %4 announced")
                                    .arg(m.name).arg(m.mtime).arg(tar.size()).arg(expected)));
            accepted << m;
            // A name with a slash is a path to a reader (it may end as a folder holding data,
            // or be normalized): batch names never hold one, so only its size is checked.
            if (m.name.contains(QLatin1Char('/')))
                continue;
            QString error;
            const QVector<TarEntry> entries = readTar(tar, &error);
            QVERIFY2(error.isEmpty(), qPrintable(m.name + QStringLiteral(": ") + error));
            QCOMPARE(entries.size(), 1);
            QCOMPARE(entries.first().name, m.name);
        }
        QVERIFY(accepted.size() > members.size() / 2);
        ShardTarDevice all(accepted);
        QVERIFY(all.open(QIODevice::ReadOnly));
        QCOMPARE(qint64(drain(all, 65536).size()), ShardTarDevice::exactSize(accepted));
    }

    void exactSizeForEdgeSizes()
    {
        // Each size alone, and all together: exactSize equals what the device produces.
        for (int size : { 0, 1, 511, 512, 513, 1023, 1024, 1025 }) {
            const QString path = writeFile(m_dir.path(), QStringLiteral("edge/%1").arg(size), QByteArray(size, 'e'));
            const QVector<ShardMember> one{ member(path, QStringLiteral("e%1.jpg").arg(size), 123) };
            ShardTarDevice dev(one);
            QVERIFY(dev.open(QIODevice::ReadOnly));
            const QByteArray tar = drain(dev, 333);
            QCOMPARE(qint64(tar.size()), ShardTarDevice::exactSize(one));
            // header + data rounded up to 512 + two zero blocks, no 10 KiB padding
            QCOMPARE(qint64(tar.size()), 512 + (size + 511) / 512 * 512 + 1024);
        }
        QCOMPARE(ShardTarDevice::exactSize({}), qint64(1024));
    }

    void bufferStaysBoundedForBigFiles()
    {
        const QString path = writeFile(m_dir.path(), "big/large.jpg", jpegBytes(6 * 1024 * 1024 + 3));
        const QVector<ShardMember> members{ member(path, "large.jpg", 1700000000) };
        ShardTarDevice dev(members);
        QVERIFY(dev.open(QIODevice::ReadOnly));
        const QByteArray tar = drain(dev, 8 * 1024 * 1024);   // a reader asking for more than the cap
        QCOMPARE(qint64(tar.size()), dev.size());
        // The file's bytes went straight to the reader: only headers and padding were buffered.
        QVERIFY2(dev.peakBufferBytes() <= 4096, qPrintable(QString::number(dev.peakBufferBytes())));
        QCOMPARE(dev.scratchBytes(), qint64(0));

        // A reader asking for little at a time: a step at a time through the buffer, bounded.
        ShardTarDevice small(members);
        QVERIFY(small.open(QIODevice::ReadOnly | QIODevice::Unbuffered));
        QCOMPARE(drain(small, 1000), tar);
        QVERIFY(small.peakBufferBytes() <= ShardTarDevice::kBufferCap);
        QVERIFY(small.peakBufferBytes() >= ShardTarDevice::kDataChunk);
    }

    // A reader whose buffer ends exactly where a member does: the bytes come straight in, and a
    // one-byte read after them still sees the file's end (or that it grew: the test below).
    void directReadEndingWithTheMemberSeesItsEnd()
    {
        const QByteArray bytes = jpegBytes(20000);
        const QString path = writeFile(m_dir.path(), "exact/e.jpg", bytes);
        const QVector<ShardMember> members{ member(path, "e.jpg", 1) };
        ShardTarDevice dev(members);
        QVERIFY(dev.open(QIODevice::ReadOnly | QIODevice::Unbuffered));
        QByteArray header(512, Qt::Uninitialized);
        QCOMPARE(dev.read(header.data(), header.size()), qint64(512));
        QByteArray data(bytes.size(), Qt::Uninitialized);
        QCOMPARE(dev.read(data.data(), data.size()), qint64(bytes.size()));
        QCOMPARE(data, bytes);
        QCOMPARE(dev.scratchBytes(), qint64(0));
        bool failed = false;
        const QByteArray rest = drain(dev, 4096, &failed);
        QVERIFY(!failed);
        QString error;
        const QVector<TarEntry> entries = readTar(header + data + rest, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(entries.size(), 1);
        QCOMPARE(entries.at(0).data, bytes);
    }

    void scratchSpaceOnlyForSmallReadsFollowsTheLargestMemberAndGoesOnClose()
    {
        const QByteArray aBytes = jpegBytes(3000), bBytes = jpegBytes(9000);
        const QString a = writeFile(m_dir.path(), "scratch/a.jpg", aBytes);
        const QString b = writeFile(m_dir.path(), "scratch/b.jpg", bBytes);
        const QVector<ShardMember> small{ member(a, "a.jpg", 1700000000), member(b, "b.jpg", 1700000000) };

        // QIODevice's buffered reads ask for 16 KiB: no scratch at all.
        ShardTarDevice direct(small);
        QVERIFY(direct.open(QIODevice::ReadOnly));
        const QByteArray tar = drain(direct, 100);
        QCOMPARE(qint64(tar.size()), direct.size());
        QCOMPARE(direct.scratchBytes(), qint64(0));

        // 4 KiB reads: a.jpg (and the byte after it) fits in one, b.jpg does not and goes through
        // a scratch of its size + 1 (a few KiB for small images, not a step's 256).
        ShardTarDevice dev(small);
        QVERIFY(dev.open(QIODevice::ReadOnly | QIODevice::Unbuffered));
        QCOMPARE(dev.scratchBytes(), qint64(0));
        QCOMPARE(drain(dev, 4096), tar);
        QVERIFY(dev.scratchBytes() > 9000);
        QVERIFY2(dev.scratchBytes() < 9000 + 4096, qPrintable(QString::number(dev.scratchBytes())));
        QString error;
        const QVector<TarEntry> entries = readTar(tar, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(entries.size(), 2);
        QCOMPARE(entries.at(0).data, aBytes);
        QCOMPARE(entries.at(1).data, bBytes);
        dev.close();
        QCOMPARE(dev.scratchBytes(), qint64(0));

        // A member larger than a step is still read a step at a time.
        const QString big = writeFile(m_dir.path(), "scratch/big.jpg", jpegBytes(int(ShardTarDevice::kDataChunk) * 3 + 5));
        ShardTarDevice mixed({ member(a, "a.jpg", 1700000000), member(big, "big.jpg", 1700000000) });
        QVERIFY(mixed.open(QIODevice::ReadOnly | QIODevice::Unbuffered));
        QCOMPARE(qint64(drain(mixed, 1000).size()), mixed.size());
        QVERIFY(mixed.scratchBytes() > ShardTarDevice::kDataChunk);
        QVERIFY(mixed.scratchBytes() < ShardTarDevice::kDataChunk + 4096);
    }

    void fileChangedSincePlanningFails()
    {
        const QString path = writeFile(m_dir.path(), "changed/a.jpg", jpegBytes(1000));
        const QVector<ShardMember> members{ member(path, "a.jpg", 1), member(path, "b.jpg", 1) };
        writeFile(m_dir.path(), "changed/a.jpg", jpegBytes(1001));   // grew by one byte
        ShardTarDevice dev(members);
        QVERIFY(dev.open(QIODevice::ReadOnly));
        bool failed = false;
        const QByteArray tar = drain(dev, 100, &failed);
        QVERIFY(failed);
        QVERIFY(qint64(tar.size()) < dev.size());
        QCOMPARE(dev.error().kind, bd::ErrorKind::Io);
        QVERIFY2(dev.errorString().contains(QLatin1String("changed size")), qPrintable(dev.errorString()));
    }

    void vanishedFileFails()
    {
        const QString keep = writeFile(m_dir.path(), "gone/keep.jpg", jpegBytes(700));
        const QString gone = writeFile(m_dir.path(), "gone/gone.jpg", jpegBytes(700));
        const QVector<ShardMember> members{ member(keep, "keep.jpg", 1), member(gone, "gone.jpg", 1) };
        QVERIFY(QFile::remove(gone));
        ShardTarDevice dev(members);
        QVERIFY(dev.open(QIODevice::ReadOnly));
        bool failed = false;
        const QByteArray tar = drain(dev, 4096, &failed);
        QVERIFY(failed);
        QVERIFY(tar.size() >= 512 + 1024);   // the first member went out before the failure
        QVERIFY(qint64(tar.size()) < dev.size());
        QVERIFY2(dev.errorString().contains(QLatin1String("disappeared")), qPrintable(dev.errorString()));
    }

    // Members open relative to their folder, kept open while the next members share it: members
    // that go back and forth between folders (and a folder nested in another, and the root's
    // own "/x" form) are each read from their own; a member whose folder is gone, or is a file,
    // fails with the reason as it did by whole path.
    void membersFromManyFoldersAreReadFromTheirOwn()
    {
        QTemporaryDir dir;
        QVector<ShardMember> members;
        QMap<QString, QByteArray> content;
        const QStringList rel = { "a/x.jpg", "b/x.jpg", "a/y.jpg", "a/deeper/x.jpg", "a/z.jpg", "b/y.jpg" };
        for (int i = 0; i < rel.size(); ++i) {
            const QByteArray bytes = jpegBytes(300 + i * 97);
            const QString name = QStringLiteral("m%1.jpg").arg(i);
            members << member(writeFile(dir.path(), rel.at(i), bytes), name, 1);
            content.insert(name, bytes);
        }
        ShardTarDevice dev(members);
        QVERIFY(dev.open(QIODevice::ReadOnly));
        const QByteArray tar = drain(dev, 4096);
        QVERIFY2(!dev.error(), qPrintable(dev.errorString()));
        QString error;
        const QVector<TarEntry> entries = readTar(tar, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(entries.size(), rel.size());
        for (const TarEntry &e : entries)
            QCOMPARE(e.data, content.value(e.name));

        for (const bool folderIsAFile : { false, true }) {
            const QString bad = dir.path() + (folderIsAFile ? QStringLiteral("/a/x.jpg/inside.jpg") : QStringLiteral("/gone/x.jpg"));
            const QVector<ShardMember> broken{ members.at(0), member(bad, QStringLiteral("bad.jpg"), 1) };
            ShardTarDevice failing(broken);
            QVERIFY(failing.open(QIODevice::ReadOnly));
            bool failed = false;
            drain(failing, 4096, &failed);
            QVERIFY(failed);
            QVERIFY2(failing.errorString().contains(bad), qPrintable(failing.errorString()));
            QVERIFY2(failing.errorString().contains(folderIsAFile ? QLatin1String("Not a directory") : QLatin1String("disappeared")),
                     qPrintable(failing.errorString()));
        }
    }

    void fileTruncatedWhileStreamingFails()
    {
        const QString path = writeFile(m_dir.path(), "shrink/s.jpg", jpegBytes(int(ShardTarDevice::kDataChunk) * 3));
        const QVector<ShardMember> members{ member(path, "s.jpg", 1) };
        ShardTarDevice dev(members);
        QVERIFY(dev.open(QIODevice::ReadOnly));
        QByteArray first(int(ShardTarDevice::kDataChunk), Qt::Uninitialized);
        QCOMPARE(dev.read(first.data(), first.size()), qint64(first.size()));
        QVERIFY(QFile::resize(path, 10));
        bool failed = false;
        drain(dev, 65536, &failed);
        QVERIFY(failed);
        QVERIFY2(dev.errorString().contains(QLatin1String("shorter")), qPrintable(dev.errorString()));
    }

    // A file that grows after its header went out (the size was checked at open) fails at its
    // last read, which asks for one byte more than is left: small, empty and multi-chunk files.
    void fileGrowingWhileStreamingFails_data()
    {
        QTest::addColumn<int>("size");
        QTest::addColumn<int>("readSize");
        QTest::newRow("small") << 48 * 1024 << 65536;
        QTest::newRow("empty") << 0 << 65536;
        QTest::newRow("several chunks") << int(ShardTarDevice::kDataChunk) * 2 + 7 << 65536;
        QTest::newRow("small, through the scratch") << 48 * 1024 << 1000;
        QTest::newRow("the reader's buffer ends with the file") << 48 * 1024 << 48 * 1024;
    }
    void fileGrowingWhileStreamingFails()
    {
        QFETCH(int, size);
        QFETCH(int, readSize);
        const QString path = writeFile(m_dir.path(), QStringLiteral("grow/g%1-%2.jpg").arg(size).arg(readSize),
                                       QByteArray(size, 'g'));
        const QVector<ShardMember> members{ member(path, "g.jpg", 1) };
        ShardTarDevice dev(members);
        QVERIFY(dev.open(QIODevice::ReadOnly | QIODevice::Unbuffered));   // read() asks for 512, no more
        char header[512];
        QCOMPARE(dev.read(header, sizeof header), qint64(512));   // opened, checked, header out
        QFile f(path);
        QVERIFY(f.open(QIODevice::Append));
        QCOMPARE(f.write("x", 1), qint64(1));
        f.close();
        bool failed = false;
        drain(dev, readSize, &failed);
        QVERIFY(failed);
        QCOMPARE(dev.error().kind, bd::ErrorKind::Io);
        QVERIFY2(dev.errorString().contains(QLatin1String("grew")), qPrintable(dev.errorString()));
    }

    // The size the planner computed can be handed in (no second dry run); a wrong one fails the
    // device instead of producing a tar that disagrees with its Content-Length.
    void knownExactSizeIsUsedAndAWrongOneFails()
    {
        const QString path = writeFile(m_dir.path(), "known/k.jpg", jpegBytes(3000));
        const QVector<ShardMember> members{ member(path, "k.jpg", 1) };
        const qint64 exact = ShardTarDevice::exactSize(members);
        ShardTarDevice right(members, {}, exact);
        QVERIFY(right.open(QIODevice::ReadOnly));
        QCOMPARE(right.size(), exact);
        bool failed = false;
        QCOMPARE(qint64(drain(right, 4096, &failed).size()), exact);
        QVERIFY(!failed);
        for (const qint64 wrong : { exact - 512, exact + 512 }) {
            ShardTarDevice dev(members, {}, wrong);
            QVERIFY(dev.open(QIODevice::ReadOnly));
            failed = false;
            drain(dev, 4096, &failed);
            QVERIFY2(failed, qPrintable(QString::number(wrong)));
            QCOMPARE(dev.error().kind, bd::ErrorKind::Internal);
        }
    }

    void unicodeNamesWorkInTheCLocale()
    {
        // libarchive 3.6.2 crashed writing a non-ASCII pax name in the "C" locale (as under a
        // bare ctest or cron); the device must not, and its bytes must not depend on the locale.
        const QByteArray previous = std::setlocale(LC_ALL, nullptr);
        auto produce = [this] {
            ShardTarDevice dev(m_members, { QStringLiteral("i"), QStringLiteral("https://h.example/ü") });
            if (!dev.open(QIODevice::ReadOnly))
                return QByteArray();
            const QByteArray tar = drain(dev, 10000);
            return qint64(tar.size()) == dev.size() ? tar : QByteArray();
        };
        std::setlocale(LC_ALL, "C");
        const QByteArray inC = produce();
        std::setlocale(LC_ALL, "C.UTF-8");
        const QByteArray inUtf8 = produce();
        std::setlocale(LC_ALL, previous.constData());
        QVERIFY(!inC.isEmpty());
        QVERIFY(inC == inUtf8);
        QString error;
        const QVector<TarEntry> entries = readTar(inC, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(entries.at(5).name, QStringLiteral("ünïcødé 写真 😀.jpg"));
    }

    void fingerprintsAreTakenAsMembersAreRead_data()
    {
        QTest::addColumn<qint64>("chunk");
        QTest::newRow("direct reads") << qint64(1024 * 1024);
        QTest::newRow("through the scratch space") << qint64(1000);
    }
    void fingerprintsAreTakenAsMembersAreRead()
    {
        QFETCH(qint64, chunk);
        QTemporaryDir dir;
        QRandomGenerator random(7);
        QByteArray big(300 * 1024, Qt::Uninitialized);   // more than one step of kDataChunk
        for (char &c : big)
            c = char(random.bounded(256));
        // fresh (racy: written just now), old (an hour ago), fresh and empty
        const QString fresh = writeFile(dir.path(), QStringLiteral("fresh.jpg"), big);
        const QString old = writeFile(dir.path(), QStringLiteral("old.jpg"), big.left(5000));
        const QString empty = writeFile(dir.path(), QStringLiteral("empty.jpg"), QByteArray());
        const struct timespec hourAgo[2] = { { ::time(nullptr) - 3600, 0 }, { ::time(nullptr) - 3600, 0 } };
        QVERIFY(::utimensat(AT_FDCWD, QFile::encodeName(old).constData(), hourAgo, 0) == 0);
        const QVector<ShardMember> members{ member(fresh, QStringLiteral("a.jpg"), 1), member(old, QStringLiteral("b.jpg"), 1),
                                            member(empty, QStringLiteral("c.jpg"), 1) };
        ShardTarDevice dev(members);
        const auto fingerprints = dev.fingerprints();
        QCOMPARE(fingerprints->size(), 3);
        QVERIFY(!fingerprints->at(0).isValid());   // nothing taken before the body is read
        QVector<FileFingerprint> atLastBytes;
        dev.setBeforeLastBytes([&] { atLastBytes = *dev.fingerprints(); });
        const qint64 before = QDateTime::currentMSecsSinceEpoch() * 1000000 - 1000000;
        QVERIFY(dev.open(QIODevice::ReadOnly));
        bool failed = false;
        drain(dev, chunk, &failed);
        QVERIFY(!failed);
        const qint64 after = QDateTime::currentMSecsSinceEpoch() * 1000000 + 1000000;
        QCOMPARE(atLastBytes.size(), 3);
        const QStringList paths{ fresh, old, empty };
        for (int i = 0; i < 3; ++i) {
            const FileFingerprint &f = atLastBytes.at(i);
            struct stat st;
            QVERIFY(::stat(QFile::encodeName(paths.at(i)).constData(), &st) == 0);
            QCOMPARE(f.size, qint64(st.st_size));
            QCOMPARE(f.mtimeNs, qint64(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec);
            QVERIFY(f.takenAtNs >= before && f.takenAtNs <= after);
        }
        // The racy ones carry the SHA-256 of the bytes sent; the old one needs none.
        QCOMPARE(atLastBytes.at(0).sha256, QString::fromLatin1(QCryptographicHash::hash(big, QCryptographicHash::Sha256).toHex()));
        QVERIFY(atLastBytes.at(1).sha256.isEmpty());
        QCOMPARE(atLastBytes.at(2).sha256, QString::fromLatin1(QCryptographicHash::hash({}, QCryptographicHash::Sha256).toHex()));
        QCOMPARE(*dev.fingerprints(), atLastBytes);
    }

    void unsuitableMembersAreRefused()
    {
        QCOMPARE(ShardTarDevice::exactSize({ { "/x", QString(), 10, 0 } }), qint64(-1));
        QCOMPARE(ShardTarDevice::exactSize({ { "/x", "n.jpg", -1, 0 } }), qint64(-1));
        ShardTarDevice dev({ { "/x", "n.jpg", ShardTarDevice::kMaxMemberBytes + 1, 0 } });
        QCOMPARE(dev.size(), qint64(-1));
        QVERIFY(!dev.open(QIODevice::ReadOnly));
        QVERIFY(!dev.errorString().isEmpty());

        ShardTarDevice once(m_members.mid(0, 2));
        QVERIFY(once.open(QIODevice::ReadOnly));
        once.close();
        QVERIFY(!once.open(QIODevice::ReadOnly));   // sequential: a retry needs a new device
    }
};

QTEST_GUILESS_MAIN(TstShardTarDevice)
#include "tst_shardtardevice.moc"
