#include "sandbox/JobSnapshot.h"

#include "core/Format.h"

#include <algorithm>
#include <cmath>

namespace bd::sandbox {

namespace {

QJsonObject message(const QString &text)
{
    return QJsonObject{ { QStringLiteral("message"), text } };
}

QString workerModule(const SimStage &s)
{
    if (s.name == QLatin1String("export"))
        return QStringLiteral("export-worker");
    if (s.name == QLatin1String("compilation"))
        return QStringLiteral("trt-compiler");
    return QStringLiteral("processing-worker");
}

QString filesText(int n)
{
    return n == 1 ? QStringLiteral("1 file") : QStringLiteral("%1 files").arg(n);
}

double secondsBetween(const QDateTime &from, const QDateTime &to)
{
    return double(from.msecsTo(to)) / 1000.0;
}

struct LogEvent {
    double at;
    QJsonObject entryWithoutTime;   // completed with createdAt when rendered
};

}  // namespace

QJsonObject makeLogEntry(const QDateTime &at, const QString &severity, const QString &module,
                         const QString &logType, const QJsonObject &payload, const QString &stageId,
                         const QString &taskId)
{
    return QJsonObject{
        { QStringLiteral("createdAt"), toApiTimestamp(at) },
        { QStringLiteral("processingStageId"), stageId.isEmpty() ? QJsonValue() : QJsonValue(stageId) },
        { QStringLiteral("taskId"), taskId.isEmpty() ? QJsonValue() : QJsonValue(taskId) },
        { QStringLiteral("severity"), severity },
        { QStringLiteral("reportingModule"), module },
        { QStringLiteral("logType"), logType },
        { QStringLiteral("payload"), payload },
    };
}

JobSnapshot::JobSnapshot(const JobRecord &record, const JobPlan &plan, const QDateTime &now, double timeScale)
    : m_record(record), m_plan(plan), m_timeScale(timeScale > 0 ? timeScale : 1.0)
{
    m_now = qMax(0.0, secondsBetween(record.runStartedAt, now) * m_timeScale);
    if (record.abortedAt.isValid())
        m_abortAt = qMax(0.0, secondsBetween(record.runStartedAt, record.abortedAt) * m_timeScale);
}

QDateTime JobSnapshot::toReal(double simSeconds) const
{
    return m_record.runStartedAt.addMSecs(qint64(std::llround(simSeconds / m_timeScale * 1000.0)));
}

double JobSnapshot::observed() const
{
    return m_abortAt ? qMin(m_now, *m_abortAt) : m_now;
}

bool JobSnapshot::isTerminal() const
{
    return m_abortAt.has_value() || m_now >= m_plan.end;
}

bool JobSnapshot::isError() const
{
    return m_abortAt.has_value() || (isTerminal() && m_plan.fails);
}

bool JobSnapshot::stageSucceeded(const QString &stageName) const
{
    for (const SimStage &s : m_plan.stages)
        if (s.name == stageName)
            return !s.fails && finished(s);
    return false;
}

const SimStage *JobSnapshot::stageById(const QString &id) const
{
    for (const SimStage &s : m_plan.stages)
        if (s.id == id && started(s))
            return &s;
    return nullptr;
}

QString JobSnapshot::currentStage() const
{
    QString current = m_plan.plannedStages.value(0);
    for (const SimStage &s : m_plan.stages)
        if (started(s))
            current = s.name;
    return current;
}

QDateTime JobSnapshot::lastUpdate() const
{
    if (m_abortAt && *m_abortAt <= m_now)
        return toReal(*m_abortAt);
    if (isTerminal())
        return toReal(m_plan.end);
    const double firstStart = m_plan.stages.first().tasks.first().start;
    return toReal(observed() < firstStart ? 0.0 : observed());
}

QJsonValue JobSnapshot::lastNotification() const
{
    if (m_abortAt)
        return QJsonObject{ { QStringLiteral("state"), QStringLiteral("aborted") },
                            { QStringLiteral("message"), QStringLiteral("Job aborted by user") } };
    if (isTerminal()) {
        if (m_plan.fails)
            return QJsonObject{ { QStringLiteral("state"), QStringLiteral("failed") },
                                { QStringLiteral("message"), m_plan.failure } };
        return QJsonObject{ { QStringLiteral("state"), QStringLiteral("success") },
                            { QStringLiteral("message"), QStringLiteral("Job completed successfully") } };
    }
    // Nothing is registered yet: the reference CLI shows a spinner for null.
    if (observed() < m_plan.stages.first().tasks.first().start)
        return QJsonValue();
    for (auto s = m_plan.stages.crbegin(); s != m_plan.stages.crend(); ++s) {
        if (!started(*s))
            continue;
        int done = 0;
        for (const SimTask &t : s->tasks)
            done += t.end <= observed() ? 1 : 0;
        return QJsonObject{ { QStringLiteral("state"), QStringLiteral("running") },
                            { QStringLiteral("stage"), s->name },
                            { QStringLiteral("message"), QStringLiteral("Stage %1: %2 of %3 tasks finished")
                                                              .arg(s->name).arg(done).arg(s->tasks.size()) } };
    }
    return QJsonValue();
}

QJsonObject JobSnapshot::jobJson() const
{
    return QJsonObject{
        { QStringLiteral("jobId"), m_record.jobId },
        { QStringLiteral("name"), m_record.name },
        { QStringLiteral("jobDefinition"), m_record.definition },
        { QStringLiteral("currentStage"), currentStage() },
        { QStringLiteral("plannedStages"), QJsonArray::fromStringList(m_plan.plannedStages) },
        { QStringLiteral("error"), isError() },
        { QStringLiteral("isTerminal"), isTerminal() },
        { QStringLiteral("lastNotification"), lastNotification() },
        { QStringLiteral("createdAt"), toApiTimestamp(m_record.createdAt) },
        { QStringLiteral("lastUpdate"), toApiTimestamp(lastUpdate()) },
        { QStringLiteral("restartParametersOverride"), m_record.overrides },
    };
}

QJsonObject JobSnapshot::taskJson(const SimStage &s, const SimTask &t) const
{
    const double now = observed();
    const double span = qMax(1e-9, t.end - t.start);
    QString status;
    QJsonValue progress;
    QJsonObject note;
    double event = 0;
    if (m_abortAt && t.end > *m_abortAt) {
        status = QStringLiteral("error");
        progress = t.start <= *m_abortAt ? (*m_abortAt - t.start) / span * t.progressAtEnd : 0.0;
        note = message(QStringLiteral("Task aborted with the job"));
        event = *m_abortAt;
    } else if (now < t.start) {
        status = QStringLiteral("info");   // progress stays null: not started yet
        note = message(QStringLiteral("Waiting for a free worker"));
        event = s.start;
    } else if (now < t.end) {
        status = QStringLiteral("info");
        progress = (now - t.start) / span * t.progressAtEnd;
        note = message(s.name == QLatin1String("compilation") ? QStringLiteral("Compiling for %1").arg(t.device)
                                                              : QStringLiteral("Working on %1").arg(filesText(t.count)));
        event = now;
    } else if (t.fails) {
        status = QStringLiteral("error");
        progress = t.progressAtEnd;
        note = message(t.failure);   // identical text per failure kind: the error summary groups by it
        event = t.end;
    } else {
        status = QStringLiteral("success");
        progress = 1.0;
        note = message(s.name == QLatin1String("compilation") ? QStringLiteral("Engine built for %1").arg(t.device)
                                                              : QStringLiteral("Processed %1").arg(filesText(t.count)));
        event = t.end;
    }
    return QJsonObject{ { QStringLiteral("taskId"), t.taskId },
                        { QStringLiteral("notification"), note },
                        { QStringLiteral("statusType"), status },
                        { QStringLiteral("progress"), progress },
                        { QStringLiteral("eventTimestamp"), toApiTimestamp(toReal(event)) } };
}

QJsonObject JobSnapshot::stageJson(const SimStage &s) const
{
    const double now = observed();
    int done = 0, failed = 0;
    for (const SimTask &t : s.tasks) {
        done += t.end <= now ? 1 : 0;
        failed += (t.end <= now && t.fails) ? 1 : 0;
    }
    QString status;
    QJsonObject note;
    double lastEvent = s.start;
    QJsonArray outputs;
    if (finished(s)) {
        status = s.fails ? QStringLiteral("error") : QStringLiteral("success");
        note = message(s.fails ? s.failure
                               : QStringLiteral("Stage completed: %1 of %2 tasks succeeded%3")
                                     .arg(done - failed).arg(s.tasks.size())
                                     .arg(failed > 0 ? QStringLiteral(" (failures tolerated)") : QString()));
        lastEvent = s.end;
        if (!s.fails && !s.outputBatchId.isEmpty())
            outputs.append(s.outputBatchId);
    } else if (m_abortAt) {
        status = QStringLiteral("error");
        note = message(QStringLiteral("Stage aborted with the job"));
        lastEvent = *m_abortAt;
    } else {
        status = QStringLiteral("info");
        note = message(QStringLiteral("Running: %1 of %2 tasks finished").arg(done).arg(s.tasks.size()));
        for (const SimTask &t : s.tasks)
            lastEvent = qMax(lastEvent, t.end <= now ? t.end : (t.start <= now ? now : lastEvent));
    }
    return QJsonObject{ { QStringLiteral("processingStageId"), s.id },
                        { QStringLiteral("processingStageName"), s.name },
                        { QStringLiteral("tasksNumber"), int(s.tasks.size()) },
                        { QStringLiteral("outputBatches"), outputs },
                        { QStringLiteral("startTimestamp"), toApiTimestamp(toReal(s.start)) },
                        { QStringLiteral("notification"), note },
                        { QStringLiteral("statusType"), status },
                        { QStringLiteral("lastEventTimestamp"), toApiTimestamp(toReal(lastEvent)) } };
}

QJsonArray JobSnapshot::stagesJson() const
{
    QJsonArray stages;
    for (const SimStage &s : m_plan.stages)
        if (started(s))
            stages.append(stageJson(s));
    return stages;
}

std::optional<QJsonArray> JobSnapshot::tasksJson(const QString &stageId) const
{
    const SimStage *s = stageById(stageId);
    if (!s)
        return std::nullopt;
    QJsonArray tasks;
    for (const SimTask &t : s->tasks)
        tasks.append(taskJson(*s, t));
    return tasks;
}

QJsonArray JobSnapshot::logsJson() const
{
    QVector<LogEvent> events;
    auto add = [&](double at, const QString &severity, const QString &module, const QString &type,
                   const QJsonObject &payload, const QString &stage = {}, const QString &task = {}) {
        events.append({ at, makeLogEntry({}, severity, module, type, payload, stage, task) });
    };
    const QString info = QStringLiteral("info"), error = QStringLiteral("error"), warning = QStringLiteral("warning");
    const QString orchestrator = QStringLiteral("job-orchestrator");

    QJsonObject start = message(m_record.runIndex == 0 ? QStringLiteral("Job accepted and scheduled")
                                                       : QStringLiteral("Job restarted (run %1)").arg(m_record.runIndex + 1));
    start.insert(QStringLiteral("runIndex"), m_record.runIndex);
    add(0, info, orchestrator, QStringLiteral("job-run-started"), start);
    for (const SimStage &s : m_plan.stages) {
        add(s.start, info, QStringLiteral("stage-orchestrator"), QStringLiteral("stage-started"),
            message(QStringLiteral("Stage %1 started with %2 tasks").arg(s.name).arg(s.tasks.size())), s.id);
        for (const SimTask &t : s.tasks) {
            add(t.start, info, workerModule(s), QStringLiteral("task-started"), message(QStringLiteral("Task started")),
                s.id, t.taskId);
            if (t.warns)
                add((t.start + t.end) / 2, warning, workerModule(s), QStringLiteral("task-warning"),
                    message(QStringLiteral("Some input files were slow to decode; throughput reduced")), s.id, t.taskId);
            if (t.fails)
                add(t.end, error, workerModule(s), QStringLiteral("task-failed"), message(t.failure), s.id, t.taskId);
            else
                add(t.end, info, workerModule(s), QStringLiteral("task-succeeded"),
                    message(QStringLiteral("Task finished")), s.id, t.taskId);
        }
        if (s.fails) {
            add(s.end, error, QStringLiteral("stage-orchestrator"), QStringLiteral("stage-failed"), message(s.failure), s.id);
        } else {
            add(s.end, info, QStringLiteral("stage-orchestrator"), QStringLiteral("stage-succeeded"),
                message(QStringLiteral("Stage %1 completed").arg(s.name)), s.id);
            if (!s.outputBatchId.isEmpty()) {
                QJsonObject out = message(QStringLiteral("Output batch created"));
                out.insert(QStringLiteral("batchId"), s.outputBatchId);
                add(s.end, info, QStringLiteral("stage-orchestrator"), QStringLiteral("output-batch-created"), out, s.id);
            }
        }
    }
    if (m_plan.fails)
        add(m_plan.end, error, orchestrator, QStringLiteral("job-failed"), message(m_plan.failure));
    else
        add(m_plan.end, info, orchestrator, QStringLiteral("job-succeeded"), message(QStringLiteral("Job completed successfully")));
    if (m_abortAt)
        add(*m_abortAt, warning, orchestrator, QStringLiteral("job-aborted"), message(QStringLiteral("Job aborted by user")));

    std::stable_sort(events.begin(), events.end(), [](const LogEvent &a, const LogEvent &b) { return a.at < b.at; });
    QJsonArray logs;
    const double now = observed();
    for (const LogEvent &e : events) {
        if (e.at > now)
            break;
        QJsonObject entry = e.entryWithoutTime;
        entry.insert(QStringLiteral("createdAt"), toApiTimestamp(toReal(e.at)));
        logs.append(entry);
    }
    return logs;
}

}  // namespace bd::sandbox
