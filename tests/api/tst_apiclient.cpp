// ApiClient over real loopback HTTP against the programmable TestServer: workspace resolution,
// query encoding on the wire, paging (and its refusal of "" / repeated tokens), retries, status
// mapping, broken responses, timeouts, cut connections, request shapes and signed transfers.
#include "api/ApiClient.h"
#include "api/ApiError.h"
#include "ApiTestSupport.h"

#include <QBuffer>
#include <QNetworkReply>
#include <QPointer>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

using namespace bd;
using namespace bd::api;
using bdtest::Reply;
using bdtest::TestServer;
using bdtest::configFor;
using bdtest::kKey;
using bdtest::run;

namespace {

const std::string batchJson =
    R"({"displayName":"B","batchId":"b1","batchType":"simple-batch","batchContentType":"images",)"
    R"("createdDate":"2026-11-20T10:00:00Z","expiryDate":"2026-11-27T10:00:00Z"})";

std::string batchesPage(const std::string &tokenJson)
{
    return R"({"batches":[)" + batchJson + R"(],"nextPageToken":)" + tokenJson + "}";
}

}  // namespace

class TestApiClient : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void workspaceResolvedOnceForConcurrentCalls()
    {
        TestServer server;
        server.setDefault("/data-staging/v1/external/ws/batches/b1", Reply::json(R"({"batch":)" + batchJson + "}"));
        server.setDefault("/data-staging/v1/external/ws/batches/b1/count", Reply::json(R"({"count":7})"));
        ApiClient api(configFor(server));
        QSignalSpy resolved(&api, &ApiClient::workspaceResolved);
        auto *batch = api.getBatch(QStringLiteral("b1"));
        auto *count = api.batchCount(QStringLiteral("b1"), QStringLiteral("part a"));
        batch->setAutoDelete(false);
        QVERIFY(count->exec());
        QTRY_VERIFY(batch->isFinished());
        QVERIFY2(!batch->error(), qPrintable(batch->error().fullText()));
        QCOMPARE(batch->result().batchId, QStringLiteral("b1"));
        QCOMPARE(count->result(), 7);
        QCOMPARE(api.workspace(), QStringLiteral("ws"));
        QCOMPARE(server.requestsTo("/").size(), size_t(1));
        QCOMPARE(resolved.count(), 1);
        const auto counts = server.requestsTo("/data-staging/v1/external/ws/batches/b1/count");
        QCOMPARE(counts.at(0).param("partName"), std::string("part a"));
        QCOMPARE(counts.at(0).param("api_key"), std::string(kKey));
        QVERIFY(!counts.at(0).hasHeader("Authorization"));
        delete batch;
        delete count;
    }

    void pageTokenSurvivesTheWire()
    {
        TestServer server;
        server.setDefault("/data-staging/v1/external/ws/batches", Reply::json(batchesPage("null")));
        ApiClient api(configFor(server));
        auto *call = run(api.listBatches(5, QStringLiteral("a+b/c=d")));
        QVERIFY2(!call->error(), qPrintable(call->error().fullText()));
        const auto reqs = server.requestsTo("/data-staging/v1/external/ws/batches");
        QCOMPARE(reqs.size(), size_t(1));
        QCOMPARE(reqs[0].param("nextPageToken"), std::string("a+b/c=d"));
        QCOMPARE(reqs[0].param("pageSize"), std::string("5"));
        QVERIFY(reqs[0].target.find("nextPageToken=a%2Bb%2Fc%3Dd") != std::string::npos);
        QVERIFY(!call->nextPageToken().has_value());
    }

    void fetchAllPagesFollowsTokens()
    {
        TestServer server;
        const std::string path = "/data-staging/v1/external/ws/batches";
        server.enqueue(path, Reply::json(batchesPage(R"("t1")")));
        server.enqueue(path, Reply::json(batchesPage(R"("t+2")")));
        server.enqueue(path, Reply::json(R"({"batches":[]})"));  // last page: key absent
        ApiClient api(configFor(server));
        auto *call = api.listBatches();
        call->setMaxPages(0);
        run(call);
        QVERIFY2(!call->error(), qPrintable(call->error().fullText()));
        QCOMPARE(call->result().size(), 2);
        QCOMPARE(call->pagesFetched(), 3);
        const auto reqs = server.requestsTo(path);
        QCOMPARE(reqs.size(), size_t(3));
        QVERIFY(reqs[0].params.find("nextPageToken") == reqs[0].params.end());
        QCOMPARE(reqs[1].param("nextPageToken"), std::string("t1"));
        QCOMPARE(reqs[2].param("nextPageToken"), std::string("t+2"));
    }

    void maxPagesStopsEarly()
    {
        TestServer server;
        const std::string path = "/data-staging/v1/external/ws/batches";
        for (int i = 0; i < 5; ++i)
            server.enqueue(path, Reply::json(batchesPage("\"p" + std::to_string(i) + "\"")));
        ApiClient api(configFor(server));
        auto *call = api.listBatches();
        call->setMaxPages(2);
        run(call);
        QVERIFY(!call->error());
        QCOMPARE(call->pagesFetched(), 2);
        QCOMPARE(call->nextPageToken().value_or(QString()), QStringLiteral("p1"));
        QCOMPARE(server.requestsTo(path).size(), size_t(2));
    }

    void emptyPageTokenIsRefused()
    {
        TestServer server;
        server.setDefault("/data-staging/v1/external/ws/batches", Reply::json(batchesPage(R"("")")));
        ApiClient api(configFor(server));
        auto *call = api.listBatches();
        call->setMaxPages(0);
        run(call);
        QCOMPARE(call->error().kind, ErrorKind::BadResponse);
        QVERIFY(call->error().message.contains(QStringLiteral("empty page token")));
        QCOMPARE(server.requestsTo("/data-staging/v1/external/ws/batches").size(), size_t(1));
    }

    void repeatedPageTokenIsRefused()
    {
        TestServer server;
        server.setDefault("/data-staging/v1/external/ws/batches", Reply::json(batchesPage(R"("same")")));
        ApiClient api(configFor(server));
        auto *call = api.listBatches();
        call->setMaxPages(0);
        run(call);
        QCOMPARE(call->error().kind, ErrorKind::BadResponse);
        QVERIFY(call->error().message.contains(QStringLiteral("repeated page token")));
        QCOMPARE(server.requestsTo("/data-staging/v1/external/ws/batches").size(), size_t(2));
    }

    void jobsPageRequiresTokenKey()
    {
        TestServer server;
        server.setDefault("/batch-processing/v1/external/ws/jobs", Reply::json(R"({"jobs":[]})"));
        ApiClient api(configFor(server));
        auto *call = run(api.listJobs());
        QCOMPARE(call->error().kind, ErrorKind::BadResponse);
        QCOMPARE(call->error().message,
                 QStringLiteral("Could not decode Roboflow API response: list jobs field 'nextPageToken' is missing"));
        QCOMPARE(server.requestsTo("/batch-processing/v1/external/ws/jobs").at(0).param("pageSize"), std::string("10"));
    }

    void retriesTransientStatusesThenSucceeds()
    {
        TestServer server;
        const std::string path = "/batch-processing/v1/external/ws/jobs/j1/stages";
        server.enqueue(path, Reply::json(R"({"error":"unavailable"})", 503));
        server.enqueue(path, Reply::json("{}", 502));
        server.enqueue(path, Reply::json("{}", 408));
        server.setDefault(path, Reply::json(R"({"stages":[]})"));
        ApiClient api(configFor(server));
        auto *call = run(api.listStages(QStringLiteral("j1")));
        QVERIFY2(!call->error(), qPrintable(call->error().fullText()));
        QCOMPARE(call->attempts(), 4);
        QCOMPARE(server.requestsTo(path).size(), size_t(4));
    }

    void retriesRunOut()
    {
        TestServer server;
        const std::string path = "/batch-processing/v1/external/ws/jobs/j1";
        server.setDefault(path, Reply::json(R"({"error":"still down"})", 503));
        ApiConfig config = configFor(server);
        config.retry.maxAttempts = 3;
        ApiClient api(config);
        auto *call = run(api.getJob(QStringLiteral("j1")));
        QCOMPARE(call->error().kind, ErrorKind::Server);
        QCOMPARE(call->error().httpStatus, 503);
        QCOMPARE(call->error().detail, QStringLiteral("still down"));
        QCOMPARE(server.requestsTo(path).size(), size_t(3));
    }

    void noRetryOn500Or400()
    {
        TestServer server;
        server.setDefault("/batch-processing/v1/external/ws/jobs/a", Reply::json(R"({"error":"bug"})", 500));
        server.setDefault("/batch-processing/v1/external/ws/jobs/b", Reply::json(R"({"error":"bad"})", 400));
        ApiClient api(configFor(server));
        QCOMPARE(run(api.getJob(QStringLiteral("a")))->error().kind, ErrorKind::Server);
        QCOMPARE(run(api.getJob(QStringLiteral("b")))->error().kind, ErrorKind::BadRequest);
        QCOMPARE(server.requestsTo("/batch-processing/v1/external/ws/jobs/a").size(), size_t(1));
        QCOMPARE(server.requestsTo("/batch-processing/v1/external/ws/jobs/b").size(), size_t(1));
    }

    void rateLimitHonoursRetryAfterAndSignals()
    {
        TestServer server;
        const std::string path = "/batch-processing/v1/external/ws/jobs/j1/stages";
        Reply limited = Reply::json(R"({"error":"slow down"})", 429);
        limited.headers.insert({"Retry-After", "1"});
        server.enqueue(path, limited);
        server.setDefault(path, Reply::json(R"({"stages":[]})"));
        ApiClient api(configFor(server));
        QSignalSpy slowDown(&api, &ApiClient::rateLimited);
        QElapsedTimer timer;
        timer.start();
        auto *call = run(api.listStages(QStringLiteral("j1")));
        QVERIFY(!call->error());
        QCOMPARE(slowDown.count(), 1);
        QCOMPARE(slowDown.at(0).at(0).toInt(), 1000);
        QCOMPARE(server.requestsTo(path).size(), size_t(2));
    }

    void statusKindsAndKeyNeverShown()
    {
        TestServer server;
        const std::string leak = std::string("{\"error\":\"key ") + kKey + " is not valid\"}";
        server.setDefault("/", Reply::json(leak, 401));
        ApiClient api(configFor(server));
        auto *call = run(api.listBatches());
        QCOMPARE(call->error().kind, ErrorKind::Unauthorized);
        QVERIFY(call->error().message.contains(QStringLiteral("ROBOFLOW_API_KEY")));
        QVERIFY(call->error().message.contains(QStringLiteral("resolve workspace")));
        QVERIFY(!call->error().fullText().contains(QString::fromLatin1(kKey)));
        QVERIFY(call->error().detail.contains(QStringLiteral("***")));
        QCOMPARE(server.requestsTo("/").size(), size_t(1));  // 401 is not retried

        server.setDefault("/", Reply::json(R"({"workspace":"ws"})"));
        server.setDefault("/batch-processing/v1/external/ws/jobs/p", Reply::json(R"({"error":"upgrade"})", 402));
        server.setDefault("/data-staging/v1/external/ws/batches/none", Reply::json(R"({"error":"Batch not found"})", 404));
        server.setDefault("/batch-processing/v1/external/ws/jobs/c", Reply::json(R"({"error":"exists"})", 409));
        QCOMPARE(run(api.getJob(QStringLiteral("p")))->error().kind, ErrorKind::PlanLimit);
        auto *missing = run(api.getBatch(QStringLiteral("none")));
        QCOMPARE(missing->error().kind, ErrorKind::NotFound);
        QCOMPARE(missing->error().detail, QStringLiteral("Batch not found"));
        QVERIFY(missing->error().message.contains(QStringLiteral("get batch details")));
        QCOMPARE(run(api.createJob(QStringLiteral("c"), {}, {}))->error().kind, ErrorKind::Conflict);
    }

    void htmlErrorPageIsReduced()
    {
        TestServer server;
        Reply html;
        html.status = 502;
        html.contentType = "text/html";
        html.body = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1>"
                    "</center><hr><center>nginx</center></body></html>";
        server.setDefault("/data-staging/v1/external/ws/batches/b1/parts", html);
        ApiConfig config = configFor(server);
        config.retry.maxAttempts = 2;
        ApiClient api(config);
        auto *call = run(api.listParts(QStringLiteral("b1")));
        QCOMPARE(call->error().kind, ErrorKind::Server);
        QVERIFY(call->error().detail.startsWith(QStringLiteral("502 Bad Gateway")));
        QVERIFY(!call->error().detail.contains(QLatin1Char('<')));
    }

    void successWithHtmlOrMalformedJsonIsBadResponse()
    {
        TestServer server;
        Reply html;
        html.contentType = "text/html";
        html.body = "<!DOCTYPE html><html><title>Login</title></html>";
        server.setDefault("/data-staging/v1/external/ws/batches/h", html);
        server.setDefault("/data-staging/v1/external/ws/batches/m", Reply::json(R"({"batch": {)"));
        ApiClient api(configFor(server));
        auto *h = run(api.getBatch(QStringLiteral("h")));
        QCOMPARE(h->error().kind, ErrorKind::BadResponse);
        QVERIFY(h->error().message.contains(QStringLiteral("HTML page")));
        QCOMPARE(h->error().detail, QStringLiteral("Login"));
        auto *m = run(api.getBatch(QStringLiteral("m")));
        QCOMPARE(m->error().kind, ErrorKind::BadResponse);
        QVERIFY(m->error().message.startsWith(QStringLiteral("Could not decode Roboflow API response: get batch details")));
        // An unusable answer to a GET is repeated up to the policy's attempt cap (tst_api_retrysafety).
        QCOMPARE(server.requestsTo("/data-staging/v1/external/ws/batches/m").size(), size_t(5));
    }

    void timeoutIsReported()
    {
        TestServer server;
        Reply slow = Reply::json(R"({"count":1})");
        slow.delayMs = 1600;
        server.setDefault("/data-staging/v1/external/ws/batches/b1/count", slow);
        ApiConfig config = configFor(server);
        config.timeoutSeconds = 1;
        config.retry = RetryPolicy::none();
        ApiClient api(config);
        auto *call = run(api.batchCount(QStringLiteral("b1")));
        QCOMPARE(call->error().kind, ErrorKind::Timeout);
        QVERIFY(call->error().message.contains(QStringLiteral("ROBOFLOW_API_REQUEST_TIMEOUT")));
    }

    void cutConnectionIsNetworkErrorAndRetried()
    {
        TestServer server;
        const std::string path = "/data-staging/v1/external/ws/batches/b1/count";
        Reply cut = Reply::json(R"({"count": 123456789, "padding": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"})");
        cut.cutAfterBytes = 10;
        server.enqueue(path, cut);
        server.setDefault(path, Reply::json(R"({"count":5})"));
        ApiClient api(configFor(server));
        auto *call = run(api.batchCount(QStringLiteral("b1")));
        QVERIFY2(!call->error(), qPrintable(call->error().fullText()));
        QCOMPARE(call->result(), 5);
        QCOMPARE(server.requestsTo(path).size(), size_t(2));

        server.setDefault(path, cut);
        ApiConfig config = configFor(server);
        config.retry = RetryPolicy::none();
        api.setConfig(config);
        auto *failed = run(api.batchCount(QStringLiteral("b1")));
        QCOMPARE(failed->error().kind, ErrorKind::Network);
    }

    void connectionRefusedNamesTheBaseUrl()
    {
        int port = 0;
        {
            TestServer gone;
            port = gone.port();
        }
        ApiConfig config;
        config.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port));
        config.apiKey = QString::fromLatin1(kKey);
        config.retry = RetryPolicy::none();
        ApiClient api(config);
        auto *call = run(api.listJobs());
        QCOMPARE(call->error().kind, ErrorKind::Network);
        QVERIFY(call->error().message.contains(QStringLiteral("Connectivity error. Try reaching Roboflow API in browser: http://127.0.0.1:%1").arg(port)));
        QVERIFY(!call->error().fullText().contains(QString::fromLatin1(kKey)));
    }

    void missingKeyFailsBeforeAnyRequest()
    {
        TestServer server;
        ApiConfig config = configFor(server);
        config.apiKey.clear();
        ApiClient api(config);
        auto *call = run(api.listJobs());
        QCOMPARE(call->error().kind, ErrorKind::Unauthorized);
        QVERIFY(server.requests().empty());
    }

    void postShapes()
    {
        TestServer server;
        server.setDefault("/batch-processing/v1/external/ws/jobs/j1/abort", Reply::json(R"({"status":"ok"})"));
        server.setDefault("/batch-processing/v1/external/ws/jobs/j1/restart", Reply::json(R"({"status":"ok"})"));
        server.setDefault("/batch-processing/v1/external/ws/jobs/j1", Reply::json("", 202));
        ApiClient api(configFor(server));
        auto *abort = run(api.abortJob(QStringLiteral("j1")));
        QVERIFY(!abort->error());
        QCOMPARE(abort->result().value(QStringLiteral("status")).toString(), QStringLiteral("ok"));
        QVERIFY(run(api.restartJob(QStringLiteral("j1")))->error().kind == ErrorKind::None);
        const QJsonObject overrides{{QStringLiteral("type"), QStringLiteral("parameters-override-v1")},
                                    {QStringLiteral("maxParallelTasks"), 4}};
        QVERIFY(!run(api.restartJob(QStringLiteral("j1"), overrides))->error());
        const QJsonObject definition{{QStringLiteral("type"), QStringLiteral("simple-image-processing-v1")}};
        QVERIFY(!run(api.createJob(QStringLiteral("j1"), QStringLiteral("my job"), definition))->error());

        const auto aborts = server.requestsTo("/batch-processing/v1/external/ws/jobs/j1/abort");
        QCOMPARE(aborts.at(0).method, std::string("POST"));
        QCOMPARE(aborts.at(0).header("Content-Length"), std::string("0"));
        QVERIFY(!aborts.at(0).hasHeader("Content-Type"));
        const auto restarts = server.requestsTo("/batch-processing/v1/external/ws/jobs/j1/restart");
        QCOMPARE(restarts.at(0).header("Content-Length"), std::string("0"));
        QVERIFY(!restarts.at(0).hasHeader("Content-Type"));
        QCOMPARE(restarts.at(1).body, std::string(R"({"maxParallelTasks":4,"type":"parameters-override-v1"})"));
        QCOMPARE(restarts.at(1).header("Content-Type"), std::string("application/json"));
        const auto creates = server.requestsTo("/batch-processing/v1/external/ws/jobs/j1");
        QCOMPARE(creates.at(0).param("name"), std::string("my job"));
        QCOMPARE(creates.at(0).body, std::string(R"({"type":"simple-image-processing-v1"})"));
    }

    void abortResponseMustBeJson()
    {
        TestServer server;
        server.setDefault("/batch-processing/v1/external/ws/jobs/j1/abort", Reply::json("aborted", 200));
        ApiClient api(configFor(server));
        QCOMPARE(run(api.abortJob(QStringLiteral("j1")))->error().kind, ErrorKind::BadResponse);
    }

    void referencesIngestAndSignedUpload()
    {
        TestServer server;
        const std::string ingest = "/data-staging/v1/external/ws/batches/b1/bulk-upload/image-references";
        server.setDefault(ingest, Reply::json(R"({"ingestId":"i1","shardIds":["s1"],"duplicated":true})"));
        server.setDefault("/data-staging/v1/external/ws/batches/b1/upload/video",
                          Reply::json(R"({"signedURLDetails":{"uploadURL":")" + server.base() +
                                      R"(/signed/v.mp4?sig=abc","extensionHeaders":{"x-goog-meta-a":"1","X-Extra":"two words"}}})"));
        server.setDefault("/signed/v.mp4", Reply::json("", 200));
        server.setDefault("/signed/get", Reply::json("0123456789"));
        ApiClient api(configFor(server));

        ReferencesIngest refs;
        refs.references.append(QJsonObject{{QStringLiteral("name"), QStringLiteral("a.jpg")},
                                           {QStringLiteral("url"), QStringLiteral("https://x/a.jpg")}});
        refs.ingestId = QStringLiteral("i1");
        refs.notificationCategories = {QStringLiteral("files-status"), QStringLiteral("files-status")};
        auto *call = run(api.ingestImageReferences(QStringLiteral("b1"), {}, refs.toJson(false)));
        QVERIFY2(!call->error(), qPrintable(call->error().fullText()));
        QVERIFY(call->result().duplicated);
        QCOMPARE(call->result().shardIds, QStringList{QStringLiteral("s1")});
        const auto sent = server.requestsTo(ingest).at(0);
        QCOMPARE(sent.param("displayName"), std::string("b1"));
        const std::string expected = "{\"imageReferences\":[{\"name\":\"a.jpg\",\"url\":\"https://x/a.jpg\"}],"
                                     "\"ingestId\":\"i1\",\"notificationCategories\":[\"files-status\"]}";
        QCOMPARE(sent.body, expected);

        auto *video = run(api.requestVideoUpload(QStringLiteral("b1"), QStringLiteral("v.mp4")));
        QVERIFY2(!video->error(), qPrintable(video->error().fullText()));
        QByteArray bytes(100000, 'v');
        QBuffer body(&bytes);
        body.open(QIODevice::ReadOnly);
        QNetworkReply *put = api.putSigned(video->result(), &body, bytes.size());
        QSignalSpy putDone(put, &QNetworkReply::finished);
        QVERIFY(putDone.wait(10000));
        QVERIFY(!errorFromSignedReply(put, QStringLiteral("upload video")));
        delete put;
        const auto puts = server.requestsTo("/signed/v.mp4");
        QCOMPARE(puts.at(0).method, std::string("PUT"));
        QCOMPARE(puts.at(0).header("x-goog-meta-a"), std::string("1"));
        QCOMPARE(puts.at(0).header("X-Extra"), std::string("two words"));
        QCOMPARE(puts.at(0).header("Content-Length"), std::string("100000"));
        QCOMPARE(puts.at(0).body.size(), size_t(100000));
        QVERIFY(puts.at(0).target.find("api_key") == std::string::npos);

        QNetworkReply *get = api.getSigned(QUrl(QString::fromStdString(server.base() + "/signed/get")), 4);
        QSignalSpy getDone(get, &QNetworkReply::finished);
        QVERIFY(getDone.wait(10000));
        delete get;
        QCOMPARE(server.requestsTo("/signed/get").at(0).header("Range"), std::string("bytes=4-"));
    }

    void expiredSignedUrlIsForbidden()
    {
        TestServer server;
        server.setDefault("/signed/x", Reply::json("<Error>ExpiredToken</Error>", 403));
        ApiClient api(configFor(server));
        QNetworkReply *get = api.getSigned(QUrl(QString::fromStdString(server.base() + "/signed/x?sig=1")));
        QSignalSpy done(get, &QNetworkReply::finished);
        QVERIFY(done.wait(10000));
        const Error e = errorFromSignedReply(get, QStringLiteral("download a.jpg"));
        delete get;
        QCOMPARE(e.kind, ErrorKind::Forbidden);
        QVERIFY(e.message.contains(QStringLiteral("signed URL expired or rejected")));
    }

    void uploadImageStreamsMultipartAndRetries()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("cat 1.jpg"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        const QByteArray content = QByteArray("\xff\xd8 jpeg bytes ") + QByteArray(50000, 'j');
        file.write(content);
        file.close();

        TestServer server;
        const std::string route = "/data-staging/v1/external/ws/batches/b1/upload/image";
        server.enqueue(route, Reply::json("{}", 503));
        server.setDefault(route, Reply::json("{}"));
        ApiClient api(configFor(server));
        auto *call = run(api.uploadImage(QStringLiteral("b1"), path, {}, QStringLiteral("My Batch")));
        QVERIFY2(!call->error(), qPrintable(call->error().fullText()));
        const auto reqs = server.requestsTo(route);
        QCOMPARE(reqs.size(), size_t(2));
        for (const auto &r : reqs) {
            QCOMPARE(r.param("fileName"), std::string("cat 1.jpg"));
            QCOMPARE(r.param("displayName"), std::string("My Batch"));
            QVERIFY(r.header("Content-Type").rfind("multipart/form-data", 0) == 0);
            QCOMPARE(r.files.size(), size_t(1));
            const auto &part = r.files.begin()->second;
            QCOMPARE(part.name, std::string("cat 1.jpg"));
            QCOMPARE(part.filename, std::string("cat 1.jpg"));
            QCOMPARE(QByteArray::fromStdString(part.content), content);
        }

        auto *missing = run(api.uploadImage(QStringLiteral("b1"), dir.filePath(QStringLiteral("nope.jpg"))));
        QCOMPARE(missing->error().kind, ErrorKind::Io);
        QCOMPARE(server.requestsTo(route).size(), size_t(2));
    }

    void cancelStopsACallOnce()
    {
        TestServer server;
        Reply slow = Reply::json(R"({"count":1})");
        slow.delayMs = 1500;
        server.setDefault("/data-staging/v1/external/ws/batches/b1/count", slow);
        ApiClient api(configFor(server));
        api.setWorkspace(QStringLiteral("ws"));
        auto *call = api.batchCount(QStringLiteral("b1"));
        call->setAutoDelete(false);
        QSignalSpy finished(call, &ApiCall::finished);
        QTimer::singleShot(200, call, [call] { call->cancel(); });
        QVERIFY(finished.wait(5000));
        QCOMPARE(call->error().kind, ErrorKind::Cancelled);
        QCOMPARE(call->error().message, QStringLiteral("Cancelled: get batch count"));
        call->cancel();
        QTest::qWait(50);
        QCOMPARE(finished.count(), 1);
        delete call;
    }

    // Every call is a bd::Operation: asynchronous use deletes it after finished(), exec() keeps
    // it for the caller and tells success from failure.
    void callIsAnOperationWithAutoDeleteAndExec()
    {
        TestServer server;
        server.setDefault("/data-staging/v1/external/ws/batches/b1/count", Reply::json(R"({"count":3})"));
        server.setDefault("/data-staging/v1/external/ws/batches/nope/count", Reply::json(R"({"error":"no"})", 404));
        ApiClient api(configFor(server));
        api.setWorkspace(QStringLiteral("ws"));

        QPointer<BatchCountCall> fired = api.batchCount(QStringLiteral("b1"));
        QVERIFY(fired->autoDelete());   // calls default to auto-delete, unlike bd::Operation
        QCOMPARE(static_cast<bd::Operation *>(fired.data())->title(), QStringLiteral("get batch count"));
        qint64 seen = -1;
        connect(fired, &bd::Operation::finished, this, [&seen](bd::Operation *op) {
            seen = static_cast<BatchCountCall *>(op)->result();   // readable inside the slot
        });
        QTRY_VERIFY_WITH_TIMEOUT(fired.isNull(), 5000);
        QCOMPARE(seen, qint64(3));

        std::unique_ptr<BatchCountCall> good(api.batchCount(QStringLiteral("b1")));
        QVERIFY(good->exec());
        QVERIFY(!good->autoDelete());
        QCOMPARE(good->result(), qint64(3));
        std::unique_ptr<BatchCountCall> bad(api.batchCount(QStringLiteral("nope")));
        QVERIFY(!bad->exec());
        QCOMPARE(bad->error().kind, ErrorKind::NotFound);
        QTest::qWait(20);   // no deleteLater pending: the unique_ptr still owns a live call
        QCOMPARE(bad->error().kind, ErrorKind::NotFound);
    }

    void cancelBeforeTheFirstPassSendsNothing()
    {
        TestServer server;
        server.setDefault("/data-staging/v1/external/ws/batches/b1/count", Reply::json(R"({"count":3})"));
        ApiClient api(configFor(server));
        api.setWorkspace(QStringLiteral("ws"));
        std::unique_ptr<BatchCountCall> call(api.batchCount(QStringLiteral("b1")));
        QSignalSpy finished(call.get(), &ApiCall::finished);
        call->cancel();
        QVERIFY(!call->exec());   // already finished: returns at once
        QCOMPARE(finished.count(), 1);
        QCOMPARE(call->error().kind, ErrorKind::Cancelled);
        QTest::qWait(100);
        QCOMPARE(server.requests().size(), size_t(0));
        QCOMPARE(finished.count(), 1);
    }

    // Regression: the QNAM is a child of the client and deletes its replies before the calls
    // (also children) are destroyed; ~ApiCall used to abort a reply that was already gone.
    void destroyingTheClientMidCallDoesNotCrash()
    {
        TestServer server;
        Reply held = Reply::json(R"({"count":1})");
        held.delayMs = 1500;
        server.setDefault("/data-staging/v1/external/ws/batches/b1/count", held);
        Reply heldPost = Reply::json(R"({"ok":true})");
        heldPost.delayMs = 1500;
        server.setDefault("/batch-processing/v1/external/ws/jobs/j1/restart", heldPost);

        auto *api = new ApiClient(configFor(server));
        api->setWorkspace(QStringLiteral("ws"));
        QPointer<ApiCall> get = api->batchCount(QStringLiteral("b1"));
        QPointer<ApiCall> post = api->restartJob(QStringLiteral("j1"), QJsonObject{{QStringLiteral("type"),
                                                                                    QStringLiteral("parameters-override-v1")},
                                                                                   {QStringLiteral("maxParallelTasks"), 2}});
        get->setAutoDelete(false);
        QSignalSpy finished(get.data(), &ApiCall::finished);
        // Both requests are on the wire and held by the server when the client goes away.
        QTRY_COMPARE_WITH_TIMEOUT(server.requests().size(), size_t(2), 5000);
        QVERIFY(get->isRunning());
        QVERIFY(post->isRunning());
        delete api;
        QVERIFY(get.isNull());    // the calls were the client's children
        QVERIFY(post.isNull());
        QCOMPARE(finished.count(), 0);   // destroyed, not finished: nobody is told twice
        QTest::qWait(1800);              // the held answers arrive for nobody
    }

    void logsAndTasksDecode()
    {
        TestServer server;
        server.setDefault("/batch-processing/v1/external/ws/jobs/j1/logs",
                          Reply::json(R"({"logs":[{"createdAt":"2026-11-20T10:00:00Z","severity":"error","reportingModule":"m","logType":"t","payload":{}}]})"));
        server.setDefault("/batch-processing/v1/external/ws/jobs/j1/stages/s%201/tasks",
                          Reply::json(R"({"tasks":[{"taskId":"t","notification":"ok","statusType":"info","progress":0.5,"eventTimestamp":"2026-11-20T10:00:00Z"}],"nextPageToken":null})"));
        server.setDefault("/batch-processing/v1/external/ws/jobs/j1/stages/s 1/tasks",
                          Reply::json(R"({"tasks":[{"taskId":"t","notification":"ok","statusType":"info","progress":0.5,"eventTimestamp":"2026-11-20T10:00:00Z"}],"nextPageToken":null})"));
        ApiClient api(configFor(server));
        auto *logs = run(api.jobLogs(QStringLiteral("j1"), LogSeverity::Error));
        QVERIFY2(!logs->error(), qPrintable(logs->error().fullText()));
        QCOMPARE(logs->result().size(), 1);
        QCOMPARE(server.requestsTo("/batch-processing/v1/external/ws/jobs/j1/logs").at(0).param("severity"), std::string("error"));
        auto *tasks = run(api.listTasks(QStringLiteral("j1"), QStringLiteral("s 1")));
        QVERIFY2(!tasks->error(), qPrintable(tasks->error().fullText()));
        QCOMPARE(tasks->result().at(0).progress.value_or(-1), 0.5);
    }
};

QTEST_GUILESS_MAIN(TestApiClient)
#include "tst_apiclient.moc"
