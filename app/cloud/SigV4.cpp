#include "cloud/SigV4.h"

#include "cloud/CloudCrypto.h"

#include <algorithm>

namespace bd::cloud {

SigV4Signer::SigV4Signer(AwsCredentials credentials, QString region, QString service)
    : m_credentials(std::move(credentials)), m_region(std::move(region)), m_service(std::move(service))
{
}

QString SigV4Signer::amzDate(const QDateTime &when)
{
    return when.toUTC().toString(QStringLiteral("yyyyMMdd'T'HHmmss'Z'"));
}

QString SigV4Signer::scope(const QDateTime &when) const
{
    return QStringLiteral("%1/%2/%3/aws4_request")
        .arg(when.toUTC().toString(QStringLiteral("yyyyMMdd")), m_region, m_service);
}

namespace {
QByteArray canonicalQuery(const QList<QPair<QString, QString>> &query)
{
    QList<QPair<QByteArray, QByteArray>> encoded;
    for (const auto &kv : query)
        encoded.append({ uriEncode(kv.first), uriEncode(kv.second) });
    std::sort(encoded.begin(), encoded.end());   // by encoded name, then value
    QByteArrayList parts;
    for (const auto &kv : encoded)
        parts.append(kv.first + '=' + kv.second);
    return parts.join('&');
}

QMap<QString, QString> withHost(const SigV4Request &r)
{
    QMap<QString, QString> h;
    for (auto it = r.headers.begin(); it != r.headers.end(); ++it)
        h.insert(it.key().toLower(), it.value().simplified());   // trim, collapse inner spaces
    if (!h.contains(QStringLiteral("host")))
        h.insert(QStringLiteral("host"), r.host);
    return h;
}
}  // namespace

QByteArray SigV4Signer::canonicalRequest(const SigV4Request &r) const
{
    const QMap<QString, QString> headers = withHost(r);
    QByteArray canonicalHeaders;
    for (auto it = headers.begin(); it != headers.end(); ++it)
        canonicalHeaders += it.key().toUtf8() + ':' + it.value().toUtf8() + '\n';
    const QByteArray signedHeaders = headers.keys().join(QLatin1Char(';')).toUtf8();
    // S3 encodes the path once (other services encode it twice).
    return r.method + '\n' + uriEncode(r.path.isEmpty() ? QStringLiteral("/") : r.path, true) + '\n'
           + canonicalQuery(r.query) + '\n' + canonicalHeaders + '\n' + signedHeaders + '\n' + r.payloadHash;
}

QByteArray SigV4Signer::stringToSign(const QDateTime &when, const QByteArray &canonical) const
{
    return "AWS4-HMAC-SHA256\n" + amzDate(when).toLatin1() + '\n' + scope(when).toUtf8() + '\n' + sha256Hex(canonical);
}

QByteArray SigV4Signer::signingKey(const QDateTime &when) const
{
    const QByteArray date = hmacSha256("AWS4" + m_credentials.secretAccessKey.toUtf8(),
                                       when.toUTC().toString(QStringLiteral("yyyyMMdd")).toLatin1());
    const QByteArray region = hmacSha256(date, m_region.toUtf8());
    const QByteArray service = hmacSha256(region, m_service.toUtf8());
    return hmacSha256(service, "aws4_request");
}

QByteArray SigV4Signer::signature(const QDateTime &when, const SigV4Request &r) const
{
    return hmacSha256(signingKey(when), stringToSign(when, canonicalRequest(r))).toHex();
}

QString SigV4Signer::presign(SigV4Request r, const QDateTime &when, qint64 expiresSeconds, const QString &scheme) const
{
    r.payloadHash = kUnsignedPayload;
    const QMap<QString, QString> headers = withHost(r);
    r.query.append({ QStringLiteral("X-Amz-Algorithm"), QStringLiteral("AWS4-HMAC-SHA256") });
    r.query.append({ QStringLiteral("X-Amz-Credential"), m_credentials.accessKeyId + QLatin1Char('/') + scope(when) });
    r.query.append({ QStringLiteral("X-Amz-Date"), amzDate(when) });
    r.query.append({ QStringLiteral("X-Amz-Expires"), QString::number(expiresSeconds) });
    if (!m_credentials.sessionToken.isEmpty())
        r.query.append({ QStringLiteral("X-Amz-Security-Token"), m_credentials.sessionToken });
    r.query.append({ QStringLiteral("X-Amz-SignedHeaders"), headers.keys().join(QLatin1Char(';')) });
    const QByteArray sig = signature(when, r);
    return scheme + QStringLiteral("://") + r.host + QString::fromLatin1(uriEncode(r.path, true)) + QLatin1Char('?')
           + QString::fromLatin1(canonicalQuery(r.query)) + QStringLiteral("&X-Amz-Signature=")
           + QString::fromLatin1(sig);
}

QByteArray SigV4Signer::authorize(SigV4Request &r, const QDateTime &when) const
{
    r.headers.insert(QStringLiteral("x-amz-date"), amzDate(when));
    r.headers.insert(QStringLiteral("x-amz-content-sha256"), QString::fromLatin1(r.payloadHash));
    if (!m_credentials.sessionToken.isEmpty())
        r.headers.insert(QStringLiteral("x-amz-security-token"), m_credentials.sessionToken);
    const QByteArray signedHeaders = withHost(r).keys().join(QLatin1Char(';')).toUtf8();
    return "AWS4-HMAC-SHA256 Credential=" + m_credentials.accessKeyId.toUtf8() + '/' + scope(when).toUtf8()
           + ",SignedHeaders=" + signedHeaders + ",Signature=" + signature(when, r);
}

S3Location s3Location(const AwsCredentials &c, const QString &bucket, const QString &key)
{
    // Path style lists "/bucket" (no trailing slash, as botocore); virtual-host style lists "/".
    const QString path = key.isEmpty() ? QString() : QLatin1Char('/') + key;
    if (!c.endpointUrl.isEmpty()) {
        const QUrl endpoint(c.endpointUrl);
        QString host = endpoint.host();
        if (endpoint.port() > 0)
            host += QLatin1Char(':') + QString::number(endpoint.port());
        QString base = endpoint.path();
        while (base.endsWith(QLatin1Char('/')))
            base.chop(1);
        return { endpoint.scheme().isEmpty() ? QStringLiteral("https") : endpoint.scheme(), host,
                 base + QLatin1Char('/') + bucket + path };
    }
    const QString awsHost = c.region == QLatin1String("us-east-1") || c.region.isEmpty()
                                ? QStringLiteral("s3.amazonaws.com")
                                : QStringLiteral("s3.%1.amazonaws.com").arg(c.region);
    if (bucket.contains(QLatin1Char('.')))   // a dotted bucket breaks the wildcard TLS certificate
        return { QStringLiteral("https"), awsHost, QLatin1Char('/') + bucket + path };
    return { QStringLiteral("https"), bucket + QLatin1Char('.') + awsHost, path.isEmpty() ? QStringLiteral("/") : path };
}

}  // namespace bd::cloud
