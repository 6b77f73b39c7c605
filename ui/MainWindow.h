#pragma once
// The window shell: Staging, Jobs and Exports tabs over one AppSession, refreshed in the
// background; an Activity dock with the webhook notifications, which refresh the job or batch
// they concern at once; a status bar with the connection state and workspace.
#include <QMainWindow>
#include <QSet>

namespace bd::notify { struct WebhookEvent; }

class QAction;
class QDockWidget;
class QLabel;
class QTabWidget;
class QTimer;

namespace bd::ui {

class ActivityPanel;
class AppSession;
class SettingsDialog;
class ExportsTab;
class JobsTab;
class StagingTab;
class TrayNotifier;

class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(AppSession *session, QWidget *parent = nullptr);

    QTabWidget *tabs() const { return m_tabs; }
    StagingTab *stagingTab() const { return m_staging; }
    JobsTab *jobsTab() const { return m_jobs; }
    ExportsTab *exportsTab() const { return m_exports; }
    TrayNotifier *trayNotifier() const { return m_tray; }
    AppSession *session() const { return m_session; }
    ActivityPanel *activityPanel() const { return m_activity; }
    QDockWidget *activityDock() const { return m_activityDock; }

    void showConnectionDialog();
    // The menu actions (File / Edit / View / Job), by object name ("addFolder", "newJob",
    // "downloadResults", "filter", "refresh", ...): tests and the keyboard walk-through use them.
    QAction *action(const QString &name) const;
    // File → New job… / Download results… / Edit → Filter: what they do on the current tab.
    void newJobFromContext();
    void downloadFromContext();
    // The job's downloaded results in the results viewer; offers to download them when absent.
    void showJobResults(const QString &jobId);
    void focusFilter();
    SettingsDialog *showSettingsDialog();
    void refreshAll();
    // Background refresh periods (jobs list; batches and output batches). Tests stretch them to
    // prove that a webhook, not a poll, brought a change.
    void setRefreshIntervals(int jobsMs, int batchesMs);
    // What a notification updates: the job's row and view, or the batch's row, count and details.
    void applyWebhook(const bd::notify::WebhookEvent &event);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void buildMenus();
    void updateActions();
    void updateStatus();
    void applyPendingWebhookRefreshes();

    AppSession *m_session;
    QTabWidget *m_tabs = nullptr;
    StagingTab *m_staging = nullptr;
    JobsTab *m_jobs = nullptr;
    ExportsTab *m_exports = nullptr;
    QLabel *m_connection = nullptr;
    QLabel *m_workspace = nullptr;
    TrayNotifier *m_tray = nullptr;  // job finished / failed notifications
    ActivityPanel *m_activity = nullptr;
    QDockWidget *m_activityDock = nullptr;
    QLabel *m_webhooks = nullptr;
    QTimer *m_webhookRefresh = nullptr;   // coalesces the list refreshes of a burst of notifications
    bool m_webhookJobs = false;
    QSet<QString> m_webhookBatches;
};

}  // namespace bd::ui
