#pragma once
// One job in detail, live from the session's JobMonitor (session::Jobs::monitor()): a header (id, name, state, created, last update,
// offline marker), the stage timeline, the selected stage's tasks, the error summary (§10) and
// the logs. Abort (running jobs) and Restart (failed or aborted jobs, with §9.8 overrides) ask
// for confirmation first.
#include "jobs/JobMonitor.h"

#include <QWidget>

class QLabel;
class QListWidget;
class QPushButton;
class QTabWidget;
class QTableView;

namespace bd::ui {

class AppSession;
class JobLogsPane;
class StageTimeline;
class TaskTableModel;

class JobView : public QWidget
{
    Q_OBJECT
public:
    JobView(AppSession *session, QWidget *parent = nullptr);

    // Show (and watch) this job; the previous one is no longer watched by the view.
    void showJob(const QString &jobId);
    QString jobId() const { return m_jobId; }

    StageTimeline *timeline() const { return m_timeline; }
    TaskTableModel *taskModel() const { return m_tasks; }
    JobLogsPane *logsPane() const { return m_logs; }
    QString stateText() const;
    // The error summary lines as shown ("3 × message", or "All Good" / "Nothing found").
    QStringList errorSummaryLines() const;
    QPushButton *abortButton() const { return m_abort; }
    QPushButton *restartButton() const { return m_restart; }
    QPushButton *downloadButton() const { return m_download; }
    QPushButton *showResultsButton() const { return m_showResults; }

Q_SIGNALS:
    // The job changed state on the server after an abort or restart from this view.
    void jobChanged(const QString &jobId);
    void closeRequested();
    // "Download results" for a finished job (handled by the main window: Exports tab).
    void downloadResultsRequested(const QString &jobId);
    // "Show results": the job's downloaded results in the results viewer (main window: Exports tab).
    void showResultsRequested(const QString &jobId);

private:
    void onJobUpdated(const QString &jobId);
    void showSnapshot(const jobs::JobSnapshot &snap);
    void showSelectedStageTasks();
    void abortJob();
    void restartJob();

    AppSession *m_session;
    jobs::JobMonitor *m_monitor;
    QString m_jobId;
    bool m_watchedByView = false;   // false when the job was already watched before
    std::optional<jobs::JobSnapshot> m_snap;
    bool m_userSelectedStage = false;

    QLabel *m_title = nullptr;
    QLabel *m_meta = nullptr;
    QLabel *m_offline = nullptr;
    QLabel *m_notification = nullptr;
    QPushButton *m_refresh = nullptr;
    QPushButton *m_abort = nullptr;
    QPushButton *m_restart = nullptr;
    QPushButton *m_close = nullptr;
    QPushButton *m_download = nullptr;
    QPushButton *m_showResults = nullptr;
    StageTimeline *m_timeline = nullptr;
    QTabWidget *m_tabs = nullptr;
    QTableView *m_taskTable = nullptr;
    TaskTableModel *m_tasks = nullptr;
    QLabel *m_taskCaption = nullptr;
    QListWidget *m_errors = nullptr;
    JobLogsPane *m_logs = nullptr;
};

}  // namespace bd::ui
