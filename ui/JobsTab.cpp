#include "JobsTab.h"

#include "AppSession.h"
#include "JobView.h"
#include "ListModels.h"
#include "NewJobDialog.h"
#include "ViewState.h"
#include "session/Services.h"

#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

namespace bd::ui {

JobsTab::JobsTab(AppSession *session, QWidget *parent)
    : TabBase(parent)
    , m_session(session)
    , m_model(new JobsModel(session->jobs(), this))
{
    // Shortcuts live on the menu actions (File → New job…, Ctrl+N), not on the buttons.
    m_new = new QPushButton(QIcon::fromTheme(QStringLiteral("document-new")), tr("&New job…"), this);
    m_new->setToolTip(tr("Start a Workflow job on a staging batch (Ctrl+N)"));
    m_new->setAccessibleDescription(m_new->toolTip());
    m_open = new QPushButton(tr("&Open"), this);
    m_open->setToolTip(tr("Show the selected job below (double-click or Enter)"));
    m_open->setAccessibleDescription(m_open->toolTip());
    m_refresh = new QPushButton(QIcon::fromTheme(QStringLiteral("view-refresh")), tr("&Refresh"), this);
    m_refresh->setToolTip(tr("Read the job list again (F5)"));
    m_refresh->setAccessibleDescription(m_refresh->toolTip());
    m_filter = new QLineEdit(this);
    m_filter->setObjectName(QStringLiteral("filter"));
    m_filter->setPlaceholderText(tr("Filter jobs (Ctrl+F)"));
    m_filter->setAccessibleName(tr("Filter jobs"));
    m_filter->setAccessibleDescription(tr("Shows only the jobs whose columns contain this text"));
    m_filter->setClearButtonEnabled(true);
    m_toolbar->addWidget(m_new);
    m_toolbar->addWidget(m_open);
    m_toolbar->addWidget(m_refresh);
    m_toolbar->addStretch();
    m_toolbar->addWidget(m_filter);
    setSourceModel(m_model, JobsModel::Created, Qt::DescendingOrder, QStringLiteral("jobs"));
    m_table->setAccessibleName(tr("Jobs"));
    m_table->setAccessibleDescription(tr("Every job of the workspace; Enter opens the selected job below"));

    // The table and the job view share the space in a splitter; the view appears on demand.
    m_view = new JobView(session, this);
    m_splitter = new QSplitter(Qt::Vertical, this);
    m_splitter->setObjectName(QStringLiteral("jobsSplitter"));
    m_layout->removeWidget(m_table);
    m_splitter->addWidget(m_table);
    // In a scroll area: the job view never forces the window beyond 800×560; it scrolls instead.
    m_viewArea = new QScrollArea(this);
    m_viewArea->setWidget(m_view);
    m_viewArea->setWidgetResizable(true);
    m_viewArea->setFrameShape(QFrame::NoFrame);
    m_viewArea->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_splitter->addWidget(m_viewArea);
    m_splitter->setStretchFactor(0, 1);
    m_splitter->setStretchFactor(1, 3);
    m_splitter->setChildrenCollapsible(false);
    ViewState::rememberSplitter(m_splitter, QStringLiteral("jobs"), { 220, 500 });
    m_layout->insertWidget(1, m_splitter, 1);
    m_viewArea->hide();
    setTabOrder(m_new, m_open);
    setTabOrder(m_open, m_refresh);
    setTabOrder(m_refresh, m_filter);
    setTabOrder(m_filter, m_table);
    setTabOrder(m_table, m_view);

    connect(m_new, &QPushButton::clicked, this, [this] { newJob(); });
    connect(m_open, &QPushButton::clicked, this, [this] {
        const int row = selectedSourceRow();
        if (row >= 0)
            openJob(m_model->rowAt(row)->job.jobId);
    });
    connect(m_table, &QTableView::activated, this, [this](const QModelIndex &index) {   // double-click / Enter
        openJob(m_proxy->mapToSource(index).siblingAtColumn(JobsModel::Id).data().toString());
    });
    connect(m_view, &JobView::closeRequested, this, [this] {
        m_viewArea->hide();
        m_table->setFocus();
    });
    connect(m_view, &JobView::jobChanged, this, &JobsTab::refresh);
    connect(m_view, &JobView::downloadResultsRequested, this, &JobsTab::downloadResultsRequested);
    connect(m_view, &JobView::showResultsRequested, this, &JobsTab::showResultsRequested);
    // Jobs watched in an earlier run (JobMonitor keeps them in SQLite) resume once connected.
    connect(session, &AppSession::connected, session->jobs(), &bd::session::Jobs::restoreWatched);
    connect(m_refresh, &QPushButton::clicked, this, &JobsTab::refresh);
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);
    connect(m_model, &JobsModel::refreshed, this, [this](const Error &error) {
        int running = 0;
        for (const JobRow &r : m_model->rows())
            running += r.job.isTerminal ? 0 : 1;
        showRefreshResult(error, tr("%n job(s)", nullptr, m_model->rowCount()) + tr(", %1 running").arg(running));
        if (error) {
            m_session->reportError(error);
            return;
        }
        m_session->reportSuccess();
    });
}

void JobsTab::refresh()
{
    m_model->refresh();
}

NewJobDialog *JobsTab::newJob(const QString &batchId)
{
    auto *dialog = new NewJobDialog(m_session, batchId, window());
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &NewJobDialog::jobCreated, this, &JobsTab::onJobCreated);
    // With the webhook receiver on, the job reports its end to it (the person can still clear it).
    auto *hook = dialog->findChild<QLineEdit *>(QStringLiteral("notificationsURL"));
    if (hook && hook->text().isEmpty())
        hook->setText(m_session->notificationsUrl().toString());
    dialog->open();
    // Focus on the first field a person must fill (the dialog starts on Job type otherwise).
    if (auto *workflow = dialog->findChild<QLineEdit *>(QStringLiteral("workflowId")); workflow && workflow->isVisible())
        workflow->setFocus(Qt::OtherFocusReason);
    return dialog;
}

QString JobsTab::currentJobId() const
{
    if (m_view->isVisible() && !m_view->jobId().isEmpty())
        return m_view->jobId();
    const JobRow *row = m_model->rowAt(selectedSourceRow());
    return row ? row->job.jobId : QString();
}

bool JobsTab::isJobFinishedOk(const QString &jobId) const
{
    const JobRow *row = m_model->rowAt(m_model->rowOfKey(jobId));
    return row && row->job.isTerminal && !row->job.error;
}

void JobsTab::openJob(const QString &jobId)
{
    if (jobId.isEmpty())
        return;
    m_viewArea->show();
    m_view->showJob(jobId);
    const int row = m_model->rowOfKey(jobId);
    if (row >= 0)
        m_table->selectRow(m_proxy->mapFromSource(m_model->index(row, 0)).row());
}

void JobsTab::onJobCreated(const QString &jobId, const QString &name)
{
    // Listed at once (until the next B1 refresh brings the server's copy), then opened.
    m_session->jobs()->addCreatedJob(jobId, name);
    openJob(jobId);
    refresh();
}

}  // namespace bd::ui
