#pragma once
// The core session, shared by the GUI and the CLI (Nextcloud's "account state" and
// qBittorrent's session in one): which service, which key, which workspace, and whether it
// answers. Owns the connection (ApiConfig + ApiClient), the keychain flow (load / store / forget
// a key; in memory for this process when no secret service answers), the embedded sandbox, the
// webhook receiver, and the services the GUI's models listen to (batch list, job list with its
// job monitor, output batches, one-shot reads). Widget-free: tests drive it directly.
#include "session/WebhookSettings.h"
#include "core/AppSettings.h"
#include "core/Error.h"
#include "notify/WebhookEvent.h"

#include <QObject>
#include <QTimer>
#include <QUrl>

#include <memory>
#include <optional>

class QThread;

namespace bd::api { class ApiClient; }
namespace bd::secrets { class SecretStore; class KeychainOperation; }
namespace bd::sandbox { class Sandbox; }
namespace bd::notify { class WebhookReceiver; }

namespace bd::session {

class Batches;
class Jobs;
class OutputBatches;

class Session : public QObject
{
    Q_OBJECT
public:
    enum class State { Disconnected, Connecting, Online, Offline, Unauthorized, NeedsKey };
    Q_ENUM(State)

    explicit Session(QObject *parent = nullptr);
    ~Session() override;

    // The connection. Front ends hand it to long operations (uploads, ingests, exports); reads
    // the GUI shows go through the services below.
    api::ApiClient *api() const { return m_api; }
    secrets::SecretStore *secrets() const { return m_secrets; }

    // The services (created on first use, so a CLI command pays only for what it uses).
    Batches *batches();
    Jobs *jobs();
    OutputBatches *outputs();

    // Background refreshes: the job list every `jobsSeconds` while online or offline (a job
    // list that answers again brings the state back), the batch and output-batch lists every
    // `batchesSeconds` while online. 0 stops one. The GUI sets them; the CLI never does.
    void setRefreshPeriods(int jobsSeconds, int batchesSeconds);
    int jobsRefreshSeconds() const;
    int batchesRefreshSeconds() const;

    // What is wrong with the local database (bd::databaseError(), checked once), or no error.
    // Both front ends show it at start: the GUI in a message, the CLI before any request.
    Error databaseProblem();
    // The same check on a worker thread (opening and migrating the file is disk work the window
    // must not wait for): databaseChecked() follows on this thread, once per call.
    void checkDatabaseInBackground();

    // The keychain flow for an API host (account keyringAccountFor(baseUrl)). Each call is one
    // started KeychainOperation that deletes itself after finished().
    secrets::KeychainOperation *loadKey(const QUrl &baseUrl);
    secrets::KeychainOperation *forgetKey(const QUrl &baseUrl);
    // Stores `key`; when no keychain answers the key is kept in memory for this process and
    // message() says so (the operation still reports the keychain's error).
    secrets::KeychainOperation *storeKey(const QUrl &baseUrl, const QString &key);
    // Use this service and key without checking them (the CLI: the first request resolves the
    // workspace). The key is registered for redaction.
    void useConnection(const QUrl &baseUrl, const QString &key);
    State state() const { return m_state; }
    QString stateText() const;
    // The connection's workspace (W1), once resolved; empty before.
    QString workspace() const;
    ConnectionProfile profile() const { return m_profile; }
    QUrl baseUrl() const { return m_baseUrl; }
    bool keychainAvailable() const { return m_keychainAvailable; }
    sandbox::Sandbox *sandbox() const { return m_sandbox.get(); }

    // Start the embedded sandbox with demo data and connect to it (no key needed), on the
    // calling thread: returns once the sandbox listens (tests, the CLI). A start under way in the
    // background is waited for and adopted.
    bool connectToSandbox(double timeScale = 1.0);
    // The same without waiting (the GUI): state Connecting at once, the sandbox (its data folder,
    // demo seeding, two HTTP servers) starts on a worker thread and the connection follows on this
    // thread; a failure arrives as message() with state Disconnected. Calls while a start is under
    // way join it.
    void startSandbox(double timeScale = 1.0);
    bool isStartingSandbox() const { return m_sandboxStarter != nullptr; }
    // Connect to a remote service: with `key` (stored in the keychain when `remember`, else kept
    // for this session only), or with the key already stored for that host when `key` is empty.
    void connectTo(ConnectionProfile profile, const QUrl &baseUrl, const QString &key, bool remember);
    // Connect as the saved settings say (sandbox by default).
    void connectFromSettings();
    // Check a profile/key without switching to it: emits testFinished.
    void testConnection(ConnectionProfile profile, const QUrl &baseUrl, const QString &key);
    // Called by views when a request fails, so the status bar can say "offline" and recover.
    void reportError(const Error &error);
    void reportSuccess();

    // Webhooks. The receiver runs while enabled in the settings and a publishable key is known
    // (kept in the keychain under this account, or for this session only when no keychain answers).
    static const QString kPublishableKeyAccount;
    notify::WebhookReceiver *webhookReceiver() const { return m_receiver.get(); }
    bool isReceivingWebhooks() const { return m_receiver != nullptr; }
    bool hasPublishableKey() const { return !m_publishableKey.isEmpty(); }
    // The URL to give as notificationsURL: the public URL from the settings (tunnel / proxy) or
    // the receiver's own; empty while the receiver is off.
    QUrl notificationsUrl() const;
    QString webhookStatusText() const;
    // Start (or restart) the receiver now with this key. false with a reason shown by the caller.
    bool startWebhookReceiver(const WebhookSettings &settings, const QString &publishableKey, QString *error = nullptr);
    void stopWebhookReceiver();
    // Saves `settings`, stores `publishableKey` in the keychain when not empty (asynchronously),
    // then starts or stops the receiver as the settings say; the outcome arrives as message().
    // Returns the keychain write (auto-deleting; nullptr without a key) for a caller that waits.
    secrets::KeychainOperation *applyWebhookSettings(const WebhookSettings &settings, const QString &publishableKey);
    // At start-up: when enabled, fetch the key from the keychain and start the receiver.
    void startWebhooksFromSettings();

Q_SIGNALS:
    // A new notification (already stored in the history), on the GUI thread.
    void webhookReceived(const bd::notify::WebhookEvent &event);
    void webhookReceiverChanged();

    void stateChanged(bd::session::Session::State state);
    void connected(const QString &workspace);   // the tabs refresh on this
    void testFinished(bool ok, const QString &text);
    void message(const QString &text);          // for the status bar / a dialog
    void databaseChecked(const bd::Error &problem);   // after checkDatabaseInBackground()

private:
    void setState(State s);
    void applyKey(const QString &key);
    void resolve();
    void useStartedSandbox();
    void adoptStartedSandbox();

    api::ApiClient *m_api = nullptr;
    secrets::SecretStore *m_secrets = nullptr;
    std::unique_ptr<sandbox::Sandbox> m_sandbox;
    // A background start: the worker fills m_startedSandbox / m_sandboxStartError, read here
    // only after the thread has finished.
    QThread *m_sandboxStarter = nullptr;
    std::unique_ptr<sandbox::Sandbox> m_startedSandbox;
    QString m_sandboxStartError;
    State m_state = State::Disconnected;
    ConnectionProfile m_profile = ConnectionProfile::Sandbox;
    QUrl m_baseUrl;
    QString m_workspace;
    bool m_keychainAvailable = true;
    Batches *m_batches = nullptr;
    Jobs *m_jobs = nullptr;
    OutputBatches *m_outputs = nullptr;
    std::optional<Error> m_databaseProblem;
    QTimer *m_jobsTimer = nullptr;
    QTimer *m_batchesTimer = nullptr;
    std::unique_ptr<notify::WebhookReceiver> m_receiver;
    QString m_publishableKey;   // in memory only (the keychain holds the durable copy)
    QUrl m_publicUrl;
    QString m_webhookError;
};

}  // namespace bd::session
