// A .tar that is not kept is extracted while it downloads (StreamExtractor): no .part and no
// archive on disk at any instant, every member exactly once and byte-identical, and every kind of
// interruption mid-archive ends in the same tree — a connection cut (the same stream continues
// with Range), a pause (the extraction starts over at its last complete member with Range), a
// killed run (simulated: the journal row a kill leaves; the next run does not write the members
// before its offset again) and real SIGKILLs of batchdeck-cli, at seeded instants and right after
// the journal recorded an offset (BD_KILL_SEED replays, BD_STREAM_KILL_POINTS scales).
#include "ExportFixture.h"
#include "PatternTar.h"
#include "TestArchives.h"

#include "exports/ExportJournal.h"

#include <QDirIterator>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

#include <csignal>

using namespace bd;
using namespace exporttest;

namespace {

using TestTar = PatternTar;

// `count` members of `memberBytes` each under frames/, written as a pax tar.
TestTar makeTar(int count, qint64 memberBytes, quint32 seed)
{
    return patternTar(count, memberBytes, seed, QStringLiteral("frames/f-%1.bin"), 3);
}

// Relative path -> sha256 of every file below dir, except the export log.
QMap<QString, QByteArray> filesBelow(const QString &dir)
{
    QMap<QString, QByteArray> out;
    QDirIterator it(dir, QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString p = it.next();
        const QString rel = QDir(dir).relativeFilePath(p);
        if (rel != QLatin1String(".export_log.jsonl"))
            out.insert(rel, fileSha256(p));
    }
    return out;
}

// The resume offset the CLI's journal holds for its streamed archive (state Extracting), else -1.
qint64 recordedOffset(const QString &dataDir)
{
    const QString path = dataDir + QStringLiteral("/batchdeck.sqlite");
    if (!QFileInfo::exists(path))
        return -1;
    qint64 offset = -1;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("peek"));
        db.setDatabaseName(path);
        db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=1000"));
        if (db.open()) {
            QSqlQuery q(db);
            if (q.exec(QStringLiteral("SELECT bytes_done FROM export_files WHERE state = 'extracting'")) && q.next())
                offset = q.value(0).toLongLong();
        }
    }
    QSqlDatabase::removeDatabase(QStringLiteral("peek"));
    return offset;
}

int logLines(const QString &dir)
{
    QFile log(dir + QStringLiteral("/.export_log.jsonl"));
    if (!log.open(QIODevice::ReadOnly))
        return -1;
    return int(log.readAll().count('\n'));
}

}  // namespace

class TstExportStream : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_dataDir;
    Env m_env;
    TestTar m_small;   // 16 x 256 KiB
    TestTar m_big;     // 96 x 512 KiB

    // Runs the export of `batch` into `target`, calling `tick` every millisecond until it ends.
    bool runExport(ExportOperation &op, const std::function<void()> &tick = {})
    {
        QTimer poll;
        poll.setInterval(1);
        if (tick)
            connect(&poll, &QTimer::timeout, this, tick);
        poll.start();
        op.start();
        return waitFinished(&op);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dataDir.isValid());
        QString error;
        QVERIFY2(m_env.start(m_dataDir.path(), &error), qPrintable(error));
        m_small = makeTar(16, 256 * 1024, 100);
        m_big = makeTar(96, 512 * 1024, 300);
        QCOMPARE(m_small.headerOffsets.size(), 16);
        QCOMPARE(m_big.headerOffsets.size(), 96);
        for (const char *batch : { "stream-plain", "stream-cut", "stream-resume" })
            QVERIFY(m_env.seedFile(QLatin1String(batch), QStringLiteral("results.tar"), m_small.bytes));
        QVERIFY(m_env.seedFile(QStringLiteral("stream-pause"), QStringLiteral("results.tar"), m_big.bytes));
    }

    // Members appear while the GET runs; the archive is never on disk, whole or partial.
    void tarIsExtractedWhileItDownloadsAndNeverStored()
    {
        QTemporaryDir target;
        const QString archive = target.path() + QStringLiteral("/results.tar");
        bool archiveSeen = false;
        ExportOperation op(m_env.api.get(), batchOptions(QStringLiteral("stream-plain"), target.path()));
        QVERIFY(runExport(op, [&] {
            archiveSeen = archiveSeen || QFileInfo::exists(archive) || QFileInfo::exists(archive + QStringLiteral(".part"));
        }));
        QVERIFY2(!op.error(), qPrintable(op.error().fullText()));
        QVERIFY(!archiveSeen);
        QCOMPARE(op.summary().extracted, 1);
        QCOMPARE(op.summary().extractedFiles, 16);
        QCOMPARE(filesBelow(target.path()), m_small.members);
        QCOMPARE(logLines(target.path()), 1);

        // Done is done: the same export again fetches nothing.
        const int s2 = m_env.sandbox->requestCount(QStringLiteral("S2"));
        ExportOperation again(m_env.api.get(), batchOptions(QStringLiteral("stream-plain"), target.path()));
        QVERIFY(runExport(again));
        QVERIFY(!again.error());
        QCOMPARE(again.summary().skipped, 1);
        QCOMPARE(m_env.sandbox->requestCount(QStringLiteral("S2")), s2);
    }

    // The GET is cut halfway: the retry asks for the rest with Range and the same extraction
    // reads on, so nothing is written twice.
    void cutConnectionContinuesTheSameStreamWithRange()
    {
        QTemporaryDir target;
        m_env.sandbox->setFaultPlan(QJsonDocument::fromJson(R"({"rules": [
            {"route": "S2", "action": "cut", "times": 1}
        ]})").object());
        const int s2 = m_env.sandbox->requestCount(QStringLiteral("S2"));
        ExportOperation op(m_env.api.get(), batchOptions(QStringLiteral("stream-cut"), target.path()));
        QVERIFY(runExport(op));
        m_env.sandbox->setFaultPlan({});
        QVERIFY2(!op.error(), qPrintable(op.error().fullText()));
        QCOMPARE(op.summary().resumed, 1);
        QCOMPARE(m_env.sandbox->requestCount(QStringLiteral("S2")), s2 + 2);
        QCOMPARE(filesBelow(target.path()), m_small.members);
    }

    // What a kill leaves: the journal row (Extracting, the offset of member 6's header) and
    // members 0-5 on disk. The next run asks for the rest with Range and writes members 6-15
    // only: the first six keep the marker they were given here.
    void nextRunStartsAtTheRecordedMemberWithRange()
    {
        QTemporaryDir scratch;
        ExportOperation probe(m_env.api.get(), batchOptions(QStringLiteral("stream-resume"), scratch.path()));
        QVERIFY(runExport(probe));
        QVERIFY(!probe.error());
        QCOMPARE(probe.files().size(), 1);
        const QString key = probe.files().first().key();

        QTemporaryDir target;
        const int first = 6;
        QDir().mkpath(target.path() + QStringLiteral("/frames"));
        for (int i = 0; i < first; ++i) {
            QFile f(target.path() + QLatin1Char('/') + m_small.order.at(i));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("extracted by the killed run");
        }
        ExportJournal journal;
        Error error;
        const qint64 id = journal.createExport(QStringLiteral("stream-resume"), QDir::cleanPath(target.path()), &error);
        QVERIFY2(id > 0, qPrintable(error.fullText()));
        QVERIFY(journal.setExportState(id, ExportState::Running));
        ExportFileRecord row;
        row.exportId = id;
        row.key = key;
        row.fileName = QStringLiteral("results.tar");
        row.bytesDone = m_small.headerOffsets.at(first);
        row.state = ExportFileState::Extracting;
        QVERIFY(journal.upsertFile(row));

        ExportOperation op(m_env.api.get(), batchOptions(QStringLiteral("stream-resume"), target.path()));
        QVERIFY(runExport(op));
        QVERIFY2(!op.error(), qPrintable(op.error().fullText()));
        QCOMPARE(op.summary().resumed, 1);
        QCOMPARE(op.summary().extractedFiles, 16 - first);
        QMap<QString, QByteArray> expected = m_small.members;
        for (int i = 0; i < first; ++i)
            expected[m_small.order.at(i)] = sha256("extracted by the killed run");
        QCOMPARE(filesBelow(target.path()), expected);
        QCOMPARE(logLines(target.path()), 1);
        const auto done = journal.file(id, key);
        QVERIFY(done.has_value());
        QCOMPARE(done->state, ExportFileState::Extracted);
    }

    // Paused once two members are out: the GET and the extraction stop (nothing half-written
    // under a member's name); resume starts over at the member being written, with Range.
    void pauseMidArchiveResumesAtTheLastCompleteMember()
    {
        QTemporaryDir target;
        ExportOperation op(m_env.api.get(), batchOptions(QStringLiteral("stream-pause"), target.path()));
        QTimer poll;
        poll.setInterval(1);
        connect(&poll, &QTimer::timeout, this, [&] {
            if (op.state() == Operation::State::Running
                && QFileInfo::exists(target.path() + QLatin1Char('/') + m_big.order.at(1))) {
                poll.stop();
                QVERIFY(op.suspend());
            }
        });
        poll.start();
        op.start();
        QElapsedTimer clock;
        clock.start();
        while (op.state() != Operation::State::Suspended && !op.isFinished() && clock.elapsed() < 60000)
            QTest::qWait(1);
        QCOMPARE(op.state(), Operation::State::Suspended);
        QTest::qWait(300);   // the cancelled worker is gone; whatever it wrote has its name or none
        const QMap<QString, QByteArray> paused = filesBelow(target.path());
        QVERIFY(paused.size() >= 2 && paused.size() < m_big.members.size());
        for (auto it = paused.cbegin(); it != paused.cend(); ++it)
            QCOMPARE(it.value(), m_big.members.value(it.key()));   // whole members only
        QVERIFY(op.resume());
        QVERIFY(waitFinished(&op));
        QVERIFY2(!op.error(), qPrintable(op.error().fullText()));
        QCOMPARE(op.summary().resumed, 1);
        QCOMPARE(filesBelow(target.path()), m_big.members);
        QCOMPARE(logLines(target.path()), 1);
    }

    // A hostile tar, streamed: links, names leaving the target, devices and the export's own
    // names are refused one member at a time (and listed), the rest is extracted, and nothing
    // outside the target changes.
    void hostileTarIsConfinedWhileStreamed()
    {
        using archivetest::Member;
        const QVector<Member> members{
            { "../escape.txt", Member::File, "out", {} },
            { "/abs.txt", Member::File, "out", {} },
            { "link", Member::Symlink, {}, ".." },
            { "link/below.txt", Member::File, "through the link", {} },
            { "ok.txt", Member::File, "fine", {} },
            { "hard", Member::Hardlink, {}, "ok.txt" },
            { "fifo", Member::Fifo, {}, {} },
            { "dev", Member::CharDevice, {}, {} },
            { ".export_log.jsonl", Member::File, "{}\n", {} },
            { "x.part", Member::File, "clash", {} },
            { "dir/ok2.txt", Member::File, "fine too", {} },
        };
        QTemporaryDir build;
        const QString tarPath = build.path() + QStringLiteral("/evil.tar");
        QVERIFY(archivetest::writeArchive(tarPath, archivetest::Kind::Tar, members));
        QFile tarFile(tarPath);
        QVERIFY(tarFile.open(QIODevice::ReadOnly));
        QVERIFY(m_env.seedFile(QStringLiteral("stream-hostile"), QStringLiteral("evil.tar"), tarFile.readAll()));

        QTemporaryDir outer;
        const QString target = outer.path() + QStringLiteral("/target");
        QFile bystander(outer.path() + QStringLiteral("/escape.txt"));
        QVERIFY(bystander.open(QIODevice::WriteOnly));
        bystander.write("untouched");
        bystander.close();
        const auto before = archivetest::fingerprint(outer.path(), target);
        ExportOperation op(m_env.api.get(), batchOptions(QStringLiteral("stream-hostile"), target));
        QVERIFY(runExport(op));
        QVERIFY2(!op.error(), qPrintable(op.error().fullText()));
        QCOMPARE(archivetest::fingerprint(outer.path(), target), before);
        QCOMPARE(op.summary().refused.size(), 9);
        QCOMPARE(filesBelow(target), (QMap<QString, QByteArray>{ { QStringLiteral("ok.txt"), sha256("fine") },
                                                                 { QStringLiteral("dir/ok2.txt"), sha256("fine too") } }));
        QVERIFY(!QFileInfo(target + QStringLiteral("/link")).exists());
    }

    // Without the whole archive to prescan, a member's declared size is checked against the caps
    // before any of its bytes is written.
    void declaredSizeOverTheCapIsRefusedBeforeWriting()
    {
        const TestTar tar = makeTar(2, 3 * 1024 * 1024, 900);
        QVERIFY(m_env.seedFile(QStringLiteral("stream-bomb"), QStringLiteral("bomb.tar"), tar.bytes));
        QTemporaryDir target;
        ExportOptions options = batchOptions(QStringLiteral("stream-bomb"), target.path());
        options.extract.maxExpansionRatio = 0;
        options.extract.maxExpandedBytes = 4 * 1024 * 1024;   // the first member fits, the second not
        ExportOperation op(m_env.api.get(), options);
        QVERIFY(runExport(op));
        QCOMPARE(op.error().kind, ErrorKind::Unsafe);
        QVERIFY2(op.error().message.contains(QLatin1String("decompression bomb")), qPrintable(op.error().message));
        QCOMPARE(filesBelow(target.path()), (QMap<QString, QByteArray>{ { tar.order.at(0), tar.members.value(tar.order.at(0)) } }));
    }

    // The real command, SIGKILLed mid-archive and run again: exit 0, the archive's members
    // exactly, one log line, no .part or temp file. Even points die at a seeded instant of the
    // run; odd ones as soon as the journal holds an offset past the first member — their next
    // run must ask for the rest with Range and extract only the members from that offset on.
    void sigkillMidArchiveThenTheSameCommandFinishesIdentically()
    {
        if (!QFileInfo::exists(sandboxtest::cliPath()))
            QSKIP("batchdeck-cli is not built");
        const int memberCount = 128;
        const TestTar tar = makeTar(memberCount, 1024 * 1024, 700);
        QVERIFY(m_env.seedFile(QStringLiteral("stream-kill"), QStringLiteral("results.tar"), tar.bytes));
        bool ok = false;
        const int pointsSet = qEnvironmentVariableIntValue("BD_STREAM_KILL_POINTS", &ok);
        const int points = ok && pointsSet > 0 ? pointsSet : 4;
        const quint32 seedSet = quint32(qEnvironmentVariableIntValue("BD_KILL_SEED", &ok));
        const quint32 seed = ok && seedSet > 0 ? seedSet : quint32(QRandomGenerator::global()->bounded(1, 1 << 30));
        qInfo("kill seed %u (BD_KILL_SEED=%u replays)", seed, seed);
        QRandomGenerator random(seed);
        auto args = [](const QString &target) {
            return QStringList{ QStringLiteral("data-staging"), QStringLiteral("export-batch"), QStringLiteral("-b"),
                                QStringLiteral("stream-kill"), QStringLiteral("-t"), target, QStringLiteral("--json") };
        };
        int runMs = 0;
        {
            QTemporaryDir work;
            QProcess clean;
            clean.setProcessEnvironment(sandboxtest::cliEnvironment(m_env.sandbox->apiUrl(), work.path() + QStringLiteral("/data")));
            QElapsedTimer clock;
            clock.start();
            clean.start(sandboxtest::cliPath(), args(work.path() + QStringLiteral("/target")));
            QVERIFY(clean.waitForFinished(300000));
            QCOMPARE(clean.exitCode(), 0);
            runMs = int(qMax<qint64>(50, clock.elapsed()));
        }
        int recordedKills = 0;
        for (int point = 0; point < points; ++point) {
            QTemporaryDir work;
            const QString target = work.path() + QStringLiteral("/target");
            const QString dataDir = work.path() + QStringLiteral("/data");
            const QProcessEnvironment env = sandboxtest::cliEnvironment(m_env.sandbox->apiUrl(), dataDir);
            const bool atAnOffset = point % 2 == 1;
            const int killAfterMs = int(random.bounded(runMs));
            QProcess first;
            first.setProcessEnvironment(env);
            first.start(sandboxtest::cliPath(), args(target));
            QVERIFY(first.waitForStarted());
            if (atAnOffset) {
                QElapsedTimer clock;
                clock.start();
                while (first.state() == QProcess::Running && recordedOffset(dataDir) <= 0 && clock.elapsed() < 60000)
                    QTest::qWait(1);
            } else {
                QTest::qWait(killAfterMs);
            }
            if (first.state() == QProcess::Running)
                ::kill(pid_t(first.processId()), SIGKILL);
            // A run that ended before its instant is a point too (the next run must still exit 0).
            if (first.state() != QProcess::NotRunning)
                QVERIFY(first.waitForFinished(30000));
            // No member is ever half-written under its name, even right after the kill.
            const QMap<QString, QByteArray> killed = filesBelow(target);
            for (auto it = killed.cbegin(); it != killed.cend(); ++it)
                QVERIFY2(it.value() == tar.members.value(it.key()), qPrintable(it.key()));
            const qint64 offset = recordedOffset(dataDir);
            const int skipped = int(tar.headerOffsets.indexOf(offset));
            QVERIFY2(offset <= 0 || skipped > 0, qPrintable(QStringLiteral("offset %1 is no member's header").arg(offset)));

            QProcess again;
            again.setProcessEnvironment(env);
            again.start(sandboxtest::cliPath(), args(target));
            QVERIFY(again.waitForFinished(300000));
            QVERIFY2(again.exitStatus() == QProcess::NormalExit && again.exitCode() == 0,
                     qPrintable(QStringLiteral("seed %1, point %2 (killed after %3 ms): %4")
                                    .arg(seed).arg(point).arg(killAfterMs)
                                    .arg(QString::fromLocal8Bit(again.readAllStandardError()))));
            const QJsonObject summary = QJsonDocument::fromJson(again.readAllStandardOutput()).object();
            if (offset > 0) {
                ++recordedKills;
                QCOMPARE(summary.value(QStringLiteral("resumed")).toInt(), 1);
                QCOMPARE(summary.value(QStringLiteral("extractedFiles")).toInt(), memberCount - skipped);
            }
            QCOMPARE(filesBelow(target), tar.members);
            QCOMPARE(logLines(target), 1);
        }
        qInfo("%d of %d kills left an offset and resumed there with Range; an uninterrupted run takes %d ms",
              recordedKills, points, runMs);
    }

    void cleanupTestCase() { m_env.stop(); }
};

QTEST_GUILESS_MAIN(TstExportStream)
#include "tst_exportstream.moc"
