#include "secrets/SecretStore.h"

#include "core/Redact.h"

#include <QTimer>

#include <qt6keychain/keychain.h>

namespace bd::secrets {
namespace {

const char *kNoServiceMessage =
    "No secret service answered (is a keyring such as gnome-keyring running and unlocked?)";

// QtKeychain 0.13 on Linux reports a missing secret service as OtherError (7), not
// NoBackendAvailable, so both (and NotImplemented) mean "no usable keychain".
Error keychainError(QKeychain::Error code, const QString &detail, const QString &account)
{
    switch (code) {
    case QKeychain::NoError:
        return {};
    case QKeychain::EntryNotFound:
        return {ErrorKind::NotFound,
                QStringLiteral("No API key is stored in the keychain for %1.").arg(account)};
    case QKeychain::AccessDeniedByUser:
    case QKeychain::AccessDenied:
        return {ErrorKind::Forbidden,
                QStringLiteral("The keychain refused access to the API key for %1: %2").arg(account, detail)};
    case QKeychain::CouldNotDeleteEntry:
        return {ErrorKind::Internal,
                QStringLiteral("The keychain could not delete the API key for %1: %2").arg(account, detail)};
    case QKeychain::NoBackendAvailable:
    case QKeychain::NotImplemented:
    case QKeychain::OtherError:
        break;
    }
    return {ErrorKind::Io,
            QStringLiteral("The keychain is unavailable (%1). The API key can be kept for this session "
                           "only.").arg(detail.isEmpty() ? QStringLiteral("no secret service") : detail)};
}

}  // namespace

QString keyringAccountFor(const QUrl &baseUrl)
{
    QString host = baseUrl.host().toLower();
    if (host.contains(QLatin1Char(':')))  // IPv6: brackets keep the port separable
        host = QLatin1Char('[') + host + QLatin1Char(']');
    if (host.isEmpty())
        return {};
    const int defaultPort = baseUrl.scheme() == QLatin1String("http") ? 80 : 443;
    const int port = baseUrl.port(defaultPort);
    return port == defaultPort ? host : host + QLatin1Char(':') + QString::number(port);
}

bool isKeychainUnavailable(const Error &error)
{
    return error.kind == ErrorKind::Io || error.kind == ErrorKind::Timeout;
}

SecretStore::SecretStore(QObject *parent)
    : QObject(parent)
{
}

SecretStore::~SecretStore() = default;

KeychainOperation *SecretStore::read(const QString &account)
{
    return startOperation(KeychainOperation::Kind::Read, account, {});
}

KeychainOperation *SecretStore::write(const QString &account, const QString &key)
{
    registerSecret(key);
    return startOperation(KeychainOperation::Kind::Write, account, key);
}

KeychainOperation *SecretStore::remove(const QString &account)
{
    m_sessionKeys.remove(account);
    return startOperation(KeychainOperation::Kind::Delete, account, {});
}

void SecretStore::setSessionOnly(const QString &account, const QString &key)
{
    registerSecret(key);
    m_sessionKeys.insert(account, key);
}

KeychainOperation *SecretStore::startOperation(KeychainOperation::Kind kind, const QString &account, const QString &key)
{
    auto *operation = new KeychainOperation(this, kind, account, key);
    operation->setAutoDelete(true);
    operation->start();   // schedules doStart: connect to finished() right after this returns
    return operation;
}

// --- KeychainOperation -----------------------------------------------------------------------

KeychainOperation::KeychainOperation(SecretStore *store, Kind kind, const QString &account, const QString &key)
    : Operation(store)
    , m_store(store)
    , m_kind(kind)
    , m_account(account)
    , m_key(key)
    , m_service(store->serviceName())
    , m_timeoutMs(store->timeoutMs())
{
    setCapabilities(Cancellable);
    static const char *const titles[] = { "Read the API key for %1", "Store the API key for %1",
                                          "Forget the API key for %1" };
    setTitle(QString::fromLatin1(titles[int(kind)]).arg(account));
}

void KeychainOperation::doStart()
{
    if (m_account.isEmpty())
        return emitResult({ErrorKind::InvalidInput, QStringLiteral("No API host given.")});
    if (m_kind == Kind::Write && m_key.isEmpty())
        return emitResult({ErrorKind::InvalidInput, QStringLiteral("Both an API host and an API key are required.")});
    if (m_kind == Kind::Read && m_store) {
        const auto it = m_store->m_sessionKeys.constFind(m_account);
        if (it != m_store->m_sessionKeys.constEnd()) {
            m_key = it.value();
            return emitResult();
        }
    }
    // The QtKeychain job has no parent and deletes itself when it finishes: a job abandoned
    // after the timeout (or outliving this operation) still completes inside QtKeychain's
    // serial queue.
    QKeychain::Job *job = nullptr;
    switch (m_kind) {
    case Kind::Read:
        job = new QKeychain::ReadPasswordJob(m_service);
        break;
    case Kind::Write: {
        auto *write = new QKeychain::WritePasswordJob(m_service);
        write->setTextData(m_key);
        job = write;
        break;
    }
    case Kind::Delete:
        job = new QKeychain::DeletePasswordJob(m_service);
        break;
    }
    job->setAutoDelete(true);
    job->setInsecureFallback(false);  // never a plain-text settings file
    job->setKey(m_account);
    m_job = job;
    connect(job, &QKeychain::Job::finished, this, [this](QKeychain::Job *j) {
        const QString value = m_kind == Kind::Read && j->error() == QKeychain::NoError
                                  ? static_cast<QKeychain::ReadPasswordJob *>(j)->textData()
                                  : QString();
        onAnswered(int(j->error()), j->errorString(), value);
    });
    QTimer::singleShot(m_timeoutMs, this, [this] {
        if (isFinished())
            return;
        if (m_job)
            QObject::disconnect(m_job, nullptr, this, nullptr);
        emitResult({ErrorKind::Timeout, QString::fromLatin1(kNoServiceMessage)});
    });
    job->start();  // QtKeychain only schedules the work: the answer always comes later
}

void KeychainOperation::doCancel()
{
    if (m_job)
        QObject::disconnect(m_job, nullptr, this, nullptr);   // the job completes on its own
}

void KeychainOperation::onAnswered(int code, const QString &detail, const QString &value)
{
    if (isFinished())
        return;
    const auto keychainCode = QKeychain::Error(code);
    Error error = keychainError(keychainCode, detail, m_account);
    if (m_kind == Kind::Delete && keychainCode == QKeychain::EntryNotFound)
        error = {};  // forgetting what is not there is success
    if (m_kind == Kind::Read && !error) {
        m_key = value;
        registerSecret(value);
    }
    if (m_kind == Kind::Write && !error && m_store)
        m_store->m_sessionKeys.remove(m_account);  // the keychain is authoritative again
    emitResult(error);
}

}  // namespace bd::secrets
