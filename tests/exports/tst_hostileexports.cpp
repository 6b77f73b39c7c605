// Whole exports against a hostile batch or a hostile target, through the embedded sandbox over
// loopback and through the real batchdeck-cli: links planted under the names the client writes
// (<name>.part, .export_log.jsonl), a listing with unsafe names, a non-http(s) URL, malformed
// listings, a damaged local database, and a link-chain archive. A sibling "outside" folder is
// fingerprinted (paths and sha256) before and after each export.
#include "ExportFixture.h"
#include "TestArchives.h"

#include "exports/DownloadOperation.h"
#include "exports/ExportLog.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <unistd.h>

using namespace bd;
using namespace exporttest;
using archivetest::fingerprint;

namespace {

struct Scene {
    QTemporaryDir base;
    QString target, outside;
    Scene()
    {
        target = base.path() + QStringLiteral("/target");
        outside = base.path() + QStringLiteral("/outside");
        QDir().mkpath(target);
        QDir().mkpath(outside);
        for (const char *name : { "victim", "profile" }) {
            QFile f(outside + QLatin1Char('/') + QLatin1String(name));
            if (f.open(QIODevice::WriteOnly))
                f.write("original " + QByteArray(name) + "\n");
        }
    }
};

}  // namespace

class TstHostileExports : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_dataDir;
    Env m_env;

    QString cliPath() const { return sandboxtest::cliPath(); }

    QProcessEnvironment cliEnvironment(const QString &dataDir) const
    {
        return sandboxtest::cliEnvironment(m_env.sandbox->apiUrl(), dataDir);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dataDir.isValid());
        QString error;
        QVERIFY2(m_env.start(m_dataDir.path(), &error), qPrintable(error));
        QVERIFY(m_env.seedFile(QStringLiteral("planted"), QStringLiteral("a.mp4"), patternBytes(300000, 1)));
        QVERIFY(m_env.seedFile(QStringLiteral("planted"), QStringLiteral("b.mp4"), patternBytes(200000, 2)));
    }

    void cleanup() { m_env.sandbox->setFaultPlan({}); }

    // Issue 14: the first GET answered 503 + Retry-After, and the .part under a planted link got
    // the bytes. Now a symlink and a hard link planted as <name>.part are replaced, not followed.
    void linksPlantedAsPartFilesAreReplacedNotWrittenThrough()
    {
        Scene s;
        QVERIFY(QFile::link(s.outside + QStringLiteral("/victim"), s.target + QStringLiteral("/a.mp4.part")));
        QVERIFY(::link(QFile::encodeName(s.outside + QStringLiteral("/profile")).constData(),
                       QFile::encodeName(s.target + QStringLiteral("/b.mp4.part")).constData()) == 0);
        const QMap<QString, QByteArray> before = fingerprint(s.base.path(), s.target);
        m_env.sandbox->setFaultPlan(QJsonDocument::fromJson(R"({"rules": [
            {"route": "S2", "status": 503, "retryAfter": 1, "times": 1}
        ]})").object());
        ExportOperation op(m_env.api.get(), batchOptions(QStringLiteral("planted"), s.target));
        op.start();
        QVERIFY(waitFinished(&op));
        QVERIFY2(!op.error(), qPrintable(op.error().fullText()));
        QCOMPARE(fingerprint(s.base.path(), s.target), before);
        QCOMPARE(fileSha256(s.target + QStringLiteral("/a.mp4")), sha256(patternBytes(300000, 1)));
        QCOMPARE(fileSha256(s.target + QStringLiteral("/b.mp4")), sha256(patternBytes(200000, 2)));
        QVERIFY(!QFileInfo(s.target + QStringLiteral("/a.mp4")).isSymLink());
    }

    // A planted .export_log.jsonl link stops the export with a message naming it; nothing is
    // appended to the file it points at.
    void aLinkPlantedAsTheExportLogStopsTheExportClearly()
    {
        Scene s;
        QVERIFY(QFile::link(s.outside + QStringLiteral("/profile"), s.target + QStringLiteral("/.export_log.jsonl")));
        const QMap<QString, QByteArray> before = fingerprint(s.base.path(), s.target);
        ExportOperation op(m_env.api.get(), batchOptions(QStringLiteral("planted"), s.target));
        op.start();
        QVERIFY(waitFinished(&op));
        QVERIFY(op.error().isError());
        QVERIFY2(op.error().message.contains(QStringLiteral(".export_log.jsonl")), qPrintable(op.error().message));
        QVERIFY2(op.error().message.contains(QStringLiteral("symlink")), qPrintable(op.error().message));
        QCOMPARE(fingerprint(s.base.path(), s.target), before);
    }

    // One unsafe name in a listing ("..", a name the export keeps for itself) refuses that file;
    // the others are exported, and the run says which file was refused and why (exit 1).
    void unsafeNamesInAListingRefuseOnlyThoseFiles()
    {
        if (!QFileInfo::exists(cliPath()))
            QSKIP("batchdeck-cli is not built");
        QVERIFY(m_env.seedFile(QStringLiteral("dotdot"), QStringLiteral(".."), QByteArray("escape\n")));
        QVERIFY(m_env.seedFile(QStringLiteral("dotdot"), QStringLiteral("evil.part"), QByteArray("clash\n")));
        QVERIFY(m_env.seedFile(QStringLiteral("dotdot"), QStringLiteral("ok.mp4"), patternBytes(1000, 3)));
        Scene s;
        const QMap<QString, QByteArray> before = fingerprint(s.base.path(), s.target);
        QProcess cli;
        cli.setProcessEnvironment(cliEnvironment(m_dataDir.path() + QStringLiteral("/cli-dotdot")));
        cli.start(cliPath(), { QStringLiteral("data-staging"), QStringLiteral("export-batch"), QStringLiteral("-b"),
                               QStringLiteral("dotdot"), QStringLiteral("-t"), s.target, QStringLiteral("--json") });
        QVERIFY(cli.waitForFinished(120000));
        const QByteArray err = cli.readAllStandardError();
        const QByteArray out = cli.readAllStandardOutput();
        QVERIFY2(cli.exitCode() == 1, err.constData());
        const QJsonObject summary = QJsonDocument::fromJson(out).object();
        QVERIFY2(summary.value(QStringLiteral("downloaded")).toInt() == 1, out.constData());
        QCOMPARE(summary.value(QStringLiteral("downloaded")).toInt(), 1);
        QCOMPARE(summary.value(QStringLiteral("failed")).toInt(), 2);
        QStringList refused;
        for (const QJsonValue &f : summary.value(QStringLiteral("failures")).toArray()) {
            QCOMPARE(f.toObject().value(QStringLiteral("kind")).toString(), errorKindName(ErrorKind::Unsafe));
            refused << f.toObject().value(QStringLiteral("fileName")).toString();
        }
        refused.sort();
        QCOMPARE(refused, QStringList({ QStringLiteral(".."), QStringLiteral("evil.part") }));
        QCOMPARE(fileSha256(s.target + QStringLiteral("/ok.mp4")), sha256(patternBytes(1000, 3)));
        QCOMPARE(fingerprint(s.base.path(), s.target), before);
        QVERIFY(!QFileInfo::exists(s.target + QStringLiteral("/evil.part")));
    }

    // Nothing but http(s) reaches Qt's network stack: file:, ftp:, data: URLs fail the file.
    void onlyHttpUrlsAreFollowed()
    {
        Scene s;
        for (const char *url : { "file:///etc/passwd", "ftp://example.com/x", "data:text/plain,hi" }) {
            ExportFileInfo info;
            info.fileName = QStringLiteral("x.bin");
            info.downloadUrl = QLatin1String(url);
            DownloadOperation op(m_env.api.get(), info, s.target + QStringLiteral("/x.bin"));
            op.start();
            QVERIFY(waitFinished(&op));
            QCOMPARE(op.error().kind, ErrorKind::Unsafe);
            QVERIFY2(op.error().message.contains(QStringLiteral("not http or https")), qPrintable(op.error().message));
            QCOMPARE(op.requestsSent(), 0);
            QVERIFY(QDir(s.target).isEmpty());
        }
    }

    // Malformed JSON answers to the listing, more than the API layer retries alone: the export
    // asks again and completes, byte for byte.
    void malformedListingsAreAskedAgain()
    {
        Scene s;
        m_env.sandbox->setFaultPlan(QJsonDocument::fromJson(R"({"rules": [
            {"route": "D5", "action": "malformed-json", "times": 3},
            {"route": "D3", "action": "html", "status": 502, "times": 2}
        ]})").object());
        ExportOperation op(m_env.api.get(), batchOptions(QStringLiteral("planted"), s.target));
        op.start();
        QVERIFY(waitFinished(&op));
        QVERIFY2(!op.error(), qPrintable(op.error().fullText()));
        QCOMPARE(op.summary().downloaded, 2);
        QCOMPARE(fileSha256(s.target + QStringLiteral("/a.mp4")), sha256(patternBytes(300000, 1)));
    }

    // A damaged local database stops the export before anything is downloaded, saying so,
    // instead of exporting without a journal.
    void aDamagedDatabaseStopsTheExport()
    {
        if (!QFileInfo::exists(cliPath()))
            QSKIP("batchdeck-cli is not built");
        const QString dataDir = m_dataDir.path() + QStringLiteral("/cli-damaged");
        QVERIFY(QDir().mkpath(dataDir));
        QFile db(dataDir + QStringLiteral("/batchdeck.sqlite"));
        QVERIFY(db.open(QIODevice::WriteOnly));
        db.write(QByteArray("this is not an SQLite database ") + QByteArray(8192, 'x'));
        db.close();
        Scene s;
        QProcess cli;
        cli.setProcessEnvironment(cliEnvironment(dataDir));
        cli.start(cliPath(), { QStringLiteral("data-staging"), QStringLiteral("export-batch"), QStringLiteral("-b"),
                               QStringLiteral("planted"), QStringLiteral("-t"), s.target });
        QVERIFY(cli.waitForFinished(120000));
        const QString err = QString::fromLocal8Bit(cli.readAllStandardError());
        QCOMPARE(cli.exitCode(), 1);
        QVERIFY2(err.contains(QStringLiteral("batchdeck.sqlite")) || err.contains(QStringLiteral("database")), qPrintable(err));
        QVERIFY(!QFileInfo::exists(s.target + QStringLiteral("/a.mp4")));
    }

    // A link-chain archive served by the sandbox, exported by the real CLI into a target that
    // already holds a planted folder link: exit 0, links reported, nothing outside changed.
    void linkChainArchiveThroughTheCli()
    {
        if (!QFileInfo::exists(cliPath()))
            QSKIP("batchdeck-cli is not built");
        using archivetest::Member;
        QTemporaryDir build;
        const QString tarPath = build.path() + QStringLiteral("/results.tar");
        QVERIFY(archivetest::writeArchive(tarPath, archivetest::Kind::Tar, {
            { "l1", Member::Symlink, {}, "l2/../.." },
            { "l2", Member::Symlink, {}, "." },
            { "l1/outside/victim", Member::File, "pwned\n", {} },
            { "h", Member::Hardlink, {}, "l1/outside/profile" },
            { "planted/evil", Member::File, "pwned\n", {} },
            { ".export_log.jsonl", Member::File, "{}\n", {} },
            { "good/result.jsonl", Member::File, "{\"ok\": 1}\n", {} },
        }));
        QFile tarFile(tarPath);
        QVERIFY(tarFile.open(QIODevice::ReadOnly));
        QVERIFY(m_env.seedFile(QStringLiteral("chain"), QStringLiteral("results.tar"), tarFile.readAll()));
        Scene s;
        QVERIFY(QFile::link(s.outside, s.target + QStringLiteral("/planted")));
        const QMap<QString, QByteArray> before = fingerprint(s.base.path(), s.target);
        QProcess cli;
        cli.setProcessEnvironment(cliEnvironment(m_dataDir.path() + QStringLiteral("/cli-chain")));
        cli.start(cliPath(), { QStringLiteral("data-staging"), QStringLiteral("export-batch"), QStringLiteral("-b"),
                               QStringLiteral("chain"), QStringLiteral("-t"), s.target, QStringLiteral("--json") });
        QVERIFY(cli.waitForFinished(120000));
        QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());
        const QJsonObject summary = QJsonDocument::fromJson(cli.readAllStandardOutput()).object();
        QCOMPARE(summary.value(QStringLiteral("refusedEntries")).toArray().size(), 6);
        QCOMPARE(fingerprint(s.base.path(), s.target), before);
        QCOMPARE(fileSha256(s.target + QStringLiteral("/good/result.jsonl")), sha256("{\"ok\": 1}\n"));
        ExportLog log(s.target);
        QVERIFY(log.load());
        QVERIFY(log.problems().isEmpty());   // the archive's fake log line did not land in ours
        QCOMPARE(log.entries().size(), 1);
    }

    void cleanupTestCase() { m_env.stop(); }
};

QTEST_GUILESS_MAIN(TstHostileExports)
#include "tst_hostileexports.moc"
