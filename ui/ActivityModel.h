#pragma once
// The Activity panel's rows: every webhook notification received (newest first), loaded from
// the history (WebhookStore) at start and extended live as the receiver accepts new ones.
#include "RecordTableModel.h"
#include "notify/WebhookEvent.h"

#include <QObject>

namespace bd::ui {

class ActivityModel : public RecordTableModel<notify::WebhookEvent>
{
    Q_OBJECT
public:
    enum Column { Received, Kind, Subject, Outcome, Details, ColumnCount };
    static constexpr int kMaxRows = 500;

    explicit ActivityModel(QObject *parent = nullptr);
    // Replace the rows with the newest `limit` stored notifications.
    void loadHistory(int limit = kMaxRows);
    // A new notification on top (ignored when its event id is already listed).
    void addEvent(const notify::WebhookEvent &event);

    // Texts as shown, also used by tests and the tray: "Job demo-1", "success", ...
    static QString subjectText(const notify::WebhookEvent &event);
    static QString outcomeText(const notify::WebhookEvent &event);
    static QString detailsText(const notify::WebhookEvent &event);
    static bool isFailure(const notify::WebhookEvent &event);
};

}  // namespace bd::ui
