#include "sandbox/StagingStore.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QRegularExpression>
#include <QUuid>

#include <algorithm>

namespace bd::sandbox {

StagingStore::StagingStore(QString root) : m_blobDir(QDir(root).filePath(QStringLiteral("blobs")))
{
    QDir().mkpath(m_blobDir);
}

QString StagingStore::blobPath(const QString &blobKey) const { return QDir(m_blobDir).filePath(blobKey); }

QString StagingStore::newBlobKey() { return QUuid::createUuid().toString(QUuid::WithoutBraces); }

bool StagingStore::isValidBlobKey(const QString &key)
{
    static const QRegularExpression pattern(QStringLiteral("^[A-Za-z0-9-]{1,64}$"));
    return pattern.match(key).hasMatch();
}

qint64 StagingStore::nowMs() { return QDateTime::currentMSecsSinceEpoch(); }

std::optional<ApiReply> StagingStore::prepareBatch(const QString &workspace, const QString &batchId,
                                                   const QString &displayName, IngestMode mode,
                                                   const QString &contentType)
{
    QMutexLocker lock(&m_mutex);
    auto it = m_batches.find(key(workspace, batchId));
    if (it == m_batches.end()) {
        BatchRecord batch;
        batch.workspace = workspace;
        batch.batchId = batchId;
        batch.displayName = displayName.isEmpty() ? batchId : displayName;
        batch.mode = mode;
        batch.contentType = contentType;
        batch.createdMs = nowMs();
        m_batches.insert(key(workspace, batchId), batch);
        m_dirty = true;
        return std::nullopt;
    }
    if (it->mode != mode) {
        const QString how = it->mode == IngestMode::Bulk ? QStringLiteral("bulk ingests (tar shards or references)")
            : it->mode == IngestMode::Simple ? QStringLiteral("simple uploads (single images or videos)")
                                             : QStringLiteral("the system (job outputs)");
        return ApiReply::error(409, QStringLiteral("Batch '%1' is a %2 filled by %3; it cannot also receive %4. "
                                                   "Use another batch id.")
                                        .arg(batchId, it->batchType(), how,
                                             mode == IngestMode::Bulk ? QStringLiteral("bulk ingests")
                                                                      : QStringLiteral("simple uploads")));
    }
    if (it->contentType != contentType && !contentType.isEmpty()) {
        it->contentType = QStringLiteral("mixed");
        m_dirty = true;
    }
    return std::nullopt;
}

void StagingStore::addFileLocked(BatchRecord &batch, FileRecord file)
{
    if (file.urlName.isEmpty()) {
        // Every second file gets a UUID basename in its download URL (as production often does).
        const QString suffix = QFileInfo(file.fileName).suffix();
        file.urlName = (m_fileSerial++ % 2 == 1)
            ? QUuid::createUuid().toString(QUuid::WithoutBraces) + (suffix.isEmpty() ? QString() : QLatin1Char('.') + suffix)
            : file.fileName;
    }
    const auto same = std::find_if(batch.files.begin(), batch.files.end(), [&](const FileRecord &f) {
        return f.fileName == file.fileName && f.partName == file.partName;
    });
    if (same != batch.files.end()) {
        if (same->blobKey != file.blobKey)
            QFile::remove(blobPath(same->blobKey));
        *same = file;
    } else {
        batch.files.append(file);
    }
    m_dirty = true;
}

void StagingStore::addFile(const QString &workspace, const QString &batchId, FileRecord file)
{
    QMutexLocker lock(&m_mutex);
    auto it = m_batches.find(key(workspace, batchId));
    if (it != m_batches.end())
        addFileLocked(*it, std::move(file));
}

void StagingStore::addShard(const QString &workspace, const QString &batchId, const ShardRecord &shard)
{
    QMutexLocker lock(&m_mutex);
    auto it = m_batches.find(key(workspace, batchId));
    if (it == m_batches.end())
        return;
    it->shards.append(shard);
    m_dirty = true;
}

void StagingStore::updateShard(const QString &workspace, const QString &batchId, const QString &shardId,
                               const std::function<void(ShardRecord &)> &change)
{
    QMutexLocker lock(&m_mutex);
    auto it = m_batches.find(key(workspace, batchId));
    if (it == m_batches.end())
        return;
    for (ShardRecord &shard : it->shards) {
        if (shard.shardId == shardId) {
            change(shard);
            m_dirty = true;
        }
    }
}

std::optional<BatchRecord> StagingStore::batch(const QString &workspace, const QString &batchId) const
{
    QMutexLocker lock(&m_mutex);
    auto it = m_batches.find(key(workspace, batchId));
    if (it == m_batches.end())
        return std::nullopt;
    return *it;
}

QVector<BatchRecord> StagingStore::batches(const QString &workspace) const
{
    QMutexLocker lock(&m_mutex);
    QVector<BatchRecord> out;
    for (const BatchRecord &b : m_batches)
        if (b.workspace == workspace)
            out.append(b);
    std::stable_sort(out.begin(), out.end(), [](const BatchRecord &a, const BatchRecord &b) {
        return a.createdMs < b.createdMs;
    });
    return out;
}

std::optional<IngestRecord> StagingStore::ingest(const QString &workspace, const QString &ingestId) const
{
    QMutexLocker lock(&m_mutex);
    auto it = m_ingests.find(key(workspace, ingestId));
    if (it == m_ingests.end())
        return std::nullopt;
    return *it;
}

void StagingStore::addIngest(const IngestRecord &ingest)
{
    QMutexLocker lock(&m_mutex);
    m_ingests.insert(key(ingest.workspace, ingest.ingestId), ingest);
    m_dirty = true;
}

QString StagingStore::registerUpload(PendingUpload upload)
{
    QMutexLocker lock(&m_mutex);
    upload.uploadId = QUuid::createUuid().toString(QUuid::Id128);
    m_uploads.insert(upload.uploadId, upload);
    m_dirty = true;
    return upload.uploadId;
}

std::optional<PendingUpload> StagingStore::upload(const QString &uploadId) const
{
    QMutexLocker lock(&m_mutex);
    auto it = m_uploads.find(uploadId);
    if (it == m_uploads.end())
        return std::nullopt;
    return *it;
}

void StagingStore::consumeUpload(const QString &uploadId)
{
    QMutexLocker lock(&m_mutex);
    m_uploads.remove(uploadId);
    m_dirty = true;
}

std::optional<QVector<StoredFile>> StagingStore::batchFiles(const QString &workspace, const QString &batchId,
                                                            const QString &partName)
{
    QMutexLocker lock(&m_mutex);
    auto it = m_batches.find(key(workspace, batchId));
    if (it == m_batches.end())
        return std::nullopt;
    const qint64 now = nowMs();
    QVector<StoredFile> out;
    for (const FileRecord &f : it->files) {
        if (f.indexedAtMs > now || (!partName.isEmpty() && f.partName != partName))
            continue;
        out.append(StoredFile{ f.fileName, f.partName, f.shardId, f.contentType, blobPath(f.blobKey), f.size });
    }
    return out;
}

void StagingStore::createMultipartBatch(const QString &workspace, const QString &batchId, const QString &displayName,
                                        const QVector<OutputPart> &parts)
{
    BatchRecord batch;
    batch.workspace = workspace;
    batch.batchId = batchId;
    batch.displayName = displayName.isEmpty() ? batchId : displayName;
    batch.mode = IngestMode::System;
    batch.createdMs = nowMs();
    QStringList contentTypes;
    QVector<FileRecord> files;
    for (const OutputPart &part : parts) {
        batch.parts.append({ part.partName, part.partType, part.contentType, part.nestedContentType, part.description });
        contentTypes << part.contentType;
        for (const OutputFile &out : part.files) {
            FileRecord f;
            f.fileName = out.fileName;
            f.partName = part.partName;
            f.contentType = out.contentType;
            f.blobKey = newBlobKey();
            f.size = out.data.size();
            f.indexedAtMs = batch.createdMs;
            QFile file(blobPath(f.blobKey));   // job outputs are small: written in one go
            if (file.open(QIODevice::WriteOnly))
                file.write(out.data);
            files.append(f);
        }
    }
    contentTypes.removeDuplicates();
    batch.contentType = contentTypes.size() == 1 ? contentTypes.first() : QStringLiteral("mixed");

    QMutexLocker lock(&m_mutex);
    const auto old = m_batches.find(key(workspace, batchId));
    if (old != m_batches.end()) {
        for (const FileRecord &f : old->files)
            QFile::remove(blobPath(f.blobKey));
        batch.createdMs = old->createdMs;
    }
    auto &stored = m_batches[key(workspace, batchId)] = batch;
    for (FileRecord &f : files)
        addFileLocked(stored, std::move(f));
    m_dirty = true;
}

QJsonObject StagingStore::save() const
{
    QMutexLocker lock(&m_mutex);
    QJsonArray batchArray, ingestArray, uploadArray;
    for (const BatchRecord &b : m_batches)
        batchArray.append(b.toJson());
    for (const IngestRecord &i : m_ingests)
        ingestArray.append(i.toJson());
    for (const PendingUpload &u : m_uploads)
        uploadArray.append(u.toJson());
    return { { "batches", batchArray }, { "ingests", ingestArray }, { "uploads", uploadArray },
             { "fileSerial", m_fileSerial } };
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

bool StagingStore::takeDirty()
{
    QMutexLocker lock(&m_mutex);
    return std::exchange(m_dirty, false);
}

}  // namespace bd::sandbox
