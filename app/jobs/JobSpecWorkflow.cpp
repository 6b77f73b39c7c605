#include "jobs/JobSpecWorkflow.h"

#include "jobs/JobFields.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>

namespace bd::jobs {

std::optional<QJsonObject> parseWorkflowParameters(const QByteArray &text, QString *error)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(text, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        // Line and column of the offset, counted the way an editor shows them (from 1).
        const int offset = qBound(0, parseError.offset, int(text.size()));
        const QByteArray before = text.left(offset);
        const int line = int(before.count('\n')) + 1;
        const int column = int(offset - (before.lastIndexOf('\n') + 1)) + 1;
        if (error)
            *error = QStringLiteral("Workflow parameters are not valid JSON at line %1, column %2 (offset %3): %4")
                         .arg(line).arg(column).arg(offset).arg(parseError.errorString());
        return std::nullopt;
    }
    if (!doc.isObject()) {
        if (error)
            *error = QStringLiteral("Workflow parameters must be a JSON object ({\"name\": value, ...}).");
        return std::nullopt;
    }
    return doc.object();
}

QMap<QString, QString> parseMetadataMapping(const QStringList &entries, FieldProblems *problems)
{
    QMap<QString, QString> mapping;
    for (const QString &entry : entries) {
        const qsizetype eq = entry.indexOf(QLatin1Char('='));
        const QString key = eq < 0 ? entry : entry.left(eq);
        const QString value = eq < 0 ? QString() : entry.mid(eq + 1);
        if (eq < 0 || key.isEmpty() || value.isEmpty()) {
            if (problems)
                problems->append({QStringLiteral("imagesMetadataInputsMapping"),
                                  QStringLiteral("\"%1\" is not workflow_input=metadata_key").arg(entry)});
            continue;
        }
        mapping.insert(key, value);  // a duplicate key: the last one wins
    }
    return mapping;
}

QString WorkflowJobSpec::jobType() const
{
    return isVideo() ? QStringLiteral("simple-video-processing-v1") : QStringLiteral("simple-image-processing-v1");
}

QString WorkflowJobSpec::cliCommand() const
{
    return isVideo() ? QStringLiteral("process-videos-with-workflow") : QStringLiteral("process-images-with-workflow");
}

std::optional<int> WorkflowJobSpec::effectiveWorkersPerMachine() const
{
    if (workersPerMachine)
        return workersPerMachine;
    return workersForMachineSize(machineSize);
}

const QList<FieldBinding<WorkflowJobSpec>> &WorkflowJobSpec::fieldBindings()
{
    using S = WorkflowJobSpec;
    static const QList<FieldBinding<S>> bindings{
        {"batchId", &S::batchId},
        {"partName", &S::partName},
        {"imagesMetadataPart", &S::imagesMetadataPart},
        {"machineType", &S::machineType},
        {"workersPerMachine", &S::workersPerMachine},
        {"machineSize", &S::machineSize},
        {"processingTimeoutSeconds", &S::processingTimeoutSeconds},
        {"maxParallelTasks", &S::maxParallelTasks},
        {"maxImageFailureRate", &S::maxImageFailureRate},
        {"workspace", &S::workspace},
        {"workflowId", &S::workflowId},
        {"workflowParameters", &S::workflowParameters},
        {"imageInputName", &S::imageInputName},
        {"persistImagesOutputs", &S::persistImagesOutputs},
        {"imagesOutputsToBePersisted", &S::imagesOutputsToBePersisted},
        {"aggregationFormat", &S::aggregationFormat},
        {"maxVideoFPS", &S::maxVideoFPS},
        {"imagesMetadataInputsMapping", &S::imagesMetadataInputsMapping},
        {"notificationsURL", &S::notificationsURL},
        {"inferenceBackend", &S::inferenceBackend},
        {"jobId", &S::jobId},
        {"jobName", &S::jobName},
    };
    return bindings;
}

QJsonObject WorkflowJobSpec::fieldValues() const
{
    return jobs::fieldValues(*this, fieldBindings());
}

void WorkflowJobSpec::setFieldValues(const QJsonObject &values)
{
    jobs::setFieldValues(*this, fieldBindings(), values);
}

FieldProblems WorkflowJobSpec::validate() const
{
    return validateFieldValues(fieldValues(), kind());
}

QJsonObject WorkflowJobSpec::sentFieldValues() const
{
    // The deprecated machine size is sent (and written for the CLI) as the workers it stands for.
    QJsonObject values = fieldValues();
    values.remove(QStringLiteral("machineSize"));
    if (const auto workers = effectiveWorkersPerMachine())
        values.insert(QStringLiteral("workersPerMachine"), *workers);
    return values;
}

QJsonObject WorkflowJobSpec::toWireJson() const
{
    QJsonObject jobInput{{QStringLiteral("type"), QStringLiteral("staging-batch-input-v1")}};
    QJsonObject compute{{QStringLiteral("type"), QStringLiteral("compute-configuration-v2")}};
    QJsonObject processing{{QStringLiteral("type"), QStringLiteral("workflows-processing-specification-v1")}};
    QJsonObject job{{QStringLiteral("type"), jobType()}};
    putWireFields(sentFieldValues(), kind(), &job, &jobInput, &compute, &processing);
    // Required keys are sent even when empty: the server's message names them.
    if (!jobInput.contains(QStringLiteral("batchId")))
        jobInput.insert(QStringLiteral("batchId"), batchId);
    for (const char *key : {"workspace", "workflowId"})
        if (!processing.contains(QLatin1String(key)))
            processing.insert(QLatin1String(key), QString());
    job.insert(QStringLiteral("jobInput"), jobInput);
    job.insert(QStringLiteral("computeConfiguration"), compute);
    job.insert(QStringLiteral("processingSpecification"), processing);
    return job;
}

QJsonObject WorkflowJobSpec::toPresetJson() const
{
    QJsonObject o = fieldValues();
    o.insert(QStringLiteral("input"), isVideo() ? QStringLiteral("videos") : QStringLiteral("images"));
    return o;
}

WorkflowJobSpec WorkflowJobSpec::fromPresetJson(const QJsonObject &o)
{
    WorkflowJobSpec s;
    s.input = o.value(QLatin1String("input")).toString() == QLatin1String("videos") ? WorkflowInput::Videos
                                                                                   : WorkflowInput::Images;
    s.setFieldValues(o);
    return s;
}

}  // namespace bd::jobs
