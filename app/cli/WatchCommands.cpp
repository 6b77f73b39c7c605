// batch-processing watch-job: follow one job live until it is terminal, with the JobMonitor
// (B2, B4 and every page of B5 per poll; the §10 maths of show-job-details).
//  - on a terminal: a live block redrawn in place (stages, progress %, task counts, errors);
//  - otherwise: one plain line per change;
//  - with --json: one compact JSON object per line ({"event": "update" | "finished" |
//    "interrupted", ...}).
// Exit codes: 0 the job succeeded, 1 it failed (or cannot be watched), 2 usage, 130 Ctrl-C
// (after printing the last state).
#include "api/ApiClient.h"
#include "api/StageProgress.h"
#include "cli/CliCommand.h"
#include "cli/CliContext.h"
#include "cli/CliOutput.h"
#include "cli/CommandOptions.h"
#include "jobs/JobMonitor.h"

#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTimer>

#include <csignal>
#include <unistd.h>

namespace bd::cli {

// Not declared in CliCommand.h (owned by engineer `cli`): CommandTable.cpp declares it in its
// one registration line.
QVector<CliCommand> watchCommands();

namespace {

const QString kJobId = QStringLiteral("job-id");

QString jobState(const api::Job &job)
{
    if (job.isTerminal)
        return job.error ? QStringLiteral("failed") : QStringLiteral("succeeded");
    return job.error ? QStringLiteral("running (with errors)") : QStringLiteral("running");
}

QString stageState(const api::StageProgress &p)
{
    return p.isRunning ? QStringLiteral("running") : (p.hasError ? QStringLiteral("failed") : QStringLiteral("finished"));
}

QString percent(double fraction)
{
    return QString::number(fraction * 100.0, 'f', 1) + QLatin1Char('%');
}

QString bar(double fraction, int width = 20)
{
    const int filled = qBound(0, int(fraction * width + 0.5), width);
    return QLatin1Char('[') + QString(filled, QLatin1Char('#')) + QString(width - filled, QLatin1Char('-')) +
           QLatin1Char(']');
}

QString counts(const jobs::StageSnapshot &s)
{
    const api::StageProgress &p = s.progress;
    return QStringLiteral("%1 tasks: waiting %2 | running %3 | succeeded %4 | failed %5")
        .arg(s.stage.tasksNumber)
        .arg(p.waiting)
        .arg(p.running)
        .arg(p.succeeded)
        .arg(p.failed);
}

// The live block for a terminal.
QStringList liveLines(const QString &jobId, const jobs::JobSnapshot &snap)
{
    QStringList lines;
    QStringList planned;
    for (const QString &s : snap.job.plannedStages)
        planned << (s == snap.job.currentStage ? QStringLiteral("[%1]").arg(s) : s);
    lines << QStringLiteral("Job %1%2: %3%4")
                 .arg(jobId, snap.job.name.isEmpty() || snap.job.name == jobId ? QString()
                                                                              : QStringLiteral(" (%1)").arg(snap.job.name),
                      jobState(snap.job),
                      planned.isEmpty() ? QString() : QStringLiteral("   ") + planned.join(QStringLiteral(" -> ")));
    if (snap.stages.isEmpty())
        lines << QStringLiteral("  (no stages yet)");
    for (const jobs::StageSnapshot &s : snap.stages)
        lines << QStringLiteral("  %1 %2 %3  %4  (%5)")
                     .arg(s.stage.processingStageName.leftJustified(12), bar(s.progress.progress),
                          percent(s.progress.progress).rightJustified(6), counts(s), stageState(s.progress));
    for (const auto &e : snap.errorSummary)
        lines << QStringLiteral("  error: %1 x %2").arg(e.second).arg(e.first);
    QString footer = QStringLiteral("  updated %1").arg(formatDateTime(snap.fetchedAt));
    if (snap.offline)
        footer += QStringLiteral("  -- offline, retrying: ") + snap.lastError.message;
    else if (snap.lastError)
        footer += QStringLiteral("  -- retrying after: ") + snap.lastError.message;
    lines << footer;
    return lines;
}

// One line for logs and pipes.
QString plainLine(const QString &jobId, const jobs::JobSnapshot &snap)
{
    QStringList parts{QStringLiteral("job %1 %2").arg(jobId, jobState(snap.job))};
    for (const jobs::StageSnapshot &s : snap.stages)
        parts << QStringLiteral("%1 %2 (%3)").arg(s.stage.processingStageName, percent(s.progress.progress), counts(s));
    if (!snap.errorSummary.isEmpty())
        parts << QStringLiteral("%1 distinct errors").arg(snap.errorSummary.size());
    if (snap.offline)
        parts << QStringLiteral("offline: ") + snap.lastError.message;
    else if (snap.lastError)
        parts << QStringLiteral("retrying: ") + snap.lastError.message;
    return QDateTime::currentDateTime().toString(QStringLiteral("HH:mm:ss ")) + parts.join(QStringLiteral(" | "));
}

// The same per-stage keys as show-job-details --json.
QJsonObject snapshotJson(const QString &event, const jobs::JobSnapshot &snap)
{
    QJsonArray stages;
    for (const jobs::StageSnapshot &s : snap.stages)
        stages.append(api::stageProgressJson(s.stage, s.progress));
    const QJsonArray errors = api::errorSummaryJson(snap.errorSummary);
    QJsonObject o{{QStringLiteral("event"), event},
                  {QStringLiteral("job"), snap.job.toJson()},
                  {QStringLiteral("stages"), stages},
                  {QStringLiteral("errorSummary"), errors},
                  {QStringLiteral("fetchedAt"), snap.fetchedAt.toUTC().toString(Qt::ISODateWithMs)},
                  {QStringLiteral("offline"), snap.offline}};
    if (snap.lastError)
        o.insert(QStringLiteral("lastError"), QJsonObject{{QStringLiteral("kind"), errorKindName(snap.lastError.kind)},
                                                          {QStringLiteral("message"), snap.lastError.message}});
    return o;
}

// Errors that retrying will not cure before the job was ever seen: give up at once.
bool isFatal(const Error &e)
{
    switch (e.kind) {
    case ErrorKind::Unauthorized:
    case ErrorKind::PlanLimit:
    case ErrorKind::Forbidden:
    case ErrorKind::NotFound:
    case ErrorKind::BadRequest:
        return true;
    default:
        return false;
    }
}

// Prints snapshots in the chosen style; remembers how many live lines to redraw.
class WatchPrinter {
public:
    WatchPrinter(CliContext &ctx, const QString &jobId)
        : m_ctx(ctx), m_jobId(jobId), m_live(!ctx.isJson() && ::isatty(STDOUT_FILENO))
    {
    }

    void print(const QString &event, const jobs::JobSnapshot &snap)
    {
        QTextStream &out = m_ctx.out();
        if (m_ctx.isJson()) {
            out << QString::fromUtf8(QJsonDocument(snapshotJson(event, snap)).toJson(QJsonDocument::Compact)) << Qt::endl;
            return;
        }
        if (!m_live) {
            const QString line = plainLine(m_jobId, snap);
            // The time prefix differs on every line: compare without it to skip repeats.
            if (line.mid(9) != m_lastPlain.mid(9) || event != QLatin1String("update"))
                out << line << Qt::endl;
            m_lastPlain = line;
            return;
        }
        if (m_lastLineCount > 0)
            out << "\x1b[" << m_lastLineCount << "A\x1b[J";  // back to the block's first line, clear below
        const QStringList lines = liveLines(m_jobId, snap);
        for (const QString &l : lines)
            out << l << '\n';
        out.flush();
        m_lastLineCount = int(lines.size());
    }

private:
    CliContext &m_ctx;
    QString m_jobId;
    bool m_live;
    int m_lastLineCount = 0;
    QString m_lastPlain;
};

int watchJob(CliContext &ctx, const QStringList &args)
{
    CommandOptions opts(ctx);
    opts.addValue({QStringLiteral("j"), kJobId}, QStringLiteral("Identifier of the job."), QStringLiteral("job-id"), true);
    opts.addValue({QStringLiteral("interval")},
                  QStringLiteral("Seconds between polls while the job moves (it backs off up to 30 s while idle)."),
                  QStringLiteral("seconds"), false, QStringLiteral("2"));
    if (auto rc = opts.parse(args))
        return *rc;
    bool ok = false;
    const double interval = opts.value(QStringLiteral("interval")).toDouble(&ok);
    if (!ok || interval <= 0 || interval > 3600)
        return ctx.usage(QStringLiteral("--interval must be a number of seconds between 0 and 3600."));
    const QString jobId = opts.value(kJobId);

    Error error;
    api::ApiClient *client = ctx.api(&error);
    if (!client)
        return ctx.fail(error);

    jobs::JobMonitor monitor(client);
    monitor.setPersistent(false);  // a shell watch must not add to the GUI's watch list
    monitor.setMaxConcurrentRequests(2);
    const int fastMs = int(interval * 1000);
    monitor.setPollIntervals(fastMs, qMax(fastMs, 30000));

    WatchPrinter printer(ctx, jobId);
    // Not a wait for one Operation (those use exec()): the command lives as long as the watch,
    // reacting to the monitor's updates, connectivity changes, the end of the job and Ctrl-C.
    QEventLoop loop;
    int exitCode = -1;
    auto finish = [&](int code) {
        if (exitCode < 0) {
            exitCode = code;
            loop.quit();
        }
    };

    QObject::connect(&monitor, &jobs::JobMonitor::jobUpdated, &loop, [&](const QString &) {
        const auto snap = monitor.snapshot(jobId);
        if (!snap)
            return;
        if (!snap->fetchedAt.isValid() && isFatal(snap->lastError)) {
            finish(ctx.fail(snap->lastError));
            return;
        }
        if (!snap->job.isTerminal)
            printer.print(QStringLiteral("update"), *snap);
    });
    QObject::connect(&monitor, &jobs::JobMonitor::connectivityChanged, &loop, [&](bool offline) {
        if (!ctx.isJson())
            ctx.err() << (offline ? "Connection to the API lost; retrying..." : "Connection to the API restored.")
                      << Qt::endl;
    });
    QObject::connect(&monitor, &jobs::JobMonitor::jobFinished, &loop, [&](const QString &, bool success) {
        printer.print(QStringLiteral("finished"), *monitor.snapshot(jobId));
        if (!ctx.isJson())
            ctx.out() << "Job " << jobId << (success ? " succeeded." : " failed.") << Qt::endl;
        finish(success ? 0 : 1);
    });
    // Ctrl-C / SIGTERM (CliContext): print the last state; runCli then reports the interruption.
    ctx.setInterruptHandler([&] {
        if (const auto snap = monitor.snapshot(jobId); snap && snap->fetchedAt.isValid())
            printer.print(QStringLiteral("interrupted"), *snap);
        ctx.err() << "Interrupted; the job keeps running on the server." << Qt::endl;
        finish(ctx.interruptExitCode());
    });

    monitor.watch(jobId);
    loop.exec();
    ctx.setInterruptHandler({});
    return exitCode;
}

}  // namespace

QVector<CliCommand> watchCommands()
{
    return {
        {QStringLiteral("batch-processing"), QStringLiteral("watch-job"),
         QStringLiteral("Follow a job live until it finishes (exit 0 on success, 1 on failure)."), watchJob},
    };
}

}  // namespace bd::cli
