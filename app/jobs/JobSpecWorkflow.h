#pragma once
// A workflow job over a staging batch of images or videos (spec §9.4.1): what
// process-images-with-workflow / process-videos-with-workflow send to B3.
// Unset optional fields are omitted from the wire JSON, never sent as null.
#include "jobs/JobFields.h"

#include <QByteArray>
#include <QJsonObject>
#include <QMap>
#include <QString>
#include <QStringList>

#include <optional>

namespace bd::jobs {

enum class WorkflowInput { Images, Videos };

// "Workflow parameters" JSON text (the --workflow-params file) to an object; on failure the
// message says where: "not valid JSON at line 2, column 7 (offset 15): unterminated object".
std::optional<QJsonObject> parseWorkflowParameters(const QByteArray &text, QString *error);

// --metadata-mapping entries "workflow_input=metadata_key": split at the first '='; an empty key
// or value is a problem (field imagesMetadataInputsMapping); for a duplicate key the last wins.
QMap<QString, QString> parseMetadataMapping(const QStringList &entries, FieldProblems *problems);

struct WorkflowJobSpec {
    WorkflowInput input = WorkflowInput::Images;

    // jobInput
    QString batchId;             // required
    QString partName;
    QString imagesMetadataPart;  // images only

    // computeConfiguration
    QString machineType;                   // "", cpu, gpu
    std::optional<int> workersPerMachine;
    QString machineSize;                   // deprecated xs/s/m/l/xl, used when workersPerMachine is unset

    std::optional<int> processingTimeoutSeconds;
    std::optional<int> maxParallelTasks;
    std::optional<double> maxImageFailureRate;  // images only, 0..1

    // processingSpecification
    QString workspace;   // required: the slug resolved from the API key (W1), not a CLI option
    QString workflowId;  // required
    std::optional<QJsonObject> workflowParameters;
    QString imageInputName;
    bool persistImagesOutputs = false;  // always sent
    QStringList imagesOutputsToBePersisted;
    QString aggregationFormat;                        // "", csv, jsonl
    std::optional<double> maxVideoFPS;                // videos only
    QMap<QString, QString> imagesMetadataInputsMapping;  // images only

    QString notificationsURL;
    QString inferenceBackend;  // "", old-inference, inference-models

    // Not in the body: jobId goes in the path (generateJobId() when empty), jobName in ?name=.
    QString jobId;
    QString jobName;

    bool isVideo() const { return input == WorkflowInput::Videos; }
    JobKind kind() const { return isVideo() ? JobKind::Videos : JobKind::Images; }
    QString jobType() const;  // simple-image-processing-v1 / simple-video-processing-v1
    QString cliCommand() const;  // process-images-with-workflow / process-videos-with-workflow
    // workersPerMachine, else the deprecated machine size's mapping, else unset.
    std::optional<int> effectiveWorkersPerMachine() const;

    // The members bound to the rows of the job field table (JobFields.h), and their values.
    static const QList<FieldBinding<WorkflowJobSpec>> &fieldBindings();
    QJsonObject fieldValues() const;
    void setFieldValues(const QJsonObject &values);  // `input` is kept
    // fieldValues() as sent: the deprecated machine size replaced by its workers.
    QJsonObject sentFieldValues() const;

    FieldProblems validate() const;
    QJsonObject toWireJson() const;

    // The equivalent batchdeck-cli command. The workflow parameters are a file for the CLI:
    // `paramsFilePath` is the path to print (a placeholder by default).
    CliInvocation toCliInvocation(const QString &paramsFilePath = QStringLiteral("workflow-params.json")) const;
    QStringList toCliArguments(const QString &paramsFilePath = QStringLiteral("workflow-params.json")) const
    {
        return toCliInvocation(paramsFilePath).arguments;
    }
    // Builds a spec from the options after the command words (e.g. {"-b", "my-batch", "-w", "wf"});
    // reads the --workflow-params file. Problems in the arguments go to `problems`; call
    // validate() on the result for the rest.
    static WorkflowJobSpec fromCliOptions(WorkflowInput input, const QStringList &options,
                                          const QString &workspace, FieldProblems *problems);
    // The same from a full argument list as toCliArguments() makes it
    // ({"batch-processing", "process-videos-with-workflow", ...}).
    static WorkflowJobSpec fromCliArguments(const QStringList &arguments, const QString &workspace,
                                            FieldProblems *problems);

    // Every field, unset ones omitted, for presets. Round-trips through fromPresetJson.
    QJsonObject toPresetJson() const;
    static WorkflowJobSpec fromPresetJson(const QJsonObject &json);

    bool operator==(const WorkflowJobSpec &o) const = default;
};

}  // namespace bd::jobs
