#include "api/ApiModels.h"

#include "api/JsonFields.h"
#include "core/Format.h"

namespace bd::api {
namespace {

QJsonValue orNull(const QString &s)
{
    return s.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(s);
}

QJsonValue orNull(const QJsonObject &o)
{
    return o.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(o);
}

QJsonValue timestampValue(const QDateTime &dt)
{
    return dt.isValid() ? QJsonValue(toApiTimestamp(dt)) : QJsonValue(QJsonValue::Null);
}

// Start from the server's object so unknown keys survive, then write the known fields back.
QJsonObject withRaw(const QJsonObject &raw, std::initializer_list<QPair<QString, QJsonValue>> fields)
{
    QJsonObject out = raw;
    for (const auto &f : fields)
        out.insert(f.first, f.second);
    return out;
}

}  // namespace

// ---- Batch ----

std::optional<Batch> Batch::fromJson(const QJsonObject &json, const QString &endpoint, Error *error)
{
    JsonFields f(json, endpoint);
    Batch b;
    b.displayName = f.string(QStringLiteral("displayName"));
    b.batchId = f.string(QStringLiteral("batchId"));
    b.batchType = f.string(QStringLiteral("batchType"));
    b.batchContentType = f.string(QStringLiteral("batchContentType"));
    b.createdDate = f.timestamp(QStringLiteral("createdDate"));
    b.expiryDate = f.timestamp(QStringLiteral("expiryDate"));
    b.raw = json;
    if (!f.report(error))
        return std::nullopt;
    return b;
}

QJsonObject Batch::toJson() const
{
    return withRaw(raw, {{QStringLiteral("displayName"), displayName},
                         {QStringLiteral("batchId"), batchId},
                         {QStringLiteral("batchType"), batchType},
                         {QStringLiteral("batchContentType"), batchContentType},
                         {QStringLiteral("createdDate"), timestampValue(createdDate)},
                         {QStringLiteral("expiryDate"), timestampValue(expiryDate)}});
}

// ---- BatchPart ----

std::optional<BatchPart> BatchPart::fromJson(const QJsonObject &json, const QString &endpoint, Error *error)
{
    JsonFields f(json, endpoint);
    BatchPart p;
    p.partName = f.string(QStringLiteral("partName"));
    p.partType = f.string(QStringLiteral("partType"));
    p.contentType = f.string(QStringLiteral("contentType"));
    p.partDescription = f.optionalString(QStringLiteral("partDescription"));
    p.nestedContentType = f.optionalString(QStringLiteral("nestedContentType"));
    p.raw = json;
    if (!f.report(error))
        return std::nullopt;
    return p;
}

QJsonObject BatchPart::toJson() const
{
    return withRaw(raw, {{QStringLiteral("partName"), partName},
                         {QStringLiteral("partType"), partType},
                         {QStringLiteral("contentType"), contentType},
                         {QStringLiteral("partDescription"), orNull(partDescription)},
                         {QStringLiteral("nestedContentType"), orNull(nestedContentType)}});
}

// ---- BatchFile ----

std::optional<BatchFile> BatchFile::fromJson(const QJsonObject &json, const QString &endpoint, Error *error)
{
    JsonFields f(json, endpoint);
    BatchFile file;
    const QString url = f.string(QStringLiteral("downloadURL"));
    file.downloadUrl = QUrl(url, QUrl::StrictMode);
    file.fileName = f.string(QStringLiteral("fileName"));
    file.partName = f.optionalString(QStringLiteral("partName"));
    file.shardId = f.optionalString(QStringLiteral("shardId"));
    file.contentType = f.string(QStringLiteral("contentType"));
    file.nestedContentType = f.optionalString(QStringLiteral("nestedContentType"));
    file.raw = json;
    if (f.ok() && !file.downloadUrl.isValid()) {
        if (error)
            *error = decodeError(endpoint, QStringLiteral("downloadURL"), false);
        return std::nullopt;
    }
    if (!f.report(error))
        return std::nullopt;
    return file;
}

QString BatchFile::identityKey() const
{
    const auto part = [](const QString &s) { return s.isEmpty() ? QStringLiteral("None") : s; };
    return part(fileName) + QLatin1Char('-') + part(partName) + QLatin1Char('-') + part(shardId);
}

QJsonObject BatchFile::toJson() const
{
    return withRaw(raw, {{QStringLiteral("downloadURL"), downloadUrl.toString(QUrl::FullyEncoded)},
                         {QStringLiteral("fileName"), fileName},
                         {QStringLiteral("partName"), orNull(partName)},
                         {QStringLiteral("shardId"), orNull(shardId)},
                         {QStringLiteral("contentType"), contentType},
                         {QStringLiteral("nestedContentType"), orNull(nestedContentType)}});
}

QJsonObject BatchFile::toSnakeJson() const
{
    return QJsonObject{{QStringLiteral("download_url"), downloadUrl.toString(QUrl::FullyEncoded)},
                       {QStringLiteral("file_name"), fileName},
                       {QStringLiteral("part_name"), orNull(partName)},
                       {QStringLiteral("shard_id"), orNull(shardId)},
                       {QStringLiteral("content_type"), contentType},
                       {QStringLiteral("nested_content_type"), orNull(nestedContentType)}};
}

// ---- Shard ----

std::optional<Shard> Shard::fromJson(const QJsonObject &json, const QString &endpoint, Error *error)
{
    JsonFields f(json, endpoint);
    Shard s;
    s.shardId = f.string(QStringLiteral("shardId"));
    s.statusName = f.string(QStringLiteral("statusName"));
    s.statusType = f.string(QStringLiteral("statusType"));
    s.eventTimestamp = f.timestamp(QStringLiteral("eventTimestamp"));
    s.shardObjectsCount = f.integer(QStringLiteral("shardObjectsCount"));
    s.statusMetadata = f.object(QStringLiteral("statusMetadata"), false);
    s.raw = json;
    if (!f.report(error))
        return std::nullopt;
    return s;
}

QJsonObject Shard::toJson() const
{
    return withRaw(raw, {{QStringLiteral("shardId"), shardId},
                         {QStringLiteral("statusName"), statusName},
                         {QStringLiteral("statusType"), statusType},
                         {QStringLiteral("eventTimestamp"), timestampValue(eventTimestamp)},
                         {QStringLiteral("shardObjectsCount"), shardObjectsCount}});
}

QJsonObject Shard::toSnakeJson() const
{
    return QJsonObject{{QStringLiteral("shard_id"), shardId},
                       {QStringLiteral("status_name"), statusName},
                       {QStringLiteral("status_type"), statusType},
                       {QStringLiteral("event_timestamp"), timestampValue(eventTimestamp)},
                       {QStringLiteral("shard_objects_count"), shardObjectsCount},
                       {QStringLiteral("status_metadata"), orNull(statusMetadata)}};
}

// ---- SignedUpload ----

std::optional<SignedUpload> SignedUpload::fromResponse(const QJsonObject &json, const QString &endpoint, Error *error)
{
    JsonFields f(json, endpoint);
    const QJsonObject details = f.object(QStringLiteral("signedURLDetails"));
    if (!f.report(error))
        return std::nullopt;
    return fromJson(details, endpoint, error);
}

std::optional<SignedUpload> SignedUpload::fromJson(const QJsonObject &json, const QString &endpoint, Error *error)
{
    JsonFields f(json, endpoint);
    SignedUpload u;
    u.uploadUrl = QUrl(f.string(QStringLiteral("uploadURL")), QUrl::StrictMode);
    const QJsonObject headers = f.object(QStringLiteral("extensionHeaders"));
    u.raw = json;
    if (!f.report(error))
        return std::nullopt;
    if (!u.uploadUrl.isValid() || u.uploadUrl.scheme().isEmpty()) {
        if (error)
            *error = decodeError(endpoint, QStringLiteral("uploadURL"), false);
        return std::nullopt;
    }
    for (auto it = headers.constBegin(); it != headers.constEnd(); ++it) {
        if (!it->isString()) {
            if (error)
                *error = decodeError(endpoint, QStringLiteral("extensionHeaders.") + it.key(), false);
            return std::nullopt;
        }
        u.extensionHeaders.append({it.key().toUtf8(), it->toString().toUtf8()});
    }
    return u;
}

QJsonObject SignedUpload::toJson() const
{
    QJsonObject headers;
    for (const auto &h : extensionHeaders)
        headers.insert(QString::fromUtf8(h.first), QString::fromUtf8(h.second));
    return withRaw(raw, {{QStringLiteral("uploadURL"), uploadUrl.toString(QUrl::FullyEncoded)},
                         {QStringLiteral("extensionHeaders"), headers}});
}

// ---- IngestResponse ----

std::optional<IngestResponse> IngestResponse::fromJson(const QJsonObject &json, const QString &endpoint, Error *error)
{
    JsonFields f(json, endpoint);
    IngestResponse r;
    r.ingestId = f.string(QStringLiteral("ingestId"));
    r.shardIds = f.stringList(QStringLiteral("shardIds"), false);
    r.duplicated = f.boolean(QStringLiteral("duplicated"));
    r.raw = json;
    if (!f.report(error))
        return std::nullopt;
    return r;
}

QJsonObject IngestResponse::toJson() const
{
    return withRaw(raw, {{QStringLiteral("ingestId"), ingestId},
                         {QStringLiteral("shardIds"), QJsonArray::fromStringList(shardIds)},
                         {QStringLiteral("duplicated"), duplicated}});
}

// ---- Job ----

std::optional<Job> Job::fromJson(const QJsonObject &json, const QString &endpoint, Error *error)
{
    JsonFields f(json, endpoint);
    Job j;
    j.jobId = f.string(QStringLiteral("jobId"));
    j.name = f.string(QStringLiteral("name"));
    j.jobDefinition = f.object(QStringLiteral("jobDefinition"));
    j.currentStage = f.optionalString(QStringLiteral("currentStage"));
    j.plannedStages = f.stringList(QStringLiteral("plannedStages"), false);
    j.error = f.boolean(QStringLiteral("error"));
    j.isTerminal = f.boolean(QStringLiteral("isTerminal"));
    j.lastNotification = f.anyValue(QStringLiteral("lastNotification"), false, true);
    j.createdAt = f.timestamp(QStringLiteral("createdAt"));
    j.lastUpdate = f.timestamp(QStringLiteral("lastUpdate"));
    j.restartParametersOverride = f.array(QStringLiteral("restartParametersOverride"), false);
    j.raw = json;
    if (!f.report(error))
        return std::nullopt;
    return j;
}

QJsonObject Job::toJson() const
{
    return withRaw(raw, {{QStringLiteral("jobId"), jobId},
                         {QStringLiteral("name"), name},
                         {QStringLiteral("jobDefinition"), jobDefinition},
                         {QStringLiteral("currentStage"), orNull(currentStage)},
                         {QStringLiteral("plannedStages"), QJsonArray::fromStringList(plannedStages)},
                         {QStringLiteral("error"), error},
                         {QStringLiteral("isTerminal"), isTerminal},
                         {QStringLiteral("lastNotification"), lastNotification},
                         {QStringLiteral("createdAt"), timestampValue(createdAt)},
                         {QStringLiteral("lastUpdate"), timestampValue(lastUpdate)},
                         {QStringLiteral("restartParametersOverride"), restartParametersOverride}});
}

// ---- Stage ----

std::optional<Stage> Stage::fromJson(const QJsonObject &json, const QString &endpoint, Error *error)
{
    JsonFields f(json, endpoint);
    Stage s;
    s.processingStageId = f.string(QStringLiteral("processingStageId"));
    s.processingStageName = f.string(QStringLiteral("processingStageName"));
    s.tasksNumber = static_cast<int>(f.integer(QStringLiteral("tasksNumber")));
    s.outputBatches = f.stringList(QStringLiteral("outputBatches"));
    s.startTimestamp = f.timestamp(QStringLiteral("startTimestamp"));
    s.notification = f.anyValue(QStringLiteral("notification"), true, false);
    s.statusType = f.string(QStringLiteral("statusType"));
    s.lastEventTimestamp = f.timestamp(QStringLiteral("lastEventTimestamp"));
    s.raw = json;
    if (!f.report(error))
        return std::nullopt;
    return s;
}

QJsonObject Stage::toJson() const
{
    return withRaw(raw, {{QStringLiteral("processingStageId"), processingStageId},
                         {QStringLiteral("processingStageName"), processingStageName},
                         {QStringLiteral("tasksNumber"), tasksNumber},
                         {QStringLiteral("outputBatches"), QJsonArray::fromStringList(outputBatches)},
                         {QStringLiteral("startTimestamp"), timestampValue(startTimestamp)},
                         {QStringLiteral("notification"), notification},
                         {QStringLiteral("statusType"), statusType},
                         {QStringLiteral("lastEventTimestamp"), timestampValue(lastEventTimestamp)}});
}

// ---- Task ----

std::optional<Task> Task::fromJson(const QJsonObject &json, const QString &endpoint, Error *error)
{
    JsonFields f(json, endpoint);
    Task t;
    t.taskId = f.string(QStringLiteral("taskId"));
    t.notification = f.anyValue(QStringLiteral("notification"), true, false);
    t.statusType = f.string(QStringLiteral("statusType"));
    t.progress = f.nullableNumber(QStringLiteral("progress"));
    t.eventTimestamp = f.timestamp(QStringLiteral("eventTimestamp"));
    t.raw = json;
    if (!f.report(error))
        return std::nullopt;
    return t;
}

QJsonObject Task::toJson() const
{
    return withRaw(raw, {{QStringLiteral("taskId"), taskId},
                         {QStringLiteral("notification"), notification},
                         {QStringLiteral("statusType"), statusType},
                         {QStringLiteral("progress"), progress ? QJsonValue(*progress) : QJsonValue(QJsonValue::Null)},
                         {QStringLiteral("eventTimestamp"), timestampValue(eventTimestamp)}});
}

// ---- LogEntry ----

QString logSeverityName(LogSeverity severity)
{
    switch (severity) {
    case LogSeverity::Info: return QStringLiteral("info");
    case LogSeverity::Warning: return QStringLiteral("warning");
    case LogSeverity::Error: return QStringLiteral("error");
    }
    return QStringLiteral("info");
}

std::optional<LogSeverity> logSeverityFromName(const QString &name)
{
    if (name == QLatin1String("info"))
        return LogSeverity::Info;
    if (name == QLatin1String("warning"))
        return LogSeverity::Warning;
    if (name == QLatin1String("error"))
        return LogSeverity::Error;
    return std::nullopt;
}

std::optional<LogEntry> LogEntry::fromJson(const QJsonObject &json, const QString &endpoint, Error *error)
{
    JsonFields f(json, endpoint);
    LogEntry e;
    e.createdAt = f.timestamp(QStringLiteral("createdAt"));
    e.processingStageId = f.optionalString(QStringLiteral("processingStageId"));
    e.taskId = f.optionalString(QStringLiteral("taskId"));
    const QString severity = f.string(QStringLiteral("severity"));
    e.reportingModule = f.string(QStringLiteral("reportingModule"));
    e.logType = f.string(QStringLiteral("logType"));
    e.payload = f.object(QStringLiteral("payload"));
    e.raw = json;
    if (!f.report(error))
        return std::nullopt;
    const auto parsed = logSeverityFromName(severity);
    if (!parsed) {  // strict enum, as the reference client validates it
        if (error)
            *error = decodeError(endpoint, QStringLiteral("severity"), false);
        return std::nullopt;
    }
    e.severity = *parsed;
    return e;
}

QJsonObject LogEntry::toJson() const
{
    return withRaw(raw, {{QStringLiteral("createdAt"), timestampValue(createdAt)},
                         {QStringLiteral("processingStageId"), orNull(processingStageId)},
                         {QStringLiteral("taskId"), orNull(taskId)},
                         {QStringLiteral("severity"), logSeverityName(severity)},
                         {QStringLiteral("reportingModule"), reportingModule},
                         {QStringLiteral("logType"), logType},
                         {QStringLiteral("payload"), payload}});
}

QJsonObject LogEntry::toSnakeJson() const
{
    return QJsonObject{{QStringLiteral("created_at"), timestampValue(createdAt)},
                       {QStringLiteral("processing_stage_id"), orNull(processingStageId)},
                       {QStringLiteral("task_id"), orNull(taskId)},
                       {QStringLiteral("severity"), logSeverityName(severity)},
                       {QStringLiteral("reporting_module"), reportingModule},
                       {QStringLiteral("log_type"), logType},
                       {QStringLiteral("payload"), payload}};
}

}  // namespace bd::api
