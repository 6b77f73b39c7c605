#pragma once
// IngestJournal: what Batchdeck knows about every ingest, in the shared SQLite database
// (core/Database.h), so a crash, a kill or a closed laptop loses nothing and the same command
// resumes. The tables belong to the one schema (core/Schema.h); every write is one short
// transaction (or a savepoint of a JournalWriter's batch). A running ingest writes through its
// JournalWriter, on that writer's thread; reads stay on the caller's connection.
//
//   ingests        one row per ingest: its id (a UUID reused on resume so the service can
//                  de-duplicate), the service (API base URL) and workspace it went to, batch,
//                  display name, sources, options, method and state
//   ingest_files   per file: path, batch name, state + reason, and its fingerprint when sent
//                  (size, mtime in ns, a SHA-256 when those cannot decide; FileFingerprint.h),
//                  when it was sent and whether its whole body left (body_left)
//   ingest_shards  per shard attempt: index, member names, state, and while it is in flight
//                  its members' paths and fingerprints, when it was sent, whether its body left
//
// File states: planned → sent (bytes are leaving) → confirmed (the service took them), or
// failed / skipped with a reason. A file left in "sent" means the process died mid-transfer:
// the next run asks the service before sending it again. A shard's members go from planned
// to confirmed directly: their "sent" is on the shard's row (markShardSending). A journal only
// speaks for the service and workspace it names: another one gets its own ingest, and
// "confirmed" is checked with the service (and the file on disk) before it is trusted.
#include "core/Error.h"
#include "staging/FileFingerprint.h"
#include "staging/ScanResult.h"

#include <QDateTime>
#include <QHash>
#include <QJsonObject>
#include <QSet>
#include <QString>
#include <QStringList>
#include <QVector>

#include <functional>
#include <memory>
#include <optional>

class QSqlDatabase;
class QSqlQuery;

namespace bd {
class ManyValueStatement;
}

namespace bd::staging {

enum class JournalFileState { Planned, Sent, Confirmed, Failed, Skipped };
QString journalFileStateName(JournalFileState state);
JournalFileState journalFileStateFromName(const QString &name);

// Where a batch lives: one service (API base URL, no query) and one workspace on it.
struct IngestTarget {
    QString apiBaseUrl;
    QString workspace;
};

struct IngestRecord {
    // States: "running", "uploaded" (bytes up, indexing), "completed", "failed", "cancelled".
    QString ingestId;
    QString apiBaseUrl;
    QString workspace;
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
    FileFingerprint fingerprint;   // taken when the file was sent; invalid before
    qint64 sentAtMs = 0;           // when its transfer started (0: never)
    bool bodyLeft = false;         // its transfer's whole body may have reached the service
    QString ingestId;              // the ingest this row belongs to
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
    // Rows from before the journal knew its service (empty target) match any target and are
    // claimed by the first run that resumes them.
    std::optional<IngestRecord> findResumable(const IngestTarget &target, const QString &batchId,
                                              const QStringList &sources, const QString &media);
    std::optional<IngestRecord> findResumable(const QString &batchId, const QStringList &sources, const QString &media)
    {
        return findResumable(IngestTarget{}, batchId, sources, media);
    }
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
    // This ingest's failures of the current run: state "failed" with a machine reason (code)
    // and a message. clearRunFailures forgets the codes of earlier runs (their files are
    // planned again), so a code always belongs to the run that set it.
    bool setFileFailed(const QString &ingestId, const QStringList &paths, const QString &code, const QString &message);
    bool clearRunFailures(const QString &ingestId);
    // Scans written to disk (ScanStore): the scan attached as `scanSchema` on this thread's
    // connection; its files not yet journaled for this ingest are added as planned (a statement
    // per range of paths, each range its own transaction; no per-file copy in memory).
    bool addScanFiles(const QString &ingestId, const QString &scanSchema);
    // Rows of this ingest in one state (for "sent": only what a killed run had in flight).
    QHash<QString, JournalFile> filesInState(const QString &ingestId, JournalFileState state);
    // confirmedFiles() restricted to the files of an attached scan, streamed in path order:
    // one row per path (the most recently sent). visit returns false to stop.
    bool forEachConfirmedInScan(const IngestTarget &target, const QString &batchId, const QString &scanSchema,
                                const std::function<bool(const JournalFile &)> &visit);
    // Whether any ingest into this batch on this target has this path confirmed.
    bool isConfirmedInBatch(const IngestTarget &target, const QString &batchId, const QString &path);
    QHash<QString, JournalFile> files(const QString &ingestId);
    QSet<QString> pathsInState(const QString &ingestId, JournalFileState state);
    // Paths confirmed in this batch by any ingest (the resume log of spec §6.2).
    QSet<QString> confirmedPaths(const QString &batchId);
    // Whether any ingest (any target) has a file of this batch sent or confirmed: then a new
    // ingest asks the service before planning. True also when the journal cannot answer.
    bool batchHasSentOrConfirmed(const QString &batchId);
    // The same with each file's row (fingerprint), for ingests into this batch on this target
    // (or of unknown target). One row per path: the most recently sent.
    QHash<QString, JournalFile> confirmedFiles(const IngestTarget &target, const QString &batchId);
    // These files are about to leave (state "sent"): their fingerprints and the time.
    bool markSending(const QString &ingestId, const QStringList &paths, const QVector<FileFingerprint> &fingerprints,
                     bool bodyLeft);
    // The whole body of the transfer carrying these files is leaving: it may arrive even if
    // this process dies before the answer.
    // `left` false: the storage host refused that body after all (an error status).
    bool markBodyLeft(const QString &ingestId, const QStringList &paths, bool left = true);
    // The service does not have these files any more (or they changed on disk): no ingest into
    // this batch on this target may count them as confirmed.
    bool forgetConfirmed(const IngestTarget &target, const QString &batchId, const QStringList &paths,
                         const QString &reason);

    // Shards: a fresh index per shard attempt of this ingest (IngestJournalShards.cpp).
    int nextShardIndex(const QString &ingestId);
    bool addShard(const QString &ingestId, int index, const QStringList &memberNames, const QString &state);
    // Any state but "sent" drops the shard's in-flight record (below).
    bool setShardState(const QString &ingestId, int index, const QString &state);
    QHash<int, QString> shardStates(const QString &ingestId);
    // A shard in flight is recorded on its own row, not on each member's: markShardSending
    // (state "sent": each member's path and fingerprint, and the time) and markShardBodyLeft
    // are what markSending and markBodyLeft are for single files. Meanwhile the members' rows
    // still say "planned", or do not exist yet (an early shard's: written once, below).
    // confirmShard writes the record onto them as "confirmed" (the shard "uploaded"); a
    // failure is addFiles + setFileFailed + setShardState "failed". After a kill or a cancel,
    // recoverInterruptedShards (run under the ingest's lock, before "sent" rows are read)
    // writes every shard still "sent" onto its members as "sent", exactly as per-file records
    // would have left them, and marks the shard "interrupted". A member without a row gets one
    // from the record (with its name from the shard's members).
    bool markShardSending(const QString &ingestId, int index, const QStringList &paths,
                          const QVector<FileFingerprint> &fingerprints);
    bool markShardBodyLeft(const QString &ingestId, int index, bool left = true);
    bool confirmShard(const QString &ingestId, int index);
    // The same with the record's entries the writer still holds (the paths, their batch names and
    // the fingerprints markShardSending was given): written without reading the record back, and
    // a member without a row gets one.
    bool confirmShard(const QString &ingestId, int index, const QStringList &paths, const QStringList &names,
                      const QVector<FileFingerprint> &fingerprints);
    bool recoverInterruptedShards(const QString &ingestId);
    // An answer that comes while the scan's copy has not reached the journal yet (an early
    // shard's, its members in the walk's order): its members go to ingest_answered, a table
    // appended to, and the shard is "answered". applyAnsweredShards writes them onto their rows
    // in path order, sorted once and written a range per transaction (the ingest calls it after
    // the copy, which every run makes before it reads the journal, resumed ones too, and in its
    // finish passes; every setIngestState calls it first, so nothing reads a member's row before
    // it). The early shards' members upserted one shard at a time had been written at ~450
    // random index pages a shard: 5.3 ms a confirmation against 1.9 ms for a shard in path order.
    // (The entries in hand as confirmShard takes them; none: the record is read back.)
    bool answerShard(const QString &ingestId, int index, const QStringList &paths, const QStringList &names,
                     const QVector<FileFingerprint> &fingerprints);
    bool applyAnsweredShards(const QString &ingestId);
    enum class MemberTable { Files, Answered };

    // JournalWriter: the writes between beginBatch() and endBatch() share one transaction (one
    // commit for many), each write a savepoint in it (a failed one leaves the others).
    // endBatch commits; false (rolled back, lastError()) when that fails.
    bool beginBatch();
    bool endBatch();

    QString lastError() const { return m_lastError; }

private:
    bool ensureSchema();
    // addFiles / addScannedFiles: one transaction, `count` rows read through `row(i)`.
    bool insertFiles(const QString &ingestId, qsizetype count, const std::function<JournalFile(qsizetype)> &row);
    IngestRecord recordFromQuery(const QSqlQuery &q) const;

    bool m_ready = false;
    bool m_inBatch = false;
    QString m_lastError;
    // The shard members' write (IngestJournalShards.cpp), prepared once per row count on this
    // object's connection: preparing a statement of ~900 values each time cost more than running
    // it, and bound through SQLite's own API (Qt SQL formats and hashes a name per value: a fifth
    // of a confirmation's time). Finalised with this object (before its connection closes).
    QString m_memberWriteConnection;
    QHash<int, std::shared_ptr<ManyValueStatement>> m_memberWrites;
    ManyValueStatement *memberWrite(QSqlDatabase db, int rows, MemberTable table);
    // confirmShard and answerShard: the members written to `table` from the entries in hand (or
    // the record read back), the shard then `shardState`, in one transaction.
    bool writeAnswer(const QString &ingestId, int index, const QStringList &paths, const QStringList &names,
                     const QVector<FileFingerprint> &fingerprints, MemberTable table, const QString &shardState);
};

}  // namespace bd::staging
