// batch-processing commands about existing jobs: list-jobs, show-job-details, abort-job,
// restart-job, fetch-logs (spec §9, §10, call sequences §14).
#include "api/ApiClient.h"
#include "api/StageProgress.h"
#include "cli/CliCommand.h"
#include "cli/CliContext.h"
#include "cli/CliOutput.h"
#include "cli/CommandOptions.h"
#include "cli/TextTable.h"
#include "jobs/JobSpecRestart.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace bd::cli {
namespace {


const QString kJobId = QStringLiteral("job-id");

void addJobIdOption(CommandOptions &opts)
{
    opts.addValue({QStringLiteral("j"), kJobId}, QStringLiteral("Identifier of the job."), QStringLiteral("job-id"), true);
}

QString jobStatus(const api::Job &job)
{
    if (job.error)
        return job.isTerminal ? QStringLiteral("failed") : QStringLiteral("running (with errors)");
    return job.isTerminal ? QStringLiteral("finished") : QStringLiteral("running");
}

// The listings: columns of the table, and the JSON of --json and of -o, described once each.
const Listing<api::Job> &jobListing()
{
    static const Listing<api::Job> listing{
        {{QStringLiteral("ID"), [](const api::Job &j) { return j.jobId; }},
         {QStringLiteral("NAME"), [](const api::Job &j) { return j.name; }},
         {QStringLiteral("STAGE"), [](const api::Job &j) { return j.currentStage.isEmpty() ? QStringLiteral("-") : j.currentStage; }},
         {QStringLiteral("STATUS"), [](const api::Job &j) { return jobStatus(j); }},
         {QStringLiteral("CREATED"), [](const api::Job &j) { return formatDateTime(j.createdAt); }},
         {QStringLiteral("LAST UPDATE"), [](const api::Job &j) { return formatDateTime(j.lastUpdate); }}},
        [](const api::Job &j) { return j.toJson(); },
        [](const api::Job &j) { return j.toJson(); },
        {},
        QStringLiteral("No jobs found."),
        QStringLiteral("jobs"),
    };
    return listing;
}

const Listing<api::LogEntry> &logListing()
{
    static const Listing<api::LogEntry> listing{
        {{QStringLiteral("CREATED"), [](const api::LogEntry &l) { return formatDateTime(l.createdAt); }},
         {QStringLiteral("SEVERITY"), [](const api::LogEntry &l) { return api::logSeverityName(l.severity); }},
         {QStringLiteral("STAGE"), [](const api::LogEntry &l) { return l.processingStageId; }},
         {QStringLiteral("TASK"), [](const api::LogEntry &l) { return l.taskId; }},
         {QStringLiteral("MODULE"), [](const api::LogEntry &l) { return l.reportingModule; }},
         {QStringLiteral("TYPE"), [](const api::LogEntry &l) { return l.logType; }},
         {QStringLiteral("PAYLOAD"), [](const api::LogEntry &l) { return compactJson(l.payload); }}},
        [](const api::LogEntry &l) { return l.toJson(); },
        [](const api::LogEntry &l) { return l.toSnakeJson(); },
        {},
        QStringLiteral("No logs found."),
        QStringLiteral("log entries"),
    };
    return listing;
}

int listJobs(CliContext &ctx, const QStringList &args)
{
    CommandOptions opts(ctx);
    opts.addValue({QStringLiteral("p"), QStringLiteral("max-pages")}, QStringLiteral("Number of pages to fetch."),
                  QStringLiteral("n"), false, QStringLiteral("1"));
    if (auto rc = opts.parse(args))
        return *rc;
    const auto pages = opts.intValue(QStringLiteral("max-pages"), 1);
    if (!pages)
        return 2;

    Error error;
    api::ApiClient *client = ctx.api(&error);
    if (!client)
        return ctx.fail(error);
    auto *call = client->listJobs(10);
    call->setMaxPages(*pages);
    if (!call->exec())
        return ctx.fail(call->error());

    QStringList notes;
    if (call->nextPageToken())
        notes << QStringLiteral("More jobs available: use --max-pages to fetch more pages.");
    return printListing(ctx, jobListing(), call->result(), {}, notes);
}

// One stage with its tasks, as show-job-details reads it (§10).
struct StageReport {
    api::Stage stage;
    api::StageProgress progress;
    QVector<QPair<QString, int>> errors;
};

// "All Good" / "Nothing found" when no task failed, exactly as §10 says.
QString noErrorsText(const api::Job &job)
{
    return job.error ? QStringLiteral("Nothing found") : QStringLiteral("All Good");
}

QJsonObject stageJson(const StageReport &r, const api::Job &job)
{
    QJsonObject o = api::stageProgressJson(r.stage, r.progress);
    o.insert(QStringLiteral("errorSummary"), api::errorSummaryJson(r.errors));
    if (r.errors.isEmpty())
        o.insert(QStringLiteral("errorSummaryText"), noErrorsText(job));
    return o;
}

void printJobDetails(QTextStream &out, const api::Job &job, const QVector<StageReport> &reports)
{
    out << "Job:          " << job.jobId << (job.name.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(job.name))
        << '\n'
        << "Status:       " << jobStatus(job) << '\n'
        << "Created:      " << formatDateTime(job.createdAt) << '\n'
        << "Last update:  " << formatDateTime(job.lastUpdate) << '\n';
    QStringList planned;
    for (const QString &s : job.plannedStages)
        planned << (s == job.currentStage ? QStringLiteral("[%1]").arg(s) : s);
    out << "Stages:       " << (planned.isEmpty() ? QStringLiteral("-") : planned.join(QStringLiteral(" -> ")))
        << (job.currentStage.isEmpty() ? QString() : QStringLiteral("   (current: %1)").arg(job.currentStage)) << '\n';
    out << "Notification: "
        << (job.lastNotification.isNull() || job.lastNotification.isUndefined()
                ? QStringLiteral("waiting for the first update...")
                : compactJson(job.lastNotification))
        << '\n';
    for (const StageReport &r : reports) {
        const api::StageProgress &p = r.progress;
        out << "\nStage " << r.stage.processingStageName << " (" << r.stage.processingStageId << ")"
            << (r.stage.processingStageName == job.currentStage ? "  <- current" : "") << '\n'
            << "  Status:      " << (p.isRunning ? "running" : (p.hasError ? "failed" : "finished")) << '\n'
            << "  Progress:    " << QString::number(p.progress * 100.0, 'f', 1) << "%\n"
            << "  Tasks:       " << r.stage.tasksNumber << " total | waiting " << p.waiting << " | running "
            << p.running << " | succeeded " << p.succeeded << " | failed " << p.failed << '\n'
            << "  Last update: " << formatDateTime(p.lastUpdate) << '\n';
        if (!r.stage.outputBatches.isEmpty())
            out << "  Output:      " << r.stage.outputBatches.join(QStringLiteral(", ")) << '\n';
        if (r.errors.isEmpty()) {
            out << "  Errors:      " << noErrorsText(job) << '\n';
        } else {
            out << "  Errors:\n";
            for (const auto &e : r.errors)
                out << "    " << e.second << " x " << e.first << '\n';
        }
    }
    out.flush();
}

int showJobDetails(CliContext &ctx, const QStringList &args)
{
    CommandOptions opts(ctx);
    addJobIdOption(opts);
    if (auto rc = opts.parse(args))
        return *rc;
    const QString jobId = opts.value(kJobId);

    Error error;
    api::ApiClient *client = ctx.api(&error);
    if (!client)
        return ctx.fail(error);
    auto *jobCall = client->getJob(jobId);
    if (!jobCall->exec())
        return ctx.fail(jobCall->error());
    const api::Job job = jobCall->result();
    auto *stagesCall = client->listStages(jobId);
    if (!stagesCall->exec())
        return ctx.fail(stagesCall->error());

    QVector<StageReport> reports;
    for (const api::Stage &stage : api::sortedStages(stagesCall->result())) {
        auto *tasks = client->listTasks(jobId, stage.processingStageId);
        tasks->setMaxPages(0);
        if (!tasks->exec())
            return ctx.fail(tasks->error());
        reports.append({stage, api::computeStageProgress(stage, tasks->result()), api::errorSummary(tasks->result())});
    }

    if (ctx.isJson()) {
        QJsonArray stages;
        for (const StageReport &r : std::as_const(reports))
            stages.append(stageJson(r, job));
        ctx.printJson(QJsonObject{{QStringLiteral("job"), job.toJson()}, {QStringLiteral("stages"), stages}});
        return 0;
    }
    printJobDetails(ctx.out(), job, reports);
    return 0;
}

// Prints a B6/B7 response: the JSON document with --json, else a sentence and the response.
int printActionResult(CliContext &ctx, const QString &sentence, const QJsonObject &response)
{
    if (ctx.isJson()) {
        ctx.printJson(response);
        return 0;
    }
    ctx.out() << sentence << '\n' << QString::fromUtf8(QJsonDocument(response).toJson(QJsonDocument::Indented));
    ctx.out().flush();
    return 0;
}

int abortJob(CliContext &ctx, const QStringList &args)
{
    CommandOptions opts(ctx);
    addJobIdOption(opts);
    if (auto rc = opts.parse(args))
        return *rc;
    Error error;
    api::ApiClient *client = ctx.api(&error);
    if (!client)
        return ctx.fail(error);
    auto *call = client->abortJob(opts.value(kJobId));
    if (!call->exec())
        return ctx.fail(call->error());
    return printActionResult(ctx, QStringLiteral("Abort requested for job %1.").arg(opts.value(kJobId)), call->result());
}

int restartJob(CliContext &ctx, const QStringList &args)
{
    CommandOptions opts(ctx);
    addJobIdOption(opts);
    opts.addJobFields(jobs::JobKind::Restart);
    if (auto rc = opts.parse(args))
        return *rc;
    jobs::FieldProblems problems;
    QString jobId;
    const jobs::RestartOverrides overrides = jobs::RestartOverrides::fromCliOptions(args, &jobId, &problems);
    problems += overrides.validate();
    if (!problems.isEmpty())
        return ctx.usage(jobs::describeProblems(problems));

    Error error;
    api::ApiClient *client = ctx.api(&error);
    if (!client)
        return ctx.fail(error);
    auto *call = client->restartJob(jobId, overrides.toWireJson().value_or(QJsonObject()));
    if (!call->exec())
        return ctx.fail(call->error());
    return printActionResult(ctx, QStringLiteral("Restart requested for job %1.").arg(jobId), call->result());
}

int fetchLogs(CliContext &ctx, const QStringList &args)
{
    CommandOptions opts(ctx);
    addJobIdOption(opts);
    opts.addValue({QStringLiteral("log-severity")}, QStringLiteral("Only logs of this severity (info, warning, error)."),
                  QStringLiteral("severity"));
    opts.addValue({QStringLiteral("o"), QStringLiteral("output-file")},
                  QStringLiteral("Write the logs as JSONL (snake_case keys) to this file."), QStringLiteral("path"));
    if (auto rc = opts.parse(args))
        return *rc;
    const auto severityName = opts.choiceValue(QStringLiteral("log-severity"),
                                               {QStringLiteral("info"), QStringLiteral("warning"), QStringLiteral("error")});
    if (!severityName)
        return 2;
    const std::optional<api::LogSeverity> severity =
        severityName->isEmpty() ? std::nullopt : api::logSeverityFromName(*severityName);

    Error error;
    api::ApiClient *client = ctx.api(&error);
    if (!client)
        return ctx.fail(error);
    auto *call = client->jobLogs(opts.value(kJobId), severity);
    call->setMaxPages(0);
    if (!call->exec())
        return ctx.fail(call->error());
    const QVector<api::LogEntry> &logs = call->result();

    return printListing(ctx, logListing(), logs, opts.value(QStringLiteral("output-file")));
}

}  // namespace

QVector<CliCommand> jobCommands()
{
    const QString g = QStringLiteral("batch-processing");
    return {
        {g, QStringLiteral("list-jobs"), QStringLiteral("List batch processing jobs."), listJobs},
        {g, QStringLiteral("show-job-details"), QStringLiteral("Show a job, its stages and their progress."),
         showJobDetails},
        {g, QStringLiteral("abort-job"), QStringLiteral("Abort a running job."), abortJob},
        {g, QStringLiteral("restart-job"), QStringLiteral("Restart a failed or aborted job, optionally with overrides."),
         restartJob},
        {g, QStringLiteral("fetch-logs"), QStringLiteral("Fetch the logs of a job."), fetchLogs},
    };
}

}  // namespace bd::cli
