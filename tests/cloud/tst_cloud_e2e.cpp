// End to end against real emulators from npm: s3rver (S3) and azurite (Azure Blob) are started on
// free loopback ports, filled with 12 real JPEGs (two share the base name same.jpg in different
// folders) plus a text file, then the whole pipeline runs: CloudIngestPlanner (credentials from an
// environment, listing, unique names, local signing) -> ReferencesIngestOperation (D10 in chunks)
// -> the in-process sandbox fetches every signed URL from the emulator. Done when the batch count
// equals the object count and the listing (D5) names are the unique names, with the same bytes.
// A missing emulator is a FAILURE telling to run installer/npm-emulators.sh (CI runs it).
#include "CloudEmulators.h"
#include "CredentialFakes.h"

#include "cloud/ReferencesBuilder.h"
#include "staging/CloudIngestPlanner.h"
#include "staging/ReferencesIngestOperation.h"

#include <QtTest>

using namespace cloudtest;
using bd::staging::CloudIngestPlanner;
using bd::staging::ReferencesIngestOperation;

namespace {

QStringList expectedNames()
{
    QStringList names = bd::cloud::ReferencesBuilder::uniqueNames(bucketKeys());
    names.sort();
    return names;
}

}  // namespace

class TestCloudE2e : public QObject
{
    Q_OBJECT
private:
    SandboxApi m_env;
    QTemporaryDir m_home;

    // The planner on `bucketPath` with `env`, then the references ingest; checks the batch.
    void ingestAndCheck(const QString &bucketPath, const QProcessEnvironment &env, const QString &batchId,
                        QString *credentialSource = nullptr)
    {
        CloudIngestPlanner::Request request;
        request.bucketPath = bucketPath;
        request.environment = env;
        request.homeDir = m_home.path();
        request.pageSize = 5;   // several listing pages
        CloudIngestPlanner planner(request);
        planner.start();
        QVERIFY(waitFinished(&planner, 60000));
        QVERIFY2(!planner.error(), qPrintable(planner.error().fullText()));
        if (credentialSource)
            *credentialSource = planner.credentials().source;
        QCOMPARE(planner.objects().size(), bucketKeys().size());   // the .txt is not listed
        QCOMPARE(planner.processedAmount(bd::Operation::Unit::Files), qint64(bucketKeys().size()));
        QStringList names;
        for (const auto &r : planner.references())
            names << r.name;
        names.sort();
        QCOMPARE(names, expectedNames());
        QVERIFY(names.contains(QStringLiteral("photos__a__same.jpg")));
        QVERIFY(names.contains(QStringLiteral("photos__b__same.jpg")));

        // "Save references file" writes exactly what is ingested.
        const QString saved = m_home.filePath(batchId + QStringLiteral(".jsonl"));
        QVERIFY(planner.saveReferences(saved));
        bd::Error readError;
        const auto reread = ReferencesIngestOperation::readReferencesFile(saved, &readError);
        QVERIFY2(!readError, qPrintable(readError.message));
        QCOMPARE(reread.size(), planner.references().size());
        QVERIFY(ReferencesIngestOperation::validate(reread).isEmpty());

        bd::staging::ReferencesIngestOptions options;
        options.batchId = batchId;
        options.references = planner.references();
        options.chunkSize = 5;   // three D10 requests
        options.pollInitialMs = 100;
        options.pollMaxMs = 400;
        options.indexTimeoutMs = 60000;
        ReferencesIngestOperation ingest(m_env.api.get(), options);
        ingest.start();
        QVERIFY(waitFinished(&ingest, 90000));
        QVERIFY2(!ingest.error(), qPrintable(ingest.error().fullText()));
        QCOMPARE(ingest.chunkIngestIds().size(), 3);
        const auto &summary = ingest.summary();
        for (const auto &f : summary.failed)
            qWarning("failed: %s: %s", qPrintable(f.name), qPrintable(f.detail));
        QCOMPARE(summary.failed.size(), 0);
        QCOMPARE(summary.uploaded.size(), bucketKeys().size());
        QVERIFY(summary.ready);
        QCOMPARE(m_env.count(batchId), qint64(bucketKeys().size()));
        QCOMPARE(m_env.names(batchId), expectedNames());

        // The bytes the sandbox fetched are the emulator's: compare one of the colliding names.
        auto *files = m_env.api->listBatchFiles(batchId, QString(), 100);
        files->setMaxPages(0);
        QVERIFY(files->exec());
        bool compared = false;
        for (const auto &f : files->result()) {
            if (f.fileName != QLatin1String("photos__b__same.jpg"))
                continue;
            QByteArray bytes;
            QCOMPARE(send("GET", QNetworkRequest(f.downloadUrl), {}, &bytes), 200);
            QCOMPARE(bytes, validJpeg("photos/b/same.jpg"));
            compared = true;
        }
        QVERIFY(compared);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_home.isValid());
        QString error;
        QVERIFY2(m_env.start(&error), qPrintable(error));
    }

    void s3rverToSandbox()
    {
        const QString missing = missingEmulator(QStringLiteral("s3rver"));
        QVERIFY2(missing.isEmpty(), qPrintable(missing));
        Emulator s3;
        QString error;
        QVERIFY2(s3.start(QStringLiteral("s3rver"),
                          { QStringLiteral("-d"), QStringLiteral("%DIR%"), QStringLiteral("-a"), QStringLiteral("127.0.0.1"),
                            QStringLiteral("-p"), QStringLiteral("%PORT%"), QStringLiteral("--silent"),
                            QStringLiteral("--configure-bucket"), QStringLiteral("bd-e2e") },
                          &error),
                 qPrintable(error));
        bd::cloud::AwsCredentials creds;
        creds.accessKeyId = kS3rverAccessKey;
        creds.secretAccessKey = QStringLiteral("S3RVER");
        creds.region = QStringLiteral("us-east-1");
        creds.endpointUrl = QStringLiteral("http://127.0.0.1:%1").arg(s3.port);
        for (const QString &key : bucketKeys()) {
            QByteArray answer;
            QCOMPARE(s3Put(creds, QStringLiteral("bd-e2e"), key, validJpeg(key.toUtf8()), &answer), 200);
        }
        QCOMPARE(s3Put(creds, QStringLiteral("bd-e2e"), QStringLiteral("photos/notes.txt"), "not an image"), 200);

        QProcessEnvironment env;
        env.insert(QStringLiteral("AWS_ACCESS_KEY_ID"), creds.accessKeyId);
        env.insert(QStringLiteral("AWS_SECRET_ACCESS_KEY"), creds.secretAccessKey);
        env.insert(QStringLiteral("AWS_ENDPOINT_URL"), creds.endpointUrl);
        env.insert(QStringLiteral("AWS_REGION"), creds.region);
        ingestAndCheck(QStringLiteral("s3://bd-e2e/photos/**/*.jpg"), env, QStringLiteral("e2e-s3"));

        // The same bucket with credentials from a named profile in ~/.aws (AWS_PROFILE), the
        // region from ~/.aws/config, as the AWS CLI and the reference client find them.
        QDir().mkpath(m_home.filePath(QStringLiteral(".aws")));
        QFile credentials(m_home.filePath(QStringLiteral(".aws/credentials")));
        QVERIFY(credentials.open(QIODevice::WriteOnly));
        credentials.write("[default]\naws_access_key_id = WRONG\naws_secret_access_key = wrong\n\n"
                          "[e2e]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n");
        credentials.close();
        QFile config(m_home.filePath(QStringLiteral(".aws/config")));
        QVERIFY(config.open(QIODevice::WriteOnly));
        config.write("[profile e2e]\nregion = eu-west-3\n");
        config.close();
        QProcessEnvironment profileEnv;
        profileEnv.insert(QStringLiteral("AWS_PROFILE"), QStringLiteral("e2e"));
        profileEnv.insert(QStringLiteral("AWS_ENDPOINT_URL"), creds.endpointUrl);
        CloudIngestPlanner::Request request;
        request.bucketPath = QStringLiteral("s3://bd-e2e/photos/a/");
        request.environment = profileEnv;
        request.homeDir = m_home.path();
        CloudIngestPlanner planner(request);
        planner.start();
        QVERIFY(waitFinished(&planner, 60000));
        QVERIFY2(!planner.error(), qPrintable(planner.error().fullText()));
        QCOMPARE(planner.credentials().aws.accessKeyId, kS3rverAccessKey);
        QCOMPARE(planner.credentials().aws.region, QStringLiteral("eu-west-3"));
        QVERIFY2(planner.credentials().source.contains(QStringLiteral("e2e")), qPrintable(planner.credentials().source));
        QCOMPARE(planner.references().size(), 1);
        QCOMPARE(planner.references().first().name, QStringLiteral("same.jpg"));   // unique within this listing
        QVERIFY(planner.references().first().url.contains(QStringLiteral("eu-west-3")));
    }

    // The same ingest with credentials from an EC2 instance role: IMDSv2 served by the loopback
    // fake (token PUT, role name, credential document), found through
    // AWS_EC2_METADATA_SERVICE_ENDPOINT; s3rver knows only the key id S3RVER, so the fake hands
    // out that id with a fresh secret and session token.
    void s3rverWithEc2InstanceRole()
    {
        const QString missing = missingEmulator(QStringLiteral("s3rver"));
        QVERIFY2(missing.isEmpty(), qPrintable(missing));
        Emulator s3;
        QString error;
        QVERIFY2(s3.start(QStringLiteral("s3rver"),
                          { QStringLiteral("-d"), QStringLiteral("%DIR%"), QStringLiteral("-a"), QStringLiteral("127.0.0.1"),
                            QStringLiteral("-p"), QStringLiteral("%PORT%"), QStringLiteral("--silent"),
                            QStringLiteral("--configure-bucket"), QStringLiteral("bd-role") },
                          &error),
                 qPrintable(error));
        bd::cloud::AwsCredentials uploader;
        uploader.accessKeyId = kS3rverAccessKey;
        uploader.secretAccessKey = QStringLiteral("S3RVER");
        uploader.region = QStringLiteral("us-east-1");
        uploader.endpointUrl = QStringLiteral("http://127.0.0.1:%1").arg(s3.port);
        for (const QString &key : bucketKeys())
            QCOMPARE(s3Put(uploader, QStringLiteral("bd-role"), key, validJpeg(key.toUtf8())), 200);

        CredentialFakes imds;
        imds.imdsRole = QStringLiteral("e2e-ingest-role");
        imds.fixedKeyId = kS3rverAccessKey;
        imds.start();
        QProcessEnvironment env;
        env.insert(QStringLiteral("AWS_EC2_METADATA_SERVICE_ENDPOINT"), imds.url());
        env.insert(QStringLiteral("AWS_ENDPOINT_URL"), uploader.endpointUrl);
        env.insert(QStringLiteral("AWS_REGION"), uploader.region);
        env.insert(QStringLiteral("AWS_SHARED_CREDENTIALS_FILE"), m_home.filePath(QStringLiteral("no-such/credentials")));
        env.insert(QStringLiteral("AWS_CONFIG_FILE"), m_home.filePath(QStringLiteral("no-such/config")));
        QString source;
        ingestAndCheck(QStringLiteral("s3://bd-role/photos/**/*.jpg"), env, QStringLiteral("e2e-s3-role"), &source);
        QCOMPARE(source, QStringLiteral("EC2 instance role `e2e-ingest-role`"));
        QCOMPARE(imds.imdsTokenPuts.load(), 1);
        QCOMPARE(imds.imdsCredentialGets.load(), 1);
        QCOMPARE(imds.imdsUnauthorized.load(), 0);
    }

    void azuriteToSandbox()
    {
        const QString missing = missingEmulator(QStringLiteral("azurite-blob"));
        QVERIFY2(missing.isEmpty(), qPrintable(missing));
        Emulator azurite;
        QString error;
        QVERIFY2(azurite.start(QStringLiteral("azurite-blob"),
                               { QStringLiteral("--blobHost"), QStringLiteral("127.0.0.1"), QStringLiteral("--blobPort"),
                                 QStringLiteral("%PORT%"), QStringLiteral("--location"), QStringLiteral("%DIR%"),
                                 QStringLiteral("--silent"), QStringLiteral("--skipApiVersionCheck"), QStringLiteral("--disableTelemetry") },
                               &error),
                 qPrintable(error));
        bd::cloud::AzureCredentials creds;
        creds.account = kAzuriteAccount;
        creds.accountKey = kAzuriteKey;
        creds.endpoint = QStringLiteral("http://127.0.0.1:%1/%2").arg(azurite.port).arg(kAzuriteAccount);
        QByteArray answer;
        QVERIFY2(azurePut(creds, QStringLiteral("bd-e2e"), {}, {}, &answer) == 201, answer.constData());
        for (const QString &key : bucketKeys())
            QVERIFY2(azurePut(creds, QStringLiteral("bd-e2e"), key, validJpeg(key.toUtf8()), &answer) == 201, answer.constData());
        QCOMPARE(azurePut(creds, QStringLiteral("bd-e2e"), QStringLiteral("photos/notes.txt"), "not an image"), 201);

        QProcessEnvironment env;
        env.insert(QStringLiteral("AZURE_STORAGE_ACCOUNT_NAME"), creds.account);
        env.insert(QStringLiteral("AZURE_STORAGE_ACCOUNT_KEY"), creds.accountKey);
        env.insert(QStringLiteral("AZURE_STORAGE_BLOB_ENDPOINT"), creds.endpoint);
        ingestAndCheck(QStringLiteral("az://bd-e2e/photos/"), env, QStringLiteral("e2e-azure"));
    }
};

QTEST_GUILESS_MAIN(TestCloudE2e)
#include "tst_cloud_e2e.moc"
