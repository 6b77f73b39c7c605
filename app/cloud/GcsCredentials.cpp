#include "cloud/GcsCredentials.h"

#include "cloud/CloudCrypto.h"
#include "cloud/CredentialHttp.h"
#include "core/Redact.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>

namespace bd::cloud {

namespace {

const QString kCloudPlatformScope = QStringLiteral("https://www.googleapis.com/auth/cloud-platform");

QString quoted(const QString &s) { return QLatin1Char('`') + s + QLatin1Char('`'); }

struct Google {
    const QProcessEnvironment &env;
    QString tokenUri = QStringLiteral("https://oauth2.googleapis.com/token");
    QString iamRoot = QStringLiteral("https://iamcredentials.googleapis.com");
    QStringList tried;

    bool fail(Error *error, ErrorKind kind, const QString &message) const
    {
        *error = Error(kind, message);
        return false;
    }

    // POST a form to the token endpoint; the access_token of the answer.
    QString tokenRequest(const QString &uri, const QByteArray &form, const QString &what, Error *error) const
    {
        const HttpAnswer a = httpFetch("POST", QUrl(uri), { { "Content-Type", "application/x-www-form-urlencoded" } }, form, 15000);
        const QJsonObject o = QJsonDocument::fromJson(a.body).object();
        const QString token = o.value(QLatin1String("access_token")).toString();
        registerSecret(token);
        if (!a.ok() || token.isEmpty()) {
            fail(error, a.status == 0 ? ErrorKind::Network : ErrorKind::Unauthorized,
                 QStringLiteral("The Google token endpoint refused %1 (%2%3).")
                     .arg(what, a.status ? QStringLiteral("HTTP %1").arg(a.status) : a.networkError,
                          o.contains(QLatin1String("error")) ? QStringLiteral(": ") + o.value(QLatin1String("error")).toString().left(80)
                                                             : QString()));
            return {};
        }
        return token;
    }

    QString refreshUserToken(const QJsonObject &o, Error *error) const
    {
        const QString refresh = o.value(QLatin1String("refresh_token")).toString();
        const QString secret = o.value(QLatin1String("client_secret")).toString();
        registerSecret(refresh);
        registerSecret(secret);
        if (refresh.isEmpty()) {
            fail(error, ErrorKind::InvalidInput, QStringLiteral("The gcloud user credentials have no refresh_token: run "
                                                                "`gcloud auth application-default login` again."));
            return {};
        }
        const QByteArray form = "grant_type=refresh_token&client_id=" + uriEncode(o.value(QLatin1String("client_id")).toString())
                                + "&client_secret=" + uriEncode(secret) + "&refresh_token=" + uriEncode(refresh);
        return tokenRequest(tokenUri, form, QStringLiteral("the gcloud user credentials' refresh token"), error);
    }

    QString serviceAccountToken(const GcsServiceAccount &account, Error *error) const
    {
        const QByteArray jwt = GcsV4Signer(account).jwtAssertion(QDateTime::currentDateTimeUtc(), error, kCloudPlatformScope);
        if (jwt.isEmpty())
            return {};
        return tokenRequest(account.tokenUri,
                            "grant_type=" + uriEncode(QStringLiteral("urn:ietf:params:oauth:grant-type:jwt-bearer")) + "&assertion=" + jwt,
                            QStringLiteral("the service account %1").arg(quoted(account.clientEmail)), error);
    }

    bool fromJsonFile(const QString &path, const QString &origin, GcsCredentials *out, Error *error) const;
    bool fromMetadata(GcsCredentials *out, Error *error);
};

bool Google::fromJsonFile(const QString &path, const QString &origin, GcsCredentials *out, Error *error) const
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return fail(error, ErrorKind::Io, QStringLiteral("Cannot read Google credentials %1 (%2): %3").arg(path, origin, f.errorString()));
    const QByteArray json = f.readAll();
    const QJsonObject o = QJsonDocument::fromJson(json).object();
    const QString type = o.value(QLatin1String("type")).toString();
    if (type == QLatin1String("service_account") || (type.isEmpty() && o.contains(QLatin1String("private_key")))) {
        out->serviceAccount = GcsServiceAccount::fromJson(json, error);
        if (!out->serviceAccount.isValid())
            return false;
        out->kind = QStringLiteral("service-account");
        out->description = QStringLiteral("service account key %1 (%2)").arg(quoted(out->serviceAccount.clientEmail), origin);
        return true;
    }
    if (type == QLatin1String("authorized_user")) {
        registerSecret(o.value(QLatin1String("refresh_token")).toString());
        registerSecret(o.value(QLatin1String("client_secret")).toString());
        return fail(error, ErrorKind::InvalidInput,
                    QStringLiteral("Google user credentials (%1, from `gcloud auth application-default login`) cannot sign "
                                   "URLs: only a service account can. Fix: run `gcloud auth application-default login "
                                   "--impersonate-service-account SA@PROJECT.iam.gserviceaccount.com` (your user needs "
                                   "roles/iam.serviceAccountTokenCreator on that service account, which needs read access "
                                   "to the bucket), or set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file.")
                        .arg(origin));
    }
    if (type == QLatin1String("impersonated_service_account")) {
        const QString url = o.value(QLatin1String("service_account_impersonation_url")).toString();
        const QString email = url.section(QStringLiteral("/serviceAccounts/"), 1).section(QLatin1Char(':'), 0, 0);
        const QJsonObject source = o.value(QLatin1String("source_credentials")).toObject();
        const QString sourceType = source.value(QLatin1String("type")).toString();
        if (email.isEmpty())
            return fail(error, ErrorKind::InvalidInput,
                        QStringLiteral("%1: service_account_impersonation_url names no service account.").arg(origin));
        QString sourceToken;
        if (sourceType == QLatin1String("authorized_user")) {
            sourceToken = refreshUserToken(source, error);
        } else if (sourceType == QLatin1String("service_account")) {
            const GcsServiceAccount account = GcsServiceAccount::fromJson(QJsonDocument(source).toJson(), error);
            if (account.isValid())
                sourceToken = serviceAccountToken(account, error);
        } else {
            return fail(error, ErrorKind::InvalidInput,
                        QStringLiteral("%1: impersonation from source credentials of type \"%2\" is not supported "
                                       "(authorized_user or service_account).").arg(origin, sourceType.left(40)));
        }
        if (sourceToken.isEmpty())
            return false;
        QJsonArray delegates = o.value(QLatin1String("delegates")).toArray();
        const QJsonObject request{ { QStringLiteral("scope"), QJsonArray{ kCloudPlatformScope } },
                                   { QStringLiteral("lifetime"), QStringLiteral("3600s") },
                                   { QStringLiteral("delegates"), delegates } };
        const HttpAnswer a = httpFetch("POST", QUrl(url),
                                       { { "Content-Type", "application/json" }, { "Authorization", "Bearer " + sourceToken.toUtf8() } },
                                       QJsonDocument(request).toJson(QJsonDocument::Compact), 15000);
        const QString token = QJsonDocument::fromJson(a.body).object().value(QLatin1String("accessToken")).toString();
        registerSecret(token);
        if (!a.ok() || token.isEmpty())
            return fail(error, a.status == 0 ? ErrorKind::Network : ErrorKind::Forbidden,
                        QStringLiteral("Impersonating %1 was refused (%2): the source credentials need "
                                       "roles/iam.serviceAccountTokenCreator on it.")
                            .arg(quoted(email), a.status ? QStringLiteral("HTTP %1").arg(a.status) : a.networkError));
        const QUrl parsed(url);
        out->kind = QStringLiteral("impersonated");
        out->accessToken = token;
        out->signerEmail = email;
        out->signBlobToken = sourceToken;
        for (const QJsonValue &d : std::as_const(delegates))
            out->delegates << d.toString();
        out->iamRoot = parsed.scheme() + QStringLiteral("://") + parsed.authority();
        out->description = QStringLiteral("service account %1 impersonated by %2 (%3)")
                               .arg(quoted(email), sourceType == QLatin1String("authorized_user") ? QStringLiteral("gcloud user credentials")
                                                                                                 : QStringLiteral("a service account"),
                                    origin);
        return true;
    }
    return fail(error, ErrorKind::InvalidInput,
                QStringLiteral("%1 has credentials of type \"%2\"; Batchdeck reads service_account, authorized_user and "
                               "impersonated_service_account.").arg(origin, type.left(40)));
}

bool Google::fromMetadata(GcsCredentials *out, Error *error)
{
    if (env.value(QStringLiteral("NO_GCE_CHECK")).compare(QLatin1String("true"), Qt::CaseInsensitive) == 0) {
        tried << QStringLiteral("metadata server: NO_GCE_CHECK=true");
        return false;
    }
    const QString host = env.value(QStringLiteral("GCE_METADATA_HOST"), env.value(QStringLiteral("GCE_METADATA_IP"),
                                                                                  QStringLiteral("169.254.169.254")));
    const QString base = QStringLiteral("http://%1/computeMetadata/v1/instance/service-accounts/default/").arg(host);
    const HttpHeaders flavor{ { "Metadata-Flavor", "Google" } };
    // Short: a laptop has no metadata server and must not wait for one.
    const HttpAnswer email = httpFetch("GET", QUrl(base + QStringLiteral("email")), flavor, {}, 1000);
    if (email.status == 0) {
        tried << QStringLiteral("metadata server: no answer from %1 (%2)").arg(host, email.networkError);
        return false;
    }
    const QString account = QString::fromUtf8(email.body).trimmed();
    if (!email.ok() || account.isEmpty()) {
        tried << QStringLiteral("metadata server at %1: no default service account (HTTP %2)").arg(host).arg(email.status);
        return false;
    }
    const HttpAnswer token = httpFetch("GET", QUrl(base + QStringLiteral("token")), flavor, {}, 5000);
    const QString accessToken = QJsonDocument::fromJson(token.body).object().value(QLatin1String("access_token")).toString();
    registerSecret(accessToken);
    if (!token.ok() || accessToken.isEmpty())
        return fail(error, ErrorKind::BadResponse,
                    QStringLiteral("The metadata server at %1 gave no access token for %2 (HTTP %3).").arg(host, quoted(account)).arg(token.status));
    out->kind = QStringLiteral("metadata");
    out->accessToken = accessToken;
    out->signerEmail = account;
    out->signBlobToken = accessToken;
    out->iamRoot = iamRoot;
    out->description = QStringLiteral("metadata server service account %1").arg(quoted(account));
    return true;
}

}  // namespace

GcsCredentials GcsCredentials::resolve(const QProcessEnvironment &env, const QString &homeDir, Error *error)
{
    Error e;
    Google google{ env };
    const QString testRoot = env.value(QStringLiteral("BATCHDECK_TEST_GOOGLE_API_ROOT"));
    if (!testRoot.isEmpty()) {
        if (!isLoopbackUrl(QUrl(testRoot))) {
            if (error)
                *error = Error(ErrorKind::InvalidInput, QStringLiteral("BATCHDECK_TEST_GOOGLE_API_ROOT is for tests and must be "
                                                                       "a loopback URL (got %1).").arg(redactUrl(QUrl(testRoot))));
            return {};
        }
        google.tokenUri = testRoot + QStringLiteral("/token");
        google.iamRoot = testRoot;
    }
    GcsCredentials c;
    bool found = false;
    const QString keyFile = env.value(QStringLiteral("GOOGLE_APPLICATION_CREDENTIALS"));
    const QString gcloudDir = env.value(QStringLiteral("CLOUDSDK_CONFIG"), QDir(homeDir).filePath(QStringLiteral(".config/gcloud")));
    const QString adcFile = QDir(gcloudDir).filePath(QStringLiteral("application_default_credentials.json"));
    if (!keyFile.isEmpty()) {
        found = google.fromJsonFile(keyFile, QStringLiteral("GOOGLE_APPLICATION_CREDENTIALS"), &c, &e);
    } else if (QFile::exists(adcFile)) {
        found = google.fromJsonFile(adcFile, QStringLiteral("gcloud application-default credentials"), &c, &e);
    } else {
        google.tried << QStringLiteral("GOOGLE_APPLICATION_CREDENTIALS not set") << QStringLiteral("no %1").arg(adcFile);
        found = google.fromMetadata(&c, &e);
    }
    if (!found && !e)
        e = Error(ErrorKind::InvalidInput,
                  QStringLiteral("No Google credentials found (%1). Set GOOGLE_APPLICATION_CREDENTIALS to a service-account "
                                 "key file, run `gcloud auth application-default login --impersonate-service-account "
                                 "SA@PROJECT.iam.gserviceaccount.com`, or run on a Google Cloud machine with a service account.")
                      .arg(google.tried.join(QStringLiteral("; "))));
    if (!c.hasKey() && c.iamRoot == QLatin1String("https://iamcredentials.googleapis.com") && !testRoot.isEmpty())
        c.iamRoot = testRoot;
    if (e && error)
        *error = e;
    return found ? c : GcsCredentials{};
}

namespace {
QByteArray signBlobBody(const QByteArray &data, const QStringList &delegates)
{
    QJsonObject body{ { QStringLiteral("payload"), QString::fromLatin1(data.toBase64()) } };
    if (!delegates.isEmpty())
        body.insert(QStringLiteral("delegates"), QJsonArray::fromStringList(delegates));
    return QJsonDocument(body).toJson(QJsonDocument::Compact);
}
QString signBlobRefused(const QString &email, const HttpAnswer &a)
{
    return QStringLiteral("IAM Credentials signBlob as %1 was refused (%2); %1 needs "
                          "roles/iam.serviceAccountTokenCreator on itself (iam.serviceAccounts.signBlob) and, on a "
                          "Google Cloud machine, the cloud-platform access scope.")
        .arg(quoted(email), a.status ? QStringLiteral("HTTP %1").arg(a.status) : a.networkError);
}
QByteArray signedBlobOf(const QByteArray &answer)
{
    return QByteArray::fromBase64(
        QJsonDocument::fromJson(answer).object().value(QLatin1String("signedBlob")).toString().toLatin1());
}
}  // namespace

QByteArray GcsCredentials::signBlob(const QByteArray &data, QString *why) const
{
    const QUrl url(iamRoot + QStringLiteral("/v1/projects/-/serviceAccounts/") + QString::fromLatin1(uriEncode(signerEmail))
                   + QStringLiteral(":signBlob"));
    const HttpAnswer a = httpFetch("POST", url,
                                   { { "Content-Type", "application/json" }, { "Authorization", "Bearer " + signBlobToken.toUtf8() } },
                                   signBlobBody(data, delegates), 15000);
    const QByteArray signature = signedBlobOf(a.body);
    if (!a.ok() || signature.isEmpty()) {
        *why = signBlobRefused(signerEmail, a);
        return {};
    }
    return signature;
}

QHash<QString, QString> GcsCredentials::signedUrls(const QString &bucket, const QStringList &objects, const QDateTime &when,
                                                   qint64 expiresSeconds, Error *error, int concurrency) const
{
    QHash<QString, QString> urls;
    if (hasKey()) {
        for (const QString &object : objects) {
            const QString url = signedUrl(bucket, object, when, expiresSeconds, error);
            if (url.isEmpty())
                return {};
            urls.insert(object, url);
        }
        return urls;
    }
    // Strings to sign first, then the signBlob calls in parallel on one QNAM and a local event
    // loop (this runs on a thread-pool thread), then the URLs with the signatures received.
    GcsServiceAccount signer;
    signer.clientEmail = signerEmail;
    const GcsV4Signer v4(signer);
    const auto query = v4.signingQuery(when, expiresSeconds);
    QVector<QByteArray> toSign;
    toSign.reserve(objects.size());
    for (const QString &object : objects)
        toSign.append(v4.stringToSign(when, v4.canonicalRequest(bucket, object, query)));
    QVector<QByteArray> signatures(objects.size());
    QString failure;
    {
        QNetworkAccessManager nam;
        nam.setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
        const QUrl url(iamRoot + QStringLiteral("/v1/projects/-/serviceAccounts/") + QString::fromLatin1(uriEncode(signerEmail))
                       + QStringLiteral(":signBlob"));
        QEventLoop loop;
        int next = 0;
        int running = 0;
        std::function<void()> launch = [&] {
            const int i = next++;
            QNetworkRequest request(url);
            request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
            request.setRawHeader("Authorization", "Bearer " + signBlobToken.toUtf8());
            request.setTransferTimeout(15000);
            QNetworkReply *reply = nam.post(request, signBlobBody(toSign.at(i), delegates));
            ++running;
            QObject::connect(reply, &QNetworkReply::finished, &loop, [&, reply, i] {
                --running;
                reply->deleteLater();
                HttpAnswer a;
                a.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
                a.body = reply->readAll();
                if (a.status == 0)
                    a.networkError = reply->errorString();
                signatures[i] = a.ok() ? signedBlobOf(a.body) : QByteArray();
                if (signatures.at(i).isEmpty() && failure.isEmpty())
                    failure = signBlobRefused(signerEmail, a);
                if (failure.isEmpty() && next < toSign.size())
                    launch();
                if (running == 0)
                    loop.quit();
            });
        };
        while (next < toSign.size() && running < std::max(1, concurrency))
            launch();
        if (running > 0)
            loop.exec();
    }
    if (!failure.isEmpty()) {
        if (error)
            *error = Error(ErrorKind::InvalidInput, QStringLiteral("Cannot sign the GCS URL: %1").arg(failure));
        return {};
    }
    for (int i = 0; i < objects.size(); ++i) {
        const QByteArray signature = signatures.at(i);
        urls.insert(objects.at(i), v4.signedUrl(bucket, objects.at(i), when, expiresSeconds,
                                                [signature](const QByteArray &, QString *) { return signature; }, error));
    }
    return urls;
}

QString GcsCredentials::signedUrl(const QString &bucket, const QString &object, const QDateTime &when, qint64 expiresSeconds,
                                  Error *error) const
{
    if (hasKey())
        return GcsV4Signer(serviceAccount).signedUrl(bucket, object, when, expiresSeconds, error);
    GcsServiceAccount signer;
    signer.clientEmail = signerEmail;
    return GcsV4Signer(signer).signedUrl(
        bucket, object, when, expiresSeconds, [this](const QByteArray &toSign, QString *why) { return signBlob(toSign, why); }, error);
}

}  // namespace bd::cloud
