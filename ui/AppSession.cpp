#include "AppSession.h"

#include "api/ApiClient.h"
#include "core/Database.h"
#include "core/Redact.h"
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

}  // namespace bd::ui
