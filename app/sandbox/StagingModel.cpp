#include "sandbox/StagingModel.h"

#include <QDateTime>
#include <QJsonArray>

namespace bd::sandbox {

namespace {
constexpr qint64 kRetentionMs = 7LL * 24 * 3600 * 1000;   // data expires 7 days after creation

QString str(const QJsonObject &o, const char *key) { return o.value(QLatin1String(key)).toString(); }
qint64 num(const QJsonObject &o, const char *key) { return qint64(o.value(QLatin1String(key)).toDouble()); }
}

QString isoTime(qint64 epochMs)
{
    return QDateTime::fromMSecsSinceEpoch(epochMs, Qt::UTC).toString(Qt::ISODateWithMs);
}

QString modeName(IngestMode mode)
{
    switch (mode) {
    case IngestMode::Simple: return QStringLiteral("simple");
    case IngestMode::Bulk: return QStringLiteral("bulk");
    case IngestMode::System: return QStringLiteral("system");
    }
    return {};
}

QJsonObject FileRecord::toJson() const
{
    return { { "fileName", fileName }, { "partName", partName }, { "shardId", shardId },
             { "contentType", contentType }, { "blobKey", blobKey }, { "urlName", urlName },
             { "size", double(size) }, { "indexedAtMs", double(indexedAtMs) } };
}

FileRecord FileRecord::fromJson(const QJsonObject &o)
{
    FileRecord f;
    f.fileName = str(o, "fileName");
    f.partName = str(o, "partName");
    f.shardId = str(o, "shardId");
    f.contentType = str(o, "contentType");
    f.blobKey = str(o, "blobKey");
    f.urlName = str(o, "urlName");
    f.size = num(o, "size");
    f.indexedAtMs = num(o, "indexedAtMs");
    return f;
}

ShardRecord::Status ShardRecord::statusAt(qint64 nowMs) const
{
    if (completeMs < 0)
        return { QStringLiteral("info"), QStringLiteral("ingest-started"), createdMs };
    if (nowMs < completeMs)
        return { QStringLiteral("info"), QStringLiteral("indexing"), createdMs };
    if (failed)
        return { QStringLiteral("error"), QStringLiteral("ingest-failed"), completeMs };
    return { QStringLiteral("success"), QStringLiteral("ingest-complete"), completeMs };
}

QJsonObject ShardRecord::toJson() const
{
    return { { "shardId", shardId }, { "ingestId", ingestId }, { "createdMs", double(createdMs) },
             { "completeMs", double(completeMs) }, { "failed", failed }, { "objectsCount", objectsCount },
             { "metadata", metadata } };
}

ShardRecord ShardRecord::fromJson(const QJsonObject &o)
{
    ShardRecord s;
    s.shardId = str(o, "shardId");
    s.ingestId = str(o, "ingestId");
    s.createdMs = num(o, "createdMs");
    s.completeMs = num(o, "completeMs");
    s.failed = o.value(QLatin1String("failed")).toBool();
    s.objectsCount = o.value(QLatin1String("objectsCount")).toInt();
    s.metadata = o.value(QLatin1String("metadata")).toObject();
    return s;
}

QJsonObject PartRecord::toJson() const
{
    QJsonObject o{ { "partName", partName }, { "partType", partType }, { "contentType", contentType } };
    if (!nestedContentType.isEmpty())
        o.insert(QStringLiteral("nestedContentType"), nestedContentType);
    if (!description.isEmpty())
        o.insert(QStringLiteral("partDescription"), description);
    return o;
}

PartRecord PartRecord::fromJson(const QJsonObject &o)
{
    return { str(o, "partName"), str(o, "partType"), str(o, "contentType"), str(o, "nestedContentType"),
             str(o, "partDescription") };
}

QString BatchRecord::batchType() const
{
    switch (mode) {
    case IngestMode::Simple: return QStringLiteral("simple-batch");
    case IngestMode::Bulk: return QStringLiteral("sharded-batch");
    case IngestMode::System: return QStringLiteral("multipart-batch");
    }
    return {};
}

void BatchRecord::indexFiles()
{
    fileSlots.clear();
    fileSlots.reserve(files.size());
    for (qsizetype i = 0; i < files.size(); ++i)
        fileSlots.insert(slotKey(files.at(i).partName, files.at(i).fileName), i);
}

QJsonObject BatchRecord::metadataJson() const
{
    return { { "batchId", batchId }, { "displayName", displayName }, { "batchType", batchType() },
             { "batchContentType", contentType }, { "createdDate", isoTime(createdMs) },
             { "expiryDate", isoTime(createdMs + kRetentionMs) } };
}

QJsonObject BatchRecord::toJson() const
{
    QJsonArray fileArray, shardArray, partArray;
    for (const FileRecord &f : files)
        fileArray.append(f.toJson());
    for (const ShardRecord &s : shards)
        shardArray.append(s.toJson());
    for (const PartRecord &p : parts)
        partArray.append(p.toJson());
    return { { "workspace", workspace }, { "batchId", batchId }, { "displayName", displayName },
             { "mode", modeName(mode) }, { "contentType", contentType }, { "createdMs", double(createdMs) },
             { "files", fileArray }, { "shards", shardArray }, { "parts", partArray } };
}

BatchRecord BatchRecord::fromJson(const QJsonObject &o)
{
    BatchRecord b;
    b.workspace = str(o, "workspace");
    b.batchId = str(o, "batchId");
    b.displayName = str(o, "displayName");
    const QString mode = str(o, "mode");
    b.mode = mode == QLatin1String("bulk") ? IngestMode::Bulk
        : mode == QLatin1String("system") ? IngestMode::System : IngestMode::Simple;
    b.contentType = str(o, "contentType");
    b.createdMs = num(o, "createdMs");
    for (const QJsonValue &v : o.value(QLatin1String("files")).toArray())
        b.files.append(FileRecord::fromJson(v.toObject()));
    for (const QJsonValue &v : o.value(QLatin1String("shards")).toArray())
        b.shards.append(ShardRecord::fromJson(v.toObject()));
    for (const QJsonValue &v : o.value(QLatin1String("parts")).toArray())
        b.parts.append(PartRecord::fromJson(v.toObject()));
    b.indexFiles();
    return b;
}

QJsonObject IngestRecord::toJson() const
{
    return { { "workspace", workspace }, { "ingestId", ingestId }, { "batchId", batchId },
             { "shardIds", QJsonArray::fromStringList(shardIds) } };
}

IngestRecord IngestRecord::fromJson(const QJsonObject &o)
{
    IngestRecord r{ str(o, "workspace"), str(o, "ingestId"), str(o, "batchId"), {} };
    for (const QJsonValue &v : o.value(QLatin1String("shardIds")).toArray())
        r.shardIds << v.toString();
    return r;
}

QJsonObject PendingUpload::toJson() const
{
    return { { "uploadId", uploadId }, { "workspace", workspace }, { "batchId", batchId }, { "kind", kind },
             { "fileName", fileName } };
}

PendingUpload PendingUpload::fromJson(const QJsonObject &o)
{
    return { str(o, "uploadId"), str(o, "workspace"), str(o, "batchId"), str(o, "kind"), str(o, "fileName") };
}

}  // namespace bd::sandbox
