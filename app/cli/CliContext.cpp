#include "cli/CliContext.h"

#include "api/ApiClient.h"
#include "api/ApiConfig.h"
#include "cli/CliCommand.h"
#include "core/Database.h"
#include "core/Operation.h"
#include "core/Redact.h"
#include "secrets/SecretStore.h"
#include "session/Session.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSocketNotifier>
#include <QTimer>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <unistd.h>

namespace bd::cli {
namespace {

// The self-pipe: the handler writes one byte per signal (async-signal-safe), nothing else.
int g_interruptPipe[2] = { -1, -1 };

extern "C" void onTerminationSignal(int signalNumber)
{
    const int savedErrno = errno;
    const char byte = char(signalNumber);
    [[maybe_unused]] const ssize_t written = ::write(g_interruptPipe[1], &byte, 1);
    errno = savedErrno;
}

// Takes the value of option `name` at args[i] ("--name value" or "--name=value").
bool takeValue(QStringList *args, qsizetype i, const QString &name, QString *value, QString *error)
{
    const QString arg = args->at(i);
    if (arg.size() > name.size() && arg.at(name.size()) == QLatin1Char('=')) {
        *value = arg.mid(name.size() + 1);
        args->removeAt(i);
        return true;
    }
    if (i + 1 >= args->size()) {
        *error = QStringLiteral("Missing value after '%1'.").arg(name);
        return false;
    }
    *value = args->at(i + 1);
    args->remove(i, 2);
    return true;
}

bool isOption(const QString &arg, const QString &name)
{
    return arg == name || arg.startsWith(name + QLatin1Char('='));
}

}  // namespace

bool extractGlobalOptions(QStringList *args, GlobalOptions *globals, QString *error)
{
    qsizetype i = 0;
    while (i < args->size()) {
        const QString arg = args->at(i);
        if (arg == QLatin1String("--"))
            break;  // everything after "--" belongs to the command
        if (arg == QLatin1String("--json")) {
            globals->json = true;
            args->removeAt(i);
        } else if (arg == QLatin1String("--debug")) {
            globals->debug = true;
            args->removeAt(i);
        } else if (isOption(arg, QStringLiteral("--api-url"))) {
            if (!takeValue(args, i, QStringLiteral("--api-url"), &globals->apiUrl, error))
                return false;
        } else if (isOption(arg, QStringLiteral("--api-key"))) {
            if (!takeValue(args, i, QStringLiteral("--api-key"), &globals->apiKey, error))
                return false;
        } else if (isOption(arg, QStringLiteral("-a"))) {
            if (!takeValue(args, i, QStringLiteral("-a"), &globals->apiKey, error))
                return false;
        } else {
            ++i;
        }
    }
    return true;
}

QString globalOptionsHelp()
{
    return QStringLiteral(
        "Global options (accepted anywhere):\n"
        "  --json                 Machine output: one JSON document on stdout.\n"
        "  --api-url <url>        API base URL (default: API_BASE_URL, else by ROBOFLOW_REGION).\n"
        "  -a, --api-key <key>    Roboflow API key. Prefer ROBOFLOW_API_KEY or `batchdeck-cli login`:\n"
        "                         a key on the command line is visible to other local users.\n"
        "  --debug                Show error details and API request logging on stderr.\n"
        "  -h, --help             Show help.\n");
}

Error missingApiKeyError()
{
    return Error(ErrorKind::Unauthorized,
                 QStringLiteral("Request unauthorised: no Roboflow API key was given. Export the "
                                "ROBOFLOW_API_KEY environment variable, or store a key with "
                                "`batchdeck-cli login`. See "
                                "https://docs.roboflow.com/api-reference/authentication"));
}

CliContext::CliContext(const GlobalOptions &globals)
    : m_globals(globals)
    , m_out(stdout, QIODevice::WriteOnly)
    , m_err(stderr, QIODevice::WriteOnly)
{
    if (!m_globals.apiKey.isEmpty())
        registerSecret(m_globals.apiKey);
}

CliContext::~CliContext()
{
    if (m_interruptNotifier) {
        struct sigaction fallback = {};
        fallback.sa_handler = SIG_DFL;
        sigemptyset(&fallback.sa_mask);
        sigaction(SIGINT, &fallback, nullptr);
        sigaction(SIGTERM, &fallback, nullptr);
    }
    m_out.flush();
    m_err.flush();
}

void CliContext::catchInterrupts()
{
    if (m_interruptNotifier)
        return;
    if (g_interruptPipe[0] < 0 && ::pipe2(g_interruptPipe, O_CLOEXEC | O_NONBLOCK) != 0)
        return;   // no pipe: keep the default (the signal ends the process)
    m_interruptNotifier = std::make_unique<QSocketNotifier>(g_interruptPipe[0], QSocketNotifier::Read);
    QObject::connect(m_interruptNotifier.get(), &QSocketNotifier::activated, m_interruptNotifier.get(),
                     [this] { onInterruptSignal(); });
    struct sigaction action = {};
    action.sa_handler = onTerminationSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

void CliContext::setInterruptHandler(std::function<void()> handler) { m_interruptHandler = std::move(handler); }

void CliContext::onInterruptSignal()
{
    char bytes[16];
    qsizetype received = 0;
    for (ssize_t n; (n = ::read(g_interruptPipe[0], bytes, sizeof bytes)) > 0;)
        received += n;
    if (received == 0)
        return;
    const bool again = m_interrupted || received > 1;
    m_interrupted = true;
    if (again || !m_interruptHandler) {
        // Nothing to wind down (or asked twice): stop here. Work already done is committed
        // (journals write each step in its own transaction).
        const int code = interrupted();
        m_out.flush();
        m_err.flush();
        std::fflush(stdout);
        std::fflush(stderr);
        ::_exit(code);
    }
    m_err << "Stopping (press Ctrl-C again to quit at once)..." << Qt::endl;
    const std::function<void()> handler = m_interruptHandler;   // it may replace itself
    handler();
}

void CliContext::runToEnd(Operation &operation)
{
    setInterruptHandler([&operation] { operation.cancel(); });
    operation.exec();
    setInterruptHandler({});
}

int CliContext::interruptExitCode() const
{
    if (!m_command)
        return 130;
    const QString &group = m_command->group;
    const QString &name = m_command->name;
    if (group == QLatin1String("data-staging")) {
        static const QStringList exitTwo{ QStringLiteral("list-batches"), QStringLiteral("list-batch-content"),
                                          QStringLiteral("create-batch-of-images"), QStringLiteral("export-batch"),
                                          QStringLiteral("list-ingest-details") };
        if (exitTwo.contains(name))
            return 2;
        if (name == QLatin1String("show-batch-details"))
            return 1;
        if (name == QLatin1String("create-batch-of-videos"))
            return 0;
        return 130;
    }
    if (group == QLatin1String("batch-processing")) {
        static const QStringList referenceCommands{
            QStringLiteral("list-jobs"), QStringLiteral("show-job-details"), QStringLiteral("process-images-with-workflow"),
            QStringLiteral("process-videos-with-workflow"), QStringLiteral("trt-compile"), QStringLiteral("abort-job"),
            QStringLiteral("restart-job"), QStringLiteral("fetch-logs") };
        return referenceCommands.contains(name) ? 0 : 130;
    }
    return 130;
}

int CliContext::interrupted(const QString &hint)
{
    if (!m_interruptReported) {
        m_interruptReported = true;
        m_err << "Command interrupted." << Qt::endl;
    }
    if (!hint.isEmpty())
        m_err << hint << Qt::endl;
    return interruptExitCode();
}

void CliContext::printJson(const QJsonValue &document)
{
    QJsonDocument doc = document.isArray() ? QJsonDocument(document.toArray()) : QJsonDocument(document.toObject());
    // Redacted like everything else: a server could echo the key back in a free-form field.
    m_out << redact(QString::fromUtf8(doc.toJson(QJsonDocument::Indented)));
    m_out.flush();
}

int CliContext::fail(const Error &error)
{
    if (m_interrupted && error.kind == ErrorKind::Cancelled)
        return interruptExitCode();   // not a failure: runCli says "Command interrupted."
    QString text = redact(error.fullText());
    if (text.isEmpty())
        text = QStringLiteral("unknown error");
    m_err << "Command failed. Cause: " << text << Qt::endl;
    if (isDebug())
        m_err << "[debug] error kind: " << errorKindName(error.kind)
              << ", HTTP status: " << error.httpStatus << Qt::endl;
    if (isJson()) {
        QJsonObject e{{QStringLiteral("kind"), errorKindName(error.kind)},
                      {QStringLiteral("message"), redact(error.message)}};
        if (error.httpStatus)
            e.insert(QStringLiteral("httpStatus"), error.httpStatus);
        if (!error.detail.isEmpty())
            e.insert(QStringLiteral("detail"), redact(error.detail));
        printJson(QJsonObject{{QStringLiteral("error"), e}});
    }
    return 1;
}

int CliContext::usage(const QString &message)
{
    m_err << "Usage error: " << redact(message) << Qt::endl
          << "Try '" << commandLinePrefix() << " --help' for help." << Qt::endl;
    return 2;
}

QString CliContext::commandLinePrefix() const
{
    QString prefix = QStringLiteral("batchdeck-cli");
    if (m_command)
        prefix += QLatin1Char(' ') + m_command->path();
    return prefix;
}

QUrl CliContext::baseUrl() const
{
    if (m_globals.apiUrl.isEmpty())
        return api::resolveBaseUrl();
    QString url = m_globals.apiUrl;
    if (url.endsWith(QLatin1Char('/')))
        url.chop(1);
    return QUrl(url);
}

QString CliContext::resolveApiKey(Error *error)
{
    QString key = m_globals.apiKey;
    if (key.isEmpty())
        key = api::apiKeyFromEnvironment();
    if (key.isEmpty())
        key = keyFromKeychain();
    if (key.isEmpty()) {
        if (error)
            *error = missingApiKeyError();
        return {};
    }
    registerSecret(key);
    return key;
}

QString CliContext::keyFromKeychain()
{
    const QString account = secrets::keyringAccountFor(baseUrl());
    if (account.isEmpty())
        return {};
    // The session's keychain flow, bounded by the store's timeout.
    session()->secrets()->setTimeoutMs(m_keychainTimeoutMs);
    std::unique_ptr<secrets::KeychainOperation> load(session()->loadKey(baseUrl()));
    if (!load->exec()) {
        if (isDebug())
            m_err << "[debug] keychain: " << redact(load->error().message) << Qt::endl;
        return {};
    }
    return load->key().trimmed();
}

session::Session *CliContext::session()
{
    if (!m_session)
        m_session = std::make_unique<session::Session>();
    return m_session.get();
}

api::ApiClient *CliContext::api(Error *error)
{
    if (m_connected)
        return session()->api();
    // Every command that talks to the service may write a journal: a damaged or locked local
    // database stops it here with the way out, before anything is sent.
    if (const Error problem = session()->databaseProblem()) {
        if (error)
            *error = problem;
        return nullptr;
    }
    const QString key = resolveApiKey(error);
    if (key.isEmpty())
        return nullptr;
    session()->useConnection(baseUrl(), key);
    m_connected = true;
    return session()->api();
}

}  // namespace bd::cli
