#include "sandbox/JobPlan.h"

#include <QJsonArray>

#include <algorithm>
#include <cmath>

namespace bd::sandbox {

namespace {

constexpr double kFirstTaskDelay = 2.0;   // nothing is registered during the first 2 s (spinner)
constexpr double kSlotStagger = 3.0;      // parallel workers come up 3 s apart
constexpr double kStageGap = 3.0;         // between the end of processing and the start of export
constexpr int kDefaultParallelTasks = 4;

// Distinct failure messages, used in the pattern below so the error summary shows several groups
// with different counts (3:2:1 for six failures).
const char *const kFailureKinds[] = {
    "Workflow execution failed: model inference raised CUDA error: out of memory",
    "Image decoding failed: the file is corrupt or not a supported image format",
    "Workflow block 'detections_filter' raised ValueError: invalid class filter",
};
constexpr int kFailurePattern[] = { 0, 1, 0, 2, 0, 1 };

QString taskName(const char *prefix, int i)
{
    return QStringLiteral("%1-%2").arg(QLatin1String(prefix)).arg(i + 1, 4, 10, QLatin1Char('0'));
}

// Greedy list scheduling over `workers` parallel workers: each task takes the earliest free worker.
void schedule(QVector<SimTask> &tasks, double stageStart, int workers, const QVector<double> &durations)
{
    QVector<double> freeAt(qMax(1, workers));
    for (int k = 0; k < freeAt.size(); ++k)
        freeAt[k] = stageStart + kFirstTaskDelay + kSlotStagger * k;
    for (int i = 0; i < tasks.size(); ++i) {
        auto slot = std::min_element(freeAt.begin(), freeAt.end());
        tasks[i].start = *slot;
        tasks[i].end = *slot + durations[i];
        *slot = tasks[i].end;
    }
}

// Cut a task short with a failure at `at` seconds after its start, unless it already fails earlier.
void failTask(SimTask &task, double duration, double at, const QString &message)
{
    if (task.fails && task.end <= task.start + at)
        return;
    task.fails = true;
    task.failure = message;
    task.end = task.start + at;
    task.progressAtEnd = duration > 0 ? qBound(0.0, at / duration, 1.0) : 0.0;
}

double speedFactor(const JobRecord &r, const QJsonObject &def)
{
    double f = r.pace;
    const QJsonObject cc = def.value(QStringLiteral("computeConfiguration")).toObject();
    if (cc.value(QStringLiteral("machineType")).toString() == QLatin1String("gpu"))
        f *= 0.5;
    const QString workflow = def.value(QStringLiteral("processingSpecification")).toObject()
                                 .value(QStringLiteral("workflowId")).toString();
    if (workflow.contains(QLatin1String("slow"), Qt::CaseInsensitive))
        f *= 10.0;
    return f;
}

SimStage planProcessing(const JobRecord &r, const QJsonObject &def, JobPlan &plan)
{
    SimStage stage;
    stage.name = QStringLiteral("processing");
    stage.id = r.jobId + QStringLiteral("-processing");
    const int perTask = r.isVideo() ? 1 : kInputsPerTask;
    const int inputs = int(r.inputs.size());
    const int taskCount = qMax(1, (inputs + perTask - 1) / perTask);
    const double factor = speedFactor(r, def);

    QVector<double> durations;
    for (int i = 0; i < taskCount; ++i) {
        SimTask t;
        t.taskId = taskName("task", i);
        t.first = qMin(i * perTask, inputs);
        t.count = qMin(perTask, inputs - t.first);
        const quint64 h = stableHash(r.jobId + QStringLiteral("/task/") + QString::number(i));
        t.warns = (h >> 8) % 4 == 1;
        durations.append((20 + double(h % 41)) * factor);
        stage.tasks.append(t);
    }
    const int parallel = def.value(QStringLiteral("maxParallelTasks")).toInt(kDefaultParallelTasks);
    schedule(stage.tasks, 0.0, parallel, durations);

    // Trigger: workflowId containing "fail" fails every third task (task-0001, -0004, ...).
    const QJsonObject spec = def.value(QStringLiteral("processingSpecification")).toObject();
    const bool failing = spec.value(QStringLiteral("workflowId")).toString().contains(QLatin1String("fail"), Qt::CaseInsensitive);
    // Trigger: processingTimeoutSeconds is split evenly across tasks; a longer task times out.
    const double timeout = def.value(QStringLiteral("processingTimeoutSeconds")).toDouble(0);
    const double budget = timeout > 0 ? timeout / taskCount : 0;
    int ordinal = 0;
    for (int i = 0; i < taskCount; ++i) {
        SimTask &t = stage.tasks[i];
        const double duration = durations[i];
        if (failing && i % 3 == 0) {
            const quint64 h = stableHash(r.jobId + QStringLiteral("/fail/") + QString::number(i));
            const int kind = kFailurePattern[ordinal++ % int(std::size(kFailurePattern))];
            failTask(t, duration, duration * (0.4 + double(h % 50) / 100.0), QLatin1String(kFailureKinds[kind]));
        }
        if (budget > 0 && duration > budget)
            failTask(t, duration, budget,
                     QStringLiteral("Processing timeout: the task used its share of processingTimeoutSeconds (%1 s)")
                         .arg(budget, 0, 'f', 1));
        if (t.fails)
            plan.failedInputs += t.count;
    }

    stage.start = 0;
    for (const SimTask &t : stage.tasks)
        stage.end = qMax(stage.end, t.end);
    // The job tolerates failed images up to maxImageFailureRate (sandbox default 0: none).
    const double rate = inputs > 0 ? double(plan.failedInputs) / inputs : (plan.failedInputs > 0 ? 1.0 : 0.0);
    const double tolerated = r.isVideo() ? 0.0 : def.value(QStringLiteral("maxImageFailureRate")).toDouble(0.0);
    if (plan.failedInputs > 0 && rate > tolerated) {
        stage.fails = true;
        stage.failure = QStringLiteral("%1 of %2 input files failed (%3 %), above the tolerated failure rate of %4 %")
                            .arg(plan.failedInputs).arg(inputs)
                            .arg(rate * 100, 0, 'f', 1).arg(tolerated * 100, 0, 'f', 1);
    } else {
        stage.outputBatchId = r.jobId + QStringLiteral("-processing-out");
    }
    return stage;
}

SimStage planExport(const JobRecord &r, const QJsonObject &def, const SimStage &processing)
{
    SimStage stage;
    stage.name = QStringLiteral("export");
    stage.id = r.jobId + QStringLiteral("-export");
    stage.start = processing.end + kStageGap;
    int archives = 0;
    for (const SimTask &t : processing.tasks)
        archives += t.fails ? 0 : 1;
    const int parts = qMax(1, (archives + kArchivesPerPart - 1) / kArchivesPerPart);
    const double factor = speedFactor(r, def);
    for (int k = 0; k < parts; ++k) {
        SimTask t;
        t.taskId = taskName("export", k);
        t.first = qMin(k * kArchivesPerPart, archives);
        t.count = qMin(kArchivesPerPart, archives - t.first);
        const quint64 h = stableHash(r.jobId + QStringLiteral("/export/") + QString::number(k));
        t.start = stage.start + 1.0 + k;
        t.end = t.start + (5 + double(h % 11)) * factor;
        stage.tasks.append(t);
    }
    // Trigger: workflowId containing "export-error" fails the last export task.
    const QString workflow = def.value(QStringLiteral("processingSpecification")).toObject()
                                 .value(QStringLiteral("workflowId")).toString();
    if (workflow.contains(QLatin1String("export-error"), Qt::CaseInsensitive)) {
        SimTask &last = stage.tasks.last();
        const double duration = last.end - last.start;
        failTask(last, duration, duration * 0.6, QStringLiteral("Export failed: could not write the archive to storage"));
        stage.fails = true;
        stage.failure = QStringLiteral("Export failed: 1 archive task failed");
    }
    for (const SimTask &t : stage.tasks)
        stage.end = qMax(stage.end, t.end);
    if (!stage.fails)
        stage.outputBatchId = r.jobId + QStringLiteral("-export-out");
    return stage;
}

SimStage planCompilation(const JobRecord &r, const QJsonObject &def)
{
    SimStage stage;
    stage.name = QStringLiteral("compilation");
    stage.id = r.jobId + QStringLiteral("-compilation");
    const QJsonArray devices = def.value(QStringLiteral("compilationDevices")).toArray();
    QVector<double> durations;
    for (int i = 0; i < devices.size(); ++i) {
        SimTask t;
        t.device = devices.at(i).toString();
        t.taskId = QStringLiteral("compile-") + t.device;
        const quint64 h = stableHash(r.jobId + QStringLiteral("/compile/") + t.device);
        durations.append((60 + double(h % 61)) * r.pace);
        stage.tasks.append(t);
    }
    if (stage.tasks.isEmpty()) {   // validation forbids it; keep tasksNumber >= 1 regardless
        SimTask t;
        t.taskId = QStringLiteral("compile-default");
        durations.append(60 * r.pace);
        stage.tasks.append(t);
    }
    schedule(stage.tasks, 0.0, int(stage.tasks.size()), durations);
    // Trigger: modelId containing "fail" fails the first device's compilation.
    if (def.value(QStringLiteral("modelId")).toString().contains(QLatin1String("fail"), Qt::CaseInsensitive)) {
        failTask(stage.tasks[0], durations[0], durations[0] * 0.7,
                 QStringLiteral("TensorRT engine build failed on %1: unsupported layer type").arg(stage.tasks[0].device));
        stage.fails = true;
        stage.failure = QStringLiteral("Compilation failed on 1 of %1 devices").arg(stage.tasks.size());
    }
    for (const SimTask &t : stage.tasks)
        stage.end = qMax(stage.end, t.end);
    return stage;
}

}  // namespace

quint64 stableHash(const QString &text)
{
    quint64 h = 1469598103934665603ULL;
    for (const char c : text.toUtf8()) {
        h ^= quint8(c);
        h *= 1099511628211ULL;
    }
    // Final avalanche so low bits of near-identical strings differ.
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

JobPlan planJob(const JobRecord &r)
{
    JobPlan plan;
    const QJsonObject def = r.effectiveDefinition();
    if (r.isTrt()) {
        plan.plannedStages = { QStringLiteral("compilation") };
        plan.stages.append(planCompilation(r, def));
    } else {
        plan.plannedStages = { QStringLiteral("processing"), QStringLiteral("export") };
        plan.stages.append(planProcessing(r, def, plan));
        if (!plan.stages.first().fails)
            plan.stages.append(planExport(r, def, plan.stages.first()));
    }
    const SimStage &last = plan.stages.last();
    plan.end = last.end;
    plan.fails = last.fails;
    plan.failure = last.failure;
    return plan;
}

}  // namespace bd::sandbox
