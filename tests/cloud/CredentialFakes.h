#pragma once
// One programmable loopback HTTP server (cpp-httplib, on its own thread) that speaks the
// credential providers' documented wire formats, so the credential chains run their real network
// code against it:
//  - EC2 IMDSv2: PUT /latest/api/token (X-aws-ec2-metadata-token-ttl-seconds required), then
//    GET /latest/meta-data/iam/security-credentials/ and .../<role> with X-aws-ec2-metadata-token
//    (401 without it), the JSON credential document (Code, Type, AccessKeyId, Token, Expiration).
//  - ECS / EKS container endpoint: GET /ecs/creds with the Authorization token, JSON answer.
//  - STS: POST / with Action=AssumeRoleWithWebIdentity (checks the token) or AssumeRole (checks
//    the SigV4 Authorization header, recomputed with the source secret), XML answers.
//  - S3 ListObjectsV2: GET /<bucket>?list-type=2 paged, accepting only credentials the fake
//    issued and that have not expired (with their session token); anything else -> 403 and a
//    counter, so a test sees every request made with stale or foreign credentials.
//  - Google: POST /token (refresh_token and jwt-bearer grants), IAM Credentials
//    :generateAccessToken and :signBlob (a real RSA signature with the fake's key), the metadata
//    server (/computeMetadata/v1/..., Metadata-Flavor: Google required) and the GCS JSON listing.
// Issued credentials last `lifetimeSeconds` (tests shorten it to make refreshes happen).
#include "cloud/AwsCredentials.h"
#include "cloud/CloudCrypto.h"
#include "cloud/SigV4.h"

#include <QByteArray>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QMutex>
#include <QString>
#include <QStringList>

#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <atomic>
#include <thread>

namespace cloudtest {

inline QByteArray generateRsaPem()
{
    EVP_PKEY *key = EVP_RSA_gen(2048);
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
    char *data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    QByteArray pem(data, int(len));
    BIO_free(bio);
    EVP_PKEY_free(key);
    return pem;
}

class CredentialFakes
{
public:
    struct Issued {
        QString secret;
        QString token;
        QDateTime expires;
    };

    // --- settings (set before start(); read under the mutex afterwards) ---
    QString imdsRole = QStringLiteral("ingest-role");
    QString ecsToken = QStringLiteral("ecs-auth-token-0f1e2d3c");
    QString ecsRoleArn = QStringLiteral("arn:aws:iam::123456789012:role/task-role");
    QString webIdentityToken;                         // expected WebIdentityToken
    QString stsSourceKey, stsSourceSecret;            // AssumeRole must be signed with these
    QString keyPrefix = QStringLiteral("ASIAFAKE");   // prefix of issued access key ids
    QString fixedKeyId;                               // issue this id every time (s3rver knows only "S3RVER")
    QString secretPrefix = QStringLiteral("fake-secret-");
    QString tokenPrefix = QStringLiteral("fake-session-token-");
    int lifetimeSeconds = 3600;
    QStringList objectKeys;                           // S3 and GCS listing content
    int pageDelayMs = 0;
    // Google
    QString googleRefreshToken = QStringLiteral("1//fake-refresh-token-9a8b7c");
    QString googleSourceToken = QStringLiteral("ya29.fake-source-token-1234");
    QString googleTargetToken = QStringLiteral("ya29.fake-impersonated-token-5678");
    QString metadataEmail = QStringLiteral("vm-sa@proj.iam.gserviceaccount.com");
    QString metadataToken = QStringLiteral("ya29.fake-metadata-token-abcd");
    QByteArray signingKeyPem = generateRsaPem();
    int signBlobFailAt = 0;   // > 0: that signBlob call (1-based) answers 500

    // --- observations ---
    std::atomic<int> imdsTokenPuts{ 0 }, imdsCredentialGets{ 0 }, imdsUnauthorized{ 0 }, ecsGets{ 0 }, stsCalls{ 0 },
        stsRejected{ 0 }, s3Pages{ 0 }, s3Rejected{ 0 }, googleTokenCalls{ 0 }, generateAccessTokenCalls{ 0 },
        signBlobCalls{ 0 }, metadataCalls{ 0 }, gcsPages{ 0 }, gcsRejected{ 0 }, requests{ 0 };

    int port = 0;
    QString url() const { return QStringLiteral("http://127.0.0.1:%1").arg(port); }
    QString hostPort() const { return QStringLiteral("127.0.0.1:%1").arg(port); }

    // Every access key id issued so far, with its secret and session token.
    QMap<QString, Issued> issued() const
    {
        QMutexLocker lock(&m_mutex);
        return m_issued;
    }
    QStringList signedPayloads() const
    {
        QMutexLocker lock(&m_mutex);
        return m_signed;
    }
    QStringList lastS3KeyIds() const
    {
        QMutexLocker lock(&m_mutex);
        return m_s3KeyIds;
    }
    // Credentials the tests hand out themselves (environment, profile files) count as issued too.
    void accept(const QString &keyId, const QString &secret, const QString &token = {}, int seconds = 3600)
    {
        QMutexLocker lock(&m_mutex);
        m_issued.insert(keyId, { secret, token, QDateTime::currentDateTimeUtc().addSecs(seconds) });
    }

    // A fresh AWS credential triple; returns its access key id.
    Issued issue(QString *keyId)
    {
        QMutexLocker lock(&m_mutex);
        ++m_counter;
        *keyId = fixedKeyId.isEmpty() ? keyPrefix + QString::number(m_counter) : fixedKeyId;
        Issued i{ secretPrefix + QString::number(m_counter), tokenPrefix + QString::number(m_counter),
                  QDateTime::currentDateTimeUtc().addSecs(lifetimeSeconds) };
        m_issued.insert(*keyId, i);
        return i;
    }

    void start()
    {
        installAws();
        installGoogle();
        m_server.set_pre_routing_handler([this](const httplib::Request &, httplib::Response &) {
            ++requests;
            return httplib::Server::HandlerResponse::Unhandled;
        });
        port = m_server.bind_to_any_port("127.0.0.1");
        m_thread = std::thread([this] { m_server.listen_after_bind(); });
        while (!m_server.is_running())
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ~CredentialFakes()
    {
        m_server.stop();
        if (m_thread.joinable())
            m_thread.join();
    }

private:
    static std::string iso(const QDateTime &t) { return t.toUTC().toString(Qt::ISODate).toStdString(); }

    // Validates a SigV4 Authorization header against the secret of its key id (issued or given).
    bool sigV4Valid(const httplib::Request &req, const QString &secret, const QString &token, const QString &service,
                    const QByteArray &payloadHash, QString *keyId = nullptr)
    {
        const QString auth = QString::fromStdString(req.get_header_value("Authorization"));
        const QString credential = auth.section(QStringLiteral("Credential="), 1).section(QLatin1Char(','), 0, 0);
        const QStringList scope = credential.split(QLatin1Char('/'));
        if (scope.size() != 5)
            return false;
        if (keyId)
            *keyId = scope.at(0);
        const QStringList signedHeaders =
            auth.section(QStringLiteral("SignedHeaders="), 1).section(QLatin1Char(','), 0, 0).split(QLatin1Char(';'));
        bd::cloud::AwsCredentials c;
        c.accessKeyId = scope.at(0);
        c.secretAccessKey = secret;
        c.sessionToken = token;
        bd::cloud::SigV4Request r;
        r.method = QByteArray::fromStdString(req.method);
        r.host = QString::fromStdString(req.get_header_value("Host"));
        r.path = QString::fromStdString(req.path);
        if (req.method == "GET")   // httplib also puts a form body's fields in params: only a GET's are the query
            for (const auto &p : req.params)
                r.query.append({ QString::fromStdString(p.first), QString::fromStdString(p.second) });
        for (const QString &h : signedHeaders)
            if (h != QLatin1String("host") && h != QLatin1String("x-amz-date") && h != QLatin1String("x-amz-content-sha256")
                && h != QLatin1String("x-amz-security-token"))
                r.headers.insert(h, QString::fromStdString(req.get_header_value(h.toStdString())));
        r.payloadHash = payloadHash;
        const QDateTime when = QDateTime::fromString(QString::fromStdString(req.get_header_value("x-amz-date")),
                                                     QStringLiteral("yyyyMMdd'T'HHmmss'Z'"));
        QDateTime utc = when;
        utc.setTimeSpec(Qt::UTC);
        const QByteArray expected = bd::cloud::SigV4Signer(c, scope.at(2), service).authorize(r, utc);
        return expected == auth.toUtf8();
    }

    void installAws()
    {
        m_server.Put("/latest/api/token", [this](const httplib::Request &req, httplib::Response &res) {
            ++imdsTokenPuts;
            if (!req.has_header("X-aws-ec2-metadata-token-ttl-seconds")) {
                res.status = 400;
                return;
            }
            res.set_content("imds-session-token-" + std::to_string(imdsTokenPuts.load()), "text/plain");
        });
        const auto imdsAuthorized = [this](const httplib::Request &req) {
            const std::string t = req.get_header_value("X-aws-ec2-metadata-token");
            return t.rfind("imds-session-token-", 0) == 0;
        };
        m_server.Get("/latest/meta-data/iam/security-credentials/", [this, imdsAuthorized](const httplib::Request &req,
                                                                                           httplib::Response &res) {
            if (!imdsAuthorized(req)) {
                ++imdsUnauthorized;
                res.status = 401;
                return;
            }
            res.set_content(imdsRole.toStdString(), "text/plain");
        });
        m_server.Get(R"(/latest/meta-data/iam/security-credentials/([^/]+))", [this, imdsAuthorized](const httplib::Request &req,
                                                                                                     httplib::Response &res) {
            if (!imdsAuthorized(req)) {
                ++imdsUnauthorized;
                res.status = 401;
                return;
            }
            if (QString::fromStdString(req.matches[1]) != imdsRole) {
                res.status = 404;
                return;
            }
            ++imdsCredentialGets;
            QString keyId;
            const Issued i = issue(&keyId);
            const QJsonObject o{ { "Code", "Success" }, { "LastUpdated", QString::fromStdString(iso(QDateTime::currentDateTimeUtc())) },
                                 { "Type", "AWS-HMAC" }, { "AccessKeyId", keyId }, { "SecretAccessKey", i.secret },
                                 { "Token", i.token }, { "Expiration", QString::fromStdString(iso(i.expires)) } };
            res.set_content(QJsonDocument(o).toJson().toStdString(), "text/plain");
        });
        m_server.Get("/ecs/creds", [this](const httplib::Request &req, httplib::Response &res) {
            ++ecsGets;
            if (QString::fromStdString(req.get_header_value("Authorization")) != ecsToken) {
                res.status = 401;
                res.set_content(R"({"code":"AccessDenied","message":"bad token"})", "application/json");
                return;
            }
            QString keyId;
            const Issued i = issue(&keyId);
            const QJsonObject o{ { "AccessKeyId", keyId }, { "SecretAccessKey", i.secret }, { "Token", i.token },
                                 { "Expiration", QString::fromStdString(iso(i.expires)) }, { "RoleArn", ecsRoleArn } };
            res.set_content(QJsonDocument(o).toJson().toStdString(), "application/json");
        });
        m_server.Post("/", [this](const httplib::Request &req, httplib::Response &res) {
            ++stsCalls;
            httplib::Params form;
            httplib::detail::parse_query_text(req.body, form);
            const auto param = [&form](const char *name) {
                const auto it = form.find(name);
                return it == form.end() ? std::string() : it->second;
            };
            const std::string action = param("Action");
            const auto reject = [&](const char *code) {
                ++stsRejected;
                res.status = 403;
                res.set_content(std::string("<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>"
                                            "<Type>Sender</Type><Code>") + code + "</Code><Message>refused by the fake</Message>"
                                            "</Error><RequestId>r</RequestId></ErrorResponse>", "text/xml");
            };
            if (param("Version") != "2011-06-15")
                return reject("InvalidParameterValue");
            if (action == "AssumeRoleWithWebIdentity") {
                if (QString::fromStdString(param("WebIdentityToken")) != webIdentityToken || param("RoleArn").empty()
                    || param("RoleSessionName").empty())
                    return reject("InvalidIdentityToken");
            } else if (action == "AssumeRole") {
                if (!sigV4Valid(req, stsSourceSecret, {}, QStringLiteral("sts"), bd::cloud::sha256Hex(QByteArray::fromStdString(req.body))))
                    return reject("SignatureDoesNotMatch");
            } else {
                return reject("InvalidAction");
            }
            QString keyId;
            const Issued i = issue(&keyId);
            const std::string result = action + "Result";
            res.set_content("<" + action + "Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><" + result
                                + "><Credentials><SessionToken>" + i.token.toStdString() + "</SessionToken><SecretAccessKey>"
                                + i.secret.toStdString() + "</SecretAccessKey><Expiration>" + iso(i.expires)
                                + "</Expiration><AccessKeyId>" + keyId.toStdString() + "</AccessKeyId></Credentials>"
                                + "<AssumedRoleUser><Arn>" + param("RoleArn") + "/s</Arn></AssumedRoleUser></"
                                + result + "><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></" + action + "Response>",
                            "text/xml");
        });
        m_server.Get(R"(/([a-z0-9.-]+))", [this](const httplib::Request &req, httplib::Response &res) {
            if (pageDelayMs > 0)
                std::this_thread::sleep_for(std::chrono::milliseconds(pageDelayMs));
            const QString auth = QString::fromStdString(req.get_header_value("Authorization"));
            const QString keyId = auth.section(QStringLiteral("Credential="), 1).section(QLatin1Char('/'), 0, 0);
            Issued known;
            bool found = false;
            {
                QMutexLocker lock(&m_mutex);
                found = m_issued.contains(keyId);
                if (found)
                    known = m_issued.value(keyId);
                m_s3KeyIds << keyId;
            }
            const bool tokenOk = QString::fromStdString(req.get_header_value("x-amz-security-token")) == known.token;
            if (!found || !tokenOk || QDateTime::currentDateTimeUtc() >= known.expires
                || !sigV4Valid(req, known.secret, known.token, QStringLiteral("s3"), bd::cloud::kEmptySha256)) {
                ++s3Rejected;
                res.status = 403;
                res.set_content("<Error><Code>ExpiredToken</Code><Message>stale or unknown credentials</Message></Error>",
                                "application/xml");
                return;
            }
            ++s3Pages;
            const int maxKeys = std::max(1, std::atoi(req.get_param_value("max-keys").c_str()));
            const int from = req.has_param("continuation-token") ? std::atoi(req.get_param_value("continuation-token").c_str()) : 0;
            std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult><Name>" + std::string(req.matches[1])
                              + "</Name>";
            int i = from;
            for (; i < objectKeys.size() && i < from + maxKeys; ++i)
                xml += "<Contents><Key>" + objectKeys.at(i).toStdString() + "</Key><Size>10</Size></Contents>";
            const bool more = i < objectKeys.size();
            xml += std::string("<IsTruncated>") + (more ? "true" : "false") + "</IsTruncated>";
            if (more)
                xml += "<NextContinuationToken>" + std::to_string(i) + "</NextContinuationToken>";
            res.set_content(xml + "</ListBucketResult>", "application/xml");
        });
    }

    void installGoogle()
    {
        m_server.Post("/token", [this](const httplib::Request &req, httplib::Response &res) {
            ++googleTokenCalls;
            const std::string grant = req.get_param_value("grant_type");
            if (grant == "refresh_token" && QString::fromStdString(req.get_param_value("refresh_token")) == googleRefreshToken) {
                res.set_content(R"({"access_token":")" + googleSourceToken.toStdString() + R"(","expires_in":3599,"token_type":"Bearer"})",
                                "application/json");
                return;
            }
            res.status = 400;
            res.set_content(R"({"error":"invalid_grant"})", "application/json");
        });
        m_server.Post(R"(/v1/projects/-/serviceAccounts/([^/:]+):generateAccessToken)",
                      [this](const httplib::Request &req, httplib::Response &res) {
                          ++generateAccessTokenCalls;
                          if (req.get_header_value("Authorization") != "Bearer " + googleSourceToken.toStdString()) {
                              res.status = 401;
                              return;
                          }
                          const QJsonObject body = QJsonDocument::fromJson(QByteArray::fromStdString(req.body)).object();
                          if (body.value(QLatin1String("scope")).toArray().isEmpty()) {
                              res.status = 400;
                              return;
                          }
                          res.set_content(R"({"accessToken":")" + googleTargetToken.toStdString() + R"(","expireTime":")"
                                              + iso(QDateTime::currentDateTimeUtc().addSecs(3600)) + R"("})",
                                          "application/json");
                      });
        m_server.Post(R"(/v1/projects/-/serviceAccounts/([^/:]+):signBlob)", [this](const httplib::Request &req,
                                                                                    httplib::Response &res) {
            if (++signBlobCalls == signBlobFailAt) {
                res.status = 500;
                return;
            }
            const std::string auth = req.get_header_value("Authorization");
            if (auth != "Bearer " + googleSourceToken.toStdString() && auth != "Bearer " + metadataToken.toStdString()) {
                res.status = 403;
                return;
            }
            const QByteArray payload = QByteArray::fromBase64(
                QJsonDocument::fromJson(QByteArray::fromStdString(req.body)).object().value(QLatin1String("payload")).toString().toLatin1());
            const QByteArray signature = bd::cloud::rsaSha256Sign(signingKeyPem, payload);
            {
                QMutexLocker lock(&m_mutex);
                m_signed << QString::fromLatin1(payload);
            }
            res.set_content(R"({"keyId":"fake-key-1","signedBlob":")" + signature.toBase64().toStdString() + R"("})",
                            "application/json");
        });
        const auto metadata = [this](const httplib::Request &req, httplib::Response &res, const std::string &body) {
            ++metadataCalls;
            if (req.get_header_value("Metadata-Flavor") != "Google") {
                res.status = 403;
                return;
            }
            res.set_header("Metadata-Flavor", "Google");
            res.set_content(body, "application/text");
        };
        m_server.Get("/computeMetadata/v1/instance/service-accounts/default/email",
                     [this, metadata](const httplib::Request &req, httplib::Response &res) {
                         metadata(req, res, metadataEmail.toStdString());
                     });
        m_server.Get("/computeMetadata/v1/instance/service-accounts/default/token",
                     [this, metadata](const httplib::Request &req, httplib::Response &res) {
                         metadata(req, res, R"({"access_token":")" + metadataToken.toStdString()
                                                + R"(","expires_in":3599,"token_type":"Bearer"})");
                     });
        m_server.Get(R"(/storage/v1/b/([^/]+)/o)", [this](const httplib::Request &req, httplib::Response &res) {
            const std::string auth = req.get_header_value("Authorization");
            if (auth != "Bearer " + googleTargetToken.toStdString() && auth != "Bearer " + metadataToken.toStdString()
                && auth != "Bearer " + googleSourceToken.toStdString()) {
                ++gcsRejected;
                res.status = 401;
                return;
            }
            ++gcsPages;
            QJsonArray items;
            for (const QString &k : std::as_const(objectKeys))
                if (k.startsWith(QString::fromStdString(req.get_param_value("prefix"))))
                    items.append(QJsonObject{ { "name", k }, { "size", "10" } });
            res.set_content(QJsonDocument(QJsonObject{ { "items", items } }).toJson().toStdString(), "application/json");
        });
    }

    httplib::Server m_server;
    std::thread m_thread;
    mutable QMutex m_mutex;
    QMap<QString, Issued> m_issued;
    QStringList m_signed;
    QStringList m_s3KeyIds;
    int m_counter = 0;
};

}  // namespace cloudtest
