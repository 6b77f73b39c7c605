#include "secrets/SecretStore.h"

#include "core/Redact.h"

#include <QPointer>
#include <QTimer>

#include <memory>
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

void SecretStore::fetch(const QString &account)
{
    if (account.isEmpty())
        return emitLater(Op::Fetch, account, {}, {ErrorKind::InvalidInput, QStringLiteral("No API host given.")});
    const auto it = m_sessionKeys.constFind(account);
    if (it != m_sessionKeys.constEnd())
        return emitLater(Op::Fetch, account, it.value(), {});
    startJob(Op::Fetch, account, {});
}

void SecretStore::store(const QString &account, const QString &key)
{
    if (account.isEmpty() || key.isEmpty())
        return emitLater(Op::Store, account, {},
                         {ErrorKind::InvalidInput, QStringLiteral("Both an API host and an API key are required.")});
    registerSecret(key);
    startJob(Op::Store, account, key);
}

void SecretStore::forget(const QString &account)
{
    if (account.isEmpty())
        return emitLater(Op::Forget, account, {}, {ErrorKind::InvalidInput, QStringLiteral("No API host given.")});
    m_sessionKeys.remove(account);
    startJob(Op::Forget, account, {});
}

void SecretStore::setSessionOnly(const QString &account, const QString &key)
{
    registerSecret(key);
    m_sessionKeys.insert(account, key);
}

void SecretStore::startJob(Op op, const QString &account, const QString &key)
{
    // Jobs have no parent and delete themselves when they finish: a job abandoned after the
    // timeout (or outliving this store) still completes inside QtKeychain's serial queue.
    QKeychain::Job *job = nullptr;
    switch (op) {
    case Op::Fetch:
        job = new QKeychain::ReadPasswordJob(m_service);
        break;
    case Op::Store: {
        auto *write = new QKeychain::WritePasswordJob(m_service);
        write->setTextData(key);
        job = write;
        break;
    }
    case Op::Forget:
        job = new QKeychain::DeletePasswordJob(m_service);
        break;
    }
    job->setAutoDelete(true);
    job->setInsecureFallback(false);  // never a plain-text settings file
    job->setKey(account);

    auto answered = std::make_shared<bool>(false);
    auto *timer = new QTimer(this);
    timer->setSingleShot(true);
    QPointer<QKeychain::Job> guard(job);

    connect(job, &QKeychain::Job::finished, this, [=, this](QKeychain::Job *j) {
        if (*answered)
            return;
        *answered = true;
        timer->deleteLater();
        Error error = keychainError(j->error(), j->errorString(), account);
        if (op == Op::Forget && j->error() == QKeychain::EntryNotFound)
            error = {};  // forgetting what is not there is success
        QString value;
        if (op == Op::Fetch && !error) {
            value = static_cast<QKeychain::ReadPasswordJob *>(j)->textData();
            registerSecret(value);
        }
        if (op == Op::Store && !error)
            m_sessionKeys.remove(account);  // the keychain is authoritative again
        emitResult(op, account, value, error);
    });
    connect(timer, &QTimer::timeout, this, [=, this] {
        if (*answered)
            return;
        *answered = true;
        timer->deleteLater();
        if (guard)
            QObject::disconnect(guard, nullptr, this, nullptr);
        emitResult(op, account, {}, {ErrorKind::Timeout, QString::fromLatin1(kNoServiceMessage)});
    });
    timer->start(m_timeoutMs);
    job->start();  // QtKeychain only schedules the work: the answer always comes later
}

void SecretStore::emitResult(Op op, const QString &account, const QString &key, const Error &error)
{
    switch (op) {
    case Op::Fetch: Q_EMIT fetched(account, key, error); break;
    case Op::Store: Q_EMIT stored(account, error); break;
    case Op::Forget: Q_EMIT forgotten(account, error); break;
    }
}

void SecretStore::emitLater(Op op, const QString &account, const QString &key, const Error &error)
{
    QTimer::singleShot(0, this, [=, this] { emitResult(op, account, key, error); });
}

}  // namespace bd::secrets
