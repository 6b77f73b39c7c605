#pragma once
// The GUI's connection: which service, which key, which workspace, and whether it answers.
// Owns the ApiClient the tabs share, the keychain access and, for the offline demo, the
// embedded sandbox. Widget-free, so it can be driven by tests.
#include "WebhookSettings.h"
#include "core/AppSettings.h"
#include "core/Error.h"
#include "notify/WebhookEvent.h"

#include <QObject>
#include <QUrl>

#include <memory>

namespace bd::api { class ApiClient; }
namespace bd::secrets { class SecretStore; }
namespace bd::sandbox { class Sandbox; }
namespace bd::notify { class WebhookReceiver; }

namespace bd::ui {

class AppSession : public QObject
{
    Q_OBJECT
public:
    enum class State { Disconnected, Connecting, Online, Offline, Unauthorized, NeedsKey };
    Q_ENUM(State)

    explicit AppSession(QObject *parent = nullptr);
    ~AppSession() override;

    api::ApiClient *api() const { return m_api; }
    secrets::SecretStore *secrets() const { return m_secrets; }
    State state() const { return m_state; }
    QString stateText() const;
    QString workspace() const { return m_workspace; }
    ConnectionProfile profile() const { return m_profile; }
    QUrl baseUrl() const { return m_baseUrl; }
    bool keychainAvailable() const { return m_keychainAvailable; }
    sandbox::Sandbox *sandbox() const { return m_sandbox.get(); }

    // Start the embedded sandbox with demo data and connect to it (no key needed).
    bool connectToSandbox(double timeScale = 1.0);
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
    void applyWebhookSettings(const WebhookSettings &settings, const QString &publishableKey);
    // At start-up: when enabled, fetch the key from the keychain and start the receiver.
    void startWebhooksFromSettings();

Q_SIGNALS:
    // A new notification (already stored in the history), on the GUI thread.
    void webhookReceived(const bd::notify::WebhookEvent &event);
    void webhookReceiverChanged();

    void stateChanged(bd::ui::AppSession::State state);
    void connected(const QString &workspace);   // the tabs refresh on this
    void testFinished(bool ok, const QString &text);
    void message(const QString &text);          // for the status bar / a dialog

private:
    void setState(State s);
    void applyKey(const QString &key);
    void resolve();

    api::ApiClient *m_api = nullptr;
    secrets::SecretStore *m_secrets = nullptr;
    std::unique_ptr<sandbox::Sandbox> m_sandbox;
    State m_state = State::Disconnected;
    ConnectionProfile m_profile = ConnectionProfile::Sandbox;
    QUrl m_baseUrl;
    QString m_workspace;
    bool m_keychainAvailable = true;
    std::unique_ptr<notify::WebhookReceiver> m_receiver;
    QString m_publishableKey;   // in memory only (the keychain holds the durable copy)
    QUrl m_publicUrl;
    QString m_webhookError;
};

}  // namespace bd::ui
