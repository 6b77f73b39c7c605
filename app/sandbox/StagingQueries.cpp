// D1-D6: the read-only data-staging routes, plus route classification.
#include "sandbox/StagingService.h"

#include "sandbox/PageToken.h"
#include "sandbox/StagingStore.h"
#include "sandbox/UrlSigner.h"

#include <QRegularExpression>

namespace bd::sandbox {

namespace {
ApiReply notFound(const QString &batchId)
{
    return ApiReply::error(404, QStringLiteral("Batch '%1' not found in this workspace").arg(batchId));
}
}

ApiReply StagingService::listBatches(const ApiRequest &request)
{
    const QVector<BatchRecord> all = m_env.store->batches(request.workspace);
    QString error;
    const auto window = pageWindow(request.query, int(all.size()), &error);
    if (!window)
        return ApiReply::error(400, error);
    QJsonArray batches;
    for (int i = window->begin; i < window->end; ++i)
        batches.append(all.at(i).metadataJson());
    return ApiReply::json({ { "batches", batches }, { "nextPageToken", window->nextPageToken } });
}

ApiReply StagingService::batchMetadata(const ApiRequest &request, const QString &batchId)
{
    const auto batch = m_env.store->batch(request.workspace, batchId);
    if (!batch)
        return notFound(batchId);
    return ApiReply::json({ { "batch", batch->metadataJson() } });
}

ApiReply StagingService::count(const ApiRequest &request, const QString &batchId)
{
    const QString part = request.query.value(QStringLiteral("partName"));
    const auto indexed = m_env.store->indexedCount(request.workspace, batchId, part);
    if (!indexed)
        return notFound(batchId);
    return ApiReply::json({ { "count", double(*indexed) } });
}

ApiReply StagingService::parts(const ApiRequest &request, const QString &batchId)
{
    const auto batch = m_env.store->batch(request.workspace, batchId);
    if (!batch)
        return notFound(batchId);
    if (batch->mode != IngestMode::System)
        return ApiReply::error(400, QStringLiteral("Batch '%1' is a %2, not a multipart-batch").arg(batchId, batch->batchType()));
    QJsonArray parts;
    for (const PartRecord &p : batch->parts)
        parts.append(p.toJson());
    return ApiReply::json({ { "batchParts", parts } });
}

ApiReply StagingService::listContent(const ApiRequest &request, const QString &batchId)
{
    QString error;
    const auto size = pageSize(request.query, &error);
    const auto from = size ? pageKey(request.query, &error) : std::nullopt;
    if (!size || !from)
        return ApiReply::error(400, error);
    const auto page = m_env.store->filesPage(request.workspace, batchId, request.query.value(QStringLiteral("partName")),
                                             *from, *size);
    if (!page)
        return notFound(batchId);
    QJsonArray list;
    for (const FileRecord &f : page->files) {
        QJsonObject o{ { "downloadURL", downloadUrl(f) }, { "fileName", f.fileName }, { "contentType", f.contentType } };
        if (!f.partName.isEmpty())
            o.insert(QStringLiteral("partName"), f.partName);
        if (!f.shardId.isEmpty())
            o.insert(QStringLiteral("shardId"), f.shardId);
        // Not in D5's published fields; the client shows it when a deployment sends it (Files view).
        o.insert(QStringLiteral("size"), f.size);
        if (!page->nestedContentType.isEmpty())
            o.insert(QStringLiteral("nestedContentType"), page->nestedContentType);
        list.append(o);
    }
    const QJsonValue next = page->next >= 0 ? QJsonValue(encodePageKey(page->next)) : QJsonValue(QJsonValue::Null);
    return ApiReply::json({ { "filesMetadata", list }, { "nextPageToken", next } });
}

ApiReply StagingService::shards(const ApiRequest &request, const QString &batchId)
{
    QString error;
    const auto size = pageSize(request.query, &error);
    const auto from = size ? pageKey(request.query, &error) : std::nullopt;
    if (!size || !from)
        return ApiReply::error(400, error);
    const auto page = m_env.store->shardsPage(request.workspace, batchId, *from, *size);
    if (!page)
        return notFound(batchId);
    const qint64 now = StagingStore::nowMs();
    QJsonArray list;
    for (const ShardRecord &s : page->shards) {
        const ShardRecord::Status status = s.statusAt(now);
        QJsonObject metadata = s.metadata;
        if (!s.ingestId.isEmpty())
            metadata.insert(QStringLiteral("ingestId"), s.ingestId);
        list.append(QJsonObject{ { "shardId", s.shardId }, { "statusName", status.name }, { "statusType", status.type },
                                 { "eventTimestamp", isoTime(status.eventMs) },
                                 { "shardObjectsCount", s.completeMs >= 0 ? s.objectsCount : 0 },
                                 { "statusMetadata", metadata } });
    }
    const QJsonValue next = page->next >= 0 ? QJsonValue(encodePageKey(page->next)) : QJsonValue(QJsonValue::Null);
    return ApiReply::json({ { "shards", list }, { "nextPageToken", next } });
}

}  // namespace bd::sandbox
