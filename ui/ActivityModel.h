#pragma once
// The Activity panel's rows: every webhook notification received (newest first), loaded from
// the history (WebhookStore) at start and extended live as the receiver accepts new ones.
// Live notifications come through queueEvent(): the first after a quiet spell shows at once,
// those of a burst (a big ingest's per-shard notifications) are applied together at most every
// kCoalesceMs, one model update for the lot instead of one per notification.
#include "RecordTableModel.h"
#include "notify/WebhookEvent.h"

#include <QObject>
#include <QTimer>

namespace bd::ui {

class ActivityModel : public RecordTableModel<notify::WebhookEvent>
{
    Q_OBJECT
public:
    enum Column { Received, Kind, Subject, Outcome, Details, ColumnCount };
    static constexpr int kMaxRows = 500;
    static constexpr int kCoalesceMs = 100;

    explicit ActivityModel(QObject *parent = nullptr);
    // Replace the rows with the newest `limit` stored notifications.
    void loadHistory(int limit = kMaxRows);
    // A new notification on top (ignored when its event id is already listed), now.
    void addEvent(const notify::WebhookEvent &event);
    // The same, coalesced with others of a burst (the receiver's live notifications).
    void queueEvent(const notify::WebhookEvent &event);
    // Apply the queued notifications now.
    void flushQueued();
    int queuedCount() const { return int(m_queued.size()); }
    int updatesSent() const { return m_updatesSent; }

    // Texts as shown, also used by tests and the tray: "Job demo-1", "success", ...
    static QString subjectText(const notify::WebhookEvent &event);
    static QString outcomeText(const notify::WebhookEvent &event);
    static QString detailsText(const notify::WebhookEvent &event);
    static bool isFailure(const notify::WebhookEvent &event);

private:
    void prepend(QVector<notify::WebhookEvent> newestFirst);

    QVector<notify::WebhookEvent> m_queued;   // oldest first
    QTimer m_window;                          // running: a notification was applied < kCoalesceMs ago
    int m_updatesSent = 0;
};

}  // namespace bd::ui
