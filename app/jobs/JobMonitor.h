#pragma once
// JobMonitor: keeps a live snapshot of every watched Batch Processing job (spec §9, §10) by
// polling B2 (job), B4 (stages) and every page of B5 (tasks) for each watched job.
//
//  - Adaptive interval: fastIntervalMs while any stage's progress or counts moved since the last
//    poll; ×1.5 per unchanged poll up to maxIntervalMs; polling stops once the job is terminal
//    (the poll that first sees isTerminal is itself the final full fetch: B2 is read first).
//  - Requests go through the connection's NetworkGate (Request lane, FIFO): a cap on concurrent
//    requests across all jobs (setMaxConcurrentRequests, default 4), and a 429 seen by any call
//    of the ApiClient holds them all for the server's wait.
//  - Network errors / timeouts mark the job offline (connectivityChanged) and keep retrying with
//    backoff; the next good poll clears it. Other errors keep the old snapshot with lastError.
//  - Watched job ids persist in SQLite (table watched_jobs) unless setPersistent(false).
//  - jobFinished fires once per transition into the terminal state (a restarted job that ends
//    again fires again); a job already finished when restored from SQLite does not re-fire.
//
// Lives in the thread of its ApiClient (the GUI thread); everything is asynchronous.
#include "api/ApiClient.h"
#include "api/ApiModels.h"
#include "api/StageProgress.h"
#include "core/Error.h"

#include <QDateTime>
#include <QHash>
#include <QObject>
#include <QPair>
#include <QPointer>
#include <QString>
#include <QStringList>
#include <QTimer>
#include <QVector>

#include <functional>
#include <memory>
#include <optional>

namespace bd::jobs {

struct StageSnapshot {
    api::Stage stage;
    QVector<api::Task> tasks;
    api::StageProgress progress;
};

struct JobSnapshot {
    api::Job job;
    QVector<StageSnapshot> stages;                // sorted by startTimestamp (sortedStages)
    QVector<QPair<QString, int>> errorSummary;    // over all stages' tasks, most frequent first
    QDateTime fetchedAt;                          // when the last complete poll finished
    bool offline = false;                         // the last poll failed with a network error
    Error lastError;                              // the last poll's error (None after a good poll)

    bool isTerminal() const { return job.isTerminal; }
    bool succeeded() const { return job.isTerminal && !job.error; }
    // Progress over all stages (mean of stage progress), 0..1; 0 without stages.
    double overallProgress() const;
};

class JobMonitor : public QObject {
    Q_OBJECT
public:
    explicit JobMonitor(api::ApiClient *api, QObject *parent = nullptr);
    ~JobMonitor() override;

    void watch(const QString &jobId);    // start polling (persisted: survives restart)
    void unwatch(const QString &jobId);  // stop polling, forget the snapshot and the persisted id
    QStringList watchedJobs() const;     // in the order they were watched
    std::optional<JobSnapshot> snapshot(const QString &jobId) const;
    void refreshNow(const QString &jobId);  // poll now (e.g. after a webhook); resumes a terminal job
    void setMaxConcurrentRequests(int n);   // the gate's Request lane limit: default 4; at least 1
    void restoreWatched();                  // from SQLite, at start-up

    // Extra knobs (tests, the CLI).
    void setPollIntervals(int fastMs, int maxMs);  // defaults 2000 / 30000
    int fastIntervalMs() const { return m_fastMs; }
    int maxIntervalMs() const { return m_maxMs; }
    // false: watch()/unwatch() do not touch SQLite (the CLI's watch-job).
    void setPersistent(bool persistent) { m_persistent = persistent; }
    bool isPersistent() const { return m_persistent; }
    // The delay before the job's next poll, in ms (-1 when not scheduled: in flight or terminal).
    int currentIntervalMs(const QString &jobId) const;
    bool isOffline() const { return m_offline; }
    // Requests running now / the most that ever ran at once (for tests of the cap).
    int requestsInFlight() const { return m_active; }
    int peakRequestsInFlight() const { return m_peakActive; }
    // Polls completed (successfully or not) for the job since it was watched.
    int pollCount(const QString &jobId) const;

Q_SIGNALS:
    void jobUpdated(const QString &jobId);                 // snapshot(jobId) changed
    void jobFinished(const QString &jobId, bool success);  // once, when it turns terminal
    void connectivityChanged(bool offline);

private:
    struct Poll;
    struct Watched {
        QString jobId;
        std::optional<JobSnapshot> snapshot;
        QTimer *timer = nullptr;
        int intervalMs = 0;
        std::shared_ptr<Poll> poll;   // the poll in flight, if any
        bool refreshQueued = false;   // refreshNow() during a poll: poll again right after
        bool finishedNotified = false;
        int polls = 0;
    };

    Watched *find(const QString &jobId);
    const Watched *find(const QString &jobId) const;
    void addWatched(const QString &jobId, bool finishedAlready);
    void schedule(Watched &w, int delayMs);
    void startPoll(const QString &jobId);
    void onJobFetched(const std::shared_ptr<Poll> &poll, const api::Job &job);
    void onStagesFetched(const std::shared_ptr<Poll> &poll, const QVector<api::Stage> &stages);
    void onTasksFetched(const std::shared_ptr<Poll> &poll, int stageIndex, const QVector<api::Task> &tasks);
    void completePoll(const std::shared_ptr<Poll> &poll);
    void failPoll(const std::shared_ptr<Poll> &poll, const Error &error);
    void updateConnectivity();

    // One request of a poll: asks the gate for a Request slot, then makes, starts and reports
    // the call; dropped if the poll has ended by the time the slot is granted.
    void enqueue(const std::shared_ptr<Poll> &poll, std::function<api::ApiCall *()> makeCall,
                 std::function<void(api::ApiCall *)> onDone);

    // SQLite persistence.
    void persistAdd(const QString &jobId);
    void persistRemove(const QString &jobId);
    void persistFinished(const QString &jobId, bool finished, bool success);

    QPointer<api::ApiClient> m_api;
    QVector<Watched *> m_watched;
    int m_active = 0;
    int m_peakActive = 0;
    int m_fastMs = 2000;
    int m_maxMs = 30000;
    bool m_persistent = true;
    bool m_offline = false;
};

}  // namespace bd::jobs
