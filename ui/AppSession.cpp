#include "AppSession.h"

#include "api/ApiClient.h"
#include "core/Database.h"
#include "core/Redact.h"
#include "notify/WebhookReceiver.h"
#include "sandbox/Sandbox.h"
#include "secrets/SecretStore.h"

#include <QDir>
#include <QTimer>

namespace bd::ui {

AppSession::AppSession(QObject *parent)
    : QObject(parent)
    , m_api(new api::ApiClient(api::ApiConfig{}, this))
    , m_secrets(new secrets::SecretStore(this))
{
}

AppSession::~AppSession()
{
    stopWebhookReceiver();
    if (m_sandbox)
        m_sandbox->stop();
}

QString AppSession::stateText() const
{
    switch (m_state) {
    case State::Disconnected: return tr("Not connected");
    case State::Connecting: return tr("Connecting…");
    case State::Online: return tr("Online");
    case State::Offline: return tr("Offline — retrying");
    case State::Unauthorized: return tr("API key rejected");
    case State::NeedsKey: return tr("API key needed");
    }
    return {};
}

bool AppSession::connectToSandbox(double timeScale)
{
    if (!m_sandbox) {
        sandbox::SandboxOptions options;
        options.demo = true;
        options.timeScale = timeScale;
        // Persist the demo batches so uploads and interrupted ingests survive a restart.
        options.dataDir = appDataDir() + QStringLiteral("/sandbox");
        QDir().mkpath(options.dataDir);
        m_sandbox = std::make_unique<sandbox::Sandbox>(options);
        QString error;
        if (!m_sandbox->start(&error)) {
            m_sandbox.reset();
            Q_EMIT message(tr("The embedded sandbox could not start: %1").arg(error));
            setState(State::Disconnected);
            return false;
        }
    }
    m_profile = ConnectionProfile::Sandbox;
    m_baseUrl = m_sandbox->apiUrl();
    applyKey(m_sandbox->options().apiKeys.value(0));
    resolve();
    return true;
}

void AppSession::connectTo(ConnectionProfile profile, const QUrl &baseUrl, const QString &key, bool remember)
{
    if (profile == ConnectionProfile::Sandbox) {
        connectToSandbox();
        return;
    }
    m_profile = profile;
    m_baseUrl = baseUrl;
    const QString account = secrets::keyringAccountFor(baseUrl);
    setState(State::Connecting);
    if (!key.isEmpty()) {
        registerSecret(key);
        applyKey(key);
        resolve();
        if (!remember) {
            m_secrets->setSessionOnly(account, key);
            return;
        }
        // Store asynchronously; if no keychain answers, keep the key for this session only.
        auto conn = std::make_shared<QMetaObject::Connection>();
        *conn = connect(m_secrets, &secrets::SecretStore::stored, this,
                        [this, account, key, conn](const QString &acc, const Error &error) {
                            if (acc != account)
                                return;
                            disconnect(*conn);
                            if (error) {
                                m_keychainAvailable = !secrets::isKeychainUnavailable(error);
                                m_secrets->setSessionOnly(account, key);
                                Q_EMIT message(tr("The key could not be saved in the system keychain (%1). "
                                                  "It is kept in memory until Batchdeck quits; it was not "
                                                  "written anywhere else.").arg(error.message));
                            }
                        });
        m_secrets->store(account, key);
        return;
    }
    auto conn = std::make_shared<QMetaObject::Connection>();
    *conn = connect(m_secrets, &secrets::SecretStore::fetched, this,
                    [this, account, conn](const QString &acc, const QString &storedKey, const Error &error) {
                        if (acc != account)
                            return;
                        disconnect(*conn);
                        if (error || storedKey.isEmpty()) {
                            if (error)
                                m_keychainAvailable = !secrets::isKeychainUnavailable(error);
                            setState(State::NeedsKey);
                            Q_EMIT message(error ? tr("No API key available: %1").arg(error.message)
                                                 : tr("No API key is stored for %1.").arg(account));
                            return;
                        }
                        applyKey(storedKey);
                        resolve();
                    });
    m_secrets->fetch(account);
}

void AppSession::connectFromSettings()
{
    AppSettings settings;
    const ConnectionProfile p = settings.profile();
    if (p == ConnectionProfile::Sandbox)
        connectToSandbox();
    else
        connectTo(p, settings.effectiveBaseUrl(), {}, true);
}

void AppSession::testConnection(ConnectionProfile profile, const QUrl &baseUrl, const QString &key)
{
    if (profile == ConnectionProfile::Sandbox) {
        Q_EMIT testFinished(true, tr("The embedded sandbox needs no key."));
        return;
    }
    registerSecret(key);
    // A throw-away client, so the live connection is untouched.
    auto *probe = new api::ApiClient(api::ApiConfig{ baseUrl, key, 20, api::RetryPolicy::none() }, this);
    auto *call = probe->resolveWorkspace();
    connect(call, &api::ApiCall::finished, this, [this, call, probe] {
        if (call->error())
            Q_EMIT testFinished(false, call->error().message);
        else
            Q_EMIT testFinished(true, tr("Connected to workspace “%1”.").arg(call->result()));
        probe->deleteLater();
    });
}

void AppSession::reportError(const Error &error)
{
    if (error.kind == ErrorKind::Unauthorized)
        setState(State::Unauthorized);
    else if (error.kind == ErrorKind::Network || error.kind == ErrorKind::Timeout)
        setState(State::Offline);
}

void AppSession::reportSuccess()
{
    if (m_state == State::Offline || m_state == State::Connecting)
        setState(State::Online);
}

void AppSession::setState(State s)
{
    if (m_state == s)
        return;
    m_state = s;
    Q_EMIT stateChanged(s);
}

void AppSession::applyKey(const QString &key)
{
    api::ApiConfig config = api::ApiConfig::fromEnvironment(m_baseUrl.toString());
    config.baseUrl = m_baseUrl;
    config.apiKey = key;
    m_api->setConfig(config);
}

void AppSession::resolve()
{
    setState(State::Connecting);
    auto *call = m_api->resolveWorkspace();
    connect(call, &api::ApiCall::finished, this, [this, call] {
        if (call->error()) {
            reportError(call->error());
            if (m_state == State::Connecting)
                setState(State::Offline);
            Q_EMIT message(call->error().message);
            // Offline recovers by itself: try again while nothing better is known.
            if (m_state == State::Offline)
                QTimer::singleShot(5000, this, [this] {
                    if (m_state == State::Offline)
                        resolve();
                });
            return;
        }
        m_workspace = call->result();
        setState(State::Online);
        Q_EMIT connected(m_workspace);
    });
}

// --- Webhooks -------------------------------------------------------------------------------

const QString AppSession::kPublishableKeyAccount = QStringLiteral("webhooks-publishable-key");

QUrl AppSession::notificationsUrl() const
{
    if (!m_receiver)
        return {};
    return m_publicUrl.isValid() && !m_publicUrl.isEmpty() ? m_publicUrl : m_receiver->url();
}

QString AppSession::webhookStatusText() const
{
    if (m_receiver)
        return tr("Receiving webhooks on %1").arg(m_receiver->url().toString());
    if (!m_webhookError.isEmpty())
        return tr("Webhook receiver off: %1").arg(m_webhookError);
    return tr("Webhook receiver off");
}

bool AppSession::startWebhookReceiver(const WebhookSettings &settings, const QString &publishableKey, QString *error)
{
    stopWebhookReceiver();
    notify::WebhookReceiverOptions options;
    options.host = settings.host.isEmpty() ? QStringLiteral("127.0.0.1") : settings.host;
    options.port = quint16(settings.port);
    options.publishableKey = publishableKey;
    registerSecret(publishableKey);
    auto receiver = std::make_unique<notify::WebhookReceiver>(options);
    QString why;
    if (!receiver->start(&why)) {
        m_webhookError = why;
        if (error)
            *error = why;
        Q_EMIT webhookReceiverChanged();
        return false;
    }
    connect(receiver.get(), &notify::WebhookReceiver::eventReceived, this, &AppSession::webhookReceived);
    connect(receiver.get(), &notify::WebhookReceiver::storageError, this, [this](const QString &text) {
        Q_EMIT message(tr("A webhook arrived but could not be kept in the history: %1").arg(redact(text)));
    });
    m_receiver = std::move(receiver);
    m_publishableKey = publishableKey;
    m_publicUrl = settings.publicUrl;
    m_webhookError.clear();
    Q_EMIT webhookReceiverChanged();
    return true;
}

void AppSession::stopWebhookReceiver()
{
    if (!m_receiver)
        return;
    m_receiver->stop();   // joins the server thread; queued deliveries die with the object
    m_receiver.reset();
    Q_EMIT webhookReceiverChanged();
}

void AppSession::applyWebhookSettings(const WebhookSettings &settings, const QString &publishableKey)
{
    settings.save();
    if (!publishableKey.isEmpty()) {
        registerSecret(publishableKey);
        m_publishableKey = publishableKey;
        auto conn = std::make_shared<QMetaObject::Connection>();
        *conn = connect(m_secrets, &secrets::SecretStore::stored, this,
                        [this, publishableKey, conn](const QString &account, const Error &error) {
                            if (account != kPublishableKeyAccount)
                                return;
                            disconnect(*conn);
                            if (error) {
                                m_secrets->setSessionOnly(kPublishableKeyAccount, publishableKey);
                                Q_EMIT message(tr("The publishable key could not be saved in the system keychain (%1). "
                                                  "It is kept in memory until Batchdeck quits.").arg(error.message));
                            }
                        });
        m_secrets->store(kPublishableKeyAccount, publishableKey);
    }
    if (!settings.enabled) {
        stopWebhookReceiver();
        m_webhookError.clear();
        Q_EMIT webhookReceiverChanged();
        return;
    }
    if (!m_publishableKey.isEmpty()) {
        QString error;
        if (!startWebhookReceiver(settings, m_publishableKey, &error))
            Q_EMIT message(tr("The webhook receiver could not start: %1").arg(error));
        return;
    }
    startWebhooksFromSettings();
}

void AppSession::startWebhooksFromSettings()
{
    const WebhookSettings settings = WebhookSettings::load();
    if (!settings.enabled)
        return;
    auto conn = std::make_shared<QMetaObject::Connection>();
    *conn = connect(m_secrets, &secrets::SecretStore::fetched, this,
                    [this, settings, conn](const QString &account, const QString &key, const Error &error) {
                        if (account != kPublishableKeyAccount)
                            return;
                        disconnect(*conn);
                        if (error || key.isEmpty()) {
                            m_webhookError = error ? error.message : tr("no publishable key is stored (Settings…)");
                            Q_EMIT webhookReceiverChanged();
                            Q_EMIT message(tr("Webhook receiver not started: %1").arg(m_webhookError));
                            return;
                        }
                        QString why;
                        if (!startWebhookReceiver(settings, key, &why))
                            Q_EMIT message(tr("The webhook receiver could not start: %1").arg(why));
                    });
    m_secrets->fetch(kPublishableKeyAccount);
}

}  // namespace bd::ui
