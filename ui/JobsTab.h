#pragma once
// Jobs: every Batch Processing job of the workspace with its state and current stage; "New job…"
// opens the job dialog, double-click or Enter opens the job view under the table. The list and
// the job monitor that keeps running jobs live belong to the session (session::Jobs); the tab
// only shows them.
#include "TabBase.h"

class QLineEdit;
class QPushButton;
class QScrollArea;
class QSplitter;

namespace bd::ui {

class AppSession;
class JobView;
class JobsModel;
class NewJobDialog;

class JobsTab : public TabBase
{
    Q_OBJECT
public:
    JobsTab(AppSession *session, QWidget *parent = nullptr);
    JobsModel *model() const { return m_model; }
    JobView *jobView() const { return m_view; }
    void refresh();
    QLineEdit *filterField() const override { return m_filter; }
    // The job the view shows, else the selected row's job; empty when none.
    QString currentJobId() const;
    bool isJobFinishedOk(const QString &jobId) const;

    // Open the New job dialog (non-modal), optionally for an input batch; returns it.
    NewJobDialog *newJob(const QString &batchId = {});
    // Show a job in the view under the table.
    void openJob(const QString &jobId);

Q_SIGNALS:
    // The job view's "Download results" for a finished job.
    void downloadResultsRequested(const QString &jobId);
    void showResultsRequested(const QString &jobId);

private:
    void onJobCreated(const QString &jobId, const QString &name);

    AppSession *m_session;
    JobsModel *m_model;
    JobView *m_view = nullptr;
    QSplitter *m_splitter = nullptr;
    QScrollArea *m_viewArea = nullptr;   // holds m_view
    QPushButton *m_refresh = nullptr;
    QPushButton *m_new = nullptr;
    QPushButton *m_open = nullptr;
    QLineEdit *m_filter = nullptr;
};

}  // namespace bd::ui
