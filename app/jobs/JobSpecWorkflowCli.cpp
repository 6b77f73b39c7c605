// WorkflowJobSpec <-> batchdeck-cli arguments, with the rf-cloud flag names.
#include "jobs/JobSpecCliReader.h"
#include "jobs/JobSpecWorkflow.h"

#include <QJsonDocument>

namespace bd::jobs {
CliInvocation WorkflowJobSpec::toCliInvocation(const QString &paramsFilePath) const
{
    CliInvocation cli;
    cli.arguments << QStringLiteral("batch-processing") << cliCommand()
                  << fieldCliArguments(sentFieldValues(), kind(), paramsFilePath);
    if (workflowParameters) {
        cli.paramsFilePath = paramsFilePath;
        cli.paramsFileContent = QJsonDocument(*workflowParameters).toJson(QJsonDocument::Indented);
    }
    return cli;
}

WorkflowJobSpec WorkflowJobSpec::fromCliOptions(WorkflowInput input, const QStringList &options,
                                                const QString &workspace, FieldProblems *problemsOut)
{
    // Both media kinds' options are read: an image-only option on a video job is reported by
    // validate() ("applies to image jobs only") rather than as an unknown option.
    const JobKinds kinds = JobKind::Images | JobKind::Videos;
    FieldProblems problems;
    CliOptionReader r(fieldCliOptions(kinds));
    r.read(options, problems);
    WorkflowJobSpec s;
    s.input = input;
    s.setFieldValues(readFieldCliValues(r, kinds, problems));
    s.workspace = workspace;
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
