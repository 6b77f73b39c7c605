// StagingStore persistence: the snapshot (save/load of the whole state) and the change log that
// records each mutation as one JSON line between snapshots. Every record is an absolute
// "upsert" (the new value of a batch header, a file, a shard, an ingest, a pending upload), so
// replaying a log over the snapshot it follows rebuilds the state exactly.
#include "sandbox/StagingStore.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>
#include <utility>

namespace bd::sandbox {

namespace {
IngestMode modeFromName(const QString &name)
{
    return name == QLatin1String("bulk") ? IngestMode::Bulk
        : name == QLatin1String("system") ? IngestMode::System : IngestMode::Simple;
}
}  // namespace

QJsonObject StagingStore::batchHeaderJson(const BatchRecord &batch)
{
    QJsonArray parts;
    for (const PartRecord &p : batch.parts)
        parts.append(p.toJson());
    return { { "workspace", batch.workspace }, { "batchId", batch.batchId }, { "displayName", batch.displayName },
             { "mode", modeName(batch.mode) }, { "contentType", batch.contentType },
             { "createdMs", double(batch.createdMs) }, { "parts", parts } };
}

void StagingStore::logChange(const char *op, QJsonObject record)
{
    if (!m_logEnabled)
        return;
    record.insert(QStringLiteral("op"), QLatin1String(op));
    m_changeLog += QJsonDocument(record).toJson(QJsonDocument::Compact);
    m_changeLog += '\n';
}

void StagingStore::applyChange(const QJsonObject &r)
{
    const QString op = r.value(QLatin1String("op")).toString();
    const QString batchKey = key(r.value(QLatin1String("workspace")).toString(), r.value(QLatin1String("batchId")).toString());
    if (op == QLatin1String("batch")) {
        BatchRecord &b = m_batches[batchKey];
        b.workspace = r.value(QLatin1String("workspace")).toString();
        b.batchId = r.value(QLatin1String("batchId")).toString();
        b.displayName = r.value(QLatin1String("displayName")).toString();
        b.mode = modeFromName(r.value(QLatin1String("mode")).toString());
        b.contentType = r.value(QLatin1String("contentType")).toString();
        b.createdMs = qint64(r.value(QLatin1String("createdMs")).toDouble());
        b.parts.clear();
        for (const QJsonValue &v : r.value(QLatin1String("parts")).toArray())
            b.parts.append(PartRecord::fromJson(v.toObject()));
    } else if (op == QLatin1String("batch-full")) {
        const BatchRecord b = BatchRecord::fromJson(r.value(QLatin1String("batch")).toObject());
        m_batches.insert(key(b.workspace, b.batchId), b);
    } else if (op == QLatin1String("file")) {
        auto it = m_batches.find(batchKey);
        if (it == m_batches.end())
            return;
        const FileRecord f = FileRecord::fromJson(r.value(QLatin1String("file")).toObject());
        const QString slot = BatchRecord::slotKey(f.partName, f.fileName);
        if (const auto same = it->fileSlots.constFind(slot); same != it->fileSlots.cend()) {
            it->files[*same] = f;
        } else {
            it->fileSlots.insert(slot, it->files.size());
            it->files.append(f);
        }
        m_fileSerial = qMax(m_fileSerial, r.value(QLatin1String("serial")).toInt());
    } else if (op == QLatin1String("shard")) {
        auto it = m_batches.find(batchKey);
        if (it == m_batches.end())
            return;
        const ShardRecord shard = ShardRecord::fromJson(r.value(QLatin1String("shard")).toObject());
        auto same = std::find_if(it->shards.begin(), it->shards.end(),
                                 [&](const ShardRecord &s) { return s.shardId == shard.shardId; });
        if (same != it->shards.end())
            *same = shard;
        else
            it->shards.append(shard);
    } else if (op == QLatin1String("ingest")) {
        const IngestRecord i = IngestRecord::fromJson(r.value(QLatin1String("ingest")).toObject());
        m_ingests.insert(key(i.workspace, i.ingestId), i);
    } else if (op == QLatin1String("upload")) {
        const PendingUpload u = PendingUpload::fromJson(r.value(QLatin1String("upload")).toObject());
        m_uploads.insert(u.uploadId, u);
    } else if (op == QLatin1String("upload-done")) {
        m_uploads.remove(r.value(QLatin1String("uploadId")).toString());
    }
}

void StagingStore::setChangeLogEnabled(bool enabled)
{
    QMutexLocker lock(&m_mutex);
    m_logEnabled = enabled;
    if (!enabled)
        m_changeLog.clear();
}

QByteArray StagingStore::takeChangeLog()
{
    QMutexLocker lock(&m_mutex);
    return std::exchange(m_changeLog, QByteArray());
}

QJsonObject StagingStore::takeSnapshot()
{
    // Copies are cheap (implicitly shared); the JSON is built after the lock is released.
    QMap<QString, BatchRecord> batches;
    QMap<QString, IngestRecord> ingests;
    QHash<QString, PendingUpload> uploads;
    int serial = 0;
    {
        QMutexLocker lock(&m_mutex);
        batches = m_batches;
        ingests = m_ingests;
        uploads = m_uploads;
        serial = m_fileSerial;
        m_changeLog.clear();   // every buffered change is in this snapshot
    }
    QJsonArray batchArray, ingestArray, uploadArray;
    for (const BatchRecord &b : std::as_const(batches))
        batchArray.append(b.toJson());
    for (const IngestRecord &i : std::as_const(ingests))
        ingestArray.append(i.toJson());
    for (const PendingUpload &u : std::as_const(uploads))
        uploadArray.append(u.toJson());
    return { { "batches", batchArray }, { "ingests", ingestArray }, { "uploads", uploadArray },
             { "fileSerial", serial } };
}

void StagingStore::load(const QJsonObject &state)
{
    QMutexLocker lock(&m_mutex);
    m_batches.clear();
    m_ingests.clear();
    m_uploads.clear();
    for (const QJsonValue &v : state.value(QLatin1String("batches")).toArray()) {
        const BatchRecord b = BatchRecord::fromJson(v.toObject());
        m_batches.insert(key(b.workspace, b.batchId), b);
    }
    for (const QJsonValue &v : state.value(QLatin1String("ingests")).toArray()) {
        const IngestRecord i = IngestRecord::fromJson(v.toObject());
        m_ingests.insert(key(i.workspace, i.ingestId), i);
    }
    for (const QJsonValue &v : state.value(QLatin1String("uploads")).toArray()) {
        const PendingUpload u = PendingUpload::fromJson(v.toObject());
        m_uploads.insert(u.uploadId, u);
    }
    m_fileSerial = state.value(QLatin1String("fileSerial")).toInt();
}

int StagingStore::replay(const QByteArray &lines)
{
    QMutexLocker lock(&m_mutex);
    int applied = 0;
    qsizetype from = 0;
    while (from < lines.size()) {
        const qsizetype end = lines.indexOf('\n', from);
        if (end < 0)
            break;   // no newline: the process died in the middle of this record
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(lines.mid(from, end - from), &error);
        if (error.error != QJsonParseError::NoError || !doc.isObject())
            break;
        applyChange(doc.object());
        ++applied;
        from = end + 1;
    }
    return applied;
}

bool StagingStore::takeSnapshotWanted()
{
    QMutexLocker lock(&m_mutex);
    return std::exchange(m_snapshotWanted, false);
}

}  // namespace bd::sandbox
