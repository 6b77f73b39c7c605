#include "jobs/JobMonitor.h"

#include "core/Database.h"

#include <QSqlError>
#include <QSqlQuery>

#include <algorithm>

namespace bd::jobs {

namespace {

// Polls retry little by themselves: the monitor's own backoff takes over quickly, so a network
// problem shows as "offline" within seconds instead of after the client's two-minute budget.
api::RetryPolicy pollRetryPolicy()
{
    api::RetryPolicy p;
    p.maxAttempts = 2;
    p.baseDelayMs = 200;
    p.maxDelayMs = 1000;
    p.maxRetryAfterMs = 5000;
    p.maxTotalMs = 10000;
    return p;
}

bool isConnectivityError(const Error &e)
{
    return e.kind == ErrorKind::Network || e.kind == ErrorKind::Timeout;
}

// What "moved" means for the adaptive interval: job state and each stage's figures.
bool sameFigures(const JobSnapshot &a, const JobSnapshot &b)
{
    if (a.job.isTerminal != b.job.isTerminal || a.job.error != b.job.error ||
        a.job.currentStage != b.job.currentStage || a.stages.size() != b.stages.size())
        return false;
    for (int i = 0; i < a.stages.size(); ++i) {
        const StageSnapshot &x = a.stages[i];
        const StageSnapshot &y = b.stages[i];
        const api::StageProgress &p = x.progress;
        const api::StageProgress &q = y.progress;
        if (x.stage.processingStageId != y.stage.processingStageId || x.stage.statusType != y.stage.statusType ||
            x.stage.tasksNumber != y.stage.tasksNumber || x.tasks.size() != y.tasks.size() ||
            !qFuzzyCompare(1.0 + p.progress, 1.0 + q.progress) || p.succeeded != q.succeeded ||
            p.failed != q.failed || p.waiting != q.waiting || p.running != q.running)
            return false;
    }
    return true;
}

// watched_jobs comes from the one schema (core/Schema.cpp), migrated when the database opens.
bool ensureTable(QSqlDatabase &db)
{
    return db.isOpen();
}

}  // namespace

double JobSnapshot::overallProgress() const
{
    if (stages.isEmpty())
        return 0.0;
    double sum = 0.0;
    for (const StageSnapshot &s : stages)
        sum += s.progress.progress;
    return sum / stages.size();
}

// One poll of one job: B2, then B4, then every page of B5 for each stage in parallel.
struct JobMonitor::Poll {
    QString jobId;
    api::Job job;
    QVector<api::Stage> stages;         // sorted
    QVector<QVector<api::Task>> tasks;  // per sorted stage
    int tasksPending = 0;
    bool done = false;                  // completed, failed or abandoned
    QVector<QPointer<api::ApiCall>> calls;
};

JobMonitor::JobMonitor(api::ApiClient *api, QObject *parent) : QObject(parent), m_api(api)
{
}

JobMonitor::~JobMonitor()
{
    m_api = nullptr;  // aborted calls must not start queued ones (their grants die with `this`)
    for (Watched *w : std::as_const(m_watched)) {
        if (w->poll) {
            w->poll->done = true;
            for (const auto &call : std::as_const(w->poll->calls))
                if (call)
                    call->cancel();
        }
        delete w;
    }
}

JobMonitor::Watched *JobMonitor::find(const QString &jobId)
{
    for (Watched *w : std::as_const(m_watched))
        if (w->jobId == jobId)
            return w;
    return nullptr;
}

const JobMonitor::Watched *JobMonitor::find(const QString &jobId) const
{
    return const_cast<JobMonitor *>(this)->find(jobId);
}

void JobMonitor::watch(const QString &jobId)
{
    if (jobId.isEmpty() || find(jobId))
        return;
    addWatched(jobId, false);
    if (m_persistent)
        persistAdd(jobId);
}

void JobMonitor::addWatched(const QString &jobId, bool finishedAlready)
{
    auto *w = new Watched;
    w->jobId = jobId;
    w->finishedNotified = finishedAlready;
    w->intervalMs = m_fastMs;
    w->timer = new QTimer(this);
    w->timer->setSingleShot(true);
    connect(w->timer, &QTimer::timeout, this, [this, jobId] { startPoll(jobId); });
    m_watched.append(w);
    schedule(*w, 0);
}

void JobMonitor::unwatch(const QString &jobId)
{
    Watched *w = find(jobId);
    if (!w)
        return;
    m_watched.removeOne(w);
    if (w->poll) {
        w->poll->done = true;
        for (const auto &call : std::as_const(w->poll->calls))
            if (call)
                call->cancel();
    }
    delete w->timer;
    delete w;
    if (m_persistent)
        persistRemove(jobId);
    updateConnectivity();
}

QStringList JobMonitor::watchedJobs() const
{
    QStringList ids;
    for (const Watched *w : m_watched)
        ids << w->jobId;
    return ids;
}

std::optional<JobSnapshot> JobMonitor::snapshot(const QString &jobId) const
{
    const Watched *w = find(jobId);
    return w ? w->snapshot : std::nullopt;
}

void JobMonitor::refreshNow(const QString &jobId)
{
    Watched *w = find(jobId);
    if (!w)
        return;
    if (w->poll) {
        w->refreshQueued = true;
        return;
    }
    w->intervalMs = m_fastMs;
    schedule(*w, 0);
}

void JobMonitor::setMaxConcurrentRequests(int n)
{
    if (m_api)
        m_api->networkGate()->setRequestLimit(std::max(1, n));
}

void JobMonitor::setPollIntervals(int fastMs, int maxMs)
{
    m_fastMs = std::max(10, fastMs);
    m_maxMs = std::max(m_fastMs, maxMs);
    for (Watched *w : std::as_const(m_watched))
        w->intervalMs = std::clamp(w->intervalMs, m_fastMs, m_maxMs);
}

int JobMonitor::currentIntervalMs(const QString &jobId) const
{
    const Watched *w = find(jobId);
    if (!w || !w->timer->isActive())
        return -1;
    return w->intervalMs;
}

int JobMonitor::pollCount(const QString &jobId) const
{
    const Watched *w = find(jobId);
    return w ? w->polls : 0;
}

void JobMonitor::schedule(Watched &w, int delayMs)
{
    w.timer->start(std::max(0, delayMs));
}

// ---- one poll ----

void JobMonitor::startPoll(const QString &jobId)
{
    Watched *w = find(jobId);
    if (!w || w->poll || !m_api)
        return;
    auto poll = std::make_shared<Poll>();
    poll->jobId = jobId;
    w->poll = poll;
    w->refreshQueued = false;
    enqueue(
        poll, [this, jobId] { return m_api->getJob(jobId); },
        [this, poll](api::ApiCall *call) {
            if (call->error())
                failPoll(poll, call->error());
            else
                onJobFetched(poll, static_cast<api::GetJobCall *>(call)->result());
        });
}

void JobMonitor::onJobFetched(const std::shared_ptr<Poll> &poll, const api::Job &job)
{
    poll->job = job;
    const QString jobId = poll->jobId;
    enqueue(
        poll, [this, jobId] { return m_api->listStages(jobId); },
        [this, poll](api::ApiCall *call) {
            if (call->error())
                failPoll(poll, call->error());
            else
                onStagesFetched(poll, static_cast<api::ListStagesCall *>(call)->result());
        });
}

void JobMonitor::onStagesFetched(const std::shared_ptr<Poll> &poll, const QVector<api::Stage> &stages)
{
    poll->stages = api::sortedStages(stages);
    poll->tasks = QVector<QVector<api::Task>>(poll->stages.size());
    poll->tasksPending = poll->stages.size();
    if (poll->stages.isEmpty()) {
        completePoll(poll);
        return;
    }
    const QString jobId = poll->jobId;
    for (int i = 0; i < poll->stages.size(); ++i) {
        const QString stageId = poll->stages[i].processingStageId;
        enqueue(
            poll,
            [this, jobId, stageId] {
                api::ListTasksCall *call = m_api->listTasks(jobId, stageId);
                call->setMaxPages(0);  // every page, as show-job-details
                return call;
            },
            [this, poll, i](api::ApiCall *call) {
                if (call->error())
                    failPoll(poll, call->error());
                else
                    onTasksFetched(poll, i, static_cast<api::ListTasksCall *>(call)->result());
            });
    }
}

void JobMonitor::onTasksFetched(const std::shared_ptr<Poll> &poll, int stageIndex, const QVector<api::Task> &tasks)
{
    poll->tasks[stageIndex] = tasks;
    if (--poll->tasksPending == 0)
        completePoll(poll);
}

void JobMonitor::completePoll(const std::shared_ptr<Poll> &poll)
{
    poll->done = true;
    Watched *w = find(poll->jobId);
    if (!w || w->poll != poll)
        return;
    w->poll.reset();
    ++w->polls;

    JobSnapshot snap;
    snap.job = poll->job;
    QVector<api::Task> allTasks;
    for (int i = 0; i < poll->stages.size(); ++i) {
        const api::Stage &stage = poll->stages[i];
        const QVector<api::Task> &tasks = poll->tasks[i];
        snap.stages.append({stage, tasks, api::computeStageProgress(stage, tasks)});
        allTasks += tasks;
    }
    snap.errorSummary = api::errorSummary(allTasks);
    snap.fetchedAt = QDateTime::currentDateTimeUtc();

    const bool moved = !w->snapshot || !sameFigures(*w->snapshot, snap);
    const bool wasTroubled = w->snapshot && (w->snapshot->offline || w->snapshot->lastError);
    const bool changed = moved || wasTroubled || !w->snapshot || w->snapshot->job.lastUpdate != snap.job.lastUpdate;
    w->snapshot = snap;
    w->intervalMs = moved ? m_fastMs : std::min(m_maxMs, int(w->intervalMs * 1.5));

    const bool terminal = snap.job.isTerminal;
    if (changed)
        Q_EMIT jobUpdated(poll->jobId);
    updateConnectivity();
    // The signal handlers may have unwatched the job.
    w = find(poll->jobId);
    if (!w)
        return;

    if (terminal && !w->finishedNotified) {
        w->finishedNotified = true;
        if (m_persistent)
            persistFinished(poll->jobId, true, !snap.job.error);
        Q_EMIT jobFinished(poll->jobId, !snap.job.error);
        w = find(poll->jobId);
        if (!w)
            return;
    } else if (!terminal && w->finishedNotified) {
        // Restarted (B7): it will finish again.
        w->finishedNotified = false;
        if (m_persistent)
            persistFinished(poll->jobId, false, false);
    }

    if (w->refreshQueued)
        schedule(*w, 0);
    else if (!terminal)
        schedule(*w, w->intervalMs);
}

void JobMonitor::failPoll(const std::shared_ptr<Poll> &poll, const Error &error)
{
    if (poll->done)
        return;
    poll->done = true;
    for (const auto &call : std::as_const(poll->calls))
        if (call && call->isRunning())
            call->cancel();
    Watched *w = find(poll->jobId);
    if (!w || w->poll != poll)
        return;
    w->poll.reset();
    ++w->polls;

    if (!w->snapshot) {
        w->snapshot = JobSnapshot{};
        w->snapshot->job.jobId = poll->jobId;
    }
    w->snapshot->offline = isConnectivityError(error);
    w->snapshot->lastError = error;
    // Back off while failing; a job that was found terminal before still retries (its final
    // fetch has not succeeded in this poll).
    w->intervalMs = std::min(m_maxMs, std::max(m_fastMs, int(w->intervalMs * 1.5)));
    if (error.kind == ErrorKind::RateLimited && m_api)
        m_api->networkGate()->holdFor(std::max(w->intervalMs, 100));
    Q_EMIT jobUpdated(poll->jobId);
    updateConnectivity();
    w = find(poll->jobId);
    if (w)
        schedule(*w, w->refreshQueued ? 0 : w->intervalMs);
}

void JobMonitor::updateConnectivity()
{
    bool offline = false;
    for (const Watched *w : std::as_const(m_watched))
        offline = offline || (w->snapshot && w->snapshot->offline);
    if (offline == m_offline)
        return;
    m_offline = offline;
    Q_EMIT connectivityChanged(offline);
}

// ---- requests, through the connection's NetworkGate (Request lane) ----

void JobMonitor::enqueue(const std::shared_ptr<Poll> &poll, std::function<api::ApiCall *()> makeCall,
                         std::function<void(api::ApiCall *)> onDone)
{
    if (!m_api)
        return;
    std::weak_ptr<Poll> weak = poll;
    m_api->networkGate()->acquire(
        api::NetworkGate::Lane::Request, this,
        [this, weak, makeCall = std::move(makeCall), onDone = std::move(onDone)](api::NetworkGate::Slot granted) {
            const std::shared_ptr<Poll> poll = weak.lock();
            if (!poll || poll->done || !m_api)
                return;  // the job was unwatched or its poll already failed: the slot goes back
            auto slot = std::make_shared<api::NetworkGate::Slot>(std::move(granted));
            api::ApiCall *call = makeCall();
            call->setRetryPolicy(pollRetryPolicy());
            poll->calls.append(call);
            ++m_active;
            m_peakActive = std::max(m_peakActive, m_active);
            connect(call, &api::ApiCall::finished, this, [this, call, poll, onDone, slot] {
                --m_active;
                slot->release(api::NetworkGate::outcomeFor(call->error()));
                if (!poll->done)
                    onDone(call);
            });
            call->start();
        });
}

// ---- persistence ----

void JobMonitor::restoreWatched()
{
    QSqlDatabase db = database();
    if (!ensureTable(db))
        return;
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("SELECT job_id, finished FROM watched_jobs ORDER BY added_at, rowid"))) {
        qWarning("JobMonitor: cannot read watched_jobs: %s", qPrintable(q.lastError().text()));
        return;
    }
    while (q.next()) {
        const QString jobId = q.value(0).toString();
        if (!jobId.isEmpty() && !find(jobId))
            addWatched(jobId, q.value(1).toBool());
    }
}

void JobMonitor::persistAdd(const QString &jobId)
{
    QSqlDatabase db = database();
    if (!ensureTable(db))
        return;
    QSqlQuery q(db);
    q.prepare(QStringLiteral("INSERT OR IGNORE INTO watched_jobs (job_id, added_at) VALUES (?, ?)"));
    q.addBindValue(jobId);
    q.addBindValue(QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs));
    if (!q.exec())
        qWarning("JobMonitor: cannot save a watched job: %s", qPrintable(q.lastError().text()));
}

void JobMonitor::persistRemove(const QString &jobId)
{
    QSqlDatabase db = database();
    if (!ensureTable(db))
        return;
    QSqlQuery q(db);
    q.prepare(QStringLiteral("DELETE FROM watched_jobs WHERE job_id = ?"));
    q.addBindValue(jobId);
    if (!q.exec())
        qWarning("JobMonitor: cannot forget a watched job: %s", qPrintable(q.lastError().text()));
}

void JobMonitor::persistFinished(const QString &jobId, bool finished, bool success)
{
    QSqlDatabase db = database();
    if (!ensureTable(db))
        return;
    QSqlQuery q(db);
    q.prepare(QStringLiteral("UPDATE watched_jobs SET finished = ?, success = ? WHERE job_id = ?"));
    q.addBindValue(finished ? 1 : 0);
    q.addBindValue(success ? 1 : 0);
    q.addBindValue(jobId);
    if (!q.exec())
        qWarning("JobMonitor: cannot update a watched job: %s", qPrintable(q.lastError().text()));
}

}  // namespace bd::jobs
