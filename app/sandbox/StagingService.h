#pragma once
// The data-staging service: routes D1-D12 (§4) over the StagingStore. Transport-agnostic like
// JobService: the API host hands it the segments after /data-staging/v1/external/{ws}/ and writes
// the reply. Route classification and dispatch live in StagingService.cpp, the read routes in
// StagingQueries.cpp, the ingest routes in StagingIngest.cpp, and the background reference /
// RoboQL work in ReferenceIngest.cpp.
#include "sandbox/SandboxContext.h"
#include "sandbox/StagingModel.h"

#include <QJsonArray>
#include <QUrl>

#include <functional>

namespace bd::sandbox {

class AssetLibrary;
class StagingStore;
class TaskRunner;
class UrlSigner;
class WebhookDispatcher;

struct StagingEnv {
    StagingStore *store = nullptr;
    const UrlSigner *signer = nullptr;
    std::function<QUrl()> storageBase;
    std::function<qint64()> ttlSeconds;
    WebhookDispatcher *webhooks = nullptr;
    TaskRunner *worker = nullptr;          // reference fetches run here, off the request threads
    const AssetLibrary *assets = nullptr;
    int indexDelayMs = 1000;
    std::function<void()> changed;         // background work changed the store (persist it)
};

struct FormPart {
    QString field;
    QString fileName;
    QByteArray data;
};

// Which route id (D1..D12) a data-staging request is, or empty when none matches.
QString stagingRouteId(const QString &method, const QStringList &path);
bool isValidBatchId(const QString &batchId);

class StagingService
{
public:
    explicit StagingService(StagingEnv env);

    ApiReply handle(const ApiRequest &request, const QVector<FormPart> &form = {});

    // The signed GET URL of a stored file (D5 downloadURL).
    QString downloadUrl(const FileRecord &file) const;

private:
    // D1-D6
    ApiReply listBatches(const ApiRequest &request);
    ApiReply batchMetadata(const ApiRequest &request, const QString &batchId);
    ApiReply count(const ApiRequest &request, const QString &batchId);
    ApiReply parts(const ApiRequest &request, const QString &batchId);
    ApiReply listContent(const ApiRequest &request, const QString &batchId);
    ApiReply shards(const ApiRequest &request, const QString &batchId);
    // D7-D12
    ApiReply uploadImage(const ApiRequest &request, const QString &batchId, const QVector<FormPart> &form);
    ApiReply signedUpload(const ApiRequest &request, const QString &batchId, const QString &kind);
    ApiReply referencesIngest(const ApiRequest &request, const QString &batchId, bool videos);
    ApiReply roboqlIngest(const ApiRequest &request, const QString &batchId);

    // Background part of D10/D11: fetch one chunk of references into a shard.
    struct ReferenceJob {
        QString workspace, batchId, shardId, ingestId, notificationsURL;
        QStringList categories;
        bool videos = false;
        QJsonArray references;
        std::shared_ptr<int> shardsLeft;
    };
    void runReferenceJob(const ReferenceJob &job);
    // Fetch a JSONL references file (only from loopback hosts); nullopt with *error otherwise.
    std::optional<QJsonArray> fetchReferenceList(const QString &url, QString *errorType, QString *error) const;

    StagingEnv m_env;
};

}  // namespace bd::sandbox
