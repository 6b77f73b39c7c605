#pragma once
// The sandbox's Batch Processing simulator (routes B1-B8 of the spec, §9). Transport-agnostic:
// the HTTP front hands it parsed ApiRequests whose path is the segments after
// /batch-processing/v1/external/{ws}/ and sends back the ApiReply.
//
// Simulation (deterministic; computed lazily from the clock on every request, no timers):
//   simulated seconds = (now - run start) x timeScale.
//   Image/video jobs: stages "processing" then "export" (ids <jobId>-processing, <jobId>-export).
//     Processing: one task per 8 input files (1 per video), durations 20-60 s from a hash of the
//     job id, at most maxParallelTasks (default 4) at once, workers starting 3 s apart; waiting
//     tasks have progress null. On success it creates batch <jobId>-processing-out, part
//     "results": one task-NNNN.jsonl (or .csv per aggregationFormat) per successful task, one row
//     per input file with fake predictions derived from the file's SHA-256.
//     Export: one task per 4 archives; creates <jobId>-export-out, parts archives-1, archives-2 ...
//     each holding task-NNNN.tar.gz (gzip ustar, fixed mtime) containing that task's results file.
//   TRT jobs (trt-compilation-v1): one stage "compilation", one task per device (60-120 s), no
//     output batch.
//
// Failure and speed triggers (documented for the sandbox README):
//   - workflowId containing "fail": every third processing task (task-0001, task-0004, ...) fails
//     part-way, with three distinct messages in a 3:2:1 pattern (error-summary groups). The job
//     fails when failed files / all files > maxImageFailureRate (sandbox default 0, i.e. any
//     failure); a tolerated failure still shows error tasks but the job succeeds.
//   - processingTimeoutSeconds: split evenly across processing tasks; a longer task fails with a
//     "Processing timeout" notification at its budget.
//   - workflowId containing "export-error": processing succeeds, the last export task fails, the
//     job fails and no export batch is created.
//   - workflowId containing "slow": every task takes 10x longer.
//   - computeConfiguration.machineType "gpu": tasks take half as long.
//   - TRT modelId containing "fail": the first device's compilation fails; the job fails.
//   Restart (B7) overrides apply too, e.g. maxImageFailureRate 0.5 lets a "fail" job succeed and
//   a larger processingTimeoutSeconds cures timeouts.
//
// Rules [INFERRED where the spec is silent]:
//   - B3 duplicate create: identical definition -> 200 (idempotent); a different one -> 409.
//     Missing input batch -> 404; a batch (or part) with no files -> 400; bad shapes -> 400.
//     Job name defaults to the job id.
//   - B6 abort: only while not terminal (409 otherwise). An aborted job is terminal with
//     error: true and lastNotification {"state": "aborted"}; unfinished tasks and the running
//     stage turn to statusType "error"; the completion webhook is sent with job_state "fail".
//   - B7 restart: only failed or aborted jobs (409 for running or succeeded ones). A body is
//     appended to restartParametersOverride; the run starts over from the processing stage at
//     "now"; logs of earlier runs are kept.
//   - Completion webhook (§13.3) once per finished run when notificationsURL is set.
//   - Page sizes: jobs 10, tasks 20, logs 50 by default, at most 100; tokens are opaque.
#include "sandbox/JobPlan.h"
#include "sandbox/JobRecord.h"
#include "sandbox/SandboxContext.h"

#include <QHash>
#include <QJsonObject>
#include <QMap>
#include <QMutex>
#include <QString>

namespace bd::sandbox {

class JobSnapshot;

class JobService
{
public:
    JobService(BatchStore *store, WebhookSender *webhooks, SandboxClock clock);

    ApiReply handle(const ApiRequest &request);
    // A finished job with output batches (demo-finished) and a long running one (demo-running),
    // both over batch "demo-images" (synthetic inputs when that batch does not exist).
    void seedDemo(const QString &workspace);
    // Evaluate every job now, so due output batches and webhooks happen without a poll. Optional:
    // the front may call it from a timer.
    void advance();

    QJsonObject save() const;
    void load(const QJsonObject &state);

private:
    struct Webhook {
        QString url;
        QJsonObject payload;
    };
    using Webhooks = QVector<Webhook>;

    ApiReply route(const ApiRequest &request, Webhooks &webhooks);
    ApiReply listJobs(const ApiRequest &request, Webhooks &webhooks);
    ApiReply createJob(const ApiRequest &request, const QString &jobId);
    ApiReply jobDetails(JobRecord &job, Webhooks &webhooks);
    ApiReply stages(JobRecord &job, Webhooks &webhooks);
    ApiReply tasks(const ApiRequest &request, JobRecord &job, const QString &stageId, Webhooks &webhooks);
    ApiReply abort(JobRecord &job, Webhooks &webhooks);
    ApiReply restart(const ApiRequest &request, JobRecord &job, Webhooks &webhooks);
    ApiReply logs(const ApiRequest &request, JobRecord &job, Webhooks &webhooks);

    static QString key(const QString &workspace, const QString &jobId) { return workspace + QLatin1Char('/') + jobId; }
    const JobPlan &planFor(const JobRecord &job);
    // Applies the once-only effects due at `view` (output batches, webhook) to the record.
    void applyEffects(JobRecord &job, const JobSnapshot &view, Webhooks &webhooks);
    // The job as it is now, after applying what became due.
    JobSnapshot observe(JobRecord &job, Webhooks &webhooks);
    QDateTime now() const;
    void send(const Webhooks &webhooks);

    BatchStore *m_store;
    WebhookSender *m_webhooks;
    SandboxClock m_clock;
    mutable QMutex m_mutex;
    QMap<QString, JobRecord> m_jobs;   // key(workspace, jobId)
    QHash<QString, JobPlan> m_plans;   // cache, dropped when a job (re)starts
};

}  // namespace bd::sandbox
