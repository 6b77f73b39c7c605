#pragma once
// Typed view of the webhook payloads Roboflow posts to a notificationsURL (spec §13): ingest
// status, per-shard file status and job completion. Unknown types are kept as raw JSON so a
// newer server never loses an event.
#include "core/Error.h"

#include <QDateTime>
#include <QJsonObject>
#include <QMetaType>
#include <QString>
#include <QStringList>
#include <QVector>

namespace bd::notify {

enum class WebhookKind { IngestStatus, FilesStatus, JobCompletion, Unknown };

QString webhookKindName(WebhookKind kind);

struct FailedFile {
    QString type;
    QString fileName;
    QString reason;
};

struct WebhookEvent {
    WebhookKind kind = WebhookKind::Unknown;
    QString type;              // envelope "type"
    QString eventId;           // "event_id"; for payloads without one, a digest of the body
    int deliveryAttempt = 0;

    // Data-staging envelope (IngestStatus / FilesStatus).
    QString ingestId;
    QString batchId;
    QString shardId;           // empty when null
    QString notificationType;  // notification.type
    bool success = false;
    QString errorType;         // notification.error_details.type (ingest-status)
    QString errorReason;
    QStringList ingestedFiles; // files-status
    QVector<FailedFile> failedFiles;
    bool contentTruncated = false;

    // Job completion.
    QString jobId;
    QString jobState;          // "success" | "fail"

    QJsonObject raw;           // the whole payload, always kept
    QDateTime receivedAt;      // UTC, set by the receiver
};

// Parse a webhook body. Returns false with an InvalidInput error for anything that is not a JSON
// object; unknown "type" values parse fine as WebhookKind::Unknown.
bool parseWebhookEvent(const QByteArray &body, WebhookEvent *event, Error *error = nullptr);

}  // namespace bd::notify

Q_DECLARE_METATYPE(bd::notify::WebhookEvent)
