#pragma once
// The entry point to the Roboflow Batch Processing / Data Staging API (spec §1–§5, §9).
//
// Usage (asynchronous; the GUI and every Operation):
//
//     auto *api = new bd::api::ApiClient(bd::api::ApiConfig::fromEnvironment(), this);
//     auto *call = api->listBatches();            // starts on the next event-loop pass
//     call->setMaxPages(0);                        // optional: follow every nextPageToken
//     connect(call, &bd::api::ApiCall::finished, this, [call] {
//         if (call->error())                       // bd::Error, ErrorKind::None on success
//             qWarning() << call->error().fullText();
//         else
//             for (const bd::api::Batch &b : call->result())
//                 qDebug() << b.batchId << b.expiryDate;
//     });                                          // the call deletes itself afterwards
//
// Blocking (the CLI and tests; never in the GUI thread): every call is a bd::Operation, so
// exec() waits for it in a local event loop and switches auto-delete off:
//
//     bd::api::ApiClient api(bd::api::ApiConfig::fromEnvironment());
//     std::unique_ptr<bd::api::GetJobCall> job(api.getJob("job-abc"));
//     if (!job->exec())
//         return fail(job->error());
//     print(job->result().name);
//
// (Without the unique_ptr the call stays a child of the ApiClient until it is destroyed; delete
// it yourself in long polling loops.)
//
// The client lives in one thread (it owns a QNetworkAccessManager). Workspace-dependent calls
// resolve the workspace (W1) on first use and share one in-flight resolution; the slug is cached
// until setConfig() changes the base URL or key. Every call retries transient failures itself
// (config().retry) and emits rateLimited() when the server asks to slow down.
#include "api/ApiCall.h"
#include "api/ApiConfig.h"
#include "api/ApiModels.h"
#include "api/AssetLibraryRequests.h"
#include "api/JobRequests.h"
#include "api/NetworkGate.h"
#include "api/SignedTransfer.h"
#include "api/StagingRequests.h"

#include <QNetworkAccessManager>
#include <QObject>
#include <QPointer>
#include <QUrl>

#include <functional>
#include <memory>
#include <utility>
#include <vector>

class QIODevice;
class QNetworkReply;

namespace bd::api {

class CurlGetPool;

class ApiClient : public QObject {
    Q_OBJECT
public:
    explicit ApiClient(const ApiConfig &config = ApiConfig::fromEnvironment(), QObject *parent = nullptr);
    ~ApiClient() override;

    // Replace the configuration; forgets the cached workspace if the base URL or key changed.
    // Calls already running keep their settings. The key is registered with bd::registerSecret.
    void setConfig(const ApiConfig &config);
    const ApiConfig &config() const { return m_config; }

    // The cached workspace slug (empty until resolved). setWorkspace() presets it (skips W1).
    QString workspace() const { return m_workspace; }
    void setWorkspace(const QString &workspace);

    QNetworkAccessManager *networkAccessManager() const { return m_nam; }
    // Sends one API call (ApiCall) through the call pool: over HTTP/1.1 more than 6 at a time.
    QNetworkReply *sendCall(const std::function<QNetworkReply *(QNetworkAccessManager *)> &send)
    {
        return sendThrough(m_callPool, send);
    }
    // The connection's one concurrency / 429 policy (NetworkGate.h): queues ask it for slots; it
    // holds on every rateLimited() of this client.
    NetworkGate *networkGate() const { return m_gate; }

    // base URL + path + "?api_key=…&" + query, every query value percent-encoded (so `+ / =`
    // survive). `path` must already be percent-encoded. withKey=false leaves the key out (the
    // call then sends it as "Authorization: Bearer").
    QUrl apiUrl(const QString &encodedPath, const QueryItems &query = {}, bool withKey = true) const;

    // ---- W1 ----
    ResolveWorkspaceCall *resolveWorkspace();

    // ---- Data Staging (D1–D12) ----
    ListBatchesCall *listBatches(int pageSize = 0, const QString &pageToken = {});
    GetBatchCall *getBatch(const QString &batchId);
    BatchCountCall *batchCount(const QString &batchId, const QString &partName = {});
    ListPartsCall *listParts(const QString &batchId);
    ListBatchFilesCall *listBatchFiles(const QString &batchId, const QString &partName = {},
                                       int pageSize = 0, const QString &pageToken = {});
    ListShardsCall *listShards(const QString &batchId, int pageSize = 0, const QString &pageToken = {});
    // D7. fileName defaults to the basename of filePath; displayName to the batch id.
    UploadImageCall *uploadImage(const QString &batchId, const QString &filePath,
                                 const QString &fileName = {}, const QString &displayName = {});
    // D8 / D9: signed upload URLs; then putSigned().
    SignedUploadCall *requestVideoUpload(const QString &batchId, const QString &fileName,
                                         const QString &displayName = {});
    SignedUploadCall *requestShardUpload(const QString &batchId, const QString &displayName = {});
    // D10 / D11: body as ReferencesIngest::toJson() builds it.
    IngestReferencesCall *ingestImageReferences(const QString &batchId, const QString &displayName,
                                                const QJsonObject &body);
    IngestReferencesCall *ingestVideoReferences(const QString &batchId, const QString &displayName,
                                                const QJsonObject &body);
    // D12.
    RoboqlIngestCall *roboqlIngest(const QString &batchId, const QJsonObject &body);

    // ---- Batch Processing (B1–B8) ----
    ListJobsCall *listJobs(int pageSize = 10, const QString &pageToken = {});
    GetJobCall *getJob(const QString &jobId);
    CreateJobCall *createJob(const QString &jobId, const QString &name, const QJsonObject &definition);
    ListStagesCall *listStages(const QString &jobId);
    ListTasksCall *listTasks(const QString &jobId, const QString &stageId, const QString &pageToken = {});
    JobActionCall *abortJob(const QString &jobId);
    // Empty overrides: no body at all.
    JobActionCall *restartJob(const QString &jobId, const QJsonObject &overrides = {});
    JobLogsCall *jobLogs(const QString &jobId, std::optional<LogSeverity> severity = std::nullopt,
                         const QString &pageToken = {});

    // ---- Asset Library jobs (A1, A2; Bearer authentication) ----
    CreateAssetLibraryJobCall *createAssetLibraryJob(const QJsonObject &body);
    AssetLibraryCountCall *assetLibraryCount(const QString &query = {});

    // ---- Signed-URL transfers (S1 / S2); no API key is added; the caller owns the reply ----
    // S1, the one signed PUT: `size` bytes of `body` (open, readable, kept alive until the reply
    // finishes; a sequential device is fine) streamed as the socket drains, never read whole into
    // memory; every extension header verbatim, an exact Content-Length and no Content-Type (the
    // signature covers exactly those headers). No timeout (spec §5.1); the caller retries with a
    // fresh URL (staging::SignedPutOperation).
    QNetworkReply *putSigned(const SignedUpload &upload, QIODevice *body, qint64 size);
    // S1 on the client's transfer thread (SignedTransfer.h): the body is read there, not on this
    // thread; uploads use it (SignedPutOperation). Started by SignedTransfer::start().
    SignedTransfer *newSignedTransfer();
    // GET a download URL; rangeStart > 0 adds "Range: bytes=N-". Transfer timeout = config timeout.
    QNetworkReply *getSigned(const QUrl &url, qint64 rangeStart = 0);
    // S2 through libcurl (CurlSignedGet.h): the pool DownloadOperation runs its blocking GETs on,
    // made on first use; nullptr when BATCHDECK_SIGNED_GET=qt (then getSigned() above). Its GETs
    // are stopped and waited for when this client is destroyed.
    CurlGetPool *signedGetPool();

Q_SIGNALS:
    // A call was told to slow down (429 or Retry-After) and waits waitMs before retrying. Queues
    // may pause their own new requests for as long. Emitted by reportRateLimited() only.
    void rateLimited(int waitMs);
    // W1 succeeded.
    void workspaceResolved(const QString &workspace);

private:
    friend class ApiCall;
    // An ApiCall of this client was told to slow down: emits rateLimited(waitMs).
    void reportRateLimited(int waitMs);
    // Run `done` once the workspace is known (immediately if cached), with W1's error if any.
    void whenWorkspaceReady(QObject *context, std::function<void(const Error &)> done);

    ApiConfig m_config;
    QString m_workspace;
    QNetworkAccessManager *m_nam = nullptr;
    // Qt 6.4 opens at most 6 HTTP/1.1 connections per host and QNAM (HTTP/2 hosts multiplex) and
    // reads every socket of a QNAM on one thread. A pool spreads requests over managers of its
    // own: a new one once each has perManager running, at most maxManagers.
    struct ManagerPool {
        int perManager = 4;
        int maxManagers = 4;
        struct Entry { QNetworkAccessManager *nam; int running; };
        std::vector<Entry> managers;
    };
    QNetworkReply *sendThrough(ManagerPool &pool, const std::function<QNetworkReply *(QNetworkAccessManager *)> &send);
    ManagerPool m_signedPool;                  // putSigned, S2 GET: 8 downloads ran 6 at a time
    TransferThread *m_transferThread = nullptr;   // newSignedTransfer's, made on first use
    const bool m_curlGets;                         // BATCHDECK_SIGNED_GET=qt: false
    std::unique_ptr<CurlGetPool> m_getPool;        // signedGetPool()'s, made on first use
    ManagerPool m_callPool{ 4, 3, {} };        // API calls (ApiCall): a D8/D9 prefetch per running upload
    NetworkGate *m_gate = nullptr;
    QPointer<ResolveWorkspaceCall> m_pendingResolve;
    QList<QPair<QPointer<QObject>, std::function<void(const Error &)>>> m_workspaceWaiters;
};

// "k=v&k2=v2" with every key and value percent-encoded (`+ / = & space` included).
QString encodeQuery(const QueryItems &items);

}  // namespace bd::api
