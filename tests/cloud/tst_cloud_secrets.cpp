// "Credentials never appear in logs, the journal, or saved settings": cloud ingests through the
// real batchdeck-cli (s3rver and azurite from npm, an in-process sandbox) with recognisable
// secrets in the environment - an AWS secret key and session token, an Azure account key, an Azure
// SAS token - then every byte of stdout, stderr and every file under the CLI's HOME, data dir
// and settings file is searched for the secrets, the SAS signature and the SigV4 signing key
// derived from the secret. The references file saved on request (--save-references) holds signed
// URLs by design: it is excluded, and serves as the positive control that the search finds them.
// The credential chains add more kinds of secret, each run through the CLI the same way: EC2
// instance-role session credentials and the IMDSv2 session token (an ingest from s3rver), a
// container endpoint's authorization token, and Google's refresh token, client secret, access
// tokens and signBlob signatures (gs:// with --list-only through the loopback fake; the gcloud
// file lives outside the searched folders, as the user's own file would).
#include "CliRunner.h"
#include "CloudEmulators.h"
#include "CredentialFakes.h"

#include <QDirIterator>
#include <QUrlQuery>
#include <QtTest>

using namespace cloudtest;

namespace {

const QString kApiKey = QStringLiteral("secrets-test-api-key-8086");
const QString kAwsSecret = QStringLiteral("bdAwsSecret+Recognisable/9f8e7d6c5b4a3210zz");
const QString kAwsToken = QStringLiteral("bdAwsSessionToken-Recognisable-0a1b2c3d4e5f");

// A container SAS (sr=c, read + list) signed with azurite's key; returns the token, `signature`
// set to its raw base64 signature.
QString containerSas(const QString &container, QString *signature)
{
    const QString expiry = bd::cloud::AzureSas::isoTime(QDateTime::currentDateTimeUtc().addSecs(3600));
    const QStringList fields{ QStringLiteral("rl"), QString(), expiry,
                              QStringLiteral("/blob/%1/%2").arg(kAzuriteAccount, container), QString(), QString(),
                              QStringLiteral("https,http"), QLatin1String(bd::cloud::kAzureSasVersion), QStringLiteral("c"),
                              QString(), QString(), QString(), QString(), QString(), QString(), QString() };
    const QByteArray sig = bd::cloud::hmacSha256(QByteArray::fromBase64(kAzuriteKey.toLatin1()),
                                                 fields.join(QLatin1Char('\n')).toUtf8()).toBase64();
    *signature = QString::fromLatin1(sig);
    return QStringLiteral("sv=") + QLatin1String(bd::cloud::kAzureSasVersion) + QStringLiteral("&spr=https%2Chttp&se=")
           + QString::fromLatin1(bd::cloud::uriEncode(expiry)) + QStringLiteral("&sr=c&sp=rl&sig=")
           + QString::fromLatin1(bd::cloud::uriEncode(sig));
}

QStringList keys()
{
    return { QStringLiteral("in/a/one.jpg"), QStringLiteral("in/b/one.jpg"), QStringLiteral("in/two.jpg") };
}

}  // namespace

class TestCloudSecrets : public QObject
{
    Q_OBJECT
private:
    SandboxApi m_env;
    CliRunner m_cli;
    Emulator m_s3;
    Emulator m_azurite;
    QStringList m_secrets;      // every string that must not appear
    QList<CliResult> m_runs;

    CliResult ingest(const QString &batchId, const QString &bucketPath, const QProcessEnvironment &cloudEnv,
                     const QString &savedFile, bool json, bool listOnly = false)
    {
        QProcessEnvironment env = cloudEnv;
        env.insert(QStringLiteral("ROBOFLOW_API_KEY"), kApiKey);
        QStringList args{ QStringLiteral("data-staging"), QStringLiteral("create-batch-of-images"), QStringLiteral("-b"), batchId,
                          QStringLiteral("-ds"), QStringLiteral("cloud-storage"), QStringLiteral("-bp"), bucketPath,
                          QStringLiteral("--save-references"), savedFile, QStringLiteral("--index-timeout"), QStringLiteral("60"),
                          QStringLiteral("--api-url"), m_env.sandbox->apiUrl().toString(), QStringLiteral("--debug") };
        if (json)
            args.prepend(QStringLiteral("--json"));
        if (listOnly)
            args.append(QStringLiteral("--list-only"));
        const CliResult r = m_cli.run(args, env);
        m_runs.append(r);
        return r;
    }

    void checkBatch(const CliResult &r, const QString &batchId)
    {
        QVERIFY2(r.exitCode == 0, qPrintable(QStringLiteral("exit %1: %2").arg(r.exitCode).arg(r.both())));
        QCOMPARE(m_env.count(batchId), qint64(keys().size()));
        QStringList expected{ QStringLiteral("in__a__one.jpg"), QStringLiteral("in__b__one.jpg"), QStringLiteral("two.jpg") };
        QCOMPARE(m_env.names(batchId), expected);
    }

private Q_SLOTS:
    void initTestCase()
    {
        for (const QString &bin : { QStringLiteral("s3rver"), QStringLiteral("azurite-blob") }) {
            const QString missing = missingEmulator(bin);
            QVERIFY2(missing.isEmpty(), qPrintable(missing));
        }
        QVERIFY(m_cli.root.isValid());
        const QString problem = m_cli.init();
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QString error;
        QVERIFY2(m_env.start(&error, kApiKey), qPrintable(error));
        QVERIFY2(m_s3.start(QStringLiteral("s3rver"),
                            { QStringLiteral("-d"), QStringLiteral("%DIR%"), QStringLiteral("-a"), QStringLiteral("127.0.0.1"),
                              QStringLiteral("-p"), QStringLiteral("%PORT%"), QStringLiteral("--silent"),
                              QStringLiteral("--configure-bucket"), QStringLiteral("secret-bkt") }, &error),
                 qPrintable(error));
        QVERIFY2(m_azurite.start(QStringLiteral("azurite-blob"),
                                 { QStringLiteral("--blobHost"), QStringLiteral("127.0.0.1"), QStringLiteral("--blobPort"),
                                   QStringLiteral("%PORT%"), QStringLiteral("--location"), QStringLiteral("%DIR%"),
                                   QStringLiteral("--silent"), QStringLiteral("--skipApiVersionCheck"), QStringLiteral("--disableTelemetry") }, &error),
                 qPrintable(error));
    }

    void s3WithSecretAndSessionToken()
    {
        bd::cloud::AwsCredentials creds;
        creds.accessKeyId = kS3rverAccessKey;   // s3rver knows only this id; it does not check SigV4 signatures
        creds.secretAccessKey = kAwsSecret;
        creds.sessionToken = kAwsToken;
        creds.region = QStringLiteral("us-east-1");
        creds.endpointUrl = QStringLiteral("http://127.0.0.1:%1").arg(m_s3.port);
        for (const QString &key : keys())
            QCOMPARE(s3Put(creds, QStringLiteral("secret-bkt"), key, validJpeg(key.toUtf8())), 200);
        const QDateTime now = QDateTime::currentDateTimeUtc();
        m_secrets << kAwsSecret << kAwsToken;
        for (int day = -1; day <= 1; ++day) {   // the derived key of the signing day, around midnight too
            const QByteArray derived = bd::cloud::SigV4Signer(creds, creds.region).signingKey(now.addDays(day));
            m_secrets << QString::fromLatin1(derived.toHex()) << QString::fromLatin1(derived.toBase64());
        }
        QProcessEnvironment env;
        env.insert(QStringLiteral("AWS_ACCESS_KEY_ID"), creds.accessKeyId);
        env.insert(QStringLiteral("AWS_SECRET_ACCESS_KEY"), kAwsSecret);
        env.insert(QStringLiteral("AWS_SESSION_TOKEN"), kAwsToken);
        env.insert(QStringLiteral("AWS_ENDPOINT_URL"), creds.endpointUrl);
        env.insert(QStringLiteral("AWS_REGION"), creds.region);
        const QString saved = m_cli.root.filePath(QStringLiteral("out/s3.jsonl"));
        QDir().mkpath(QFileInfo(saved).path());
        checkBatch(ingest(QStringLiteral("sec-s3"), QStringLiteral("s3://secret-bkt/in/**/*.jpg"), env, saved, false), QStringLiteral("sec-s3"));
        QFile file(saved);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray text = file.readAll();
        QVERIFY(text.contains("X-Amz-Signature="));   // the explicit output holds signed URLs, as asked
        QVERIFY(text.contains(bd::cloud::uriEncode(kAwsToken)));   // (the token travels inside them by design)
    }

    void azureWithAccountKey()
    {
        bd::cloud::AzureCredentials creds;
        creds.account = kAzuriteAccount;
        creds.accountKey = kAzuriteKey;
        creds.endpoint = QStringLiteral("http://127.0.0.1:%1/%2").arg(m_azurite.port).arg(kAzuriteAccount);
        QCOMPARE(azurePut(creds, QStringLiteral("secret-ctr"), {}, {}), 201);
        for (const QString &key : keys())
            QCOMPARE(azurePut(creds, QStringLiteral("secret-ctr"), key, validJpeg(key.toUtf8())), 201);
        m_secrets << kAzuriteKey;
        QProcessEnvironment env;
        env.insert(QStringLiteral("AZURE_STORAGE_ACCOUNT_NAME"), creds.account);
        env.insert(QStringLiteral("AZURE_STORAGE_ACCOUNT_KEY"), kAzuriteKey);
        env.insert(QStringLiteral("AZURE_STORAGE_BLOB_ENDPOINT"), creds.endpoint);
        const QString saved = m_cli.root.filePath(QStringLiteral("out/az-key.jsonl"));
        checkBatch(ingest(QStringLiteral("sec-az-key"), QStringLiteral("az://secret-ctr/in/"), env, saved, true),
                   QStringLiteral("sec-az-key"));
    }

    void azureWithSasToken()
    {
        QString signature;
        const QString sas = containerSas(QStringLiteral("secret-ctr"), &signature);
        m_secrets << signature << QString::fromLatin1(bd::cloud::uriEncode(signature)) << sas;
        QProcessEnvironment env;
        env.insert(QStringLiteral("AZURE_STORAGE_ACCOUNT"), kAzuriteAccount);   // the Azure CLI's names
        env.insert(QStringLiteral("AZURE_STORAGE_SAS_TOKEN"), QLatin1Char('?') + sas);
        env.insert(QStringLiteral("AZURE_STORAGE_BLOB_ENDPOINT"),
                   QStringLiteral("http://127.0.0.1:%1/%2").arg(m_azurite.port).arg(kAzuriteAccount));
        const QString saved = m_cli.root.filePath(QStringLiteral("out/az-sas.jsonl"));
        checkBatch(ingest(QStringLiteral("sec-az-sas"), QStringLiteral("az://secret-ctr/in/**/*.jpg"), env, saved, false),
                   QStringLiteral("sec-az-sas"));
        QFile file(saved);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY(file.readAll().contains(bd::cloud::uriEncode(signature)));   // positive control
    }

    void s3WithInstanceRoleAndContainerToken()
    {
        cloudtest::CredentialFakes fake;
        fake.fixedKeyId = kS3rverAccessKey;
        fake.secretPrefix = QStringLiteral("bdImdsSecret-Recognisable-");
        fake.tokenPrefix = QStringLiteral("bdImdsSessionToken-Recognisable-");
        fake.ecsToken = QStringLiteral("bdEcsAuthToken-Recognisable-77aa");
        fake.start();
        QProcessEnvironment env;
        env.insert(QStringLiteral("AWS_EC2_METADATA_SERVICE_ENDPOINT"), fake.url());
        env.insert(QStringLiteral("AWS_ENDPOINT_URL"), QStringLiteral("http://127.0.0.1:%1").arg(m_s3.port));
        env.insert(QStringLiteral("AWS_REGION"), QStringLiteral("us-east-1"));
        const QString saved = m_cli.root.filePath(QStringLiteral("out/s3-role.jsonl"));
        const CliResult r = ingest(QStringLiteral("sec-s3-role"), QStringLiteral("s3://secret-bkt/in/**/*.jpg"), env, saved, true);
        checkBatch(r, QStringLiteral("sec-s3-role"));
        const QJsonObject source = r.json().value(QLatin1String("credentialSource")).toObject();
        QCOMPARE(source.value(QLatin1String("kind")).toString(), QStringLiteral("imds"));
        QCOMPARE(source.value(QLatin1String("description")).toString(), QStringLiteral("EC2 instance role `ingest-role`"));
        QVERIFY(r.err.contains(QStringLiteral("credentials: EC2 instance role `ingest-role`")));

        // The container endpoint with its authorization token, --list-only (text output).
        env.remove(QStringLiteral("AWS_EC2_METADATA_SERVICE_ENDPOINT"));
        env.insert(QStringLiteral("AWS_EC2_METADATA_DISABLED"), QStringLiteral("true"));
        env.insert(QStringLiteral("AWS_CONTAINER_CREDENTIALS_FULL_URI"), fake.url() + QStringLiteral("/ecs/creds"));
        env.insert(QStringLiteral("AWS_CONTAINER_AUTHORIZATION_TOKEN"), fake.ecsToken);
        const CliResult list = ingest(QStringLiteral("sec-s3-ecs"), QStringLiteral("s3://secret-bkt/in/**/*.jpg"), env,
                                      m_cli.root.filePath(QStringLiteral("out/s3-ecs.jsonl")), false, true);
        QVERIFY2(list.exitCode == 0, qPrintable(list.both()));
        QVERIFY2(list.out.contains(QStringLiteral("Credentials: ECS task role `task-role`")), qPrintable(list.out));
        QVERIFY(fake.imdsTokenPuts.load() >= 1 && fake.ecsGets.load() == 1);

        m_secrets << fake.ecsToken;
        const auto issued = fake.issued();
        for (const auto &i : issued)
            m_secrets << i.secret << i.token;
        for (int n = 1; n <= fake.imdsTokenPuts; ++n)
            m_secrets << QStringLiteral("imds-session-token-%1").arg(n);
        QFile file(saved);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY(file.readAll().contains(bd::cloud::uriEncode(fake.tokenPrefix)));   // positive control
    }

    void gcsImpersonationAndMetadataListOnly()
    {
        cloudtest::CredentialFakes fake;
        fake.googleRefreshToken = QStringLiteral("1//bdRefreshToken-Recognisable-5e6f");
        fake.googleSourceToken = QStringLiteral("ya29.bdSourceToken-Recognisable-7a8b");
        fake.googleTargetToken = QStringLiteral("ya29.bdTargetToken-Recognisable-9c0d");
        fake.metadataToken = QStringLiteral("ya29.bdMetadataToken-Recognisable-1e2f");
        fake.objectKeys = keys();
        fake.start();
        const QString clientSecret = QStringLiteral("bdClientSecret-Recognisable-3a4b");
        const QString gcloudDir = m_cli.root.filePath(QStringLiteral("gcloud"));   // not searched: the user's own file
        QDir().mkpath(gcloudDir);
        QFile adc(gcloudDir + QStringLiteral("/application_default_credentials.json"));
        QVERIFY(adc.open(QIODevice::WriteOnly));
        adc.write(QJsonDocument(QJsonObject{
                      { "type", "impersonated_service_account" },
                      { "service_account_impersonation_url",
                        fake.url() + QStringLiteral("/v1/projects/-/serviceAccounts/reader@p.iam.gserviceaccount.com:generateAccessToken") },
                      { "source_credentials", QJsonObject{ { "type", "authorized_user" }, { "client_id", "1.apps.googleusercontent.com" },
                                                           { "client_secret", clientSecret },
                                                           { "refresh_token", fake.googleRefreshToken } } } })
                      .toJson());
        adc.close();
        QProcessEnvironment env;
        env.insert(QStringLiteral("CLOUDSDK_CONFIG"), gcloudDir);
        env.insert(QStringLiteral("BATCHDECK_TEST_GOOGLE_API_ROOT"), fake.url());
        env.insert(QStringLiteral("STORAGE_EMULATOR_HOST"), fake.url());
        env.insert(QStringLiteral("GCE_METADATA_HOST"), fake.hostPort());
        const QString saved = m_cli.root.filePath(QStringLiteral("out/gcs-imp.jsonl"));
        const CliResult imp = ingest(QStringLiteral("sec-gcs"), QStringLiteral("gs://gb/in/**/*.jpg"), env, saved, true, true);
        QVERIFY2(imp.exitCode == 0, qPrintable(imp.both()));
        QCOMPARE(imp.json().value(QLatin1String("credentialSource")).toObject().value(QLatin1String("kind")).toString(),
                 QStringLiteral("impersonated"));
        QCOMPARE(imp.json().value(QLatin1String("references")).toInt(), 3);

        adc.remove();   // now the metadata server
        const QString savedMeta = m_cli.root.filePath(QStringLiteral("out/gcs-meta.jsonl"));
        const CliResult meta = ingest(QStringLiteral("sec-gcs-m"), QStringLiteral("gs://gb/in/**/*.jpg"), env, savedMeta, false, true);
        QVERIFY2(meta.exitCode == 0, qPrintable(meta.both()));
        QVERIFY2(meta.out.contains(QStringLiteral("Credentials: metadata server service account `vm-sa@proj.iam.gserviceaccount.com`")),
                 qPrintable(meta.out));
        QCOMPARE(fake.signBlobCalls.load(), 6);

        m_secrets << fake.googleRefreshToken << clientSecret << fake.googleSourceToken << fake.googleTargetToken
                  << fake.metadataToken;
        // Every signBlob result, as the URL carries it (hex) and as the fake answered it (base64).
        QStringList signatures;
        for (const QString &path : { saved, savedMeta }) {
            QFile f(path);
            QVERIFY(f.open(QIODevice::ReadOnly));
            for (const QByteArray &line : f.readAll().split('\n'))
                if (!line.isEmpty())
                    signatures << QUrlQuery(QUrl(QJsonDocument::fromJson(line).object().value(QLatin1String("url")).toString()))
                                      .queryItemValue(QStringLiteral("X-Goog-Signature"));
        }
        QCOMPARE(signatures.size(), 6);
        for (const QString &hex : std::as_const(signatures)) {
            QVERIFY(hex.size() == 512);   // a 2048-bit RSA signature: the positive control
            m_secrets << hex << QString::fromLatin1(QByteArray::fromHex(hex.toLatin1()).toBase64());
        }
    }

    void noSecretInOutputsOrFiles()
    {
        QCOMPARE(m_runs.size(), 7);
        QVERIFY(m_secrets.size() >= 30);
        for (const CliResult &r : std::as_const(m_runs))
            for (const QString &secret : std::as_const(m_secrets))
                QVERIFY2(!r.both().contains(secret), qPrintable(QStringLiteral("secret on stdout/stderr: %1").arg(r.both().left(3000))));
        int files = 0;
        for (const QString &dir : { m_cli.home(), m_cli.dataDir(), QFileInfo(m_cli.configFile()).path() }) {
            QDirIterator it(dir, QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
            while (it.hasNext()) {
                const QString path = it.next();
                QFile f(path);
                QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(path));
                const QByteArray bytes = f.readAll();
                ++files;
                for (const QString &secret : std::as_const(m_secrets))
                    QVERIFY2(!bytes.contains(secret.toUtf8()), qPrintable(QStringLiteral("secret in %1").arg(path)));
            }
        }
        qInfo("searched %d files and %d outputs for %d secret strings", files, int(m_runs.size()) * 2, int(m_secrets.size()));
    }
};

QTEST_GUILESS_MAIN(TestCloudSecrets)
#include "tst_cloud_secrets.moc"
