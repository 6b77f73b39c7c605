#pragma once
// The API key store: one entry per API host in the system keychain (QtKeychain: Secret Service
// on Linux, Keychain on macOS, Credential Manager on Windows), service "batchdeck".
// Shaped like Nextcloud's credentials jobs: every keychain request is its own KeychainOperation
// (read / write / delete one account) with exactly one result, so no caller ever filters shared
// signals by account. Keychain calls can hang for ~25 s when no secret service answers, so each
// operation is bounded by timeoutMs(); when the keychain is unavailable a caller may keep the
// key for this session only (setSessionOnly), in memory, never on disk.
#include "core/Error.h"
#include "core/Operation.h"

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QUrl>

namespace bd::secrets {

class SecretStore;

// Keychain account of an API base URL: host, plus ":port" when a non-default port is given, so
// that US / EU / sandbox keys stay separate. Empty for a URL without a host.
QString keyringAccountFor(const QUrl &baseUrl);

// True when `error` (from a KeychainOperation) means no usable keychain: the caller may offer
// SecretStore::setSessionOnly instead.
bool isKeychainUnavailable(const Error &error);

// One keychain request. Created by SecretStore::read / write / remove, already started (the
// answer always comes later, from the event loop); deletes itself after finished(). A read
// answered from the session-only keys never touches the keychain.
class KeychainOperation : public Operation
{
    Q_OBJECT
public:
    enum class Kind { Read, Write, Delete };
    Q_ENUM(Kind)

    Kind kind() const { return m_kind; }
    QString account() const { return m_account; }
    // Read: the key found (valid once finished without error). Write: the key written.
    QString key() const { return m_key; }

protected:
    void doStart() override;
    void doCancel() override;

private:
    friend class SecretStore;
    KeychainOperation(SecretStore *store, Kind kind, const QString &account, const QString &key);
    void onAnswered(int code, const QString &detail, const QString &value);

    QPointer<SecretStore> m_store;
    Kind m_kind;
    QString m_account;
    QString m_key;
    QString m_service;
    int m_timeoutMs = 0;
    QPointer<QObject> m_job;   // the QtKeychain job while it runs
};

class SecretStore : public QObject
{
    Q_OBJECT
public:
    static constexpr int kDefaultTimeoutMs = 30000;

    explicit SecretStore(QObject *parent = nullptr);
    ~SecretStore() override;

    // "batchdeck"; tests may use their own service so they never touch a real entry.
    QString serviceName() const { return m_service; }
    void setServiceName(const QString &service) { m_service = service; }

    // Longest wait for the keychain before an operation fails with a Timeout error.
    int timeoutMs() const { return m_timeoutMs; }
    void setTimeoutMs(int ms) { m_timeoutMs = ms; }

    // One operation per request, started, owned by this store until it deletes itself. A
    // session-only key answers read() without the keychain; remove() also drops it and a
    // missing entry is success; a successful write() makes the keychain authoritative again.
    KeychainOperation *read(const QString &account);
    KeychainOperation *write(const QString &account, const QString &key);
    KeychainOperation *remove(const QString &account);

    // Keep `key` in memory for this process only (the keychain fallback). Never persisted.
    void setSessionOnly(const QString &account, const QString &key);
    bool hasSessionOnly(const QString &account) const { return m_sessionKeys.contains(account); }
    void clearSessionOnly(const QString &account) { m_sessionKeys.remove(account); }

private:
    friend class KeychainOperation;
    KeychainOperation *startOperation(KeychainOperation::Kind kind, const QString &account, const QString &key);

    QString m_service = QStringLiteral("batchdeck");
    int m_timeoutMs = kDefaultTimeoutMs;
    QHash<QString, QString> m_sessionKeys;  // account -> key, memory only
};

}  // namespace bd::secrets
