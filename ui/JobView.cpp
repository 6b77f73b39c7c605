#include "JobView.h"
#include "Palette.h"

#include "AppSession.h"
#include "JobLogsPane.h"
#include "ListModels.h"
#include "ProgressDelegate.h"
#include "StageTimeline.h"
#include "TaskTableModel.h"
#include "ViewState.h"
#include "session/Services.h"
#include "jobs/JobSpecRestart.h"

#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

namespace bd::ui {

namespace {

// The §9.8 overrides of a restart; every field optional, checked by RestartOverrides::validate().
class RestartDialog : public QDialog
{
public:
    explicit RestartDialog(const QString &jobId, QWidget *parent) : QDialog(parent)
    {
        setWindowTitle(tr("Restart job %1").arg(jobId));
        auto *layout = new QVBoxLayout(this);
        auto *intro = new QLabel(tr("Restart the failed or aborted job <b>%1</b>. Leave a field empty to keep the "
                                    "job's own setting.").arg(jobId.toHtmlEscaped()), this);
        intro->setWordWrap(true);
        layout->addWidget(intro);
        auto *form = new QFormLayout;
        m_machine = new QComboBox(this);
        m_machine->addItem(tr("(unchanged)"), QString());
        for (const QString &m : jobs::machineTypes())
            m_machine->addItem(m, m);
        m_workers = numberField(tr("unchanged"));
        m_parallel = numberField(tr("unchanged"));
        m_timeout = numberField(tr("unchanged (seconds)"));
        m_rate = numberField(tr("unchanged (0.0 – 1.0)"));
        form->addRow(tr("Machine type"), m_machine);
        form->addRow(tr("Workers per machine"), m_workers);
        form->addRow(tr("Max parallel tasks"), m_parallel);
        form->addRow(tr("Runtime limit"), m_timeout);
        form->addRow(tr("Image failure rate"), m_rate);
        layout->addLayout(form);
        m_problem = new QLabel(this);
        m_problem->setWordWrap(true);
        setStatusTone(m_problem, StatusTone::Bad);
        layout->addWidget(m_problem);
        m_buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
        m_buttons->addButton(tr("Restart"), QDialogButtonBox::AcceptRole);
        layout->addWidget(m_buttons);
        connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
        connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
        for (QLineEdit *e : { m_workers, m_parallel, m_timeout, m_rate })
            connect(e, &QLineEdit::textChanged, this, [this] { check(); });
        check();
    }

    jobs::RestartOverrides overrides(QStringList *problems = nullptr) const
    {
        jobs::RestartOverrides o;
        o.machineType = m_machine->currentData().toString();
        const auto readInt = [&](QLineEdit *e, const QString &label) -> std::optional<int> {
            bool ok = false;
            const int v = e->text().trimmed().toInt(&ok);
            if (e->text().trimmed().isEmpty())
                return std::nullopt;
            if (!ok && problems)
                *problems << tr("%1 must be a whole number").arg(label);
            return ok ? std::optional<int>(v) : std::nullopt;
        };
        o.workersPerMachine = readInt(m_workers, tr("Workers per machine"));
        o.maxParallelTasks = readInt(m_parallel, tr("Max parallel tasks"));
        o.processingTimeoutSeconds = readInt(m_timeout, tr("Runtime limit"));
        if (!m_rate->text().trimmed().isEmpty()) {
            bool ok = false;
            const double r = m_rate->text().trimmed().toDouble(&ok);
            if (ok)
                o.maxImageFailureRate = r;
            else if (problems)
                *problems << tr("Image failure rate must be a number");
        }
        if (problems)
            for (const jobs::FieldProblem &p : o.validate())
                *problems << p.field + QStringLiteral(" ") + p.message;
        return o;
    }

private:
    QLineEdit *numberField(const QString &placeholder)
    {
        auto *e = new QLineEdit(this);
        e->setPlaceholderText(placeholder);
        return e;
    }
    void check()
    {
        QStringList problems;
        overrides(&problems);
        m_problem->setText(problems.join(QLatin1Char('\n')));
        m_problem->setVisible(!problems.isEmpty());
        for (QAbstractButton *b : m_buttons->buttons())
            if (m_buttons->buttonRole(b) == QDialogButtonBox::AcceptRole)
                b->setEnabled(problems.isEmpty());
    }

    QComboBox *m_machine;
    QLineEdit *m_workers, *m_parallel, *m_timeout, *m_rate;
    QLabel *m_problem;
    QDialogButtonBox *m_buttons;
};

}  // namespace

JobView::JobView(AppSession *session, QWidget *parent)
    : QWidget(parent), m_session(session), m_monitor(session->jobs()->monitor())
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 4, 0, 0);

    // Title and state on top, the actions in their own row: five buttons beside the texts made
    // the view wider than an 800-pixel window.
    auto *header = new QVBoxLayout;
    auto *actions = new QHBoxLayout;
    auto *texts = new QVBoxLayout;
    m_title = new QLabel(this);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont big = m_title->font();
    big.setBold(true);
    big.setPointSizeF(big.pointSizeF() * 1.2);
    m_title->setFont(big);
    m_meta = new QLabel(this);
    m_meta->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_meta->setWordWrap(true);
    m_notification = new QLabel(this);
    m_notification->setWordWrap(true);
    m_notification->setTextInteractionFlags(Qt::TextSelectableByMouse);
    texts->addWidget(m_title);
    texts->addWidget(m_meta);
    texts->addWidget(m_notification);
    auto *titleRow = new QHBoxLayout;
    titleRow->addLayout(texts, 1);
    m_offline = new QLabel(this);
    m_offline->hide();
    titleRow->addWidget(m_offline, 0, Qt::AlignTop);
    header->addLayout(titleRow);
    header->addLayout(actions);
    // Mnemonics chosen not to collide with the menu bar (F E V B H), the tabs (S J X) or the
    // Jobs tab's buttons shown above (N O R).
    m_refresh = new QPushButton(QIcon::fromTheme(QStringLiteral("view-refresh")), tr("Re&load"), this);
    m_refresh->setToolTip(tr("Read this job's stages, tasks and logs again"));
    m_abort = new QPushButton(QIcon::fromTheme(QStringLiteral("process-stop")), tr("&Abort…"), this);
    m_abort->setToolTip(tr("Stop this running job (asks first)"));
    m_restart = new QPushButton(QIcon::fromTheme(QStringLiteral("view-refresh")), tr("Res&tart…"), this);
    m_restart->setToolTip(tr("Run this failed or aborted job again, optionally with other limits"));
    m_close = new QPushButton(QIcon::fromTheme(QStringLiteral("window-close")), tr("&Close"), this);
    m_close->setToolTip(tr("Hide the job view; the list gets the room back"));
    m_download = new QPushButton(QIcon::fromTheme(QStringLiteral("download")), tr("&Download results…"), this);
    m_download->setToolTip(tr("Download every output of this finished job (Ctrl+S)"));
    m_showResults = new QPushButton(QIcon::fromTheme(QStringLiteral("view-list-details")), tr("Sho&w results"), this);
    m_showResults->setObjectName(QStringLiteral("showResults"));
    m_showResults->setToolTip(tr("Open this job's downloaded results as one table (Ctrl+Shift+R); "
                                 "offers to download them first when they are not here yet"));
    for (QPushButton *b : { m_refresh, m_download, m_showResults, m_abort, m_restart, m_close }) {
        b->setAccessibleDescription(b->toolTip());
        actions->addWidget(b);
    }
    actions->addStretch();
    layout->addLayout(header);

    m_timeline = new StageTimeline(this);
    layout->addWidget(m_timeline);

    m_tabs = new QTabWidget(this);
    auto *taskPage = new QWidget(m_tabs);
    auto *taskLayout = new QVBoxLayout(taskPage);
    taskLayout->setContentsMargins(0, 4, 0, 0);
    m_taskCaption = new QLabel(taskPage);
    taskLayout->addWidget(m_taskCaption);
    m_tasks = new TaskTableModel(this);
    m_taskTable = new QTableView(taskPage);
    m_taskTable->setModel(m_tasks);
    m_taskTable->setItemDelegate(new ProgressDelegate(TaskTableModel::Progress, m_taskTable));
    m_taskTable->verticalHeader()->hide();
    m_taskTable->horizontalHeader()->setStretchLastSection(true);
    m_taskTable->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_taskTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_taskTable->setAlternatingRowColors(true);
    m_taskTable->setWordWrap(false);
    m_taskTable->setMinimumHeight(m_taskTable->fontMetrics().height() * 6);
    ViewState::attach(m_taskTable, QStringLiteral("tasks"));   // dates fitted once, selection kept on refresh
    taskLayout->addWidget(m_taskTable, 1);
    m_tabs->addTab(taskPage, tr("Tas&ks"));
    m_errors = new QListWidget(m_tabs);
    m_errors->setWordWrap(true);
    m_errors->setAccessibleName(tr("Error summary"));
    m_errors->setAccessibleDescription(tr("The job's distinct failure messages, most frequent first"));
    m_tabs->addTab(m_errors, tr("Error s&ummary"));
    m_logs = new JobLogsPane(session->jobs(), m_tabs);
    m_tabs->addTab(m_logs, tr("Lo&gs"));
    m_taskTable->setAccessibleName(tr("Tasks of the selected stage"));
    m_taskTable->setAccessibleDescription(tr("One row per task: state, progress and last event"));
    m_title->setAccessibleName(tr("Job"));
    m_meta->setAccessibleName(tr("Job state and dates"));
    layout->addWidget(m_tabs, 1);

    connect(m_monitor, &jobs::JobMonitor::jobUpdated, this, &JobView::onJobUpdated);
    connect(m_timeline, &StageTimeline::stageSelected, this, [this] {
        m_userSelectedStage = true;
        showSelectedStageTasks();
    });
    connect(m_refresh, &QPushButton::clicked, this, [this] {
        if (!m_jobId.isEmpty()) {
            m_monitor->refreshNow(m_jobId);
            m_logs->reload();
        }
    });
    connect(m_abort, &QPushButton::clicked, this, &JobView::abortJob);
    connect(m_restart, &QPushButton::clicked, this, &JobView::restartJob);
    connect(m_close, &QPushButton::clicked, this, &JobView::closeRequested);
    connect(m_download, &QPushButton::clicked, this, [this] { Q_EMIT downloadResultsRequested(m_jobId); });
    m_download->setEnabled(false);
    connect(m_showResults, &QPushButton::clicked, this, [this] { Q_EMIT showResultsRequested(m_jobId); });
    m_showResults->setEnabled(false);
    m_abort->setEnabled(false);
    m_restart->setEnabled(false);
}

void JobView::showJob(const QString &jobId)
{
    if (jobId == m_jobId) {
        m_monitor->refreshNow(jobId);
        return;
    }
    // A finished job needs no polling once its view is gone; running ones stay watched by the tab.
    if (!m_jobId.isEmpty() && m_snap && m_snap->job.isTerminal)
        m_monitor->unwatch(m_jobId);
    m_jobId = jobId;
    m_session->jobs()->setShownJob(jobId);
    m_snap.reset();
    m_userSelectedStage = false;
    m_title->setText(jobId);
    m_meta->setText(tr("Loading…"));
    m_notification->clear();
    m_timeline->setEntries({}, {});
    m_tasks->setRows({});
    m_errors->clear();
    m_logs->setJob(jobId);
    m_monitor->watch(jobId);
    if (const auto snap = m_monitor->snapshot(jobId))
        showSnapshot(*snap);
    else
        m_monitor->refreshNow(jobId);
}

void JobView::onJobUpdated(const QString &jobId)
{
    if (jobId != m_jobId)
        return;
    if (const auto snap = m_monitor->snapshot(jobId))
        showSnapshot(*snap);
}

QString JobView::stateText() const
{
    return m_snap ? JobRow{ m_snap->job }.stateText() : QString();
}

QStringList JobView::errorSummaryLines() const
{
    QStringList lines;
    for (int i = 0; i < m_errors->count(); ++i)
        lines << m_errors->item(i)->text();
    return lines;
}

void JobView::showSnapshot(const jobs::JobSnapshot &snap)
{
    const bool wasTerminal = m_snap && m_snap->job.isTerminal;
    m_snap = snap;
    const api::Job &job = snap.job;
    if (job.jobId.isEmpty()) {   // nothing fetched yet: only the error is known
        m_meta->setText(snap.lastError ? snap.lastError.message : tr("Loading…"));
        return;
    }
    m_title->setText(job.name.isEmpty() || job.name == job.jobId ? job.jobId
                                                                 : QStringLiteral("%1 — %2").arg(job.jobId, job.name));
    const QString state = stateText();
    QColor stateColour = palette().color(QPalette::Text);
    if (job.isTerminal)
        stateColour = job.error ? StageTimeline::failureColour(palette()) : StageTimeline::successColour(palette());
    // Lines break only between the parts, never inside a date (non-breaking spaces within).
    const auto unbroken = [](QString text) { return text.replace(QLatin1Char(' '), QChar(0x00A0)).toHtmlEscaped(); };
    const QString mark = !job.isTerminal ? QString() : job.error ? QStringLiteral("✗ ") : QStringLiteral("✓ ");
    m_meta->setText(tr("<b style=\"color:%1\">%2</b> · type %3 · %4 · %5")
                        .arg(stateColour.name(), (mark + state).toHtmlEscaped(),
                             unbroken(job.jobDefinition.value(QStringLiteral("type")).toString()),
                             unbroken(tr("created %1").arg(formatDate(job.createdAt))),
                             unbroken(tr("last update %1").arg(formatDate(job.lastUpdate)))));
    const QString note = notificationText(job.lastNotification);
    m_notification->setText(note.isEmpty() ? QString() : tr("Last notification: %1").arg(note));
    m_notification->setVisible(!note.isEmpty());
    m_offline->setVisible(snap.offline);
    if (snap.offline) {
        m_offline->setText(tr("● Offline — data from %1").arg(formatDate(snap.fetchedAt)));
        setStatusTone(m_offline, StatusTone::Bad);
        m_offline->setToolTip(snap.lastError.message);
    }
    m_abort->setEnabled(!job.isTerminal);
    m_restart->setEnabled(job.isTerminal && job.error);
    m_download->setEnabled(job.isTerminal && !job.error);
    m_showResults->setEnabled(job.isTerminal && !job.error);

    // Timeline: the planned stages in order, then any stage the plan did not name.
    QVector<StageTimeline::Entry> entries;
    QVector<bool> used(snap.stages.size(), false);
    const auto entryFor = [](const jobs::StageSnapshot &s) {
        StageTimeline::Entry e;
        e.name = s.stage.processingStageName;
        e.stageId = s.stage.processingStageId;
        e.progress = s.progress;
        e.start = s.stage.startTimestamp;
        e.started = true;
        e.finished = s.stage.statusType != QLatin1String("info");
        e.end = s.progress.lastUpdate;
        return e;
    };
    for (const QString &name : job.plannedStages) {
        StageTimeline::Entry e;
        e.name = name;
        for (int i = 0; i < snap.stages.size(); ++i)
            if (!used[i] && snap.stages.at(i).stage.processingStageName == name) {
                used[i] = true;
                e = entryFor(snap.stages.at(i));
                break;
            }
        entries.append(e);
    }
    for (int i = 0; i < snap.stages.size(); ++i)
        if (!used[i])
            entries.append(entryFor(snap.stages.at(i)));
    for (StageTimeline::Entry &e : entries)
        e.skipped = job.isTerminal && !e.started;
    m_timeline->setEntries(entries, job.currentStage);
    if (!m_userSelectedStage) {   // follow the job: the current stage, else the last started one
        int follow = m_timeline->currentIndex();
        for (int i = 0; follow < 0 && i < entries.size(); ++i)
            if (entries.at(i).started)
                follow = i;
        for (int i = int(entries.size()) - 1; job.isTerminal && i >= 0; --i)
            if (entries.at(i).started) {
                follow = i;
                break;
            }
        QSignalBlocker block(m_timeline);
        m_timeline->setSelectedIndex(follow);
    }
    showSelectedStageTasks();

    // Error summary (§10): distinct failure notifications, most frequent first.
    m_errors->clear();
    for (const auto &[raw, count] : snap.errorSummary) {
        // Failure notifications are often JSON ({"message": …}): the message is what people read.
        QString message = raw;
        const QJsonDocument json = QJsonDocument::fromJson(raw.toUtf8());
        if (json.isObject() && json.object().value(QStringLiteral("message")).isString())
            message = json.object().value(QStringLiteral("message")).toString();
        auto *item = new QListWidgetItem(QIcon::fromTheme(QStringLiteral("dialog-error")), tr("%1 × %2").arg(count).arg(message), m_errors);
        item->setForeground(StageTimeline::failureColour(palette()));
        item->setToolTip(raw);
    }
    if (snap.errorSummary.isEmpty())
        new QListWidgetItem(job.error ? tr("Nothing found") : tr("All Good"), m_errors);
    m_tabs->setTabText(1, snap.errorSummary.isEmpty() ? tr("Error summary")
                                                      : tr("Error summary (%1)").arg(snap.errorSummary.size()));
    if (job.isTerminal && !wasTerminal)
        m_logs->reload();   // the final log lines
}

void JobView::showSelectedStageTasks()
{
    const int index = m_timeline->selectedIndex();
    const auto &entries = m_timeline->entries();
    if (!m_snap || index < 0 || index >= entries.size()) {
        m_tasks->setRows({});
        m_taskCaption->setText(tr("Select a stage above to list its tasks."));
        return;
    }
    const StageTimeline::Entry &entry = entries.at(index);
    for (const jobs::StageSnapshot &s : m_snap->stages)
        if (s.stage.processingStageId == entry.stageId && !entry.stageId.isEmpty()) {
            m_tasks->setRows(s.tasks);
            m_taskCaption->setText(tr("Stage “%1”: %n task(s)", nullptr, s.stage.tasksNumber).arg(entry.name));
            return;
        }
    m_tasks->setRows({});
    m_taskCaption->setText(tr("Stage “%1” has not started.").arg(entry.name));
}

void JobView::abortJob()
{
    const QString jobId = m_jobId;
    if (QMessageBox::question(this, tr("Abort job"),
                              tr("Abort job %1? Tasks still running are stopped; finished results are kept.").arg(jobId))
        != QMessageBox::Yes)
        return;
    m_abort->setEnabled(false);
    m_session->jobs()->abortJob(jobId, this, [this, jobId](const Error &error, const QJsonObject &) {
        if (error)
            QMessageBox::warning(this, tr("Abort failed"), error.fullText());
        m_monitor->refreshNow(jobId);
        Q_EMIT jobChanged(jobId);
    });
}

void JobView::restartJob()
{
    const QString jobId = m_jobId;
    RestartDialog dialog(jobId, this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    const jobs::RestartOverrides overrides = dialog.overrides();
    m_restart->setEnabled(false);
    m_session->jobs()->restartJob(jobId, overrides.toWireJson().value_or(QJsonObject()), this,
                                  [this, jobId](const Error &error, const QJsonObject &) {
        if (error)
            QMessageBox::warning(this, tr("Restart failed"), error.fullText());
        m_monitor->watch(jobId);
        m_monitor->refreshNow(jobId);
        Q_EMIT jobChanged(jobId);
    });
}

}  // namespace bd::ui
