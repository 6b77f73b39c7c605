#include "MainWindow.h"

#include "ActivityPanel.h"
#include "AppSession.h"
#include "BatchCountProxy.h"
#include "BatchDetailPane.h"
#include "ColumnWidths.h"
#include "ConnectionDialog.h"
#include "DownloadDialog.h"
#include "ExportsTab.h"
#include "InteractionFilter.h"
#include "JobView.h"
#include "JobsTab.h"
#include "ListModels.h"
#include "Palette.h"
#include "ResultsViewer.h"
#include "SettingsDialog.h"
#include "StagingTab.h"
#include "StatusTone.h"
#include "TrayNotifier.h"
#include "batchdeck/Version.h"
#include "core/AppSettings.h"
#include "jobs/JobMonitor.h"
#include "notify/WebhookEvent.h"
#include "session/Services.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>

namespace bd::ui {

MainWindow::MainWindow(AppSession *session, QWidget *parent) : QMainWindow(parent), m_session(session)
{
    // The app-wide interaction rules (wheel needs focus, Tab leaves tables) for every window and
    // dialog, including the ones other modules open.
    InteractionFilter::install();
    ColumnWidths::install();   // columns in characters of the current font, header text never cut
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
    m_tray = new TrayNotifier(session->jobs(), this);
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
    connect(m_jobs, &JobsTab::showResultsRequested, this, &MainWindow::showJobResults);

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

    buildMenus();

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
    // Periods chosen in Settings (seconds), else 5 s for jobs and 30 s for batches; the session
    // owns the timers (a list refresh never depends on which tab is open).
    const AppSettings prefs;
    const int jobsSeconds = prefs.value(QStringLiteral("ui/refresh/jobsSeconds")).toInt();
    const int batchesSeconds = prefs.value(QStringLiteral("ui/refresh/batchesSeconds")).toInt();
    session->setRefreshPeriods(jobsSeconds >= 2 ? jobsSeconds : 5, batchesSeconds >= 5 ? batchesSeconds : 30);
    // A damaged or locked local database: said as soon as the check (on a worker thread: opening
    // and migrating the file is disk work the first frame must not wait for) knows it.
    connect(session, &AppSession::databaseChecked, this, [this](const Error &problem) {
        if (!problem)
            return;
        statusBar()->showMessage(problem.message);
        auto *box = new QMessageBox(QMessageBox::Warning, tr("Local database unusable"), problem.message,
                                    QMessageBox::Ok, this);
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
    });
    session->checkDatabaseInBackground();
    updateStatus();
    resize(1100, 700);
    const QByteArray geometry = QByteArray::fromBase64(AppSettings().value(QStringLiteral("ui/window/geometry")).toLatin1());
    if (!geometry.isEmpty())
        restoreGeometry(geometry);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    AppSettings().setValue(QStringLiteral("ui/window/geometry"), QString::fromLatin1(saveGeometry().toBase64()));
    QMainWindow::closeEvent(event);
}

void MainWindow::refreshAll()
{
    m_staging->refresh();
    m_jobs->refresh();
}

void MainWindow::updateStatus()
{
    // The symbol differs with the state too (● / ○), so colour is not the only signal.
    const bool good = m_session->state() == AppSession::State::Online;
    m_connection->setText((good ? QStringLiteral("● ") : QStringLiteral("○ ")) + m_session->stateText());
    m_connection->setAccessibleName(tr("Connection state"));
    setStatusTone(m_connection, good ? StatusTone::Good : StatusTone::Bad);   // follows a palette change
    // "Sandbox (offline demo) · ● Online" read as a contradiction: the sandbox is a local service.
    const QString where = m_session->profile() == ConnectionProfile::Sandbox ? tr("Local sandbox")
                                                                             : connectionProfileName(m_session->profile());
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
    m_session->setRefreshPeriods(jobsMs / 1000, batchesMs / 1000);
}

void MainWindow::applyWebhook(const notify::WebhookEvent &event)
{
    if (!event.jobId.isEmpty()) {
        // The job's stages and view now (the monitor coalesces); its list row (B1) below.
        m_session->jobs()->monitor()->refreshNow(event.jobId);
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
    dialog->setDownloadFolder(settings.lastDownloadFolder(m_session->workspace()));
    dialog->setRefreshIntervals(m_session->jobsRefreshSeconds(), m_session->batchesRefreshSeconds());
    dialog->setWebhookSettings(WebhookSettings::load(), m_session->hasPublishableKey());
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        AppSettings s;
        s.setUploadConcurrency(dialog->uploadConcurrency());
        s.setDownloadConcurrency(dialog->downloadConcurrency());
        if (!dialog->downloadFolder().isEmpty())
            s.setLastDownloadFolder(m_session->workspace(), dialog->downloadFolder());
        s.setValue(QStringLiteral("ui/refresh/jobsSeconds"), QString::number(dialog->jobsRefreshSeconds()));
        s.setValue(QStringLiteral("ui/refresh/batchesSeconds"), QString::number(dialog->batchesRefreshSeconds()));
        setRefreshIntervals(dialog->jobsRefreshSeconds() * 1000, dialog->batchesRefreshSeconds() * 1000);
        m_session->applyWebhookSettings(dialog->webhookSettings(), dialog->publishableKey());
    });
    dialog->open();
    return dialog;
}

// ---- menus: every action with a mnemonic, and the standard shortcut where Qt has one ----

void MainWindow::buildMenus()
{
    const auto add = [this](QMenu *menu, const QString &name, const QString &text, const QKeySequence &keys,
                            auto slot) {
        QAction *a = menu->addAction(text);
        a->setObjectName(name);
        if (!keys.isEmpty())
            a->setShortcut(keys);
        connect(a, &QAction::triggered, this, slot);
        return a;
    };
    QMenu *file = menuBar()->addMenu(tr("&File"));
    add(file, QStringLiteral("addFolder"), tr("&Add folder…"), QKeySequence::Open, [this] {
        m_tabs->setCurrentWidget(m_staging);
        m_staging->chooseFolder();
    });
    if (QMenu *ingestFrom = m_staging->ingestFromMenu())
        file->addMenu(ingestFrom);
    add(file, QStringLiteral("newJob"), tr("&New job…"), QKeySequence::New, [this] { newJobFromContext(); });
    add(file, QStringLiteral("downloadResults"), tr("&Download results…"), QKeySequence::Save,
        [this] { downloadFromContext(); });
    add(file, QStringLiteral("openResults"), tr("Open results &file…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O), [this] {
        m_tabs->setCurrentWidget(m_exports);
        m_exports->details()->setCurrentIndex(ExportsTab::ResultsPage);
        m_exports->resultsViewer()->chooseFile();
    });
    file->addSeparator();
    add(file, QStringLiteral("connection"), tr("&Connection…"), QKeySequence(Qt::CTRL | Qt::Key_K),
        [this] { showConnectionDialog(); });
    QAction *settingsAction = add(file, QStringLiteral("settings"), tr("&Settings…"), QKeySequence::Preferences,
                                  [this] { showSettingsDialog(); });
    if (settingsAction->shortcut().isEmpty())   // no platform standard (X11 without KDE)
        settingsAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Comma));
    settingsAction->setMenuRole(QAction::PreferencesRole);
    file->addSeparator();
    add(file, QStringLiteral("quit"), tr("&Quit"), QKeySequence::Quit, [] { QApplication::quit(); });

    QMenu *edit = menuBar()->addMenu(tr("&Edit"));
    add(edit, QStringLiteral("filter"), tr("&Filter…"), QKeySequence::Find, [this] { focusFilter(); });

    QMenu *view = menuBar()->addMenu(tr("&View"));
    add(view, QStringLiteral("refresh"), tr("&Refresh"), QKeySequence::Refresh, [this] { refreshAll(); });
    view->addSeparator();
    const QList<QPair<QString, QWidget *>> pages = { { tr("&Staging"), m_staging }, { tr("&Jobs"), m_jobs },
                                                     { tr("E&xports"), m_exports } };
    for (int i = 0; i < pages.size(); ++i) {
        QWidget *page = pages.at(i).second;
        add(view, QStringLiteral("tab%1").arg(i + 1), pages.at(i).first, QKeySequence(Qt::ALT | Qt::Key(Qt::Key_1 + i)),
            [this, page] { m_tabs->setCurrentWidget(page); });
    }
    view->addSeparator();
    QAction *activityAction = m_activityDock->toggleViewAction();
    activityAction->setObjectName(QStringLiteral("activity"));
    activityAction->setText(tr("&Activity"));
    activityAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
    view->addAction(activityAction);

    QMenu *job = menuBar()->addMenu(tr("Jo&b"));
    add(job, QStringLiteral("openJob"), tr("&Open job"), {}, [this] {
        m_tabs->setCurrentWidget(m_jobs);
        m_jobs->openJob(m_jobs->currentJobId());
    });
    add(job, QStringLiteral("abortJob"), tr("&Abort job…"), {}, [this] {
        if (m_jobs->jobView()->abortButton()->isEnabled())
            m_jobs->jobView()->abortButton()->click();
    });
    add(job, QStringLiteral("restartJob"), tr("&Restart job…"), {}, [this] {
        if (m_jobs->jobView()->restartButton()->isEnabled())
            m_jobs->jobView()->restartButton()->click();
    });
    add(job, QStringLiteral("showResults"), tr("Show &results"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R),
        [this] { showJobResults(m_jobs->currentJobId()); });
    connect(job, &QMenu::aboutToShow, this, &MainWindow::updateActions);

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Batchdeck"), this, [this] {
        QMessageBox::about(this, tr("About Batchdeck"),
                           tr("<b>Batchdeck %1</b><br>A desktop client for Roboflow Batch Processing: stage data, "
                              "run Workflow jobs, download results.").arg(QStringLiteral(BATCHDECK_VERSION)));
    });
}

QAction *MainWindow::action(const QString &name) const
{
    return menuBar()->findChild<QAction *>(name);
}

void MainWindow::updateActions()
{
    JobView *view = m_jobs->jobView();
    const bool shown = view->isVisible() && !view->jobId().isEmpty();
    action(QStringLiteral("abortJob"))->setEnabled(shown && view->abortButton()->isEnabled());
    action(QStringLiteral("restartJob"))->setEnabled(shown && view->restartButton()->isEnabled());
    action(QStringLiteral("openJob"))->setEnabled(!m_jobs->currentJobId().isEmpty());
    action(QStringLiteral("showResults"))->setEnabled(!m_jobs->currentJobId().isEmpty());
}

void MainWindow::showJobResults(const QString &jobId)
{
    if (jobId.isEmpty()) {
        statusBar()->showMessage(tr("Select a finished job to show its results."), 10000);
        return;
    }
    // Where this job's results were downloaded; else where "Download results…" would put them.
    const AppSettings settings;
    QString folder = settings.jobResultsFolder(jobId);
    if (folder.isEmpty() || !QFileInfo(folder).isDir())
        folder = DownloadDialog::proposedTarget(settings.lastDownloadFolder(m_session->workspace()), jobId);
    if (QFileInfo(folder).isDir()) {
        m_tabs->setCurrentWidget(m_exports);
        m_exports->details()->setCurrentIndex(ExportsTab::ResultsPage);
        m_exports->resultsViewer()->showFolder(folder);
        return;
    }
    auto *ask = new QMessageBox(QMessageBox::Question, tr("Show results"),
                                tr("The results of job %1 are not downloaded yet. Download them now?").arg(jobId),
                                QMessageBox::Yes | QMessageBox::No, this);
    ask->setAttribute(Qt::WA_DeleteOnClose);
    ask->setDefaultButton(QMessageBox::Yes);
    connect(ask, &QMessageBox::accepted, this, [this, jobId] {
        m_tabs->setCurrentWidget(m_exports);
        m_exports->downloadJobResults(jobId);
    });
    ask->open();
}

void MainWindow::newJobFromContext()
{
    // From Staging: on the selected batch (as its "New job…" button); elsewhere: a blank job.
    const QString batchId = m_tabs->currentWidget() == m_staging ? m_staging->selectedBatchId() : QString();
    m_tabs->setCurrentWidget(m_jobs);
    m_jobs->newJob(batchId);
}

void MainWindow::downloadFromContext()
{
    if (m_tabs->currentWidget() == m_exports) {
        if (m_exports->downloadButton()->isEnabled())
            m_exports->downloadSelected();
        else
            statusBar()->showMessage(tr("Select an output batch of a finished job to download it."), 10000);
        return;
    }
    // Jobs (or anywhere): the job in view or selected, when it finished without error.
    const QString jobId = m_jobs->currentJobId();
    if (!jobId.isEmpty() && (m_jobs->isJobFinishedOk(jobId) || m_jobs->jobView()->downloadButton()->isEnabled())) {
        m_tabs->setCurrentWidget(m_exports);
        m_exports->downloadJobResults(jobId);
        return;
    }
    statusBar()->showMessage(jobId.isEmpty() ? tr("Select a finished job (Jobs) or an output batch (Exports) to download.")
                                             : tr("Job %1 has no results to download yet.").arg(jobId),
                             10000);
}

void MainWindow::focusFilter()
{
    auto *tab = qobject_cast<TabBase *>(m_tabs->currentWidget());
    if (QLineEdit *filter = tab ? tab->filterField() : nullptr) {
        filter->setFocus(Qt::ShortcutFocusReason);
        filter->selectAll();
    }
}

}  // namespace bd::ui
