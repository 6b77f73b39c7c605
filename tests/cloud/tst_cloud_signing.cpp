// Signing proven against published vectors: AWS SigV4 (S3 docs examples and the SigV4 test
// suite), Azure service SAS / SharedKey (hand-verified, computation documented), GCS V4 (documented
// canonical-request format + a signature that verifies with the public key of a test RSA key).
#include "cloud/AzureSas.h"
#include "cloud/CloudCrypto.h"
#include "cloud/GcsV4Signer.h"
#include "cloud/SigV4.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

using namespace bd::cloud;

// Source: Google's cross-client conformance corpus, github.com/googleapis/conformance-tests,
// storage/v1/v4_signatures.json ("Simple GET", "Vary expiration and timestamp", "Vary bucket and
// object") signed with the inactive dummy key published beside it (storage/v1/service-account:
// "a dummy service account JSON file that is inactive. It's fine for it to be public.").
static const char kConformanceClientEmail[] = "test-iam-credentials@dummy-project-id.iam.gserviceaccount.com";
static const char kConformancePrivateKey[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQCsPzMirIottfQ2\n"
    "ryjQmPWocSEeGo7f7Q4/tMQXHlXFzo93AGgU2t+clEj9L5loNhLVq+vk+qmnyDz5\n"
    "Q04y8jVWyMYzzGNNrGRW/yaYqnqlKZCy1O3bmnNjV7EDbC/jE1ZLBY0U3HaSHfn6\n"
    "S9ND8MXdgD0/ulRTWwq6vU8/w6i5tYsU7n2LLlQTl1fQ7/emO9nYcCFJezHZVa0H\n"
    "meWsdHwWsok0skwQYQNIzP3JF9BpR5gJT2gNge6KopDesJeLoLzaX7cUnDn+CAnn\n"
    "LuLDwwSsIVKyVxhBFsFXPplgpaQRwmGzwEbf/Xpt9qo26w2UMgn30jsOaKlSeAX8\n"
    "cS6ViF+tAgMBAAECggEACKRuJCP8leEOhQziUx8Nmls8wmYqO4WJJLyk5xUMUC22\n"
    "SI4CauN1e0V8aQmxnIc0CDkFT7qc9xBmsMoF+yvobbeKrFApvlyzNyM7tEa/exh8\n"
    "DGD/IzjbZ8VfWhDcUTwn5QE9DCoon9m1sG+MBNlokB3OVOt8LieAAREdEBG43kJu\n"
    "yQTOkY9BGR2AY1FnAl2VZ/jhNDyrme3tp1sW1BJrawzR7Ujo8DzlVcS2geKA9at7\n"
    "55ua5GbHz3hfzFgjVXDfnkWzId6aHypUyqHrSn1SqGEbyXTaleKTc6Pgv0PgkJjG\n"
    "hZazWWdSuf1T5Xbs0OhAK9qraoAzT6cXXvMEvvPt6QKBgQDXcZKqJAOnGEU4b9+v\n"
    "Odoh+nssdrIOBNMu1m8mYbUVYS1aakc1iDGIIWNM3qAwbG+yNEIi2xi80a2RMw2T\n"
    "9RyCNB7yqCXXVKLBiwg9FbKMai6Vpk2bWIrzahM9on7AhCax/X2AeOp+UyYhFEy6\n"
    "UFG4aHb8THscL7b515ukSuKb5QKBgQDMq+9PuaB0eHsrmL6q4vHNi3MLgijGg/zu\n"
    "AXaPygSYAwYW8KglcuLZPvWrL6OG0+CrfmaWTLsyIZO4Uhdj7MLvX6yK7IMnagvk\n"
    "L3xjgxSklEHJAwi5wFeJ8ai/1MIuCn8p2re3CbwISKpvf7Sgs/W4196P4vKvTiAz\n"
    "jcTiSYFIKQKBgCjMpkS4O0TakMlGTmsFnqyOneLmu4NyIHgfPb9cA4n/9DHKLKAT\n"
    "oaWxBPgatOVWs7RgtyGYsk+XubHkpC6f3X0+15mGhFwJ+CSE6tN+l2iF9zp52vqP\n"
    "Qwkjzm7+pdhZbmaIpcq9m1K+9lqPWJRz/3XXuqi+5xWIZ7NaxGvRjqaNAoGAdK2b\n"
    "utZ2y48XoI3uPFsuP+A8kJX+CtWZrlE1NtmS7tnicdd19AtfmTuUL6fz0FwfW4Su\n"
    "lQZfPT/5B339CaEiq/Xd1kDor+J7rvUHM2+5p+1A54gMRGCLRv92FQ4EON0RC1o9\n"
    "m2I4SHysdO3XmjmdXmfp4BsgAKJIJzutvtbqlakCgYB+Cb10z37NJJ+WgjDt+yT2\n"
    "yUNH17EAYgWXryfRgTyi2POHuJitd64Xzuy6oBVs3wVveYFM6PIKXlj8/DahYX5I\n"
    "R2WIzoCNLL3bEZ+nC6Jofpb4kspoAeRporj29SgesK6QBYWHWX2H645RkRGYGpDo\n"
    "51gjy9m/hSNqBbH2zmh04A==\n"
    "-----END PRIVATE KEY-----\n";

namespace {
// Source: Amazon S3 API Reference, "Authenticating Requests: Using Query Parameters (AWS Signature
// Version 4)" and "Examples: Signature Calculations in AWS Signature Version 4" (header-based
// auth): access key AKIAIOSFODNN7EXAMPLE, bucket examplebucket, us-east-1, 2013-05-24T00:00:00Z.
AwsCredentials s3DocCredentials()
{
    AwsCredentials c;
    c.accessKeyId = QStringLiteral("AKIAIOSFODNN7EXAMPLE");
    c.secretAccessKey = QStringLiteral("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
    c.region = QStringLiteral("us-east-1");
    return c;
}
const QDateTime kS3DocTime(QDate(2013, 5, 24), QTime(0, 0), Qt::UTC);

QByteArray generateRsaPem(QByteArray *publicPem)
{
    EVP_PKEY *key = EVP_RSA_gen(2048);
    BIO *priv = BIO_new(BIO_s_mem());
    BIO *pub = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(priv, key, nullptr, nullptr, 0, nullptr, nullptr);
    PEM_write_bio_PUBKEY(pub, key);
    char *data = nullptr;
    long len = BIO_get_mem_data(priv, &data);
    const QByteArray privatePem(data, int(len));
    len = BIO_get_mem_data(pub, &data);
    *publicPem = QByteArray(data, int(len));
    BIO_free(priv);
    BIO_free(pub);
    EVP_PKEY_free(key);
    return privatePem;
}

bool rsaVerify(const QByteArray &publicPem, const QByteArray &data, const QByteArray &signature)
{
    BIO *bio = BIO_new_mem_buf(publicPem.constData(), int(publicPem.size()));
    EVP_PKEY *key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = key && EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1
              && EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char *>(signature.constData()), size_t(signature.size()),
                                  reinterpret_cast<const unsigned char *>(data.constData()), size_t(data.size())) == 1;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
    BIO_free(bio);
    return ok;
}
}  // namespace

class TestCloudSigning : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void primitives()
    {
        QCOMPARE(sha256Hex(""), QByteArray(kEmptySha256));
        // RFC 4231 test case 2.
        QCOMPARE(hmacSha256("Jefe", "what do ya want for nothing?").toHex(),
                 QByteArray("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"));
        QCOMPARE(uriEncode(QStringLiteral("a b/c~d*é"), true), QByteArray("a%20b/c~d%2A%C3%A9"));
        QCOMPARE(uriEncode(QStringLiteral("a/b")), QByteArray("a%2Fb"));
    }

    void s3PresignedUrlDocExample()
    {
        const AwsCredentials c = s3DocCredentials();
        const SigV4Signer signer(c, c.region);
        const S3Location loc = s3Location(c, QStringLiteral("examplebucket"), QStringLiteral("test.txt"));
        QCOMPARE(loc.host, QStringLiteral("examplebucket.s3.amazonaws.com"));
        SigV4Request r;
        r.host = loc.host;
        r.path = loc.path;
        const QString url = signer.presign(r, kS3DocTime, 86400);
        QCOMPARE(url, QStringLiteral("https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                                     "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
                                     "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
                                     "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"));
    }

    void s3HeaderDocExamples()
    {
        const AwsCredentials c = s3DocCredentials();
        const SigV4Signer signer(c, c.region);
        // "GET Object": Range header, empty payload.
        SigV4Request get;
        get.host = QStringLiteral("examplebucket.s3.amazonaws.com");
        get.path = QStringLiteral("/test.txt");
        get.headers.insert(QStringLiteral("range"), QStringLiteral("bytes=0-9"));
        const QByteArray auth = signer.authorize(get, kS3DocTime);
        QCOMPARE(auth, QByteArray("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
                                  "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
                                  "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"));
        // "GET Bucket (List Objects)": the query is sorted into max-keys=2&prefix=J.
        SigV4Request list;
        list.host = QStringLiteral("examplebucket.s3.amazonaws.com");
        list.query = { { QStringLiteral("prefix"), QStringLiteral("J") }, { QStringLiteral("max-keys"), QStringLiteral("2") } };
        QVERIFY(signer.authorize(list, kS3DocTime).endsWith(
            "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"));
        QVERIFY(signer.canonicalRequest(list).contains("\nmax-keys=2&prefix=J\n"));
        // "GET Bucket Lifecycle": a valueless parameter.
        SigV4Request lifecycle;
        lifecycle.host = list.host;
        lifecycle.query = { { QStringLiteral("lifecycle"), QString() } };
        QVERIFY(signer.authorize(lifecycle, kS3DocTime).endsWith(
            "Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"));
    }

    void sigV4TestSuiteGetVanilla()
    {
        // Source: AWS Signature Version 4 test suite, "get-vanilla" (service "service", 2015-08-30).
        AwsCredentials c;
        c.accessKeyId = QStringLiteral("AKIDEXAMPLE");
        c.secretAccessKey = QStringLiteral("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
        const SigV4Signer signer(c, QStringLiteral("us-east-1"), QStringLiteral("service"));
        const QDateTime when(QDate(2015, 8, 30), QTime(12, 36), Qt::UTC);
        SigV4Request r;
        r.host = QStringLiteral("example.amazonaws.com");
        r.headers.insert(QStringLiteral("x-amz-date"), SigV4Signer::amzDate(when));
        QCOMPARE(signer.canonicalRequest(r),
                 QByteArray("GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n") + kEmptySha256);
        QCOMPARE(signer.stringToSign(when, signer.canonicalRequest(r)),
                 QByteArray("AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
                            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"));
        QCOMPARE(signer.signature(when, r), QByteArray("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"));
    }

    void s3SessionTokenAndEndpoints()
    {
        AwsCredentials c = s3DocCredentials();
        c.sessionToken = QStringLiteral("FQoGZXIvYXdzEXAMPLETOKEN/+=");
        const SigV4Signer signer(c, c.region);
        SigV4Request r;
        r.host = QStringLiteral("examplebucket.s3.amazonaws.com");
        r.path = QStringLiteral("/dir/my photo+1.jpg");
        const QString url = signer.presign(r, kS3DocTime, 60);
        QVERIFY(url.startsWith(QStringLiteral("https://examplebucket.s3.amazonaws.com/dir/my%20photo%2B1.jpg?")));
        QVERIFY(url.contains(QStringLiteral("&X-Amz-Security-Token=FQoGZXIvYXdzEXAMPLETOKEN%2F%2B%3D&")));
        // Custom endpoint: path style, its scheme and port.
        AwsCredentials minio = s3DocCredentials();
        minio.endpointUrl = QStringLiteral("http://127.0.0.1:9000");
        S3Location loc = s3Location(minio, QStringLiteral("bkt"), QStringLiteral("a/b.jpg"));
        QCOMPARE(loc.scheme, QStringLiteral("http"));
        QCOMPARE(loc.host, QStringLiteral("127.0.0.1:9000"));
        QCOMPARE(loc.path, QStringLiteral("/bkt/a/b.jpg"));
        AwsCredentials eu = s3DocCredentials();
        eu.region = QStringLiteral("eu-west-1");
        QCOMPARE(s3Location(eu, QStringLiteral("b"), QStringLiteral("k")).host, QStringLiteral("b.s3.eu-west-1.amazonaws.com"));
        loc = s3Location(eu, QStringLiteral("my.dotted.bucket"), QStringLiteral("k"));
        QCOMPARE(loc.host, QStringLiteral("s3.eu-west-1.amazonaws.com"));
        QCOMPARE(loc.path, QStringLiteral("/my.dotted.bucket/k"));
    }

    void azureServiceSas()
    {
        // Hand-verified vector. Key: the published Azurite/Storage-Emulator development key.
        // Expected value computed independently with Python:
        //   base64(hmac.new(b64decode(key), sts.encode(), sha256).digest()) where sts is the
        //   16-line blob string-to-sign of version 2020-12-06+ (Microsoft "Create a service SAS"):
        //   sp, st, se, canonicalizedResource, si, sip, spr, sv, sr, snapshot, ses, rscc, rscd, rsce, rscl, rsct.
        AzureCredentials c;
        c.account = QStringLiteral("myaccount");
        c.accountKey = QStringLiteral("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==");
        AzureSasParams p;
        p.expiry = QDateTime(QDate(2024, 1, 1), QTime(0, 0), Qt::UTC);
        QCOMPARE(AzureSas::stringToSign(c.account, QStringLiteral("pictures"), QStringLiteral("profile.jpg"), p),
                 QByteArray("r\n\n2024-01-01T00:00:00Z\n/blob/myaccount/pictures/profile.jpg\n\n\nhttps\n2022-11-02\nb\n\n\n\n\n\n\n"));
        QCOMPARE(AzureSas::blobSasToken(c, QStringLiteral("pictures"), QStringLiteral("profile.jpg"), p),
                 QStringLiteral("sv=2022-11-02&spr=https&se=2024-01-01T00%3A00%3A00Z&sr=b&sp=r"
                                "&sig=BKOJxrs8Itbe9YZEIyunUYlYBiCp6Dd0cfGlaiBdhNM%3D"));
        QVERIFY(AzureSas::blobUrl(c, QStringLiteral("pictures"), QStringLiteral("a b/profile.jpg"), p.expiry)
                    .startsWith(QStringLiteral("https://myaccount.blob.core.windows.net/pictures/a%20b/profile.jpg?sv=2022-11-02&")));
    }

    void azureUserSasReusedAsIs()
    {
        QProcessEnvironment env;
        env.insert(QStringLiteral("AZURE_STORAGE_ACCOUNT"), QStringLiteral("cliacct"));
        env.insert(QStringLiteral("AZURE_STORAGE_SAS_TOKEN"), QStringLiteral("?sv=2021-06-08&ss=b&srt=sco&sp=rl&se=2024-12-31&sig=abc%3D"));
        env.insert(QStringLiteral("AZURE_STORAGE_KEY"), QStringLiteral("a2V5"));
        bd::Error e;
        const AzureCredentials c = AzureCredentials::resolve(env, &e);
        QVERIFY(!e.isError());
        QCOMPARE(c.account, QStringLiteral("cliacct"));
        QCOMPARE(AzureSas::blobUrl(c, QStringLiteral("cont"), QStringLiteral("x/y.jpg"), QDateTime::currentDateTimeUtc()),
                 QStringLiteral("https://cliacct.blob.core.windows.net/cont/x/y.jpg?sv=2021-06-08&ss=b&srt=sco&sp=rl&se=2024-12-31&sig=abc%3D"));
        env.insert(QStringLiteral("AZURE_STORAGE_ACCOUNT_NAME"), QStringLiteral("adlfsacct"));   // adlfs name wins
        QCOMPARE(AzureCredentials::resolve(env).account, QStringLiteral("adlfsacct"));
        QVERIFY(!AzureCredentials::resolve(QProcessEnvironment(), &e).isValid());
        QCOMPARE(e.kind, bd::ErrorKind::InvalidInput);
    }

    void azureSharedKeyListBlobs()
    {
        // Hand-verified as above (Microsoft "Authorize with Shared Key", 2015-02-21+ layout):
        // 12 empty standard header lines after the verb, x-ms-* headers, then
        // "/account/container" and "\nname:value" per sorted query parameter.
        AzureCredentials c;
        c.account = QStringLiteral("myaccount");
        c.accountKey = QStringLiteral("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==");
        const QList<QPair<QString, QString>> query{ { "restype", "container" }, { "comp", "list" }, { "marker", "m1" } };
        const QMap<QString, QString> headers{ { "x-ms-date", "Fri, 26 Jun 2015 23:39:12 GMT" }, { "x-ms-version", "2021-08-06" } };
        QCOMPARE(AzureSas::sharedKeyStringToSign("GET", c.account, QStringLiteral("/pictures"), query, headers),
                 QByteArray("GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Fri, 26 Jun 2015 23:39:12 GMT\nx-ms-version:2021-08-06\n"
                            "/myaccount/pictures\ncomp:list\nmarker:m1\nrestype:container"));
        QCOMPARE(AzureSas::sharedKeyAuthorization(c, "GET", QStringLiteral("/pictures"), query, headers),
                 QByteArray("SharedKey myaccount:Zhk6X/yddbPCY9/Z9VFPD36Q3RMzr85Rw7QwDW6V3N8="));
    }

    void gcsCanonicalRequestDocFormat()
    {
        // Source: Google Cloud Storage docs, "Canonical requests" / "V4 signing process":
        // example-bucket/cat.jpeg signed by example@example-project.iam.gserviceaccount.com at
        // 2019-03-01T19:08:59Z for 900 s; payload UNSIGNED-PAYLOAD, signed header host only.
        GcsServiceAccount a;
        a.clientEmail = QStringLiteral("example@example-project.iam.gserviceaccount.com");
        const GcsV4Signer signer(a);
        const QDateTime when(QDate(2019, 3, 1), QTime(19, 8, 59), Qt::UTC);
        const QByteArray canonical = signer.canonicalRequest(QStringLiteral("example-bucket"), QStringLiteral("cat.jpeg"),
                                                             signer.signingQuery(when, 900));
        QCOMPARE(canonical,
                 QByteArray("GET\n/example-bucket/cat.jpeg\n"
                            "X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=example%40example-project.iam.gserviceaccount.com"
                            "%2F20190301%2Fauto%2Fstorage%2Fgoog4_request&X-Goog-Date=20190301T190859Z&X-Goog-Expires=900"
                            "&X-Goog-SignedHeaders=host\nhost:storage.googleapis.com\n\nhost\nUNSIGNED-PAYLOAD"));
        QCOMPARE(signer.stringToSign(when, canonical),
                 QByteArray("GOOG4-RSA-SHA256\n20190301T190859Z\n20190301/auto/storage/goog4_request\n") + sha256Hex(canonical));
    }

    void gcsConformanceVectors_data()
    {
        QTest::addColumn<QString>("bucket");
        QTest::addColumn<QString>("object");
        QTest::addColumn<QDateTime>("when");
        QTest::addColumn<int>("expires");
        QTest::addColumn<QString>("expectedUrl");
        const QString prefix = QStringLiteral("X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=test-iam-credentials%40dummy-project-id.iam.gserviceaccount.com%2F");
        QTest::newRow("Simple GET")
            << QStringLiteral("test-bucket") << QStringLiteral("test-object") << QDateTime(QDate(2019, 2, 1), QTime(9, 0), Qt::UTC) << 10
            << QStringLiteral("https://storage.googleapis.com/test-bucket/test-object?") + prefix + QStringLiteral(
                   "20190201%2Fauto%2Fstorage%2Fgoog4_request&X-Goog-Date=20190201T090000Z&X-Goog-Expires=10&X-Goog-SignedHeaders=host&X-Goog-Signature="
                   "95e6a13d43a1d1962e667f17397f2b80ac9bdd1669210d5e08e0135df9dff4e56113485dbe429ca2266487b9d1796ebdee2d7cf682a6ef3bb9fbb4c351686fba"
                   "90d7b621cf1c4eb1fdf126460dd25fa0837dfdde0a9fd98662ce60844c458448fb2b352c203d9969cb74efa4bdb742287744a4f2308afa4af0e0773f55e32e92"
                   "973619249214b97283b2daa14195244444e33f938138d1e5f561088ce8011f4986dda33a556412594db7c12fc40e1ff3f1bedeb7a42f5bcda0b9567f17f65855"
                   "f65071fabb88ea12371877f3f77f10e1466fff6ff6973b74a933322ff0949ce357e20abe96c3dd5cfab42c9c83e740a4d32b9e11e146f0eb3404d2e975896f74");
        QTest::newRow("Vary expiration and timestamp")
            << QStringLiteral("test-bucket") << QStringLiteral("test-object") << QDateTime(QDate(2019, 3, 1), QTime(9, 0), Qt::UTC) << 20
            << QStringLiteral("https://storage.googleapis.com/test-bucket/test-object?") + prefix + QStringLiteral(
                   "20190301%2Fauto%2Fstorage%2Fgoog4_request&X-Goog-Date=20190301T090000Z&X-Goog-Expires=20&X-Goog-SignedHeaders=host&X-Goog-Signature="
                   "9669ed5b10664dc594c758296580662912cf4bcc5a4ba0b6bf055bcbf6f34eed7bdad664f534962174a924741a0c273a4f67bc1847cef20192a6beab44223bd9"
                   "d4fbbd749c407b79997598c30f82ddc269ff47ec09fa3afe74e00616d438df0d96a7d8ad0adacfad1dc3286f864d924fe919fb0dce45d3d975c5afe8e13af2db"
                   "9cc37ba77835f92f7669b61e94c6d562196c1274529e76cfff1564cc2cad7d5387dc8e12f7a5dfd925685fe92c30b43709eee29fa2f66067472cee5423d1a3a4"
                   "182fe8cea75c9329d181dc6acad7c393cd04f8bf5bc0515127d8ebd65d80c08e19ad03316053ea60033fd1b1fd85a69c576415da3bf0a3718d9ea6d03e0d66f0");
        QTest::newRow("Vary bucket and object")
            << QStringLiteral("test-bucket2") << QStringLiteral("test-object2") << QDateTime(QDate(2019, 2, 1), QTime(9, 0), Qt::UTC) << 10
            << QStringLiteral("https://storage.googleapis.com/test-bucket2/test-object2?") + prefix + QStringLiteral(
                   "20190201%2Fauto%2Fstorage%2Fgoog4_request&X-Goog-Date=20190201T090000Z&X-Goog-Expires=10&X-Goog-SignedHeaders=host&X-Goog-Signature="
                   "36e3d58dfd3ec1d2dd2f24b5ee372a71e811ffaa2162a2b871d26728d0354270bc116face87127532969c4a3967ed05b7309af741e19c7202f3167aa8c2ac420"
                   "b61417d6451442bb91d7c822cd17be8783f01e05372769c88913561d27e6660dd8259f0081a71f831be6c50283626cbf04494ac10c394b29bb3bce74ab91548f"
                   "58a37118a452693cf0483d77561fc9cac8f1765d2c724994cca46a83517a10157ee0347a233a2aaeae6e6ab5e204ff8fc5f54f90a3efdb8301d9fff5475d58cd"
                   "05b181affd657f48203f4fb133c3a3d355b8eefbd10d5a0a5fd70d06e9515460ad74e22334b2cba4b29cae4f6f285cdb92d8f3126d7a1479ca3bdb69c207d860");
    }

    void gcsConformanceVectors()
    {
        QFETCH(QString, bucket);
        QFETCH(QString, object);
        QFETCH(QDateTime, when);
        QFETCH(int, expires);
        QFETCH(QString, expectedUrl);
        const QByteArray keyJson = QJsonDocument(QJsonObject{ { "type", "service_account" },
                                                              { "client_email", kConformanceClientEmail },
                                                              { "private_key", QString::fromLatin1(kConformancePrivateKey) } }).toJson();
        bd::Error e;
        const GcsServiceAccount account = GcsServiceAccount::fromJson(keyJson, &e);
        QVERIFY2(account.isValid(), qPrintable(e.message));
        const QString url = GcsV4Signer(account).signedUrl(bucket, object, when, expires, &e);
        QVERIFY2(!url.isEmpty(), qPrintable(e.message));
        QCOMPARE(url, expectedUrl);
    }

    void gcsSignatureVerifiesWithPublicKey()
    {
        QByteArray publicPem;
        const QByteArray privatePem = generateRsaPem(&publicPem);
        const QByteArray keyJson = QJsonDocument(QJsonObject{ { "type", "service_account" },
                                                              { "client_email", "signer@proj.iam.gserviceaccount.com" },
                                                              { "private_key", QString::fromLatin1(privatePem) },
                                                              { "token_uri", "http://127.0.0.1:1/token" } }).toJson();
        bd::Error e;
        const GcsServiceAccount a = GcsServiceAccount::fromJson(keyJson, &e);
        QVERIFY(a.isValid());
        const GcsV4Signer signer(a);
        const QDateTime when(QDate(2024, 5, 6), QTime(7, 8, 9), Qt::UTC);
        const QString url = signer.signedUrl(QStringLiteral("bkt"), QStringLiteral("dir/img 1.jpg"), when, 86400, &e);
        QVERIFY2(!url.isEmpty(), qPrintable(e.message));
        QVERIFY(url.startsWith(QStringLiteral("https://storage.googleapis.com/bkt/dir/img%201.jpg?X-Goog-Algorithm=GOOG4-RSA-SHA256&")));
        const QByteArray sig = QByteArray::fromHex(url.section(QStringLiteral("X-Goog-Signature="), 1).toLatin1());
        QCOMPARE(sig.size(), 256);
        const QByteArray sts = signer.stringToSign(when, signer.canonicalRequest(QStringLiteral("bkt"), QStringLiteral("dir/img 1.jpg"),
                                                                                 signer.signingQuery(when, 86400)));
        QVERIFY(rsaVerify(publicPem, sts, sig));
        QVERIFY(!rsaVerify(publicPem, sts + "x", sig));

        // JWT assertion: three base64url parts, claims as documented, RS256 over "header.claims".
        const QByteArray jwt = signer.jwtAssertion(when, &e);
        const QList<QByteArray> parts = jwt.split('.');
        QCOMPARE(parts.size(), 3);
        const QJsonObject header = QJsonDocument::fromJson(QByteArray::fromBase64(parts[0], QByteArray::Base64UrlEncoding)).object();
        QCOMPARE(header.value("alg").toString(), QStringLiteral("RS256"));
        const QJsonObject claims = QJsonDocument::fromJson(QByteArray::fromBase64(parts[1], QByteArray::Base64UrlEncoding)).object();
        QCOMPARE(claims.value("iss").toString(), QStringLiteral("signer@proj.iam.gserviceaccount.com"));
        QCOMPARE(claims.value("aud").toString(), QStringLiteral("http://127.0.0.1:1/token"));
        QCOMPARE(claims.value("exp").toInteger() - claims.value("iat").toInteger(), 3600);
        QVERIFY(rsaVerify(publicPem, parts[0] + '.' + parts[1], QByteArray::fromBase64(parts[2], QByteArray::Base64UrlEncoding)));

        GcsServiceAccount broken = a;
        broken.privateKeyPem = "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n";
        QVERIFY(GcsV4Signer(broken).signedUrl(QStringLiteral("b"), QStringLiteral("o"), when, 60, &e).isEmpty());
        QCOMPARE(e.kind, bd::ErrorKind::InvalidInput);
    }
};

QTEST_GUILESS_MAIN(TestCloudSigning)
#include "tst_cloud_signing.moc"
