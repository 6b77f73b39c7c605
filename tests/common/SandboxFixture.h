#pragma once
// Shared by the loopback integration tests of staging and exports: an embedded sandbox with an
// ApiClient pointed at it, a wait for an Operation, and (FileHashes.h) sha256 of bytes and files.
#include "common/FileHashes.h"
#include "api/ApiClient.h"
#include "core/Operation.h"
#include "sandbox/Sandbox.h"

#include <QEventLoop>
#include <QProcessEnvironment>
#include <QUrl>
#include <QTimer>

#include <memory>

namespace sandboxtest {

// The batchdeck-cli built beside the tests (ctest sets BATCHDECK_BIN_DIR).
inline QString cliPath()
{
    return qEnvironmentVariable("BATCHDECK_BIN_DIR") + QStringLiteral("/batchdeck-cli");
}

// The environment that points batchdeck-cli at a sandbox with its own data folder (journals,
// locks), keyed with the sandbox's test key.
inline QProcessEnvironment cliEnvironment(const QUrl &apiUrl, const QString &dataDir)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("ROBOFLOW_API_KEY"), QStringLiteral("sandbox-key"));
    env.insert(QStringLiteral("API_BASE_URL"), apiUrl.toString());
    env.insert(QStringLiteral("BATCHDECK_DATA_DIR"), dataDir);
    return env;
}

// Runs the event loop until `op` finished or `timeoutMs` passed; true when it finished.
inline bool waitFinished(bd::Operation *op, int timeoutMs = 180000)
{
    if (op->isFinished())
        return true;
    QEventLoop loop;
    QObject::connect(op, &bd::Operation::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    loop.exec();
    return op->isFinished();
}

struct SandboxEnv {
    std::unique_ptr<bd::sandbox::Sandbox> sandbox;
    std::unique_ptr<bd::api::ApiClient> api;

    // Starts the sandbox on loopback and a client with `key` (one of options.apiKeys), a 30 s
    // request timeout and retries waiting retryBaseDelayMs first (short, so fault tests stay quick).
    bool start(const bd::sandbox::SandboxOptions &options, int retryBaseDelayMs, QString *error,
               const QString &key = QStringLiteral("sandbox-key"))
    {
        sandbox = std::make_unique<bd::sandbox::Sandbox>(options);
        if (!sandbox->start(error))
            return false;
        bd::api::ApiConfig config;
        config.baseUrl = sandbox->apiUrl();
        config.apiKey = key;
        config.timeoutSeconds = 30;
        config.retry.baseDelayMs = retryBaseDelayMs;
        api = std::make_unique<bd::api::ApiClient>(config);
        return true;
    }

    // The client first: its calls must not outlive the server they talk to.
    void stop()
    {
        api.reset();
        if (sandbox)
            sandbox->stop();
    }
};

}  // namespace sandboxtest
