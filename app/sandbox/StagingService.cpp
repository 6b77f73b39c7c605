// The data-staging service's entry: which route (D1-D12) a request is, and its dispatch to the
// read routes (StagingQueries.cpp) and ingest routes (StagingIngest.cpp).
#include "sandbox/StagingService.h"

#include "sandbox/UrlSigner.h"

#include <QMap>
#include <QRegularExpression>

namespace bd::sandbox {

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

StagingService::StagingService(StagingEnv env) : m_env(std::move(env)) {}

ApiReply StagingService::handle(const ApiRequest &request, const QVector<FormPart> &form)
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

QString StagingService::downloadUrl(const FileRecord &file) const
{
    return m_env.signer->url(m_env.storageBase(), QStringLiteral("get"), file.blobKey + QLatin1Char('/') + file.urlName,
                             m_env.ttlSeconds());
}

}  // namespace bd::sandbox
