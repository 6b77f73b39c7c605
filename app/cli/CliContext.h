#pragma once
// What every batchdeck-cli command gets: the parsed global options, the core session (the same
// session::Session the GUI uses: connection, keychain flow, database check) connected lazily
// with the base URL and API key resolved by the documented precedence, and output helpers that
// keep machine output (--json, stdout) apart from messages (stderr) and never print the API key.
#include "core/Error.h"

#include <QJsonValue>
#include <QString>
#include <QStringList>
#include <QTextStream>
#include <QUrl>

#include <functional>
#include <memory>

class QSocketNotifier;

namespace bd {
class Operation;
}
namespace bd::api {
class ApiClient;
}
namespace bd::session {
class Session;
}

namespace bd::cli {

struct CliCommand;

// Options accepted anywhere on the command line, before or after the command words.
struct GlobalOptions {
    bool json = false;    // --json: one JSON document per command on stdout
    bool debug = false;   // --debug: error kinds, HTTP statuses and API logging on stderr
    QString apiUrl;       // --api-url URL
    QString apiKey;       // --api-key/-a KEY (discouraged: visible to other local users)
};

// Removes the global options from `args` wherever they occur and fills `globals`. False (with
// `error`) when an option lacks its value.
bool extractGlobalOptions(QStringList *args, GlobalOptions *globals, QString *error);

// Help lines for the global options, appended to every --help.
QString globalOptionsHelp();

class CliContext {
public:
    explicit CliContext(const GlobalOptions &globals);
    ~CliContext();
    CliContext(const CliContext &) = delete;
    CliContext &operator=(const CliContext &) = delete;

    const GlobalOptions &globals() const { return m_globals; }
    bool isJson() const { return m_globals.json; }
    bool isDebug() const { return m_globals.debug; }

    // stdout (results) and stderr (messages, warnings, progress). Both flush on every endl.
    QTextStream &out() { return m_out; }
    QTextStream &err() { return m_err; }
    // One JSON document (indented) on stdout.
    void printJson(const QJsonValue &document);

    // Prints "Command failed. Cause: <message>" (redacted) on stderr and, with --json, an
    // {"error": {...}} document on stdout. Returns 1, the failure exit code.
    int fail(const Error &error);
    // Prints the usage problem and where to find help on stderr. Returns 2.
    int usage(const QString &message);

    // The command being run (for help and usage texts); null at the top level.
    const CliCommand *command() const { return m_command; }
    void setCommand(const CliCommand *command) { m_command = command; }
    // "batchdeck-cli data-staging list-batches" or "batchdeck-cli".
    QString commandLinePrefix() const;

    // --api-url, else API_BASE_URL / region environment (api::resolveBaseUrl).
    QUrl baseUrl() const;
    // --api-key, else ROBOFLOW_API_KEY, else the OS keychain entry for baseUrl()'s host
    // (bounded by keychainTimeoutMs()). Unauthorized error, before any network call, if none.
    QString resolveApiKey(Error *error);
    int keychainTimeoutMs() const { return m_keychainTimeoutMs; }
    void setKeychainTimeoutMs(int ms) { m_keychainTimeoutMs = ms; }

    // The API client of session(), connected on first use with baseUrl() and resolveApiKey();
    // nullptr (with `error`) when there is no key, or when the local database is damaged or
    // locked (Session::databaseProblem(): the message names the file and how to move it aside).
    api::ApiClient *api(Error *error);
    // The core session (created on first use, owned by the context).
    session::Session *session();

    // Ctrl-C and SIGTERM (runCli calls catchInterrupts() before a group command runs). The
    // signal handler only writes to a self-pipe; a QSocketNotifier picks the signal up in
    // whatever event loop runs, so the work happens outside the handler. The first signal runs
    // the interrupt handler a command set; with none set (a short request) it prints "Command
    // interrupted." and exits at once with interruptExitCode(). A second signal always exits.
    void catchInterrupts();
    void setInterruptHandler(std::function<void()> handler);
    bool isInterrupted() const { return m_interrupted; }
    // Starts `operation` and runs a local event loop until it has finished. Ctrl-C / SIGTERM
    // cancel it, so it winds down its transfers and journal (a rerun resumes) before it
    // finishes; isInterrupted() then says why it ended.
    void runToEnd(Operation &operation);
    // The exit code of an interrupted command: the reference CLI's where it has the command
    // (spec §2: 2 for list-batches, list-batch-content, create-batch-of-images, export-batch and
    // list-ingest-details; 1 for show-batch-details; 0 for create-batch-of-videos and its
    // batch-processing commands), else 130 (128 + SIGINT, the shell convention).
    int interruptExitCode() const;
    // Prints "Command interrupted." (once per run; then `hint`, if any) on stderr and returns
    // interruptExitCode(). runCli calls it for every interrupted command, so a command only
    // needs runToEnd(); fail() with a Cancelled error after an interrupt prints nothing.
    int interrupted(const QString &hint = {});

private:
    QString keyFromKeychain();
    void onInterruptSignal();

    GlobalOptions m_globals;
    QTextStream m_out;
    QTextStream m_err;
    const CliCommand *m_command = nullptr;
    int m_keychainTimeoutMs = 5000;
    std::unique_ptr<session::Session> m_session;
    bool m_connected = false;
    std::unique_ptr<QSocketNotifier> m_interruptNotifier;
    std::function<void()> m_interruptHandler;
    bool m_interrupted = false;
    bool m_interruptReported = false;
};

// The rf-cloud style message for a missing key, naming ROBOFLOW_API_KEY and `login`.
Error missingApiKeyError();

}  // namespace bd::cli
