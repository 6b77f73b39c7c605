// batchdeck-cli batch-processing process-asset-library-with-workflow end to end: the real binary
// (QProcess) against an embedded sandbox over loopback. Jobs over an ids file, a RoboQL query and
// the whole library start and are followed to success by watch-job; --all-images without
// --confirm and two selections are usage errors; a key of the caller's own, given twice, starts
// one job; the key never appears in any output and no Asset Library URL carried it.
#include "api/ApiClient.h"
#include "sandbox/Sandbox.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

namespace {

const QString kKey = QStringLiteral("cli-asset-secret-key-0815");

struct Run {
    int exitCode = -1;
    QString out;
    QString err;
    QJsonObject json() const { return QJsonDocument::fromJson(out.toUtf8()).object(); }
};

}  // namespace

class TestCliAssetLibrary : public QObject {
    Q_OBJECT
private:
    std::unique_ptr<bd::sandbox::Sandbox> m_sandbox;
    QString m_cli;
    QTemporaryDir m_tmp;

    Run cli(const QStringList &args)
    {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("API_BASE_URL"));
        env.insert(QStringLiteral("ROBOFLOW_API_KEY"), kKey);
        env.insert(QStringLiteral("HOME"), m_tmp.filePath(QStringLiteral("home")));
        env.insert(QStringLiteral("BATCHDECK_DATA_DIR"), m_tmp.filePath(QStringLiteral("data")));
        env.insert(QStringLiteral("BATCHDECK_CONFIG_FILE"), m_tmp.filePath(QStringLiteral("batchdeck.ini")));
        env.insert(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"), QStringLiteral("unix:path=/nonexistent/bus"));
        p.setProcessEnvironment(env);
        p.start(m_cli, QStringList(args) << QStringLiteral("--api-url") << m_sandbox->apiUrl().toString());
        if (!p.waitForStarted(10000))
            return {};
        p.closeWriteChannel();
        if (!p.waitForFinished(120000)) {
            p.kill();
            p.waitForFinished();
        }
        Run r;
        r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        r.out = QString::fromUtf8(p.readAllStandardOutput());
        r.err = QString::fromUtf8(p.readAllStandardError());
        if (r.out.contains(kKey) || r.err.contains(kKey))
            r.exitCode = 99;   // the key must never be printed
        return r;
    }

    QStringList process(const QStringList &selection)
    {
        return QStringList{QStringLiteral("--json"), QStringLiteral("batch-processing"),
                           QStringLiteral("process-asset-library-with-workflow"), QStringLiteral("-w"),
                           QStringLiteral("count-things"), QStringLiteral("--max-parallel-tasks"), QStringLiteral("8")}
               + selection;
    }

    // The Asset Library jobs ("al-…") the sandbox has.
    QStringList assetJobs()
    {
        bd::api::ApiConfig config;
        config.baseUrl = m_sandbox->apiUrl();
        config.apiKey = kKey;
        bd::api::ApiClient api(config);
        std::unique_ptr<bd::api::ListJobsCall> list(api.listJobs(100));
        list->setMaxPages(0);
        if (!list->exec())
            return {QStringLiteral("list failed")};
        QStringList ids;
        for (const bd::api::Job &job : list->result())
            if (job.jobId.startsWith(QLatin1String("al-")))
                ids << job.jobId;
        return ids;
    }

    void watchToSuccess(const QString &jobId)
    {
        const Run watch = cli({QStringLiteral("batch-processing"), QStringLiteral("watch-job"), QStringLiteral("-j"), jobId});
        QVERIFY2(watch.exitCode == 0, qPrintable(watch.err + watch.out));
    }

private Q_SLOTS:
    void initTestCase()
    {
        const QString bin = qEnvironmentVariable("BATCHDECK_BIN_DIR");
        m_cli = QDir(bin.isEmpty() ? QCoreApplication::applicationDirPath() + QStringLiteral("/../bin") : bin)
                    .filePath(QStringLiteral("batchdeck-cli"));
        QVERIFY2(QFileInfo::exists(m_cli), qPrintable(m_cli));
        bd::sandbox::SandboxOptions options;
        options.apiKeys = {kKey};
        options.timeScale = 400;
        m_sandbox = std::make_unique<bd::sandbox::Sandbox>(options);
        QString error;
        QVERIFY2(m_sandbox->start(&error), qPrintable(error));
    }
    void cleanupTestCase() { m_sandbox.reset(); }

    void idsFileQueryAndWholeLibraryRunToTheEnd()
    {
        const QString idsFile = m_tmp.filePath(QStringLiteral("ids.txt"));
        QFile f(idsFile);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("# picked by hand\nasset-01\nasset-02, asset-03\n");
        f.close();
        const QList<QStringList> selections{{QStringLiteral("--image-ids"), idsFile},
                                            {QStringLiteral("--query"), QStringLiteral("tag:people AND tag:night")},
                                            {QStringLiteral("--all-images"), QStringLiteral("--confirm")}};
        for (const QStringList &selection : selections) {
            const Run r = cli(process(selection));
            QVERIFY2(r.exitCode == 0, qPrintable(r.err));
            const QString jobId = r.json().value(QStringLiteral("jobId")).toString();
            QVERIFY2(jobId.startsWith(QLatin1String("al-")), qPrintable(r.out));
            QVERIFY(!r.json().value(QStringLiteral("idempotencyKey")).toString().isEmpty());
            watchToSuccess(jobId);
        }
    }

    void plainOutputNamesTheJobAndTheSelection()
    {
        const Run r = cli(process({QStringLiteral("-q"), QStringLiteral("tag:dogs")}).mid(1));
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.startsWith(QStringLiteral("Triggered job with ID: al-")), qPrintable(r.out));
        QVERIFY(r.out.contains(QStringLiteral("(RoboQL tag:dogs)")));
    }

    void usageErrors()
    {
        const Run unconfirmed = cli(process({QStringLiteral("--all-images")}));
        QCOMPARE(unconfirmed.exitCode, 2);
        QVERIFY2(unconfirmed.err.contains(QStringLiteral("--confirm")), qPrintable(unconfirmed.err));
        const Run two = cli(process({QStringLiteral("--all-images"), QStringLiteral("--confirm"), QStringLiteral("-q"),
                                     QStringLiteral("*")}));
        QCOMPARE(two.exitCode, 2);
        const Run none = cli(process({}));
        QCOMPARE(none.exitCode, 2);
        const Run missing = cli(process({QStringLiteral("--image-ids"), m_tmp.filePath(QStringLiteral("nope.txt"))}));
        QCOMPARE(missing.exitCode, 2);
        QVERIFY2(missing.err.contains(QStringLiteral("cannot read")), qPrintable(missing.err));
    }

    void serviceErrorsAreClearFailures()
    {
        const Run bad = cli(process({QStringLiteral("-q"), QStringLiteral("colour:red")}));
        QCOMPARE(bad.exitCode, 1);
        QVERIFY2(bad.err.contains(QStringLiteral("RoboQL: unknown term 'colour:red'")), qPrintable(bad.err));
    }

    void ownKeyGivenTwiceStartsOneJob()
    {
        const QStringList args = process({QStringLiteral("-q"), QStringLiteral("tag:street"), QStringLiteral("--idempotency-key"),
                                          QStringLiteral("ci-run-2026-12-05")});
        const Run first = cli(args);
        const Run second = cli(args);
        QCOMPARE(first.exitCode, 0);
        QCOMPARE(second.exitCode, 0);
        QCOMPARE(second.json().value(QStringLiteral("jobId")), first.json().value(QStringLiteral("jobId")));
    }

    // SIGKILL while A1 is in flight (the sandbox holds the request, then creates the job for a
    // client that is gone); the same command again reuses the journalled key: one job.
    void rerunAfterSigkillStartsNoSecondJob()
    {
        const QStringList before = assetJobs();
        m_sandbox->setFaultPlan(QJsonObject{{QStringLiteral("rules"),
                                             QJsonArray{QJsonObject{{QStringLiteral("route"), QStringLiteral("A1")},
                                                                    {QStringLiteral("delayMs"), 1500},
                                                                    {QStringLiteral("times"), 1}}}}});
        const int a1Before = m_sandbox->requestCount(QStringLiteral("A1"));
        const QStringList args = process({QStringLiteral("-q"), QStringLiteral("tag:indoor AND tag:day")});
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("ROBOFLOW_API_KEY"), kKey);
        env.insert(QStringLiteral("HOME"), m_tmp.filePath(QStringLiteral("home")));
        env.insert(QStringLiteral("BATCHDECK_DATA_DIR"), m_tmp.filePath(QStringLiteral("data")));
        env.insert(QStringLiteral("BATCHDECK_CONFIG_FILE"), m_tmp.filePath(QStringLiteral("batchdeck.ini")));
        env.insert(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"), QStringLiteral("unix:path=/nonexistent/bus"));
        p.setProcessEnvironment(env);
        p.start(m_cli, QStringList(args) << QStringLiteral("--api-url") << m_sandbox->apiUrl().toString());
        QVERIFY(p.waitForStarted(10000));
        QTRY_VERIFY_WITH_TIMEOUT(m_sandbox->requestCount(QStringLiteral("A1")) == a1Before + 1, 20000);
        p.kill();   // SIGKILL: no answer was ever read
        p.waitForFinished();
        QTRY_COMPARE_WITH_TIMEOUT(assetJobs().size(), before.size() + 1, 10000);   // the service did start it
        const QStringList afterKill = assetJobs();

        const Run rerun = cli(args);
        QVERIFY2(rerun.exitCode == 0, qPrintable(rerun.err));
        QVERIFY(rerun.json().value(QStringLiteral("reusedPendingKey")).toBool());
        QVERIFY(afterKill.contains(rerun.json().value(QStringLiteral("jobId")).toString()));
        QCOMPARE(assetJobs(), afterKill);
    }

    void noAssetLibraryUrlCarriedTheKey()
    {
        int seen = 0;
        for (const bd::sandbox::LoggedRequest &r : m_sandbox->requestLog()) {
            if (!r.routeId.startsWith(QLatin1Char('A')))
                continue;
            ++seen;
            QVERIFY2(r.scheme == bd::sandbox::AuthScheme::Bearer, qPrintable(r.target));
            QVERIFY2(!r.target.contains(kKey) && !r.target.contains(QLatin1String("api_key")), qPrintable(r.target));
        }
        QVERIFY(seen >= 6);
    }
};

QTEST_GUILESS_MAIN(TestCliAssetLibrary)
#include "tst_cli_assetlibrary.moc"
