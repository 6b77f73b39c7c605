#pragma once
// The sandbox's data-staging records (batches, their files and shards, ingests, pending signed
// uploads) and their JSON form for the --data-dir state file. Times are epoch milliseconds; the
// "ingesting -> indexing -> complete" progression of a shard is derived from them lazily, so no
// timer has to flip states and a restart keeps them right.
#include <QHash>
#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QVector>

namespace bd::sandbox {

struct FileRecord {
    QString fileName;      // authoritative name (D5 fileName)
    QString partName;
    QString shardId;
    QString contentType;   // MIME type
    QString blobKey;       // bytes live at <root>/blobs/<blobKey>
    QString urlName;       // basename used in the download URL: the file name or a UUID
    qint64 size = 0;
    qint64 indexedAtMs = 0;   // counted and listed from this time on

    QJsonObject toJson() const;
    static FileRecord fromJson(const QJsonObject &o);
};

struct ShardRecord {
    QString shardId;
    QString ingestId;
    qint64 createdMs = 0;
    qint64 completeMs = -1;   // -1: objects still being fetched / unpacked
    bool failed = false;
    int objectsCount = 0;
    QJsonObject metadata;     // statusMetadata: failed files and reasons, error details

    struct Status {
        QString type;   // info | success | error
        QString name;   // ingest-started | indexing | ingest-complete | ingest-failed
        qint64 eventMs = 0;
    };
    Status statusAt(qint64 nowMs) const;

    QJsonObject toJson() const;
    static ShardRecord fromJson(const QJsonObject &o);
};

struct PartRecord {
    QString partName;
    QString partType;
    QString contentType;
    QString nestedContentType;
    QString description;

    QJsonObject toJson() const;
    static PartRecord fromJson(const QJsonObject &o);
};

enum class IngestMode { Simple, Bulk, System };

struct BatchRecord {
    QString workspace;
    QString batchId;
    QString displayName;
    IngestMode mode = IngestMode::Simple;
    QString contentType;   // images | videos | mixed | archives ...
    qint64 createdMs = 0;
    QVector<FileRecord> files;
    QVector<ShardRecord> shards;
    QVector<PartRecord> parts;   // multipart batches only
    // (partName, fileName) -> position in `files`: keeps "add or replace" O(1) at 100k files.
    // Derived, never serialised; rebuilt by indexFiles() after loading.
    QHash<QString, qsizetype> fileSlots;

    static QString slotKey(const QString &partName, const QString &fileName)
    {
        return partName + QChar(0x1f) + fileName;
    }
    void indexFiles();

    QString batchType() const;
    QJsonObject metadataJson() const;   // BatchMetadata (§4.1)

    QJsonObject toJson() const;
    static BatchRecord fromJson(const QJsonObject &o);
};

struct IngestRecord {
    QString workspace;
    QString ingestId;
    QString batchId;
    QStringList shardIds;

    QJsonObject toJson() const;
    static IngestRecord fromJson(const QJsonObject &o);
};

// A signed PUT URL handed out by D8 / D9 and not used yet.
struct PendingUpload {
    QString uploadId;
    QString workspace;
    QString batchId;
    QString kind;       // video | shard
    QString fileName;   // videos only

    QJsonObject toJson() const;
    static PendingUpload fromJson(const QJsonObject &o);
};

QString isoTime(qint64 epochMs);   // 2026-01-02T03:04:05.678Z
QString modeName(IngestMode mode);

}  // namespace bd::sandbox
