#include "cloud/GcsV4Signer.h"

#include "cloud/CloudCrypto.h"
#include "core/Redact.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

namespace bd::cloud {

GcsServiceAccount GcsServiceAccount::fromJson(const QByteArray &json, Error *error)
{
    const QJsonObject o = QJsonDocument::fromJson(json).object();
    GcsServiceAccount a;
    a.clientEmail = o.value(QLatin1String("client_email")).toString();
    a.privateKeyPem = o.value(QLatin1String("private_key")).toString().toUtf8();
    const QString tokenUri = o.value(QLatin1String("token_uri")).toString();
    if (!tokenUri.isEmpty())
        a.tokenUri = tokenUri;
    registerSecret(QString::fromUtf8(a.privateKeyPem));
    if (!a.isValid() && error)
        *error = Error(ErrorKind::InvalidInput,
                       QStringLiteral("The Google credentials are not a service-account key (client_email and "
                                      "private_key are needed to sign URLs)."));
    return a;
}

GcsServiceAccount GcsServiceAccount::fromFile(const QString &path, Error *error)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        if (error)
            *error = Error(ErrorKind::Io, QStringLiteral("Cannot read Google credentials %1: %2").arg(path, f.errorString()));
        return {};
    }
    return fromJson(f.readAll(), error);
}

GcsServiceAccount GcsServiceAccount::fromEnvironment(Error *error)
{
    const QString path = qEnvironmentVariable("GOOGLE_APPLICATION_CREDENTIALS");
    if (path.isEmpty()) {
        if (error)
            *error = Error(ErrorKind::InvalidInput,
                           QStringLiteral("Set GOOGLE_APPLICATION_CREDENTIALS to a service-account JSON key to sign GCS URLs."));
        return {};
    }
    return fromFile(path, error);
}

GcsV4Signer::GcsV4Signer(GcsServiceAccount account, QString host) : m_account(std::move(account)), m_host(std::move(host)) {}

QString GcsV4Signer::credentialScope(const QDateTime &when)
{
    return when.toUTC().toString(QStringLiteral("yyyyMMdd")) + QStringLiteral("/auto/storage/goog4_request");
}

namespace {
QByteArray encodeQuery(QList<QPair<QString, QString>> query)
{
    QList<QPair<QByteArray, QByteArray>> enc;
    for (const auto &kv : query)
        enc.append({ uriEncode(kv.first), uriEncode(kv.second) });
    std::sort(enc.begin(), enc.end());
    QByteArrayList parts;
    for (const auto &kv : enc)
        parts.append(kv.first + '=' + kv.second);
    return parts.join('&');
}
}  // namespace

QList<QPair<QString, QString>> GcsV4Signer::signingQuery(const QDateTime &when, qint64 expiresSeconds) const
{
    return { { QStringLiteral("X-Goog-Algorithm"), QStringLiteral("GOOG4-RSA-SHA256") },
             { QStringLiteral("X-Goog-Credential"), m_account.clientEmail + QLatin1Char('/') + credentialScope(when) },
             { QStringLiteral("X-Goog-Date"), when.toUTC().toString(QStringLiteral("yyyyMMdd'T'HHmmss'Z'")) },
             { QStringLiteral("X-Goog-Expires"), QString::number(expiresSeconds) },
             { QStringLiteral("X-Goog-SignedHeaders"), QStringLiteral("host") } };
}

QByteArray GcsV4Signer::canonicalRequest(const QString &bucket, const QString &object,
                                         const QList<QPair<QString, QString>> &query) const
{
    return "GET\n/" + bucket.toUtf8() + '/' + uriEncode(object, true) + '\n' + encodeQuery(query) + "\nhost:"
           + m_host.toUtf8() + "\n\nhost\nUNSIGNED-PAYLOAD";
}

QByteArray GcsV4Signer::stringToSign(const QDateTime &when, const QByteArray &canonical) const
{
    return "GOOG4-RSA-SHA256\n" + when.toUTC().toString(QStringLiteral("yyyyMMdd'T'HHmmss'Z'")).toLatin1() + '\n'
           + credentialScope(when).toLatin1() + '\n' + sha256Hex(canonical);
}

QString GcsV4Signer::signedUrl(const QString &bucket, const QString &object, const QDateTime &when,
                               qint64 expiresSeconds, Error *error) const
{
    const QByteArray pem = m_account.privateKeyPem;
    return signedUrl(bucket, object, when, expiresSeconds,
                     [pem](const QByteArray &toSign, QString *why) { return rsaSha256Sign(pem, toSign, why); }, error);
}

QString GcsV4Signer::signedUrl(const QString &bucket, const QString &object, const QDateTime &when,
                               qint64 expiresSeconds, const BlobSigner &sign, Error *error) const
{
    const auto query = signingQuery(when, expiresSeconds);
    QString why;
    const QByteArray sig = sign(stringToSign(when, canonicalRequest(bucket, object, query)), &why);
    if (sig.isEmpty()) {
        if (error)
            *error = Error(ErrorKind::InvalidInput, QStringLiteral("Cannot sign the GCS URL: %1").arg(why));
        return {};
    }
    return QStringLiteral("https://") + m_host + QLatin1Char('/') + bucket + QLatin1Char('/')
           + QString::fromLatin1(uriEncode(object, true)) + QLatin1Char('?') + QString::fromLatin1(encodeQuery(query))
           + QStringLiteral("&X-Goog-Signature=") + QString::fromLatin1(sig.toHex());
}

QByteArray GcsV4Signer::jwtAssertion(const QDateTime &now, Error *error, const QString &scope) const
{
    const qint64 iat = now.toSecsSinceEpoch();
    const QByteArray header = base64Url(R"({"alg":"RS256","typ":"JWT"})");
    const QJsonObject claims{ { QStringLiteral("iss"), m_account.clientEmail },
                              { QStringLiteral("scope"), scope },
                              { QStringLiteral("aud"), m_account.tokenUri },
                              { QStringLiteral("iat"), iat },
                              { QStringLiteral("exp"), iat + 3600 } };
    const QByteArray signingInput = header + '.' + base64Url(QJsonDocument(claims).toJson(QJsonDocument::Compact));
    QString why;
    const QByteArray sig = rsaSha256Sign(m_account.privateKeyPem, signingInput, &why);
    if (sig.isEmpty()) {
        if (error)
            *error = Error(ErrorKind::InvalidInput, QStringLiteral("Cannot sign the OAuth2 assertion: %1").arg(why));
        return {};
    }
    return signingInput + '.' + base64Url(sig);
}

}  // namespace bd::cloud
