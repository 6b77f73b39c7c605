#include "sandbox/AssetLibraryJobs.h"

#include "sandbox/AssetLibrary.h"
#include "sandbox/JobService.h"
#include "sandbox/StagingStore.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QRegularExpression>

namespace bd::sandbox {

namespace {
constexpr int kMaxImageIds = 100000;

// The B3 settings an Asset Library job may carry, copied into the job definition.
const char *const kJobKeys[] = { "processingTimeoutSeconds", "maxParallelTasks", "maxImageFailureRate",
                                 "notificationsURL", "inferenceBackend" };
const char *const kProcessingKeys[] = { "workflowParameters", "imageInputName", "persistImagesOutputs",
                                        "imagesOutputsToBePersisted", "aggregationFormat" };

QString newJobId()
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    QString id = QStringLiteral("al-");
    for (int i = 0; i < 16; ++i)
        id += QLatin1Char(alphabet[QRandomGenerator::global()->bounded(36)]);
    return id;   // 19 characters: a valid job id (B3's [a-z0-9_-]{1,20})
}
}  // namespace

ApiReply nestedError(int status, const QString &message)
{
    return ApiReply::json(QJsonObject{ { QStringLiteral("error"), QJsonObject{ { QStringLiteral("message"), message } } } },
                          status);
}

AssetLibraryJobs::AssetLibraryJobs(StagingStore *store, const AssetLibrary *assets, JobService *jobs)
    : m_store(store), m_assets(assets), m_jobs(jobs)
{
}

ApiReply AssetLibraryJobs::handle(const ApiRequest &request)
{
    if (request.path.value(1) == QLatin1String("count"))
        return count(request);
    return create(request);
}

ApiReply AssetLibraryJobs::count(const ApiRequest &request) const
{
    const QString query = request.query.value(QStringLiteral("query")).trimmed();
    if (query.isEmpty())
        return ApiReply::json({ { "status", "ok" }, { "count", int(m_assets->assets().size()) } });
    QString error;
    const auto selected = m_assets->select(query, &error);
    if (!selected)
        return nestedError(400, error);
    return ApiReply::json({ { "status", "ok" }, { "count", int(selected->size()) } });
}

ApiReply AssetLibraryJobs::create(const ApiRequest &request)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(request.body, &parseError);
    if (!doc.isObject())
        return nestedError(400, QStringLiteral("The request body must be a JSON object"));
    const QJsonObject body = doc.object();
    static const QRegularExpression keyPattern(QStringLiteral("^[A-Za-z0-9._:-]{8,128}$"));
    const QString key = body.value(QStringLiteral("idempotencyKey")).toString();
    if (!keyPattern.match(key).hasMatch())
        return nestedError(400, QStringLiteral("idempotencyKey is required: 8 to 128 characters of A-Z a-z 0-9 . _ : -"));
    const QString workflowId = body.value(QStringLiteral("workflowId")).toString();
    if (workflowId.trimmed().isEmpty())
        return nestedError(400, QStringLiteral("workflowId is required"));
    const bool byIds = body.contains(QStringLiteral("imageIds"));
    const bool byQuery = body.contains(QStringLiteral("query"));
    const bool all = body.value(QStringLiteral("allImages")).toBool(false);
    if (int(byIds) + int(byQuery) + int(all) != 1)
        return nestedError(400, QStringLiteral("Select the images with exactly one of imageIds, query or allImages: true"));

    QMutexLocker lock(&m_mutex);   // one key, one job, even for concurrent requests
    const QByteArray canonical = QJsonDocument(body).toJson(QJsonDocument::Compact);
    const QString mapKey = request.workspace + QLatin1Char('/') + key;
    if (const auto it = m_byKey.constFind(mapKey); it != m_byKey.constEnd()) {
        if (it->request != canonical)
            return nestedError(409, QStringLiteral("idempotencyKey '%1' was already used for a different request "
                                                   "(job %2); use a new key for a new job").arg(key, it->jobId));
        return ApiReply::json({ { "status", "queued" }, { "jobId", it->jobId } }, 202);
    }

    QVector<Asset> selected;
    if (byIds) {
        const QJsonValue idsValue = body.value(QStringLiteral("imageIds"));
        const QJsonArray ids = idsValue.toArray();
        if (!idsValue.isArray() || ids.isEmpty() || ids.size() > kMaxImageIds)
            return nestedError(400, QStringLiteral("imageIds must be a list of 1 to %1 image ids").arg(kMaxImageIds));
        QStringList unknown;
        for (const QJsonValue &v : ids) {
            const Asset *asset = v.isString() ? m_assets->find(v.toString()) : nullptr;
            if (!asset)
                unknown << (v.isString() ? v.toString() : QStringLiteral("(not a string)"));
            else if (!std::any_of(selected.cbegin(), selected.cend(), [&](const Asset &a) { return a.id == asset->id; }))
                selected.append(*asset);
        }
        if (!unknown.isEmpty())
            return nestedError(404, QStringLiteral("%1 image id(s) not in the Asset Library: %2%3")
                                        .arg(unknown.size())
                                        .arg(unknown.mid(0, 5).join(QStringLiteral(", ")),
                                             unknown.size() > 5 ? QStringLiteral(", …") : QString()));
    } else if (byQuery) {
        QString error;
        const auto result = m_assets->select(body.value(QStringLiteral("query")).toString(), &error);
        if (!result)
            return nestedError(400, error);
        selected = *result;
    } else {
        selected = m_assets->assets();
    }
    if (selected.isEmpty())
        return nestedError(400, QStringLiteral("The selection has no images"));

    // The platform stages the selection itself: a bulk batch, indexed at once.
    const QString jobId = newJobId();
    const QString batchId = jobId + QStringLiteral("-input");
    if (auto conflict = m_store->prepareBatch(request.workspace, batchId,
                                              QStringLiteral("Asset Library selection of %1").arg(jobId),
                                              IngestMode::Bulk, QStringLiteral("images")))
        return *conflict;
    const qint64 now = StagingStore::nowMs();
    ShardRecord shard{ StagingStore::newBlobKey(), jobId, now, now, false, 0,
                       QJsonObject{ { QStringLiteral("source"), QStringLiteral("asset-library") } } };
    for (const Asset &asset : selected) {
        const QByteArray bytes = m_assets->bytes(asset);
        FileRecord file{ asset.fileName, {}, shard.shardId, QStringLiteral("image/jpeg"), StagingStore::newBlobKey(),
                         {}, bytes.size(), now };
        QFile out(m_store->blobPath(file.blobKey));
        if (!out.open(QIODevice::WriteOnly) || out.write(bytes) != bytes.size())
            return nestedError(500, QStringLiteral("The sandbox could not stage the selection: %1").arg(out.errorString()));
        m_store->addFile(request.workspace, batchId, file);
        ++shard.objectsCount;
    }
    m_store->addShard(request.workspace, batchId, shard);

    QJsonObject compute = body.value(QStringLiteral("computeConfiguration")).toObject();
    compute.insert(QStringLiteral("type"), QStringLiteral("compute-configuration-v2"));
    QJsonObject processing{ { QStringLiteral("type"), QStringLiteral("workflows-processing-specification-v1") },
                            { QStringLiteral("workspace"), request.workspace },
                            { QStringLiteral("workflowId"), workflowId } };
    for (const char *k : kProcessingKeys)
        if (body.contains(QLatin1String(k)))
            processing.insert(QLatin1String(k), body.value(QLatin1String(k)));
    QJsonObject definition{ { QStringLiteral("type"), QStringLiteral("simple-image-processing-v1") },
                            { QStringLiteral("jobInput"), QJsonObject{ { QStringLiteral("type"), QStringLiteral("staging-batch-input-v1") },
                                                                       { QStringLiteral("batchId"), batchId } } },
                            { QStringLiteral("computeConfiguration"), compute },
                            { QStringLiteral("processingSpecification"), processing } };
    for (const char *k : kJobKeys)
        if (body.contains(QLatin1String(k)))
            definition.insert(QLatin1String(k), body.value(QLatin1String(k)));
    ApiRequest b3;
    b3.method = QStringLiteral("POST");
    b3.workspace = request.workspace;
    b3.path = QStringList{ QStringLiteral("jobs"), jobId };
    const QString name = body.value(QStringLiteral("jobName")).toString();
    if (!name.isEmpty())
        b3.query.insert(QStringLiteral("name"), name);
    b3.body = QJsonDocument(definition).toJson(QJsonDocument::Compact);
    const ApiReply created = m_jobs->handle(b3);
    if (created.status / 100 != 2) {
        const QString message = QJsonDocument::fromJson(created.body).object().value(QStringLiteral("error")).toString();
        return nestedError(created.status, message.isEmpty() ? QStringLiteral("The job could not be created") : message);
    }
    m_byKey.insert(mapKey, Created{ canonical, jobId });
    return ApiReply::json({ { "status", "queued" }, { "jobId", jobId } }, 202);
}

QJsonObject AssetLibraryJobs::save() const
{
    QMutexLocker lock(&m_mutex);
    QJsonObject keys;
    for (auto it = m_byKey.cbegin(); it != m_byKey.cend(); ++it)
        keys.insert(it.key(), QJsonObject{ { QStringLiteral("request"), QString::fromUtf8(it->request) },
                                           { QStringLiteral("jobId"), it->jobId } });
    return QJsonObject{ { QStringLiteral("idempotencyKeys"), keys } };
}

void AssetLibraryJobs::load(const QJsonObject &state)
{
    QMutexLocker lock(&m_mutex);
    m_byKey.clear();
    const QJsonObject keys = state.value(QStringLiteral("idempotencyKeys")).toObject();
    for (auto it = keys.constBegin(); it != keys.constEnd(); ++it) {
        const QJsonObject o = it.value().toObject();
        m_byKey.insert(it.key(), Created{ o.value(QStringLiteral("request")).toString().toUtf8(),
                                          o.value(QStringLiteral("jobId")).toString() });
    }
}

}  // namespace bd::sandbox
