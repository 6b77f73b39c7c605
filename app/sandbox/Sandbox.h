#pragma once
// The embeddable emulator of the Roboflow Batch API: an API host and a separate storage host for
// signed URLs, both real HTTP servers on loopback (cpp-httplib, on their own threads). Used by
// `batchdeck-sandbox`, by `batchdeck --sandbox` (offline demo) and by every integration test.
#include "sandbox/ApiGate.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <memory>

namespace bd::sandbox {

struct SandboxOptions {
    QString host = QStringLiteral("127.0.0.1");
    quint16 port = 0;          // 0: any free port
    quint16 storagePort = 0;   // 0: any free port
    QStringList apiKeys{ QStringLiteral("sandbox-key") };  // others get 401
    QString workspace = QStringLiteral("sandbox-ws");
    QString publishableKey = QStringLiteral("rf_sandbox_publishable");  // webhook Authorization
    QString dataDir;           // empty: a temporary directory removed on stop; else persisted
    QString faultsFile;        // JSON fault plan (see README "Sandbox")
    double timeScale = 1.0;    // job simulation speed: 10 = ten times faster than real time
    int indexDelayMs = 1000;   // tar shards stay "indexing" this long (real ms) after the PUT
    qint64 signedUrlTtlSeconds = 86400;
    bool demo = false;         // seed demo batches and jobs
};

class SandboxServer;

class Sandbox
{
public:
    explicit Sandbox(SandboxOptions options = {});
    ~Sandbox();
    Sandbox(const Sandbox &) = delete;
    Sandbox &operator=(const Sandbox &) = delete;

    bool start(QString *error = nullptr);   // binds both hosts; false with a reason
    void stop();                             // idempotent; joins the server threads
    bool isRunning() const;

    QUrl apiUrl() const;       // http://HOST:PORT
    QUrl storageUrl() const;   // http://HOST:PORT
    const SandboxOptions &options() const;

    // Replace the fault plan at run time (same JSON as --faults); an empty object clears it.
    void setFaultPlan(const QJsonObject &plan);
    // Requests seen per route id ("W1", "D1" ... "B8", "S1", "S2") since start; for tests.
    int requestCount(const QString &routeId) const;
    // Every request the API host received since start (method, raw target, route, auth scheme,
    // status), oldest first, in memory only; tests use it to prove no URL carried the key.
    QVector<LoggedRequest> requestLog() const;
    // Change the signed-URL lifetime for URLs handed out from now on (tests of expiry).
    void setSignedUrlTtlSeconds(qint64 seconds);
    // Benchmarks: adds a sharded, indexed image batch of `files` tiny images without an ingest
    // (see LargeBatchSeed.h); nothing when it exists. Returns the number of files added.
    int seedLargeBatch(const QString &batchId, int files);

private:
    std::unique_ptr<SandboxServer> d;
};

}  // namespace bd::sandbox
