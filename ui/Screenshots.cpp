#include "Screenshots.h"

#include "ActivityModel.h"
#include "ActivityPanel.h"
#include "AppSession.h"
#include "CloudIngestDialog.h"
#include "ConnectionDialog.h"
#include "DownloadDialog.h"
#include "ExportsTab.h"
#include "IngestDialog.h"
#include "IngestTargetForm.h"
#include "JobsTab.h"
#include "MainWindow.h"
#include "NewJobDialog.h"
#include "Palette.h"
#include "ReferencesIngestDialog.h"
#include "ResultsViewer.h"
#include "RoboqlIngestDialog.h"
#include "SettingsDialog.h"
#include "SortArrowStyle.h"
#include "StagingTab.h"
#include "exports/ExportOperation.h"
#include "notify/WebhookEvent.h"
#include "sandbox/DemoMedia.h"
#include "sandbox/Sandbox.h"

#include <QApplication>
#include <QDateTime>
#include <QDir>
#include <QDockWidget>
#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTimer>

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

// A references file with a repeated name and a malformed URL, for the references dialog.
void writeDemoReferences(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return;
    for (int i = 1; i <= 12; ++i)
        file.write(QStringLiteral("{\"name\":\"pallet_%1.jpg\",\"url\":\"https://cdn.example.com/wh/pallet_%1.jpg?X-Amz-Signature=abc%1\"}\n")
                       .arg(i, 2, 10, QLatin1Char('0')).toUtf8());
    file.write("{\"name\":\"pallet_03.jpg\",\"url\":\"https://cdn.example.com/wh/again/pallet_03.jpg\"}\n");
    file.write("{\"name\":\"pallet_13.jpg\",\"url\":\"htps:/cdn.example.com pallet 13.jpg\"}\n");
}

// Cloud storage: a finished listing with two same-named files in different folders.
void showDemoListing(CloudIngestDialog *cloud)
{
    cloud->pathEdit()->setText(QStringLiteral("s3://street-cams/2026/04/**/*.jpg"));
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
    cloud->target()->batchIdEdit()->setText(QStringLiteral("street-cams-0412"));
    cloud->showListing(objects, entries);
}

// Everything one run shoots, at one size in one look: <screen>-<W>x<H>-<light|dark>.png.
class Shooter
{
public:
    Shooter(MainWindow *window, QString dir, QString results, QString references, QString photos)
        : m_window(window), m_dir(std::move(dir)), m_results(std::move(results)), m_references(std::move(references)),
          m_photos(std::move(photos))
    {
    }

    void shootAll(QSize size, const QString &look)
    {
        m_suffix = QStringLiteral("-%1x%2-%3").arg(size.width()).arg(size.height()).arg(look);
        window()->activityDock()->hide();
        fitWindow(size);
        window()->stagingTab()->selectBatch(QStringLiteral("demo-images"));
        for (int i = 0; i < window()->tabs()->count(); ++i) {
            window()->tabs()->setCurrentIndex(i);
            save(window(), QStringLiteral("tab-%1").arg(i), 300);
        }
        window()->tabs()->setCurrentWidget(window()->jobsTab());
        window()->jobsTab()->openJob(QStringLiteral("demo-finished"));
        save(window(), QStringLiteral("job-view"), 1500);
        window()->jobsTab()->openJob(QStringLiteral("demo-running"));
        save(window(), QStringLiteral("job-view-running"), 2000);
        window()->tabs()->setCurrentWidget(window()->exportsTab());
        window()->exportsTab()->details()->setCurrentIndex(ExportsTab::TransfersPage);
        save(window(), QStringLiteral("exports-transfers"), 300);
        if (!m_results.isEmpty()) {
            window()->exportsTab()->details()->setCurrentIndex(ExportsTab::ResultsPage);
            ResultsViewer *viewer = window()->exportsTab()->resultsViewer();
            QEventLoop listed;
            QObject::connect(viewer, &ResultsViewer::folderListed, &listed, &QEventLoop::quit);
            QTimer::singleShot(10000, &listed, &QEventLoop::quit);
            viewer->showFolder(m_results);
            listed.exec();
            save(window(), QStringLiteral("results"), 800);
        }
        window()->exportsTab()->details()->setCurrentIndex(ExportsTab::ContentsPage);

        // Activity: the window with the dock open and a few notifications of each kind.
        window()->tabs()->setCurrentIndex(0);
        window()->activityDock()->show();
        QApplication::processEvents();
        window()->resizeDocks({ window()->activityDock() }, { size.height() / 3 }, Qt::Vertical);
        save(window(), QStringLiteral("activity"), 300);
        window()->activityDock()->hide();
        fitWindow(size);   // the dock's minimum may have grown it; dialogs are capped at its size

        shootDialogs();
    }

private:
    MainWindow *window() const { return m_window; }

    // A style or dock change lays the window out again later (and can grow it to a passing
    // minimum): resize once that settled.
    void fitWindow(QSize size)
    {
        window()->resize(size);
        wait(200);
        if (window()->size() != size)
            window()->resize(size);
    }

    void save(QWidget *widget, const QString &screen, int settleMs)
    {
        wait(settleMs);
        widget->grab().save(QStringLiteral("%1/%2%3.png").arg(m_dir, screen, m_suffix));
    }

    void shootDialog(QDialog *dialog, const QString &screen)
    {
        dialog->show();   // InteractionFilter caps it at the window's size, as for a person
        save(dialog, screen, 400);
        dialog->close();
    }

    void shootDialogs()
    {
        AppSession *session = window()->session();
        ConnectionDialog connection(window());
        connection.setProfile(ConnectionProfile::RoboflowUS, {});
        shootDialog(&connection, QStringLiteral("connection-dialog"));

        SettingsDialog settings(window());
        WebhookSettings hooks;
        hooks.enabled = true;
        hooks.publicUrl = QUrl(QStringLiteral("https://hooks.example.com/batchdeck"));
        settings.setWebhookSettings(hooks, true);
        settings.setConcurrency(4, 8);
        shootDialog(&settings, QStringLiteral("settings"));

        NewJobDialog newJob(session, QStringLiteral("demo-images"), window());
        shootDialog(&newJob, QStringLiteral("new-job"));

        ExportOptions options;
        options.jobId = QStringLiteral("demo-finished");
        options.targetDir = QDir::home().filePath(QStringLiteral("Batchdeck/demo-finished"));
        DownloadDialog download(session->batches(), options, window());
        shootDialog(&download, QStringLiteral("download-dialog"));

        if (!m_photos.isEmpty()) {
            IngestDialog ingest({ m_photos }, window());
            ingest.show();
            for (int i = 0; i < 100 && ingest.isScanning(); ++i)
                wait(100);
            shootDialog(&ingest, QStringLiteral("ingest-dialog"));
        }

        ReferencesIngestDialog references(session, window());
        references.target()->batchIdEdit()->setText(QStringLiteral("warehouse-refs"));
        QEventLoop previewed;
        QObject::connect(&references, &ReferencesIngestDialog::previewReady, &previewed, &QEventLoop::quit);
        QTimer::singleShot(10000, &previewed, &QEventLoop::quit);
        references.loadFile(m_references);
        previewed.exec();
        shootDialog(&references, QStringLiteral("references-ingest"));

        CloudIngestDialog cloud(session, window());
        showDemoListing(&cloud);
        shootDialog(&cloud, QStringLiteral("cloud-ingest"));

        RoboqlIngestDialog roboql(session, window());
        shootDialog(&roboql, QStringLiteral("roboql-ingest"));
    }

    MainWindow *m_window;
    QString m_dir, m_results, m_references, m_photos, m_suffix;
};

}  // namespace

void saveAutomationScreenshots(MainWindow *window, const QString &dir)
{
    QDir().mkpath(dir);
    QTemporaryDir tmp;
    const QString results = tmp.filePath(QStringLiteral("demo-finished"));
    const bool haveResults = downloadDemoResults(window, results);
    const QString references = tmp.filePath(QStringLiteral("warehouse-refs.jsonl"));
    writeDemoReferences(references);
    const QString photos = tmp.filePath(QStringLiteral("street-cams"));
    QDir().mkpath(photos);
    for (int i = 1; i <= 3; ++i) {
        QFile jpeg(QStringLiteral("%1/cam1_%2.jpg").arg(photos).arg(i, 4, 10, QLatin1Char('0')));
        if (jpeg.open(QIODevice::WriteOnly))
            jpeg.write(sandbox::tinyJpeg(QStringLiteral("demo %1").arg(i)));
    }
    // The receiver on and a few notifications of each kind, for the Activity panel.
    if (AppSession *session = window->session(); session->sandbox() && !session->isReceivingWebhooks()) {
        WebhookSettings on;
        on.enabled = true;
        on.port = 0;
        session->startWebhookReceiver(on, session->sandbox()->options().publishableKey);
    }
    fillDemoActivity(window->activityPanel()->model());

    Shooter shooter(window, dir, haveResults ? results : QString(), references, photos);
    for (const bool dark : { false, true }) {
        if (dark)
            applyDarkPalette();
        else
            applyLightPalette();
        SortArrowStyle::install();
        for (const QSize size : { QSize(800, 560), QSize(1400, 900) })
            shooter.shootAll(size, dark ? QStringLiteral("dark") : QStringLiteral("light"));
    }
}

}  // namespace bd::ui
