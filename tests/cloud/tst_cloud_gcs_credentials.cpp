// Google Application Default Credentials against the loopback fake (tests/cloud/CredentialFakes.h:
// token endpoint, IAM Credentials generateAccessToken / signBlob, metadata server, GCS listing):
// each source is found, lists through the real CloudIngestPlanner and signs V4 URLs - without a
// private key, through signBlob, whose RSA signature is checked against the fake's public key.
// Precedence: GOOGLE_APPLICATION_CREDENTIALS > gcloud's application-default file > metadata
// server. Plain user credentials cannot sign: the message says so and how to fix it. Azure
// without SAS or key: the message carries the filled-in `az storage container generate-sas` line.
// Endpoints: GCE_METADATA_HOST and the file's own service_account_impersonation_url (the
// providers' settings), BATCHDECK_TEST_GOOGLE_API_ROOT (test-only, loopback only) for the token
// endpoint and signBlob, STORAGE_EMULATOR_HOST for the listing.
#include "CredentialFakes.h"

#include "cloud/CloudCrypto.h"
#include "cloud/GcsCredentials.h"
#include "staging/CloudIngestPlanner.h"

#include <QElapsedTimer>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QUrlQuery>
#include <QtTest>

#include <openssl/evp.h>
#include <openssl/pem.h>

using bd::staging::CloudIngestPlanner;
using cloudtest::CredentialFakes;

namespace {

bool run(CloudIngestPlanner &planner)
{
    QEventLoop loop;
    QObject::connect(&planner, &bd::Operation::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(30000, &loop, &QEventLoop::quit);
    planner.start();
    loop.exec();
    return planner.isFinished();
}

// RSA-SHA256 verification of `signature` over `data` with the public half of `pem`.
bool verifyRsa(const QByteArray &pem, const QByteArray &data, const QByteArray &signature)
{
    BIO *bio = BIO_new_mem_buf(pem.constData(), int(pem.size()));
    EVP_PKEY *key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    const bool ok = key && EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1
                    && EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char *>(signature.constData()), size_t(signature.size()),
                                        reinterpret_cast<const unsigned char *>(data.constData()), size_t(data.size())) == 1;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
    return ok;
}

}  // namespace

class TestGcsCredentials : public QObject
{
    Q_OBJECT
private:
    CredentialFakes m_fake;
    QTemporaryDir m_home;

    QString adcPath() const { return m_home.filePath(QStringLiteral(".config/gcloud/application_default_credentials.json")); }
    void writeJson(const QString &path, const QJsonObject &o)
    {
        QDir().mkpath(QFileInfo(path).path());
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(QJsonDocument(o).toJson());
    }
    QJsonObject userCredentials() const
    {
        return { { "type", "authorized_user" }, { "client_id", "123.apps.googleusercontent.com" },
                 { "client_secret", "d-fake-client-secret-77" }, { "refresh_token", m_fake.googleRefreshToken } };
    }
    QProcessEnvironment baseEnv() const
    {
        QProcessEnvironment env;
        env.insert(QStringLiteral("BATCHDECK_TEST_GOOGLE_API_ROOT"), m_fake.url());
        env.insert(QStringLiteral("STORAGE_EMULATOR_HOST"), m_fake.url());
        env.insert(QStringLiteral("GCE_METADATA_HOST"), m_fake.hostPort());
        return env;
    }

    // gs://gbucket/imgs/ listed and signed; every URL's signature verified with the fake's key.
    bd::staging::CloudCredentials listAndSign(const QProcessEnvironment &env, const QString &kind, const QString &source)
    {
        const int signs = m_fake.signBlobCalls;
        CloudIngestPlanner::Request request;
        request.bucketPath = QStringLiteral("gs://gbucket/imgs/");
        request.environment = env;
        request.homeDir = m_home.path();
        CloudIngestPlanner planner(request);
        [&] { QVERIFY(run(planner)); }();
        [&] { QVERIFY2(!planner.error(), qPrintable(planner.error().fullText())); }();
        const auto c = planner.credentials();
        [&] {
            QCOMPARE(c.sourceKind, kind);
            QVERIFY2(c.source.contains(source), qPrintable(c.source));
            QCOMPARE(planner.references().size(), 2);
            QCOMPARE(m_fake.signBlobCalls.load() - signs, 2);
            const QStringList payloads = m_fake.signedPayloads();
            for (const auto &r : planner.references()) {
                const QUrl url(r.url);
                QCOMPARE(url.host(), QStringLiteral("storage.googleapis.com"));
                const QUrlQuery q(url);
                QVERIFY(q.queryItemValue(QStringLiteral("X-Goog-Credential"), QUrl::FullyDecoded).startsWith(c.gcs.signerEmail + QLatin1Char('/')));
                const QByteArray signature = QByteArray::fromHex(q.queryItemValue(QStringLiteral("X-Goog-Signature")).toLatin1());
                bool verified = false;
                for (const QString &p : payloads)
                    verified = verified || (p.contains(QStringLiteral("GOOG4-RSA-SHA256")) && verifyRsa(m_fake.signingKeyPem, p.toLatin1(), signature));
                QVERIFY2(verified, qPrintable(r.url));
            }
        }();
        return c;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_fake.objectKeys = { QStringLiteral("imgs/a.jpg"), QStringLiteral("imgs/b.png"), QStringLiteral("imgs/notes.txt") };
        m_fake.start();
    }

    void metadataServerServiceAccount()
    {
        const int calls = m_fake.metadataCalls;
        listAndSign(baseEnv(), QStringLiteral("metadata"),
                    QStringLiteral("metadata server service account `vm-sa@proj.iam.gserviceaccount.com`"));
        QCOMPARE(m_fake.metadataCalls.load() - calls, 2);   // email, token
    }

    void impersonationFromGcloudUserCredentials()
    {
        writeJson(adcPath(), { { "type", "impersonated_service_account" },
                               { "service_account_impersonation_url",
                                 m_fake.url() + QStringLiteral("/v1/projects/-/serviceAccounts/reader@proj.iam.gserviceaccount.com:generateAccessToken") },
                               { "delegates", QJsonArray() },
                               { "source_credentials", userCredentials() } });
        const int tokens = m_fake.googleTokenCalls, metadata = m_fake.metadataCalls;
        // generateAccessToken goes where the file says (and signBlob to the same host); the user
        // token refresh to the test root.
        const auto c = listAndSign(baseEnv(), QStringLiteral("impersonated"),
                                   QStringLiteral("service account `reader@proj.iam.gserviceaccount.com` impersonated by gcloud user credentials"));
        QCOMPARE(m_fake.googleTokenCalls.load() - tokens, 1);
        QCOMPARE(m_fake.metadataCalls.load(), metadata);   // the file wins over the metadata server
        QCOMPARE(c.gcsAccessToken, m_fake.googleTargetToken);   // lists as the target
        QFile::remove(adcPath());
    }

    void plainUserCredentialsCannotSignAndSayHowToFix()
    {
        writeJson(adcPath(), userCredentials());
        const int before = m_fake.requests;
        CloudIngestPlanner::Request request;
        request.bucketPath = QStringLiteral("gs://gbucket/imgs/");
        request.environment = baseEnv();
        request.homeDir = m_home.path();
        CloudIngestPlanner planner(request);
        QVERIFY(run(planner));
        QCOMPARE(planner.error().kind, bd::ErrorKind::InvalidInput);
        const QString m = planner.error().message;
        for (const QString &part : { QStringLiteral("cannot sign URLs"), QStringLiteral("only a service account can"),
                                     QStringLiteral("gcloud auth application-default login --impersonate-service-account"),
                                     QStringLiteral("GOOGLE_APPLICATION_CREDENTIALS") })
            QVERIFY2(m.contains(part), qPrintable(m));
        QVERIFY(!m.contains(m_fake.googleRefreshToken));
        QCOMPARE(m_fake.requests.load(), before);   // nothing sent: no listing that could never be signed
        QFile::remove(adcPath());
    }

    void precedenceFollowsApplicationDefaultCredentials()
    {
        const QString keyFile = m_home.filePath(QStringLiteral("sa.json"));
        writeJson(keyFile, { { "type", "service_account" }, { "client_email", "key-sa@proj.iam.gserviceaccount.com" },
                             { "private_key", QString::fromLatin1(m_fake.signingKeyPem) },
                             { "token_uri", m_fake.url() + QStringLiteral("/token") } });
        writeJson(adcPath(), { { "type", "impersonated_service_account" },
                               { "service_account_impersonation_url",
                                 m_fake.url() + QStringLiteral("/v1/projects/-/serviceAccounts/adc@proj.iam.gserviceaccount.com:generateAccessToken") },
                               { "source_credentials", userCredentials() } });
        QProcessEnvironment env = baseEnv();
        env.insert(QStringLiteral("GOOGLE_APPLICATION_CREDENTIALS"), keyFile);
        const struct {
            const char *removeAfter;
            const char *kind;
        } steps[] = { { "GOOGLE_APPLICATION_CREDENTIALS", "service-account" }, { "ADC", "impersonated" }, { "", "metadata" } };
        for (const auto &step : steps) {
            const int metadata = m_fake.metadataCalls;
            bd::Error e;
            const auto c = bd::cloud::GcsCredentials::resolve(env, m_home.path(), &e);
            QVERIFY2(!e, qPrintable(e.message));
            QCOMPARE(c.kind, QString::fromLatin1(step.kind));
            QCOMPARE(m_fake.metadataCalls.load() - metadata, QLatin1String(step.kind) == QLatin1String("metadata") ? 2 : 0);
            if (QLatin1String(step.removeAfter) == QLatin1String("ADC"))
                QFile::remove(adcPath());
            else if (*step.removeAfter)
                env.remove(QLatin1String(step.removeAfter));
        }
        // NO_GCE_CHECK: the metadata server is not asked; the message names all three places.
        env.insert(QStringLiteral("NO_GCE_CHECK"), QStringLiteral("true"));
        const int metadata = m_fake.metadataCalls;
        bd::Error e;
        bd::cloud::GcsCredentials::resolve(env, m_home.path(), &e);
        QCOMPARE(m_fake.metadataCalls.load(), metadata);
        for (const QString &part : { QStringLiteral("GOOGLE_APPLICATION_CREDENTIALS not set"), QStringLiteral("application_default_credentials.json"),
                                     QStringLiteral("NO_GCE_CHECK") })
            QVERIFY2(e.message.contains(part), qPrintable(e.message));

        // A metadata host that accepts and never answers: given up after the short probe timeout.
        QTcpServer silent;
        QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
        env.remove(QStringLiteral("NO_GCE_CHECK"));
        env.insert(QStringLiteral("GCE_METADATA_HOST"), QStringLiteral("127.0.0.1:%1").arg(silent.serverPort()));
        QElapsedTimer clock;
        clock.start();
        bd::cloud::GcsCredentials::resolve(env, m_home.path(), &e);
        QVERIFY2(e.message.contains(QStringLiteral("metadata server: no answer from 127.0.0.1:%1 (no answer within 1000 ms)")
                                        .arg(silent.serverPort())),
                 qPrintable(e.message));
        qInfo("silent metadata server: given up after %lld ms", clock.elapsed());
    }

    // 300 objects without a key: 300 signBlob calls, several in flight, every signature checked;
    // then one call in the middle fails and the whole signing fails (no partial list).
    void manySignBlobCallsInParallel()
    {
        CredentialFakes fake;
        for (int i = 0; i < 300; ++i)
            fake.objectKeys << QStringLiteral("many/img_%1.jpg").arg(i, 3, 10, QLatin1Char('0'));
        fake.start();
        QProcessEnvironment env;
        env.insert(QStringLiteral("BATCHDECK_TEST_GOOGLE_API_ROOT"), fake.url());
        env.insert(QStringLiteral("STORAGE_EMULATOR_HOST"), fake.url());
        env.insert(QStringLiteral("GCE_METADATA_HOST"), fake.hostPort());
        CloudIngestPlanner::Request request;
        request.bucketPath = QStringLiteral("gs://many/many/");
        request.environment = env;
        request.homeDir = m_home.path();
        QElapsedTimer clock;
        clock.start();
        CloudIngestPlanner planner(request);
        QVERIFY(run(planner));
        QVERIFY2(!planner.error(), qPrintable(planner.error().fullText()));
        qInfo("300 URLs signed through signBlob (loopback fake, RSA per call) in %lld ms", clock.elapsed());
        QCOMPARE(planner.references().size(), 300);
        QCOMPARE(fake.signBlobCalls.load(), 300);
        // Each URL carries the signature of its own string to sign (RSA PKCS#1 v1.5 is
        // deterministic: recompute it with the fake's key), so no signature went to the wrong URL.
        QCOMPARE(fake.signedPayloads().size(), 300);
        bd::cloud::GcsServiceAccount signer;
        signer.clientEmail = fake.metadataEmail;
        const bd::cloud::GcsV4Signer v4(signer);
        QSet<QString> seen;
        int verified = 0;
        for (const auto &r : planner.references()) {
            const QUrlQuery q{ QUrl(r.url) };
            QDateTime when = QDateTime::fromString(q.queryItemValue(QStringLiteral("X-Goog-Date")), QStringLiteral("yyyyMMdd'T'HHmmss'Z'"));
            when.setTimeSpec(Qt::UTC);
            const QByteArray toSign = v4.stringToSign(when, v4.canonicalRequest(QStringLiteral("many"), QStringLiteral("many/") + r.name,
                                                                                 v4.signingQuery(when, 86400)));
            const QString signature = q.queryItemValue(QStringLiteral("X-Goog-Signature"));
            seen.insert(signature);
            verified += QString::fromLatin1(bd::cloud::rsaSha256Sign(fake.signingKeyPem, toSign).toHex()) == signature ? 1 : 0;
        }
        QCOMPARE(seen.size(), 300);
        QCOMPARE(verified, 300);

        CredentialFakes failing;
        failing.objectKeys = fake.objectKeys;
        failing.signBlobFailAt = 150;
        failing.start();
        env.insert(QStringLiteral("BATCHDECK_TEST_GOOGLE_API_ROOT"), failing.url());
        env.insert(QStringLiteral("STORAGE_EMULATOR_HOST"), failing.url());
        env.insert(QStringLiteral("GCE_METADATA_HOST"), failing.hostPort());
        request.environment = env;
        CloudIngestPlanner broken(request);
        QVERIFY(run(broken));
        QVERIFY2(broken.error().message.contains(QStringLiteral("HTTP 500")), qPrintable(broken.error().message));
        QVERIFY(broken.references().isEmpty());
        QVERIFY(failing.signBlobCalls.load() < 300);   // stopped launching after the failure
    }

    void testRootMustBeLoopback()
    {
        QProcessEnvironment env = baseEnv();
        env.insert(QStringLiteral("BATCHDECK_TEST_GOOGLE_API_ROOT"), QStringLiteral("https://attacker.example"));
        const int before = m_fake.requests;
        bd::Error e;
        bd::cloud::GcsCredentials::resolve(env, m_home.path(), &e);
        QVERIFY2(e.message.contains(QStringLiteral("must be a loopback URL")), qPrintable(e.message));
        QCOMPARE(m_fake.requests.load(), before);
    }

    void signBlobRefusalIsExplained()
    {
        CredentialFakes refusing;
        refusing.metadataToken = QStringLiteral("ya29.token-the-signer-does-not-know");
        refusing.start();
        QProcessEnvironment env;
        env.insert(QStringLiteral("GCE_METADATA_HOST"), refusing.hostPort());
        env.insert(QStringLiteral("BATCHDECK_TEST_GOOGLE_API_ROOT"), m_fake.url());   // m_fake does not know that token
        env.insert(QStringLiteral("STORAGE_EMULATOR_HOST"), m_fake.url());
        env.insert(QStringLiteral("GCS_ACCESS_TOKEN"), m_fake.metadataToken);   // listing itself is allowed
        CloudIngestPlanner::Request request;
        request.bucketPath = QStringLiteral("gs://gbucket/imgs/");
        request.environment = env;
        request.homeDir = m_home.path();
        CloudIngestPlanner planner(request);
        QVERIFY(run(planner));
        QVERIFY2(planner.error().message.contains(QStringLiteral("roles/iam.serviceAccountTokenCreator")),
                 qPrintable(planner.error().message));
        QVERIFY(!planner.error().message.contains(refusing.metadataToken));
    }

    void azureWithoutSasOrKeyGivesTheAzLine()
    {
        QProcessEnvironment env;
        env.insert(QStringLiteral("AZURE_STORAGE_ACCOUNT_NAME"), QStringLiteral("shotsacct"));
        bd::Error e;
        CloudIngestPlanner::resolveCredentials(bd::cloud::BucketPath::parse(QStringLiteral("az://photos/2024/")), env, QString(), &e);
        QCOMPARE(e.kind, bd::ErrorKind::InvalidInput);
        QVERIFY2(e.message.contains(QStringLiteral("az storage container generate-sas --account-name shotsacct --name photos "
                                                   "--permissions rl --expiry ")),
                 qPrintable(e.message));
        QVERIFY(e.message.contains(QStringLiteral("--auth-mode login --as-user")));
        QVERIFY(e.message.contains(QStringLiteral("AZURE_STORAGE_SAS_TOKEN")));
        // The expiry is a real date 6 days ahead (a user delegation SAS lives at most 7).
        const QString expiry = e.message.section(QStringLiteral("--expiry "), 1).section(QLatin1Char(' '), 0, 0);
        const QDateTime when = QDateTime::fromString(expiry, QStringLiteral("yyyy-MM-dd'T'HH:mm'Z'"));
        QVERIFY2(when.isValid(), qPrintable(expiry));
        QVERIFY(qAbs(when.daysTo(QDateTime::currentDateTimeUtc().addDays(6))) <= 1);
    }
};

QTEST_GUILESS_MAIN(TestGcsCredentials)
#include "tst_cloud_gcs_credentials.moc"
