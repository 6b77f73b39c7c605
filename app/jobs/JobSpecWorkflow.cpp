#include "jobs/JobSpecWorkflow.h"

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

FieldProblems WorkflowJobSpec::validate() const
{
    FieldProblems problems;
    const auto required = [&](const QString &field, const QString &value) {
        if (value.trimmed().isEmpty())
            problems.append({field, QStringLiteral("is required")});
    };
    required(QStringLiteral("batchId"), batchId);
    if (!batchId.isEmpty() && !isValidBatchId(batchId))
        problems.append({QStringLiteral("batchId"),
                         QStringLiteral("must be 1 to 64 of a-z, 0-9, '-' and '_' (got \"%1\")").arg(batchId)});
    required(QStringLiteral("workspace"), workspace);
    required(QStringLiteral("workflowId"), workflowId);
    if (!jobId.isEmpty() && !isValidJobId(jobId))
        problems.append({QStringLiteral("jobId"),
                         QStringLiteral("must be 1 to 20 of a-z, 0-9, '-' and '_' (got \"%1\")").arg(jobId)});

    checkChoice(problems, QStringLiteral("machineType"), machineType, machineTypes());
    checkChoice(problems, QStringLiteral("machineSize"), machineSize, machineSizes());
    checkPositive(problems, QStringLiteral("workersPerMachine"), workersPerMachine);
    checkPositive(problems, QStringLiteral("processingTimeoutSeconds"), processingTimeoutSeconds);
    checkPositive(problems, QStringLiteral("maxParallelTasks"), maxParallelTasks);
    checkRate(problems, QStringLiteral("maxImageFailureRate"), maxImageFailureRate);
    checkChoice(problems, QStringLiteral("aggregationFormat"), aggregationFormat, aggregationFormats());
    checkChoice(problems, QStringLiteral("inferenceBackend"), inferenceBackend, inferenceBackends());
    if (maxVideoFPS && !(*maxVideoFPS > 0))
        problems.append({QStringLiteral("maxVideoFPS"), QStringLiteral("must be a positive number (got %1)").arg(*maxVideoFPS)});
    for (const QString &name : imagesOutputsToBePersisted)
        if (name.trimmed().isEmpty())
            problems.append({QStringLiteral("imagesOutputsToBePersisted"), QStringLiteral("an output name is empty")});
    for (auto it = imagesMetadataInputsMapping.cbegin(); it != imagesMetadataInputsMapping.cend(); ++it)
        if (it.key().isEmpty() || it.value().isEmpty())
            problems.append({QStringLiteral("imagesMetadataInputsMapping"),
                             QStringLiteral("\"%1=%2\" has an empty side").arg(it.key(), it.value())});
    if (!notificationsURL.isEmpty() && !isValidNotificationsUrl(notificationsURL))
        problems.append({QStringLiteral("notificationsURL"), QStringLiteral("must be an http:// or https:// URL")});

    // Options that the other media kind does not have.
    const auto notFor = [&](bool present, const QString &field, const QString &kind) {
        if (present)
            problems.append({field, QStringLiteral("applies to %1 jobs only").arg(kind)});
    };
    const QString images = QStringLiteral("image"), videos = QStringLiteral("video");
    if (isVideo()) {
        notFor(maxImageFailureRate.has_value(), QStringLiteral("maxImageFailureRate"), images);
        notFor(!imagesMetadataPart.isEmpty(), QStringLiteral("imagesMetadataPart"), images);
        notFor(!imagesMetadataInputsMapping.isEmpty(), QStringLiteral("imagesMetadataInputsMapping"), images);
    } else {
        notFor(maxVideoFPS.has_value(), QStringLiteral("maxVideoFPS"), videos);
    }
    return problems;
}

QJsonObject WorkflowJobSpec::toWireJson() const
{
    const auto putString = [](QJsonObject &o, const char *key, const QString &value) {
        if (!value.isEmpty())
            o.insert(QLatin1String(key), value);
    };

    QJsonObject jobInput{{QStringLiteral("type"), QStringLiteral("staging-batch-input-v1")},
                         {QStringLiteral("batchId"), batchId}};
    putString(jobInput, "partName", partName);
    if (!isVideo())
        putString(jobInput, "imagesMetadataPart", imagesMetadataPart);

    QJsonObject compute{{QStringLiteral("type"), QStringLiteral("compute-configuration-v2")}};
    putString(compute, "machineType", machineType);
    if (const auto workers = effectiveWorkersPerMachine())
        compute.insert(QStringLiteral("workersPerMachine"), *workers);

    QJsonObject processing{{QStringLiteral("type"), QStringLiteral("workflows-processing-specification-v1")},
                           {QStringLiteral("workspace"), workspace},
                           {QStringLiteral("workflowId"), workflowId}};
    if (workflowParameters)
        processing.insert(QStringLiteral("workflowParameters"), *workflowParameters);
    putString(processing, "imageInputName", imageInputName);
    processing.insert(QStringLiteral("persistImagesOutputs"), persistImagesOutputs);
    if (!imagesOutputsToBePersisted.isEmpty())
        processing.insert(QStringLiteral("imagesOutputsToBePersisted"), QJsonArray::fromStringList(imagesOutputsToBePersisted));
    putString(processing, "aggregationFormat", aggregationFormat);
    if (isVideo() && maxVideoFPS)
        processing.insert(QStringLiteral("maxVideoFPS"), *maxVideoFPS);
    if (!isVideo() && !imagesMetadataInputsMapping.isEmpty()) {
        QJsonObject mapping;
        for (auto it = imagesMetadataInputsMapping.cbegin(); it != imagesMetadataInputsMapping.cend(); ++it)
            mapping.insert(it.key(), it.value());
        processing.insert(QStringLiteral("imagesMetadataInputsMapping"), mapping);
    }

    QJsonObject job{{QStringLiteral("type"), jobType()},
                    {QStringLiteral("jobInput"), jobInput},
                    {QStringLiteral("computeConfiguration"), compute},
                    {QStringLiteral("processingSpecification"), processing}};
    if (processingTimeoutSeconds)
        job.insert(QStringLiteral("processingTimeoutSeconds"), *processingTimeoutSeconds);
    if (maxParallelTasks)
        job.insert(QStringLiteral("maxParallelTasks"), *maxParallelTasks);
    if (!isVideo() && maxImageFailureRate)
        job.insert(QStringLiteral("maxImageFailureRate"), *maxImageFailureRate);
    putString(job, "notificationsURL", notificationsURL);
    putString(job, "inferenceBackend", inferenceBackend);
    return job;
}

QJsonObject WorkflowJobSpec::toPresetJson() const
{
    QJsonObject o;
    const auto put = [&](const char *key, const QString &v) {
        if (!v.isEmpty())
            o.insert(QLatin1String(key), v);
    };
    o.insert(QStringLiteral("input"), isVideo() ? QStringLiteral("videos") : QStringLiteral("images"));
    put("batchId", batchId);
    put("partName", partName);
    put("imagesMetadataPart", imagesMetadataPart);
    put("machineType", machineType);
    put("machineSize", machineSize);
    if (workersPerMachine)
        o.insert(QStringLiteral("workersPerMachine"), *workersPerMachine);
    if (processingTimeoutSeconds)
        o.insert(QStringLiteral("processingTimeoutSeconds"), *processingTimeoutSeconds);
    if (maxParallelTasks)
        o.insert(QStringLiteral("maxParallelTasks"), *maxParallelTasks);
    if (maxImageFailureRate)
        o.insert(QStringLiteral("maxImageFailureRate"), *maxImageFailureRate);
    put("workspace", workspace);
    put("workflowId", workflowId);
    if (workflowParameters)
        o.insert(QStringLiteral("workflowParameters"), *workflowParameters);
    put("imageInputName", imageInputName);
    o.insert(QStringLiteral("persistImagesOutputs"), persistImagesOutputs);
    if (!imagesOutputsToBePersisted.isEmpty())
        o.insert(QStringLiteral("imagesOutputsToBePersisted"), QJsonArray::fromStringList(imagesOutputsToBePersisted));
    put("aggregationFormat", aggregationFormat);
    if (maxVideoFPS)
        o.insert(QStringLiteral("maxVideoFPS"), *maxVideoFPS);
    if (!imagesMetadataInputsMapping.isEmpty()) {
        QJsonObject mapping;
        for (auto it = imagesMetadataInputsMapping.cbegin(); it != imagesMetadataInputsMapping.cend(); ++it)
            mapping.insert(it.key(), it.value());
        o.insert(QStringLiteral("imagesMetadataInputsMapping"), mapping);
    }
    put("notificationsURL", notificationsURL);
    put("inferenceBackend", inferenceBackend);
    put("jobId", jobId);
    put("jobName", jobName);
    return o;
}

WorkflowJobSpec WorkflowJobSpec::fromPresetJson(const QJsonObject &o)
{
    const auto str = [&](const char *key) { return o.value(QLatin1String(key)).toString(); };
    const auto optInt = [&](const char *key) -> std::optional<int> {
        const QJsonValue v = o.value(QLatin1String(key));
        return v.isDouble() ? std::optional<int>(v.toInt()) : std::nullopt;
    };
    const auto optDouble = [&](const char *key) -> std::optional<double> {
        const QJsonValue v = o.value(QLatin1String(key));
        return v.isDouble() ? std::optional<double>(v.toDouble()) : std::nullopt;
    };
    WorkflowJobSpec s;
    s.input = str("input") == QLatin1String("videos") ? WorkflowInput::Videos : WorkflowInput::Images;
    s.batchId = str("batchId");
    s.partName = str("partName");
    s.imagesMetadataPart = str("imagesMetadataPart");
    s.machineType = str("machineType");
    s.machineSize = str("machineSize");
    s.workersPerMachine = optInt("workersPerMachine");
    s.processingTimeoutSeconds = optInt("processingTimeoutSeconds");
    s.maxParallelTasks = optInt("maxParallelTasks");
    s.maxImageFailureRate = optDouble("maxImageFailureRate");
    s.workspace = str("workspace");
    s.workflowId = str("workflowId");
    if (o.value(QLatin1String("workflowParameters")).isObject())
        s.workflowParameters = o.value(QLatin1String("workflowParameters")).toObject();
    s.imageInputName = str("imageInputName");
    s.persistImagesOutputs = o.value(QLatin1String("persistImagesOutputs")).toBool(false);
    for (const QJsonValue &v : o.value(QLatin1String("imagesOutputsToBePersisted")).toArray())
        s.imagesOutputsToBePersisted << v.toString();
    s.aggregationFormat = str("aggregationFormat");
    s.maxVideoFPS = optDouble("maxVideoFPS");
    const QJsonObject mapping = o.value(QLatin1String("imagesMetadataInputsMapping")).toObject();
    for (auto it = mapping.constBegin(); it != mapping.constEnd(); ++it)
        s.imagesMetadataInputsMapping.insert(it.key(), it.value().toString());
    s.notificationsURL = str("notificationsURL");
    s.inferenceBackend = str("inferenceBackend");
    s.jobId = str("jobId");
    s.jobName = str("jobName");
    return s;
}

}  // namespace bd::jobs
