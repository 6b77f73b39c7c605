#include "Screenshots.h"

#include "ActivityModel.h"
#include "ActivityPanel.h"
#include "AppSession.h"
#include "JobsTab.h"
#include "sandbox/Sandbox.h"
#include "CloudIngestDialog.h"
#include "ExportsTab.h"
#include "ResultsViewer.h"
#include "exports/ExportOperation.h"
#include "IngestTargetForm.h"
#include "MainWindow.h"
#include "ReferencesIngestDialog.h"
#include "SettingsDialog.h"
#include "StagingTab.h"
#include "notify/WebhookEvent.h"

#include <QApplication>
#include <QDateTime>
#include <QDockWidget>
#include <QEventLoop>
#include <QFile>
#include <QLineEdit>
#include <QTemporaryDir>
#include <QTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTabWidget>
#include <QTableView>

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

void wait(int ms)
{
    QEventLoop settle;
    QTimer::singleShot(ms, &settle, &QEventLoop::quit);
    settle.exec();
}

// The demo job's results, downloaded for real into `folder` (the results view needs files).
bool downloadDemoResults(MainWindow *window, const QString &folder)
{
    ExportOptions options;
    options.jobId = QStringLiteral("demo-finished");
    options.targetDir = folder;
    options.useJournal = false;   // a screenshot run leaves no resumable export behind
    ExportOperation *operation = window->exportsTab()->startExport(options);
    if (!operation)
        return false;
    QEventLoop done;
    QObject::connect(operation, &Operation::finished, &done, &QEventLoop::quit);
    QTimer::singleShot(30000, &done, &QEventLoop::quit);
    if (!operation->isFinished())
        done.exec();
    return operation->isFinished() && !operation->error();
}

}  // namespace

void saveMainScreenshots(MainWindow *window, const QString &dir)
{
    // Every tab, the job view and the job's combined results, at the smallest supported size and
    // a common desktop one: <screen>-800x560.png, <screen>-1400x900.png.
    QTemporaryDir downloads;
    const QString results = downloads.filePath(QStringLiteral("demo-finished"));
    const bool haveResults = downloadDemoResults(window, results);
    for (const QSize size : { QSize(800, 560), QSize(1400, 900) }) {
        const QString tag = QStringLiteral("%1x%2").arg(size.width()).arg(size.height());
        window->activityDock()->hide();
        window->resize(size);
        for (int i = 0; i < window->tabs()->count(); ++i) {
            window->tabs()->setCurrentIndex(i);
            wait(300);
            window->grab().save(QStringLiteral("%1/tab-%2-%3.png").arg(dir).arg(i).arg(tag));
        }
        window->tabs()->setCurrentWidget(window->jobsTab());
        window->jobsTab()->openJob(QStringLiteral("demo-finished"));
        wait(1500);
        window->grab().save(QStringLiteral("%1/job-view-%2.png").arg(dir, tag));
        if (haveResults) {
            window->tabs()->setCurrentWidget(window->exportsTab());
            window->exportsTab()->details()->setCurrentIndex(ExportsTab::ResultsPage);
            ResultsViewer *viewer = window->exportsTab()->resultsViewer();
            QEventLoop listed;
            QObject::connect(viewer, &ResultsViewer::folderListed, &listed, &QEventLoop::quit);
            QTimer::singleShot(10000, &listed, &QEventLoop::quit);
            viewer->showFolder(results);
            listed.exec();
            wait(800);
            window->grab().save(QStringLiteral("%1/results-%2.png").arg(dir, tag));
        }
    }
}

void saveAutomationScreenshots(MainWindow *window, const QString &dir)
{
    saveMainScreenshots(window, dir);

    // The job view of the running demo job (stage timeline, tasks), e.g. to check the dark palette.
    window->tabs()->setCurrentWidget(window->jobsTab());
    window->jobsTab()->openJob(QStringLiteral("demo-running"));
    wait(2000);
    window->grab().save(QStringLiteral("%1/job-view.png").arg(dir));

    // Activity: the window with the dock open, the receiver on, a few notifications of each kind.
    if (AppSession *session = window->session(); session->sandbox() && !session->isReceivingWebhooks()) {
        WebhookSettings on;
        on.enabled = true;
        on.port = 0;
        session->startWebhookReceiver(on, session->sandbox()->options().publishableKey);
    }
    window->tabs()->setCurrentIndex(0);
    window->activityDock()->show();
    window->resize(1100, 900);   // room for the tab and a dock showing every demo row
    QApplication::processEvents();
    window->resizeDocks({ window->activityDock() }, { 280 }, Qt::Vertical);
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

    // References file: a JSONL with a repeated name and a malformed URL, previewed.
    QTemporaryDir tmp;
    const QString refs = tmp.filePath(QStringLiteral("warehouse-refs.jsonl"));
    QFile file(refs);
    if (file.open(QIODevice::WriteOnly)) {
        for (int i = 1; i <= 12; ++i)
            file.write(QStringLiteral("{\"name\":\"pallet_%1.jpg\",\"url\":\"https://cdn.example.com/wh/pallet_%1.jpg?X-Amz-Signature=abc%1\"}\n")
                           .arg(i, 2, 10, QLatin1Char('0')).toUtf8());
        file.write("{\"name\":\"pallet_03.jpg\",\"url\":\"https://cdn.example.com/wh/again/pallet_03.jpg\"}\n");
        file.write("{\"name\":\"pallet_13.jpg\",\"url\":\"htps:/cdn.example.com pallet 13.jpg\"}\n");
        file.close();
    }
    ReferencesIngestDialog references(window->session(), window);
    references.target()->batchIdEdit()->setText(QStringLiteral("warehouse-refs"));
    QEventLoop wait;
    QObject::connect(&references, &ReferencesIngestDialog::previewReady, &wait, &QEventLoop::quit);
    QTimer::singleShot(10000, &wait, &QEventLoop::quit);
    references.loadFile(refs);
    wait.exec();
    references.show();
    QApplication::processEvents();
    references.grab().save(QStringLiteral("%1/references-ingest.png").arg(dir));
    references.close();

    // Cloud storage: a finished listing with two same-named files in different folders.
    CloudIngestDialog cloud(window->session(), window);
    cloud.pathEdit()->setText(QStringLiteral("s3://street-cams/2026/04/**/*.jpg"));
    QVector<cloud::CloudObject> objects;
    QVector<staging::ReferenceEntry> entries;
    const QStringList keys{ QStringLiteral("2026/04/cam1/0412_0800.jpg"), QStringLiteral("2026/04/cam1/0412_0805.jpg"),
                            QStringLiteral("2026/04/cam2/0412_0800.jpg"), QStringLiteral("2026/04/cam2/0412_0805.jpg"),
                            QStringLiteral("2026/04/cam3/night/0412_2300.jpg"), QStringLiteral("2026/04/cam3/0412_1200.jpg") };
    const QStringList names{ QStringLiteral("cam1__0412_0800.jpg"), QStringLiteral("cam1__0412_0805.jpg"),
                             QStringLiteral("cam2__0412_0800.jpg"), QStringLiteral("cam2__0412_0805.jpg"),
                             QStringLiteral("0412_2300.jpg"), QStringLiteral("0412_1200.jpg") };
    for (int i = 0; i < keys.size(); ++i) {
        objects.append({ keys.at(i), 180000 + 7919 * i });
        entries.append({ names.at(i), QStringLiteral("https://street-cams.s3.amazonaws.com/%1?X-Amz-Signature=demo").arg(keys.at(i)), 0 });
    }
    cloud.target()->batchIdEdit()->setText(QStringLiteral("street-cams-0412"));
    cloud.showListing(objects, entries);
    cloud.show();
    QApplication::processEvents();
    cloud.grab().save(QStringLiteral("%1/cloud-ingest.png").arg(dir));
    cloud.close();
}

}  // namespace bd::ui
