#pragma once
// The window shell: Staging, Jobs and Exports tabs over one AppSession, refreshed in the
// background; a status bar with the connection state and workspace.
#include <QMainWindow>

class QLabel;
class QTabWidget;
class QTimer;

namespace bd::ui {

class AppSession;
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

    void showConnectionDialog();
    void refreshAll();

private:
    void updateStatus();

    AppSession *m_session;
    QTabWidget *m_tabs = nullptr;
    StagingTab *m_staging = nullptr;
    JobsTab *m_jobs = nullptr;
    ExportsTab *m_exports = nullptr;
    QLabel *m_connection = nullptr;
    QLabel *m_workspace = nullptr;
    QTimer *m_fastTimer = nullptr;   // jobs
    QTimer *m_slowTimer = nullptr;   // batches and output batches
    TrayNotifier *m_tray = nullptr;  // job finished / failed notifications
};

}  // namespace bd::ui
