#pragma once
// What a simulated job looks like at one instant: the JSON of B2 (JobMetadata), B4 (stages),
// B5 (tasks) and B8 (logs of the current run), derived from a JobPlan, the record's run start
// and abort time, the clock's "now" and the time scale. Read-only and cheap to build per request.
#include "sandbox/JobPlan.h"
#include "sandbox/JobRecord.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>

#include <optional>

namespace bd::sandbox {

class JobSnapshot
{
public:
    JobSnapshot(const JobRecord &record, const JobPlan &plan, const QDateTime &now, double timeScale);

    bool isTerminal() const;
    bool isError() const;
    bool isAborted() const { return m_abortAt.has_value(); }
    // True once the stage has finished successfully (so its output batch is due).
    bool stageSucceeded(const QString &stageName) const;

    QJsonObject jobJson() const;                                  // JobMetadata
    QJsonArray stagesJson() const;                                // stages started so far
    std::optional<QJsonArray> tasksJson(const QString &stageId) const;  // nullopt: unknown stage
    QJsonArray logsJson() const;                                  // this run's entries, oldest first

    // Simulated seconds since the run started <-> wall-clock UTC.
    QDateTime toReal(double simSeconds) const;

private:
    double observed() const;   // now, or the abort instant when that came first
    bool started(const SimStage &s) const { return s.start <= observed(); }
    bool finished(const SimStage &s) const { return s.end <= observed(); }
    const SimStage *stageById(const QString &id) const;
    QJsonObject stageJson(const SimStage &s) const;
    QJsonObject taskJson(const SimStage &s, const SimTask &t) const;
    QJsonValue lastNotification() const;
    QDateTime lastUpdate() const;
    QString currentStage() const;

    const JobRecord &m_record;
    const JobPlan &m_plan;
    double m_now;                       // simulated seconds since run start
    std::optional<double> m_abortAt;    // simulated seconds since run start
    double m_timeScale;
};

// One B8 entry; stage and task may be empty (they become JSON null).
QJsonObject makeLogEntry(const QDateTime &at, const QString &severity, const QString &module,
                         const QString &logType, const QJsonObject &payload,
                         const QString &stageId = {}, const QString &taskId = {});

}  // namespace bd::sandbox
