#pragma once
// The session's services: everything the GUI reads from the service goes through one of these,
// as qBittorrent's models listen to its engine. List services keep the last result and refresh
// on a timer; one-shot reads answer a typed callback that dies with its `context` object (a
// widget closed before the answer never sees it). Widgets never hold an ApiCall.
#include "api/ApiModels.h"
#include "core/Error.h"

#include <QDateTime>
#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QVector>

#include <functional>
#include <optional>

namespace bd::api { class ApiClient; }
namespace bd::jobs { class JobMonitor; class JobLogsFetcher; class AssetLibraryLauncher; }
namespace bd::staging { class BatchReadiness; }

namespace bd::session {

template <typename T>
using Done = std::function<void(const Error &error, const T &result)>;

// One page of a listing and the token of the next one (none: the last page).
template <typename T>
struct Page {
    QVector<T> items;
    std::optional<QString> nextPageToken;
};

// Shared bookkeeping of a list that refreshes in the background: one refresh at a time, the
// last error and time kept for the views (the periods are the session's: Session::setRefreshPeriods).
class ListServiceBase : public QObject
{
    Q_OBJECT
public:
    bool isRefreshing() const { return m_refreshing; }
    const Error &lastError() const { return m_lastError; }
    QDateTime lastRefreshed() const { return m_lastRefreshed; }

protected:
    using QObject::QObject;
    void finishRefresh(const Error &error);

    bool m_refreshing = false;
    Error m_lastError;
    QDateTime m_lastRefreshed;
};

// Staging batches (D1) and one-shot reads of one batch (D2, D3, D4, D5, D9).
class Batches : public ListServiceBase
{
    Q_OBJECT
public:
    Batches(api::ApiClient *api, QObject *parent);

    // Every page of D1; refreshed() follows (once for concurrent requests).
    void refresh();
    const QVector<api::Batch> &batches() const { return m_batches; }

    // The next refresh's answer (a running refresh's, if any), for a one-shot reader.
    void fetchBatches(QObject *context, Done<QVector<api::Batch>> done);
    void fetchBatch(const QString &batchId, QObject *context, Done<api::Batch> done);
    void fetchCount(const QString &batchId, const QString &partName, QObject *context, Done<qint64> done);
    void fetchParts(const QString &batchId, QObject *context, Done<QVector<api::BatchPart>> done);
    // Every page of D9 when pageSize is 0, else the first `pageSize` shards only.
    void fetchShards(const QString &batchId, int pageSize, QObject *context, Done<QVector<api::Shard>> done);
    // "Is this batch ready?" - one look (staging::BatchReadiness, the answer every caller shares),
    // started, parented to `parent`, deleting itself after finished().
    bd::staging::BatchReadiness *checkReadiness(const QString &batchId, const QString &partName, QObject *parent);
    // One page of D5 (partName empty: the whole batch).
    void fetchFilesPage(const QString &batchId, const QString &partName, int pageSize, const QString &pageToken,
                        QObject *context, Done<Page<api::BatchFile>> done);

Q_SIGNALS:
    void refreshed(const QVector<bd::api::Batch> &batches, const bd::Error &error);

private:
    QPointer<api::ApiClient> m_api;
    QVector<api::Batch> m_batches;
};

// The output batches of jobs' stages (B4 + D2), published once all answers are in.
struct OutputBatch {
    QString jobId;
    QString jobName;
    QString stageName;
    QString batchId;
    std::optional<api::Batch> batch;   // D2 metadata once known
    bool jobFinished = false;
};

class Jobs;

class OutputBatches : public ListServiceBase
{
    Q_OBJECT
public:
    // Follows `jobs`: its first good refresh fills this list when it is still empty.
    OutputBatches(api::ApiClient *api, Jobs *jobs, QObject *parent);
    // Output batches of the listed jobs' stages (finished jobs first). A newer refresh wins.
    void refresh();
    void refresh(const QVector<api::Job> &jobs);
    const QVector<OutputBatch> &outputs() const { return m_outputs; }

Q_SIGNALS:
    void refreshed(const QVector<bd::session::OutputBatch> &outputs, const bd::Error &error);

private:
    QPointer<api::ApiClient> m_api;
    Jobs *m_jobs;
    QVector<OutputBatch> m_outputs;
    int m_generation = 0;
};

// Jobs (B1), the job monitor that follows the running ones, and job actions (B3, B6, B7, A1).
class Jobs : public ListServiceBase
{
    Q_OBJECT
public:
    Jobs(api::ApiClient *api, QObject *parent);

    // maxPages 0: every page of B1. After a good refresh every running job is watched.
    void refresh(int maxPages = 0);
    const QVector<api::Job> &jobs() const { return m_jobs; }
    std::optional<api::Job> job(const QString &jobId) const;
    // "<id> (<name>)" of the jobs still running.
    QStringList runningJobs() const { return m_running; }
    // A job this session just created, listed until the next B1 brings the server's copy.
    void addCreatedJob(const QString &jobId, const QString &name);

    bd::jobs::JobMonitor *monitor() const { return m_monitor; }
    // The job a view shows stays watched after it finishes; others are dropped from the monitor.
    void setShownJob(const QString &jobId) { m_shownJob = jobId; }
    // Jobs watched in an earlier run resume (once per session).
    void restoreWatched();

    void createJob(const QString &jobId, const QString &name, const QJsonObject &definition, QObject *context,
                   Done<QJsonObject> done);
    void abortJob(const QString &jobId, QObject *context, Done<QJsonObject> done);
    void restartJob(const QString &jobId, const QJsonObject &overrides, QObject *context, Done<QJsonObject> done);
    void countAssetLibrary(const QString &query, QObject *context, Done<qint64> done);
    // Every log page of one job (B8), as an Operation the caller starts, parented to `parent`.
    bd::jobs::JobLogsFetcher *logsFetcher(const QString &jobId, std::optional<api::LogSeverity> severity, QObject *parent);
    // Asset Library job submission (A1 with its idempotency journal), parented to `parent`.
    bd::jobs::AssetLibraryLauncher *assetLibraryLauncher(QObject *parent);

Q_SIGNALS:
    void refreshed(const QVector<bd::api::Job> &jobs, const bd::Error &error);
    // The list changed without a refresh (a job this session created).
    void jobAdded(const bd::api::Job &job);
    // The monitor brought a newer copy of a listed job (state, stage, last update).
    void jobUpdated(const bd::api::Job &job);
    // A watched job turned terminal (the monitor's jobFinished, once per transition).
    void jobFinished(const QString &jobId, bool success);
    void runningJobsChanged(const QStringList &jobs);

private:
    void onMonitorUpdate(const QString &jobId);
    void watchRunningJobs();

    QPointer<api::ApiClient> m_api;
    bd::jobs::JobMonitor *m_monitor;
    QVector<api::Job> m_jobs;
    QStringList m_running;
    QString m_shownJob;
    bool m_restored = false;
};

}  // namespace bd::session

Q_DECLARE_METATYPE(bd::session::OutputBatch)
