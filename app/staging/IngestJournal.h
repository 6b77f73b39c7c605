#pragma once
// IngestJournal: what Batchdeck knows about every ingest, in the shared SQLite database
// (core/Database.h), so a crash, a kill or a closed laptop loses nothing and the same command
// resumes. Tables are created on first use; every write is one short transaction.
//
//   ingests        one row per ingest: its id (a UUID reused on resume so the service can
//                  de-duplicate), batch, display name, sources, options, method and state
//   ingest_files   per file: path, batch name, size, mtime, state + reason
//   ingest_shards  per shard attempt: index, member names, state
//
// File states: planned → sent (bytes are leaving) → confirmed (the service took them), or
// failed / skipped with a reason. A file left in "sent" means the process died mid-transfer:
// the next run checks the batch listing before sending it again.
#include "core/Error.h"
#include "staging/ScanResult.h"

#include <QDateTime>
#include <QHash>
#include <QJsonObject>
#include <QSet>
#include <QString>
#include <QStringList>
#include <QVector>

#include <functional>
#include <optional>

class QSqlQuery;

namespace bd::staging {

enum class JournalFileState { Planned, Sent, Confirmed, Failed, Skipped };
QString journalFileStateName(JournalFileState state);
JournalFileState journalFileStateFromName(const QString &name);

struct IngestRecord {
    // States: "running", "uploaded" (bytes up, indexing), "completed", "failed", "cancelled".
    QString ingestId;
    QString batchId;
    QString displayName;
    QStringList sources;     // absolute input paths, sorted
    QJsonObject options;     // media, recursive, concurrency, notificationsURL ...
    QString method;          // "simple" | "sharded" | "videos" | "" before planning
    QString state = QStringLiteral("running");
    QDateTime createdAt;
    QDateTime updatedAt;

    bool isFinished() const { return state == QLatin1String("completed"); }
};

struct JournalFile {
    QString path;
    QString batchName;
    qint64 size = 0;
    qint64 mtime = 0;   // seconds since the epoch
    JournalFileState state = JournalFileState::Planned;
    QString reason;
};

class IngestJournal
{
public:
    IngestJournal() = default;

    // Creates the tables if needed; false with a reason when the database is unusable.
    bool open(Error *error = nullptr);

    bool saveIngest(const IngestRecord &record);
    std::optional<IngestRecord> ingest(const QString &ingestId);
    // The newest unfinished ingest into this batch from exactly these sources and media.
    std::optional<IngestRecord> findResumable(const QString &batchId, const QStringList &sources, const QString &media);
    // Every ingest not completed, newest first (the GUI's resume offer).
    QVector<IngestRecord> unfinishedIngests();
    bool setIngestState(const QString &ingestId, const QString &state);
    bool setIngestMethod(const QString &ingestId, const QString &method);

    // Add files not yet known to this ingest as `planned` (or with their given state); files
    // already journaled keep their state. One transaction.
    bool addFiles(const QString &ingestId, const QVector<JournalFile> &files);
    // The same for a scan's accepted files as `planned`, straight from the scan result (no
    // second per-file copy: at 100k files that copy was ~10 MB).
    bool addScannedFiles(const QString &ingestId, const QVector<ScannedFile> &files);
    // Set the state (and reason) of these paths. One transaction.
    bool setFileState(const QString &ingestId, const QStringList &paths, JournalFileState state,
                      const QString &reason = {});
    QHash<QString, JournalFile> files(const QString &ingestId);
    QSet<QString> pathsInState(const QString &ingestId, JournalFileState state);
    // Paths confirmed in this batch by any ingest (the resume log of spec §6.2).
    QSet<QString> confirmedPaths(const QString &batchId);

    // Shards: a fresh index per shard attempt of this ingest.
    int nextShardIndex(const QString &ingestId);
    bool addShard(const QString &ingestId, int index, const QStringList &memberNames, const QString &state);
    bool setShardState(const QString &ingestId, int index, const QString &state);
    QHash<int, QString> shardStates(const QString &ingestId);

    QString lastError() const { return m_lastError; }

private:
    bool ensureSchema();
    // addFiles / addScannedFiles: one transaction, `count` rows read through `row(i)`.
    bool insertFiles(const QString &ingestId, qsizetype count, const std::function<JournalFile(qsizetype)> &row);
    IngestRecord recordFromQuery(const QSqlQuery &q) const;

    bool m_ready = false;
    QString m_lastError;
};

}  // namespace bd::staging
