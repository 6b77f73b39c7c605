#pragma once
// The planned timeline of one run of a simulated job: which stages run, which tasks they hold,
// when each task starts and ends (in simulated seconds since the run started) and how it ends.
// A plan is a pure function of the JobRecord (no clock): the same record always gives the same
// plan, which is what makes the sandbox deterministic. Aborts are applied later by JobSnapshot.
#include "sandbox/JobRecord.h"

#include <QString>
#include <QStringList>
#include <QVector>

namespace bd::sandbox {

struct SimTask {
    QString taskId;
    int first = 0;            // processing: first input index; export: first archive index
    int count = 0;            // processing: number of inputs; export: number of archives
    QString device;           // TRT compilation tasks only
    double start = 0;
    double end = 0;           // success or failure time
    double progressAtEnd = 1; // < 1 for a task that fails part-way
    bool fails = false;
    QString failure;          // the failed task's notification message (groups the error summary)
    bool warns = false;       // logs one warning half-way
};

struct SimStage {
    QString id;               // <jobId>-<name>
    QString name;             // processing | export | compilation
    double start = 0;
    double end = 0;
    QVector<SimTask> tasks;   // never empty (tasksNumber >= 1)
    bool fails = false;
    QString failure;
    QString outputBatchId;    // empty when the stage produces no batch
};

struct JobPlan {
    QStringList plannedStages;
    QVector<SimStage> stages;  // the stages that will run; export is absent when processing fails
    double end = 0;            // when the run finishes (success or failure)
    bool fails = false;
    QString failure;
    int failedInputs = 0;
};

// Files per processing task and archives per export part (kept small so tests see several).
constexpr int kInputsPerTask = 8;
constexpr int kArchivesPerPart = 4;

JobPlan planJob(const JobRecord &record);

// A stable 64-bit hash (FNV-1a) of text: qHash is seeded and CPU dependent, this is not.
quint64 stableHash(const QString &text);

}  // namespace bd::sandbox
