// JobLogsFetcher against the embedded sandbox: every page of B8, the severity filter, the §8.4
// snake_case JSONL file, cancellation and server errors.
#include "JobMonitorFixture.h"
#include "jobs/JobLogsFetcher.h"

#include <QJsonDocument>
#include <QSignalSpy>
#include <QTemporaryDir>

using namespace bd;
using namespace bdtest;

class TestJobLogs : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void fetchesEveryPage();
    void severityFilter();
    void writesSnakeCaseJsonl();
    void cancelAndServerError();

private:
    // Runs the fetcher to its end; returns false on a timeout.
    static bool run(jobs::JobLogsFetcher &fetcher)
    {
        QSignalSpy finished(&fetcher, &Operation::finished);
        fetcher.start();
        return finished.wait(30000) && finished.count() == 1;
    }
    QVector<api::LogEntry> serverLogs(std::optional<api::LogSeverity> severity)
    {
        std::unique_ptr<api::JobLogsCall> call(m_api->jobLogs(m_jobId, severity));
        call->setMaxPages(0);
        if (!call->exec())
            qFatal("logs: %s", qPrintable(call->error().fullText()));
        return call->result();
    }

    QTemporaryDir m_dir;
    std::unique_ptr<sandbox::Sandbox> m_sandbox;
    std::unique_ptr<api::ApiClient> m_api;
    const QString m_jobId = QStringLiteral("logs-fail");
};

void TestJobLogs::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_sandbox = startSandbox(200);
    m_api = std::make_unique<api::ApiClient>(configFor(m_sandbox->apiUrl()));
    // A failing job logs info, warning and error entries. Restarting it four more times multiplies
    // the entries (earlier runs' logs are kept), so the listing spans several pages of 50.
    QVERIFY(createJob(*m_api, m_jobId, workflowJob(QStringLiteral("demo-sharded"), QStringLiteral("wf-fail"))));
    jobs::JobMonitor monitor(m_api.get());
    monitor.setPersistent(false);
    monitor.setPollIntervals(100, 500);
    QSignalSpy finished(&monitor, &jobs::JobMonitor::jobFinished);
    monitor.watch(m_jobId);
    for (int run = 1; run <= 5; ++run) {
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), run, 60000);
        if (run < 5) {
            std::unique_ptr<api::JobActionCall> restart(m_api->restartJob(m_jobId));
            QVERIFY(restart->exec());
            monitor.refreshNow(m_jobId);
        }
    }
}

void TestJobLogs::fetchesEveryPage()
{
    const QVector<api::LogEntry> expected = serverLogs(std::nullopt);
    QVERIFY2(expected.size() > 50, qPrintable(QString::number(expected.size())));
    jobs::JobLogsFetcher fetcher(m_api.get(), m_jobId);
    QVERIFY(run(fetcher));
    QVERIFY2(!fetcher.error(), qPrintable(fetcher.error().fullText()));
    QCOMPARE(fetcher.entries().size(), expected.size());
    QCOMPARE(fetcher.pagesFetched(), int((expected.size() + 49) / 50));
    QCOMPARE(fetcher.processedAmount(Operation::Unit::Items), qint64(expected.size()));
    for (int i = 0; i < expected.size(); ++i)
        QCOMPARE(fetcher.entries()[i].toJson(), expected[i].toJson());
}

void TestJobLogs::severityFilter()
{
    const QVector<api::LogEntry> all = serverLogs(std::nullopt);
    int errors = 0;
    for (const api::LogEntry &e : all)
        errors += e.severity == api::LogSeverity::Error;
    QVERIFY(errors > 0);
    QVERIFY(errors < all.size());
    jobs::JobLogsFetcher fetcher(m_api.get(), m_jobId, api::LogSeverity::Error);
    QVERIFY(run(fetcher));
    QVERIFY(!fetcher.error());
    QCOMPARE(fetcher.entries().size(), errors);
    for (const api::LogEntry &e : fetcher.entries())
        QCOMPARE(e.severity, api::LogSeverity::Error);
}

void TestJobLogs::writesSnakeCaseJsonl()
{
    jobs::JobLogsFetcher fetcher(m_api.get(), m_jobId);
    QVERIFY(run(fetcher));
    const QString path = m_dir.filePath(QStringLiteral("nested/dir/logs.jsonl"));
    Error error;
    QVERIFY2(fetcher.writeJsonl(path, &error), qPrintable(error.fullText()));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = file.readAll().split('\n');
    QCOMPARE(lines.last(), QByteArray());  // every line ends with '\n'
    QCOMPARE(lines.size() - 1, fetcher.entries().size());
    for (int i = 0; i < fetcher.entries().size(); ++i) {
        const QJsonObject o = QJsonDocument::fromJson(lines[i]).object();
        QCOMPARE(o, fetcher.entries()[i].toSnakeJson());
        for (const char *key : {"created_at", "processing_stage_id", "task_id", "severity", "reporting_module",
                                "log_type", "payload"})
            QVERIFY2(o.contains(QLatin1String(key)), key);
        QVERIFY(!o.contains(QStringLiteral("createdAt")));
    }
    // Unwritable target: an Io error, no crash.
    QVERIFY(!jobs::JobLogsFetcher::writeJsonl(QStringLiteral("/proc/no-such/logs.jsonl"), fetcher.entries(), &error));
    QCOMPARE(error.kind, ErrorKind::Io);
}

void TestJobLogs::cancelAndServerError()
{
    jobs::JobLogsFetcher cancelled(m_api.get(), m_jobId);
    QSignalSpy finished(&cancelled, &Operation::finished);
    cancelled.start();
    cancelled.cancel();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
    QCOMPARE(cancelled.error().kind, ErrorKind::Cancelled);

    // The second page fails with a 500 (not retried): the fetcher fails with the server's error.
    m_sandbox->setFaultPlan(QJsonObject{{QStringLiteral("rules"),
                                         QJsonArray{QJsonObject{{"route", "B8"}, {"status", 500}, {"skip", 1}, {"times", 1}}}}});
    jobs::JobLogsFetcher failing(m_api.get(), m_jobId);
    QVERIFY(run(failing));
    m_sandbox->setFaultPlan({});
    QCOMPARE(failing.error().kind, ErrorKind::Server);
    QCOMPARE(failing.pagesFetched(), 1);
    QCOMPARE(failing.entries().size(), 50);
}

QTEST_GUILESS_MAIN(TestJobLogs)
#include "tst_joblogs.moc"
