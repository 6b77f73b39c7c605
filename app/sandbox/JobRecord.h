#pragma once
// The persisted state of one simulated batch job. Everything the simulator shows is derived from
// this record and the clock (see JobTimeline); only the side effects that must happen exactly once
// (output batches, the completion webhook) are remembered as flags.
#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QString>
#include <QVector>

namespace bd::sandbox {

// One input file, snapshotted when the job is created so later batch changes do not move it.
struct JobInputFile {
    QString fileName;
    QString path;          // may be empty (demo job without a staged batch): results are synthesized
    QString contentType;
    qint64 size = 0;
    QString sha256;        // hex digest, filled once when the results are first computed
};

struct JobRecord {
    QString workspace;
    QString jobId;
    QString name;
    QJsonObject definition;            // the B3 body, verbatim
    QJsonArray overrides;              // B7 bodies applied so far (restartParametersOverride)
    QVector<JobInputFile> inputs;
    QDateTime createdAt;               // first creation (UTC)
    QDateTime runStartedAt;            // start of the current run: creation or the last restart
    QDateTime abortedAt;               // invalid unless the current run was aborted
    int runIndex = 0;                  // 0 for the first run, +1 per restart
    double pace = 1.0;                 // internal duration multiplier (the demo's long running job)
    QJsonArray pastLogs;               // log entries of earlier runs, frozen at restart
    bool processingOutputCreated = false;
    bool exportOutputCreated = false;
    bool webhookSent = false;

    QString type() const { return definition.value(QStringLiteral("type")).toString(); }
    bool isTrt() const;
    bool isVideo() const;

    // The definition with every restart override applied in order (compute configuration merged).
    QJsonObject effectiveDefinition() const;

    QJsonObject toJson() const;
    static JobRecord fromJson(const QJsonObject &o);
};

}  // namespace bd::sandbox
