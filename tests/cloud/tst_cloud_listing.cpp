// CloudListing over real loopback HTTP against small fake S3 / GCS / Azure servers (httplib):
// the S3 fake re-computes SigV4 for both the listing Authorization header and the presigned GETs,
// so the bytes only come back if the signatures are right.
#include "cloud/CloudListing.h"
#include "cloud/SigV4.h"

#include <QSignalSpy>
#include <QtTest>

#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <thread>

using namespace bd::cloud;

namespace {
const QMap<QString, QByteArray> kObjects{ { "data/a.jpg", "AAAA" }, { "data/sub/b.PNG", "BBBBBB" },
                                          { "data/sub/c.txt", "text" }, { "data/d/a.jpg", "DD" },
                                          { "other/e.jpg", "E" } };

AwsCredentials fakeAws(quint16 port, const QString &secret = QStringLiteral("fake-secret-key-0001"))
{
    AwsCredentials c;
    c.accessKeyId = QStringLiteral("AKIAFAKE");
    c.secretAccessKey = secret;
    c.region = QStringLiteral("auto");
    c.endpointUrl = QStringLiteral("http://127.0.0.1:%1").arg(port);
    return c;
}

SigV4Request fromHttp(const httplib::Request &req, const QStringList &skipParams)
{
    SigV4Request r;
    r.host = QString::fromStdString(req.get_header_value("Host"));
    r.path = QString::fromStdString(req.path);
    for (const auto &p : req.params)
        if (!skipParams.contains(QString::fromStdString(p.first)))
            r.query.append({ QString::fromStdString(p.first), QString::fromStdString(p.second) });
    return r;
}

struct FakeServer {
    httplib::Server server;
    std::thread thread;
    int port = 0;
    void start()
    {
        port = server.bind_to_any_port("127.0.0.1");
        thread = std::thread([this] { server.listen_after_bind(); });
        while (!server.is_running())
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ~FakeServer()
    {
        server.stop();
        if (thread.joinable())
            thread.join();
    }
};

bool runListing(CloudListing &op)
{
    QSignalSpy done(&op, &bd::Operation::finished);
    op.start();
    return done.wait(10000);
}
}  // namespace

class TestCloudListing : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void s3ListPagesAndPresignedGets()
    {
        FakeServer fake;
        const QString secret = QStringLiteral("fake-secret-key-0001");
        int listCalls = 0;
        fake.server.Get("/bkt", [&](const httplib::Request &req, httplib::Response &res) {
            ++listCalls;
            // Verify the Authorization header by signing the same request ourselves.
            SigV4Request r = fromHttp(req, {});
            const QDateTime when = QDateTime::fromString(QString::fromStdString(req.get_header_value("x-amz-date")),
                                                         QStringLiteral("yyyyMMdd'T'HHmmss'Z'"));
            const QByteArray expected = SigV4Signer(fakeAws(0, secret), QStringLiteral("auto")).authorize(r, QDateTime(when.date(), when.time(), Qt::UTC));
            if (QByteArray::fromStdString(req.get_header_value("Authorization")) != expected) {
                res.status = 403;
                res.set_content("<Error><Code>SignatureDoesNotMatch</Code></Error>", "application/xml");
                return;
            }
            const int maxKeys = std::stoi(req.get_param_value("max-keys"));
            const QString prefix = QString::fromStdString(req.get_param_value("prefix"));
            const int start = req.has_param("continuation-token") ? std::stoi(req.get_param_value("continuation-token").substr(4)) : 0;
            QStringList keys;
            for (const QString &k : kObjects.keys())
                if (k.startsWith(prefix))
                    keys.append(k);
            std::string xml = "<?xml version=\"1.0\"?><ListBucketResult><Name>bkt</Name>";
            for (int i = start; i < qMin(int(keys.size()), start + maxKeys); ++i)
                xml += "<Contents><Key>" + keys[i].toStdString() + "</Key><Size>" + std::to_string(kObjects[keys[i]].size()) + "</Size></Contents>";
            const bool more = start + maxKeys < keys.size();
            xml += std::string("<IsTruncated>") + (more ? "true" : "false") + "</IsTruncated>";
            if (more)
                xml += "<NextContinuationToken>tok/" + std::to_string(start + maxKeys) + "</NextContinuationToken>";
            res.set_content(xml + "</ListBucketResult>", "application/xml");
        });
        fake.server.Get(R"(/bkt/(.+))", [&](const httplib::Request &req, httplib::Response &res) {
            SigV4Request r = fromHttp(req, { "X-Amz-Signature" });
            const QDateTime when = QDateTime::fromString(QString::fromStdString(req.get_param_value("X-Amz-Date")),
                                                         QStringLiteral("yyyyMMdd'T'HHmmss'Z'"));
            r.payloadHash = kUnsignedPayload;
            const QByteArray sig = SigV4Signer(fakeAws(0, secret), QStringLiteral("auto")).signature(QDateTime(when.date(), when.time(), Qt::UTC), r);
            if (sig.toStdString() != req.get_param_value("X-Amz-Signature")) {
                res.status = 403;
                return;
            }
            const QString key = QString::fromStdString(req.matches[1]);
            res.set_content(kObjects.value(key).toStdString(), "application/octet-stream");
        });
        fake.start();

        const BucketPath path = BucketPath::parse(QStringLiteral("s3://bkt/data/**/*"));
        CloudListing op(path, MediaKind::Images);
        op.setAwsCredentials(fakeAws(quint16(fake.port), secret));
        op.setPageSize(2);
        QVERIFY(runListing(op));
        QVERIFY2(!op.error().isError(), qPrintable(op.error().fullText()));
        QCOMPARE(op.pagesFetched(), 2);   // 4 keys under data/, 2 per page
        QCOMPARE(op.processedAmount(bd::Operation::Unit::Items), 4);
        QStringList keys;
        for (const CloudObject &o : op.objects())
            keys.append(o.key);
        keys.sort();
        QCOMPARE(keys, (QStringList{ "data/a.jpg", "data/d/a.jpg", "data/sub/b.PNG" }));

        // Sign, build references and fetch every URL: the fake only answers correctly signed GETs.
        const AwsCredentials aws = fakeAws(quint16(fake.port), secret);
        ReferencesBuilder builder([&aws](const QString &key, qint64 expires, bd::Error *) {
            const S3Location loc = s3Location(aws, QStringLiteral("bkt"), key);
            SigV4Request r;
            r.host = loc.host;
            r.path = loc.path;
            return SigV4Signer(aws, aws.region).presign(r, QDateTime::currentDateTimeUtc(), expires, loc.scheme);
        });
        bd::Error e;
        const auto refs = builder.build(op.objects(), &e);
        QCOMPARE(refs.size(), 3);
        httplib::Client client("127.0.0.1", fake.port);
        for (const Reference &ref : refs) {
            QVERIFY(!ref.url.contains(secret));
            QVERIFY(ref.url.contains(QStringLiteral("X-Amz-Expires=86400")));
            const QUrl url(ref.url);
            auto res = client.Get((url.path(QUrl::FullyEncoded) + QLatin1Char('?') + url.query(QUrl::FullyEncoded)).toStdString().c_str());
            QVERIFY(res);
            QCOMPARE(res->status, 200);
            const QString key = url.path().mid(5);
            QCOMPARE(QByteArray::fromStdString(res->body), kObjects.value(key));
        }
        QCOMPARE(refs.at(0).name == QLatin1String("a.jpg"), false);   // a.jpg exists twice: flattened names
    }

    void s3WrongSecretIsForbidden()
    {
        FakeServer fake;
        fake.server.Get("/bkt", [](const httplib::Request &, httplib::Response &res) {
            res.status = 403;
            res.set_content("<Error><Code>SignatureDoesNotMatch</Code></Error>", "application/xml");
        });
        fake.start();
        CloudListing op(BucketPath::parse(QStringLiteral("s3://bkt/")), MediaKind::Images);
        op.setAwsCredentials(fakeAws(quint16(fake.port), QStringLiteral("wrong-secret-999")));
        QVERIFY(runListing(op));
        QCOMPARE(op.error().kind, bd::ErrorKind::Forbidden);
        QVERIFY(!op.error().fullText().contains(QStringLiteral("wrong-secret-999")));
    }

    void gcsTokenExchangeAndPages()
    {
        FakeServer fake;
        std::string assertion;
        fake.server.Post("/token", [&](const httplib::Request &req, httplib::Response &res) {
            assertion = req.get_param_value("assertion");
            res.set_content(R"({"access_token":"ya29.fake-token-123","expires_in":3600})", "application/json");
        });
        fake.server.Get("/storage/v1/b/gb/o", [](const httplib::Request &req, httplib::Response &res) {
            if (req.get_header_value("Authorization") != "Bearer ya29.fake-token-123") {
                res.status = 401;
                return;
            }
            if (!req.has_param("pageToken"))
                res.set_content(R"({"items":[{"name":"imgs/1.jpg","size":"10"},{"name":"imgs/notes.txt","size":"3"}],"nextPageToken":"p2"})", "application/json");
            else
                res.set_content(R"({"items":[{"name":"imgs/2.webp","size":"20"}]})", "application/json");
        });
        fake.start();
        QByteArray pub;
        EVP_PKEY *key = EVP_RSA_gen(2048);
        BIO *bio = BIO_new(BIO_s_mem());
        PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
        char *data = nullptr;
        const long len = BIO_get_mem_data(bio, &data);
        GcsServiceAccount account;
        account.clientEmail = QStringLiteral("lister@proj.iam.gserviceaccount.com");
        account.privateKeyPem = QByteArray(data, int(len));
        account.tokenUri = QStringLiteral("http://127.0.0.1:%1/token").arg(fake.port);
        BIO_free(bio);
        EVP_PKEY_free(key);

        CloudListing op(BucketPath::parse(QStringLiteral("gs://gb/imgs/")), MediaKind::Images);
        op.setGcsServiceAccount(account);
        op.setGcsApiRoot(QStringLiteral("http://127.0.0.1:%1").arg(fake.port));
        QVERIFY(runListing(op));
        QVERIFY2(!op.error().isError(), qPrintable(op.error().fullText()));
        QCOMPARE(op.objects().size(), 2);
        QCOMPARE(op.objects().at(1).key, QStringLiteral("imgs/2.webp"));
        QCOMPARE(op.objects().at(1).size, 20);
        QCOMPARE(QString::fromStdString(assertion).count(QLatin1Char('.')), 2);   // a JWT
    }

    void azureSasPagesAndNoMatches()
    {
        FakeServer fake;
        fake.server.Get("/cont", [](const httplib::Request &req, httplib::Response &res) {
            if (req.get_param_value("sig") != "s3cr3t=" || req.get_param_value("comp") != "list") {
                res.status = 403;
                return;
            }
            const bool first = !req.has_param("marker");
            std::string xml = "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"utf-8\"?><EnumerationResults><Blobs>";
            xml += first ? "<Blob><Name>v/clip1.mp4</Name><Properties><Content-Length>5</Content-Length></Properties></Blob>"
                         : "<Blob><Name>v/clip2.MOV</Name><Properties><Content-Length>7</Content-Length></Properties></Blob>";
            xml += std::string("</Blobs><NextMarker>") + (first ? "m2" : "") + "</NextMarker></EnumerationResults>";
            res.set_content(xml, "application/xml");
        });
        fake.start();
        AzureCredentials az;
        az.account = QStringLiteral("acct");
        az.sasToken = QStringLiteral("sv=2021-06-08&sp=rl&sig=s3cr3t%3D");
        az.endpoint = QStringLiteral("http://127.0.0.1:%1").arg(fake.port);
        CloudListing op(BucketPath::parse(QStringLiteral("az://cont/v/*")), MediaKind::Videos);
        op.setAzureCredentials(az);
        QVERIFY(runListing(op));
        QVERIFY2(!op.error().isError(), qPrintable(op.error().fullText()));
        QCOMPARE(op.objects().size(), 2);
        QCOMPARE(AzureSas::blobUrl(az, QStringLiteral("cont"), op.objects().at(0).key, QDateTime()),
                 QStringLiteral("http://127.0.0.1:%1/cont/v/clip1.mp4?sv=2021-06-08&sp=rl&sig=s3cr3t%3D").arg(fake.port));

        CloudListing none(BucketPath::parse(QStringLiteral("az://cont/v/*")), MediaKind::Images);
        none.setAzureCredentials(az);
        QVERIFY(runListing(none));
        QCOMPARE(none.error().kind, bd::ErrorKind::InvalidInput);
        QVERIFY(none.error().message.contains(QStringLiteral("jpg")));
    }
};

QTEST_GUILESS_MAIN(TestCloudListing)
#include "tst_cloud_listing.moc"
