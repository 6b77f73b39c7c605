// The pipelined export of a real job's output (issue 15): a job over 400 staged images in the
// embedded sandbox produces 50 processing results files (part "results") and 50 .tar.gz archives
// in 13 parts of its export stage; `export --job-id --all-stages` lists the parts concurrently,
// downloads from the first page on and extracts on the shared pool.
//  - under a seeded fault plan on every route the export uses (429 with Retry-After, 503, cut
//    bodies, malformed listings, expired signed URLs) it still ends with the fault-free tree, every
//    listed file exactly once in each batch's .export_log.jsonl, and no leftovers;
//  - killed with SIGKILL at seeded instants (batchdeck-cli), the same command finishes with the
//    same tree and exactly one log line per file (the grouped fsync loses nothing on a kill).
// Not timed: figures belong to bench_export.
#include "ExportFixture.h"
#include "exports/ExportLog.h"
#include "jobs/JobSpecWorkflow.h"
#include "sandbox/DemoMedia.h"

#include <QDirIterator>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>

using namespace bd;
using namespace exporttest;

namespace {
const QString kJob = QStringLiteral("job-output-export");
const QString kInputBatch = QStringLiteral("job-output-input");
constexpr int kImages = 400;   // 8 per task: 50 tasks, 50 archives in 13 parts
}

class TstExportJobOutput : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_dataDir;
    sandboxtest::SandboxEnv m_env;
    QMap<QString, QByteArray> m_expected;   // the fault-free tree
    int m_listedFiles = 0;

    QString cliPath() const { return sandboxtest::cliPath(); }

    QProcessEnvironment cliEnvironment(const QString &dataDir) const
    {
        return sandboxtest::cliEnvironment(m_env.sandbox->apiUrl(), dataDir);
    }

    // Relative path -> sha256 of every file below dir (logs apart: their URLs are signed per listing).
    static QMap<QString, QByteArray> tree(const QString &dir)
    {
        QMap<QString, QByteArray> out;
        QDirIterator it(dir, QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString p = it.next();
            if (it.fileName() != ExportLog::fileName())
                out.insert(QDir(dir).relativeFilePath(p), fileSha256(p));
        }
        return out;
    }

    // Every batch folder's log: each identity key exactly once, and as many keys as files listed.
    static bool logsHoldEveryFileOnce(const QString &target, int listed, QString *why)
    {
        int keys = 0;
        for (const QFileInfo &batchDir : QDir(target).entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot)) {
            QFile f(batchDir.filePath() + QLatin1Char('/') + ExportLog::fileName());
            if (!f.open(QIODevice::ReadOnly)) {
                *why = QStringLiteral("no log in %1").arg(batchDir.fileName());
                return false;
            }
            QSet<QString> seen;
            for (const QByteArray &line : f.readAll().split('\n')) {
                if (line.trimmed().isEmpty())
                    continue;
                ExportLog::Entry entry;
                QString problem;
                if (!ExportLog::decodeLine(line, &entry, &problem)) {
                    *why = QStringLiteral("bad line in %1: %2").arg(batchDir.fileName(), problem);
                    return false;
                }
                const QString key = entry.file.identityKey();
                if (seen.contains(key)) {
                    *why = QStringLiteral("%1 logged twice in %2").arg(key, batchDir.fileName());
                    return false;
                }
                seen.insert(key);
            }
            keys += int(seen.size());
        }
        if (keys != listed) {
            *why = QStringLiteral("%1 log lines for %2 listed files").arg(keys).arg(listed);
            return false;
        }
        return true;
    }

    static ExportOptions jobOptions(const QString &target)
    {
        ExportOptions o;
        o.jobId = kJob;
        o.allStages = true;
        o.targetDir = target;
        o.concurrency = 8;
        o.backoffBaseMs = 20;
        o.maxAttempts = 12;
        return o;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dataDir.isValid());
        qputenv("BATCHDECK_DATA_DIR", m_dataDir.path().toUtf8());
        sandbox::SandboxOptions options;
        options.timeScale = 2000;   // the job's ~3 simulated minutes in a few tenths of a second
        QString error;
        QVERIFY2(m_env.start(options, 20, &error), qPrintable(error));

        // The input batch: 400 tiny distinct JPEGs through D7.
        QTemporaryDir images;
        for (int i = 0; i < kImages; ++i) {
            const QString path = images.filePath(QStringLiteral("img-%1.jpg").arg(i, 4, 10, QLatin1Char('0')));
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(sandbox::tinyJpeg(QStringLiteral("job output %1").arg(i)));
            f.close();
            std::unique_ptr<api::UploadImageCall> upload(m_env.api->uploadImage(kInputBatch, path));
            QVERIFY2(upload->exec(), qPrintable(upload->error().fullText()));
        }

        jobs::WorkflowJobSpec spec;
        spec.batchId = kInputBatch;
        spec.workspace = QStringLiteral("sandbox-ws");
        spec.workflowId = QStringLiteral("detect-things");
        spec.maxParallelTasks = 50;
        std::unique_ptr<api::CreateJobCall> create(m_env.api->createJob(kJob, QString(), spec.toWireJson()));
        QVERIFY2(create->exec(), qPrintable(create->error().fullText()));

        QElapsedTimer clock;
        clock.start();
        bool terminal = false;
        while (!terminal && clock.elapsed() < 120000) {
            QTest::qWait(200);
            std::unique_ptr<api::GetJobCall> job(m_env.api->getJob(kJob));
            QVERIFY(job->exec());
            terminal = job->result().isTerminal;
            QVERIFY2(!job->result().error, "the sandbox job failed");
        }
        QVERIFY2(terminal, "the sandbox job did not finish in 2 minutes");

        // The reference tree: a fault-free export.
        QTemporaryDir target;
        ExportOperation op(m_env.api.get(), jobOptions(target.path()));
        op.start();
        QVERIFY(waitFinished(&op));
        QVERIFY2(!op.error(), qPrintable(op.error().fullText()));
        QCOMPARE(op.summary().extracted, kImages / 8);
        QCOMPARE(op.targetFolders().size(), 2);   // processing results + export archives
        for (const QString &folder : op.targetFolders())
            QVERIFY2(QFileInfo(folder).isDir() && QFileInfo(folder).path() == QDir::cleanPath(target.path()),
                     qPrintable(folder));   // <target>/<batchId>: the one layout
        m_listedFiles = op.summary().planned;
        QCOMPARE(m_listedFiles, kImages / 8 * 2);
        m_expected = tree(target.path());
        QCOMPARE(m_expected.size(), kImages / 8 * 2);   // 50 results files + 50 extracted members
        QString why;
        QVERIFY2(logsHoldEveryFileOnce(target.path(), m_listedFiles, &why), qPrintable(why));
    }

    void faultsOnEveryRouteStillGiveEveryFileExactlyOnce()
    {
        QTemporaryDir target;
        m_env.sandbox->setFaultPlan(QJsonDocument::fromJson(R"({"seed": 15, "rules": [
            {"route": "B4", "action": "status", "status": 503, "times": 1},
            {"route": "D2", "action": "status", "status": 503, "probability": 0.3},
            {"route": "D4", "action": "malformed-json", "probability": 0.3},
            {"route": "D3", "action": "html", "status": 502, "probability": 0.2},
            {"route": "D5", "action": "status", "status": 429, "retryAfter": 1, "times": 2},
            {"route": "D5", "action": "cut", "probability": 0.15},
            {"route": "D5", "action": "status", "status": 503, "probability": 0.15},
            {"route": "S2", "action": "expire-url", "probability": 0.08},
            {"route": "S2", "action": "cut", "probability": 0.1},
            {"route": "S2", "action": "status", "status": 503, "probability": 0.1},
            {"route": "S2", "action": "status", "status": 429, "retryAfter": 1, "times": 3}
        ]})").object());
        ExportOperation op(m_env.api.get(), jobOptions(target.path()));
        op.start();
        QVERIFY(waitFinished(&op));
        m_env.sandbox->setFaultPlan({});
        QVERIFY2(!op.error(), qPrintable(op.error().fullText() + QLatin1Char('\n') + op.summary().toText()));
        QCOMPARE(op.summary().planned, m_listedFiles);
        QCOMPARE(op.summary().downloaded, m_listedFiles);
        QVERIFY2(op.summary().urlRefreshes > 0, "no expired URL was met: the plan did not bite");
        QCOMPARE(tree(target.path()), m_expected);
        QString why;
        QVERIFY2(logsHoldEveryFileOnce(target.path(), m_listedFiles, &why), qPrintable(why));
        qInfo("under faults: %d URL refreshes, %d resumed with Range", op.summary().urlRefreshes, op.summary().resumed);
    }

    void sigkillAtSeededInstantsThenTheSameCommandFinishesExactlyOnce()
    {
        if (!QFileInfo::exists(cliPath()))
            QSKIP("batchdeck-cli is not built");
        bool ok = false;
        const int seedEnv = qEnvironmentVariableIntValue("BD_KILL_SEED", &ok);
        const quint32 seed = ok && seedEnv > 0 ? quint32(seedEnv) : QRandomGenerator::global()->bounded(1u, 1u << 30);
        qInfo("kill seed %u (BD_KILL_SEED=%u replays)", seed, seed);
        QRandomGenerator random(seed);
        const QStringList baseArgs{ QStringLiteral("data-staging"), QStringLiteral("export-batch"), QStringLiteral("--job-id"),
                                    kJob, QStringLiteral("--all-stages"), QStringLiteral("--json") };

        // Instants are drawn over an uninterrupted run, measured here.
        int runMs = 1000;
        {
            QTemporaryDir work;
            QProcess clean;
            clean.setProcessEnvironment(cliEnvironment(work.filePath(QStringLiteral("data"))));
            QElapsedTimer clock;
            clock.start();
            clean.start(cliPath(), baseArgs + QStringList{ QStringLiteral("-t"), work.filePath(QStringLiteral("target")) });
            QVERIFY(clean.waitForFinished(300000));
            QVERIFY2(clean.exitCode() == 0, clean.readAllStandardError().constData());
            runMs = int(qMax<qint64>(50, clock.elapsed()));
            QCOMPARE(tree(work.filePath(QStringLiteral("target"))), m_expected);
        }
        int killed = 0;
        for (int point = 0; point < 4; ++point) {
            QTemporaryDir work;
            const QString target = work.filePath(QStringLiteral("target"));
            const QStringList args = baseArgs + QStringList{ QStringLiteral("-t"), target };
            const QProcessEnvironment env = cliEnvironment(work.filePath(QStringLiteral("data")));
            const int killAfterMs = int(random.bounded(runMs));
            QProcess first;
            first.setProcessEnvironment(env);
            first.start(cliPath(), args);
            QVERIFY(first.waitForStarted());
            QTest::qWait(killAfterMs);
            if (first.state() == QProcess::Running) {
                ::kill(pid_t(first.processId()), SIGKILL);
                ++killed;
            }
            QVERIFY(first.state() == QProcess::NotRunning || first.waitForFinished(30000));

            QProcess again;
            again.setProcessEnvironment(env);
            again.start(cliPath(), args);
            QVERIFY(again.waitForFinished(300000));
            QVERIFY2(again.exitStatus() == QProcess::NormalExit && again.exitCode() == 0,
                     qPrintable(QStringLiteral("seed %1, point %2 (killed after %3 ms): %4")
                                    .arg(seed).arg(point).arg(killAfterMs)
                                    .arg(QString::fromLocal8Bit(again.readAllStandardError()))));
            QCOMPARE(tree(target), m_expected);
            QString why;
            QVERIFY2(logsHoldEveryFileOnce(target, m_listedFiles, &why),
                     qPrintable(QStringLiteral("seed %1, point %2: %3").arg(seed).arg(point).arg(why)));
        }
        qInfo("%d of 4 runs killed mid-export; an uninterrupted run takes %d ms", killed, runMs);
    }

    void cleanupTestCase() { m_env.stop(); }
};

QTEST_GUILESS_MAIN(TstExportJobOutput)
#include "tst_exportjoboutput.moc"
