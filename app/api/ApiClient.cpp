#include "api/ApiClient.h"

#include "api/CurlSignedGet.h"
#include "core/Redact.h"

#include <QFileInfo>
#include <QIODevice>
#include <QNetworkReply>

namespace bd::api {

QString encodeQuery(const QueryItems &items)
{
    // Every key and value percent-encoded by us: QUrlQuery would leave '+' bare and servers read
    // a bare '+' as a space, breaking opaque page tokens (spec §2.3).
    QStringList parts;
    for (const auto &item : items)
        parts << QString::fromLatin1(QUrl::toPercentEncoding(item.first)) + QLatin1Char('=') +
                     QString::fromLatin1(QUrl::toPercentEncoding(item.second));
    return parts.join(QLatin1Char('&'));
}

ApiClient::ApiClient(const ApiConfig &config, QObject *parent)
    : QObject(parent)
    , m_nam(new QNetworkAccessManager(this))
    , m_curlGets(qEnvironmentVariable("BATCHDECK_SIGNED_GET") != QLatin1String("qt"))
    , m_gate(new NetworkGate(this))
{
    connect(this, &ApiClient::rateLimited, m_gate, &NetworkGate::holdFor);
    setConfig(config);
}

ApiClient::~ApiClient()
{
    // Stop the transfer thread while this client is whole: a body waiting for its bodyLeaving
    // handler on this thread is served while the thread winds down (TransferThread).
    delete m_transferThread;
    m_getPool.reset();   // stops the GETs still running and waits for them
}

void ApiClient::setConfig(const ApiConfig &config)
{
    if (config.baseUrl != m_config.baseUrl || config.apiKey != m_config.apiKey)
        m_workspace.clear();
    m_config = config;
    registerSecret(config.apiKey);
}

void ApiClient::setWorkspace(const QString &workspace)
{
    const bool changed = workspace != m_workspace;
    m_workspace = workspace;
    if (changed && !workspace.isEmpty())
        Q_EMIT workspaceResolved(workspace);
}

QUrl ApiClient::apiUrl(const QString &encodedPath, const QueryItems &query, bool withKey) const
{
    QString base = m_config.baseUrl.toString(QUrl::FullyEncoded | QUrl::RemoveQuery | QUrl::RemoveFragment);
    if (base.endsWith(QLatin1Char('/')))
        base.chop(1);
    QUrl url(base + encodedPath, QUrl::StrictMode);
    if (url.path().isEmpty())
        url.setPath(QStringLiteral("/"));  // W1 on a host-only base: "https://host/?api_key=..."
    QueryItems all;
    if (withKey)
        all.append({QStringLiteral("api_key"), m_config.apiKey});
    all.append(query);
    if (!all.isEmpty())
        url.setQuery(encodeQuery(all), QUrl::StrictMode);
    return url;
}

void ApiClient::reportRateLimited(int waitMs)
{
    Q_EMIT rateLimited(waitMs);
}

void ApiClient::whenWorkspaceReady(QObject *context, std::function<void(const Error &)> done)
{
    if (!m_workspace.isEmpty()) {
        done({});
        return;
    }
    m_workspaceWaiters.append({QPointer<QObject>(context), std::move(done)});
    if (m_pendingResolve)
        return;  // one W1 serves every waiting call
    ResolveWorkspaceCall *call = resolveWorkspace();
    m_pendingResolve = call;
    connect(call, &ApiCall::finished, this, [this, call] {
        const Error error = call->error();
        m_pendingResolve = nullptr;
        const auto waiters = std::exchange(m_workspaceWaiters, {});
        for (const auto &waiter : waiters)
            if (waiter.first)
                waiter.second(error);
    });
}

ResolveWorkspaceCall *ApiClient::resolveWorkspace()
{
    return new ResolveWorkspaceCall(this);
}

// ---- Data Staging ----

ListBatchesCall *ApiClient::listBatches(int pageSize, const QString &pageToken)
{
    return new ListBatchesCall(this, pageSize, pageToken);
}

GetBatchCall *ApiClient::getBatch(const QString &batchId)
{
    return new GetBatchCall(this, batchId);
}

CreateAssetLibraryJobCall *ApiClient::createAssetLibraryJob(const QJsonObject &body)
{
    return new CreateAssetLibraryJobCall(this, body);
}

AssetLibraryCountCall *ApiClient::assetLibraryCount(const QString &query)
{
    return new AssetLibraryCountCall(this, query);
}

BatchCountCall *ApiClient::batchCount(const QString &batchId, const QString &partName)
{
    return new BatchCountCall(this, batchId, partName);
}

ListPartsCall *ApiClient::listParts(const QString &batchId)
{
    return new ListPartsCall(this, batchId);
}

ListBatchFilesCall *ApiClient::listBatchFiles(const QString &batchId, const QString &partName, int pageSize,
                                              const QString &pageToken)
{
    return new ListBatchFilesCall(this, batchId, partName, pageSize, pageToken);
}

ListShardsCall *ApiClient::listShards(const QString &batchId, int pageSize, const QString &pageToken)
{
    return new ListShardsCall(this, batchId, pageSize, pageToken);
}

UploadImageCall *ApiClient::uploadImage(const QString &batchId, const QString &filePath, const QString &fileName,
                                        const QString &displayName)
{
    return new UploadImageCall(this, batchId, filePath,
                               fileName.isEmpty() ? QFileInfo(filePath).fileName() : fileName,
                               displayName.isEmpty() ? batchId : displayName);
}

SignedUploadCall *ApiClient::requestVideoUpload(const QString &batchId, const QString &fileName,
                                                const QString &displayName)
{
    return new SignedUploadCall(this, SignedUploadCall::Kind::Video, batchId, fileName,
                                displayName.isEmpty() ? batchId : displayName);
}

SignedUploadCall *ApiClient::requestShardUpload(const QString &batchId, const QString &displayName)
{
    return new SignedUploadCall(this, SignedUploadCall::Kind::ImageShard, batchId, {},
                                displayName.isEmpty() ? batchId : displayName);
}

IngestReferencesCall *ApiClient::ingestImageReferences(const QString &batchId, const QString &displayName,
                                                       const QJsonObject &body)
{
    return new IngestReferencesCall(this, IngestReferencesCall::Kind::Images, batchId,
                                    displayName.isEmpty() ? batchId : displayName, body);
}

IngestReferencesCall *ApiClient::ingestVideoReferences(const QString &batchId, const QString &displayName,
                                                       const QJsonObject &body)
{
    return new IngestReferencesCall(this, IngestReferencesCall::Kind::Videos, batchId,
                                    displayName.isEmpty() ? batchId : displayName, body);
}

RoboqlIngestCall *ApiClient::roboqlIngest(const QString &batchId, const QJsonObject &body)
{
    return new RoboqlIngestCall(this, batchId, body);
}

// ---- Batch Processing ----

ListJobsCall *ApiClient::listJobs(int pageSize, const QString &pageToken)
{
    return new ListJobsCall(this, pageSize, pageToken);
}

GetJobCall *ApiClient::getJob(const QString &jobId)
{
    return new GetJobCall(this, jobId);
}

CreateJobCall *ApiClient::createJob(const QString &jobId, const QString &name, const QJsonObject &definition)
{
    return new CreateJobCall(this, jobId, name, definition);
}

ListStagesCall *ApiClient::listStages(const QString &jobId)
{
    return new ListStagesCall(this, jobId);
}

ListTasksCall *ApiClient::listTasks(const QString &jobId, const QString &stageId, const QString &pageToken)
{
    return new ListTasksCall(this, jobId, stageId, pageToken);
}

JobActionCall *ApiClient::abortJob(const QString &jobId)
{
    return new JobActionCall(this, JobActionCall::Action::Abort, jobId);
}

JobActionCall *ApiClient::restartJob(const QString &jobId, const QJsonObject &overrides)
{
    return new JobActionCall(this, JobActionCall::Action::Restart, jobId, overrides);
}

JobLogsCall *ApiClient::jobLogs(const QString &jobId, std::optional<LogSeverity> severity, const QString &pageToken)
{
    return new JobLogsCall(this, jobId, severity, pageToken);
}

// ---- Signed URLs ----

QNetworkReply *ApiClient::putSigned(const SignedUpload &upload, QIODevice *body, qint64 size)
{
    const QNetworkRequest request = signedPutRequest(upload, size);
    return sendThrough(m_signedPool, [&](QNetworkAccessManager *nam) { return nam->sendCustomRequest(request, "PUT", body); });
}

SignedTransfer *ApiClient::newSignedTransfer()
{
    if (!m_transferThread)
        m_transferThread = new TransferThread(this);
    return m_transferThread->newTransfer();
}

QNetworkReply *ApiClient::getSigned(const QUrl &url, qint64 rangeStart)
{
    QNetworkRequest request(url);
    request.setTransferTimeout(m_config.timeoutSeconds * 1000);
    if (rangeStart > 0)
        request.setRawHeader("Range", "bytes=" + QByteArray::number(rangeStart) + '-');
    return sendThrough(m_signedPool, [&](QNetworkAccessManager *nam) { return nam->get(request); });
}

CurlGetPool *ApiClient::signedGetPool()
{
    if (!m_curlGets)
        return nullptr;
    if (!m_getPool)
        m_getPool = std::make_unique<CurlGetPool>();
    return m_getPool.get();
}

QNetworkReply *ApiClient::sendThrough(ManagerPool &pool, const std::function<QNetworkReply *(QNetworkAccessManager *)> &send)
{
    ManagerPool::Entry *least = nullptr;
    for (ManagerPool::Entry &m : pool.managers)
        if (!least || m.running < least->running)
            least = &m;
    if (!least || (least->running >= pool.perManager && int(pool.managers.size()) < pool.maxManagers)) {
        // The API calls' first manager is m_nam (tests and proxies configure that one).
        QNetworkAccessManager *nam = &pool == &m_callPool && pool.managers.empty() ? m_nam : new QNetworkAccessManager(this);
        pool.managers.push_back({ nam, 0 });
        least = &pool.managers.back();
    }
    QNetworkReply *reply = send(least->nam);
    if (!reply)
        return nullptr;
    ++least->running;
    QPointer<QNetworkAccessManager> nam(least->nam);
    connect(reply, &QObject::destroyed, this, [&pool, nam] {
        for (ManagerPool::Entry &m : pool.managers)
            if (m.nam == nam)
                --m.running;
    });
    return reply;
}

}  // namespace bd::api
