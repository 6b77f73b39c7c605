#pragma once
// All data-staging state of the sandbox behind one mutex: batches with their files and shards,
// ingests (for ingestId de-duplication) and pending signed uploads. Bytes live in <root>/blobs.
// It is also the BatchStore the job simulator reads inputs from and writes outputs to.
#include "sandbox/SandboxContext.h"
#include "sandbox/StagingModel.h"

#include <QHash>
#include <QMap>
#include <QMutex>

#include <functional>
#include <optional>

namespace bd::sandbox {

class StagingStore : public BatchStore
{
public:
    explicit StagingStore(QString root);

    QString blobDir() const { return m_blobDir; }
    QString blobPath(const QString &blobKey) const;
    static QString newBlobKey();
    static bool isValidBlobKey(const QString &key);
    static qint64 nowMs();

    // Creates the batch on first use (displayName, contentType) or checks that its ingest mode
    // matches; a mismatch (simple uploads vs bulk ingests, or a system batch) is a 409 reply.
    std::optional<ApiReply> prepareBatch(const QString &workspace, const QString &batchId, const QString &displayName,
                                         IngestMode mode, const QString &contentType);
    // Adds (or replaces, by fileName + partName) a file; the URL basename alternates between
    // the file name and a UUID so clients must not derive names from URLs.
    void addFile(const QString &workspace, const QString &batchId, FileRecord file);
    void addShard(const QString &workspace, const QString &batchId, const ShardRecord &shard);
    void updateShard(const QString &workspace, const QString &batchId, const QString &shardId,
                     const std::function<void(ShardRecord &)> &change);

    // The batch's header (ids, names, mode, content type, parts) without its files and shards:
    // a look-up costs the same for a batch of ten files and of a million. Pages of the files and
    // shards come from filesPage() / shardsPage().
    std::optional<BatchRecord> batch(const QString &workspace, const QString &batchId) const;
    QVector<BatchRecord> batches(const QString &workspace) const;   // headers, oldest first

    // Keyset pages (D5, D6): `from` is a position in the batch's stored order (files and shards
    // are only ever appended or replaced in place), which the page token carries. A page reads
    // at most `limit` matching records and looks at no more than a few pages' worth of others
    // (files not indexed yet, another part), so its cost follows the page, not the batch; it
    // may then come back short, with a token. `next` is where the following page starts
    // (-1: this was the last one).
    struct FilesPage {
        QVector<FileRecord> files;
        qint64 next = -1;
        QString nestedContentType;   // the part's, when a part was asked for
    };
    std::optional<FilesPage> filesPage(const QString &workspace, const QString &batchId, const QString &partName,
                                       qint64 from, int limit) const;
    struct ShardsPage {
        QVector<ShardRecord> shards;
        qint64 next = -1;
    };
    std::optional<ShardsPage> shardsPage(const QString &workspace, const QString &batchId, qint64 from, int limit) const;

    // D3: files of the batch (of one part, if given) indexed by now; nullopt for no such batch.
    std::optional<qint64> indexedCount(const QString &workspace, const QString &batchId,
                                       const QString &partName = {}) const;

    std::optional<IngestRecord> ingest(const QString &workspace, const QString &ingestId) const;
    void addIngest(const IngestRecord &ingest);

    QString registerUpload(PendingUpload upload);   // returns the upload id
    std::optional<PendingUpload> upload(const QString &uploadId) const;
    void consumeUpload(const QString &uploadId);

    // BatchStore (the job simulator's view)
    std::optional<QVector<StoredFile>> batchFiles(const QString &workspace, const QString &batchId,
                                                  const QString &partName = {}) override;
    void createMultipartBatch(const QString &workspace, const QString &batchId, const QString &displayName,
                              const QVector<OutputPart> &parts) override;

    // Persistence (--data-dir; SandboxServer owns the files). A snapshot (state.json) plus a
    // change log (state.log): with the log enabled every mutation appends one JSON line to a
    // buffer the server appends to the log file after each request, so a change costs O(1)
    // instead of rewriting the whole state (which made a 100k-file ingest quadratic).
    void setChangeLogEnabled(bool enabled);
    QByteArray takeChangeLog();          // the buffered lines (each ends with '\n'); empty when none
    // The whole state, taken under the lock together with clearing the buffered lines (they are
    // all in it), so a snapshot and the log that follows it never overlap or leave a gap.
    QJsonObject takeSnapshot();
    void load(const QJsonObject &state);
    // Applies change lines written after the loaded snapshot, in order; stops at the first line
    // that is not a complete record (a torn last write). Returns how many lines were applied.
    int replay(const QByteArray &lines);
    // True once after a change the server should persist with a full snapshot: job outputs
    // (the job simulator's state, kept only in snapshots, changes together with them).
    bool takeSnapshotWanted();

private:
    static QString key(const QString &workspace, const QString &batchId) { return workspace + QLatin1Char('/') + batchId; }
    void addFileLocked(BatchRecord &batch, FileRecord file, bool log = true);
    void logChange(const char *op, QJsonObject record);   // m_mutex held
    void applyChange(const QJsonObject &record);          // m_mutex held
    static QJsonObject batchHeaderJson(const BatchRecord &batch);

    QString m_blobDir;
    mutable QMutex m_mutex;
    QMap<QString, BatchRecord> m_batches;        // key(workspace, batchId)
    QMap<QString, IngestRecord> m_ingests;       // key(workspace, ingestId)
    QHash<QString, PendingUpload> m_uploads;     // uploadId
    bool m_snapshotWanted = false;
    bool m_logEnabled = false;
    QByteArray m_changeLog;
    int m_fileSerial = 0;
};

}  // namespace bd::sandbox
