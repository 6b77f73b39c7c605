#pragma once
// Typed views of the Roboflow API objects (spec §4, §9). Each model:
//  - parses from the server's camelCase QJsonObject with fromJson(), tolerating unknown keys and
//    failing with Error{BadResponse, "Could not decode Roboflow API response: <endpoint> field
//    '<field>' is missing" / "... has wrong type"} when a required key is absent or mistyped;
//  - keeps the server object verbatim in `raw` (free-form fields live there too);
//  - writes itself back with toJson() (camelCase, as received) and, where §8.4 defines one, with
//    toSnakeJson() (the snake_case JSONL layouts of the reference CLI).
// Optional string fields are empty when absent. Timestamps are UTC QDateTimes; a timestamp
// without an offset is refused (the reference client crashes on them).
#include "core/Error.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QPair>
#include <QString>
#include <QStringList>
#include <QUrl>
#include <QVector>

#include <optional>

namespace bd::api {

// §4.1 BatchMetadata.
struct Batch {
    QString batchId;
    QString displayName;
    QString batchType;         // simple-batch | sharded-batch | multipart-batch
    QString batchContentType;  // images | videos | metadata | archives | mixed
    QDateTime createdDate;
    QDateTime expiryDate;
    QJsonObject raw;

    bool isMultipart() const { return batchType == QLatin1String("multipart-batch"); }
    static std::optional<Batch> fromJson(const QJsonObject &json, const QString &endpoint, Error *error);
    QJsonObject toJson() const;
};

// §4.5 MultipartBatchPartMetadata.
struct BatchPart {
    QString partName;
    QString partType;
    QString contentType;
    QString partDescription;    // optional
    QString nestedContentType;  // optional
    QJsonObject raw;

    static std::optional<BatchPart> fromJson(const QJsonObject &json, const QString &endpoint, Error *error);
    QJsonObject toJson() const;
};

// §4.6 FileMetadata: one downloadable file of a batch.
struct BatchFile {
    QUrl downloadUrl;           // signed; GET it without the API key
    QString fileName;           // authoritative local file name (never derive it from the URL)
    QString partName;           // optional
    QString shardId;            // optional
    QString contentType;
    QString nestedContentType;  // optional
    QJsonObject raw;

    // Export-log identity (§8.3): "<fileName>-<partName>-<shardId>", absent values as "None".
    QString identityKey() const;
    static std::optional<BatchFile> fromJson(const QJsonObject &json, const QString &endpoint, Error *error);
    // camelCase with every key present, absent optionals as null (the §8.3 export-log layout).
    QJsonObject toJson() const;
    // download_url, file_name, part_name, shard_id, content_type, nested_content_type (§8.4).
    QJsonObject toSnakeJson() const;
};

// §4.7 ShardDetails: the ingest status of one shard.
struct Shard {
    QString shardId;
    QString statusName;
    QString statusType;   // contains "error" = failed, "info" = in progress, "success" = done
    QDateTime eventTimestamp;
    qint64 shardObjectsCount = 0;
    QJsonObject statusMetadata;  // optional, free-form
    QJsonObject raw;

    bool isFailed() const { return statusType.contains(QLatin1String("error"), Qt::CaseInsensitive); }
    bool isSucceeded() const { return statusType.contains(QLatin1String("success"), Qt::CaseInsensitive); }
    bool isInProgress() const { return statusType.contains(QLatin1String("info"), Qt::CaseInsensitive); }
    static std::optional<Shard> fromJson(const QJsonObject &json, const QString &endpoint, Error *error);
    QJsonObject toJson() const;
    // shard_id, status_name, status_type, event_timestamp (ISO), shard_objects_count,
    // status_metadata (§8.4).
    QJsonObject toSnakeJson() const;
};

// §4.9 signedURLDetails: where and how to PUT bytes (S1).
struct SignedUpload {
    QUrl uploadUrl;
    QVector<QPair<QByteArray, QByteArray>> extensionHeaders;  // sent verbatim, in server order
    QJsonObject raw;  // the signedURLDetails object

    // Parses the whole D8/D9 response ({"signedURLDetails": {...}}).
    static std::optional<SignedUpload> fromResponse(const QJsonObject &json, const QString &endpoint, Error *error);
    // Parses the inner signedURLDetails object.
    static std::optional<SignedUpload> fromJson(const QJsonObject &json, const QString &endpoint, Error *error);
    QJsonObject toJson() const;
};

// §4.11 / §4.12 reference-ingest response.
struct IngestResponse {
    QString ingestId;
    QStringList shardIds;     // images only; empty when absent
    bool duplicated = false;  // the server recognised a repeat
    QJsonObject raw;

    static std::optional<IngestResponse> fromJson(const QJsonObject &json, const QString &endpoint, Error *error);
    QJsonObject toJson() const;
};

// §9.1 JobMetadata.
struct Job {
    QString jobId;
    QString name;
    QJsonObject jobDefinition;
    QString currentStage;        // optional
    QStringList plannedStages;   // optional, ordered
    bool error = false;
    bool isTerminal = false;
    QJsonValue lastNotification; // object, string or null (free-form)
    QDateTime createdAt;
    QDateTime lastUpdate;
    QJsonArray restartParametersOverride;
    QJsonObject raw;

    static std::optional<Job> fromJson(const QJsonObject &json, const QString &endpoint, Error *error);
    QJsonObject toJson() const;
};

// §9.5 JobStageDetails.
struct Stage {
    QString processingStageId;
    QString processingStageName;  // e.g. processing, export
    int tasksNumber = 0;
    QStringList outputBatches;    // staging batch ids produced by the stage
    QDateTime startTimestamp;
    QJsonValue notification;      // object or string (free-form)
    QString statusType;           // "info" = running
    QDateTime lastEventTimestamp;
    QJsonObject raw;

    static std::optional<Stage> fromJson(const QJsonObject &json, const QString &endpoint, Error *error);
    QJsonObject toJson() const;
};

// §9.6 TaskStatus.
struct Task {
    QString taskId;
    QJsonValue notification;      // object or string (free-form)
    QString statusType;           // "info" = running; contains success / error when terminal
    std::optional<double> progress; // 0..1 while running; nullopt = not yet started
    QDateTime eventTimestamp;
    QJsonObject raw;

    static std::optional<Task> fromJson(const QJsonObject &json, const QString &endpoint, Error *error);
    QJsonObject toJson() const;
};

enum class LogSeverity { Info, Warning, Error };
QString logSeverityName(LogSeverity severity);                // "info" / "warning" / "error"
std::optional<LogSeverity> logSeverityFromName(const QString &name);  // strict, lower-case only

// §9.9 JobLog.
struct LogEntry {
    QDateTime createdAt;
    QString processingStageId;  // optional
    QString taskId;             // optional
    LogSeverity severity = LogSeverity::Info;
    QString reportingModule;
    QString logType;
    QJsonObject payload;        // free-form
    QJsonObject raw;

    static std::optional<LogEntry> fromJson(const QJsonObject &json, const QString &endpoint, Error *error);
    QJsonObject toJson() const;
    // created_at, processing_stage_id, task_id, severity, reporting_module, log_type, payload (§8.4).
    QJsonObject toSnakeJson() const;
};

// One page of a paginated listing. nextPageToken is nullopt on the last page (null or absent).
template <class T>
struct Page {
    QVector<T> items;
    std::optional<QString> nextPageToken;
};

// The message every decode failure uses (exposed for tests and for other parsers).
Error decodeError(const QString &endpoint, const QString &field, bool missing);

}  // namespace bd::api
