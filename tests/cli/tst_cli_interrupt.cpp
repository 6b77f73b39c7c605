// Ctrl-C / SIGTERM in batchdeck-cli: the real binary against an embedded sandbox over loopback.
//  - an ingest slowed by a fault plan (every S1 PUT held 400 ms) gets SIGINT mid-upload: it stops
//    within seconds, prints "Command interrupted." and exits 2 (rf-cloud's code for
//    create-batch-of-images); the same command run again resumes the same ingest and ends with
//    every file in the batch exactly once (shard object counts add up to the file count);
//  - a short request held by the server gets the signal: it exits at once with the reference
//    CLI's code for that command (2, 1 or 0) and the same message.
#include "sandbox/DemoMedia.h"
#include "sandbox/Sandbox.h"
#include "sandbox/SandboxHttp.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace bd::sandbox::testing;

class TestCliInterrupt : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<bd::sandbox::Sandbox> m_sandbox;
    QTemporaryDir m_tmp;
    QString m_cli;

    void startCli(QProcess &p, const QStringList &args)
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("ROBOFLOW_API_KEY"), kKey);
        env.remove(QStringLiteral("API_BASE_URL"));
        env.insert(QStringLiteral("BATCHDECK_DATA_DIR"), m_tmp.filePath(QStringLiteral("data")));
        env.insert(QStringLiteral("HOME"), m_tmp.filePath(QStringLiteral("home")));
        env.insert(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"), QStringLiteral("unix:path=/nonexistent/bus"));
        p.setProcessEnvironment(env);
        p.start(m_cli, args + QStringList{ QStringLiteral("--api-url"), m_sandbox->apiUrl().toString() });
        QVERIFY2(p.waitForStarted(10000), qPrintable(p.errorString()));
    }

    QJsonObject get(const QString &tail, const QString &query = {})
    {
        auto client = clientFor(m_sandbox->apiUrl());
        return jsonOf(client.Get(stagingPath(tail, query)));
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_cli = qEnvironmentVariable("BATCHDECK_BIN_DIR") + QStringLiteral("/batchdeck-cli");
        if (!QFileInfo(m_cli).isExecutable())
            QSKIP("batchdeck-cli is not built");
        QVERIFY(m_tmp.isValid());
        bd::sandbox::SandboxOptions options;
        options.indexDelayMs = 100;
        m_sandbox = std::make_unique<bd::sandbox::Sandbox>(options);
        QString error;
        QVERIFY2(m_sandbox->start(&error), qPrintable(error));
    }

    void cleanup() { m_sandbox->setFaultPlan({}); }

    void sigintStopsIngestAndRerunResumesWithoutDuplicates()
    {
        const int files = 60;
        const QString dir = m_tmp.filePath(QStringLiteral("images"));
        QDir().mkpath(dir);
        for (int i = 0; i < files; ++i) {
            const QString name = QStringLiteral("img_%1.jpg").arg(i, 3, 10, QLatin1Char('0'));
            QFile f(dir + QLatin1Char('/') + name);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(bd::sandbox::tinyJpeg(name));   // unique per name
        }
        const QStringList args{ QStringLiteral("data-staging"), QStringLiteral("create-batch-of-images"),
                                QStringLiteral("-b"), QStringLiteral("intr-b"), QStringLiteral("--images-dir"), dir,
                                QStringLiteral("--shard-max-files"), QStringLiteral("5"),
                                QStringLiteral("--concurrency"), QStringLiteral("1"), QStringLiteral("--json") };

        // 12 shards, each PUT held 400 ms by the storage host: about 5 s of upload.
        m_sandbox->setFaultPlan(QJsonObject{ { "rules", QJsonArray{ QJsonObject{ { "route", "S1" }, { "delayMs", 400 } } } } });
        QProcess first;
        startCli(first, args);
        QTRY_VERIFY_WITH_TIMEOUT(m_sandbox->requestCount(QStringLiteral("S1")) >= 3, 60000);
        QCOMPARE(first.state(), QProcess::Running);
        QElapsedTimer stopping;
        stopping.start();
        ::kill(pid_t(first.processId()), SIGINT);
        QVERIFY(first.waitForFinished(15000));
        QVERIFY2(stopping.elapsed() < 5000, qPrintable(QString::number(stopping.elapsed())));
        const QString err = QString::fromUtf8(first.readAllStandardError());
        QCOMPARE(first.exitStatus(), QProcess::NormalExit);
        QVERIFY2(first.exitCode() == 2, qPrintable(QStringLiteral("exit %1: %2").arg(first.exitCode()).arg(err)));
        QVERIFY2(err.contains(QStringLiteral("Command interrupted.")), qPrintable(err));
        QVERIFY2(!err.contains(QStringLiteral("Command failed")), qPrintable(err));
        const QJsonObject partial = QJsonDocument::fromJson(first.readAllStandardOutput()).object();
        QVERIFY(partial.value(QStringLiteral("uploadedCount")).toInt() < files);
        const QString ingestId = partial.value(QStringLiteral("ingestId")).toString();
        QVERIFY(!ingestId.isEmpty());

        m_sandbox->setFaultPlan({});
        QProcess second;
        startCli(second, args);
        QVERIFY(second.waitForFinished(120000));
        const QByteArray secondErr = second.readAllStandardError();
        QVERIFY2(second.exitCode() == 0, secondErr.constData());
        const QJsonObject summary = QJsonDocument::fromJson(second.readAllStandardOutput()).object();
        QCOMPARE(summary.value(QStringLiteral("ingestId")).toString(), ingestId);
        QVERIFY(summary.value(QStringLiteral("resumed")).toBool());
        QCOMPARE(summary.value(QStringLiteral("uploadedCount")).toInt(), files);
        QCOMPARE(summary.value(QStringLiteral("failedCount")).toInt(), 0);

        // Exactly once: the count, the distinct names, and the files the shards carried.
        QTRY_COMPARE_WITH_TIMEOUT(get(QStringLiteral("batches/intr-b/count")).value(QStringLiteral("count")).toInt(), files, 20000);
        const QJsonArray listed = get(QStringLiteral("batches/intr-b/list"), QStringLiteral("pageSize=1000"))
                                      .value(QStringLiteral("filesMetadata")).toArray();
        QSet<QString> names;
        for (const QJsonValue &v : listed)
            names.insert(v.toObject().value(QStringLiteral("fileName")).toString());
        QCOMPARE(names.size(), files);
        int shardObjects = 0;
        for (const QJsonValue &v : get(QStringLiteral("batches/intr-b/shards"), QStringLiteral("pageSize=1000"))
                                       .value(QStringLiteral("shards")).toArray())
            shardObjects += v.toObject().value(QStringLiteral("shardObjectsCount")).toInt();
        QCOMPARE(shardObjects, files);
    }

    void signalDuringShortRequest_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("route");
        QTest::addColumn<int>("signalNumber");
        QTest::addColumn<int>("exitCode");
        QTest::newRow("list-batches SIGINT -> 2")
            << QStringList{ QStringLiteral("data-staging"), QStringLiteral("list-batches") } << QStringLiteral("D1") << SIGINT << 2;
        QTest::newRow("show-batch-details SIGTERM -> 1")
            << QStringList{ QStringLiteral("data-staging"), QStringLiteral("show-batch-details"), QStringLiteral("-b"),
                            QStringLiteral("intr-b") }
            << QStringLiteral("D2") << SIGTERM << 1;
        QTest::newRow("list-jobs SIGINT -> 0")
            << QStringList{ QStringLiteral("batch-processing"), QStringLiteral("list-jobs") } << QStringLiteral("B1") << SIGINT << 0;
    }

    void signalDuringShortRequest()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, route);
        QFETCH(int, signalNumber);
        QFETCH(int, exitCode);
        // The server holds the request for 8 s: the signal lands while the CLI waits for it.
        m_sandbox->setFaultPlan(QJsonObject{ { "rules", QJsonArray{ QJsonObject{ { "route", route }, { "delayMs", 8000 }, { "times", 1 } } } } });
        const int before = m_sandbox->requestCount(route);
        QProcess p;
        startCli(p, args);
        QTRY_VERIFY_WITH_TIMEOUT(m_sandbox->requestCount(route) > before, 20000);
        ::kill(pid_t(p.processId()), signalNumber);
        QVERIFY(p.waitForFinished(5000));
        const QString err = QString::fromUtf8(p.readAllStandardError());
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QVERIFY2(p.exitCode() == exitCode, qPrintable(QStringLiteral("exit %1: %2").arg(p.exitCode()).arg(err)));
        QVERIFY2(err.contains(QStringLiteral("Command interrupted.")), qPrintable(err));
    }

    void cleanupTestCase()
    {
        if (m_sandbox)
            m_sandbox->stop();   // waits for the held requests' threads
    }
};

QTEST_GUILESS_MAIN(TestCliInterrupt)
#include "tst_cli_interrupt.moc"
