#include "sandbox/UrlSigner.h"

#include <QDateTime>
#include <QRandomGenerator>
#include <QStringList>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace bd::sandbox {

UrlSigner::UrlSigner(QByteArray secret) : m_secret(std::move(secret)) {}

QByteArray UrlSigner::randomSecret()
{
    QByteArray bytes(32, Qt::Uninitialized);
    QRandomGenerator::system()->generate(bytes.begin(), bytes.end());
    return bytes;
}

QString UrlSigner::signature(const QString &op, const QString &token, qint64 expires) const
{
    const QByteArray message = op.toUtf8() + '\n' + token.toUtf8() + '\n' + QByteArray::number(expires);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), m_secret.constData(), int(m_secret.size()),
         reinterpret_cast<const unsigned char *>(message.constData()), size_t(message.size()), digest, &length);
    return QString::fromLatin1(QByteArray(reinterpret_cast<const char *>(digest), int(length)).toHex());
}

QString UrlSigner::url(const QUrl &storageBase, const QString &op, const QString &token, qint64 ttlSeconds) const
{
    const qint64 expires = QDateTime::currentSecsSinceEpoch() + ttlSeconds;
    QStringList segments;
    for (const QString &segment : token.split(QLatin1Char('/')))
        segments << QString::fromLatin1(QUrl::toPercentEncoding(segment));
    return storageBase.toString(QUrl::StripTrailingSlash) + QStringLiteral("/signed/") + op + QLatin1Char('/')
        + segments.join(QLatin1Char('/')) + QStringLiteral("?expires=") + QString::number(expires)
        + QStringLiteral("&signature=") + signature(op, token, expires);
}

UrlSigner::Check UrlSigner::check(const QString &op, const QString &token, const QString &expires,
                                  const QString &signatureHex, qint64 nowEpoch) const
{
    bool ok = false;
    const qint64 when = expires.toLongLong(&ok);
    if (!ok)
        return Check::BadSignature;
    const QByteArray expected = signature(op, token, when).toLatin1();
    const QByteArray given = signatureHex.toLatin1().toLower();
    if (expected.size() != given.size() || CRYPTO_memcmp(expected.constData(), given.constData(), size_t(given.size())) != 0)
        return Check::BadSignature;
    return nowEpoch > when ? Check::Expired : Check::Valid;
}

}  // namespace bd::sandbox
