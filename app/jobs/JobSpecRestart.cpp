#include "jobs/JobSpecRestart.h"

#include "jobs/JobSpecCliReader.h"

#include <QJsonDocument>
#include <QLocale>

namespace bd::jobs {

bool RestartOverrides::isEmpty() const
{
    return machineType.isEmpty() && !workersPerMachine && !maxParallelTasks && !processingTimeoutSeconds &&
           !maxImageFailureRate;
}

FieldProblems RestartOverrides::validate() const
{
    FieldProblems problems;
    checkChoice(problems, QStringLiteral("machineType"), machineType, machineTypes());
    if (workersPerMachine && *workersPerMachine < 0)
        problems.append({QStringLiteral("workersPerMachine"),
                         QStringLiteral("must be a whole number of at least 0 (got %1)").arg(*workersPerMachine)});
    checkPositive(problems, QStringLiteral("maxParallelTasks"), maxParallelTasks);
    checkPositive(problems, QStringLiteral("processingTimeoutSeconds"), processingTimeoutSeconds);
    checkRate(problems, QStringLiteral("maxImageFailureRate"), maxImageFailureRate);
    return problems;
}

std::optional<QJsonObject> RestartOverrides::toWireJson() const
{
    if (isEmpty())
        return std::nullopt;
    QJsonObject body{{QStringLiteral("type"), QStringLiteral("parameters-override-v1")}};
    if (!machineType.isEmpty() || workersPerMachine) {
        QJsonObject compute{{QStringLiteral("type"), QStringLiteral("compute-configuration-v2")}};
        if (!machineType.isEmpty())
            compute.insert(QStringLiteral("machineType"), machineType);
        if (workersPerMachine && *workersPerMachine != 0)  // the reference CLI drops 0
            compute.insert(QStringLiteral("workersPerMachine"), *workersPerMachine);
        body.insert(QStringLiteral("computeConfiguration"), compute);
    }
    if (maxParallelTasks)
        body.insert(QStringLiteral("maxParallelTasks"), *maxParallelTasks);
    if (processingTimeoutSeconds)
        body.insert(QStringLiteral("processingTimeoutSeconds"), *processingTimeoutSeconds);
    if (maxImageFailureRate)
        body.insert(QStringLiteral("maxImageFailureRate"), *maxImageFailureRate);
    return body;
}

QByteArray RestartOverrides::toWireBody() const
{
    const auto json = toWireJson();
    return json ? QJsonDocument(*json).toJson(QJsonDocument::Compact) : QByteArray();
}

CliInvocation RestartOverrides::toCliInvocation(const QString &jobId) const
{
    CliInvocation cli;
    QStringList &a = cli.arguments;
    a << QStringLiteral("batch-processing") << QStringLiteral("restart-job") << QStringLiteral("--job-id") << jobId;
    if (!machineType.isEmpty())
        a << QStringLiteral("--machine-type") << machineType;
    if (workersPerMachine)
        a << QStringLiteral("--workers-per-machine") << QString::number(*workersPerMachine);
    if (maxParallelTasks)
        a << QStringLiteral("--max-parallel-tasks") << QString::number(*maxParallelTasks);
    if (processingTimeoutSeconds)
        a << QStringLiteral("--max-runtime-seconds") << QString::number(*processingTimeoutSeconds);
    if (maxImageFailureRate)
        a << QStringLiteral("--max-image-failure-rate")
          << QString::number(*maxImageFailureRate, 'g', QLocale::FloatingPointShortest);
    return cli;
}

RestartOverrides RestartOverrides::fromCliOptions(const QStringList &options, QString *jobId, FieldProblems *problemsOut)
{
    QStringList rest = options;
    if (!rest.isEmpty() && rest.constFirst() == QLatin1String("batch-processing"))
        rest.removeFirst();
    if (!rest.isEmpty() && rest.constFirst() == QLatin1String("restart-job"))
        rest.removeFirst();
    using O = CliOptionReader::Option;
    CliOptionReader r({
        O{{QStringLiteral("--job-id"), QStringLiteral("-j")}, QStringLiteral("jobId")},
        O{{QStringLiteral("--machine-type")}, QStringLiteral("machineType")},
        O{{QStringLiteral("--workers-per-machine")}, QStringLiteral("workersPerMachine")},
        O{{QStringLiteral("--max-parallel-tasks")}, QStringLiteral("maxParallelTasks")},
        O{{QStringLiteral("--max-runtime-seconds")}, QStringLiteral("processingTimeoutSeconds")},
        O{{QStringLiteral("--max-image-failure-rate")}, QStringLiteral("maxImageFailureRate")},
    });
    FieldProblems problems;
    r.read(rest, problems);
    RestartOverrides o;
    o.machineType = r.value(QStringLiteral("--machine-type"));
    o.workersPerMachine = r.intValue(QStringLiteral("--workers-per-machine"), problems);
    o.maxParallelTasks = r.intValue(QStringLiteral("--max-parallel-tasks"), problems);
    o.processingTimeoutSeconds = r.intValue(QStringLiteral("--max-runtime-seconds"), problems);
    o.maxImageFailureRate = r.doubleValue(QStringLiteral("--max-image-failure-rate"), problems);
    const QString id = r.value(QStringLiteral("--job-id"));
    if (id.isEmpty())
        problems.append({QStringLiteral("jobId"), QStringLiteral("is required")});
    else if (!isValidJobId(id))
        problems.append({QStringLiteral("jobId"),
                         QStringLiteral("must be 1 to 20 of a-z, 0-9, '-' and '_' (got \"%1\")").arg(id)});
    if (jobId)
        *jobId = id;
    if (problemsOut)
        *problemsOut += problems;
    return o;
}

}  // namespace bd::jobs
