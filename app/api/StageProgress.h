#pragma once
// How show-job-details reads a stage (spec §10), shared by the CLI and the GUI.
#include "api/ApiModels.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QPair>
#include <QString>
#include <QVector>

namespace bd::api {

struct StageProgress {
    double progress = 0.0;  // 0..1: Σ share per terminal task + progress × share per running task
    int succeeded = 0;      // statusType contains "success" (case-insensitive)
    int failed = 0;         // statusType contains "error" (case-insensitive)
    int waiting = 0;        // tasksNumber − tasks with a progress value (never below 0)
    int running = 0;        // statusType == "info" with a progress value
    int terminated = 0;     // statusType != "info"
    bool isRunning = false; // the stage's statusType == "info"
    bool hasError = false;  // the stage's statusType contains "error"
    QDateTime lastUpdate;   // max(newest task eventTimestamp, stage lastEventTimestamp)
};

// share = 1 / tasksNumber; a stage with tasksNumber 0 has progress 0 (no division by zero).
StageProgress computeStageProgress(const Stage &stage, const QVector<Task> &tasks);

// Distinct notifications of failed tasks (statusType contains "error") with their counts, most
// frequent first (ties keep first-seen order). A string notification is shown as is, an object
// as compact JSON.
QVector<QPair<QString, int>> errorSummary(const QVector<Task> &tasks);

// The per-stage figures as JSON, as show-job-details --json and watch-job --json print them:
// stage (Stage::toJson), progress (0..1), percent (one decimal), tasksNumber, waiting, running,
// succeeded, failed, terminated, isRunning, hasError, lastUpdate (UTC ISO with ms).
QJsonObject stageProgressJson(const Stage &stage, const StageProgress &progress);
// An errorSummary() as [{"message", "count"}], same order.
QJsonArray errorSummaryJson(const QVector<QPair<QString, int>> &summary);

// Stages in display order: by startTimestamp, ties by id.
QVector<Stage> sortedStages(QVector<Stage> stages);

}  // namespace bd::api
