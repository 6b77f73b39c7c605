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
        logChange("batch", batchHeaderJson(batch));
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
        logChange("batch", batchHeaderJson(*it));
    }
    return std::nullopt;
}

void StagingStore::addFileLocked(BatchRecord &batch, FileRecord file, bool log)
{
    if (file.urlName.isEmpty()) {
        // Every second file gets a UUID basename in its download URL (as production often does).
        const QString suffix = QFileInfo(file.fileName).suffix();
        file.urlName = (m_fileSerial++ % 2 == 1)
            ? QUuid::createUuid().toString(QUuid::WithoutBraces) + (suffix.isEmpty() ? QString() : QLatin1Char('.') + suffix)
            : file.fileName;
    }
    const QString slot = BatchRecord::slotKey(file.partName, file.fileName);
    const auto same = batch.fileSlots.constFind(slot);
    if (same != batch.fileSlots.cend()) {
        FileRecord &old = batch.files[*same];
        if (old.blobKey != file.blobKey)
            QFile::remove(blobPath(old.blobKey));
        old = file;
    } else {
        batch.fileSlots.insert(slot, batch.files.size());
        batch.files.append(file);
    }
    if (log)
        logChange("file", { { "workspace", batch.workspace }, { "batchId", batch.batchId },
                            { "serial", m_fileSerial }, { "file", file.toJson() } });
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
    logChange("shard", { { "workspace", workspace }, { "batchId", batchId }, { "shard", shard.toJson() } });
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
            logChange("shard", { { "workspace", workspace }, { "batchId", batchId }, { "shard", shard.toJson() } });
        }
    }
}

namespace {
// A batch without its files and shards. Copying those (even implicitly shared) would make the
// next write to the batch copy all of them while the reader still holds its copy.
BatchRecord headerOf(const BatchRecord &b)
{
    BatchRecord h;
    h.workspace = b.workspace;
    h.batchId = b.batchId;
    h.displayName = b.displayName;
    h.mode = b.mode;
    h.contentType = b.contentType;
    h.createdMs = b.createdMs;
    h.parts = b.parts;
    return h;
}

// How many non-matching records one page may step over, beyond its own size.
qint64 scanBudget(int limit) { return qMax<qint64>(4096, qint64(limit) * 4); }
}  // namespace

std::optional<BatchRecord> StagingStore::batch(const QString &workspace, const QString &batchId) const
{
    QMutexLocker lock(&m_mutex);
    auto it = m_batches.find(key(workspace, batchId));
    if (it == m_batches.end())
        return std::nullopt;
    return headerOf(*it);
}

std::optional<StagingStore::FilesPage> StagingStore::filesPage(const QString &workspace, const QString &batchId,
                                                               const QString &partName, qint64 from, int limit) const
{
    QMutexLocker lock(&m_mutex);
    auto it = m_batches.find(key(workspace, batchId));
    if (it == m_batches.end())
        return std::nullopt;
    FilesPage page;
    for (const PartRecord &p : it->parts)
        if (p.partName == partName)
            page.nestedContentType = p.nestedContentType;
    const qint64 now = nowMs();
    const auto matches = [&](const FileRecord &f) {
        return f.indexedAtMs <= now && (partName.isEmpty() || f.partName == partName);
    };
    const qint64 total = it->files.size();
    qint64 budget = scanBudget(limit);
    qint64 i = qBound<qint64>(0, from, total);
    for (; i < total && page.files.size() < limit && budget > 0; ++i) {
        const FileRecord &f = it->files.at(i);
        if (matches(f))
            page.files.append(f);
        else
            --budget;
    }
    // Where the next page starts: the next match, the end (no more pages), or as far as the
    // budget let this page look.
    while (i < total && budget > 0 && !matches(it->files.at(i))) {
        ++i;
        --budget;
    }
    page.next = i < total ? i : -1;
    return page;
}

std::optional<StagingStore::ShardsPage> StagingStore::shardsPage(const QString &workspace, const QString &batchId,
                                                                 qint64 from, int limit) const
{
    QMutexLocker lock(&m_mutex);
    auto it = m_batches.find(key(workspace, batchId));
    if (it == m_batches.end())
        return std::nullopt;
    ShardsPage page;
    const qint64 total = it->shards.size();
    const qint64 begin = qBound<qint64>(0, from, total);
    const qint64 end = qMin(total, begin + limit);
    page.shards.reserve(end - begin);
    for (qint64 i = begin; i < end; ++i)
        page.shards.append(it->shards.at(i));
    page.next = end < total ? end : -1;
    return page;
}

QVector<BatchRecord> StagingStore::batches(const QString &workspace) const
{
    QMutexLocker lock(&m_mutex);
    QVector<BatchRecord> out;
    for (const BatchRecord &b : m_batches)
        if (b.workspace == workspace)
            out.append(headerOf(b));
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
    logChange("ingest", { { "ingest", ingest.toJson() } });
}

QString StagingStore::registerUpload(PendingUpload upload)
{
    QMutexLocker lock(&m_mutex);
    upload.uploadId = QUuid::createUuid().toString(QUuid::Id128);
    m_uploads.insert(upload.uploadId, upload);
    logChange("upload", { { "upload", upload.toJson() } });
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
    logChange("upload-done", { { "uploadId", uploadId } });
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

std::optional<qint64> StagingStore::indexedCount(const QString &workspace, const QString &batchId,
                                                 const QString &partName) const
{
    QMutexLocker lock(&m_mutex);
    auto it = m_batches.find(key(workspace, batchId));
    if (it == m_batches.end())
        return std::nullopt;
    const qint64 now = nowMs();
    qint64 n = 0;
    for (const FileRecord &f : it->files)
        n += f.indexedAtMs <= now && (partName.isEmpty() || f.partName == partName) ? 1 : 0;
    return n;
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
    stored.indexFiles();
    for (FileRecord &f : files)
        addFileLocked(stored, std::move(f), false);
    logChange("batch-full", { { "batch", stored.toJson() } });
    m_snapshotWanted = true;   // the job that made these outputs changed too (JobService state)
}

}  // namespace bd::sandbox
