#pragma once
// Shared helpers for the job monitor tests: an embedded sandbox with demo batches, an ApiClient
// on it, job creation from JobSpec wire JSON, and an independent §10 check of a snapshot.
#include "api/ApiClient.h"
#include "api/StageProgress.h"
#include "jobs/JobMonitor.h"
#include "jobs/JobSpecTrt.h"
#include "jobs/JobSpecWorkflow.h"
#include "sandbox/Sandbox.h"

#include <QtTest>

#include <memory>

namespace bdtest {

inline const QString kKey = QStringLiteral("sandbox-key");
inline const QString kWs = QStringLiteral("sandbox-ws");

inline std::unique_ptr<bd::sandbox::Sandbox> startSandbox(double timeScale = 200)
{
    bd::sandbox::SandboxOptions options;
    options.demo = true;
    options.timeScale = timeScale;
    auto sandbox = std::make_unique<bd::sandbox::Sandbox>(options);
    QString error;
    if (!sandbox->start(&error))
        qFatal("sandbox did not start: %s", qPrintable(error));
    return sandbox;
}

inline bd::api::ApiConfig configFor(const QUrl &url)
{
    bd::api::ApiConfig config;
    config.baseUrl = url;
    config.apiKey = kKey;
    config.timeoutSeconds = 10;
    return config;
}

inline QJsonObject workflowJob(const QString &batchId, const QString &workflowId, bool video = false)
{
    bd::jobs::WorkflowJobSpec spec;
    spec.input = video ? bd::jobs::WorkflowInput::Videos : bd::jobs::WorkflowInput::Images;
    spec.batchId = batchId;
    spec.workspace = kWs;
    spec.workflowId = workflowId;
    spec.maxParallelTasks = 25;
    return spec.toWireJson();
}

inline QJsonObject trtJob(const QString &modelId)
{
    bd::jobs::TrtJobSpec spec;
    spec.modelId = modelId;
    spec.compilationDevices = {QStringLiteral("nvidia-l4"), QStringLiteral("nvidia-t4")};
    return spec.toWireJson();
}

inline bool createJob(bd::api::ApiClient &api, const QString &jobId, const QJsonObject &definition)
{
    std::unique_ptr<bd::api::CreateJobCall> call(api.createJob(jobId, QString(), definition));
    if (!call->exec()) {
        qWarning().noquote() << "create" << jobId << "failed:" << call->error().fullText();
        return false;
    }
    return true;
}

// Fetches B4 and every page of B5 independently of the monitor and checks that the snapshot
// shows the same stages with the same §10 figures.
inline void verifyAgainstServer(bd::api::ApiClient &api, const bd::jobs::JobSnapshot &snap)
{
    std::unique_ptr<bd::api::ListStagesCall> stages(api.listStages(snap.job.jobId));
    QVERIFY(stages->exec());
    const QVector<bd::api::Stage> sorted = bd::api::sortedStages(stages->result());
    QCOMPARE(snap.stages.size(), sorted.size());
    QVector<bd::api::Task> allTasks;
    for (int i = 0; i < sorted.size(); ++i) {
        std::unique_ptr<bd::api::ListTasksCall> tasks(api.listTasks(snap.job.jobId, sorted[i].processingStageId));
        tasks->setMaxPages(0);
        QVERIFY(tasks->exec());
        const bd::api::StageProgress expected = bd::api::computeStageProgress(sorted[i], tasks->result());
        const bd::jobs::StageSnapshot &got = snap.stages[i];
        QCOMPARE(got.stage.processingStageId, sorted[i].processingStageId);
        QCOMPARE(got.tasks.size(), tasks->result().size());
        QCOMPARE(got.progress.progress, expected.progress);
        QCOMPARE(got.progress.succeeded, expected.succeeded);
        QCOMPARE(got.progress.failed, expected.failed);
        QCOMPARE(got.progress.waiting, expected.waiting);
        QCOMPARE(got.progress.running, expected.running);
        QCOMPARE(got.progress.terminated, expected.terminated);
        QCOMPARE(got.progress.isRunning, expected.isRunning);
        QCOMPARE(got.progress.hasError, expected.hasError);
        allTasks += tasks->result();
    }
    QCOMPARE(snap.errorSummary, bd::api::errorSummary(allTasks));
}

}  // namespace bdtest
