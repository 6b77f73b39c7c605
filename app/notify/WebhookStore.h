#pragma once
// Webhook history in the local SQLite database (table webhook_events, keyed by event_id so a
// redelivered event is stored once). Uses this thread's bd::database() connection.
// The history is capped (by default the newest 5 000 events and 32 MiB of payloads): anyone
// holding the publishable key can post, and a flood must not grow the database without end.
#include "notify/WebhookEvent.h"

#include <QVector>

namespace bd::notify {

class WebhookStore
{
public:
    // Creates the table if needed. false (and errorText) if the database is unusable.
    static bool ensureSchema(QString *errorText = nullptr);
    // Insert the event; returns 1 when stored, 0 when event_id was already known, -1 on error.
    static int insertIfNew(const WebhookEvent &event, QString *errorText = nullptr);
    static bool contains(const QString &eventId);
    // Newest first (by receipt), at most `limit` events, re-parsed from the stored payload.
    static QVector<WebhookEvent> recent(int limit = 100);
    static int count();

    struct Limits {
        int maxEvents = 5000;
        qint64 maxPayloadBytes = 32 * 1024 * 1024;
    };
    static Limits limits();
    static void setLimits(const Limits &limits);   // process-wide; tests use small ones
    // Delete the oldest events beyond the limits (insertIfNew does it after each insert).
    // Returns how many were deleted, -1 on error.
    static int prune(QString *errorText = nullptr);
};

}  // namespace bd::notify
