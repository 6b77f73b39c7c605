// Base URL / timeout resolution from the environment, query encoding, and error text building.
#include "api/ApiClient.h"
#include "api/ApiConfig.h"
#include "api/ApiError.h"

#include <QtTest>

using namespace bd;
using namespace bd::api;

class TestApiConfig : public QObject {
    Q_OBJECT
private:
    void clearEnv()
    {
        for (const char *v : {"API_BASE_URL", "ROBOFLOW_REGION", "ROBOFLOW_ENVIRONMENT", "PROJECT",
                              "ROBOFLOW_API_REQUEST_TIMEOUT", "ROBOFLOW_API_KEY"})
            qunsetenv(v);
    }

private Q_SLOTS:
    void init() { clearEnv(); }
    void cleanupTestCase() { clearEnv(); }

    void defaultIsUsProd() { QCOMPARE(resolveBaseUrl(), QUrl(QStringLiteral("https://api.roboflow.com"))); }

    void regionEnvironmentTable()
    {
        qputenv("ROBOFLOW_REGION", "eu");
        QCOMPARE(resolveBaseUrl(), QUrl(QStringLiteral("https://api.roboflow.eu")));
        qputenv("ROBOFLOW_ENVIRONMENT", "staging");
        QCOMPARE(resolveBaseUrl(), QUrl(QStringLiteral("https://api.roboflow-eu.one")));
        qputenv("ROBOFLOW_ENVIRONMENT", " PROD ");
        QCOMPARE(resolveBaseUrl(), QUrl(QStringLiteral("https://api.roboflow.eu")));
        qputenv("ROBOFLOW_REGION", "us");
        qputenv("ROBOFLOW_ENVIRONMENT", "dev");
        QCOMPARE(resolveBaseUrl(), QUrl(QStringLiteral("https://api.roboflow.one")));
    }

    void legacyProjectVariable()
    {
        qputenv("PROJECT", "roboflow-platform");
        QCOMPARE(resolveBaseUrl(), QUrl(QStringLiteral("https://api.roboflow.com")));
        qputenv("PROJECT", "roboflow-staging");
        QCOMPARE(resolveBaseUrl(), QUrl(QStringLiteral("https://api.roboflow.one")));
        qputenv("ROBOFLOW_ENVIRONMENT", "prod");  // wins over PROJECT
        QCOMPARE(resolveBaseUrl(), QUrl(QStringLiteral("https://api.roboflow.com")));
    }

    void unknownRegionFallsBackToUs()
    {
        qputenv("ROBOFLOW_REGION", "mars");
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("Unknown ROBOFLOW_REGION")));
        QCOMPARE(resolveBaseUrl(), QUrl(QStringLiteral("https://api.roboflow.com")));
    }

    void explicitUrlWinsAndLosesOneSlash()
    {
        qputenv("ROBOFLOW_REGION", "eu");
        QCOMPARE(resolveBaseUrl(QStringLiteral("http://settings:9/")), QUrl(QStringLiteral("http://settings:9")));
        qputenv("API_BASE_URL", "http://127.0.0.1:8080/emu/");
        QCOMPARE(resolveBaseUrl(QStringLiteral("http://settings:9")), QUrl(QStringLiteral("http://127.0.0.1:8080/emu")));
    }

    void timeoutAndKeyFromEnvironment()
    {
        QCOMPARE(requestTimeoutFromEnvironment(), 60);
        qputenv("ROBOFLOW_API_REQUEST_TIMEOUT", "120");
        QCOMPARE(requestTimeoutFromEnvironment(), 120);
        qputenv("ROBOFLOW_API_REQUEST_TIMEOUT", "fast");
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("Ignoring ROBOFLOW_API_REQUEST_TIMEOUT")));
        QCOMPARE(requestTimeoutFromEnvironment(), 60);
        qputenv("ROBOFLOW_API_KEY", "key-123456");
        QCOMPARE(ApiConfig::fromEnvironment().apiKey, QStringLiteral("key-123456"));
    }

    void queryValuesArePercentEncoded()
    {
        QCOMPARE(encodeQuery({{QStringLiteral("nextPageToken"), QStringLiteral("a+b/c=d")}}),
                 QStringLiteral("nextPageToken=a%2Bb%2Fc%3Dd"));
        QCOMPARE(encodeQuery({{QStringLiteral("k"), QStringLiteral("x y&z")}}), QStringLiteral("k=x%20y%26z"));
        ApiConfig config;
        config.baseUrl = QUrl(QStringLiteral("http://h:1/emu"));
        config.apiKey = QStringLiteral("secret+key");
        ApiClient client(config);
        const QUrl url = client.apiUrl(QStringLiteral("/x"), {{QStringLiteral("t"), QStringLiteral("a+b/c=d")}});
        QCOMPARE(url.toString(QUrl::FullyEncoded), QStringLiteral("http://h:1/emu/x?api_key=secret%2Bkey&t=a%2Bb%2Fc%3Dd"));
        QCOMPARE(client.apiUrl(QString()).toString(QUrl::FullyEncoded), QStringLiteral("http://h:1/emu?api_key=secret%2Bkey"));
        config.baseUrl = QUrl(QStringLiteral("http://h:1"));
        client.setConfig(config);
        QCOMPARE(client.apiUrl(QString()).path(), QStringLiteral("/"));
        QVERIFY(!displayUrl(url).contains(QStringLiteral("secret")));
    }

    void statusMapping()
    {
        QCOMPARE(errorFromHttpStatus(401, {}, {}, QStringLiteral("list jobs")).kind, ErrorKind::Unauthorized);
        QVERIFY(errorFromHttpStatus(401, {}, {}, QStringLiteral("list jobs")).message.contains(QStringLiteral("ROBOFLOW_API_KEY")));
        QCOMPARE(errorFromHttpStatus(402, {}, {}, QStringLiteral("x")).kind, ErrorKind::PlanLimit);
        QCOMPARE(errorFromHttpStatus(403, {}, {}, QStringLiteral("x")).kind, ErrorKind::Forbidden);
        QCOMPARE(errorFromHttpStatus(404, {}, {}, QStringLiteral("x")).kind, ErrorKind::NotFound);
        QCOMPARE(errorFromHttpStatus(409, {}, {}, QStringLiteral("x")).kind, ErrorKind::Conflict);
        QCOMPARE(errorFromHttpStatus(429, {}, {}, QStringLiteral("x")).kind, ErrorKind::RateLimited);
        QCOMPARE(errorFromHttpStatus(500, {}, {}, QStringLiteral("x")).kind, ErrorKind::Server);
        QCOMPARE(errorFromHttpStatus(504, {}, {}, QStringLiteral("x")).kind, ErrorKind::Server);
        QCOMPARE(errorFromHttpStatus(422, {}, {}, QStringLiteral("x")).kind, ErrorKind::BadRequest);
        QCOMPARE(errorFromHttpStatus(200, {}, {}, QStringLiteral("x")).kind, ErrorKind::None);
    }

    void bodyExcerpts()
    {
        QCOMPARE(bodyExcerpt(R"({"error": "Batch not found"})"), QStringLiteral("Batch not found"));
        QCOMPARE(bodyExcerpt(R"({"detail": [1, 2]})"), QStringLiteral("{\"detail\":[1,2]}"));
        QCOMPARE(bodyExcerpt("<html><head><title>502 Bad Gateway</title><style>p{}</style></head>"
                             "<body><h1>Bad Gateway</h1></body></html>",
                             "text/html"),
                 QStringLiteral("502 Bad Gateway — Bad Gateway"));
        QVERIFY(bodyExcerpt(QByteArray(5000, 'x')).size() <= 500);
        QCOMPARE(bodyExcerpt("oops?api_key=abcdef123"), QStringLiteral("oops?api_key=***"));
    }
};

QTEST_GUILESS_MAIN(TestApiConfig)
#include "tst_apiconfig.moc"
