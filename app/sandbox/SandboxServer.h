#pragma once
// The sandbox's insides: the API host (an httplib::Server for W1, D1-D12 and B1-B8 with auth,
// fault injection and request counting), the storage host, the data-staging store, the job
// simulator, the webhook dispatcher and the --data-dir state file.
#include "sandbox/ApiGate.h"
#include "sandbox/Sandbox.h"

#include <QFile>
#include <QTemporaryDir>
#include <QUrl>

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>

namespace httplib { class Server; struct Request; struct Response; }

namespace bd::sandbox {

class AssetLibrary;
class AssetLibraryJobs;
class FaultPlan;
class JobService;
class RouteCounter;
class StagingService;
class StagingStore;
class StorageHost;
class TaskRunner;
class UrlSigner;
class WebhookDispatcher;
struct ApiReply;

class SandboxServer
{
public:
    explicit SandboxServer(SandboxOptions options);
    ~SandboxServer();

    bool start(QString *error);
    void stop();
    bool isRunning() const { return m_running; }

    QUrl apiUrl() const { return m_apiUrl; }
    QUrl storageUrl() const;
    const SandboxOptions &options() const { return m_options; }
    void setFaultPlan(const QJsonObject &plan);
    int requestCount(const QString &routeId) const;
    QVector<LoggedRequest> requestLog() const;
    void setSignedUrlTtlSeconds(qint64 seconds) { m_ttlSeconds = seconds; }
    int seedLargeBatch(const QString &batchId, int files);

private:
    struct Admission {
        int status = 0;   // 0: admitted, else the refusal's status
        QString message;
        AuthScheme scheme = AuthScheme::None;
    };
    Admission authenticate(const httplib::Request &request, const RouteTarget &target) const;
    // Before the body: refuses (false, response written) what must not be read at all.
    bool admit(const httplib::Request &request, httplib::Response &response);
    void dispatch(const httplib::Request &request, httplib::Response &response);
    ApiReply route(const httplib::Request &request, const RouteTarget &target);
    QString statePath() const;
    QString changeLogPath() const;
    bool loadState(bool *resumed, QString *error);
    // Full snapshot (state.json, atomically) and a fresh change log after it.
    void saveState();
    // Appends the store's buffered change lines to state.log (a snapshot instead when the job
    // simulator's state changed too). Never waits for a snapshot being written: the lines then
    // stay buffered for the next call (every request and every tick make one).
    void saveIfDirty();
    void tick();

    SandboxOptions m_options;
    std::unique_ptr<QTemporaryDir> m_tempDir;
    QString m_root;
    std::atomic<qint64> m_ttlSeconds;
    std::unique_ptr<UrlSigner> m_signer;
    std::unique_ptr<FaultPlan> m_faults;
    std::unique_ptr<RouteCounter> m_counter;
    std::unique_ptr<StagingStore> m_store;
    std::unique_ptr<WebhookDispatcher> m_webhooks;
    std::unique_ptr<TaskRunner> m_worker;
    std::unique_ptr<TaskRunner> m_ticker;
    std::unique_ptr<AssetLibrary> m_assets;
    std::unique_ptr<StagingService> m_staging;
    std::unique_ptr<JobService> m_jobs;
    std::unique_ptr<AssetLibraryJobs> m_assetJobs;
    std::unique_ptr<RequestLog> m_requestLog;
    std::unique_ptr<StorageHost> m_storage;
    std::unique_ptr<httplib::Server> m_api;
    std::thread m_apiThread;
    QUrl m_apiUrl;
    std::mutex m_saveMutex;    // guards the files below
    QFile m_changeLog;         // state.log, open for appending
    int m_logGeneration = 0;   // the snapshot the change log continues
    qint64 m_changeLogBytes = 0;
    qint64 m_snapshotBytes = 0;
    std::atomic<bool> m_compactWanted{ false };
    std::atomic<bool> m_running{ false };
};

}  // namespace bd::sandbox
