#pragma once
// Overrides for restarting a failed or aborted job (spec §9.8, B7). Without any override the
// request carries no body at all.
#include "jobs/JobFields.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include <optional>

namespace bd::jobs {

struct RestartOverrides {
    QString machineType;                  // "", cpu, gpu
    std::optional<int> workersPerMachine;  // 0 is accepted and dropped from the body (CLI quirk)
    std::optional<int> maxParallelTasks;
    std::optional<int> processingTimeoutSeconds;
    std::optional<double> maxImageFailureRate;

    // The members bound to the rows of the job field table (JobFields.h), and their values.
    static const QList<FieldBinding<RestartOverrides>> &fieldBindings();
    QJsonObject fieldValues() const;
    void setFieldValues(const QJsonObject &values);

    bool isEmpty() const;
    FieldProblems validate() const;
    // nullopt when no override is given: send the POST without a body.
    std::optional<QJsonObject> toWireJson() const;
    QByteArray toWireBody() const;  // compact JSON, or empty

    CliInvocation toCliInvocation(const QString &jobId) const;  // batch-processing restart-job -j ID ...
    static RestartOverrides fromCliOptions(const QStringList &options, QString *jobId, FieldProblems *problems);

    bool operator==(const RestartOverrides &o) const = default;
};

}  // namespace bd::jobs
