// CloudIngestPlanner without emulators: credential resolution per provider (and the messages when
// nothing is found), and the GCS branch end to end against a loopback fake of the token endpoint
// and the JSON API (no GCS emulator is on npm): GOOGLE_APPLICATION_CREDENTIALS -> JWT exchange ->
// paged listing -> unique names -> V4 signed URLs.
#include "staging/CloudIngestPlanner.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <thread>

using bd::staging::CloudIngestPlanner;

namespace {

struct FakeGcs {
    httplib::Server server;
    std::thread thread;
    int port = 0;
    void start()
    {
        server.Post("/token", [](const httplib::Request &req, httplib::Response &res) {
            if (req.get_param_value("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer") {
                res.status = 400;
                return;
            }
            res.set_content(R"({"access_token":"ya29.planner-token","expires_in":3600})", "application/json");
        });
        server.Get("/storage/v1/b/gb/o", [](const httplib::Request &req, httplib::Response &res) {
            if (req.get_header_value("Authorization") != "Bearer ya29.planner-token" || req.get_param_value("prefix") != "imgs/") {
                res.status = 403;
                return;
            }
            if (!req.has_param("pageToken"))
                res.set_content(R"({"items":[{"name":"imgs/a/same.jpg","size":"10"},{"name":"imgs/readme.md","size":"3"}],"nextPageToken":"p2"})",
                                "application/json");
            else
                res.set_content(R"({"items":[{"name":"imgs/b/same.jpg","size":"20"},{"name":"imgs/c.png","size":"5"}]})",
                                "application/json");
        });
        port = server.bind_to_any_port("127.0.0.1");
        thread = std::thread([this] { server.listen_after_bind(); });
        while (!server.is_running())
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ~FakeGcs()
    {
        server.stop();
        if (thread.joinable())
            thread.join();
    }
};

QByteArray rsaPem()
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

bool run(CloudIngestPlanner &planner)
{
    QEventLoop loop;
    QObject::connect(&planner, &bd::Operation::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(30000, &loop, &QEventLoop::quit);
    planner.start();
    loop.exec();
    return planner.isFinished();
}

}  // namespace

class TestCloudPlanner : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void missingCredentialsSayWhereToLook_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("expected");
        QTest::newRow("s3") << "s3://b/x/" << "AWS";
        QTest::newRow("gcs") << "gs://b/x/" << "GOOGLE_APPLICATION_CREDENTIALS";
        QTest::newRow("azure") << "az://c/x/" << "AZURE_STORAGE_ACCOUNT_NAME";
        QTest::newRow("bad path") << "ftp://b/x" << "ftp";
    }

    void missingCredentialsSayWhereToLook()
    {
        QFETCH(QString, path);
        QFETCH(QString, expected);
        QTemporaryDir home;
        CloudIngestPlanner::Request request;
        request.bucketPath = path;
        request.environment = QProcessEnvironment();
        // No instance metadata or metadata server probes towards 169.254.169.254 from a test.
        request.environment.insert(QStringLiteral("AWS_EC2_METADATA_DISABLED"), QStringLiteral("true"));
        request.environment.insert(QStringLiteral("NO_GCE_CHECK"), QStringLiteral("true"));
        request.homeDir = home.path();
        CloudIngestPlanner planner(request);
        QVERIFY(run(planner));
        QCOMPARE(planner.error().kind, bd::ErrorKind::InvalidInput);
        QVERIFY2(planner.error().message.contains(expected), qPrintable(planner.error().message));
    }

    void azureSasBeatsKeyAndCliNamesWork()
    {
        QProcessEnvironment env;
        env.insert(QStringLiteral("AZURE_STORAGE_ACCOUNT"), QStringLiteral("acct"));
        env.insert(QStringLiteral("AZURE_STORAGE_KEY"), QStringLiteral("a2V5"));
        env.insert(QStringLiteral("AZURE_STORAGE_SAS_TOKEN"), QStringLiteral("?sv=1&sig=abc"));
        bd::Error error;
        const auto creds = CloudIngestPlanner::resolveCredentials(bd::cloud::BucketPath::parse(QStringLiteral("az://c/")), env,
                                                                  QString(), &error);
        QVERIFY(!error);
        QCOMPARE(creds.azure.account, QStringLiteral("acct"));
        const QString url = CloudIngestPlanner::signObject(bd::cloud::BucketPath::parse(QStringLiteral("az://c/")), creds,
                                                           QStringLiteral("dir/my photo.jpg"), 60);
        QCOMPARE(url, QStringLiteral("https://acct.blob.core.windows.net/c/dir/my%20photo.jpg?sv=1&sig=abc"));
    }

    void gcsListingAndSigning()
    {
        FakeGcs fake;
        fake.start();
        QTemporaryDir dir;
        const QString keyFile = dir.filePath(QStringLiteral("sa.json"));
        QFile f(keyFile);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QJsonDocument(QJsonObject{ { "type", "service_account" },
                                           { "client_email", "ingest@proj.iam.gserviceaccount.com" },
                                           { "private_key", QString::fromLatin1(rsaPem()) },
                                           { "token_uri", QStringLiteral("http://127.0.0.1:%1/token").arg(fake.port) } })
                    .toJson());
        f.close();
        CloudIngestPlanner::Request request;
        request.bucketPath = QStringLiteral("gs://gb/imgs/**");
        request.environment.insert(QStringLiteral("GOOGLE_APPLICATION_CREDENTIALS"), keyFile);
        request.gcsApiRoot = QStringLiteral("http://127.0.0.1:%1").arg(fake.port);
        request.homeDir = dir.path();
        CloudIngestPlanner planner(request);
        QVERIFY(run(planner));
        QVERIFY2(!planner.error(), qPrintable(planner.error().fullText()));
        QCOMPARE(planner.references().size(), 3);
        QCOMPARE(planner.references().at(0).name, QStringLiteral("imgs__a__same.jpg"));
        QCOMPARE(planner.references().at(1).name, QStringLiteral("imgs__b__same.jpg"));
        QCOMPARE(planner.references().at(2).name, QStringLiteral("c.png"));
        const QString url = planner.references().at(2).url;
        QVERIFY2(url.startsWith(QStringLiteral("https://storage.googleapis.com/gb/imgs/c.png?")), qPrintable(url));
        QVERIFY(url.contains(QStringLiteral("X-Goog-Algorithm=GOOG4-RSA-SHA256")));
        QVERIFY(url.contains(QStringLiteral("X-Goog-Expires=86400")));
        QVERIFY(url.contains(QStringLiteral("X-Goog-Signature=")));
        QCOMPARE(planner.credentials().sourceKind, QStringLiteral("service-account"));
        QCOMPARE(planner.credentials().source,
                 QStringLiteral("service account key `ingest@proj.iam.gserviceaccount.com` (GOOGLE_APPLICATION_CREDENTIALS)"));
        QTemporaryDir out;
        QVERIFY(planner.saveReferences(out.filePath(QStringLiteral("refs.jsonl"))));
    }
};

QTEST_GUILESS_MAIN(TestCloudPlanner)
#include "tst_cloud_planner.moc"
