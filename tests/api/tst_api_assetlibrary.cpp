// The wire side of issue 13 against the programmable TestServer: both error body shapes give the
// same message; every path segment built from an id is percent-encoded ("bad/id" -> "bad%2Fid")
// on every id-taking call; the Asset Library calls send the key only as a Bearer header and never
// in their URLs; a cut answer to the keyed create is repeated with the same key.
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

class TestApiAssetLibrary : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void bothErrorShapesGiveTheSameMessage()
    {
        TestServer server;
        server.enqueue("/batch-processing/v1/external/ws/jobs/j1", Reply::json(R"({"error":{"message":"Job is gone"}})", 404));
        server.enqueue("/batch-processing/v1/external/ws/jobs/j1", Reply::json(R"({"error":"Job is gone"})", 404));
        ApiClient api(configFor(server));
        auto *nested = run(api.getJob(QStringLiteral("j1")));
        auto *flat = run(api.getJob(QStringLiteral("j1")));
        QCOMPARE(nested->error().kind, ErrorKind::NotFound);
        QCOMPARE(nested->error().detail, QStringLiteral("Job is gone"));
        QCOMPARE(nested->error().fullText(), flat->error().fullText());
    }

    void everyIdIsOneEncodedPathSegment()
    {
        TestServer server;
        ApiClient api(configFor(server));
        const QString id = QStringLiteral("bad/id ?#%");
        const std::string enc = "bad%2Fid%20%3F%23%25";
        run(api.getBatch(id));
        run(api.batchCount(id));
        run(api.listParts(id));
        run(api.listBatchFiles(id));
        run(api.listShards(id));
        run(api.requestShardUpload(id));
        run(api.getJob(id));
        run(api.listStages(id));
        run(api.listTasks(id, QStringLiteral("st/1")));
        run(api.jobLogs(id));
        run(api.abortJob(id));
        run(api.createJob(id, QString(), QJsonObject{{QStringLiteral("type"), QStringLiteral("x")}}));
        int checked = 0;
        for (const auto &r : server.requests()) {
            if (r.path == "/")
                continue;   // W1
            ++checked;
            QVERIFY2(r.target.find(enc) != std::string::npos, r.target.c_str());
            QVERIFY2(r.target.find("bad/id") == std::string::npos, r.target.c_str());
            if (r.target.find("/tasks") != std::string::npos)
                QVERIFY2(r.target.find("/stages/st%2F1/tasks") != std::string::npos, r.target.c_str());
        }
        QVERIFY(checked >= 12);
    }

    void assetLibraryCallsSendTheKeyOnlyAsBearer()
    {
        TestServer server;
        const std::string create = "/batch-processing/v1/external/ws/asset-library/jobs";
        const std::string count = "/batch-processing/v1/external/ws/asset-library/count";
        Reply cut = Reply::json(R"({"status":"queued","jobId":"al-1","padding":"xxxxxxxxxxxxxxxxxxxxxxxx"})", 202);
        cut.cutAfterBytes = 8;
        server.enqueue(create, cut);
        server.setDefault(create, Reply::json(R"({"status":"queued","jobId":"al-1"})", 202));
        server.setDefault(count, Reply::json(R"({"status":"ok","count":12})"));
        ApiClient api(configFor(server));
        const QJsonObject body{{QStringLiteral("workflowId"), QStringLiteral("wf")},
                               {QStringLiteral("idempotencyKey"), QStringLiteral("bd-key-0001")},
                               {QStringLiteral("allImages"), true}};
        auto *job = run(api.createAssetLibraryJob(body));
        QVERIFY2(!job->error(), qPrintable(job->error().fullText()));
        QCOMPARE(job->result(), QStringLiteral("al-1"));
        auto *n = run(api.assetLibraryCount(QStringLiteral("tag:a+b")));
        QCOMPARE(n->result(), qint64(12));
        const auto creates = server.requestsTo(create);
        QCOMPARE(creates.size(), size_t(2));   // the cut answer was repeated...
        QCOMPARE(creates[0].body, creates[1].body);   // ...with the same key
        for (const auto &r : server.requests()) {
            if (r.path == "/")
                continue;
            QCOMPARE(r.header("Authorization"), std::string("Bearer ") + kKey);
            QVERIFY2(r.target.find(kKey) == std::string::npos, r.target.c_str());
            QVERIFY2(r.target.find("api_key") == std::string::npos, r.target.c_str());
        }
        QCOMPARE(server.requestsTo(count).at(0).param("query"), std::string("tag:a+b"));
    }

    void createWithoutAKeyIsNotRepeated()
    {
        TestServer server;
        const std::string create = "/batch-processing/v1/external/ws/asset-library/jobs";
        server.setDefault(create, Reply::json(R"({"error":{"message":"busy"}})", 503));
        ApiClient api(configFor(server));
        auto *job = run(api.createAssetLibraryJob(QJsonObject{{QStringLiteral("workflowId"), QStringLiteral("wf")}}));
        QCOMPARE(job->error().httpStatus, 503);
        QCOMPARE(job->error().detail, QStringLiteral("busy"));
        QCOMPARE(server.requestsTo(create).size(), size_t(1));
    }
};

QTEST_GUILESS_MAIN(TestApiAssetLibrary)
#include "tst_api_assetlibrary.moc"
