#pragma once
// Signed storage-host URLs: http://HOST:PORT/signed/<op>/<token>?expires=<epoch>&signature=<hex>
// where signature = HMAC-SHA256(secret, "<op>\n<token>\n<expires>") in lower-case hex.
#include <QByteArray>
#include <QString>
#include <QUrl>

namespace bd::sandbox {

class UrlSigner
{
public:
    enum class Check { Valid, BadSignature, Expired };

    explicit UrlSigner(QByteArray secret = randomSecret());

    // token may contain '/' (path segments); each segment is percent-encoded in the URL.
    QString url(const QUrl &storageBase, const QString &op, const QString &token, qint64 ttlSeconds) const;
    Check check(const QString &op, const QString &token, const QString &expires, const QString &signature,
                qint64 nowEpoch) const;
    QString signature(const QString &op, const QString &token, qint64 expires) const;

    QByteArray secret() const { return m_secret; }
    static QByteArray randomSecret();

private:
    QByteArray m_secret;
};

}  // namespace bd::sandbox
