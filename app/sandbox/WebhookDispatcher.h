#pragma once
// Delivers webhooks (§13) from a worker thread, never from an HTTP request thread:
// POST JSON with "Authorization: Bearer <publishable key>"; on a connection failure or a non-2xx
// answer it retries up to 3 times after 0.2 s, 0.5 s and 1 s (real time, independent of the
// time scale); "delivery_attempt" counts from 1.
#include "sandbox/SandboxContext.h"
#include "sandbox/TaskRunner.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QStringList>
#include <QString>

#include <atomic>

namespace bd::sandbox {

class WebhookDispatcher : public WebhookSender
{
public:
    explicit WebhookDispatcher(QString publishableKey);
    ~WebhookDispatcher() override;

    void post(const QString &url, const QJsonObject &payload) override;
    void postLater(const QString &url, const QJsonObject &payload, int delayMs);
    void stop();
    void waitIdle() { m_runner.waitIdle(); }
    int deliveredCount() const { return m_delivered; }

    // Envelopes of §13.1 / §13.2 (without delivery_attempt, which the dispatcher adds).
    static QJsonObject ingestStatus(const QString &ingestId, const QString &batchId, const QString &shardId,
                                    bool success, const QString &errorType = {}, const QString &reason = {});
    static QJsonObject filesStatus(const QString &ingestId, const QString &batchId, const QString &shardId,
                                   const QStringList &ingested, const QJsonArray &failed);

private:
    void attempt(const QString &url, QJsonObject payload, int number);

    QString m_publishableKey;
    TaskRunner m_runner;
    std::atomic<int> m_delivered{ 0 };
};

}  // namespace bd::sandbox
