// JobMonitor against the real embedded sandbox (and, for edge cases the simulator never
// produces, a programmable loopback server): image, video and TRT jobs to success and failure,
// abort and restart, task paging, injected faults, the request cap, persistence.
#include "JobMonitorFixture.h"
#include "api/TestServer.h"
#include "core/Database.h"
#include "jobs/JobSpecRestart.h"

#include <QSignalSpy>
#include <QTemporaryDir>

using namespace bd;
using namespace bdtest;

namespace {

// A valid 1×1 PNG, so the sandbox's media sniffing accepts it.
QByteArray tinyPng()
{
    return QByteArray::fromBase64(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");
}

// Watches `jobId` until jobFinished; returns the spy's (single) success flag.
struct Finish {
    int count = 0;
    bool success = false;
};

Finish finishOf(const QSignalSpy &spy, const QString &jobId)
{
    Finish f;
    for (const QList<QVariant> &args : spy)
        if (args.at(0).toString() == jobId) {
            ++f.count;
            f.success = args.at(1).toBool();
        }
    return f;
}

}  // namespace

class TestJobMonitor : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void imageJobSucceeds();
    void videoAndTrtJobsSucceed();
    void failingJobReportsErrors();
    void abortThenRestart();
    void restartOverridesAreAppliedByTheServer();
    void tasksOverSeveralPages();
    void faultsDuringPolling();
    void rateLimitPausesTheWholeMonitor();
    void concurrentRequestCap();
    void watchedJobsSurviveRestart();
    void zeroTaskStageAndBackoff();

private:
    std::unique_ptr<api::ApiClient> newClient() { return std::make_unique<api::ApiClient>(configFor(m_sandbox->apiUrl())); }
    std::unique_ptr<jobs::JobMonitor> newMonitor(api::ApiClient *api)
    {
        auto monitor = std::make_unique<jobs::JobMonitor>(api);
        monitor->setPollIntervals(100, 1000);
        return monitor;
    }

    QTemporaryDir m_dir;
    std::unique_ptr<sandbox::Sandbox> m_sandbox;
};

void TestJobMonitor::initTestCase()
{
    QVERIFY(m_dir.isValid());
    qputenv("BATCHDECK_DATA_DIR", m_dir.path().toUtf8());
    setDatabasePath(m_dir.filePath(QStringLiteral("batchdeck.sqlite")));
    m_sandbox = startSandbox();
}

void TestJobMonitor::imageJobSucceeds()
{
    auto api = newClient();
    QVERIFY(createJob(*api, QStringLiteral("mon-image"), workflowJob(QStringLiteral("demo-images"), QStringLiteral("wf"))));
    auto monitor = newMonitor(api.get());
    QSignalSpy finished(monitor.get(), &jobs::JobMonitor::jobFinished);
    QSignalSpy updated(monitor.get(), &jobs::JobMonitor::jobUpdated);
    monitor->watch(QStringLiteral("mon-image"));
    QCOMPARE(monitor->watchedJobs(), QStringList{QStringLiteral("mon-image")});

    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
    QCOMPARE(finished.at(0).at(0).toString(), QStringLiteral("mon-image"));
    QVERIFY(finished.at(0).at(1).toBool());
    QVERIFY(updated.count() >= 1);

    const auto snap = monitor->snapshot(QStringLiteral("mon-image"));
    QVERIFY(snap);
    QVERIFY(snap->job.isTerminal);
    QVERIFY(!snap->job.error);
    QVERIFY(!snap->offline);
    QVERIFY(!snap->lastError);
    QVERIFY(snap->fetchedAt.isValid());
    QCOMPARE(snap->stages.size(), 2);  // processing, export, by start time
    QCOMPARE(snap->stages[0].stage.processingStageName, QStringLiteral("processing"));
    QCOMPARE(snap->stages[1].stage.processingStageName, QStringLiteral("export"));
    for (const jobs::StageSnapshot &s : snap->stages) {
        QVERIFY(!s.tasks.isEmpty());
        QCOMPARE(s.progress.succeeded, s.stage.tasksNumber);
        QCOMPARE(s.progress.progress, 1.0);
    }
    QVERIFY(snap->errorSummary.isEmpty());
    QCOMPARE(snap->overallProgress(), 1.0);
    verifyAgainstServer(*api, *snap);

    // Terminal: polling has stopped, and jobFinished does not fire again.
    QCOMPARE(monitor->currentIntervalMs(QStringLiteral("mon-image")), -1);
    const int b2 = m_sandbox->requestCount(QStringLiteral("B2"));
    QTest::qWait(600);
    QCOMPARE(m_sandbox->requestCount(QStringLiteral("B2")), b2);
    QCOMPARE(finished.count(), 1);
    monitor->unwatch(QStringLiteral("mon-image"));
    QVERIFY(monitor->watchedJobs().isEmpty());
    QVERIFY(!monitor->snapshot(QStringLiteral("mon-image")));
}

void TestJobMonitor::videoAndTrtJobsSucceed()
{
    auto api = newClient();
    QVERIFY(createJob(*api, QStringLiteral("mon-video"),
                      workflowJob(QStringLiteral("demo-videos"), QStringLiteral("wf"), true)));
    QVERIFY(createJob(*api, QStringLiteral("mon-trt"), trtJob(QStringLiteral("project/3"))));
    auto monitor = newMonitor(api.get());
    QSignalSpy finished(monitor.get(), &jobs::JobMonitor::jobFinished);
    monitor->watch(QStringLiteral("mon-video"));
    monitor->watch(QStringLiteral("mon-trt"));
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 90000);
    QTest::qWait(300);
    QCOMPARE(finished.count(), 2);

    for (const QString &id : {QStringLiteral("mon-video"), QStringLiteral("mon-trt")}) {
        const Finish f = finishOf(finished, id);
        QCOMPARE(f.count, 1);
        QVERIFY(f.success);
        const auto snap = monitor->snapshot(id);
        QVERIFY(snap);
        verifyAgainstServer(*api, *snap);
    }
    const auto video = *monitor->snapshot(QStringLiteral("mon-video"));
    QCOMPARE(video.stages.first().stage.tasksNumber, 2);  // one task per video
    const auto trt = *monitor->snapshot(QStringLiteral("mon-trt"));
    QCOMPARE(trt.stages.size(), 1);  // compilation
    QCOMPARE(trt.stages.first().stage.tasksNumber, 2);  // one task per device
    QCOMPARE(trt.stages.first().progress.succeeded, 2);
}

void TestJobMonitor::failingJobReportsErrors()
{
    auto api = newClient();
    QVERIFY(createJob(*api, QStringLiteral("mon-fail"), workflowJob(QStringLiteral("demo-sharded"), QStringLiteral("wf-fail"))));
    QVERIFY(createJob(*api, QStringLiteral("mon-trt-fail"), trtJob(QStringLiteral("fail/1"))));
    QVERIFY(createJob(*api, QStringLiteral("mon-vid-fail"),
                      workflowJob(QStringLiteral("demo-videos"), QStringLiteral("wf-fail"), true)));
    auto monitor = newMonitor(api.get());
    QSignalSpy finished(monitor.get(), &jobs::JobMonitor::jobFinished);
    monitor->watch(QStringLiteral("mon-fail"));
    monitor->watch(QStringLiteral("mon-trt-fail"));
    monitor->watch(QStringLiteral("mon-vid-fail"));
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 3, 90000);
    QTest::qWait(300);
    QCOMPARE(finished.count(), 3);

    for (const QString &id : {QStringLiteral("mon-fail"), QStringLiteral("mon-trt-fail"), QStringLiteral("mon-vid-fail")}) {
        const Finish f = finishOf(finished, id);
        QCOMPARE(f.count, 1);
        QVERIFY(!f.success);
        const auto snap = monitor->snapshot(id);
        QVERIFY(snap);
        QVERIFY(snap->job.error);
        QVERIFY(!snap->errorSummary.isEmpty());
        verifyAgainstServer(*api, *snap);
    }
    // demo-sharded has 40 images = 5 tasks; tasks 1 and 4 fail with distinct messages.
    const auto snap = *monitor->snapshot(QStringLiteral("mon-fail"));
    QCOMPARE(snap.stages.first().progress.failed, 2);
    int failedInSummary = 0;
    for (const auto &e : snap.errorSummary)
        failedInSummary += e.second;
    QCOMPARE(failedInSummary, 2);
    // demo-videos: one task per video, the first fails (every third task), and a video job
    // tolerates no failure.
    const auto video = *monitor->snapshot(QStringLiteral("mon-vid-fail"));
    QCOMPARE(video.stages.first().stage.tasksNumber, 2);
    QCOMPARE(video.stages.first().progress.failed, 1);
    QCOMPARE(video.stages.first().progress.succeeded, 1);
    QVERIFY(video.stages.first().progress.hasError);
}

void TestJobMonitor::abortThenRestart()
{
    auto api = newClient();
    const QString id = QStringLiteral("mon-abort");
    QVERIFY(createJob(*api, id, workflowJob(QStringLiteral("demo-images"), QStringLiteral("wf-slow"))));
    auto monitor = newMonitor(api.get());
    QSignalSpy finished(monitor.get(), &jobs::JobMonitor::jobFinished);
    monitor->watch(id);
    // Wait until the processing stage shows up, still running.
    QTRY_VERIFY_WITH_TIMEOUT(monitor->snapshot(id) && !monitor->snapshot(id)->stages.isEmpty(), 30000);
    QVERIFY(!monitor->snapshot(id)->job.isTerminal);

    std::unique_ptr<api::JobActionCall> abort(api->abortJob(id));
    QVERIFY(abort->exec());
    monitor->refreshNow(id);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
    QVERIFY(!finished.at(0).at(1).toBool());
    auto snap = *monitor->snapshot(id);
    QVERIFY(snap.job.isTerminal && snap.job.error);
    QVERIFY(snap.stages.first().progress.hasError);
    verifyAgainstServer(*api, snap);
    QCOMPARE(monitor->currentIntervalMs(id), -1);

    // Restart with an override; refreshNow resumes polling of the now-running job.
    std::unique_ptr<api::JobActionCall> restart(
        api->restartJob(id, QJsonObject{{QStringLiteral("type"), QStringLiteral("parameters-override-v1")},
                                        {QStringLiteral("maxParallelTasks"), 4}}));
    QVERIFY(restart->exec());
    monitor->refreshNow(id);
    QTRY_VERIFY_WITH_TIMEOUT(!monitor->snapshot(id)->job.isTerminal, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 90000);
    QVERIFY(finished.at(1).at(1).toBool());
    snap = *monitor->snapshot(id);
    QVERIFY(snap.job.isTerminal && !snap.job.error);
    verifyAgainstServer(*api, snap);
    QTest::qWait(300);
    QCOMPARE(finished.count(), 2);
}

void TestJobMonitor::restartOverridesAreAppliedByTheServer()
{
    // A runtime budget far too small fails every task (the sandbox splits it across tasks); the
    // restart overrides of spec §9.8, built by RestartOverrides, lift it and the job succeeds.
    auto api = newClient();
    const QString id = QStringLiteral("mon-override");
    QJsonObject definition = workflowJob(QStringLiteral("demo-images"), QStringLiteral("wf"));
    definition.insert(QStringLiteral("processingTimeoutSeconds"), 1);
    QVERIFY(createJob(*api, id, definition));
    auto monitor = newMonitor(api.get());
    QSignalSpy finished(monitor.get(), &jobs::JobMonitor::jobFinished);
    monitor->watch(id);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
    QVERIFY(!finished.at(0).at(1).toBool());
    auto snap = *monitor->snapshot(id);
    QCOMPARE(snap.stages.first().progress.failed, snap.stages.first().stage.tasksNumber);
    QVERIFY(snap.stages.first().progress.hasError);
    QVERIFY(snap.job.restartParametersOverride.isEmpty());

    jobs::RestartOverrides overrides;
    overrides.processingTimeoutSeconds = 1000000;
    overrides.maxParallelTasks = 3;
    overrides.machineType = QStringLiteral("gpu");
    QVERIFY(overrides.validate().isEmpty());
    const QJsonObject body = *overrides.toWireJson();
    std::unique_ptr<api::JobActionCall> restart(api->restartJob(id, body));
    QVERIFY2(restart->exec(), qPrintable(restart->error().fullText()));
    monitor->refreshNow(id);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 90000);
    QVERIFY(finished.at(1).at(1).toBool());
    snap = *monitor->snapshot(id);
    QVERIFY(snap.job.isTerminal && !snap.job.error);
    QCOMPARE(snap.stages.first().progress.succeeded, snap.stages.first().stage.tasksNumber);
    QCOMPARE(snap.stages.first().progress.failed, 0);
    verifyAgainstServer(*api, snap);
    // The server records the override exactly as sent; the submitted definition is unchanged.
    std::unique_ptr<api::GetJobCall> details(api->getJob(id));
    QVERIFY(details->exec());
    QCOMPARE(details->result().restartParametersOverride, QJsonArray{body});
    QCOMPARE(details->result().jobDefinition.value(QStringLiteral("processingTimeoutSeconds")).toInt(), 1);
}

void TestJobMonitor::tasksOverSeveralPages()
{
    auto api = newClient();
    // 200 images = 25 processing tasks; the sandbox pages tasks by 20.
    const QString png = m_dir.filePath(QStringLiteral("tiny.png"));
    {
        QFile f(png);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(tinyPng());
    }
    for (int i = 0; i < 200; ++i) {
        std::unique_ptr<api::UploadImageCall> up(
            api->uploadImage(QStringLiteral("mon-many"), png, QStringLiteral("img-%1.png").arg(i, 3, 10, QLatin1Char('0'))));
        QVERIFY2(up->exec(), qPrintable(up->error().fullText()));
    }
    QVERIFY(createJob(*api, QStringLiteral("mon-paged"), workflowJob(QStringLiteral("mon-many"), QStringLiteral("wf"))));
    auto monitor = newMonitor(api.get());
    QSignalSpy finished(monitor.get(), &jobs::JobMonitor::jobFinished);
    const int b5Before = m_sandbox->requestCount(QStringLiteral("B5"));
    monitor->watch(QStringLiteral("mon-paged"));
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 90000);
    QVERIFY(finished.at(0).at(1).toBool());
    const auto snap = *monitor->snapshot(QStringLiteral("mon-paged"));
    QCOMPARE(snap.stages.first().stage.tasksNumber, 25);
    QCOMPARE(snap.stages.first().tasks.size(), 25);
    QCOMPARE(snap.stages.first().progress.succeeded, 25);
    // Each poll reads two pages of the processing stage plus the export stage.
    const int polls = monitor->pollCount(QStringLiteral("mon-paged"));
    QVERIFY(polls >= 1);
    QVERIFY(m_sandbox->requestCount(QStringLiteral("B5")) - b5Before >= polls * 2);
    verifyAgainstServer(*api, snap);
}

void TestJobMonitor::faultsDuringPolling()
{
    auto api = newClient();
    const QString id = QStringLiteral("mon-faults");
    QVERIFY(createJob(*api, id, workflowJob(QStringLiteral("demo-images"), QStringLiteral("wf"))));
    auto monitor = newMonitor(api.get());
    QSignalSpy finished(monitor.get(), &jobs::JobMonitor::jobFinished);
    QSignalSpy connectivity(monitor.get(), &jobs::JobMonitor::connectivityChanged);
    // Two polls see malformed JSON on B2, then the connection is cut four times (two polls of
    // two attempts each: offline), then B4 and B5 answer 503 / 429 for a while.
    m_sandbox->setFaultPlan(QJsonObject{{QStringLiteral("rules"), QJsonArray{
        QJsonObject{{"route", "B2"}, {"action", "malformed-json"}, {"times", 2}},
        QJsonObject{{"route", "B2"}, {"action", "cut"}, {"times", 4}},
        QJsonObject{{"route", "B4"}, {"status", 503}, {"times", 3}},
        QJsonObject{{"route", "B5"}, {"status", 429}, {"retryAfter", 1}, {"times", 3}},
    }}});
    QSignalSpy rateLimited(api.get(), &api::ApiClient::rateLimited);
    QSignalSpy updated(monitor.get(), &jobs::JobMonitor::jobUpdated);
    monitor->watch(id);

    QTRY_VERIFY_WITH_TIMEOUT(monitor->snapshot(id) && monitor->snapshot(id)->lastError.kind == ErrorKind::BadResponse, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(connectivity.count(), 1, 20000);
    QVERIFY(connectivity.at(0).at(0).toBool());
    QVERIFY(monitor->isOffline());
    QVERIFY(monitor->snapshot(id)->offline);
    QCOMPARE(monitor->snapshot(id)->lastError.kind, ErrorKind::Network);

    QTRY_COMPARE_WITH_TIMEOUT(connectivity.count(), 2, 30000);
    QVERIFY(!connectivity.at(1).at(0).toBool());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
    QVERIFY(finished.at(0).at(1).toBool());
    QVERIFY(rateLimited.count() >= 1);
    QVERIFY(updated.count() >= 4);  // errors are announced too
    const auto snap = *monitor->snapshot(id);
    QVERIFY(!snap.offline);
    QVERIFY(!snap.lastError);
    QVERIFY(!monitor->isOffline());
    m_sandbox->setFaultPlan({});
    verifyAgainstServer(*api, snap);
    QTest::qWait(300);
    QCOMPARE(finished.count(), 1);
}

void TestJobMonitor::rateLimitPausesTheWholeMonitor()
{
    // Two jobs that never move, polled every 50-150 ms by one monitor. One 429 (Retry-After 2 s)
    // on job a's B2 must hold job b's polls too, not only the call that got it (whose retry
    // waits the 2 s by itself anyway).
    TestServer server;
    const std::string prefix = "/batch-processing/v1/external/ws/jobs/";
    for (const std::string id : {"a", "b"}) {
        server.setDefault(prefix + id, Reply::json(R"({"job":{"jobId":")" + id + R"(","name":"n","jobDefinition":{},
            "createdAt":"2026-01-01T00:00:00Z","lastUpdate":"2026-01-01T00:00:00Z","isTerminal":false}})"));
        server.setDefault(prefix + id + "/stages", Reply::json(R"({"stages":[{"processingStageId":"s0",
            "processingStageName":"processing","tasksNumber":1,"outputBatches":[],
            "startTimestamp":"2026-01-01T00:00:00Z","notification":{},"statusType":"info",
            "lastEventTimestamp":"2026-01-01T00:00:00Z"}]})"));
        server.setDefault(prefix + id + "/stages/s0/tasks", Reply::json(R"({"tasks":[],"nextPageToken":null})"));
    }
    api::ApiClient api(configFor(QUrl(QString::fromStdString(server.base()))));
    jobs::JobMonitor monitor(&api);
    monitor.setPersistent(false);
    monitor.setPollIntervals(50, 150);
    monitor.watch(QStringLiteral("a"));
    monitor.watch(QStringLiteral("b"));
    QTRY_VERIFY_WITH_TIMEOUT(monitor.pollCount(QStringLiteral("a")) >= 2 && monitor.pollCount(QStringLiteral("b")) >= 2, 10000);

    QSignalSpy rateLimited(&api, &api::ApiClient::rateLimited);
    Reply slowDown = Reply::json(R"({"message":"slow down"})", 429);
    slowDown.headers.emplace("Retry-After", "2");
    server.enqueue(prefix + "a", slowDown);
    QVERIFY(rateLimited.wait(5000));
    QCOMPARE(rateLimited.first().first().toInt(), 2000);
    const size_t bAtPause = server.requestsTo(prefix + "b").size();
    const size_t aAtPause = server.requestsTo(prefix + "a").size();
    QTest::qWait(1500);
    // At most one request of b that was already on its way when the 429 arrived; none of a.
    QVERIFY2(server.requestsTo(prefix + "b").size() <= bAtPause + 1,
             qPrintable(QString::number(server.requestsTo(prefix + "b").size() - bAtPause)));
    QCOMPARE(server.requestsTo(prefix + "a").size(), aAtPause);
    // Then both are polled again by themselves.
    const int pollsA = monitor.pollCount(QStringLiteral("a"));
    const int pollsB = monitor.pollCount(QStringLiteral("b"));
    QTRY_VERIFY_WITH_TIMEOUT(monitor.pollCount(QStringLiteral("a")) > pollsA + 1
                                 && monitor.pollCount(QStringLiteral("b")) > pollsB + 1, 10000);
    QVERIFY(!monitor.snapshot(QStringLiteral("a"))->lastError);
}

void TestJobMonitor::concurrentRequestCap()
{
    auto api = newClient();
    const QStringList ids{QStringLiteral("mon-cap-1"), QStringLiteral("mon-cap-2"), QStringLiteral("mon-cap-3")};
    for (const QString &id : ids)
        QVERIFY(createJob(*api, id, workflowJob(QStringLiteral("demo-sharded"), QStringLiteral("wf"))));
    // Slow answers make overlapping requests certain.
    m_sandbox->setFaultPlan(QJsonObject{{QStringLiteral("rules"),
                                         QJsonArray{QJsonObject{{"route", "*"}, {"delayMs", 30}}}}});
    auto monitor = newMonitor(api.get());
    monitor->setMaxConcurrentRequests(2);
    QSignalSpy finished(monitor.get(), &jobs::JobMonitor::jobFinished);
    for (const QString &id : ids)
        monitor->watch(id);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 3, 90000);
    m_sandbox->setFaultPlan({});
    QCOMPARE(monitor->peakRequestsInFlight(), 2);
    QCOMPARE(monitor->requestsInFlight(), 0);
    for (const QString &id : ids) {
        QCOMPARE(finishOf(finished, id).count, 1);
        verifyAgainstServer(*api, *monitor->snapshot(id));
    }
}

void TestJobMonitor::watchedJobsSurviveRestart()
{
    // A fresh database: the monitors of the other tests persisted their jobs too.
    setDatabasePath(m_dir.filePath(QStringLiteral("restart.sqlite")));
    auto api = newClient();
    QVERIFY(createJob(*api, QStringLiteral("mon-keep"), workflowJob(QStringLiteral("demo-images"), QStringLiteral("wf"))));
    QVERIFY(createJob(*api, QStringLiteral("mon-drop"), workflowJob(QStringLiteral("demo-images"), QStringLiteral("wf"))));
    {
        auto first = newMonitor(api.get());
        QSignalSpy finished(first.get(), &jobs::JobMonitor::jobFinished);
        first->watch(QStringLiteral("mon-keep"));
        first->watch(QStringLiteral("mon-drop"));
        first->unwatch(QStringLiteral("mon-drop"));
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
    }
    {
        // Not persistent: leaves SQLite alone.
        auto cliLike = newMonitor(api.get());
        cliLike->setPersistent(false);
        cliLike->watch(QStringLiteral("mon-transient"));
    }
    auto second = newMonitor(api.get());
    QSignalSpy finished(second.get(), &jobs::JobMonitor::jobFinished);
    QSignalSpy updated(second.get(), &jobs::JobMonitor::jobUpdated);
    second->restoreWatched();
    QCOMPARE(second->watchedJobs(), QStringList{QStringLiteral("mon-keep")});
    QTRY_VERIFY_WITH_TIMEOUT(updated.count() >= 1, 20000);
    QVERIFY(second->snapshot(QStringLiteral("mon-keep"))->job.isTerminal);
    // It had already finished before the restart: no second notification.
    QTest::qWait(300);
    QCOMPARE(finished.count(), 0);
    second->unwatch(QStringLiteral("mon-keep"));

    jobs::JobMonitor third(api.get());
    third.restoreWatched();
    QVERIFY(third.watchedJobs().isEmpty());
}

void TestJobMonitor::zeroTaskStageAndBackoff()
{
    // A server whose job never moves and whose only stage has no tasks at all.
    TestServer server;
    const std::string prefix = "/batch-processing/v1/external/ws/jobs/still";
    server.setDefault(prefix, Reply::json(R"({"job":{"jobId":"still","name":"still","jobDefinition":{},
        "createdAt":"2026-01-01T00:00:00Z","lastUpdate":"2026-01-01T00:00:00Z","isTerminal":false}})"));
    server.setDefault(prefix + "/stages", Reply::json(R"({"stages":[{"processingStageId":"s0",
        "processingStageName":"processing","tasksNumber":0,"outputBatches":[],
        "startTimestamp":"2026-01-01T00:00:00Z","notification":{},"statusType":"info",
        "lastEventTimestamp":"2026-01-01T00:00:00Z"}]})"));
    server.setDefault(prefix + "/stages/s0/tasks", Reply::json(R"({"tasks":[],"nextPageToken":null})"));

    api::ApiClient api(configFor(QUrl(QString::fromStdString(server.base()))));
    jobs::JobMonitor monitor(&api);
    monitor.setPersistent(false);
    monitor.setPollIntervals(50, 400);
    QSignalSpy updated(&monitor, &jobs::JobMonitor::jobUpdated);
    monitor.watch(QStringLiteral("still"));
    QTRY_VERIFY_WITH_TIMEOUT(monitor.pollCount(QStringLiteral("still")) >= 1, 10000);
    const auto snap = *monitor.snapshot(QStringLiteral("still"));
    QCOMPARE(snap.stages.size(), 1);
    QCOMPARE(snap.stages.first().progress.progress, 0.0);
    QCOMPARE(snap.stages.first().progress.waiting, 0);
    QCOMPARE(snap.overallProgress(), 0.0);

    // Nothing moves: the interval grows by 1.5 per poll up to the maximum, and an unchanged
    // snapshot is not re-announced.
    QTRY_COMPARE_WITH_TIMEOUT(monitor.currentIntervalMs(QStringLiteral("still")), 400, 20000);
    QCOMPARE(updated.count(), 1);
    QVERIFY(monitor.pollCount(QStringLiteral("still")) >= 5);  // 50 → 75 → 112 → 168 → 253 → 379 → 400
    // refreshNow polls at once and resets to the fast interval.
    const int polls = monitor.pollCount(QStringLiteral("still"));
    monitor.refreshNow(QStringLiteral("still"));
    QTRY_VERIFY_WITH_TIMEOUT(monitor.pollCount(QStringLiteral("still")) > polls, 5000);
    QVERIFY(monitor.currentIntervalMs(QStringLiteral("still")) < 400);
}

QTEST_GUILESS_MAIN(TestJobMonitor)
#include "tst_jobmonitor.moc"
