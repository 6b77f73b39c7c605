#include "MainWindow.h"

#include "ActivityPanel.h"
#include "AppSession.h"
#include "BatchCountProxy.h"
#include "BatchDetailPane.h"
#include "ConnectionDialog.h"
#include "ExportsTab.h"
#include "JobsTab.h"
#include "ListModels.h"
#include "SettingsDialog.h"
#include "StagingTab.h"
#include "StatusTone.h"
#include "TrayNotifier.h"
#include "jobs/JobMonitor.h"
#include "notify/WebhookEvent.h"

#include <QAction>
#include <QApplication>
#include <QDockWidget>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>

namespace bd::ui {

MainWindow::MainWindow(AppSession *session, QWidget *parent) : QMainWindow(parent), m_session(session)
{
    setWindowTitle(QStringLiteral("Batchdeck"));
    m_tabs = new QTabWidget(this);
    m_tabs->setDocumentMode(true);
    m_staging = new StagingTab(session, m_tabs);
    m_jobs = new JobsTab(session, m_tabs);
    m_exports = new ExportsTab(session, m_tabs);
    m_tabs->addTab(m_staging, tr("&Staging"));
    m_tabs->addTab(m_jobs, tr("&Jobs"));
    m_tabs->addTab(m_exports, tr("E&xports"));
    setCentralWidget(m_tabs);
    m_tray = new TrayNotifier(m_jobs->monitor(), this);
    connect(m_jobs, &JobsTab::runningJobsChanged, m_tray, &TrayNotifier::setRunningJobs);
    connect(m_tray, &TrayNotifier::jobActivated, this, [this](const QString &jobId) {
        m_tabs->setCurrentWidget(m_jobs);
        m_jobs->openJob(jobId);
    });
    // The two ways between tabs: a ready batch's "New job…" and a finished job's "Download results…".
    connect(m_staging, &StagingTab::newJobRequested, this, [this](const QString &batchId) {
        m_tabs->setCurrentWidget(m_jobs);
        m_jobs->newJob(batchId);
    });
    connect(m_jobs, &JobsTab::downloadResultsRequested, this, [this](const QString &jobId) {
        m_tabs->setCurrentWidget(m_exports);
        m_exports->downloadJobResults(jobId);
    });

    m_activity = new ActivityPanel(session, this);
    m_activityDock = new QDockWidget(tr("Activity"), this);
    m_activityDock->setObjectName(QStringLiteral("activityDock"));
    m_activityDock->setWidget(m_activity);
    m_activityDock->setFeatures(QDockWidget::DockWidgetClosable | QDockWidget::DockWidgetMovable);
    addDockWidget(Qt::BottomDockWidgetArea, m_activityDock);
    resizeDocks({ m_activityDock }, { 150 }, Qt::Vertical);
    // Hidden until webhooks are on (or View → Activity): the tabs keep their room for newcomers.
    m_activityDock->hide();
    connect(session, &AppSession::webhookReceiverChanged, this, [this] {
        if (m_session->isReceivingWebhooks())
            m_activityDock->show();
    });
    connect(m_activity, &ActivityPanel::settingsRequested, this, &MainWindow::showSettingsDialog);
    connect(m_activity, &ActivityPanel::jobActivated, this, [this](const QString &jobId) {
        m_tabs->setCurrentWidget(m_jobs);
        m_jobs->openJob(jobId);
    });
    connect(m_activity, &ActivityPanel::batchActivated, this, [this](const QString &batchId) {
        m_tabs->setCurrentWidget(m_staging);
        m_staging->selectBatch(batchId);
    });
    connect(session, &AppSession::webhookReceived, this, &MainWindow::applyWebhook);
    m_webhookRefresh = new QTimer(this);
    m_webhookRefresh->setSingleShot(true);
    m_webhookRefresh->setInterval(250);
    connect(m_webhookRefresh, &QTimer::timeout, this, &MainWindow::applyPendingWebhookRefreshes);

    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *connectAction = file->addAction(tr("&Connection…"), this, &MainWindow::showConnectionDialog);
    connectAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_K));
    QAction *refresh = file->addAction(tr("&Refresh"), this, &MainWindow::refreshAll);
    refresh->setShortcut(QKeySequence::Refresh);
    QAction *settingsAction = file->addAction(tr("&Settings…"), this, &MainWindow::showSettingsDialog);
    settingsAction->setShortcut(QKeySequence::Preferences);
    settingsAction->setMenuRole(QAction::PreferencesRole);
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"), qApp, &QApplication::quit);
    quit->setShortcut(QKeySequence::Quit);
    QMenu *view = menuBar()->addMenu(tr("&View"));
    QAction *activityAction = m_activityDock->toggleViewAction();
    activityAction->setText(tr("&Activity"));
    activityAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
    view->addAction(activityAction);
    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Batchdeck"), this, [this] {
        QMessageBox::about(this, tr("About Batchdeck"),
                           tr("<b>Batchdeck %1</b><br>A desktop client for Roboflow Batch Processing: stage data, "
                              "run Workflow jobs, download results.").arg(QStringLiteral(BATCHDECK_VERSION)));
    });

    m_connection = new QLabel(this);
    m_workspace = new QLabel(this);
    m_webhooks = new QLabel(this);
    statusBar()->addPermanentWidget(m_webhooks);
    statusBar()->addPermanentWidget(m_workspace);
    statusBar()->addPermanentWidget(m_connection);

    connect(session, &AppSession::stateChanged, this, &MainWindow::updateStatus);
    connect(session, &AppSession::webhookReceiverChanged, this, &MainWindow::updateStatus);
    connect(session, &AppSession::connected, this, [this] {
        updateStatus();
        refreshAll();
    });
    connect(session, &AppSession::message, this, [this](const QString &text) { statusBar()->showMessage(text, 15000); });
    connect(m_jobs->model(), &JobsModel::refreshed, this, [this](const Error &error) {
        if (!error && m_exports->model()->rowCount() == 0 && !m_exports->model()->isRefreshing())
            m_exports->refresh([this] {
                QVector<api::Job> jobs;
                for (const JobRow &r : m_jobs->model()->rows())
                    jobs.append(r.job);
                return jobs;
            }());
    });
    connect(m_exports, &ExportsTab::refreshRequested, this, [this] {
        QVector<api::Job> jobs;
        for (const JobRow &r : m_jobs->model()->rows())
            jobs.append(r.job);
        m_exports->refresh(jobs);
    });

    m_fastTimer = new QTimer(this);
    m_fastTimer->setInterval(5000);
    connect(m_fastTimer, &QTimer::timeout, this, [this] {
        if (m_session->state() == AppSession::State::Online || m_session->state() == AppSession::State::Offline)
            m_jobs->refresh();
    });
    m_slowTimer = new QTimer(this);
    m_slowTimer->setInterval(30000);
    connect(m_slowTimer, &QTimer::timeout, this, [this] {
        if (m_session->state() != AppSession::State::Online)
            return;
        m_staging->refresh();
        Q_EMIT m_exports->refreshRequested();
    });
    m_fastTimer->start();
    m_slowTimer->start();
    updateStatus();
    resize(1100, 700);
}

void MainWindow::refreshAll()
{
    m_staging->refresh();
    m_jobs->refresh();
}

void MainWindow::updateStatus()
{
    m_connection->setText(QStringLiteral("● ") + m_session->stateText());
    const bool good = m_session->state() == AppSession::State::Online;
    m_connection->setStyleSheet(
        QStringLiteral("color: %1;").arg(statusColour(good ? StatusTone::Good : StatusTone::Bad, palette()).name()));
    const QString where = connectionProfileName(m_session->profile());
    m_workspace->setText(m_session->workspace().isEmpty()
                             ? where
                             : tr("Workspace: %1 · %2").arg(m_session->workspace(), where));
    m_webhooks->setText(m_session->isReceivingWebhooks() ? tr("Webhooks: on") : QString());
    m_webhooks->setToolTip(m_session->webhookStatusText());
    if (m_session->state() == AppSession::State::NeedsKey || m_session->state() == AppSession::State::Unauthorized)
        QTimer::singleShot(0, this, &MainWindow::showConnectionDialog);
}

void MainWindow::showConnectionDialog()
{
    if (findChild<ConnectionDialog *>())
        return;   // already open
    auto *dialog = new ConnectionDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    AppSettings settings;
    dialog->setProfile(m_session->profile(), settings.customBaseUrl());
    connect(dialog, &ConnectionDialog::testRequested, this, [this, dialog] {
        const QUrl url = dialog->profile() == ConnectionProfile::Custom ? dialog->customUrl()
                                                                        : baseUrlForProfile(dialog->profile());
        m_session->testConnection(dialog->profile(), url, dialog->apiKey());
    });
    connect(m_session, &AppSession::testFinished, dialog, &ConnectionDialog::showTestResult);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        AppSettings s;
        s.setProfile(dialog->profile());
        if (dialog->profile() == ConnectionProfile::Custom)
            s.setCustomBaseUrl(dialog->customUrl());
        m_session->connectTo(dialog->profile(), s.effectiveBaseUrl(), dialog->apiKey(), dialog->rememberKey());
    });
    dialog->open();
}

void MainWindow::setRefreshIntervals(int jobsMs, int batchesMs)
{
    m_fastTimer->setInterval(jobsMs);
    m_slowTimer->setInterval(batchesMs);
}

void MainWindow::applyWebhook(const notify::WebhookEvent &event)
{
    if (!event.jobId.isEmpty()) {
        // The job's stages and view now (the monitor coalesces); its list row (B1) below.
        m_jobs->monitor()->refreshNow(event.jobId);
        m_webhookJobs = true;
    } else if (!event.batchId.isEmpty()) {
        m_staging->countProxy()->forget(event.batchId);   // the file count changed: read it again
        m_webhookBatches.insert(event.batchId);
    } else {
        return;
    }
    // A big ingest posts one files-status per shard: one list refresh for a burst, not one each.
    m_webhookRefresh->start();
}

void MainWindow::applyPendingWebhookRefreshes()
{
    if (m_webhookJobs)
        m_jobs->refresh();
    if (!m_webhookBatches.isEmpty()) {
        m_staging->refresh();
        if (m_webhookBatches.contains(m_staging->detailPane()->batchId()))
            m_staging->detailPane()->reload();
    }
    m_webhookJobs = false;
    m_webhookBatches.clear();
}

SettingsDialog *MainWindow::showSettingsDialog()
{
    if (auto *open = findChild<SettingsDialog *>())
        return open;
    auto *dialog = new SettingsDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    const AppSettings settings;
    dialog->setConcurrency(settings.uploadConcurrency(), settings.downloadConcurrency());
    dialog->setWebhookSettings(WebhookSettings::load(), m_session->hasPublishableKey());
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        AppSettings s;
        s.setUploadConcurrency(dialog->uploadConcurrency());
        s.setDownloadConcurrency(dialog->downloadConcurrency());
        m_session->applyWebhookSettings(dialog->webhookSettings(), dialog->publishableKey());
    });
    dialog->open();
    return dialog;
}

}  // namespace bd::ui
