// D7-D12: the data-staging routes that create batches and ingest content.
#include "sandbox/StagingService.h"

#include "sandbox/AssetLibrary.h"
#include "sandbox/MediaSniffer.h"
#include "sandbox/StagingStore.h"
#include "sandbox/TaskRunner.h"
#include "sandbox/UrlSigner.h"
#include "sandbox/WebhookDispatcher.h"

#include <QFile>
#include <QJsonDocument>
#include <QUuid>

namespace bd::sandbox {

namespace {
constexpr int kReferencesPerShard = 500;   // [INFERRED] one shard per 500 references (the tar limit)

QString newId() { return QUuid::createUuid().toString(QUuid::Id128); }   // 32 hex characters

QString displayNameOf(const ApiRequest &request, const QString &batchId)
{
    const QString name = request.query.value(QStringLiteral("displayName"));
    return name.isEmpty() ? batchId : name;
}

std::optional<QJsonObject> jsonBody(const ApiRequest &request, ApiReply *error)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(request.body, &parseError);
    if (!doc.isObject()) {
        *error = ApiReply::error(400, QStringLiteral("The body must be a JSON object (%1)").arg(parseError.errorString()));
        return std::nullopt;
    }
    return doc.object();
}
}  // namespace

ApiReply StagingService::uploadImage(const ApiRequest &request, const QString &batchId, const QVector<FormPart> &form)
{
    if (form.isEmpty())
        return ApiReply::error(400, QStringLiteral("Expected a multipart/form-data body with one file part"));
    const FormPart *part = &form.first();
    for (const FormPart &p : form)
        if (p.field == QLatin1String("file"))
            part = &p;
    QString fileName = request.query.value(QStringLiteral("fileName"));
    if (fileName.isEmpty())
        fileName = part->fileName;
    if (fileName.isEmpty() || fileName.contains(QLatin1Char('/')))
        return ApiReply::error(400, QStringLiteral("Query parameter fileName (a plain file name) is required"));
    if (part->data.size() > kMaxImageBytes)
        return ApiReply::error(413, QStringLiteral("file-size-limit-exceeded: %1 B is over the %2 B limit")
                                        .arg(part->data.size()).arg(kMaxImageBytes));
    const QString type = sniffImageType(part->data.left(16));
    if (type.isEmpty())
        return ApiReply::error(400, QStringLiteral("unsupported-file-type: '%1' is not an image").arg(fileName));
    if (auto conflict = m_env.store->prepareBatch(request.workspace, batchId, displayNameOf(request, batchId),
                                                  IngestMode::Simple, QStringLiteral("images")))
        return *conflict;
    FileRecord file;
    file.fileName = fileName;
    file.contentType = type;
    file.blobKey = StagingStore::newBlobKey();
    file.size = part->data.size();
    file.indexedAtMs = StagingStore::nowMs();   // [INFERRED] single uploads are indexed at once
    QFile out(m_env.store->blobPath(file.blobKey));
    if (!out.open(QIODevice::WriteOnly) || out.write(part->data) != part->data.size())
        return ApiReply::error(500, QStringLiteral("The sandbox could not store the image: %1").arg(out.errorString()));
    out.close();
    m_env.store->addFile(request.workspace, batchId, file);
    return ApiReply::json({ { "status", "ok" }, { "fileName", fileName } });
}

ApiReply StagingService::signedUpload(const ApiRequest &request, const QString &batchId, const QString &kind)
{
    const bool video = kind == QLatin1String("video");
    const QString fileName = request.query.value(QStringLiteral("fileName"));
    if (video && (fileName.isEmpty() || fileName.contains(QLatin1Char('/'))))
        return ApiReply::error(400, QStringLiteral("Query parameter fileName (a plain file name) is required"));
    if (auto conflict = m_env.store->prepareBatch(request.workspace, batchId, displayNameOf(request, batchId),
                                                  video ? IngestMode::Simple : IngestMode::Bulk,
                                                  video ? QStringLiteral("videos") : QStringLiteral("images")))
        return *conflict;
    const QString uploadId = m_env.store->registerUpload({ {}, request.workspace, batchId, kind, fileName });
    const QString url = m_env.signer->url(m_env.storageBase(), QStringLiteral("put"), uploadId, m_env.ttlSeconds());
    const QJsonObject headers{ { "X-Goog-Content-Length-Range", "0,5368709120" }, { "x-goog-meta-ingest", uploadId } };
    return ApiReply::json({ { "status", "ok" },
                            { "signedURLDetails", QJsonObject{ { "uploadURL", url }, { "extensionHeaders", headers } } } });
}

ApiReply StagingService::referencesIngest(const ApiRequest &request, const QString &batchId, bool videos)
{
    ApiReply bad;
    const auto body = jsonBody(request, &bad);
    if (!body)
        return bad;
    const QString listKey = videos ? QStringLiteral("videoReferences") : QStringLiteral("imageReferences");
    const QString urlKey = listKey + QStringLiteral("URL");
    if (body->contains(listKey) == body->contains(urlKey))
        return ApiReply::error(400, QStringLiteral("Give exactly one of %1 and %2").arg(listKey, urlKey));
    if (body->contains(listKey) && !body->value(listKey).isArray())
        return ApiReply::error(400, QStringLiteral("%1 must be an array").arg(listKey));

    QString ingestId = body->value(QStringLiteral("ingestId")).toString();
    if (!ingestId.isEmpty()) {
        if (const auto earlier = m_env.store->ingest(request.workspace, ingestId)) {
            if (earlier->batchId != batchId)
                return ApiReply::error(409, QStringLiteral("ingestId '%1' was already used for batch '%2'").arg(ingestId, earlier->batchId));
            QJsonObject reply{ { "ingestId", ingestId }, { "duplicated", true } };
            if (!videos)
                reply.insert(QStringLiteral("shardIds"), QJsonArray::fromStringList(earlier->shardIds));
            return ApiReply::json(reply);
        }
    } else {
        ingestId = newId();
    }
    if (auto conflict = m_env.store->prepareBatch(request.workspace, batchId, displayNameOf(request, batchId),
                                                  IngestMode::Bulk, videos ? QStringLiteral("videos") : QStringLiteral("images")))
        return *conflict;

    ReferenceJob base;
    base.workspace = request.workspace;
    base.batchId = batchId;
    base.ingestId = ingestId;
    base.videos = videos;
    base.notificationsURL = body->value(QStringLiteral("notificationsURL")).toString();
    for (const QJsonValue &c : body->value(QStringLiteral("notificationCategories")).toArray())
        base.categories << c.toString();
    if (base.categories.isEmpty())
        base.categories << QStringLiteral("ingest-status");

    QJsonArray references = body->value(listKey).toArray();
    QString listErrorType, listError;
    if (body->contains(urlKey)) {
        const auto fetched = fetchReferenceList(body->value(urlKey).toString(), &listErrorType, &listError);
        if (fetched)
            references = *fetched;
    }

    QStringList shardIds;
    QVector<ReferenceJob> jobs;
    const qint64 now = StagingStore::nowMs();
    if (!listError.isEmpty()) {
        // The references file itself was refused: one failed shard tells the story (D6 + webhook).
        ShardRecord shard{ newId(), ingestId, now, now, true, 0,
                           QJsonObject{ { "error", QJsonObject{ { "type", listErrorType }, { "reason", listError } } } } };
        m_env.store->addShard(request.workspace, batchId, shard);
        shardIds << shard.shardId;
        if (base.categories.contains(QStringLiteral("ingest-status")))
            m_env.webhooks->post(base.notificationsURL,
                                 WebhookDispatcher::ingestStatus(ingestId, batchId, QString(), false, listErrorType, listError));
    } else {
        auto left = std::make_shared<int>(int((references.size() + kReferencesPerShard - 1) / kReferencesPerShard));
        for (qsizetype i = 0; i < references.size(); i += kReferencesPerShard) {
            ReferenceJob job = base;
            job.shardId = newId();
            job.shardsLeft = left;
            for (qsizetype j = i; j < qMin(references.size(), i + kReferencesPerShard); ++j)
                job.references.append(references.at(j));
            m_env.store->addShard(request.workspace, batchId, ShardRecord{ job.shardId, ingestId, now, -1, false, 0, {} });
            shardIds << job.shardId;
            jobs.append(job);
        }
    }
    m_env.store->addIngest({ request.workspace, ingestId, batchId, shardIds });
    for (const ReferenceJob &job : jobs)
        m_env.worker->post([this, job] { runReferenceJob(job); });

    QJsonObject reply{ { "ingestId", ingestId }, { "duplicated", false } };
    if (!videos)
        reply.insert(QStringLiteral("shardIds"), QJsonArray::fromStringList(shardIds));
    return ApiReply::json(reply);
}

ApiReply StagingService::roboqlIngest(const ApiRequest &request, const QString &batchId)
{
    ApiReply bad;
    const auto body = jsonBody(request, &bad);
    if (!body)
        return bad;
    QString error;
    const auto selected = m_env.assets->select(body->value(QStringLiteral("query")).toString(), &error);
    if (!selected)
        return ApiReply::error(400, error);
    QString ingestId = body->value(QStringLiteral("ingestId")).toString();
    if (!ingestId.isEmpty()) {
        if (const auto earlier = m_env.store->ingest(request.workspace, ingestId))
            return ApiReply::json({ { "status", "ok" }, { "ingestId", ingestId }, { "duplicated", true },
                                    { "shardIds", QJsonArray::fromStringList(earlier->shardIds) } });
    } else {
        ingestId = newId();
    }
    QString displayName = body->value(QStringLiteral("displayName")).toString();   // D12: in the body
    if (auto conflict = m_env.store->prepareBatch(request.workspace, batchId, displayName.isEmpty() ? batchId : displayName,
                                                  IngestMode::Bulk, QStringLiteral("images")))
        return *conflict;
    // Built "asynchronously": the files exist now but count only once indexing is over.
    const qint64 now = StagingStore::nowMs();
    const qint64 done = now + m_env.indexDelayMs;
    QStringList shardIds;
    for (qsizetype i = 0; i < selected->size(); i += kReferencesPerShard) {
        ShardRecord shard{ newId(), ingestId, now, done, false, 0, QJsonObject{ { "source", "roboql" } } };
        for (qsizetype j = i; j < qMin(selected->size(), i + kReferencesPerShard); ++j) {
            const Asset &asset = selected->at(j);
            const QByteArray bytes = m_env.assets->bytes(asset);
            FileRecord file{ asset.fileName, {}, shard.shardId, QStringLiteral("image/jpeg"), StagingStore::newBlobKey(),
                             {}, bytes.size(), done };
            QFile out(m_env.store->blobPath(file.blobKey));
            if (out.open(QIODevice::WriteOnly))
                out.write(bytes);
            m_env.store->addFile(request.workspace, batchId, file);
            ++shard.objectsCount;
        }
        m_env.store->addShard(request.workspace, batchId, shard);
        shardIds << shard.shardId;
    }
    m_env.store->addIngest({ request.workspace, ingestId, batchId, shardIds });
    const QString url = body->value(QStringLiteral("notificationsURL")).toString();
    if (!url.isEmpty())   // one webhook at the end, as the CLI says
        m_env.webhooks->postLater(url, WebhookDispatcher::ingestStatus(ingestId, batchId, QString(), true), m_env.indexDelayMs);
    return ApiReply::json({ { "status", "ok" }, { "ingestId", ingestId }, { "duplicated", false },
                            { "shardIds", QJsonArray::fromStringList(shardIds) }, { "selectedImages", int(selected->size()) } });
}

}  // namespace bd::sandbox
