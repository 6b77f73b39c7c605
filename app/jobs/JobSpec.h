#pragma once
// Shared pieces of the job specifications (spec §9.4, §9.8, §11, §12): per-field validation
// problems, the enumerations the server knows, job ids, and shell quoting for the CLI view.
// Every field is described once in JobFields.h; the specs themselves: JobSpecWorkflow.h,
// JobSpecTrt.h, JobSpecRestart.h, JobSpecAssetLibrary.h; presets in JobSpecPresets.h.
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace bd::jobs {

// One thing wrong with one field. `field` is the wire name (batchId, workersPerMachine...) or
// "arguments" for a command-line problem that belongs to no field.
struct FieldProblem {
    QString field;
    QString message;
    bool operator==(const FieldProblem &o) const { return field == o.field && message == o.message; }
};
using FieldProblems = QList<FieldProblem>;

// True when `problems` has an entry for `field`.
bool hasProblem(const FieldProblems &problems, const QString &field);
// "field: message" lines, for the CLI.
QString describeProblems(const FieldProblems &problems);

// Known values (§11).
QStringList machineTypes();        // cpu, gpu
QStringList machineSizes();        // xs, s, m, l, xl (deprecated)
QStringList aggregationFormats();  // csv, jsonl
QStringList inferenceBackends();   // old-inference, inference-models
QStringList compilationDevices();  // nvidia-l4, nvidia-t4, nvidia-l40s

// Deprecated machine size to workers per machine: xs 8, s 4, m 2, l 1, xl 1; nullopt otherwise.
std::optional<int> workersForMachineSize(const QString &size);

// Job ids: lower-case ASCII letters, digits, '-' and '_', 1 to 20 characters (§9.1).
bool isValidJobId(const QString &id);
// "job-" (or "trt-") + 12 random lower-case alphanumerics: 16 characters, always valid.
QString generateJobId(bool trt = false);
// Batch ids: [a-z0-9_-], at most 64 characters (§12).
bool isValidBatchId(const QString &id);
// An absolute http(s) URL with a host.
bool isValidNotificationsUrl(const QString &url);

// POSIX shell quoting: the word unchanged when it is safe, else in single quotes.
QString shellQuote(const QString &word);
QString shellJoin(const QStringList &words);

// The CLI command line equivalent to a spec. Workflow parameters go to the CLI as a file:
// when paramsFilePath is set, paramsFileContent must be written there before running it.
struct CliInvocation {
    QStringList arguments;        // after the program name, e.g. {"batch-processing", "trt-compile", ...}
    QString paramsFilePath;       // empty when the job has no workflow parameters
    QByteArray paramsFileContent;
    QString commandLine() const;  // "batchdeck-cli " + the shell-quoted arguments
};

}  // namespace bd::jobs
