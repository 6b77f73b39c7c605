#include "cloud/AwsStsClient.h"

#include "cloud/CloudCrypto.h"
#include "cloud/CredentialHttp.h"
#include "cloud/SigV4.h"
#include "core/Redact.h"

#include <QXmlStreamReader>

namespace bd::cloud {

AwsStsClient::AwsStsClient(const QProcessEnvironment &env, QString region) : m_region(std::move(region))
{
    m_endpoint = env.value(QStringLiteral("AWS_ENDPOINT_URL_STS"), env.value(QStringLiteral("AWS_ENDPOINT_URL")));
    if (m_endpoint.isEmpty())
        m_endpoint = QStringLiteral("https://sts.%1.amazonaws.com").arg(m_region);
    while (m_endpoint.endsWith(QLatin1Char('/')))
        m_endpoint.chop(1);
}

bool AwsStsClient::parseCredentials(const QByteArray &xml, AwsCredentials *out, QString *error)
{
    QXmlStreamReader reader(xml);
    QString code, message, expiration;
    bool inCredentials = false;
    while (!reader.atEnd()) {
        reader.readNext();
        if (reader.isEndElement() && reader.name() == QLatin1String("Credentials"))
            inCredentials = false;
        if (!reader.isStartElement())
            continue;
        const auto name = reader.name();
        if (name == QLatin1String("Credentials"))
            inCredentials = true;
        else if (name == QLatin1String("Code"))
            code = reader.readElementText();
        else if (name == QLatin1String("Message"))
            message = reader.readElementText();
        else if (inCredentials && name == QLatin1String("AccessKeyId"))
            out->accessKeyId = reader.readElementText().trimmed();
        else if (inCredentials && name == QLatin1String("SecretAccessKey"))
            out->secretAccessKey = reader.readElementText().trimmed();
        else if (inCredentials && name == QLatin1String("SessionToken"))
            out->sessionToken = reader.readElementText().trimmed();
        else if (inCredentials && name == QLatin1String("Expiration"))
            expiration = reader.readElementText().trimmed();
    }
    registerSecret(out->secretAccessKey);
    registerSecret(out->sessionToken);
    out->expiration = QDateTime::fromString(expiration, Qt::ISODateWithMs).toUTC();
    if (reader.hasError() || !out->isValid() || !code.isEmpty()) {
        *error = !code.isEmpty() ? QStringLiteral("%1: %2").arg(code.left(80), redact(message.left(300)))
                 : reader.hasError() ? QStringLiteral("unreadable XML (%1)").arg(reader.errorString())
                                     : QStringLiteral("no Credentials in the answer");
        return false;
    }
    return true;
}

bool AwsStsClient::call(const QList<QPair<QString, QString>> &params, const AwsCredentials *signer, AwsCredentials *out,
                        Error *error) const
{
    const QUrl url(m_endpoint + QLatin1Char('/'));
    QByteArrayList form;
    for (const auto &kv : params)
        form.append(uriEncode(kv.first) + '=' + uriEncode(kv.second));
    const QByteArray body = form.join('&');
    HttpHeaders headers{ { "Content-Type", "application/x-www-form-urlencoded; charset=utf-8" },
                         { "Accept", "application/xml" } };
    if (signer) {
        SigV4Request r;
        r.method = "POST";
        r.host = url.port() > 0 ? QStringLiteral("%1:%2").arg(url.host()).arg(url.port()) : url.host();
        r.path = QStringLiteral("/");
        r.headers.insert(QStringLiteral("content-type"), QString::fromLatin1(headers.first().second));
        r.payloadHash = sha256Hex(body);
        const QByteArray auth = SigV4Signer(*signer, m_region, QStringLiteral("sts")).authorize(r, QDateTime::currentDateTimeUtc());
        for (auto it = r.headers.cbegin(); it != r.headers.cend(); ++it)
            if (it.key() != QLatin1String("content-type"))
                headers.append({ it.key().toLatin1(), it.value().toUtf8() });
        headers.append({ "Authorization", auth });
    }
    const HttpAnswer answer = httpFetch("POST", url, headers, body, 15000);
    QString why;
    const QString action = params.first().second;
    if (answer.status == 0) {
        *error = Error(ErrorKind::Network, QStringLiteral("STS %1 at %2 failed: %3").arg(action, m_endpoint, answer.networkError));
        return false;
    }
    if (!parseCredentials(answer.body, out, &why) || !answer.ok()) {
        *error = Error(answer.status == 403 ? ErrorKind::Forbidden : ErrorKind::BadResponse,
                       QStringLiteral("STS %1 at %2 was refused (HTTP %3): %4")
                           .arg(action, m_endpoint).arg(answer.status).arg(why.isEmpty() ? QStringLiteral("?") : why));
        return false;
    }
    return true;
}

bool AwsStsClient::assumeRoleWithWebIdentity(const QString &roleArn, const QString &sessionName, const QString &token,
                                             AwsCredentials *out, Error *error) const
{
    return call({ { QStringLiteral("Action"), QStringLiteral("AssumeRoleWithWebIdentity") },
                  { QStringLiteral("Version"), QStringLiteral("2011-06-15") },
                  { QStringLiteral("RoleArn"), roleArn },
                  { QStringLiteral("RoleSessionName"), sessionName },
                  { QStringLiteral("WebIdentityToken"), token } },
                nullptr, out, error);
}

bool AwsStsClient::assumeRole(const AwsCredentials &source, const QString &roleArn, const QString &sessionName,
                              const QString &externalId, int durationSeconds, AwsCredentials *out, Error *error) const
{
    QList<QPair<QString, QString>> params{ { QStringLiteral("Action"), QStringLiteral("AssumeRole") },
                                           { QStringLiteral("Version"), QStringLiteral("2011-06-15") },
                                           { QStringLiteral("RoleArn"), roleArn },
                                           { QStringLiteral("RoleSessionName"), sessionName } };
    if (!externalId.isEmpty())
        params.append({ QStringLiteral("ExternalId"), externalId });
    if (durationSeconds > 0)
        params.append({ QStringLiteral("DurationSeconds"), QString::number(durationSeconds) });
    return call(params, &source, out, error);
}

}  // namespace bd::cloud
