#pragma once
// Webhook history in the local SQLite database (table webhook_events, keyed by event_id so a
// redelivered event is stored once). Uses this thread's bd::database() connection.
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
};

}  // namespace bd::notify
