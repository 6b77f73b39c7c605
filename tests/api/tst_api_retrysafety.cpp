// What is repeated and what is not (issue 14, "Faults that end the run"), over real loopback
// HTTP against the programmable TestServer: a 2xx answer that is cut short, not JSON or an HTML
// page is repeated when the request is safe to repeat (every GET, a POST keyed by a job id or an
// ingest id); a plain POST (B7 restart) is not repeated after a fault that may have come after
// the service acted; and paging stops at a page cap instead of following a server forever.
#include "api/ApiClient.h"
#include "api/ApiError.h"
#include "ApiTestSupport.h"

#include <QtTest>

using namespace bd;
using namespace bd::api;
using bdtest::Reply;
using bdtest::TestServer;
using bdtest::configFor;
using bdtest::kKey;
using bdtest::run;

namespace {

const std::string filesPath = "/data-staging/v1/external/ws/batches/b1/list";
const std::string fileJson = R"({"fileName":"a.jpg","contentType":"image/jpeg","downloadURL":"http://127.0.0.1:1/a.jpg"})";

std::string filesPage(const std::string &tokenJson)
{
    return R"({"filesMetadata":[)" + fileJson + R"(],"nextPageToken":)" + tokenJson + "}";
}

}  // namespace

class TestApiRetrySafety : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // The export failure of issue 14: "list batch content returned malformed JSON" on one page.
    void truncatedJsonOnAnIdempotentGetIsRepeated()
    {
        TestServer server;
        const std::string whole = filesPage("null");
        server.enqueue(filesPath, Reply::json(whole.substr(0, whole.size() / 2)));  // cut short, 200
        Reply html;
        html.contentType = "text/html";
        html.body = "<!DOCTYPE html><html><title>502 Bad Gateway</title></html>";  // a proxy's page, 200
        server.enqueue(filesPath, html);
        server.enqueue(filesPath, Reply::json(""));  // empty 200
        server.setDefault(filesPath, Reply::json(whole));
        ApiClient api(configFor(server));
        auto *call = api.listBatchFiles(QStringLiteral("b1"));
        call->setMaxPages(0);
        run(call);
        QVERIFY2(!call->error(), qPrintable(call->error().fullText()));
        QCOMPARE(call->result().size(), 1);  // the broken answers added nothing
        QCOMPARE(call->attempts(), 4);
        QCOMPARE(server.requestsTo(filesPath).size(), size_t(4));
    }

    void unusableAnswersRunOutUnderTheSameCaps()
    {
        TestServer server;
        server.setDefault(filesPath, Reply::json(R"({"filesMetadata":[)"));
        ApiConfig config = configFor(server);
        config.retry.maxAttempts = 3;
        ApiClient api(config);
        auto *call = run(api.listBatchFiles(QStringLiteral("b1")));
        QCOMPARE(call->error().kind, ErrorKind::BadResponse);
        QVERIFY(call->error().message.startsWith(
            QStringLiteral("Could not decode Roboflow API response: list batch content returned malformed JSON")));
        QCOMPARE(server.requestsTo(filesPath).size(), size_t(3));
    }

    // A well-formed answer that lacks a field is the service's verdict, not a transport accident.
    void wellFormedAnswerWithAMissingFieldIsNotRepeated()
    {
        TestServer server;
        server.setDefault(filesPath, Reply::json(R"({"nextPageToken":null})"));
        ApiClient api(configFor(server));
        auto *call = run(api.listBatchFiles(QStringLiteral("b1")));
        QCOMPARE(call->error().kind, ErrorKind::BadResponse);
        QVERIFY(call->error().message.contains(QStringLiteral("'filesMetadata' is missing")));
        QCOMPARE(server.requestsTo(filesPath).size(), size_t(1));
    }

    void d6AndB8GetsAreRepeatedAfterACutAnswer()
    {
        TestServer server;
        const std::string shards = "/data-staging/v1/external/ws/batches/b1/shards";
        const std::string logs = "/batch-processing/v1/external/ws/jobs/j1/logs";
        Reply cut = Reply::json(R"({"shards":[],"nextPageToken":null,"padding":"xxxxxxxxxxxxxxxxxxxxxxxx"})");
        cut.cutAfterBytes = 12;
        server.enqueue(shards, cut);
        server.enqueue(shards, Reply::json(R"({"shards":[)"));
        server.setDefault(shards, Reply::json(R"({"shards":[],"nextPageToken":null})"));
        server.enqueue(logs, Reply::json(R"({"logs":[{)"));
        server.setDefault(logs, Reply::json(R"({"logs":[]})"));
        ApiClient api(configFor(server));
        auto *d6 = run(api.listShards(QStringLiteral("b1")));
        QVERIFY2(!d6->error(), qPrintable(d6->error().fullText()));
        QCOMPARE(server.requestsTo(shards).size(), size_t(3));
        auto *b8 = run(api.jobLogs(QStringLiteral("j1")));
        QVERIFY2(!b8->error(), qPrintable(b8->error().fullText()));
        QCOMPARE(server.requestsTo(logs).size(), size_t(2));
    }

    // B7 may have restarted the job before its answer was lost: sending it again could run it twice.
    void plainPostIsNotRepeatedAfterAnUncertainFault()
    {
        TestServer server;
        const std::string restart = "/batch-processing/v1/external/ws/jobs/j1/restart";
        server.setDefault(restart, Reply::json(R"({"error":"upstream"})", 503));
        ApiClient api(configFor(server));
        auto *failed = run(api.restartJob(QStringLiteral("j1")));
        QCOMPARE(failed->error().httpStatus, 503);
        QCOMPARE(server.requestsTo(restart).size(), size_t(1));

        Reply cut = Reply::json(R"({"status":"ok","padding":"xxxxxxxxxxxxxxxxxxxxxxxxxxxx"})");
        cut.cutAfterBytes = 5;
        server.setDefault(restart, cut);
        auto *cutCall = run(api.restartJob(QStringLiteral("j1")));
        QCOMPARE(cutCall->error().kind, ErrorKind::Network);
        server.setDefault(restart, Reply::json(R"({"status":"ok"})"));
        server.enqueue(restart, Reply::json("{\"status\":", 200));  // truncated 200: it did restart
        auto *truncated = run(api.restartJob(QStringLiteral("j1")));
        QCOMPARE(truncated->error().kind, ErrorKind::BadResponse);
        QCOMPARE(server.requestsTo(restart).size(), size_t(3));

        // A 429 says the service did nothing: that one is repeated even for a plain POST.
        Reply limited = Reply::json(R"({"error":"slow down"})", 429);
        limited.headers.insert({"Retry-After", "0"});
        server.enqueue(restart, limited);
        auto *afterLimit = run(api.restartJob(QStringLiteral("j1")));
        QVERIFY2(!afterLimit->error(), qPrintable(afterLimit->error().fullText()));
        QCOMPARE(server.requestsTo(restart).size(), size_t(5));
    }

    // Found by the chaos driver: a simple upload (D7) answered 200 with truncated JSON was counted
    // as uploaded although the service never stored it. Its fields are ignored, but an answer that
    // is not JSON is unusable, and the file name makes D7 safe to repeat. An empty 200 is accepted.
    void simpleUploadWithAnUnusableAnswerIsRepeated()
    {
        QTemporaryDir dir;
        const QString image = dir.filePath(QStringLiteral("a.jpg"));
        QFile f(image);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray("\xff\xd8\xff\xe0 not much of a jpeg"));
        f.close();
        TestServer server;
        const std::string upload = "/data-staging/v1/external/ws/batches/b1/upload/image";
        server.enqueue(upload, Reply::json("{\"status\":\"o"));  // 200, cut short
        server.setDefault(upload, Reply::json(R"({"status":"ok"})"));
        ApiClient api(configFor(server));
        auto *call = run(api.uploadImage(QStringLiteral("b1"), image, QStringLiteral("a.jpg"), QStringLiteral("b1")));
        QVERIFY2(!call->error(), qPrintable(call->error().fullText()));
        QCOMPARE(server.requestsTo(upload).size(), size_t(2));

        TestServer quiet;
        quiet.setDefault(upload, Reply::json(""));
        ApiClient api2(configFor(quiet));
        auto *accepted = run(api2.uploadImage(QStringLiteral("b1"), image, QStringLiteral("a.jpg"), QStringLiteral("b1")));
        QVERIFY2(!accepted->error(), qPrintable(accepted->error().fullText()));
        QCOMPARE(quiet.requestsTo(upload).size(), size_t(1));
    }

    // B3 carries its key (the job id): repeating it cannot create a second job.
    void keyedPostIsRepeated()
    {
        TestServer server;
        const std::string create = "/batch-processing/v1/external/ws/jobs/j1";
        Reply cut = Reply::json(R"({"status":"ok","padding":"xxxxxxxxxxxxxxxxxxxxxxxxxxxx"})");
        cut.cutAfterBytes = 5;
        server.enqueue(create, cut);
        server.enqueue(create, Reply::json("{}", 503));
        server.setDefault(create, Reply::json(R"({"status":"ok"})"));
        ApiClient api(configFor(server));
        auto *call = run(api.createJob(QStringLiteral("j1"), QString(), QJsonObject{{QStringLiteral("type"), QStringLiteral("x")}}));
        QVERIFY2(!call->error(), qPrintable(call->error().fullText()));
        QCOMPARE(server.requestsTo(create).size(), size_t(3));
    }

    void pagingStopsAtThePageCapWithAClearError()
    {
        TestServer server;
        for (int i = 0; i < 40; ++i)  // every page names a new next page
            server.enqueue(filesPath, Reply::json(filesPage("\"t" + std::to_string(i) + "\"")));
        ApiClient api(configFor(server));
        auto *call = api.listBatchFiles(QStringLiteral("b1"));
        call->setMaxPages(0);
        call->setPageCap(25);
        run(call);
        QCOMPARE(call->error().kind, ErrorKind::BadResponse);
        QVERIFY2(call->error().message.contains(QStringLiteral("still sent a next page token after 25 pages")),
                 qPrintable(call->error().message));
        QCOMPARE(server.requestsTo(filesPath).size(), size_t(25));
    }

    void pageCapHasADefaultAndAnExplicitLimitStillStopsQuietly()
    {
        TestServer server;
        for (int i = 0; i < 4; ++i)
            server.enqueue(filesPath, Reply::json(filesPage("\"t" + std::to_string(i) + "\"")));
        ApiClient api(configFor(server));
        auto *call = api.listBatchFiles(QStringLiteral("b1"));
        QCOMPARE(call->pageCap(), PagedCall::kDefaultPageCap);
        call->setMaxPages(3);
        call->setPageCap(3);
        run(call);
        QVERIFY2(!call->error(), qPrintable(call->error().fullText()));  // asked for 3, got 3
        QCOMPARE(call->pagesFetched(), 3);
    }
};

QTEST_GUILESS_MAIN(TestApiRetrySafety)
#include "tst_api_retrysafety.moc"
