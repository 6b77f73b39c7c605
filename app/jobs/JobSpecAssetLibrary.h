#pragma once
// A Workflow job over images already in the workspace's Asset Library (docs/protocol-asset-
// library.md §16): exact image ids, a RoboQL query, or the whole library (which must be confirmed
// explicitly). What process-asset-library-with-workflow and the New job dialog's "Images in the
// Asset Library" input send to A1. Validated like the other job kinds (per-field problems).
#include "jobs/JobFields.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <optional>

namespace bd::jobs {

enum class AssetSelection { ImageIds, Query, AllImages };

// The most image ids one job may name [INFERRED; the sandbox's limit too].
constexpr int kMaxAssetImageIds = 100000;

// Image ids from a pasted text or an --image-ids file: separated by new lines, commas, spaces or
// tabs; '#' starts a comment to the end of the line; duplicates are dropped (first kept). A
// problem (field imageIds) names the line of anything that cannot be an id.
QStringList parseImageIds(const QByteArray &text, FieldProblems *problems);

// A fresh idempotency key: "bd-" + a random UUID (39 characters).
QString generateIdempotencyKey();
bool isValidIdempotencyKey(const QString &key);   // 8-128 of A-Z a-z 0-9 . _ : -

struct AssetLibraryJobSpec {
    AssetSelection selection = AssetSelection::ImageIds;
    QStringList imageIds;
    QString query;                    // RoboQL
    bool allImagesConfirmed = false;  // --confirm, or the dialog's confirmation with the count

    QString workflowId;  // required
    QString machineType;
    std::optional<int> workersPerMachine;
    std::optional<int> processingTimeoutSeconds;
    std::optional<int> maxParallelTasks;
    std::optional<double> maxImageFailureRate;
    std::optional<QJsonObject> workflowParameters;
    QString imageInputName;
    bool persistImagesOutputs = false;
    QStringList imagesOutputsToBePersisted;
    QString aggregationFormat;
    QString notificationsURL;
    QString jobName;

    // Given by the user (--idempotency-key); empty: one is generated per request and journalled.
    QString idempotencyKey;

    // The members bound to the rows of the job field table (JobFields.h), and their values.
    static const QList<FieldBinding<AssetLibraryJobSpec>> &fieldBindings();
    QJsonObject fieldValues() const;
    void setFieldValues(const QJsonObject &values);

    FieldProblems validate() const;
    // The A1 body with this key; unset fields omitted.
    QJsonObject toWireJson(const QString &key) const;
    // SHA-256 (hex) of the body without a key: the same request gives the same fingerprint.
    QString fingerprint() const;
    // A one-line description: "3 image ids", "RoboQL tag:cars", "the whole Asset Library".
    QString selectionSummary() const;

    // The equivalent batchdeck-cli command; image ids go to the CLI as a file (imageIdsFilePath,
    // one id per line, in CliInvocation::paramsFileContent's sibling `imageIdsFileContent`).
    QStringList toCliArguments(const QString &imageIdsFilePath = QStringLiteral("image-ids.txt"),
                               const QString &paramsFilePath = QStringLiteral("workflow-params.json")) const;
    QString commandLine(const QString &imageIdsFilePath = QStringLiteral("image-ids.txt")) const;
    QByteArray imageIdsFileContent() const { return imageIds.join(QLatin1Char('\n')).toUtf8() + '\n'; }
    // From the options after the command words; reads --image-ids and --workflow-params files.
    static AssetLibraryJobSpec fromCliOptions(const QStringList &options, FieldProblems *problems);

    bool operator==(const AssetLibraryJobSpec &o) const = default;
};

}  // namespace bd::jobs
