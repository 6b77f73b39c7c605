#include "session/Services.h"

#include "api/ApiClient.h"
#include "api/AssetLibraryRequests.h"
#include "api/JobRequests.h"
#include "api/StagingRequests.h"
#include "jobs/AssetLibraryLauncher.h"
#include "jobs/JobLogsFetcher.h"
#include "jobs/JobMonitor.h"
#include "staging/BatchReadiness.h"

#include <algorithm>
#include <memory>

#include <QTimer>

namespace bd::session {
namespace {

// Hands a call's typed result to `done` once, unless `context` is gone by then.
template <typename Call, typename T>
void deliver(Call *call, QObject *context, Done<T> done)
{
    QObject::connect(call, &api::ApiCall::finished, context, [call, done = std::move(done)] {
        done(call->error(), call->error() ? T() : T(call->result()));
    });
}

Error noConnection()
{
    return Error(ErrorKind::Internal, QObject::tr("Not connected."));
}

template <typename T>
void failLater(QObject *context, Done<T> done)
{
    QTimer::singleShot(0, context, [done = std::move(done)] { done(noConnection(), T()); });
}

}  // namespace

// ---- ListServiceBase ----

void ListServiceBase::finishRefresh(const Error &error)
{
    m_refreshing = false;
    m_lastError = error;
    if (!error)
        m_lastRefreshed = QDateTime::currentDateTimeUtc();
}

// ---- Batches ----

Batches::Batches(api::ApiClient *api, QObject *parent) : ListServiceBase(parent), m_api(api) {}

void Batches::refresh()
{
    if (m_refreshing || !m_api)
        return;
    m_refreshing = true;
    auto *call = m_api->listBatches(100);
    call->setMaxPages(0);
    connect(call, &api::ApiCall::finished, this, [this, call] {
        if (!call->error())
            m_batches = call->result();
        finishRefresh(call->error());
        Q_EMIT refreshed(m_batches, m_lastError);
    });
}

void Batches::fetchBatches(QObject *context, Done<QVector<api::Batch>> done)
{
    if (!m_api)
        return failLater(context, std::move(done));
    auto once = std::make_shared<QMetaObject::Connection>();
    *once = connect(this, &Batches::refreshed, context, [once, done = std::move(done)](const QVector<api::Batch> &batches,
                                                                                     const Error &error) {
        QObject::disconnect(*once);
        done(error, batches);
    });
    refresh();
}

void Batches::fetchBatch(const QString &batchId, QObject *context, Done<api::Batch> done)
{
    if (!m_api)
        return failLater(context, std::move(done));
    deliver(m_api->getBatch(batchId), context, std::move(done));
}

void Batches::fetchCount(const QString &batchId, const QString &partName, QObject *context, Done<qint64> done)
{
    if (!m_api)
        return failLater(context, std::move(done));
    deliver(m_api->batchCount(batchId, partName), context, std::move(done));
}

void Batches::fetchParts(const QString &batchId, QObject *context, Done<QVector<api::BatchPart>> done)
{
    if (!m_api)
        return failLater(context, std::move(done));
    deliver(m_api->listParts(batchId), context, std::move(done));
}

void Batches::fetchShards(const QString &batchId, int pageSize, QObject *context, Done<QVector<api::Shard>> done)
{
    if (!m_api)
        return failLater(context, std::move(done));
    auto *call = m_api->listShards(batchId, pageSize > 0 ? pageSize : 100);
    call->setMaxPages(pageSize > 0 ? 1 : 0);
    deliver(call, context, std::move(done));
}

bd::staging::BatchReadiness *Batches::checkReadiness(const QString &batchId, const QString &partName, QObject *parent)
{
    bd::staging::ReadinessOptions options;
    options.batchId = batchId;
    options.partName = partName;
    options.once = true;
    auto *look = new bd::staging::BatchReadiness(m_api, options, parent);
    look->setAutoDelete(true);
    look->start();
    return look;
}

void Batches::fetchFilesPage(const QString &batchId, const QString &partName, int pageSize,
                                  const QString &pageToken, QObject *context, Done<Page<api::BatchFile>> done)
{
    if (!m_api)
        return failLater(context, std::move(done));
    auto *call = m_api->listBatchFiles(batchId, partName, pageSize, pageToken);
    call->setMaxPages(1);
    connect(call, &api::ApiCall::finished, context, [call, done = std::move(done)] {
        Page<api::BatchFile> page;
        if (!call->error()) {
            page.items = call->result();
            page.nextPageToken = call->nextPageToken();
        }
        done(call->error(), page);
    });
}

// ---- OutputBatches ----

OutputBatches::OutputBatches(api::ApiClient *api, Jobs *jobs, QObject *parent)
    : ListServiceBase(parent), m_api(api), m_jobs(jobs)
{
    connect(jobs, &Jobs::refreshed, this, [this](const QVector<api::Job> &list, const Error &error) {
        if (!error && m_outputs.isEmpty() && !m_refreshing)
            refresh(list);
    });
}

void OutputBatches::refresh()
{
    refresh(m_jobs->jobs());
}

void OutputBatches::refresh(const QVector<api::Job> &jobs)
{
    if (!m_api)
        return;
    // Stages of every job (B4), then metadata of every output batch (D2); the list is published
    // once all answers are in, so a view never shows a half-built list.
    struct Pending {
        QVector<OutputBatch> rows;
        int outstanding = 0;
        Error firstError;
    };
    const int generation = ++m_generation;
    auto pending = std::make_shared<Pending>();
    m_refreshing = true;
    auto publish = [this, pending, generation] {
        if (--pending->outstanding > 0 || generation != m_generation)
            return;
        std::stable_sort(pending->rows.begin(), pending->rows.end(), [](const OutputBatch &a, const OutputBatch &b) {
            return a.jobFinished > b.jobFinished;
        });
        m_outputs = pending->rows;
        finishRefresh(pending->firstError);
        Q_EMIT refreshed(m_outputs, m_lastError);
    };
    pending->outstanding = 1;   // released at the end of this function
    api::ApiClient *client = m_api;
    for (const api::Job &job : jobs) {
        ++pending->outstanding;
        auto *stages = client->listStages(job.jobId);
        connect(stages, &api::ApiCall::finished, this, [this, client, stages, job, pending, publish] {
            if (stages->error()) {
                if (!pending->firstError)
                    pending->firstError = stages->error();
                publish();
                return;
            }
            for (const api::Stage &stage : stages->result()) {
                for (const QString &batchId : stage.outputBatches) {
                    const int row = int(pending->rows.size());
                    pending->rows.append({ job.jobId, job.name, stage.processingStageName, batchId, std::nullopt, job.isTerminal });
                    ++pending->outstanding;
                    auto *meta = client->getBatch(batchId);
                    connect(meta, &api::ApiCall::finished, this, [meta, pending, row, publish] {
                        if (!meta->error())
                            pending->rows[row].batch = meta->result();
                        publish();
                    });
                }
            }
            publish();
        });
    }
    publish();
}

// ---- Jobs ----

Jobs::Jobs(api::ApiClient *api, QObject *parent)
    : ListServiceBase(parent), m_api(api), m_monitor(new bd::jobs::JobMonitor(api, this))
{
    connect(m_monitor, &bd::jobs::JobMonitor::jobUpdated, this, &Jobs::onMonitorUpdate);
    connect(m_monitor, &bd::jobs::JobMonitor::jobFinished, this, [this](const QString &jobId, bool success) {
        Q_EMIT jobFinished(jobId, success);
        // Nothing left to follow; later, so other listeners still read the final snapshot.
        QTimer::singleShot(0, this, [this, jobId] {
            if (jobId != m_shownJob)
                m_monitor->unwatch(jobId);
        });
    });
}

void Jobs::refresh(int maxPages)
{
    if (m_refreshing || !m_api)
        return;
    m_refreshing = true;
    auto *call = m_api->listJobs(50);
    call->setMaxPages(maxPages);
    connect(call, &api::ApiCall::finished, this, [this, call] {
        if (!call->error())
            m_jobs = call->result();
        finishRefresh(call->error());
        Q_EMIT refreshed(m_jobs, m_lastError);
        if (!call->error())
            watchRunningJobs();
    });
}

std::optional<api::Job> Jobs::job(const QString &jobId) const
{
    for (const api::Job &j : m_jobs)
        if (j.jobId == jobId)
            return j;
    return std::nullopt;
}

void Jobs::addCreatedJob(const QString &jobId, const QString &name)
{
    if (job(jobId))
        return;
    api::Job created;
    created.jobId = jobId;
    created.name = name.isEmpty() ? jobId : name;
    created.createdAt = created.lastUpdate = QDateTime::currentDateTimeUtc();
    m_jobs.append(created);
    Q_EMIT jobAdded(created);
}

void Jobs::restoreWatched()
{
    if (m_restored)
        return;
    m_restored = true;
    m_monitor->restoreWatched();
}

void Jobs::onMonitorUpdate(const QString &jobId)
{
    const auto snap = m_monitor->snapshot(jobId);
    if (!snap || snap->job.jobId.isEmpty())
        return;
    for (api::Job &j : m_jobs) {
        if (j.jobId != jobId)
            continue;
        if (j.lastUpdate == snap->job.lastUpdate && j.isTerminal == snap->job.isTerminal
            && j.currentStage == snap->job.currentStage)
            return;
        j = snap->job;
        Q_EMIT jobUpdated(j);
        watchRunningJobs();
        return;
    }
}

void Jobs::watchRunningJobs()
{
    QStringList running;
    const QStringList watched = m_monitor->watchedJobs();
    for (const api::Job &j : std::as_const(m_jobs)) {
        if (j.isTerminal)
            continue;
        running << (j.name.isEmpty() || j.name == j.jobId ? j.jobId : QStringLiteral("%1 (%2)").arg(j.jobId, j.name));
        if (!watched.contains(j.jobId))
            m_monitor->watch(j.jobId);
    }
    if (running != m_running) {
        m_running = running;
        Q_EMIT runningJobsChanged(m_running);
    }
}

void Jobs::createJob(const QString &jobId, const QString &name, const QJsonObject &definition,
                           QObject *context, Done<QJsonObject> done)
{
    if (!m_api)
        return failLater(context, std::move(done));
    deliver(m_api->createJob(jobId, name, definition), context, std::move(done));
}

void Jobs::abortJob(const QString &jobId, QObject *context, Done<QJsonObject> done)
{
    if (!m_api)
        return failLater(context, std::move(done));
    deliver(m_api->abortJob(jobId), context, std::move(done));
}

void Jobs::restartJob(const QString &jobId, const QJsonObject &overrides, QObject *context, Done<QJsonObject> done)
{
    if (!m_api)
        return failLater(context, std::move(done));
    deliver(m_api->restartJob(jobId, overrides), context, std::move(done));
}

void Jobs::countAssetLibrary(const QString &query, QObject *context, Done<qint64> done)
{
    if (!m_api)
        return failLater(context, std::move(done));
    deliver(m_api->assetLibraryCount(query), context, std::move(done));
}

bd::jobs::JobLogsFetcher *Jobs::logsFetcher(const QString &jobId, std::optional<api::LogSeverity> severity, QObject *parent)
{
    return new bd::jobs::JobLogsFetcher(m_api, jobId, severity, parent);
}

bd::jobs::AssetLibraryLauncher *Jobs::assetLibraryLauncher(QObject *parent)
{
    return new bd::jobs::AssetLibraryLauncher(m_api, parent);
}

}  // namespace bd::session
