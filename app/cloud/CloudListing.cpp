#include "cloud/CloudListing.h"

#include "cloud/CloudCrypto.h"
#include "cloud/SigV4.h"
#include "core/Redact.h"

#include <QFutureWatcher>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QUrlQuery>
#include <QXmlStreamReader>
#include <QtConcurrent/QtConcurrentRun>

namespace bd::cloud {

namespace {
QString encodeQuery(const QList<QPair<QString, QString>> &q)
{
    QStringList parts;
    for (const auto &kv : q)
        parts.append(QString::fromLatin1(uriEncode(kv.first) + '=' + uriEncode(kv.second)));
    return parts.join(QLatin1Char('&'));
}
QString httpDate(const QDateTime &t)
{
    return QLocale::c().toString(t.toUTC(), QStringLiteral("ddd, dd MMM yyyy hh:mm:ss 'GMT'"));
}
}  // namespace

CloudListing::CloudListing(BucketPath path, MediaKind kind, QObject *parent)
    : Operation(parent), m_path(std::move(path)), m_kind(kind)
{
    setTitle(QStringLiteral("Listing %1").arg(m_path.base));
}

CloudListing::~CloudListing()
{
    if (m_reply)
        m_reply->abort();
}

void CloudListing::doStart()
{
    m_nam = new QNetworkAccessManager(this);
    setTotalAmount(Unit::Items, -1);
    if (m_path.provider == CloudProvider::Gcs && m_gcsToken.isEmpty() && m_gcsAccount.isValid())
        requestGcsToken();
    else
        requestPage();
}

void CloudListing::doCancel()
{
    if (m_reply)
        m_reply->abort();
}

void CloudListing::requestGcsToken()
{
    Error e;
    const QByteArray jwt = GcsV4Signer(m_gcsAccount).jwtAssertion(QDateTime::currentDateTimeUtc(), &e);
    if (jwt.isEmpty())
        return emitResult(e);
    QNetworkRequest req{ QUrl(m_gcsAccount.tokenUri) };
    req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/x-www-form-urlencoded"));
    m_tokenRequest = true;
    m_reply = m_nam->post(req, "grant_type=" + uriEncode(QStringLiteral("urn:ietf:params:oauth:grant-type:jwt-bearer"))
                                   + "&assertion=" + jwt);
    connect(m_reply, &QNetworkReply::finished, this, &CloudListing::onReply);
}

void CloudListing::refreshAwsThenRequest()
{
    m_refreshing = true;
    struct Refreshed {
        AwsCredentials credentials;
        Error error;
    };
    auto *watcher = new QFutureWatcher<Refreshed>(this);
    connect(watcher, &QFutureWatcher<Refreshed>::finished, this, [this, watcher] {
        watcher->deleteLater();
        if (isFinished())
            return;
        const Refreshed r = watcher->result();
        ++m_refreshes;
        if (r.error) {
            // Still valid for a while: go on with them; expired: stop with the provider's reason.
            if (QDateTime::currentDateTimeUtc() >= m_aws.expiration) {
                m_refreshing = false;
                return emitResult(r.error);
            }
        } else {
            m_aws = r.credentials;
        }
        requestPage();   // m_refreshing still set: at most one refresh per page
        m_refreshing = false;
    });
    const AwsRefresher refresher = m_awsRefresher;
    watcher->setFuture(QtConcurrent::run([refresher] {
        Refreshed r;
        r.credentials = refresher(&r.error);
        return r;
    }));
}

void CloudListing::requestPage()
{
    if (m_path.provider == CloudProvider::S3 && m_awsRefresher && !m_refreshing
        && m_aws.needsRefresh(QDateTime::currentDateTimeUtc()))
        return refreshAwsThenRequest();
    QNetworkRequest req;
    const QString pageSize = QString::number(m_pageSize);
    switch (m_path.provider) {
    case CloudProvider::S3: {
        const S3Location loc = s3Location(m_aws, m_path.bucket, QString());
        SigV4Request r;
        r.host = loc.host;
        r.path = loc.path;
        r.query = { { QStringLiteral("list-type"), QStringLiteral("2") }, { QStringLiteral("max-keys"), pageSize },
                    { QStringLiteral("prefix"), m_path.prefix } };
        if (!m_next.isEmpty())
            r.query.append({ QStringLiteral("continuation-token"), m_next });
        const QByteArray auth = SigV4Signer(m_aws, m_aws.region).authorize(r, QDateTime::currentDateTimeUtc());
        req.setUrl(QUrl::fromEncoded((loc.scheme + QStringLiteral("://") + loc.host
                                      + QString::fromLatin1(uriEncode(loc.path, true)) + QLatin1Char('?') + encodeQuery(r.query))
                                         .toLatin1(), QUrl::StrictMode));
        for (auto it = r.headers.begin(); it != r.headers.end(); ++it)
            req.setRawHeader(it.key().toLatin1(), it.value().toUtf8());
        req.setRawHeader("Authorization", auth);
        break;
    }
    case CloudProvider::Gcs: {
        QList<QPair<QString, QString>> q{ { QStringLiteral("prefix"), m_path.prefix }, { QStringLiteral("maxResults"), pageSize },
                                          { QStringLiteral("fields"), QStringLiteral("items(name,size),nextPageToken") } };
        if (!m_next.isEmpty())
            q.append({ QStringLiteral("pageToken"), m_next });
        req.setUrl(QUrl::fromEncoded((m_gcsRoot + QStringLiteral("/storage/v1/b/") + QString::fromLatin1(uriEncode(m_path.bucket))
                                      + QStringLiteral("/o?") + encodeQuery(q)).toLatin1(), QUrl::StrictMode));
        if (!m_gcsToken.isEmpty())
            req.setRawHeader("Authorization", "Bearer " + m_gcsToken.toUtf8());
        break;
    }
    case CloudProvider::Azure: {
        QList<QPair<QString, QString>> q{ { QStringLiteral("restype"), QStringLiteral("container") },
                                          { QStringLiteral("comp"), QStringLiteral("list") },
                                          { QStringLiteral("prefix"), m_path.prefix },
                                          { QStringLiteral("maxresults"), pageSize } };
        if (!m_next.isEmpty())
            q.append({ QStringLiteral("marker"), m_next });
        const QUrl account(m_azure.accountUrl());
        const QString path = account.path() + QLatin1Char('/') + m_path.bucket;
        QString url = m_azure.accountUrl() + QLatin1Char('/') + m_path.bucket + QLatin1Char('?') + encodeQuery(q);
        if (!m_azure.sasToken.isEmpty()) {
            url += QLatin1Char('&') + m_azure.sasToken;
        } else {
            const QMap<QString, QString> headers{ { QStringLiteral("x-ms-date"), httpDate(QDateTime::currentDateTimeUtc()) },
                                                  { QStringLiteral("x-ms-version"), QLatin1String(kAzureApiVersion) } };
            for (auto it = headers.begin(); it != headers.end(); ++it)
                req.setRawHeader(it.key().toLatin1(), it.value().toLatin1());
            req.setRawHeader("Authorization", AzureSas::sharedKeyAuthorization(m_azure, "GET", path, q, headers));
        }
        req.setUrl(QUrl::fromEncoded(url.toLatin1(), QUrl::StrictMode));
        break;
    }
    }
    m_tokenRequest = false;
    m_reply = m_nam->get(req);
    connect(m_reply, &QNetworkReply::finished, this, &CloudListing::onReply);
}

Error CloudListing::httpError(QNetworkReply *reply, const QByteArray &body) const
{
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QString detail = redact(QString::fromUtf8(body.left(2000)));
    if (status == 404)
        return Error(ErrorKind::NotFound,
                     QStringLiteral("%1 does not exist. Check the bucket or container name, the region and the path.")
                         .arg(m_path.base), status, detail);
    if (status == 401 || status == 403)
        return Error(status == 401 ? ErrorKind::Unauthorized : ErrorKind::Forbidden,
                     QStringLiteral("Access to %1 was refused. Check the credentials, the region, the permission to "
                                    "list objects and the network.").arg(m_path.base), status, detail);
    if (status == 0)
        return Error(ErrorKind::Network, QStringLiteral("Cloud storage error while listing %1: %2")
                                             .arg(m_path.base, redact(reply->errorString())));
    return Error(status >= 500 ? ErrorKind::Server : ErrorKind::BadRequest,
                 QStringLiteral("Cloud storage error while listing %1 (HTTP %2).").arg(m_path.base).arg(status), status, detail);
}

void CloudListing::onReply()
{
    QNetworkReply *reply = m_reply;
    if (!reply)
        return;
    reply->deleteLater();
    m_reply.clear();
    if (reply->error() == QNetworkReply::OperationCanceledError)
        return;   // cancel(): the base class finishes with Cancelled
    const QByteArray body = reply->readAll();
    if (reply->error() != QNetworkReply::NoError)
        return emitResult(httpError(reply, body));
    if (m_tokenRequest) {
        m_gcsToken = QJsonDocument::fromJson(body).object().value(QLatin1String("access_token")).toString();
        if (m_gcsToken.isEmpty())
            return emitResult(Error(ErrorKind::BadResponse, QStringLiteral("The Google token endpoint returned no access_token.")));
        registerSecret(m_gcsToken);
        return requestPage();
    }
    ++m_pages;
    QString next;
    const bool ok = m_path.provider == CloudProvider::S3    ? parseS3(body, &next)
                    : m_path.provider == CloudProvider::Gcs ? parseGcs(body, &next)
                                                            : parseAzure(body, &next);
    if (!ok)
        return emitResult(Error(ErrorKind::BadResponse,
                                QStringLiteral("Cloud storage returned an unreadable listing for %1.").arg(m_path.base)));
    setStatusText(QStringLiteral("%1 objects listed, %2 match").arg(m_seen).arg(m_objects.size()));
    if (next.isEmpty() || next == m_next)
        return finishListing();
    m_next = next;
    requestPage();
}

void CloudListing::consider(const QString &key, qint64 size)
{
    ++m_seen;
    setProcessedAmount(Unit::Items, m_seen);
    if (key.endsWith(QLatin1Char('/')) || !isMediaFile(key, m_kind) || !m_path.matches(key))
        return;
    m_objects.append({ key, size });
    setProcessedAmount(Unit::Files, m_objects.size());
}

bool CloudListing::parseS3(const QByteArray &body, QString *next)
{
    QXmlStreamReader xml(body);
    QString key;
    qint64 size = -1;
    bool truncated = false;
    while (!xml.atEnd()) {
        xml.readNext();
        if (xml.isEndElement() && xml.name() == QLatin1String("Contents")) {
            consider(key, size);
            continue;
        }
        if (!xml.isStartElement())
            continue;
        const auto name = xml.name();
        if (name == QLatin1String("Key"))
            key = xml.readElementText();
        else if (name == QLatin1String("Size"))
            size = xml.readElementText().toLongLong();
        else if (name == QLatin1String("IsTruncated"))
            truncated = xml.readElementText() == QLatin1String("true");
        else if (name == QLatin1String("NextContinuationToken"))
            *next = xml.readElementText();
        else if (name == QLatin1String("Contents")) {
            key.clear();
            size = -1;
        }
    }
    if (!truncated)
        next->clear();
    return !xml.hasError();
}

bool CloudListing::parseAzure(const QByteArray &body, QString *next)
{
    // Azure answers with a UTF-8 BOM; QXmlStreamReader copes with it.
    QXmlStreamReader xml(body);
    QString key;
    qint64 size = -1;
    while (!xml.atEnd()) {
        xml.readNext();
        if (xml.isEndElement() && xml.name() == QLatin1String("Blob")) {
            consider(key, size);
            continue;
        }
        if (!xml.isStartElement())
            continue;
        const auto name = xml.name();
        if (name == QLatin1String("Blob")) {
            key.clear();
            size = -1;
        } else if (name == QLatin1String("Name")) {
            key = xml.readElementText();
        } else if (name == QLatin1String("Content-Length")) {
            size = xml.readElementText().toLongLong();
        } else if (name == QLatin1String("NextMarker")) {
            *next = xml.readElementText();
        }
    }
    return !xml.hasError();
}

bool CloudListing::parseGcs(const QByteArray &body, QString *next)
{
    QJsonParseError pe;
    const QJsonObject o = QJsonDocument::fromJson(body, &pe).object();
    if (pe.error != QJsonParseError::NoError)
        return false;
    for (const QJsonValue &v : o.value(QLatin1String("items")).toArray()) {
        const QJsonObject item = v.toObject();
        consider(item.value(QLatin1String("name")).toString(), item.value(QLatin1String("size")).toString().toLongLong());
    }
    *next = o.value(QLatin1String("nextPageToken")).toString();
    return true;
}

void CloudListing::finishListing()
{
    if (m_objects.isEmpty())
        return emitResult(Error(ErrorKind::InvalidInput,
                                QStringLiteral("No files under %1 match%2. Supported extensions: %3.")
                                    .arg(m_path.base,
                                         m_path.pattern.isEmpty() ? QString() : QStringLiteral(" \"%1\"").arg(m_path.pattern),
                                         mediaExtensions(m_kind).join(QStringLiteral(", ")))));
    setTotalAmount(Unit::Files, m_objects.size());
    emitResult();
}

}  // namespace bd::cloud
