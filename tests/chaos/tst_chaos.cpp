// The crash-consistency driver (issue 14, "Deliver" 3 and 6): the real batchdeck-cli against the
// real batchdeck-sandbox with ~10 % faults on every route (ChaosHarness.h), killed with SIGKILL at
// random instants of
//   (a) a sharded ingest (create-batch-of-images, 800 images = 4 tar shards) and a simple-upload
//       ingest (24 images),
//   (b) the export of a staged batch,
//   (c) the export of a job's output (process-images-with-workflow, watch-job, export-batch --job-id);
// after the kills the same command is run again until it exits 0 (bounded), then:
//   every file is on the service exactly once (D3 count, D5 names, D6 shard object counts), and an
//   export tree is sha256-identical to the expected one (the source images; for a job's output, a
//   fault-free export from a sandbox restarted without faults), with no stray .part files.
// The seed is printed; CHAOS_SEED=<n> replays a run (kill instants and the fault plan's draws;
// thread timing still varies). CHAOS_KILLS sets the number of SIGKILL points (CI: 24, bench: 220),
// shared 6:4:5:9 by the sharded ingest, the simple upload, the staged export (the slowest) and the
// job-output export.
#include "ChaosHarness.h"

#include "sandbox/DemoMedia.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

using namespace chaos;

class TestChaos : public QObject
{
    Q_OBJECT

private:
    quint64 m_seed = 0;
    QRandomGenerator m_rng;
    QTemporaryDir m_tmp;
    SandboxProcess m_sandbox;
    int m_killTarget = 24;
    int m_within = 400;
    // Figures for the summary line.
    int m_kills = 0, m_missed = 0, m_failedCompletions = 0, m_rounds = 0;
    QMap<QString, int> m_killsByPhase;

    QString path(const QString &rel) const { return m_tmp.filePath(rel); }

    bool startSandbox(bool faults, quint64 planSeed)
    {
        QString faultsFile;
        if (faults) {
            faultsFile = path(QStringLiteral("faults.json"));
            QFile f(faultsFile);
            if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
                return false;
            f.write(QJsonDocument(faultPlan(planSeed, m_within)).toJson());
        }
        QString error;
        const bool ok = m_sandbox.start(path(QStringLiteral("sandbox")), faultsFile, 400, &error);
        if (!ok)
            qWarning("%s", qPrintable(error));
        return ok;
    }

    QProcessEnvironment cliEnvironment() const
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("ROBOFLOW_API_KEY"), kKey);   // the key goes in the environment, never argv
        env.remove(QStringLiteral("API_BASE_URL"));
        env.insert(QStringLiteral("BATCHDECK_DATA_DIR"), path(QStringLiteral("cli-data")));
        env.insert(QStringLiteral("BATCHDECK_CONFIG_FILE"), path(QStringLiteral("cli-config/batchdeck.ini")));
        env.insert(QStringLiteral("HOME"), path(QStringLiteral("home")));
        env.insert(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"), QStringLiteral("unix:path=/nonexistent/bus"));
        return env;
    }

    // Runs the CLI; with killAfterMs >= 0 it is SIGKILLed at that instant unless it ended first.
    CliRun runCli(const QStringList &args, int killAfterMs = -1, int timeoutMs = 300000)
    {
        QProcess p;
        p.setProcessEnvironment(cliEnvironment());
        QElapsedTimer clock;
        clock.start();
        p.start(binary("batchdeck-cli"), args + QStringList{ QStringLiteral("--api-url"), m_sandbox.apiUrl().toString() });
        CliRun run;
        if (!p.waitForStarted(10000)) {
            run.err = p.errorString();
            return run;
        }
        if (killAfterMs >= 0 && !p.waitForFinished(killAfterMs)) {
            ::kill(pid_t(p.processId()), SIGKILL);
            p.waitForFinished(10000);
            run.killed = true;
        } else if (killAfterMs < 0 && !p.waitForFinished(timeoutMs)) {
            p.kill();
            p.waitForFinished(5000);
            run.err = QStringLiteral("timed out after %1 ms; ").arg(timeoutMs);
        }
        run.elapsedMs = clock.elapsed();
        run.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        run.out = QString::fromUtf8(p.readAllStandardOutput());
        run.err += QString::fromUtf8(p.readAllStandardError());
        return run;
    }

    // Runs `args` until it exits 0 (at most 4 times); the failures are counted and printed.
    bool runToSuccess(const QStringList &args, CliRun *last = nullptr)
    {
        for (int attempt = 1; attempt <= 4; ++attempt) {
            const CliRun run = runCli(args);
            if (last)
                *last = run;
            if (run.exitCode == 0)
                return true;
            ++m_failedCompletions;
            qWarning("chaos (seed %llu): '%s' exited %d on completion attempt %d:\n%s", m_seed,
                     qPrintable(args.join(QLatin1Char(' '))), run.exitCode, attempt, qPrintable(run.err.right(1500)));
        }
        return false;
    }

    // Kills `args` up to `kills` times at random instants below `horizonMs`, then runs it to exit 0.
    // Returns the SIGKILLs delivered (a run that ends before its instant is not a kill point).
    // A first run that ends before its instant shows the fresh work is quicker than the horizon
    // (the calibration ran on a busier machine): the horizon shrinks to that run's duration.
    int killThenFinish(const QString &phase, const QStringList &args, int kills, int &horizonMs, bool *finished)
    {
        int delivered = 0;
        for (int tries = 0; delivered < kills && tries < kills * 3; ++tries) {
            const int at = 20 + int(m_rng.bounded(quint32(std::max(40, horizonMs))));
            const CliRun run = runCli(args, at);
            if (!run.killed) {
                ++m_missed;   // it ended before the instant: the work is done, later kills hit nothing new
                if (tries == 0 && run.exitCode == 0)
                    horizonMs = std::max(200, int(run.elapsedMs));
                break;
            }
            ++delivered;
            ++m_kills;
            ++m_killsByPhase[phase];
            qInfo("chaos: %s kill #%d at %d ms", qPrintable(phase), m_kills, at);
        }
        *finished = runToSuccess(args);
        return delivered;
    }

    QString makeImages(const QString &folder, int count)
    {
        const QString dir = path(folder);
        QDir().mkpath(dir);
        for (int i = 0; i < count; ++i) {
            const QString name = QStringLiteral("%1_%2.jpg").arg(folder).arg(i, 4, 10, QLatin1Char('0'));
            QFile f(dir + QLatin1Char('/') + name);
            if (!f.open(QIODevice::WriteOnly) || f.write(bd::sandbox::tinyJpeg(name)) <= 0)
                return {};
        }
        return dir;
    }

    // The batch holds exactly the files of `dir`, each once.
    void verifyExactlyOnce(const QString &batchId, const QString &dir, bool sharded)
    {
        const QStringList expected = QDir(dir).entryList(QDir::Files, QDir::Name);
        ApiProbe probe(m_sandbox.apiUrl());
        QString error;
        int count = -1;
        for (int i = 0; i < 100; ++i) {   // the CLI waited for indexing; settle the last 50 ms shard
            count = probe.get(QStringLiteral("batches/%1/count").arg(batchId), {}, &error).value(QStringLiteral("count")).toInt(-1);
            if (count >= expected.size())
                break;
            QTest::qWait(100);
        }
        QTest::qWait(300);   // a duplicate still indexing would land now
        count = probe.get(QStringLiteral("batches/%1/count").arg(batchId), {}, &error).value(QStringLiteral("count")).toInt(-1);
        QVERIFY2(count == expected.size(), qPrintable(QStringLiteral("seed %1: batch %2 counts %3 files, expected %4 %5")
                                                          .arg(m_seed).arg(batchId).arg(count).arg(expected.size()).arg(error)));
        QStringList names = probe.listNames(batchId, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        names.sort();
        QVERIFY2(names == expected, qPrintable(QStringLiteral("seed %1: batch %2 lists %3 names (%4 distinct), expected %5")
                                                   .arg(m_seed).arg(batchId).arg(names.size())
                                                   .arg(QSet<QString>(names.begin(), names.end()).size()).arg(expected.size())));
        if (sharded) {
            qint64 objects = 0;
            const QJsonObject shards = probe.get(QStringLiteral("batches/%1/shards").arg(batchId), QStringLiteral("pageSize=1000"), &error);
            for (const QJsonValue &v : shards.value(QStringLiteral("shards")).toArray())
                objects += v.toObject().value(QStringLiteral("shardObjectsCount")).toInteger();
            QVERIFY2(objects == expected.size(), qPrintable(QStringLiteral("seed %1: the shards of %2 carry %3 files, expected %4")
                                                               .arg(m_seed).arg(batchId).arg(objects).arg(expected.size())));
        }
    }

    void verifyTree(const QString &dir, const QMap<QString, QByteArray> &expected)
    {
        QStringList strays;
        const QMap<QString, QByteArray> actual = treeHashes(dir, &strays);
        QVERIFY2(strays.isEmpty(), qPrintable(QStringLiteral("seed %1: stray entries in %2: %3").arg(m_seed).arg(dir, strays.join(", "))));
        const QString diff = treeDiff(expected, actual);
        QVERIFY2(diff.isEmpty(), qPrintable(QStringLiteral("seed %1: %2: %3").arg(m_seed).arg(dir, diff)));
    }

    // Rounds of kills on fresh work until the phase has its share of kill points.
    template <class NewRound, class Verify>
    void killRounds(const QString &phase, int quota, int horizonMs, NewRound newRound, Verify verify)
    {
        int got = 0;
        for (int round = 0; got < quota && round < quota * 4; ++round) {
            const QStringList args = newRound(round);
            bool finished = false;
            got += killThenFinish(phase, args, std::min(3, quota - got), horizonMs, &finished);
            ++m_rounds;
            QVERIFY2(finished, qPrintable(QStringLiteral("seed %1: %2 never exited 0 after its kills").arg(m_seed).arg(phase)));
            verify(round);
            if (QTest::currentTestFailed())
                return;
        }
        QVERIFY2(got >= quota, qPrintable(QStringLiteral("seed %1: %2 got %3 of %4 kill points").arg(m_seed).arg(phase).arg(got).arg(quota)));
    }

    QMap<QString, QByteArray> sourceTree(const QString &dir) const
    {
        QMap<QString, QByteArray> tree;
        for (const QString &name : QDir(dir).entryList(QDir::Files))
            tree.insert(name, sandboxtest::fileSha256(dir + QLatin1Char('/') + name));
        return tree;
    }

    QString m_images, m_fewImages;
    int m_ingestMs = 1000, m_simpleMs = 500;

private Q_SLOTS:
    void initTestCase()
    {
        if (!QFileInfo(binary("batchdeck-cli")).isExecutable() || !QFileInfo(binary("batchdeck-sandbox")).isExecutable())
            QFAIL("batchdeck-cli and batchdeck-sandbox must be built (BATCHDECK_BIN_DIR)");
        bool ok = false;
        m_seed = qEnvironmentVariable("CHAOS_SEED").toULongLong(&ok);
        if (!ok)
            m_seed = quint64(QDateTime::currentMSecsSinceEpoch()) ^ (quint64(QCoreApplication::applicationPid()) << 32);
        const int kills = qEnvironmentVariableIntValue("CHAOS_KILLS", &ok);
        if (ok && kills > 0)
            m_killTarget = kills;
        m_within = std::max(400, m_killTarget * 40);
        m_rng.seed(quint32(m_seed ^ (m_seed >> 32)));
        qInfo("chaos: seed %llu (replay with CHAOS_SEED=%llu), %d SIGKILL points, faults within the first %d requests "
              "of every route", m_seed, m_seed, m_killTarget, m_within);
        QVERIFY(m_tmp.isValid());
        QVERIFY(startSandbox(true, m_seed));
        m_images = makeImages(QStringLiteral("many"), 800);
        m_fewImages = makeImages(QStringLiteral("few"), 24);
        QVERIFY(!m_images.isEmpty() && !m_fewImages.isEmpty());
    }

    // The calibration ingests (no kills) give the time horizons and the batches to export.
    void cleanIngestsUnderFaults()
    {
        CliRun run;
        QVERIFY(runToSuccess({ "data-staging", "create-batch-of-images", "-b", "chaos-source", "--images-dir", m_images }, &run));
        m_ingestMs = int(run.elapsedMs);
        verifyExactlyOnce(QStringLiteral("chaos-source"), m_images, true);
        QVERIFY(runToSuccess({ "data-staging", "create-batch-of-images", "-b", "chaos-few", "--images-dir", m_fewImages }, &run));
        m_simpleMs = int(run.elapsedMs);
        verifyExactlyOnce(QStringLiteral("chaos-few"), m_fewImages, false);
        qInfo("chaos: clean ingests took %d ms (800 images) and %d ms (24 images)", m_ingestMs, m_simpleMs);
    }

    void shardedIngestSurvivesKills()
    {
        killRounds(QStringLiteral("sharded-ingest"), std::max(1, m_killTarget * 6 / 24), m_ingestMs,
                   [this](int round) {
                       return QStringList{ "data-staging", "create-batch-of-images", "-b",
                                           QStringLiteral("chaos-ingest-%1").arg(round), "--images-dir", m_images };
                   },
                   [this](int round) { verifyExactlyOnce(QStringLiteral("chaos-ingest-%1").arg(round), m_images, true); });
    }

    void simpleUploadSurvivesKills()
    {
        killRounds(QStringLiteral("simple-upload"), std::max(1, m_killTarget * 4 / 24), m_simpleMs,
                   [this](int round) {
                       return QStringList{ "data-staging", "create-batch-of-images", "-b",
                                           QStringLiteral("chaos-simple-%1").arg(round), "--images-dir", m_fewImages };
                   },
                   [this](int round) { verifyExactlyOnce(QStringLiteral("chaos-simple-%1").arg(round), m_fewImages, false); });
    }

    void stagedExportSurvivesKills()
    {
        const QMap<QString, QByteArray> expected = sourceTree(m_images);
        CliRun run;
        const QString clean = path(QStringLiteral("export-clean"));
        QVERIFY(runToSuccess({ "data-staging", "export-batch", "-b", "chaos-source", "-t", clean }, &run));
        verifyTree(clean, expected);
        const int horizon = int(run.elapsedMs);
        qInfo("chaos: a clean export of 800 files took %d ms", horizon);
        killRounds(QStringLiteral("staged-export"), std::max(1, m_killTarget * 5 / 24), horizon,
                   [this](int round) {
                       return QStringList{ "data-staging", "export-batch", "-b", "chaos-source", "-t",
                                           path(QStringLiteral("export-%1").arg(round)) };
                   },
                   [this, &expected](int round) { verifyTree(path(QStringLiteral("export-%1").arg(round)), expected); });
    }

    void jobOutputExportSurvivesKills()
    {
        QVERIFY(runToSuccess({ "batch-processing", "process-images-with-workflow", "-b", "chaos-source", "-w", "wf-chaos",
                               "-j", "chaos-job" }));   // B3 with the same definition is idempotent
        QVERIFY(runToSuccess({ "batch-processing", "watch-job", "-j", "chaos-job", "--interval", "0.5" }));

        // The expected tree: a fault-free export from the same state (the sandbox restarted without faults).
        QVERIFY(m_sandbox.stop());
        QVERIFY(startSandbox(false, 0));
        CliRun run;
        const QString reference = path(QStringLiteral("job-reference"));
        QVERIFY(runToSuccess({ "data-staging", "export-batch", "--job-id", "chaos-job", "-t", reference }, &run));
        QStringList strays;
        const QMap<QString, QByteArray> expected = treeHashes(reference, &strays);
        QVERIFY2(strays.isEmpty(), qPrintable(strays.join(", ")));
        QVERIFY2(expected.size() > 1, qPrintable(QStringLiteral("the job's export holds %1 files").arg(expected.size())));
        const int horizon = int(run.elapsedMs);
        qInfo("chaos: a fault-free export of the job's output (%lld files) took %d ms", qlonglong(expected.size()), horizon);
        QVERIFY(m_sandbox.stop());
        QVERIFY(startSandbox(true, m_seed + 1));

        killRounds(QStringLiteral("job-export"), std::max(1, m_killTarget - m_kills), horizon,
                   [this](int round) {
                       return QStringList{ "data-staging", "export-batch", "--job-id", "chaos-job", "-t",
                                           path(QStringLiteral("job-export-%1").arg(round)) };
                   },
                   [this, &expected](int round) { verifyTree(path(QStringLiteral("job-export-%1").arg(round)), expected); });
    }

    void cleanupTestCase()
    {
        QStringList phases;
        for (auto it = m_killsByPhase.begin(); it != m_killsByPhase.end(); ++it)
            phases << QStringLiteral("%1 %2").arg(it.key()).arg(it.value());
        qInfo("chaos summary: seed %llu, %d SIGKILL points survived (%s) in %d rounds, %d runs ended before their kill "
              "instant, %d completion runs exited non-zero, ~10 %% faults on every route within the first %d requests",
              m_seed, m_kills, qPrintable(phases.join(QStringLiteral(", "))), m_rounds, m_missed, m_failedCompletions, m_within);
        m_sandbox.stop();
    }
};

// QtTest's watchdog stops a test function after 5 minutes; a bench phase runs longer (CTest's
// TIMEOUT still bounds the whole run).
int main(int argc, char **argv)
{
    if (!qEnvironmentVariableIsSet("QTEST_FUNCTION_TIMEOUT"))
        qputenv("QTEST_FUNCTION_TIMEOUT", "3600000");
    QCoreApplication app(argc, argv);
    TestChaos test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}
#include "tst_chaos.moc"
