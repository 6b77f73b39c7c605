// batchdeck-cli's export-batch against the embedded sandbox over loopback, and the export log
// shared with Roboflow's Python CLI: a read-only target, --part-name / --override-existing, a
// process killed with SIGKILL mid-file that resumes with Range, and .export_log.jsonl written or
// read by the reference CLI's logic.
#include "ExportFixture.h"

#include "exports/ExportLog.h"
#include "exports/ExportOperation.h"

#include <QJsonDocument>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>
#include <unistd.h>

using namespace bd;
using namespace exporttest;

namespace {

// The reference CLI's resume check (inference's DataExportLog), written again in Python: every
// non-blank line through json.loads, key "<fileName>-<partName>-<shardId>" with None rendered as
// "None", done when local_path exists. Prints one line per key it considers exported.
const char kPythonLogReader[] = R"(
import json, os, sys
done = []
with open(os.path.join(sys.argv[1], ".export_log.jsonl")) as f:
    for line in f.readlines():
        if len(line.strip()) == 0:
            continue
        entry = json.loads(line)
        assert set(entry) == {"file_metadata", "local_path"}, entry
        meta = entry["file_metadata"]
        assert set(meta) == {"downloadURL", "fileName", "partName", "shardId", "contentType", "nestedContentType"}, meta
        if os.path.exists(entry["local_path"]):
            done.append(f"{meta['fileName']}-{meta['partName']}-{meta['shardId']}")
print("\n".join(sorted(done)))
)";

}  // namespace

class TstExportCli : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_dataDir;
    Env m_env;

    QString cliPath() const { return qEnvironmentVariable("BATCHDECK_BIN_DIR") + QStringLiteral("/batchdeck-cli"); }

    QProcessEnvironment cliEnvironment() const
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("ROBOFLOW_API_KEY"), QStringLiteral("sandbox-key"));
        env.insert(QStringLiteral("API_BASE_URL"), m_env.sandbox->apiUrl().toString());
        env.insert(QStringLiteral("BATCHDECK_DATA_DIR"), m_dataDir.path() + QStringLiteral("/cli"));
        return env;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dataDir.isValid());
        QString error;
        QVERIFY2(m_env.start(m_dataDir.path(), &error), qPrintable(error));
    }

    // A read-only target folder: the export stops with a message naming the path. Root writes
    // anywhere, so as root the CLI runs without CAP_DAC_OVERRIDE (setpriv), like a normal user.
    void readOnlyTargetGivesAClearError()
    {
        if (!QFileInfo::exists(cliPath()))
            QSKIP("batchdeck-cli is not built");
        QStringList command{ cliPath() };
        if (::geteuid() == 0) {
            const QString setpriv = QStandardPaths::findExecutable(QStringLiteral("setpriv"));
            if (setpriv.isEmpty())
                QSKIP("running as root without setpriv: cannot make a folder read-only for this process");
            command = QStringList{ setpriv, QStringLiteral("--inh-caps=-dac_override,-dac_read_search"),
                                   QStringLiteral("--bounding-set=-dac_override,-dac_read_search"), cliPath() };
        }
        QVERIFY(m_env.seedFile(QStringLiteral("readonly"), QStringLiteral("clip.mp4"), patternBytes(200 * 1024, 3)));
        QTemporaryDir base;
        const QString target = base.path() + QStringLiteral("/results");
        QVERIFY(QDir().mkpath(target));
        QVERIFY(QFile::setPermissions(target, QFile::ReadOwner | QFile::ExeOwner | QFile::ReadGroup | QFile::ExeGroup
                                                  | QFile::ReadOther | QFile::ExeOther));
        QProcess cli;
        cli.setProcessEnvironment(cliEnvironment());
        cli.start(command.takeFirst(), command + QStringList{ QStringLiteral("data-staging"), QStringLiteral("export-batch"),
                                                             QStringLiteral("-b"), QStringLiteral("readonly"),
                                                             QStringLiteral("-t"), target });
        QVERIFY(cli.waitForFinished(60000));
        const QString err = QString::fromUtf8(cli.readAllStandardError());
        QFile::setPermissions(target, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        QCOMPARE(cli.exitCode(), 1);
        QVERIFY2(err.contains(QStringLiteral("Command failed")), qPrintable(err));
        QVERIFY2(err.contains(target), qPrintable(err));
        QVERIFY2(err.contains(QStringLiteral("Permission denied")), qPrintable(err));
        QVERIFY(QDir(target).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot).isEmpty());
    }

    // .export_log.jsonl both ways (spec §8.3): an export the reference CLI started (its log line,
    // byte for byte as Python writes it) is continued without fetching that file again, and the
    // log Batchdeck leaves behind is read by the reference CLI's resume logic (run in Python).
    void exportLogInteropWithTheReferenceCli()
    {
        const QStringList names{ QStringLiteral("a.csv"), QStringLiteral("b.csv"), QStringLiteral("c.csv") };
        for (int i = 0; i < names.size(); ++i)
            QVERIFY(m_env.seedFile(QStringLiteral("interop"), names.at(i), patternBytes(40 * 1024, 50 + i)));
        QTemporaryDir target;
        // Python finished a.csv: its bytes on disk (recognisable) and its log line.
        const QString aPath = target.path() + QStringLiteral("/a.csv");
        {
            QFile a(aPath);
            QVERIFY(a.open(QIODevice::WriteOnly));
            a.write("written by the reference CLI\n");
            QFile log(target.path() + QStringLiteral("/.export_log.jsonl"));
            QVERIFY(log.open(QIODevice::WriteOnly));
            log.write("{\"file_metadata\": {\"downloadURL\": \"https://storage.example/expired\", \"fileName\": "
                      "\"a.csv\", \"partName\": null, \"shardId\": null, \"contentType\": \"video/mp4\", "
                      "\"nestedContentType\": null}, \"local_path\": \"" + aPath.toUtf8() + "\"}\n");
        }
        const int s2Before = m_env.sandbox->requestCount(QStringLiteral("S2"));
        ExportOptions o = batchOptions(QStringLiteral("interop"), target.path());
        o.useJournal = false;   // only the log may tell what is done
        ExportOperation op(m_env.api.get(), o);
        op.start();
        QVERIFY(waitFinished(&op));
        QVERIFY2(!op.error(), qPrintable(op.error().fullText()));
        QCOMPARE(op.summary().skipped, 1);
        QCOMPARE(op.summary().downloaded, 2);
        QCOMPARE(m_env.sandbox->requestCount(QStringLiteral("S2")), s2Before + 2);
        QCOMPARE(fileSha256(aPath), sha256("written by the reference CLI\n"));
        QCOMPARE(fileSha256(target.path() + QStringLiteral("/c.csv")), sha256(patternBytes(40 * 1024, 52)));

        const QString python = QStandardPaths::findExecutable(QStringLiteral("python3"));
        if (python.isEmpty())
            QSKIP("python3 is not installed: the reference CLI's reading of our log is not checked");
        QProcess reader;
        reader.start(python, { QStringLiteral("-c"), QString::fromLatin1(kPythonLogReader), target.path() });
        QVERIFY(reader.waitForFinished(30000));
        QVERIFY2(reader.exitCode() == 0, reader.readAllStandardError().constData());
        QCOMPARE(QString::fromUtf8(reader.readAllStandardOutput()).trimmed().split(QLatin1Char('\n')),
                 QStringList({ QStringLiteral("a.csv-None-None"), QStringLiteral("b.csv-None-None"),
                               QStringLiteral("c.csv-None-None") }));
    }

    // export-batch with the rf-cloud flags through the real CLI: --part-name limits the export
    // to that part's folder, a second run skips everything (no GET), --override-existing fetches
    // every file again.
    void cliPartNameAndOverrideExisting()
    {
        if (!QFileInfo::exists(cliPath()))
            QSKIP("batchdeck-cli is not built");
        QTemporaryDir target;
        auto run = [&](const QStringList &extra) {
            QProcess cli;
            cli.setProcessEnvironment(cliEnvironment());
            cli.start(cliPath(), QStringList{ QStringLiteral("--json"), QStringLiteral("data-staging"),
                                              QStringLiteral("export-batch"), QStringLiteral("--batch-id"),
                                              QStringLiteral("demo-finished-export-out"), QStringLiteral("--target-dir"),
                                              target.path(), QStringLiteral("--part-name"), QStringLiteral("archives-1") }
                                     + extra);
            if (!cli.waitForFinished(120000) || cli.exitCode() != 0)
                qWarning("export-batch failed: %s", cli.readAllStandardError().constData());
            return QJsonDocument::fromJson(cli.readAllStandardOutput()).object();
        };
        const QJsonObject first = run({});
        const int planned = first.value(QStringLiteral("planned")).toInt();
        QVERIFY(planned > 0);
        QCOMPARE(first.value(QStringLiteral("downloaded")).toInt(), planned);
        QCOMPARE(QDir(target.path()).entryList(QDir::Dirs | QDir::NoDotAndDotDot), QStringList{ QStringLiteral("archives-1") });
        QVERIFY(!QDir(target.path() + QStringLiteral("/archives-1")).isEmpty());

        const int s2Before = m_env.sandbox->requestCount(QStringLiteral("S2"));
        const QJsonObject again = run({});
        QCOMPARE(again.value(QStringLiteral("skipped")).toInt(), planned);
        QCOMPARE(again.value(QStringLiteral("downloaded")).toInt(), 0);
        QCOMPARE(m_env.sandbox->requestCount(QStringLiteral("S2")), s2Before);

        const QJsonObject forced = run({ QStringLiteral("--override-existing") });
        QCOMPARE(forced.value(QStringLiteral("skipped")).toInt(), 0);
        QCOMPARE(forced.value(QStringLiteral("downloaded")).toInt(), planned);
        QCOMPARE(m_env.sandbox->requestCount(QStringLiteral("S2")), s2Before + planned);
    }

    void killedCliResumesWithRange()
    {
        if (!QFileInfo::exists(cliPath()))
            QSKIP("batchdeck-cli is not built");
        const QByteArray original = patternBytes(24 * 1024 * 1024, 99);
        QVERIFY(m_env.seedFile(QStringLiteral("killme"), QStringLiteral("movie.mp4"), original));
        QTemporaryDir target;
        const QString partPath = target.path() + QStringLiteral("/movie.mp4.part");
        // The first GET is cut after half the body; the retry (a Range request) is held by the
        // server for a while: the process is killed with those bytes on disk.
        m_env.sandbox->setFaultPlan(QJsonDocument::fromJson(R"({"rules": [
            {"route": "S2", "action": "cut", "times": 1},
            {"route": "S2", "delayMs": 20000, "times": 1}
        ]})").object());
        const QStringList args{ QStringLiteral("data-staging"), QStringLiteral("export-batch"), QStringLiteral("-b"),
                                QStringLiteral("killme"), QStringLiteral("-t"), target.path(), QStringLiteral("--json") };
        QProcess first;
        first.setProcessEnvironment(cliEnvironment());
        first.start(cliPath(), args);
        QVERIFY(first.waitForStarted());
        QElapsedTimer clock;
        clock.start();
        while (QFileInfo(partPath).size() < original.size() / 4 && clock.elapsed() < 60000
               && first.state() == QProcess::Running)
            QTest::qWait(20);
        QVERIFY2(first.state() == QProcess::Running, first.readAllStandardError().constData());
        ::kill(pid_t(first.processId()), SIGKILL);
        QVERIFY(first.waitForFinished(10000));
        const qint64 partBytes = QFileInfo(partPath).size();
        QVERIFY(partBytes > 0 && partBytes < original.size());
        QVERIFY(!QFileInfo::exists(target.path() + QStringLiteral("/movie.mp4")));
        m_env.sandbox->setFaultPlan({});

        const int s2Before = m_env.sandbox->requestCount(QStringLiteral("S2"));
        QProcess second;
        second.setProcessEnvironment(cliEnvironment());
        second.start(cliPath(), args);
        QVERIFY(second.waitForFinished(120000));
        QVERIFY2(second.exitCode() == 0, second.readAllStandardError().constData());
        const QJsonObject summary = QJsonDocument::fromJson(second.readAllStandardOutput()).object();
        QCOMPARE(summary.value(QStringLiteral("downloaded")).toInt(), 1);
        QCOMPARE(summary.value(QStringLiteral("resumed")).toInt(), 1);
        QCOMPARE(m_env.sandbox->requestCount(QStringLiteral("S2")), s2Before + 1);
        QCOMPARE(fileSha256(target.path() + QStringLiteral("/movie.mp4")), sha256(original));
        QVERIFY(!QFileInfo::exists(partPath));

        ExportLog log(target.path());
        QVERIFY(log.load());
        QVERIFY(log.isDone(QStringLiteral("movie.mp4-None-None")));
    }

    void cleanupTestCase() { m_env.stop(); }
};

QTEST_GUILESS_MAIN(TstExportCli)
#include "tst_exportcli.moc"
