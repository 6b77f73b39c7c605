#include "sandbox/WebhookDispatcher.h"

#include "core/Redact.h"

#include <QDebug>
#include <QJsonArray>
#include <QJsonDocument>
#include <QUrl>
#include <QUuid>

#include <httplib.h>

namespace bd::sandbox {

namespace {
constexpr int kRetryDelaysMs[] = { 200, 500, 1000 };
constexpr int kMaxAttempts = 1 + int(std::size(kRetryDelaysMs));
constexpr int kMaxFilesPerNotification = 1000;   // [INFERRED] beyond this content_truncated is true
}

WebhookDispatcher::WebhookDispatcher(QString publishableKey) : m_publishableKey(std::move(publishableKey)) {}

WebhookDispatcher::~WebhookDispatcher() { stop(); }

void WebhookDispatcher::stop() { m_runner.stop(); }

void WebhookDispatcher::post(const QString &url, const QJsonObject &payload) { postLater(url, payload, 0); }

void WebhookDispatcher::postLater(const QString &url, const QJsonObject &payload, int delayMs)
{
    if (url.isEmpty())
        return;
    m_runner.post([this, url, payload] { attempt(url, payload, 1); }, delayMs);
}

void WebhookDispatcher::attempt(const QString &url, QJsonObject payload, int number)
{
    payload.insert(QStringLiteral("delivery_attempt"), number);
    const QUrl target(url);
    bool delivered = false;
    if (target.isValid() && (target.scheme() == QLatin1String("http") || target.scheme() == QLatin1String("https"))) {
        const std::string origin = target.toString(QUrl::RemovePath | QUrl::RemoveQuery | QUrl::RemoveFragment
                                                   | QUrl::RemoveUserInfo).toStdString();
        httplib::Client client(origin);
        client.set_connection_timeout(3);
        client.set_read_timeout(5);
        client.enable_server_certificate_verification(false);   // local test receivers use self-signed certs
        QString path = target.path(QUrl::FullyEncoded);
        if (path.isEmpty())
            path = QStringLiteral("/");
        if (target.hasQuery())
            path += QLatin1Char('?') + target.query(QUrl::FullyEncoded);
        const httplib::Headers headers{ { "Authorization", "Bearer " + m_publishableKey.toStdString() } };
        const auto body = QJsonDocument(payload).toJson(QJsonDocument::Compact).toStdString();
        const auto result = client.Post(path.toStdString(), headers, body, "application/json");
        delivered = result && result->status >= 200 && result->status < 300;
        if (!delivered)
            qInfo().noquote() << "sandbox: webhook attempt" << number << "to" << bd::redact(url) << "failed:"
                              << (result ? QString::number(result->status) : QString::fromStdString(httplib::to_string(result.error())));
    }
    if (delivered) {
        ++m_delivered;
        return;
    }
    if (number < kMaxAttempts)
        m_runner.post([this, url, payload, number] { attempt(url, payload, number + 1); }, kRetryDelaysMs[number - 1]);
}

QJsonObject WebhookDispatcher::ingestStatus(const QString &ingestId, const QString &batchId, const QString &shardId,
                                            bool success, const QString &errorType, const QString &reason)
{
    QJsonObject notification{ { "type", "ingest-status-notification-v1" }, { "success", success } };
    if (!success)
        notification.insert(QStringLiteral("error_details"), QJsonObject{ { "type", errorType }, { "reason", reason } });
    return { { "type", "roboflow-data-staging-notification-v1" },
             { "event_id", QUuid::createUuid().toString(QUuid::WithoutBraces) },
             { "ingest_id", ingestId }, { "batch_id", batchId },
             { "shard_id", shardId.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(shardId) },
             { "notification", notification } };
}

QJsonObject WebhookDispatcher::filesStatus(const QString &ingestId, const QString &batchId, const QString &shardId,
                                           const QStringList &ingested, const QJsonArray &failed)
{
    const bool truncated = ingested.size() + failed.size() > kMaxFilesPerNotification;
    QJsonObject notification{ { "type", "ingest-files-status-notification-v1" },
                              { "success", failed.isEmpty() },
                              { "ingested_files", QJsonArray::fromStringList(ingested.mid(0, kMaxFilesPerNotification)) },
                              { "failed_files", failed },
                              { "content_truncated", truncated } };
    return { { "type", "roboflow-data-staging-notification-v1" },
             { "event_id", QUuid::createUuid().toString(QUuid::WithoutBraces) },
             { "ingest_id", ingestId }, { "batch_id", batchId }, { "shard_id", shardId },
             { "notification", notification } };
}

}  // namespace bd::sandbox
