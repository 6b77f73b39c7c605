#include "notify/WebhookStore.h"

#include "core/Database.h"

#include <QJsonDocument>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

#include <algorithm>
#include <atomic>

namespace bd::notify {

namespace {
std::atomic<int> g_maxEvents{ WebhookStore::Limits{}.maxEvents };
std::atomic<qint64> g_maxPayloadBytes{ WebhookStore::Limits{}.maxPayloadBytes };
}  // namespace

WebhookStore::Limits WebhookStore::limits() { return { g_maxEvents.load(), g_maxPayloadBytes.load() }; }

void WebhookStore::setLimits(const Limits &limits)
{
    g_maxEvents = std::max(1, limits.maxEvents);
    g_maxPayloadBytes = std::max<qint64>(1, limits.maxPayloadBytes);
}

int WebhookStore::prune(QString *errorText)
{
    QSqlQuery q(database());
    // Newest first; a row goes when it is beyond the count or when it and the newer rows together
    // exceed the byte budget (so the newest event is kept even when it alone is larger).
    q.prepare(QStringLiteral("DELETE FROM webhook_events WHERE rowid IN ("
                             " SELECT rowid FROM (SELECT rowid, ROW_NUMBER() OVER w AS n,"
                             "  SUM(length(payload)) OVER w AS bytes FROM webhook_events"
                             "  WINDOW w AS (ORDER BY received_at DESC, rowid DESC))"
                             " WHERE n > ? OR (n > 1 AND bytes > ?))"));
    q.addBindValue(g_maxEvents.load());
    q.addBindValue(g_maxPayloadBytes.load());
    if (!q.exec()) {
        if (errorText)
            *errorText = q.lastError().text();
        return -1;
    }
    return q.numRowsAffected();
}

bool WebhookStore::ensureSchema(QString *errorText)
{
    // The table comes from the one schema (core/Schema.cpp), migrated when the database opens.
    if (database().isOpen())
        return true;
    if (errorText)
        *errorText = databaseError().message;
    return false;
}

int WebhookStore::insertIfNew(const WebhookEvent &e, QString *errorText)
{
    if (!ensureSchema(errorText))
        return -1;
    QSqlQuery q(database());
    q.prepare(QStringLiteral("INSERT OR IGNORE INTO webhook_events (event_id, kind, type, received_at,"
                             " delivery_attempt, job_id, job_state, ingest_id, batch_id, shard_id, success, payload)"
                             " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"));
    const QDateTime at = e.receivedAt.isValid() ? e.receivedAt : QDateTime::currentDateTimeUtc();
    q.addBindValue(e.eventId);
    q.addBindValue(webhookKindName(e.kind));
    q.addBindValue(e.type);
    q.addBindValue(at.toUTC().toString(Qt::ISODateWithMs));
    q.addBindValue(e.deliveryAttempt);
    q.addBindValue(e.jobId);
    q.addBindValue(e.jobState);
    q.addBindValue(e.ingestId);
    q.addBindValue(e.batchId);
    q.addBindValue(e.shardId);
    q.addBindValue(e.success ? 1 : 0);
    q.addBindValue(QString::fromUtf8(QJsonDocument(e.raw).toJson(QJsonDocument::Compact)));
    if (!q.exec()) {
        if (errorText)
            *errorText = q.lastError().text();
        return -1;
    }
    if (q.numRowsAffected() <= 0)
        return 0;
    prune(errorText);   // a failed prune leaves an over-full history, not a lost event
    return 1;
}

bool WebhookStore::contains(const QString &eventId)
{
    if (!ensureSchema())
        return false;
    QSqlQuery q(database());
    q.prepare(QStringLiteral("SELECT 1 FROM webhook_events WHERE event_id = ?"));
    q.addBindValue(eventId);
    return q.exec() && q.next();
}

QVector<WebhookEvent> WebhookStore::recent(int limit)
{
    QVector<WebhookEvent> out;
    if (!ensureSchema())
        return out;
    QSqlQuery q(database());
    q.prepare(QStringLiteral("SELECT payload, received_at, event_id FROM webhook_events"
                             " ORDER BY received_at DESC, rowid DESC LIMIT ?"));
    q.addBindValue(limit);
    if (!q.exec())
        return out;
    while (q.next()) {
        WebhookEvent e;
        if (!parseWebhookEvent(q.value(0).toString().toUtf8(), &e))
            continue;
        e.receivedAt = QDateTime::fromString(q.value(1).toString(), Qt::ISODateWithMs);
        e.eventId = q.value(2).toString();
        out.append(e);
    }
    return out;
}

int WebhookStore::count()
{
    if (!ensureSchema())
        return 0;
    QSqlQuery q(database());
    return q.exec(QStringLiteral("SELECT COUNT(*) FROM webhook_events")) && q.next() ? q.value(0).toInt() : 0;
}

}  // namespace bd::notify
