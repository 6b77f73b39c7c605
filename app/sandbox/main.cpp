// batchdeck-sandbox: the Roboflow Batch API emulator on its own, for scripts and other clients.
// Prints "api http://HOST:PORT storage http://HOST:PORT" once both hosts listen; stops cleanly
// (exit 0) on SIGINT / SIGTERM through a self-pipe watched by a QSocketNotifier.
#include "batchdeck/Version.h"
#include "core/Redact.h"
#include "sandbox/Sandbox.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QSocketNotifier>

#include <csignal>
#include <cstdio>
#include <sys/socket.h>
#include <unistd.h>

namespace {

int g_signalPipe[2] = { -1, -1 };

void onSignal(int)
{
    const char byte = 1;
    [[maybe_unused]] const auto n = ::write(g_signalPipe[1], &byte, 1);
}

}  // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("batchdeck-sandbox"));
    QCoreApplication::setApplicationVersion(QStringLiteral(BATCHDECK_VERSION));
    bd::installRedactingMessageHandler();

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Local emulator of the Roboflow Batch Processing and Data Staging API."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption host(QStringLiteral("host"), QStringLiteral("Address to listen on (default 127.0.0.1)."), QStringLiteral("address"), QStringLiteral("127.0.0.1"));
    const QCommandLineOption port(QStringLiteral("port"), QStringLiteral("API host port (0: any free port)."), QStringLiteral("port"), QStringLiteral("0"));
    const QCommandLineOption storagePort(QStringLiteral("storage-port"), QStringLiteral("Storage host port (0: any free port)."), QStringLiteral("port"), QStringLiteral("0"));
    const QCommandLineOption apiKey(QStringLiteral("api-key"), QStringLiteral("An accepted API key (repeatable; default sandbox-key)."), QStringLiteral("key"));
    const QCommandLineOption workspace(QStringLiteral("workspace"), QStringLiteral("Workspace slug (default sandbox-ws)."), QStringLiteral("slug"), QStringLiteral("sandbox-ws"));
    const QCommandLineOption publishableKey(QStringLiteral("publishable-key"), QStringLiteral("Key sent as 'Authorization: Bearer <key>' with webhooks."), QStringLiteral("key"), QStringLiteral("rf_sandbox_publishable"));
    const QCommandLineOption dataDir(QStringLiteral("data-dir"), QStringLiteral("Keep state and files here across restarts (default: a temporary directory)."), QStringLiteral("dir"));
    const QCommandLineOption faults(QStringLiteral("faults"), QStringLiteral("JSON fault plan (see app/sandbox/README.md)."), QStringLiteral("file"));
    const QCommandLineOption timeScale(QStringLiteral("time-scale"), QStringLiteral("Job simulation speed (10 = ten times real time)."), QStringLiteral("factor"), QStringLiteral("1"));
    const QCommandLineOption indexDelay(QStringLiteral("index-delay-ms"), QStringLiteral("How long ingested shards stay 'indexing'."), QStringLiteral("ms"), QStringLiteral("1000"));
    const QCommandLineOption demo(QStringLiteral("demo"), QStringLiteral("Seed demo batches and jobs."));
    parser.addOptions({ host, port, storagePort, apiKey, workspace, publishableKey, dataDir, faults, timeScale, indexDelay, demo });
    parser.process(app);

    bd::sandbox::SandboxOptions options;
    bool ok = true;
    auto number = [&](const QCommandLineOption &option, int max) {
        bool good = false;
        const int value = parser.value(option).toInt(&good);
        if (!good || value < 0 || value > max) {
            std::fprintf(stderr, "batchdeck-sandbox: invalid --%s value '%s'\n", qPrintable(option.names().first()),
                         qPrintable(parser.value(option)));
            ok = false;
        }
        return value;
    };
    options.host = parser.value(host);
    options.port = quint16(number(port, 65535));
    options.storagePort = quint16(number(storagePort, 65535));
    if (parser.isSet(apiKey))
        options.apiKeys = parser.values(apiKey);
    for (const QString &key : options.apiKeys)
        bd::registerSecret(key);
    options.workspace = parser.value(workspace);
    options.publishableKey = parser.value(publishableKey);
    bd::registerSecret(options.publishableKey);
    options.dataDir = parser.value(dataDir);
    options.faultsFile = parser.value(faults);
    options.timeScale = parser.value(timeScale).toDouble(&ok);
    if (!ok || options.timeScale <= 0) {
        std::fprintf(stderr, "batchdeck-sandbox: --time-scale must be a positive number\n");
        return 2;
    }
    options.indexDelayMs = number(indexDelay, 24 * 3600 * 1000);
    options.demo = parser.isSet(demo);
    if (!ok)
        return 2;

    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, g_signalPipe) != 0) {
        std::perror("batchdeck-sandbox: socketpair");
        return 1;
    }
    QSocketNotifier notifier(g_signalPipe[0], QSocketNotifier::Read);
    QObject::connect(&notifier, &QSocketNotifier::activated, &app, [&] {
        char byte = 0;
        [[maybe_unused]] const auto n = ::read(g_signalPipe[0], &byte, 1);
        QCoreApplication::quit();
    });
    struct sigaction action = {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);

    bd::sandbox::Sandbox sandbox(options);
    QString error;
    if (!sandbox.start(&error)) {
        std::fprintf(stderr, "batchdeck-sandbox: %s\n", qPrintable(error));
        return 1;
    }
    std::printf("api %s storage %s\n", qPrintable(sandbox.apiUrl().toString()), qPrintable(sandbox.storageUrl().toString()));
    std::fflush(stdout);
    const int code = app.exec();
    sandbox.stop();
    return code;
}
