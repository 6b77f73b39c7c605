#include "jobs/JobSpecTrt.h"

#include "jobs/JobFields.h"

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

const QList<FieldBinding<TrtJobSpec>> &TrtJobSpec::fieldBindings()
{
    using S = TrtJobSpec;
    static const QList<FieldBinding<S>> bindings{
        {"modelId", &S::modelId},
        {"compilationDevices", &S::compilationDevices},
        {"notificationsURL", &S::notificationsURL},
        {"jobId", &S::jobId},
        {"jobName", &S::jobName},
    };
    return bindings;
}

QJsonObject TrtJobSpec::fieldValues() const
{
    return jobs::fieldValues(*this, fieldBindings());
}

void TrtJobSpec::setFieldValues(const QJsonObject &values)
{
    jobs::setFieldValues(*this, fieldBindings(), values);
}

FieldProblems TrtJobSpec::validate() const
{
    return validateFieldValues(fieldValues(), JobKind::Trt);
}

QJsonObject TrtJobSpec::toWireJson() const
{
    QJsonObject job{{QStringLiteral("type"), jobType()}, {QStringLiteral("modelId"), modelId}};
    putWireFields(fieldValues(), JobKind::Trt, &job, &job, &job, &job);
    if (!job.contains(QStringLiteral("compilationDevices")))  // required: sent even when empty
        job.insert(QStringLiteral("compilationDevices"), QJsonArray());
    return job;
}

CliInvocation TrtJobSpec::toCliInvocation() const
{
    CliInvocation cli;
    cli.arguments << QStringLiteral("batch-processing") << QStringLiteral("trt-compile")
                  << fieldCliArguments(fieldValues(), JobKind::Trt);
    return cli;
}

TrtJobSpec TrtJobSpec::fromCliOptions(const QStringList &options, FieldProblems *problemsOut)
{
    QStringList rest = options;
    if (!rest.isEmpty() && rest.constFirst() == QLatin1String("batch-processing"))
        rest.removeFirst();
    if (!rest.isEmpty() && rest.constFirst() == QLatin1String("trt-compile"))
        rest.removeFirst();
    FieldProblems problems;
    CliOptionReader r(fieldCliOptions(JobKind::Trt));
    r.read(rest, problems);
    TrtJobSpec s;
    s.setFieldValues(readFieldCliValues(r, JobKind::Trt, problems));
    if (problemsOut)
        *problemsOut += problems;
    return s;
}

QJsonObject TrtJobSpec::toPresetJson() const
{
    return fieldValues();
}

TrtJobSpec TrtJobSpec::fromPresetJson(const QJsonObject &o)
{
    TrtJobSpec s;
    s.setFieldValues(o);
    return s;
}

}  // namespace bd::jobs
