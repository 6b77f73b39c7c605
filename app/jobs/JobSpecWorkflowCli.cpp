// WorkflowJobSpec <-> batchdeck-cli arguments, with the rf-cloud flag names.
#include "jobs/JobSpecCliReader.h"
#include "jobs/JobSpecWorkflow.h"

#include <QFile>
#include <QJsonDocument>
#include <QLocale>

namespace bd::jobs {
namespace {

QString shortest(double v) { return QString::number(v, 'g', QLocale::FloatingPointShortest); }

QList<CliOptionReader::Option> workflowOptions()
{
    using O = CliOptionReader::Option;
    const auto s = [](const char *v) { return QString::fromLatin1(v); };
    return {
        O{{s("--batch-id"), s("-b")}, s("batchId")},
        O{{s("--part-name")}, s("partName")},
        O{{s("--images-metadata-part-name")}, s("imagesMetadataPart")},
        O{{s("--machine-type")}, s("machineType")},
        O{{s("--workers-per-machine")}, s("workersPerMachine")},
        O{{s("--machine-size")}, s("machineSize")},
        O{{s("--max-runtime-seconds")}, s("processingTimeoutSeconds")},
        O{{s("--max-parallel-tasks")}, s("maxParallelTasks")},
        O{{s("--max-image-failure-rate")}, s("maxImageFailureRate")},
        O{{s("--workflow-id"), s("-w")}, s("workflowId")},
        O{{s("--workflow-params")}, s("workflowParameters")},
        O{{s("--image-input-name")}, s("imageInputName")},
        O{{s("--save-image-outputs")}, s("persistImagesOutputs"), false},
        O{{s("--no-save-image-outputs")}, s("persistImagesOutputs"), false},
        O{{s("--image-outputs-to-save")}, s("imagesOutputsToBePersisted")},
        O{{s("--aggregation-format")}, s("aggregationFormat")},
        O{{s("--max-video-fps")}, s("maxVideoFPS")},
        O{{s("--metadata-mapping"), s("-mm")}, s("imagesMetadataInputsMapping")},
        O{{s("--notifications-url")}, s("notificationsURL")},
        O{{s("--inference-backend")}, s("inferenceBackend")},
        O{{s("--job-id"), s("-j")}, s("jobId")},
        O{{s("--job-name"), s("-jn")}, s("jobName")},
    };
}

}  // namespace

CliInvocation WorkflowJobSpec::toCliInvocation(const QString &paramsFilePath) const
{
    CliInvocation cli;
    QStringList &a = cli.arguments;
    const auto opt = [&a](const char *flag, const QString &value) {
        if (!value.isEmpty())
            a << QString::fromLatin1(flag) << value;
    };
    a << QStringLiteral("batch-processing") << cliCommand();
    opt("--batch-id", batchId);
    opt("--workflow-id", workflowId);
    opt("--part-name", partName);
    if (!isVideo())
        opt("--images-metadata-part-name", imagesMetadataPart);
    opt("--machine-type", machineType);
    // The deprecated --machine-size is written as the workers count it stands for.
    if (const auto workers = effectiveWorkersPerMachine())
        opt("--workers-per-machine", QString::number(*workers));
    if (processingTimeoutSeconds)
        opt("--max-runtime-seconds", QString::number(*processingTimeoutSeconds));
    if (maxParallelTasks)
        opt("--max-parallel-tasks", QString::number(*maxParallelTasks));
    if (!isVideo() && maxImageFailureRate)
        opt("--max-image-failure-rate", shortest(*maxImageFailureRate));
    if (workflowParameters) {
        cli.paramsFilePath = paramsFilePath;
        cli.paramsFileContent = QJsonDocument(*workflowParameters).toJson(QJsonDocument::Indented);
        opt("--workflow-params", paramsFilePath);
    }
    opt("--image-input-name", imageInputName);
    if (persistImagesOutputs)
        a << QStringLiteral("--save-image-outputs");
    for (const QString &name : imagesOutputsToBePersisted)
        opt("--image-outputs-to-save", name);
    opt("--aggregation-format", aggregationFormat);
    if (isVideo() && maxVideoFPS)
        opt("--max-video-fps", shortest(*maxVideoFPS));
    if (!isVideo())
        for (auto it = imagesMetadataInputsMapping.cbegin(); it != imagesMetadataInputsMapping.cend(); ++it)
            opt("--metadata-mapping", it.key() + QLatin1Char('=') + it.value());
    opt("--notifications-url", notificationsURL);
    opt("--inference-backend", inferenceBackend);
    opt("--job-id", jobId);
    opt("--job-name", jobName);
    return cli;
}

WorkflowJobSpec WorkflowJobSpec::fromCliOptions(WorkflowInput input, const QStringList &options,
                                                const QString &workspace, FieldProblems *problemsOut)
{
    FieldProblems problems;
    CliOptionReader r(workflowOptions());
    r.read(options, problems);

    WorkflowJobSpec s;
    s.input = input;
    s.workspace = workspace;
    s.batchId = r.value(QStringLiteral("--batch-id"));
    s.partName = r.value(QStringLiteral("--part-name"));
    s.imagesMetadataPart = r.value(QStringLiteral("--images-metadata-part-name"));
    s.machineType = r.value(QStringLiteral("--machine-type"));
    s.workersPerMachine = r.intValue(QStringLiteral("--workers-per-machine"), problems);
    s.machineSize = r.value(QStringLiteral("--machine-size"));
    s.processingTimeoutSeconds = r.intValue(QStringLiteral("--max-runtime-seconds"), problems);
    s.maxParallelTasks = r.intValue(QStringLiteral("--max-parallel-tasks"), problems);
    s.maxImageFailureRate = r.doubleValue(QStringLiteral("--max-image-failure-rate"), problems);
    s.workflowId = r.value(QStringLiteral("--workflow-id"));
    if (r.isSet(QStringLiteral("--workflow-params"))) {
        const QString path = r.value(QStringLiteral("--workflow-params"));
        QFile file(path);
        QString error;
        if (!file.open(QIODevice::ReadOnly))
            problems.append({QStringLiteral("workflowParameters"),
                             QStringLiteral("cannot read %1: %2").arg(path, file.errorString())});
        else if (auto params = parseWorkflowParameters(file.readAll(), &error))
            s.workflowParameters = *params;
        else
            problems.append({QStringLiteral("workflowParameters"), path + QStringLiteral(": ") + error});
    }
    s.imageInputName = r.value(QStringLiteral("--image-input-name"));
    // Like a Typer --x/--no-x pair: the later one wins; we only know which were given, so
    // --no-save-image-outputs wins when both are present.
    s.persistImagesOutputs = r.isSet(QStringLiteral("--save-image-outputs")) &&
                             !r.isSet(QStringLiteral("--no-save-image-outputs"));
    s.imagesOutputsToBePersisted = r.values(QStringLiteral("--image-outputs-to-save"));
    s.aggregationFormat = r.value(QStringLiteral("--aggregation-format"));
    s.maxVideoFPS = r.doubleValue(QStringLiteral("--max-video-fps"), problems);
    s.imagesMetadataInputsMapping = parseMetadataMapping(r.values(QStringLiteral("--metadata-mapping")), &problems);
    s.notificationsURL = r.value(QStringLiteral("--notifications-url"));
    s.inferenceBackend = r.value(QStringLiteral("--inference-backend"));
    s.jobId = r.value(QStringLiteral("--job-id"));
    s.jobName = r.value(QStringLiteral("--job-name"));
    if (problemsOut)
        *problemsOut += problems;
    return s;
}

WorkflowJobSpec WorkflowJobSpec::fromCliArguments(const QStringList &arguments, const QString &workspace,
                                                  FieldProblems *problems)
{
    QStringList rest = arguments;
    if (!rest.isEmpty() && rest.constFirst() == QLatin1String("batch-processing"))
        rest.removeFirst();
    WorkflowInput input = WorkflowInput::Images;
    if (!rest.isEmpty() && rest.constFirst() == QLatin1String("process-videos-with-workflow")) {
        input = WorkflowInput::Videos;
        rest.removeFirst();
    } else if (!rest.isEmpty() && rest.constFirst() == QLatin1String("process-images-with-workflow")) {
        rest.removeFirst();
    } else if (problems) {
        problems->append({QStringLiteral("arguments"),
                          QStringLiteral("expected process-images-with-workflow or process-videos-with-workflow")});
    }
    return fromCliOptions(input, rest, workspace, problems);
}

}  // namespace bd::jobs
