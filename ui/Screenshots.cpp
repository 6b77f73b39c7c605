#include "Screenshots.h"

#include "ActivityModel.h"
#include "ActivityPanel.h"
#include "MainWindow.h"
#include "SettingsDialog.h"
#include "notify/WebhookEvent.h"

#include <QApplication>
#include <QDateTime>
#include <QDockWidget>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTabWidget>

namespace bd::ui {

namespace {

// What Roboflow posts (spec §13), as the receiver would have parsed it.
void addDemoEvent(ActivityModel *model, const QJsonObject &payload, int secondsAgo)
{
    notify::WebhookEvent event;
    if (!notify::parseWebhookEvent(QJsonDocument(payload).toJson(QJsonDocument::Compact), &event))
        return;
    event.receivedAt = QDateTime::currentDateTimeUtc().addSecs(-secondsAgo);
    model->addEvent(event);
}

QJsonObject staging(const QString &id, const QString &batch, const QJsonValue &shard, const QJsonObject &notification)
{
    return { { "type", "roboflow-data-staging-notification-v1" }, { "event_id", id }, { "ingest_id", "ing-7f3a" },
             { "batch_id", batch }, { "shard_id", shard }, { "delivery_attempt", 1 }, { "notification", notification } };
}

void fillDemoActivity(ActivityModel *model)
{
    addDemoEvent(model, staging("demo-ev-1", "street-cams-0412", "shard-0001",
                                { { "type", "ingest-files-status-notification-v1" }, { "success", true },
                                  { "ingested_files", QJsonArray{ "cam1_0001.jpg", "cam1_0002.jpg", "cam1_0003.jpg" } },
                                  { "failed_files", QJsonArray{} } }),
                 420);
    addDemoEvent(model, staging("demo-ev-2", "street-cams-0412", QJsonValue::Null,
                                { { "type", "ingest-status-notification-v1" }, { "success", true } }),
                 400);
    addDemoEvent(model, staging("demo-ev-3", "warehouse-refs", "shard-0002",
                                { { "type", "ingest-files-status-notification-v1" }, { "success", false },
                                  { "ingested_files", QJsonArray{ "pallet_17.jpg" } },
                                  { "failed_files", QJsonArray{ QJsonObject{ { "type", "download-error" },
                                                                             { "file_name", "pallet_18.jpg" },
                                                                             { "reason", "HTTP 403 from the bucket" } } } } }),
                 250);
    addDemoEvent(model, { { "type", "roboflow-batch-job-notification-v1" }, { "event_id", "demo-ev-4" },
                          { "job_id", "count-cars-0412" }, { "job_state", "success" }, { "delivery_attempt", 1 } },
                 120);
    addDemoEvent(model, { { "type", "roboflow-batch-job-notification-v1" }, { "event_id", "demo-ev-5" },
                          { "job_id", "pallets-night" }, { "job_state", "fail" }, { "delivery_attempt", 2 } },
                 30);
}

}  // namespace

void saveAutomationScreenshots(MainWindow *window, const QString &dir)
{
    // Activity: the window with the dock open and a few notifications of each kind.
    window->tabs()->setCurrentIndex(0);
    window->activityDock()->show();
    fillDemoActivity(window->activityPanel()->model());
    QApplication::processEvents();
    window->grab().save(QStringLiteral("%1/activity.png").arg(dir));

    SettingsDialog settings(window);
    WebhookSettings hooks;
    hooks.enabled = true;
    hooks.publicUrl = QUrl(QStringLiteral("https://hooks.example.com/batchdeck"));
    settings.setWebhookSettings(hooks, true);
    settings.setConcurrency(4, 8);
    settings.show();
    settings.adjustSize();
    QApplication::processEvents();
    settings.grab().save(QStringLiteral("%1/settings.png").arg(dir));
    settings.close();
}

}  // namespace bd::ui
