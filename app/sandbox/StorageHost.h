#pragma once
// The storage host: the sandbox's stand-in for cloud storage, serving only signed URLs.
//   PUT /signed/put/<uploadId>?expires=&signature=   (S1) streams the body to disk, then stores a
//       video or unpacks an image shard; every extension header handed out must come back.
//   GET /signed/get/<blobKey>/<name>?expires=&signature=   (S2) streams a file from disk, with
//       Range support (206 + Content-Range, done by cpp-httplib over our content provider).
// Errors are GCS-like XML bodies with 403 (bad signature, expired, missing header) or 404.
#include <QString>
#include <QUrl>

#include <functional>
#include <memory>
#include <thread>

namespace httplib { class Server; struct Request; struct Response; class ContentReader; }

namespace bd::sandbox {

// Worker threads of each sandbox HTTP server (API and storage host). httplib's default is 8, and a
// kept-alive connection holds its worker until it closes: a client with more connections than
// workers (an adaptive download queue at 16, spread over several managers) waited seconds for a
// worker while real storage serves thousands at once. The threads mostly sleep (delay rules).
constexpr int kSandboxServerThreads = 64;

class FaultPlan;
class RouteCounter;
class StagingStore;
class UrlSigner;
class WebhookDispatcher;

class StorageHost
{
public:
    StorageHost(StagingStore *store, const UrlSigner *signer, FaultPlan *faults, RouteCounter *counter,
                WebhookDispatcher *webhooks, int indexDelayMs, QString incomingDir);
    ~StorageHost();

    bool listen(const QString &host, quint16 port, QString *error);
    void stop();
    QUrl url() const { return m_url; }
    std::function<void()> changed;   // called after an upload changed the store

private:
    void handlePut(const httplib::Request &request, httplib::Response &response, const httplib::ContentReader &reader);
    void handleGet(const httplib::Request &request, httplib::Response &response);
    // Signature and expiry; false after writing the 403.
    bool checkSignature(const QString &op, const QString &token, const httplib::Request &request,
                        httplib::Response &response, bool forceExpired);
    void storeVideo(const QString &uploadId, const QString &tempPath);
    void storeShard(const QString &uploadId, const QString &tempPath);

    StagingStore *m_store;
    const UrlSigner *m_signer;
    FaultPlan *m_faults;
    RouteCounter *m_counter;
    WebhookDispatcher *m_webhooks;
    int m_indexDelayMs;
    QString m_incomingDir;
    std::unique_ptr<httplib::Server> m_server;
    std::thread m_thread;
    QUrl m_url;
};

}  // namespace bd::sandbox
