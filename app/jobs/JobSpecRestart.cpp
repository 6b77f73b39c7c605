#include "jobs/JobSpecRestart.h"

#include "jobs/JobFields.h"

#include <QJsonDocument>

namespace bd::jobs {

const QList<FieldBinding<RestartOverrides>> &RestartOverrides::fieldBindings()
{
    using S = RestartOverrides;
    static const QList<FieldBinding<S>> bindings{
        {"machineType", &S::machineType},
        {"workersPerMachine", &S::workersPerMachine},
        {"maxParallelTasks", &S::maxParallelTasks},
        {"processingTimeoutSeconds", &S::processingTimeoutSeconds},
        {"maxImageFailureRate", &S::maxImageFailureRate},
    };
    return bindings;
}

QJsonObject RestartOverrides::fieldValues() const
{
    return jobs::fieldValues(*this, fieldBindings());
}

void RestartOverrides::setFieldValues(const QJsonObject &values)
{
    jobs::setFieldValues(*this, fieldBindings(), values);
}

bool RestartOverrides::isEmpty() const
{
    return fieldValues().isEmpty();
}

FieldProblems RestartOverrides::validate() const
{
    return validateFieldValues(fieldValues(), JobKind::Restart);
}

std::optional<QJsonObject> RestartOverrides::toWireJson() const
{
    if (isEmpty())
        return std::nullopt;
    QJsonObject body{{QStringLiteral("type"), QStringLiteral("parameters-override-v1")}};
    QJsonObject compute{{QStringLiteral("type"), QStringLiteral("compute-configuration-v2")}};
    QJsonObject values = fieldValues();
    if (workersPerMachine && *workersPerMachine == 0)  // the reference CLI drops 0
        values.remove(QStringLiteral("workersPerMachine"));
    putWireFields(values, JobKind::Restart, &body, &body, &compute, &body);
    if (!machineType.isEmpty() || workersPerMachine)
        body.insert(QStringLiteral("computeConfiguration"), compute);
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
    cli.arguments << QStringLiteral("batch-processing") << QStringLiteral("restart-job") << QStringLiteral("--job-id")
                  << jobId << fieldCliArguments(fieldValues(), JobKind::Restart);
    return cli;
}

RestartOverrides RestartOverrides::fromCliOptions(const QStringList &options, QString *jobId, FieldProblems *problemsOut)
{
    QStringList rest = options;
    if (!rest.isEmpty() && rest.constFirst() == QLatin1String("batch-processing"))
        rest.removeFirst();
    if (!rest.isEmpty() && rest.constFirst() == QLatin1String("restart-job"))
        rest.removeFirst();
    // The job to restart is the path, not an override: its own option, required here.
    const JobField &idField = *jobField(QStringLiteral("jobId"));
    QList<CliOptionReader::Option> cliOptions = fieldCliOptions(JobKind::Restart);
    cliOptions.prepend({idField.flags, idField.key});
    CliOptionReader r(cliOptions);
    FieldProblems problems;
    r.read(rest, problems);
    RestartOverrides o;
    o.setFieldValues(readFieldCliValues(r, JobKind::Restart, problems));
    const QString id = r.value(idField.flags.constFirst());
    if (id.isEmpty())
        problems.append({idField.key, QStringLiteral("is required")});
    else if (const QString problem = fieldValueProblem(idField, id, JobKind::Images); !problem.isEmpty())
        problems.append({idField.key, problem});
    if (jobId)
        *jobId = id;
    if (problemsOut)
        *problemsOut += problems;
    return o;
}

}  // namespace bd::jobs
