// Model decoding (required fields, types, timestamps, strict enums, unknown keys), the snake_case
// JSONL layouts, and the §10 stage-progress maths.
#include "api/ApiModels.h"
#include "api/StageProgress.h"

#include <QJsonDocument>
#include <QtTest>

using namespace bd;
using namespace bd::api;

namespace {

QJsonObject obj(const char *json)
{
    return QJsonDocument::fromJson(QByteArray(json)).object();
}

QJsonObject batchJson()
{
    return obj(R"({"displayName":"Cats","batchId":"cats-1","batchType":"simple-batch","batchContentType":"images",
                 "createdDate":"2026-11-20T10:00:00Z","expiryDate":"2026-11-27T10:00:00+02:00","extra":{"x":1}})");
}

Task task(const QString &status, std::optional<double> progress, const QJsonValue &notification = QJsonValue(),
          const QString &ts = QStringLiteral("2026-11-20T10:00:00Z"))
{
    Task t;
    t.taskId = QStringLiteral("t");
    t.statusType = status;
    t.progress = progress;
    t.notification = notification;
    t.eventTimestamp = QDateTime::fromString(ts, Qt::ISODate);
    return t;
}

}  // namespace

class TestApiModels : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void batchParsesAndKeepsUnknownKeys()
    {
        Error e;
        const auto b = Batch::fromJson(batchJson(), QStringLiteral("list batches"), &e);
        QVERIFY2(b, qPrintable(e.message));
        QCOMPARE(b->batchId, QStringLiteral("cats-1"));
        QCOMPARE(b->expiryDate, QDateTime(QDate(2026, 11, 27), QTime(8, 0), Qt::UTC));
        QCOMPARE(b->raw.value(QStringLiteral("extra")).toObject().value(QStringLiteral("x")).toInt(), 1);
        QVERIFY(b->toJson().contains(QStringLiteral("extra")));
        QCOMPARE(b->toJson().value(QStringLiteral("expiryDate")).toString(), QStringLiteral("2026-11-27T08:00:00.000Z"));
    }

    void missingFieldNamesEndpointAndField()
    {
        QJsonObject json = batchJson();
        json.remove(QStringLiteral("batchType"));
        Error e;
        QVERIFY(!Batch::fromJson(json, QStringLiteral("list batches"), &e));
        QCOMPARE(e.kind, ErrorKind::BadResponse);
        QCOMPARE(e.message, QStringLiteral("Could not decode Roboflow API response: list batches field 'batchType' is missing"));
    }

    void wrongTypeIsReported()
    {
        QJsonObject json = batchJson();
        json.insert(QStringLiteral("batchId"), 42);
        Error e;
        QVERIFY(!Batch::fromJson(json, QStringLiteral("get batch details"), &e));
        QCOMPARE(e.message, QStringLiteral("Could not decode Roboflow API response: get batch details field 'batchId' has wrong type"));
    }

    void naiveTimestampIsRefused()
    {
        QJsonObject json = batchJson();
        json.insert(QStringLiteral("createdDate"), QStringLiteral("2026-11-20T10:00:00"));
        Error e;
        QVERIFY(!Batch::fromJson(json, QStringLiteral("list batches"), &e));
        QVERIFY(e.message.contains(QStringLiteral("'createdDate' has wrong type")));
    }

    void batchFileSnakeJsonAndIdentity()
    {
        Error e;
        const auto f = BatchFile::fromJson(
            obj(R"({"downloadURL":"https:\/\/s.example/a?X-Goog-Signature=abc%2Bd","fileName":"a.jpg","contentType":"image/jpeg","partName":null})"),
            QStringLiteral("list batch content"), &e);
        QVERIFY2(f, qPrintable(e.message));
        QCOMPARE(f->identityKey(), QStringLiteral("a.jpg-None-None"));
        const QJsonObject snake = f->toSnakeJson();
        QCOMPARE(snake.value(QStringLiteral("file_name")).toString(), QStringLiteral("a.jpg"));
        QCOMPARE(snake.value(QStringLiteral("download_url")).toString(), QStringLiteral("https://s.example/a?X-Goog-Signature=abc%2Bd"));
        QVERIFY(snake.value(QStringLiteral("shard_id")).isNull());
        QVERIFY(snake.contains(QStringLiteral("nested_content_type")));
        QVERIFY(f->toJson().value(QStringLiteral("partName")).isNull());
    }

    void shardSnakeJson()
    {
        Error e;
        const auto s = Shard::fromJson(obj(R"({"shardId":"s1","statusName":"done","statusType":"success","eventTimestamp":"2026-11-20T10:00:00+00:00","shardObjectsCount":256,"statusMetadata":{"k":"v"}})"),
                                       QStringLiteral("list batch shards"), &e);
        QVERIFY2(s, qPrintable(e.message));
        QVERIFY(s->isSucceeded());
        const QJsonObject snake = s->toSnakeJson();
        QCOMPARE(snake.value(QStringLiteral("shard_objects_count")).toInt(), 256);
        QCOMPARE(snake.value(QStringLiteral("event_timestamp")).toString(), QStringLiteral("2026-11-20T10:00:00.000Z"));
        QCOMPARE(snake.value(QStringLiteral("status_metadata")).toObject().value(QStringLiteral("k")).toString(), QStringLiteral("v"));
        QCOMPARE(snake.keys().size(), 6);
    }

    void shardCountMustBeInteger()
    {
        Error e;
        QVERIFY(!Shard::fromJson(obj(R"({"shardId":"s1","statusName":"n","statusType":"info","eventTimestamp":"2026-11-20T10:00:00Z","shardObjectsCount":"7"})"),
                                 QStringLiteral("list batch shards"), &e));
        QVERIFY(e.message.contains(QStringLiteral("'shardObjectsCount' has wrong type")));
    }

    void logSeverityIsStrict()
    {
        const char *good = R"({"createdAt":"2026-11-20T10:00:00Z","severity":"warning","reportingModule":"m","logType":"t","payload":{"a":1},"taskId":null})";
        Error e;
        const auto log = LogEntry::fromJson(obj(good), QStringLiteral("get job logs"), &e);
        QVERIFY2(log, qPrintable(e.message));
        QCOMPARE(log->severity, LogSeverity::Warning);
        const QJsonObject snake = log->toSnakeJson();
        QCOMPARE(snake.value(QStringLiteral("severity")).toString(), QStringLiteral("warning"));
        QVERIFY(snake.value(QStringLiteral("task_id")).isNull());
        QCOMPARE(snake.value(QStringLiteral("reporting_module")).toString(), QStringLiteral("m"));

        QJsonObject bad = obj(good);
        bad.insert(QStringLiteral("severity"), QStringLiteral("WARNING"));
        QVERIFY(!LogEntry::fromJson(bad, QStringLiteral("get job logs"), &e));
        QCOMPARE(e.message, QStringLiteral("Could not decode Roboflow API response: get job logs field 'severity' has wrong type"));
    }

    void signedUploadHeadersMustBeStrings()
    {
        Error e;
        const auto ok = SignedUpload::fromResponse(obj(R"({"signedURLDetails":{"uploadURL":"http:\/\/h/up?sig=1","extensionHeaders":{"x-goog-meta":"v"}}})"),
                                                   QStringLiteral("upload video"), &e);
        QVERIFY2(ok, qPrintable(e.message));
        QCOMPARE(ok->extensionHeaders.size(), 1);
        QCOMPARE(ok->extensionHeaders.first().first, QByteArray("x-goog-meta"));
        QVERIFY(!SignedUpload::fromResponse(obj(R"({"signedURLDetails":{"uploadURL":"http:\/\/h/up"}})"), QStringLiteral("upload video"), &e));
        QVERIFY(e.message.contains(QStringLiteral("'extensionHeaders' is missing")));
        QVERIFY(!SignedUpload::fromResponse(obj(R"({"signedURLDetails":{"uploadURL":"http:\/\/h/up","extensionHeaders":{"a":1}}})"), QStringLiteral("upload video"), &e));
    }

    void jobDefaultsAndFreeFormFields()
    {
        Error e;
        const auto job = Job::fromJson(obj(R"({"jobId":"j","name":"n","jobDefinition":{"type":"x"},"createdAt":"2026-11-20T10:00:00Z","lastUpdate":"2026-11-20T11:00:00Z","lastNotification":"queued","plannedStages":["processing","export"]})"),
                                       QStringLiteral("get job metadata"), &e);
        QVERIFY2(job, qPrintable(e.message));
        QVERIFY(!job->error);
        QVERIFY(!job->isTerminal);
        QCOMPARE(job->lastNotification.toString(), QStringLiteral("queued"));
        QCOMPARE(job->plannedStages, (QStringList{QStringLiteral("processing"), QStringLiteral("export")}));
        QVERIFY(!Job::fromJson(obj(R"({"jobId":"j","name":"n","createdAt":"2026-11-20T10:00:00Z","lastUpdate":"2026-11-20T11:00:00Z"})"),
                               QStringLiteral("get job metadata"), &e));
        QVERIFY(e.message.contains(QStringLiteral("'jobDefinition' is missing")));
    }

    void taskProgressMayBeNull()
    {
        Error e;
        const auto t = Task::fromJson(obj(R"({"taskId":"t","notification":{"a":1},"statusType":"info","progress":null,"eventTimestamp":"2026-11-20T10:00:00Z"})"),
                                      QStringLiteral("list job stage tasks"), &e);
        QVERIFY2(t, qPrintable(e.message));
        QVERIFY(!t->progress.has_value());
    }

    void stageProgressHandComputed()
    {
        Stage stage;
        stage.tasksNumber = 4;
        stage.statusType = QStringLiteral("info");
        stage.lastEventTimestamp = QDateTime(QDate(2026, 11, 20), QTime(9, 0), Qt::UTC);
        const QVector<Task> tasks{task(QStringLiteral("success"), 1.0),
                                  task(QStringLiteral("task-error"), 0.3, QStringLiteral("boom")),
                                  task(QStringLiteral("info"), 0.5, {}, QStringLiteral("2026-11-20T12:00:00Z")),
                                  task(QStringLiteral("info"), std::nullopt)};
        const StageProgress p = computeStageProgress(stage, tasks);
        // 0.25 + 0.25 + 0.5 × 0.25 + 0 = 0.625
        QCOMPARE(p.progress, 0.625);
        QCOMPARE(p.succeeded, 1);
        QCOMPARE(p.failed, 1);
        QCOMPARE(p.waiting, 1);
        QCOMPARE(p.running, 1);
        QCOMPARE(p.terminated, 2);
        QVERIFY(p.isRunning);
        QVERIFY(!p.hasError);
        QCOMPARE(p.lastUpdate, QDateTime(QDate(2026, 11, 20), QTime(12, 0), Qt::UTC));
    }

    void stageWithZeroTasksDoesNotDivideByZero()
    {
        Stage stage;
        stage.tasksNumber = 0;
        stage.statusType = QStringLiteral("processing-error");
        const StageProgress p = computeStageProgress(stage, {task(QStringLiteral("success"), 1.0)});
        QCOMPARE(p.progress, 0.0);
        QCOMPARE(p.waiting, 0);
        QVERIFY(p.hasError);
        QVERIFY(!p.isRunning);
        QVERIFY(std::isfinite(p.progress));
    }

    void errorSummaryMostFrequentFirst()
    {
        const QJsonObject oom{{QStringLiteral("reason"), QStringLiteral("oom")}};
        const QVector<Task> tasks{task(QStringLiteral("error"), 1.0, QStringLiteral("timeout")),
                                  task(QStringLiteral("ERROR"), 1.0, oom),
                                  task(QStringLiteral("error"), 1.0, oom),
                                  task(QStringLiteral("success"), 1.0, oom)};
        const auto summary = errorSummary(tasks);
        QCOMPARE(summary.size(), 2);
        QCOMPARE(summary[0].first, QStringLiteral("{\"reason\":\"oom\"}"));
        QCOMPARE(summary[0].second, 2);
        QCOMPARE(summary[1], qMakePair(QStringLiteral("timeout"), 1));
        QVERIFY(errorSummary({task(QStringLiteral("success"), 1.0)}).isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestApiModels)
#include "tst_apimodels.moc"
