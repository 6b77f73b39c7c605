// D1-D6: the read-only data-staging routes, plus route classification.
#include "sandbox/StagingApi.h"

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

bool isValidBatchId(const QString &batchId)
{
    static const QRegularExpression pattern(QStringLiteral("^[a-z0-9_-]{1,64}$"));
    return pattern.match(batchId).hasMatch();
}

QString stagingRouteId(const QString &method, const QStringList &p)
{
    const bool get = method == QLatin1String("GET");
    const bool post = method == QLatin1String("POST");
    if (p.isEmpty() || p.first() != QLatin1String("batches"))
        return {};
    if (p.size() == 1)
        return get ? QStringLiteral("D1") : QString();
    if (p.size() == 2)
        return get ? QStringLiteral("D2") : QString();
    const QString tail = p.mid(2).join(QLatin1Char('/'));
    static const QMap<QString, QPair<QString, QString>> routes{
        { QStringLiteral("count"), { QStringLiteral("GET"), QStringLiteral("D3") } },
        { QStringLiteral("parts"), { QStringLiteral("GET"), QStringLiteral("D4") } },
        { QStringLiteral("list"), { QStringLiteral("GET"), QStringLiteral("D5") } },
        { QStringLiteral("shards"), { QStringLiteral("GET"), QStringLiteral("D6") } },
        { QStringLiteral("upload/image"), { QStringLiteral("POST"), QStringLiteral("D7") } },
        { QStringLiteral("upload/video"), { QStringLiteral("POST"), QStringLiteral("D8") } },
        { QStringLiteral("bulk-upload/image-files"), { QStringLiteral("POST"), QStringLiteral("D9") } },
        { QStringLiteral("bulk-upload/image-references"), { QStringLiteral("POST"), QStringLiteral("D10") } },
        { QStringLiteral("bulk-upload/video-references"), { QStringLiteral("POST"), QStringLiteral("D11") } },
        { QStringLiteral("roboql-ingest"), { QStringLiteral("POST"), QStringLiteral("D12") } },
    };
    const auto it = routes.find(tail);
    if (it == routes.end() || (it->first == QLatin1String("GET") ? !get : !post))
        return {};
    return it->second;
}

StagingApi::StagingApi(StagingEnv env) : m_env(std::move(env)) {}

ApiReply StagingApi::handle(const ApiRequest &request, const QVector<FormPart> &form)
{
    const QString route = stagingRouteId(request.method, request.path);
    if (route.isEmpty())
        return ApiReply::error(404, QStringLiteral("No data-staging route %1 /%2").arg(request.method, request.path.join(QLatin1Char('/'))));
    if (route == QLatin1String("D1"))
        return listBatches(request);
    const QString batchId = request.path.at(1);
    if (!isValidBatchId(batchId))
        return ApiReply::error(400, QStringLiteral("Invalid batch id '%1': use 1-64 characters of a-z, 0-9, '-' and '_'").arg(batchId));
    if (route == QLatin1String("D2")) return batchMetadata(request, batchId);
    if (route == QLatin1String("D3")) return count(request, batchId);
    if (route == QLatin1String("D4")) return parts(request, batchId);
    if (route == QLatin1String("D5")) return listContent(request, batchId);
    if (route == QLatin1String("D6")) return shards(request, batchId);
    if (route == QLatin1String("D7")) return uploadImage(request, batchId, form);
    if (route == QLatin1String("D8")) return signedUpload(request, batchId, QStringLiteral("video"));
    if (route == QLatin1String("D9")) return signedUpload(request, batchId, QStringLiteral("shard"));
    if (route == QLatin1String("D10")) return referencesIngest(request, batchId, false);
    if (route == QLatin1String("D11")) return referencesIngest(request, batchId, true);
    return roboqlIngest(request, batchId);
}

QString StagingApi::downloadUrl(const FileRecord &file) const
{
    return m_env.signer->url(m_env.storageBase(), QStringLiteral("get"), file.blobKey + QLatin1Char('/') + file.urlName,
                             m_env.ttlSeconds());
}

ApiReply StagingApi::listBatches(const ApiRequest &request)
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

ApiReply StagingApi::batchMetadata(const ApiRequest &request, const QString &batchId)
{
    const auto batch = m_env.store->batch(request.workspace, batchId);
    if (!batch)
        return notFound(batchId);
    return ApiReply::json({ { "batch", batch->metadataJson() } });
}

ApiReply StagingApi::count(const ApiRequest &request, const QString &batchId)
{
    const QString part = request.query.value(QStringLiteral("partName"));
    const auto indexed = m_env.store->indexedCount(request.workspace, batchId, part);
    if (!indexed)
        return notFound(batchId);
    return ApiReply::json({ { "count", double(*indexed) } });
}

ApiReply StagingApi::parts(const ApiRequest &request, const QString &batchId)
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

ApiReply StagingApi::listContent(const ApiRequest &request, const QString &batchId)
{
    const auto batch = m_env.store->batch(request.workspace, batchId);
    if (!batch)
        return notFound(batchId);
    const QString part = request.query.value(QStringLiteral("partName"));
    const qint64 now = StagingStore::nowMs();
    QVector<FileRecord> files;
    for (const FileRecord &f : batch->files)
        if (f.indexedAtMs <= now && (part.isEmpty() || f.partName == part))
            files.append(f);
    QString error;
    const auto window = pageWindow(request.query, int(files.size()), &error);
    if (!window)
        return ApiReply::error(400, error);
    const PartRecord *partInfo = nullptr;
    for (const PartRecord &p : batch->parts)
        if (p.partName == part)
            partInfo = &p;
    QJsonArray list;
    for (int i = window->begin; i < window->end; ++i) {
        const FileRecord &f = files.at(i);
        QJsonObject o{ { "downloadURL", downloadUrl(f) }, { "fileName", f.fileName }, { "contentType", f.contentType } };
        if (!f.partName.isEmpty())
            o.insert(QStringLiteral("partName"), f.partName);
        if (!f.shardId.isEmpty())
            o.insert(QStringLiteral("shardId"), f.shardId);
        if (partInfo && !partInfo->nestedContentType.isEmpty())
            o.insert(QStringLiteral("nestedContentType"), partInfo->nestedContentType);
        list.append(o);
    }
    return ApiReply::json({ { "filesMetadata", list }, { "nextPageToken", window->nextPageToken } });
}

ApiReply StagingApi::shards(const ApiRequest &request, const QString &batchId)
{
    const auto batch = m_env.store->batch(request.workspace, batchId);
    if (!batch)
        return notFound(batchId);
    QString error;
    const auto window = pageWindow(request.query, int(batch->shards.size()), &error);
    if (!window)
        return ApiReply::error(400, error);
    const qint64 now = StagingStore::nowMs();
    QJsonArray list;
    for (int i = window->begin; i < window->end; ++i) {
        const ShardRecord &s = batch->shards.at(i);
        const ShardRecord::Status status = s.statusAt(now);
        QJsonObject metadata = s.metadata;
        if (!s.ingestId.isEmpty())
            metadata.insert(QStringLiteral("ingestId"), s.ingestId);
        list.append(QJsonObject{ { "shardId", s.shardId }, { "statusName", status.name }, { "statusType", status.type },
                                 { "eventTimestamp", isoTime(status.eventMs) },
                                 { "shardObjectsCount", s.completeMs >= 0 ? s.objectsCount : 0 },
                                 { "statusMetadata", metadata } });
    }
    return ApiReply::json({ { "shards", list }, { "nextPageToken", window->nextPageToken } });
}

}  // namespace bd::sandbox
