#include "notify/WebhookEvent.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>

namespace bd::notify {

QString webhookKindName(WebhookKind kind)
{
    switch (kind) {
    case WebhookKind::IngestStatus: return QStringLiteral("ingest-status");
    case WebhookKind::FilesStatus: return QStringLiteral("files-status");
    case WebhookKind::JobCompletion: return QStringLiteral("job-completion");
    case WebhookKind::Unknown: break;
    }
    return QStringLiteral("unknown");
}

namespace {

void parseStaging(const QJsonObject &o, WebhookEvent *e)
{
    e->ingestId = o.value(QLatin1String("ingest_id")).toString();
    e->batchId = o.value(QLatin1String("batch_id")).toString();
    e->shardId = o.value(QLatin1String("shard_id")).toString();   // null -> empty
    const QJsonObject n = o.value(QLatin1String("notification")).toObject();
    e->notificationType = n.value(QLatin1String("type")).toString();
    e->success = n.value(QLatin1String("success")).toBool();
    if (e->notificationType == QLatin1String("ingest-files-status-notification-v1")) {
        e->kind = WebhookKind::FilesStatus;
        for (const QJsonValue &v : n.value(QLatin1String("ingested_files")).toArray())
            e->ingestedFiles.append(v.toString());
        for (const QJsonValue &v : n.value(QLatin1String("failed_files")).toArray()) {
            const QJsonObject f = v.toObject();
            e->failedFiles.append({ f.value(QLatin1String("type")).toString(),
                                    f.value(QLatin1String("file_name")).toString(),
                                    f.value(QLatin1String("reason")).toString() });
        }
        e->contentTruncated = n.value(QLatin1String("content_truncated")).toBool();
    } else if (e->notificationType == QLatin1String("ingest-status-notification-v1")) {
        e->kind = WebhookKind::IngestStatus;
        const QJsonObject d = n.value(QLatin1String("error_details")).toObject();
        e->errorType = d.value(QLatin1String("type")).toString();
        e->errorReason = d.value(QLatin1String("reason")).toString();
    }
    // Any other notification type inside the staging envelope stays Unknown (raw is kept).
}

}  // namespace

bool parseWebhookEvent(const QByteArray &body, WebhookEvent *event, Error *error)
{
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject()) {
        if (error)
            *error = Error(ErrorKind::InvalidInput,
                           pe.error != QJsonParseError::NoError
                               ? QStringLiteral("Webhook body is not valid JSON: %1").arg(pe.errorString())
                               : QStringLiteral("Webhook body is not a JSON object"));
        return false;
    }
    WebhookEvent e;
    e.raw = doc.object();
    e.type = e.raw.value(QLatin1String("type")).toString();
    e.eventId = e.raw.value(QLatin1String("event_id")).toString();
    if (e.eventId.isEmpty()) {
        // Still de-duplicate redeliveries of id-less payloads: digest everything but the attempt.
        QJsonObject stable = e.raw;
        stable.remove(QLatin1String("delivery_attempt"));
        e.eventId = QStringLiteral("sha256:")
                    + QString::fromLatin1(QCryptographicHash::hash(QJsonDocument(stable).toJson(QJsonDocument::Compact),
                                                                   QCryptographicHash::Sha256).toHex());
    }
    e.deliveryAttempt = e.raw.value(QLatin1String("delivery_attempt")).toInt();
    if (e.type == QLatin1String("roboflow-data-staging-notification-v1")) {
        parseStaging(e.raw, &e);
    } else if (e.type == QLatin1String("roboflow-batch-job-notification-v1")) {
        e.kind = WebhookKind::JobCompletion;
        e.jobId = e.raw.value(QLatin1String("job_id")).toString();
        e.jobState = e.raw.value(QLatin1String("job_state")).toString();
        e.success = e.jobState == QLatin1String("success");
    }
    *event = e;
    return true;
}

}  // namespace bd::notify
