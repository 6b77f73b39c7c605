// The sandbox's job simulator, driven directly through JobService::handle with a fake BatchStore
// over real temp files, a recording webhook sender and a clock the test moves by hand.
#include "sandbox/JobResults.h"
#include "sandbox/JobService.h"
#include "sandbox/JobSimFixture.h"

#include <QCryptographicHash>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <thread>

using namespace bd::sandbox;
using namespace bd::sandbox::testing;

class TestJobService : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    FakeStore m_store;
    FakeWebhooks m_hooks;
    QDateTime m_now;
    std::unique_ptr<JobService> m_service;

    void makeBatch(const QString &batchId, int count, const QString &part = {})
    {
        QVector<StoredFile> files = m_store.batches.value(kWs + '/' + batchId);
        for (int i = 0; i < count; ++i) {
            StoredFile f;
            f.fileName = QStringLiteral("%1-img-%2.jpg").arg(batchId).arg(i, 3, 10, QLatin1Char('0'));
            f.partName = part;
            f.contentType = "image/jpeg";
            f.path = m_dir.filePath(batchId + '-' + part + '-' + f.fileName);
            QFile file(f.path);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(QByteArray("JPEG") + QByteArray::number(i * 7919) + QByteArray(i % 50, 'x'));
            file.close();
            f.size = file.size();
            files.append(f);
        }
        m_store.batches[kWs + '/' + batchId] = files;
    }

    ApiReply call(const QString &method, const QString &path, const QMap<QString, QString> &query = {},
                  const QByteArray &body = {})
    {
        ApiRequest r;
        r.method = method;
        r.workspace = kWs;
        r.path = path.split('/');
        r.query = query;
        r.body = body;
        return m_service->handle(r);
    }
    QJsonObject get(const QString &path, const QMap<QString, QString> &query = {}, int expected = 200)
    {
        const ApiReply r = call("GET", path, query);
        if (r.status != expected)
            qWarning() << path << r.status << r.body;
        [&] { QCOMPARE(r.status, expected); }();
        return QJsonDocument::fromJson(r.body).object();
    }
    int create(const QString &jobId, const QJsonObject &definition, const QMap<QString, QString> &query = {})
    {
        return call("POST", "jobs/" + jobId, query, QJsonDocument(definition).toJson(QJsonDocument::Compact)).status;
    }
    QJsonObject job(const QString &jobId) { return get("jobs/" + jobId).value("job").toObject(); }
    QJsonArray stages(const QString &jobId) { return get("jobs/" + jobId + "/stages").value("stages").toArray(); }
    QJsonArray allTasks(const QString &jobId, const QString &stageId)
    {
        QJsonArray all;
        QMap<QString, QString> q;
        for (int guard = 0; guard < 100; ++guard) {
            const QJsonObject page = get("jobs/" + jobId + "/stages/" + stageId + "/tasks", q);
            for (const QJsonValue &t : page.value("tasks").toArray())
                all.append(t);
            if (page.value("nextPageToken").isNull())
                break;
            q[QLatin1String("nextPageToken")] = page.value("nextPageToken").toString();
        }
        return all;
    }
    void wait(double seconds) { m_now = m_now.addMSecs(qint64(seconds * 1000)); }

private slots:
    void init()
    {
        QVERIFY(m_dir.isValid());
        m_store = FakeStore();
        m_hooks.posts.clear();
        m_now = QDateTime(QDate(2026, 3, 1), QTime(10, 0), Qt::UTC);
        SandboxClock clock;
        clock.now = [this] { return m_now; };
        m_service = std::make_unique<JobService>(&m_store, &m_hooks, clock);
        makeBatch("in", 20);
    }

    void stagesAndTasksProgressOverTime()
    {
        QCOMPARE(create("job-a", withField(imageJob("in"), "maxParallelTasks", 2), { { "name", "Job A" } }), 200);
        QJsonObject j = job("job-a");
        QCOMPARE(j.value("name").toString(), QString("Job A"));
        QCOMPARE(j.value("isTerminal").toBool(), false);
        QVERIFY(j.value("lastNotification").isNull());   // nothing registered yet
        QCOMPARE(j.value("currentStage").toString(), QString("processing"));
        QCOMPARE(j.value("plannedStages").toArray(), QJsonArray({ "processing", "export" }));
        QVERIFY(j.value("createdAt").toString().endsWith('Z'));

        QJsonArray s = stages("job-a");
        QCOMPARE(s.size(), 1);
        QCOMPARE(s[0][QLatin1String("processingStageId")].toString(), QString("job-a-processing"));
        QCOMPARE(s[0][QLatin1String("tasksNumber")].toInt(), 3);   // 20 files in chunks of 8
        QCOMPARE(s[0][QLatin1String("statusType")].toString(), QString("info"));
        QVERIFY(s[0][QLatin1String("startTimestamp")].toString().endsWith('Z'));
        for (const QJsonValue &t : allTasks("job-a", "job-a-processing"))
            QVERIFY(t[QLatin1String("progress")].isNull());

        wait(10);   // two workers (started at 2 s and 5 s), the third task waits
        QJsonArray tasks = allTasks("job-a", "job-a-processing");
        QCOMPARE(tasks.size(), 3);
        QCOMPARE(tasks[0][QLatin1String("statusType")].toString(), QString("info"));
        QVERIFY(tasks[0][QLatin1String("progress")].toDouble() > 0 && tasks[0][QLatin1String("progress")].toDouble() < 1);
        QVERIFY(tasks[1][QLatin1String("progress")].toDouble() > 0);
        QVERIFY(tasks[2][QLatin1String("progress")].isNull());
        QVERIFY(!job("job-a").value("lastNotification").isNull());

        const double before = tasks[0][QLatin1String("progress")].toDouble();
        wait(5);
        QVERIFY(allTasks("job-a", "job-a-processing")[0][QLatin1String("progress")].toDouble() > before);
        QVERIFY(!m_store.outputs.contains(kWs + "/job-a-processing-out"));

        wait(200);   // processing done (<= 2 rounds of <= 60 s), export running or done
        s = stages("job-a");
        QCOMPARE(s[0][QLatin1String("statusType")].toString(), QString("success"));
        QCOMPARE(s[0][QLatin1String("outputBatches")].toArray(), QJsonArray({ "job-a-processing-out" }));
        QVERIFY(m_store.outputs.contains(kWs + "/job-a-processing-out"));
        for (const QJsonValue &t : allTasks("job-a", "job-a-processing")) {
            QCOMPARE(t[QLatin1String("statusType")].toString(), QString("success"));
            QCOMPARE(t[QLatin1String("progress")].toDouble(), 1.0);
        }

        wait(100);
        j = job("job-a");
        QCOMPARE(j.value("isTerminal").toBool(), true);
        QCOMPARE(j.value("error").toBool(), false);
        QCOMPARE(j.value("currentStage").toString(), QString("export"));
        s = stages("job-a");
        QCOMPARE(s.size(), 2);
        QCOMPARE(s[1][QLatin1String("processingStageName")].toString(), QString("export"));
        QCOMPARE(s[1][QLatin1String("statusType")].toString(), QString("success"));
        QCOMPARE(s[1][QLatin1String("outputBatches")].toArray(), QJsonArray({ "job-a-export-out" }));
        QVERIFY(m_store.outputs.contains(kWs + "/job-a-export-out"));

        // The results: one JSONL line per input image, spread over the task files.
        const QVector<OutputPart> results = m_store.outputs.value(kWs + "/job-a-processing-out");
        QCOMPARE(results.size(), 1);
        QCOMPARE(results[0].partName, QString("results"));
        QCOMPARE(results[0].files.size(), 3);
        int lines = 0;
        for (const OutputFile &f : results[0].files) {
            QVERIFY(f.fileName.endsWith(".jsonl"));
            for (const QByteArray &line : f.data.split('\n')) {
                if (line.isEmpty())
                    continue;
                const QJsonObject row = QJsonDocument::fromJson(line).object();
                QVERIFY(row.value("image").toString().startsWith("in-img-"));
                QCOMPARE(row.value("sha256").toString().size(), 64);
                QVERIFY(row.value("predictions").isArray());
                static const QRegularExpression confidence(QStringLiteral("\"confidence\":([0-9.]+)"));
                for (const auto &m : confidence.globalMatch(QString::fromUtf8(line)))   // whole thousandths
                    QVERIFY2(m.captured(1).size() <= 5, qPrintable(m.captured(1)));
                ++lines;
            }
        }
        QCOMPARE(lines, 20);
        const int calls = m_store.createCalls;
        job("job-a");
        QCOMPARE(m_store.createCalls, calls);   // outputs are created once
    }

    void tasksAndJobsArePaged()
    {
        makeBatch("big", 200);   // 25 tasks
        QCOMPARE(create("job-big", imageJob("big")), 200);
        QJsonObject page = get("jobs/job-big/stages/job-big-processing/tasks");
        QCOMPARE(page.value("tasks").toArray().size(), 20);
        QVERIFY(page.value("nextPageToken").isString());
        QVERIFY(!page.value("nextPageToken").toString().isEmpty());
        page = get("jobs/job-big/stages/job-big-processing/tasks", { { "nextPageToken", page.value("nextPageToken").toString() } });
        QCOMPARE(page.value("tasks").toArray().size(), 5);
        QVERIFY(page.contains("nextPageToken"));
        QVERIFY(page.value("nextPageToken").isNull());
        QCOMPARE(page.value("tasks").toArray()[4][QLatin1String("taskId")].toString(), QString("task-0025"));

        get("jobs/job-big/stages/job-big-processing/tasks", { { "pageSize", "0" } }, 400);
        get("jobs/job-big/stages/job-big-processing/tasks", { { "nextPageToken", "!!" } }, 400);
        get("jobs/job-big/stages/nope/tasks", {}, 404);

        for (int i = 0; i < 11; ++i) {
            wait(1);
            QCOMPARE(create(QStringLiteral("job-%1").arg(i), imageJob("in")), 200);
        }
        page = get("jobs");
        QJsonArray jobs = page.value("jobs").toArray();
        QCOMPARE(jobs.size(), 10);
        QCOMPARE(jobs[0][QLatin1String("jobId")].toString(), QString("job-10"));   // newest first
        QVERIFY(page.value("nextPageToken").isString());
        // A job created between pages does not shift the next page.
        wait(1);
        QCOMPARE(create("job-late", imageJob("in")), 200);
        page = get("jobs", { { "nextPageToken", page.value("nextPageToken").toString() } });
        jobs = page.value("jobs").toArray();
        QCOMPARE(jobs.size(), 2);
        QCOMPARE(jobs[0][QLatin1String("jobId")].toString(), QString("job-0"));
        QCOMPARE(jobs[1][QLatin1String("jobId")].toString(), QString("job-big"));
        QVERIFY(page.contains("nextPageToken") && page.value("nextPageToken").isNull());
        QCOMPARE(get("jobs", { { "pageSize", "100" } }).value("jobs").toArray().size(), 13);
    }

    void createValidation_data()
    {
        QTest::addColumn<QString>("jobId");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("errorPart");
        auto json = [](const QJsonObject &o) { return QJsonDocument(o).toJson(QJsonDocument::Compact); };
        const QJsonObject ok = imageJob("in");
        QTest::newRow("upper-case id") << QString("Job-A") << json(ok) << 400 << QString("job id");
        QTest::newRow("id too long") << QString("abcdefghijklmnopqrstu") << json(ok) << 400 << QString("job id");
        QTest::newRow("not json") << QString("j") << QByteArray("{nope") << 400 << QString("JSON object");
        QTest::newRow("bad type") << QString("j") << json(withField(ok, "type", "image")) << 400 << QString("type must be one of");
        QTest::newRow("no workflow") << QString("j") << json(withSpec(ok, "workflowId", "")) << 400 << QString("workflowId");
        QTest::newRow("rate > 1") << QString("j") << json(withField(ok, "maxImageFailureRate", 1.5)) << 400 << QString("maxImageFailureRate");
        QTest::newRow("zero tasks") << QString("j") << json(withField(ok, "maxParallelTasks", 0)) << 400 << QString("maxParallelTasks");
        QTest::newRow("fractional") << QString("j") << json(withField(ok, "processingTimeoutSeconds", 2.5)) << 400 << QString("processingTimeoutSeconds");
        QTest::newRow("bad format") << QString("j") << json(withSpec(ok, "aggregationFormat", "xml")) << 400 << QString("aggregationFormat");
        QTest::newRow("no compute") << QString("j") << json(withField(ok, "computeConfiguration", 3)) << 400 << QString("computeConfiguration");
        QTest::newRow("missing batch") << QString("j") << json(imageJob("absent")) << 404 << QString("absent");
        QTest::newRow("empty batch") << QString("j") << json(imageJob("empty")) << 400 << QString("no files");
        QTest::newRow("unknown device") << QString("t") << json(QJsonObject{ { "type", "trt-compilation-v1" }, { "modelId", "p/1" },
                                                                   { "compilationDevices", QJsonArray{ "nvidia-a100" } } })
                                        << 400 << QString("nvidia-a100");
        QTest::newRow("video with rate") << QString("v") << json(withField(withField(ok, "type", "simple-video-processing-v1"),
                                                                  "maxImageFailureRate", 0.1))
                                         << 400 << QString("maxImageFailureRate");
        QTest::newRow("valid trt") << QString("t") << json(QJsonObject{ { "type", "trt-compilation-v1" }, { "modelId", "p/1" },
                                                              { "compilationDevices", QJsonArray{ "nvidia-t4", "nvidia-l4" } } })
                                   << 200 << QString("");
        QTest::newRow("valid full") << QString("full_job-1") << json(withField(withField(withSpec(ok, "aggregationFormat", "csv"),
                                                                                "maxImageFailureRate", 0.05),
                                                                      "notificationsURL", "http://127.0.0.1:9/hook"))
                                    << 200 << QString("");
    }

    void createValidation()
    {
        QFETCH(QString, jobId);
        QFETCH(QByteArray, body);
        QFETCH(int, status);
        QFETCH(QString, errorPart);
        m_store.batches[kWs + "/empty"] = {};
        const ApiReply r = call("POST", "jobs/" + jobId, {}, body);
        QCOMPARE(r.status, status);
        const QJsonObject o = QJsonDocument::fromJson(r.body).object();
        if (status == 200) {
            QCOMPARE(o.value("status").toString(), QString("ok"));
            QCOMPARE(job(jobId).value("jobId").toString(), jobId);
        } else {
            QVERIFY2(o.value("error").toString().contains(errorPart), qPrintable(o.value("error").toString()));
            get("jobs/" + jobId, {}, 404);   // nothing was created
        }
    }

    void unknownJobsAndRoutes()
    {
        const ApiReply r = call("GET", "jobs/ghost");
        QCOMPARE(r.status, 404);
        QVERIFY(QJsonDocument::fromJson(r.body).object().value("error").toString().contains("ghost"));
        QCOMPARE(call("POST", "jobs/ghost/abort").status, 404);
        QCOMPARE(call("GET", "jobs/ghost/logs").status, 404);
        QCOMPARE(call("GET", "nothing").status, 404);
        QCOMPARE(create("job-x", imageJob("in")), 200);
        QCOMPARE(call("GET", "jobs/job-x/abort").status, 405);
        QCOMPARE(call("GET", "jobs/job-x/whatever").status, 404);
    }

    void duplicateCreates()
    {
        QCOMPARE(create("dup", imageJob("in")), 200);
        wait(30);
        QCOMPARE(create("dup", imageJob("in")), 200);   // a retried request: idempotent
        QCOMPARE(get("jobs").value("jobs").toArray().size(), 1);
        const ApiReply r = call("POST", "jobs/dup", {}, QJsonDocument(imageJob("in", "other")).toJson());
        QCOMPARE(r.status, 409);
        QVERIFY(QJsonDocument::fromJson(r.body).object().contains("error"));
        QCOMPARE(job("dup").value("jobDefinition").toObject(), imageJob("in"));
    }

    void abortAndRestartRules()
    {
        QCOMPARE(create("ab", imageJob("in")), 200);
        wait(10);
        ApiReply r = call("POST", "jobs/ab/restart");
        QCOMPARE(r.status, 409);   // still running
        r = call("POST", "jobs/ab/abort");
        QCOMPARE(r.status, 200);
        QCOMPARE(QJsonDocument::fromJson(r.body).object().value("status").toString(), QString("ok"));
        QJsonObject j = job("ab");
        QCOMPARE(j.value("isTerminal").toBool(), true);
        QCOMPARE(j.value("error").toBool(), true);
        QCOMPARE(j.value("lastNotification").toObject().value("state").toString(), QString("aborted"));
        for (const QJsonValue &t : allTasks("ab", "ab-processing")) {
            QCOMPARE(t[QLatin1String("statusType")].toString(), QString("error"));
            QVERIFY(!t[QLatin1String("progress")].isNull());
        }
        QCOMPARE(stages("ab")[0][QLatin1String("statusType")].toString(), QString("error"));
        QCOMPARE(call("POST", "jobs/ab/abort").status, 409);   // already terminal
        wait(1000);
        QCOMPARE(stages("ab").size(), 1);                      // nothing moves after an abort
        QVERIFY(!m_store.outputs.contains(kWs + "/ab-processing-out"));

        QCOMPARE(call("POST", "jobs/ab/restart", {}, "[1]").status, 400);
        QCOMPARE(call("POST", "jobs/ab/restart", {}, R"({"type":"other"})").status, 400);
        QCOMPARE(call("POST", "jobs/ab/restart", {}, R"({"type":"parameters-override-v1","maxImageFailureRate":2})").status, 400);
        r = call("POST", "jobs/ab/restart", {},
                 R"({"type":"parameters-override-v1","maxParallelTasks":8,"computeConfiguration":{"type":"compute-configuration-v2","machineType":"gpu"}})");
        QCOMPARE(r.status, 200);
        QVERIFY(QJsonDocument::fromJson(r.body).isObject());
        j = job("ab");
        QCOMPARE(j.value("isTerminal").toBool(), false);
        QCOMPARE(j.value("error").toBool(), false);
        QCOMPARE(j.value("restartParametersOverride").toArray().size(), 1);
        QCOMPARE(j.value("restartParametersOverride").toArray()[0][QLatin1String("maxParallelTasks")].toInt(), 8);
        for (const QJsonValue &t : allTasks("ab", "ab-processing"))
            QCOMPARE(t[QLatin1String("statusType")].toString(), QString("info"));   // started over

        wait(1000);
        j = job("ab");
        QCOMPARE(j.value("isTerminal").toBool(), true);
        QCOMPARE(j.value("error").toBool(), false);
        QVERIFY(m_store.outputs.contains(kWs + "/ab-export-out"));
        r = call("POST", "jobs/ab/restart");
        QCOMPARE(r.status, 409);   // succeeded jobs cannot be restarted
        QCOMPARE(call("POST", "jobs/ab/abort").status, 409);

        // Logs keep the aborted run, then the rerun.
        QStringList types;
        for (const QJsonValue &e : get("jobs/ab/logs", { { "pageSize", "100" } }).value("logs").toArray())
            if (e[QLatin1String("processingStageId")].isNull())
                types.append(e[QLatin1String("logType")].toString());
        QCOMPARE(types, QStringList({ "job-run-started", "job-aborted", "job-run-started", "job-succeeded" }));
    }

    void failingWorkflowGroupsErrorsAndRestartTolerates()
    {
        makeBatch("many", 128);   // 16 tasks; tasks 1, 4, 7, 10, 13, 16 fail
        QCOMPARE(create("fl", imageJob("many", "wf-fail")), 200);
        wait(2000);
        QJsonObject j = job("fl");
        QCOMPARE(j.value("isTerminal").toBool(), true);
        QCOMPARE(j.value("error").toBool(), true);
        QCOMPARE(j.value("lastNotification").toObject().value("state").toString(), QString("failed"));
        const QJsonArray s = stages("fl");
        QCOMPARE(s.size(), 1);   // no export after a failed processing stage
        QVERIFY(s[0][QLatin1String("statusType")].toString().contains("error"));
        QVERIFY(s[0][QLatin1String("outputBatches")].toArray().isEmpty());
        QMap<QString, int> groups;
        int failed = 0;
        for (const QJsonValue &t : allTasks("fl", "fl-processing")) {
            if (t[QLatin1String("statusType")].toString() == "error") {
                ++failed;
                ++groups[QJsonDocument(t[QLatin1String("notification")].toObject()).toJson()];
                QVERIFY(t[QLatin1String("progress")].toDouble() < 1.0);
            }
        }
        QCOMPARE(failed, 6);
        QList<int> counts = groups.values();
        std::sort(counts.begin(), counts.end());
        QCOMPARE(counts, QList<int>({ 1, 2, 3 }));
        QVERIFY(!m_store.outputs.contains(kWs + "/fl-processing-out"));

        // Tolerate up to half of the images failing: the rerun succeeds with partial results.
        QCOMPARE(call("POST", "jobs/fl/restart", {}, R"({"type":"parameters-override-v1","maxImageFailureRate":0.5})").status, 200);
        wait(2000);
        j = job("fl");
        QCOMPARE(j.value("error").toBool(), false);
        QCOMPARE(stages("fl")[0][QLatin1String("statusType")].toString(), QString("success"));
        const QVector<OutputPart> out = m_store.outputs.value(kWs + "/fl-processing-out");
        QCOMPARE(out.value(0).files.size(), 10);   // the 10 successful tasks
        const QVector<OutputPart> archives = m_store.outputs.value(kWs + "/fl-export-out");
        QCOMPARE(archives.size(), 3);              // 10 archives, 4 per part
        QCOMPARE(archives[2].partName, QString("archives-3"));
        QCOMPARE(archives[2].files.size(), 2);
    }

    void otherTriggers()
    {
        QCOMPARE(create("tmo", withField(imageJob("in"), "processingTimeoutSeconds", 30)), 200);   // 10 s per task
        QCOMPARE(create("exp", imageJob("in", "wf-export-error")), 200);
        QCOMPARE(create("trt", QJsonObject{ { "type", "trt-compilation-v1" }, { "modelId", "proj/fail" },
                                            { "compilationDevices", QJsonArray{ "nvidia-l4", "nvidia-t4" } } }),
                 200);
        wait(30);
        QJsonArray s = stages("trt");
        QCOMPARE(s[0][QLatin1String("processingStageName")].toString(), QString("compilation"));
        QCOMPARE(s[0][QLatin1String("tasksNumber")].toInt(), 2);
        QCOMPARE(job("trt").value("plannedStages").toArray(), QJsonArray({ "compilation" }));
        QCOMPARE(job("trt").value("isTerminal").toBool(), false);
        wait(1000);
        for (const QString &id : { QString("tmo"), QString("exp"), QString("trt") }) {
            const QJsonObject j = job(id);
            QVERIFY2(j.value("isTerminal").toBool() && j.value("error").toBool(), qPrintable(id));
        }
        QVERIFY(allTasks("tmo", "tmo-processing")[0][QLatin1String("notification")].toObject().value("message").toString().contains("timeout"));
        s = stages("exp");
        QCOMPARE(s.size(), 2);
        QCOMPARE(s[0][QLatin1String("statusType")].toString(), QString("success"));
        QCOMPARE(s[1][QLatin1String("statusType")].toString(), QString("error"));
        QVERIFY(m_store.outputs.contains(kWs + "/exp-processing-out"));
        QVERIFY(!m_store.outputs.contains(kWs + "/exp-export-out"));
        QCOMPARE(allTasks("trt", "trt-compilation")[0][QLatin1String("statusType")].toString(), QString("error"));
        QCOMPARE(allTasks("trt", "trt-compilation")[1][QLatin1String("statusType")].toString(), QString("success"));
    }

    void videoJobsUseOneTaskPerVideo()
    {
        QVector<StoredFile> videos = m_store.batches.value(kWs + "/in").mid(0, 3);
        for (StoredFile &f : videos)
            f.fileName.replace(".jpg", ".mp4");
        m_store.batches[kWs + "/videos"] = videos;
        QJsonObject def = withSpec(withField(imageJob("videos"), "type", "simple-video-processing-v1"), "maxVideoFPS", 5);
        QCOMPARE(create("vid", def), 200);
        QCOMPARE(create("vid-bad", withSpec(imageJob("in"), "maxVideoFPS", 5)), 400);   // video-only field
        wait(5);
        QCOMPARE(stages("vid")[0][QLatin1String("tasksNumber")].toInt(), 3);
        wait(1000);
        QCOMPARE(job("vid").value("error").toBool(), false);
        const auto files = m_store.outputs.value(kWs + "/vid-processing-out").value(0).files;
        QCOMPARE(files.size(), 3);
        QVERIFY(files[2].data.contains(".mp4"));
        QCOMPARE(stages("vid")[0][QLatin1String("notification")].toObject().value("message").toString(),
                 QString("Stage completed: 3 of 3 tasks succeeded"));
    }

    void resultsAreDeterministicAndArchivesReal()
    {
        QCOMPARE(create("r1", imageJob("in")), 200);
        wait(100);
        QCOMPARE(create("r2", imageJob("in", "another")), 200);
        QCOMPARE(create("r3", withSpec(imageJob("in"), "aggregationFormat", "csv")), 200);
        wait(1000);
        for (const QString &id : { QString("r1"), QString("r2"), QString("r3") })
            QVERIFY(job(id).value("isTerminal").toBool());
        const auto r1 = m_store.outputs.value(kWs + "/r1-processing-out").value(0).files;
        const auto r2 = m_store.outputs.value(kWs + "/r2-processing-out").value(0).files;
        QCOMPARE(r1.size(), 3);
        QCOMPARE(r2.size(), 3);
        for (int i = 0; i < r1.size(); ++i) {
            QCOMPARE(r1[i].fileName, r2[i].fileName);
            QCOMPARE(r1[i].data, r2[i].data);   // same inputs, same bytes
        }
        const auto a1 = m_store.outputs.value(kWs + "/r1-export-out");
        const auto a2 = m_store.outputs.value(kWs + "/r2-export-out");
        QCOMPARE(a1.size(), 1);
        QCOMPARE(a1[0].partName, QString("archives-1"));
        QCOMPARE(a1[0].contentType, QString("archives"));
        QCOMPARE(a1[0].files.size(), 3);
        QCOMPARE(a1[0].files[0].data, a2[0].files[0].data);
        QCOMPARE(a1[0].files[0].data.mid(4, 4), QByteArray(4, '\0'));   // no wall-clock mtime in the gzip header
        QString name;
        QCOMPARE(a1[0].files[0].fileName, QString("task-0001.tar.gz"));
        QCOMPARE(readFirstTarEntry(a1[0].files[0].data, &name), r1[0].data);
        QCOMPARE(name, QString("task-0001.jsonl"));

        // The digest is the real SHA-256 of the staged file's bytes.
        const StoredFile first = m_store.batches.value(kWs + "/in").first();
        QFile f(first.path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray sha = QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256).toHex();
        QCOMPARE(QJsonDocument::fromJson(r1[0].data.split('\n').first()).object().value("sha256").toString(), QString(sha));

        const auto csv = m_store.outputs.value(kWs + "/r3-processing-out").value(0).files;
        QCOMPARE(csv[0].fileName, QString("task-0001.csv"));
        const QList<QByteArray> rows = csv[0].data.trimmed().split('\n');
        QCOMPARE(rows.size(), 9);   // header + 8 images
        QVERIFY(rows[0].startsWith("image,size,sha256,"));
        QVERIFY(rows[1].startsWith("in-img-000.jpg,"));
        QVERIFY(rows[1].contains(sha));
        QVERIFY(readFirstTarEntry(m_store.outputs.value(kWs + "/r3-export-out")[0].files[0].data, &name) == csv[0].data);
    }

    void logsFilterBySeverityAndPage()
    {
        makeBatch("many", 128);
        QCOMPARE(create("lg", imageJob("many", "wf-fail")), 200);
        wait(2000);
        const QJsonArray errors = get("jobs/lg/logs", { { "severity", "error" } }).value("logs").toArray();
        QVERIFY(errors.size() >= 7);   // 6 task failures, the stage and the job
        for (const QJsonValue &e : errors) {
            QCOMPARE(e[QLatin1String("severity")].toString(), QString("error"));
            QVERIFY(e[QLatin1String("createdAt")].toString().endsWith('Z'));
            QVERIFY(e[QLatin1String("payload")].isObject());
            QVERIFY(!e[QLatin1String("reportingModule")].toString().isEmpty());
        }
        const QJsonArray warnings = get("jobs/lg/logs", { { "severity", "warning" } }).value("logs").toArray();
        QVERIFY(!warnings.isEmpty());
        for (const QJsonValue &e : warnings)
            QCOMPARE(e[QLatin1String("severity")].toString(), QString("warning"));
        get("jobs/lg/logs", { { "severity", "debug" } }, 400);

        QJsonArray all;
        QMap<QString, QString> q{ { "pageSize", "7" } };
        int pages = 0;
        for (;; ++pages) {
            const QJsonObject page = get("jobs/lg/logs", q);
            for (const QJsonValue &e : page.value("logs").toArray())
                all.append(e);
            if (page.value("nextPageToken").isNull())
                break;
            q[QLatin1String("nextPageToken")] = page.value("nextPageToken").toString();
        }
        QVERIFY(pages > 3);
        int info = 0;
        for (const QJsonValue &e : all)
            info += e[QLatin1String("severity")].toString() == "info" ? 1 : 0;
        QCOMPARE(info, get("jobs/lg/logs", { { "severity", "info" }, { "pageSize", "100" } }).value("logs").toArray().size());
        QCOMPARE(all.size(), info + int(errors.size()) + int(warnings.size()));
        for (int i = 1; i < all.size(); ++i)
            QVERIFY(all[i - 1][QLatin1String("createdAt")].toString() <= all[i][QLatin1String("createdAt")].toString());
    }

    void webhookSentExactlyOncePerCompletion()
    {
        QCOMPARE(create("wh", withField(imageJob("in"), "notificationsURL", "http://127.0.0.1:9/hook")), 200);
        QCOMPARE(create("wh-fail", withField(imageJob("in", "wf-fail"), "notificationsURL", "http://127.0.0.1:9/fail")), 200);
        QCOMPARE(create("quiet", imageJob("in")), 200);
        wait(20);
        job("wh");
        QCOMPARE(m_hooks.posts.size(), 0);
        wait(1000);
        m_service->advance();   // no poll needed
        job("wh");
        get("jobs");
        m_service->advance();
        QCOMPARE(m_hooks.posts.size(), 2);
        QMap<QString, QJsonObject> byJob;
        for (const auto &p : m_hooks.posts)
            byJob[p.second.value("job_id").toString()] = p.second;
        const QJsonObject ok = byJob.value("wh");
        QCOMPARE(ok.value("type").toString(), QString("roboflow-batch-job-notification-v1"));
        QCOMPARE(ok.value("job_state").toString(), QString("success"));
        QCOMPARE(ok.value("delivery_attempt").toInt(), 1);
        QCOMPARE(ok.value("event_id").toString().size(), 36);
        QCOMPARE(byJob.value("wh-fail").value("job_state").toString(), QString("fail"));

        // A restarted run completes again: one more webhook.
        QCOMPARE(call("POST", "jobs/wh-fail/restart", {}, R"({"type":"parameters-override-v1","maxImageFailureRate":1})").status, 200);
        wait(1000);
        job("wh-fail");
        job("wh-fail");
        QCOMPARE(m_hooks.posts.size(), 3);
        QCOMPARE(m_hooks.posts.last().first, QString("http://127.0.0.1:9/fail"));
        QCOMPARE(m_hooks.posts.last().second.value("job_state").toString(), QString("success"));
    }

    void abortSendsFailWebhook()
    {
        QCOMPARE(create("wa", withField(imageJob("in"), "notificationsURL", "http://127.0.0.1:9/hook")), 200);
        wait(5);
        QCOMPARE(call("POST", "jobs/wa/abort").status, 200);
        job("wa");
        QCOMPARE(m_hooks.posts.size(), 1);
        QCOMPARE(m_hooks.posts[0].second.value("job_state").toString(), QString("fail"));
    }

    void saveAndLoadKeepJobs()
    {
        QCOMPARE(create("keep", imageJob("in", "wf-fail")), 200);
        wait(40);
        const QJsonObject before = job("keep");
        const QJsonObject state = m_service->save();
        SandboxClock clock;
        clock.now = [this] { return m_now; };
        m_service = std::make_unique<JobService>(&m_store, &m_hooks, clock);
        m_service->load(QJsonDocument::fromJson(QJsonDocument(state).toJson()).object());
        QCOMPARE(job("keep"), before);
        wait(2000);
        QCOMPARE(job("keep").value("error").toBool(), true);
    }

    void demoSeed()
    {
        m_service->seedDemo(kWs);
        QJsonObject finished = job("demo-finished");
        QCOMPARE(finished.value("isTerminal").toBool(), true);
        QCOMPARE(finished.value("error").toBool(), false);
        QVERIFY(m_store.outputs.contains(kWs + "/demo-finished-processing-out"));
        QVERIFY(m_store.outputs.contains(kWs + "/demo-finished-export-out"));
        QCOMPARE(m_store.outputs.value(kWs + "/demo-finished-processing-out")[0].files.size(), 3);   // 20 synthetic inputs
        QCOMPARE(job("demo-running").value("isTerminal").toBool(), false);
        wait(600);
        QCOMPARE(job("demo-running").value("isTerminal").toBool(), false);
        wait(600);
        QCOMPARE(job("demo-running").value("isTerminal").toBool(), true);
        m_service->seedDemo(kWs);   // idempotent
        QCOMPARE(get("jobs").value("jobs").toArray().size(), 2);

        // With a staged demo batch, its files are used.
        makeBatch("demo-images", 9);
        m_service = std::make_unique<JobService>(&m_store, &m_hooks, SandboxClock{ [this] { return m_now; }, 1.0 });
        m_service->seedDemo(kWs);
        const auto files = m_store.outputs.value(kWs + "/demo-finished-processing-out")[0].files;
        QCOMPARE(files.size(), 2);
        QVERIFY(files[0].data.startsWith("{\"image\":\"demo-images-img-000.jpg\""));
    }

    void concurrentRequests()
    {
        // The front calls from several threads; the service must stay consistent.
        std::atomic<int> created = 0, polled = 0;
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&, t] {
                for (int i = 0; i < 25; ++i) {
                    const QString id = QStringLiteral("c%1-%2").arg(t).arg(i);
                    created += create(id, imageJob("in")) == 200 ? 1 : 0;
                    polled += call("GET", "jobs/" + id + "/stages").status == 200 ? 1 : 0;
                    call("GET", "jobs");
                }
            });
        }
        for (std::thread &t : threads)
            t.join();
        QCOMPARE(created.load(), 100);
        QCOMPARE(polled.load(), 100);
        QCOMPARE(get("jobs", { { "pageSize", "100" } }).value("jobs").toArray().size(), 100);
    }

    void timeScaleSpeedsUp()
    {
        m_service = std::make_unique<JobService>(&m_store, &m_hooks, SandboxClock{ [this] { return m_now; }, 100.0 });
        QCOMPARE(create("fast", imageJob("in")), 200);
        wait(5);   // 500 simulated seconds
        QCOMPARE(job("fast").value("isTerminal").toBool(), true);
    }
};

QTEST_GUILESS_MAIN(TestJobService)
#include "tst_jobservice.moc"
