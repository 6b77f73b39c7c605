#pragma once
// The API key store: one entry per API host in the system keychain (QtKeychain: Secret Service
// on Linux, Keychain on macOS, Credential Manager on Windows), service "batchdeck".
// Shaped like Nextcloud's credentials interface: every call is asynchronous and answers with
// exactly one signal. Keychain calls can hang for ~25 s when no secret service answers, so each
// call is bounded by timeout(); when the keychain is unavailable a caller may keep the key for
// this session only (setSessionOnly), in memory, never on disk.
#include "core/Error.h"

#include <QHash>
#include <QObject>
#include <QString>
#include <QUrl>

namespace bd::secrets {

// Keychain account of an API base URL: host, plus ":port" when a non-default port is given, so
// that US / EU / sandbox keys stay separate. Empty for a URL without a host.
QString keyringAccountFor(const QUrl &baseUrl);

// True when `error` (from a SecretStore signal) means no usable keychain: the caller may offer
// SecretStore::setSessionOnly instead.
bool isKeychainUnavailable(const Error &error);

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

    // Longest wait for the keychain before a call fails with a Timeout error.
    int timeoutMs() const { return m_timeoutMs; }
    void setTimeoutMs(int ms) { m_timeoutMs = ms; }

    // Asynchronous: each call emits exactly one of fetched / stored / forgotten, never from
    // inside the call itself. A session-only key, when present, answers fetch() without the
    // keychain.
    void fetch(const QString &account);
    void store(const QString &account, const QString &key);
    void forget(const QString &account);  // also drops a session-only key; a missing entry is fine

    // Keep `key` in memory for this process only (the keychain fallback). Never persisted.
    void setSessionOnly(const QString &account, const QString &key);
    bool hasSessionOnly(const QString &account) const { return m_sessionKeys.contains(account); }
    void clearSessionOnly(const QString &account) { m_sessionKeys.remove(account); }

Q_SIGNALS:
    void fetched(const QString &account, const QString &key, const bd::Error &error);
    void stored(const QString &account, const bd::Error &error);
    void forgotten(const QString &account, const bd::Error &error);

private:
    enum class Op { Fetch, Store, Forget };
    void startJob(Op op, const QString &account, const QString &key);
    void emitResult(Op op, const QString &account, const QString &key, const Error &error);
    void emitLater(Op op, const QString &account, const QString &key, const Error &error);

    QString m_service = QStringLiteral("batchdeck");
    int m_timeoutMs = kDefaultTimeoutMs;
    QHash<QString, QString> m_sessionKeys;  // account -> key, memory only
};

}  // namespace bd::secrets
