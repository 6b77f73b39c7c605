#include "cloud/AzureSas.h"

#include "cloud/CloudCrypto.h"
#include "core/Redact.h"

#include <algorithm>

namespace bd::cloud {

QString AzureCredentials::accountUrl() const
{
    QString url = endpoint.isEmpty() ? QStringLiteral("https://%1.blob.core.windows.net").arg(account) : endpoint;
    while (url.endsWith(QLatin1Char('/')))
        url.chop(1);
    return url;
}

AzureCredentials AzureCredentials::resolve(const QProcessEnvironment &env, Error *error)
{
    AzureCredentials c;
    c.account = env.value(QStringLiteral("AZURE_STORAGE_ACCOUNT_NAME"), env.value(QStringLiteral("AZURE_STORAGE_ACCOUNT")));
    c.sasToken = env.value(QStringLiteral("AZURE_STORAGE_SAS_TOKEN"));
    if (c.sasToken.startsWith(QLatin1Char('?')))
        c.sasToken = c.sasToken.mid(1);
    c.accountKey = env.value(QStringLiteral("AZURE_STORAGE_ACCOUNT_KEY"), env.value(QStringLiteral("AZURE_STORAGE_KEY")));
    c.endpoint = env.value(QStringLiteral("AZURE_STORAGE_BLOB_ENDPOINT"));
    registerSecret(c.sasToken);
    registerSecret(c.accountKey);
    if (!c.isValid() && error)
        *error = Error(ErrorKind::InvalidInput,
                       QStringLiteral("Azure needs AZURE_STORAGE_ACCOUNT_NAME (or AZURE_STORAGE_ACCOUNT) and "
                                      "AZURE_STORAGE_SAS_TOKEN or AZURE_STORAGE_ACCOUNT_KEY (or AZURE_STORAGE_KEY)."));
    return c;
}

QString AzureSas::isoTime(const QDateTime &t)
{
    return t.isValid() ? t.toUTC().toString(QStringLiteral("yyyy-MM-dd'T'HH:mm:ss'Z'")) : QString();
}

QByteArray AzureSas::stringToSign(const QString &account, const QString &container, const QString &blob,
                                  const AzureSasParams &p)
{
    const QStringList fields{
        p.permissions, isoTime(p.start), isoTime(p.expiry),
        QStringLiteral("/blob/%1/%2/%3").arg(account, container, blob),
        QString(),            // signedIdentifier
        QString(),            // signedIP
        p.protocol, p.version,
        QStringLiteral("b"),  // signedResource: blob
        QString(),            // signedSnapshotTime
        QString(),            // signedEncryptionScope (2020-12-06+)
        QString(), QString(), QString(), QString(), QString(),   // rscc rscd rsce rscl rsct
    };
    return fields.join(QLatin1Char('\n')).toUtf8();
}

QString AzureSas::blobSasToken(const AzureCredentials &c, const QString &container, const QString &blob,
                               const AzureSasParams &p)
{
    const QByteArray key = QByteArray::fromBase64(c.accountKey.toLatin1());
    const QByteArray sig = hmacSha256(key, stringToSign(c.account, container, blob, p)).toBase64();
    QStringList q{ QStringLiteral("sv=") + p.version };
    if (p.start.isValid())
        q << QStringLiteral("st=") + QString::fromLatin1(uriEncode(isoTime(p.start)));
    q << QStringLiteral("spr=") + QString::fromLatin1(uriEncode(p.protocol)) << QStringLiteral("se=") + QString::fromLatin1(uriEncode(isoTime(p.expiry)))
      << QStringLiteral("sr=b") << QStringLiteral("sp=") + p.permissions
      << QStringLiteral("sig=") + QString::fromLatin1(uriEncode(sig));
    return q.join(QLatin1Char('&'));
}

QString AzureSas::blobUrl(const AzureCredentials &c, const QString &container, const QString &blob, const QDateTime &expiry)
{
    const QString base = c.accountUrl() + QLatin1Char('/') + container + QLatin1Char('/')
                         + QString::fromLatin1(uriEncode(blob, true));
    if (!c.sasToken.isEmpty())   // reused as-is, expiry ignored (as the reference CLI does)
        return base + QLatin1Char('?') + c.sasToken;
    AzureSasParams p;
    p.expiry = expiry;
    if (c.endpoint.startsWith(QLatin1String("http:")))
        p.protocol = QStringLiteral("https,http");   // local emulators speak plain HTTP
    return base + QLatin1Char('?') + blobSasToken(c, container, blob, p);
}

QByteArray AzureSas::sharedKeyStringToSign(const QByteArray &method, const QString &account, const QString &path,
                                           const QList<QPair<QString, QString>> &query,
                                           const QMap<QString, QString> &headers)
{
    auto h = [&headers](const char *name) { return headers.value(QString::fromLatin1(name)).toUtf8(); };
    QByteArray contentLength = h("content-length");
    if (contentLength == "0")
        contentLength.clear();   // 2015-02-21+: empty when zero
    QByteArray s = method + '\n' + h("content-encoding") + '\n' + h("content-language") + '\n' + contentLength + '\n'
                   + h("content-md5") + '\n' + h("content-type") + '\n' + h("date") + '\n' + h("if-modified-since")
                   + '\n' + h("if-match") + '\n' + h("if-none-match") + '\n' + h("if-unmodified-since") + '\n'
                   + h("range") + '\n';
    for (auto it = headers.begin(); it != headers.end(); ++it)   // QMap: sorted by lower-case name
        if (it.key().startsWith(QLatin1String("x-ms-")))
            s += it.key().toUtf8() + ':' + it.value().trimmed().toUtf8() + '\n';
    s += '/' + account.toUtf8() + path.toUtf8();
    QMap<QString, QStringList> params;
    for (const auto &kv : query)
        params[kv.first.toLower()].append(kv.second);
    for (auto it = params.begin(); it != params.end(); ++it) {
        QStringList values = it.value();
        std::sort(values.begin(), values.end());
        s += '\n' + it.key().toUtf8() + ':' + values.join(QLatin1Char(',')).toUtf8();
    }
    return s;
}

QByteArray AzureSas::sharedKeyAuthorization(const AzureCredentials &c, const QByteArray &method, const QString &path,
                                            const QList<QPair<QString, QString>> &query,
                                            const QMap<QString, QString> &headers)
{
    const QByteArray key = QByteArray::fromBase64(c.accountKey.toLatin1());
    const QByteArray sig = hmacSha256(key, sharedKeyStringToSign(method, c.account, path, query, headers)).toBase64();
    return "SharedKey " + c.account.toUtf8() + ':' + sig;
}

}  // namespace bd::cloud
