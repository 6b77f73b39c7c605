#include "jobs/JobSpecTrt.h"

#include "jobs/JobSpecCliReader.h"

#include <QJsonArray>

namespace bd::jobs {

QStringList TrtJobSpec::uniqueDevices() const
{
    QStringList unique;
    for (const QString &d : compilationDevices)
        if (!unique.contains(d))
            unique << d;
    return unique;
}

FieldProblems TrtJobSpec::validate() const
{
    FieldProblems problems;
    if (modelId.trimmed().isEmpty())
        problems.append({QStringLiteral("modelId"), QStringLiteral("is required")});
    if (compilationDevices.isEmpty())
        problems.append({QStringLiteral("compilationDevices"), QStringLiteral("at least one device is required")});
    for (const QString &d : uniqueDevices())
        checkChoice(problems, QStringLiteral("compilationDevices"), d.isEmpty() ? QStringLiteral("(empty)") : d,
                    bd::jobs::compilationDevices());
    if (!notificationsURL.isEmpty() && !isValidNotificationsUrl(notificationsURL))
        problems.append({QStringLiteral("notificationsURL"), QStringLiteral("must be an http:// or https:// URL")});
    if (!jobId.isEmpty() && !isValidJobId(jobId))
        problems.append({QStringLiteral("jobId"),
                         QStringLiteral("must be 1 to 20 of a-z, 0-9, '-' and '_' (got \"%1\")").arg(jobId)});
    return problems;
}

QJsonObject TrtJobSpec::toWireJson() const
{
    QJsonObject job{{QStringLiteral("type"), jobType()},
                    {QStringLiteral("modelId"), modelId},
                    {QStringLiteral("compilationDevices"), QJsonArray::fromStringList(uniqueDevices())}};
    if (!notificationsURL.isEmpty())
        job.insert(QStringLiteral("notificationsURL"), notificationsURL);
    return job;
}

CliInvocation TrtJobSpec::toCliInvocation() const
{
    CliInvocation cli;
    QStringList &a = cli.arguments;
    a << QStringLiteral("batch-processing") << QStringLiteral("trt-compile");
    if (!modelId.isEmpty())
        a << QStringLiteral("--model-id") << modelId;
    for (const QString &d : uniqueDevices())
        a << QStringLiteral("--device") << d;
    if (!notificationsURL.isEmpty())
        a << QStringLiteral("--notifications-url") << notificationsURL;
    if (!jobId.isEmpty())
        a << QStringLiteral("--job-id") << jobId;
    if (!jobName.isEmpty())
        a << QStringLiteral("--job-name") << jobName;
    return cli;
}

TrtJobSpec TrtJobSpec::fromCliOptions(const QStringList &options, FieldProblems *problemsOut)
{
    QStringList rest = options;
    if (!rest.isEmpty() && rest.constFirst() == QLatin1String("batch-processing"))
        rest.removeFirst();
    if (!rest.isEmpty() && rest.constFirst() == QLatin1String("trt-compile"))
        rest.removeFirst();
    using O = CliOptionReader::Option;
    CliOptionReader r({
        O{{QStringLiteral("--model-id"), QStringLiteral("-m")}, QStringLiteral("modelId")},
        O{{QStringLiteral("--device"), QStringLiteral("-d")}, QStringLiteral("compilationDevices")},
        O{{QStringLiteral("--notifications-url")}, QStringLiteral("notificationsURL")},
        O{{QStringLiteral("--job-id"), QStringLiteral("-j")}, QStringLiteral("jobId")},
        O{{QStringLiteral("--job-name"), QStringLiteral("-jn")}, QStringLiteral("jobName")},
    });
    FieldProblems problems;
    r.read(rest, problems);
    TrtJobSpec s;
    s.modelId = r.value(QStringLiteral("--model-id"));
    s.compilationDevices = r.values(QStringLiteral("--device"));
    s.notificationsURL = r.value(QStringLiteral("--notifications-url"));
    s.jobId = r.value(QStringLiteral("--job-id"));
    s.jobName = r.value(QStringLiteral("--job-name"));
    if (problemsOut)
        *problemsOut += problems;
    return s;
}

QJsonObject TrtJobSpec::toPresetJson() const
{
    QJsonObject o{{QStringLiteral("modelId"), modelId},
                  {QStringLiteral("compilationDevices"), QJsonArray::fromStringList(compilationDevices)}};
    if (!notificationsURL.isEmpty())
        o.insert(QStringLiteral("notificationsURL"), notificationsURL);
    if (!jobId.isEmpty())
        o.insert(QStringLiteral("jobId"), jobId);
    if (!jobName.isEmpty())
        o.insert(QStringLiteral("jobName"), jobName);
    return o;
}

TrtJobSpec TrtJobSpec::fromPresetJson(const QJsonObject &o)
{
    TrtJobSpec s;
    s.modelId = o.value(QLatin1String("modelId")).toString();
    for (const QJsonValue &v : o.value(QLatin1String("compilationDevices")).toArray())
        s.compilationDevices << v.toString();
    s.notificationsURL = o.value(QLatin1String("notificationsURL")).toString();
    s.jobId = o.value(QLatin1String("jobId")).toString();
    s.jobName = o.value(QLatin1String("jobName")).toString();
    return s;
}

}  // namespace bd::jobs
