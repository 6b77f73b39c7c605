#include "session/Session.h"

#include "api/ApiClient.h"
#include "core/Database.h"
#include "core/Redact.h"
#include "notify/WebhookReceiver.h"
#include "sandbox/Sandbox.h"
#include "secrets/SecretStore.h"
#include "session/Services.h"

#include <QDir>
#include <QSqlDatabase>
#include <QThread>
#include <QTimer>

#include <memory>

namespace bd::session {

Session::Session(QObject *parent)
    : QObject(parent)
    , m_api(new api::ApiClient(api::ApiConfig{}, this))
    , m_secrets(new secrets::SecretStore(this))
{
    // The user's transfer cap and mode (Settings; the CLI's --concurrency / --max-concurrency
    // override them per command).
    m_api->networkGate()->setTransferLimits(api::NetworkGate::transferLimitsFrom(AppSettings()));
}

Session::~Session()
{
    stopWebhookReceiver();
    adoptStartedSandbox();   // a start under way is waited for, then stopped below
    if (m_sandbox)
        m_sandbox->stop();
}

QString Session::workspace() const
{
    return m_api->workspace().isEmpty() ? m_workspace : m_api->workspace();
}

QString Session::stateText() const
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

namespace {

// Builds and starts the embedded sandbox (its data folder, demo seeding, two HTTP servers):
// disk and socket work, run on a worker thread by startSandbox(). nullptr with *error on failure.
std::unique_ptr<sandbox::Sandbox> makeSandbox(double timeScale, QString *error)
{
    sandbox::SandboxOptions options;
    options.demo = true;
    options.timeScale = timeScale;
    // Persist the demo batches so uploads and interrupted ingests survive a restart.
    options.dataDir = appDataDir() + QStringLiteral("/sandbox");
    QDir().mkpath(options.dataDir);
    auto sandbox = std::make_unique<sandbox::Sandbox>(options);
    if (!sandbox->start(error))
        return nullptr;
    return sandbox;
}

}  // namespace

bool Session::connectToSandbox(double timeScale)
{
    adoptStartedSandbox();   // a background start under way: wait for it
    if (!m_sandbox) {
        QString error;
        m_sandbox = makeSandbox(timeScale, &error);
        if (!m_sandbox) {
            Q_EMIT message(tr("The embedded sandbox could not start: %1").arg(error));
            setState(State::Disconnected);
            return false;
        }
    }
    useStartedSandbox();
    return true;
}

void Session::startSandbox(double timeScale)
{
    if (m_sandbox) {
        useStartedSandbox();
        return;
    }
    m_profile = ConnectionProfile::Sandbox;
    setState(State::Connecting);
    if (m_sandboxStarter)
        return;   // the start under way connects
    m_sandboxStarter = QThread::create([this, timeScale] {
        m_startedSandbox = makeSandbox(timeScale, &m_sandboxStartError);
    });
    m_sandboxStarter->setObjectName(QStringLiteral("sandbox start"));
    // finished() comes from the worker thread: queued to this (GUI) thread.
    connect(m_sandboxStarter, &QThread::finished, this, [this] {
        if (!m_sandboxStarter)
            return;   // adopted meanwhile by connectToSandbox()
        adoptStartedSandbox();
        if (m_sandbox) {
            if (m_profile == ConnectionProfile::Sandbox)   // not switched to a remote service meanwhile
                useStartedSandbox();
            return;
        }
        Q_EMIT message(tr("The embedded sandbox could not start: %1").arg(m_sandboxStartError));
        if (m_profile == ConnectionProfile::Sandbox)
            setState(State::Disconnected);
    });
    m_sandboxStarter->start();
}

void Session::adoptStartedSandbox()
{
    if (!m_sandboxStarter)
        return;
    m_sandboxStarter->wait();
    delete m_sandboxStarter;   // finished: nothing of it runs any more
    m_sandboxStarter = nullptr;
    if (!m_sandbox)
        m_sandbox = std::move(m_startedSandbox);
    else if (m_startedSandbox)
        m_startedSandbox->stop();
    m_startedSandbox.reset();
}

void Session::useStartedSandbox()
{
    m_profile = ConnectionProfile::Sandbox;
    m_baseUrl = m_sandbox->apiUrl();
    applyKey(m_sandbox->options().apiKeys.value(0));
    resolve();
}

void Session::connectTo(ConnectionProfile profile, const QUrl &baseUrl, const QString &key, bool remember)
{
    if (profile == ConnectionProfile::Sandbox) {
        startSandbox();
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
        if (!remember)
            m_secrets->setSessionOnly(account, key);
        else
            storeKey(baseUrl, key);   // no keychain: kept for this session, message() says so
        return;
    }
    auto *load = loadKey(baseUrl);
    connect(load, &Operation::finished, this, [this, load, account] {
        const Error &error = load->error();
        if (error || load->key().isEmpty()) {
            if (error)
                m_keychainAvailable = !secrets::isKeychainUnavailable(error);
            setState(State::NeedsKey);
            Q_EMIT message(error ? tr("No API key available: %1").arg(error.message)
                                 : tr("No API key is stored for %1.").arg(account));
            return;
        }
        applyKey(load->key());
        resolve();
    });
}

secrets::KeychainOperation *Session::loadKey(const QUrl &baseUrl)
{
    return m_secrets->read(secrets::keyringAccountFor(baseUrl));
}

secrets::KeychainOperation *Session::forgetKey(const QUrl &baseUrl)
{
    return m_secrets->remove(secrets::keyringAccountFor(baseUrl));
}

secrets::KeychainOperation *Session::storeKey(const QUrl &baseUrl, const QString &key)
{
    const QString account = secrets::keyringAccountFor(baseUrl);
    auto *store = m_secrets->write(account, key);
    connect(store, &Operation::finished, this, [this, store, account, key] {
        const Error &error = store->error();
        if (!error)
            return;
        m_keychainAvailable = !secrets::isKeychainUnavailable(error);
        m_secrets->setSessionOnly(account, key);
        Q_EMIT message(tr("The key could not be saved in the system keychain (%1). "
                          "It is kept in memory until Batchdeck quits; it was not "
                          "written anywhere else.").arg(error.message));
    });
    return store;
}

void Session::useConnection(const QUrl &baseUrl, const QString &key)
{
    registerSecret(key);
    m_baseUrl = baseUrl;
    m_profile = ConnectionProfile::Custom;
    applyKey(key);
}

Batches *Session::batches()
{
    if (!m_batches)
        m_batches = new Batches(m_api, this);
    return m_batches;
}

Jobs *Session::jobs()
{
    if (!m_jobs)
        m_jobs = new Jobs(m_api, this);
    return m_jobs;
}

OutputBatches *Session::outputs()
{
    if (!m_outputs)
        m_outputs = new OutputBatches(m_api, jobs(), this);
    return m_outputs;
}

void Session::setRefreshPeriods(int jobsSeconds, int batchesSeconds)
{
    if (!m_jobsTimer) {
        m_jobsTimer = new QTimer(this);
        connect(m_jobsTimer, &QTimer::timeout, this, [this] {
            if (m_state == State::Online || m_state == State::Offline)
                jobs()->refresh();
        });
        m_batchesTimer = new QTimer(this);
        connect(m_batchesTimer, &QTimer::timeout, this, [this] {
            if (m_state != State::Online)
                return;
            batches()->refresh();
            outputs()->refresh();
        });
    }
    for (auto [timer, seconds] : { std::pair{ m_jobsTimer, jobsSeconds }, std::pair{ m_batchesTimer, batchesSeconds } }) {
        if (seconds > 0)
            timer->start(seconds * 1000);
        else
            timer->stop();
    }
}

int Session::jobsRefreshSeconds() const
{
    return m_jobsTimer && m_jobsTimer->isActive() ? m_jobsTimer->interval() / 1000 : 0;
}

int Session::batchesRefreshSeconds() const
{
    return m_batchesTimer && m_batchesTimer->isActive() ? m_batchesTimer->interval() / 1000 : 0;
}

Error Session::databaseProblem()
{
    if (!m_databaseProblem)
        m_databaseProblem = databaseError();
    return *m_databaseProblem;
}

void Session::checkDatabaseInBackground()
{
    if (m_databaseProblem) {
        QTimer::singleShot(0, this, [this] { Q_EMIT databaseChecked(*m_databaseProblem); });
        return;
    }
    auto problem = std::make_shared<Error>();
    QThread *check = QThread::create([problem] {
        *problem = databaseError();
        // The check's connection dies with its thread (a later thread may get the same id).
        QString connection;
        {
            const QSqlDatabase db = database();
            connection = db.connectionName();
        }
        if (!connection.isEmpty())
            QSqlDatabase::removeDatabase(connection);
    });
    connect(check, &QThread::finished, this, [this, check, problem] {
        check->wait();
        delete check;
        if (!m_databaseProblem)
            m_databaseProblem = *problem;
        Q_EMIT databaseChecked(*m_databaseProblem);
    });
    check->start();
}

void Session::connectFromSettings()
{
    AppSettings settings;
    const ConnectionProfile p = settings.profile();
    if (p == ConnectionProfile::Sandbox)
        startSandbox();
    else
        connectTo(p, settings.effectiveBaseUrl(), {}, true);
}

void Session::testConnection(ConnectionProfile profile, const QUrl &baseUrl, const QString &key)
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

void Session::reportError(const Error &error)
{
    if (error.kind == ErrorKind::Unauthorized)
        setState(State::Unauthorized);
    else if (error.kind == ErrorKind::Network || error.kind == ErrorKind::Timeout)
        setState(State::Offline);
}

void Session::reportSuccess()
{
    if (m_state == State::Offline || m_state == State::Connecting)
        setState(State::Online);
}

void Session::setState(State s)
{
    if (m_state == s)
        return;
    m_state = s;
    Q_EMIT stateChanged(s);
}

void Session::applyKey(const QString &key)
{
    api::ApiConfig config = api::ApiConfig::fromEnvironment(m_baseUrl.toString());
    config.baseUrl = m_baseUrl;
    config.apiKey = key;
    m_api->setConfig(config);
}

void Session::resolve()
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

const QString Session::kPublishableKeyAccount = QStringLiteral("webhooks-publishable-key");

QUrl Session::notificationsUrl() const
{
    if (!m_receiver)
        return {};
    return m_publicUrl.isValid() && !m_publicUrl.isEmpty() ? m_publicUrl : m_receiver->url();
}

QString Session::webhookStatusText() const
{
    if (m_receiver)
        return tr("Receiving webhooks on %1").arg(m_receiver->url().toString());
    if (!m_webhookError.isEmpty())
        return tr("Webhook receiver off: %1").arg(m_webhookError);
    return tr("Webhook receiver off");
}

bool Session::startWebhookReceiver(const WebhookSettings &settings, const QString &publishableKey, QString *error)
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
    connect(receiver.get(), &notify::WebhookReceiver::eventReceived, this, &Session::webhookReceived);
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

void Session::stopWebhookReceiver()
{
    if (!m_receiver)
        return;
    m_receiver->stop();   // joins the server thread; queued deliveries die with the object
    m_receiver.reset();
    Q_EMIT webhookReceiverChanged();
}

secrets::KeychainOperation *Session::applyWebhookSettings(const WebhookSettings &settings, const QString &publishableKey)
{
    settings.save();
    secrets::KeychainOperation *store = nullptr;
    if (!publishableKey.isEmpty()) {
        registerSecret(publishableKey);
        m_publishableKey = publishableKey;
        store = m_secrets->write(kPublishableKeyAccount, publishableKey);
        connect(store, &Operation::finished, this, [this, store, publishableKey] {
            if (!store->error())
                return;
            m_secrets->setSessionOnly(kPublishableKeyAccount, publishableKey);
            Q_EMIT message(tr("The publishable key could not be saved in the system keychain (%1). "
                              "It is kept in memory until Batchdeck quits.").arg(store->error().message));
        });
    }
    if (!settings.enabled) {
        stopWebhookReceiver();
        m_webhookError.clear();
        Q_EMIT webhookReceiverChanged();
        return store;
    }
    if (!m_publishableKey.isEmpty()) {
        QString error;
        if (!startWebhookReceiver(settings, m_publishableKey, &error))
            Q_EMIT message(tr("The webhook receiver could not start: %1").arg(error));
        return store;
    }
    startWebhooksFromSettings();
    return store;
}

void Session::startWebhooksFromSettings()
{
    const WebhookSettings settings = WebhookSettings::load();
    if (!settings.enabled)
        return;
    auto *load = m_secrets->read(kPublishableKeyAccount);
    connect(load, &Operation::finished, this, [this, settings, load] {
        const Error &error = load->error();
        if (error || load->key().isEmpty()) {
            m_webhookError = error ? error.message : tr("no publishable key is stored (Settings…)");
            Q_EMIT webhookReceiverChanged();
            Q_EMIT message(tr("Webhook receiver not started: %1").arg(m_webhookError));
            return;
        }
        QString why;
        if (!startWebhookReceiver(settings, load->key(), &why))
            Q_EMIT message(tr("The webhook receiver could not start: %1").arg(why));
    });
}

}  // namespace bd::session
