// Fault injection over real loopback HTTP: every action of the fault plan, skip/times/method/match
// selection, request counting, and plans loaded from a file.
#include "sandbox/DemoMedia.h"
#include "sandbox/FaultPlan.h"
#include "sandbox/SandboxHttp.h"

#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>

using namespace bd::sandbox;
using namespace bd::sandbox::testing;

class TestSandboxFaults : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<Sandbox> m_sandbox;
    QString m_downloadUrl;

    httplib::Client api() const { return clientFor(m_sandbox->apiUrl()); }

    void plan(const QJsonObject &rule) { m_sandbox->setFaultPlan({ { "rules", QJsonArray{ rule } } }); }

private slots:
    void initTestCase()
    {
        SandboxOptions options;
        options.indexDelayMs = 0;
        m_sandbox = std::make_unique<Sandbox>(options);
        QVERIFY(m_sandbox->start());
        auto client = api();
        const httplib::MultipartFormDataItems items{ { "file", tinyJpeg("fault target").toStdString(), "t.jpg", "" } };
        QCOMPARE(client.Post(stagingPath("batches/faulty/upload/image", "fileName=t.jpg"), items)->status, 200);
        m_downloadUrl = jsonOf(client.Get(stagingPath("batches/faulty/list"))).value("filesMetadata").toArray()
                            .first().toObject().value("downloadURL").toString();
        QVERIFY(!m_downloadUrl.isEmpty());
    }

    void cleanup() { m_sandbox->setFaultPlan({}); }
    void cleanupTestCase() { m_sandbox->stop(); }

    void statusWithSkipTimesAndRetryAfter()
    {
        plan({ { "route", "D1" }, { "status", 503 }, { "retryAfter", 2 }, { "skip", 1 }, { "times", 2 } });
        auto client = api();
        const int before = m_sandbox->requestCount("D1");
        QList<int> statuses;
        for (int i = 0; i < 4; ++i) {
            auto r = client.Get(stagingPath("batches"));
            QVERIFY(r);
            statuses << r->status;
            if (r->status == 503) {
                QCOMPARE(QString::fromStdString(r->get_header_value("Retry-After")), "2");
                QVERIFY(jsonOf(r).contains("error"));
            }
        }
        QCOMPARE(statuses, QList<int>({ 200, 503, 503, 200 }));
        QCOMPARE(m_sandbox->requestCount("D1") - before, 4);
    }

    void methodAndMatchSelectRequests()
    {
        plan({ { "route", "*" }, { "method", "POST" }, { "match", "/upload/image" }, { "status", 429 } });
        auto client = api();
        QCOMPARE(client.Get(stagingPath("batches"))->status, 200);
        const httplib::MultipartFormDataItems items{ { "file", tinyJpeg("m").toStdString(), "m.jpg", "" } };
        QCOMPARE(client.Post(stagingPath("batches/faulty/upload/image", "fileName=m.jpg"), items)->status, 429);
        QCOMPARE(client.Post(stagingPath("batches/faulty-video/upload/video", "fileName=v.mp4"), "", "")->status, 200);
    }

    // A chaos run must be replayable: the same seed faults the same requests, "probability" fires on
    // about that share of them, and "within" stops it after the first N.
    void probabilityIsSeededAndBounded()
    {
        const auto statusesFor = [this](int seed, int within) {
            QJsonObject rule{ { "route", "D1" }, { "status", 503 }, { "probability", 0.3 } };
            if (within >= 0)
                rule.insert("within", within);
            m_sandbox->setFaultPlan({ { "rules", QJsonArray{ rule } }, { "seed", seed } });
            auto client = api();
            QList<int> statuses;
            for (int i = 0; i < 60; ++i)
                statuses << client.Get(stagingPath("batches"))->status;
            return statuses;
        };
        const QList<int> first = statusesFor(11, -1);
        QCOMPARE(statusesFor(11, -1), first);
        QVERIFY(statusesFor(12, -1) != first);
        const auto faults = first.count(503);
        QVERIFY2(faults >= 6 && faults <= 30, qPrintable(QString::number(faults)));
        const QList<int> bounded = statusesFor(11, 20);
        QCOMPARE(bounded.mid(0, 20), first.mid(0, 20));
        QCOMPARE(bounded.mid(20).count(503), 0);
        FaultPlan invalid;
        QVERIFY(!invalid.setPlan({ { "rules", QJsonArray{ QJsonObject{ { "probability", 2 } } } } }));
    }

    void htmlErrorPage()
    {
        plan({ { "route", "W1" }, { "action", "html" }, { "status", 502 } });
        auto client = api();
        auto r = client.Get("/?api_key=sandbox-key");
        QCOMPARE(r->status, 502);
        QVERIFY(QString::fromStdString(r->get_header_value("Content-Type")).startsWith("text/html"));
        QVERIFY(QString::fromStdString(r->body).contains("<h1>502 Bad Gateway</h1>"));
    }

    void malformedJson()
    {
        plan({ { "route", "D2" }, { "action", "malformed-json" } });
        auto client = api();
        auto r = client.Get(stagingPath("batches/faulty"));
        QCOMPARE(r->status, 200);
        QJsonParseError error;
        QJsonDocument::fromJson(QByteArray::fromStdString(r->body), &error);
        QVERIFY(error.error != QJsonParseError::NoError);
    }

    void cutApiResponse()
    {
        plan({ { "route", "D5" }, { "action", "cut" }, { "times", 1 } });
        auto client = api();
        auto cut = client.Get(stagingPath("batches/faulty/list"));
        QVERIFY(!cut);   // the body stopped half-way and the connection closed
        QCOMPARE(cut.error(), httplib::Error::Read);
        auto next = client.Get(stagingPath("batches/faulty/list"));
        QCOMPARE(next->status, 200);
    }

    void cutAndExpiredDownloads()
    {
        auto storage = clientFor(QUrl(m_downloadUrl));
        plan({ { "route", "S2" }, { "action", "cut" }, { "times", 1 } });
        QVERIFY(!storage.Get(pathOf(m_downloadUrl)));
        QCOMPARE(storage.Get(pathOf(m_downloadUrl))->status, 200);

        plan({ { "route", "S2" }, { "action", "expire-url" }, { "times", 1 } });
        auto expired = storage.Get(pathOf(m_downloadUrl));
        QCOMPARE(expired->status, 403);
        QVERIFY(QString::fromStdString(expired->body).contains("ExpiredToken"));
        QCOMPARE(storage.Get(pathOf(m_downloadUrl))->status, 200);

        plan({ { "route", "S2" }, { "status", 504 } });
        QCOMPARE(storage.Get(pathOf(m_downloadUrl))->status, 504);
        QCOMPARE(m_sandbox->requestCount("S2"), 5);
    }

    void failedPutKeepsTheUploadUsable()
    {
        auto client = api();
        const QJsonObject details = jsonOf(client.Post(stagingPath("batches/faulty-clips/upload/video", "fileName=c.mp4"), "", ""))
                                        .value("signedURLDetails").toObject();
        const QString url = details.value("uploadURL").toString();
        httplib::Headers headers;
        const QJsonObject ext = details.value("extensionHeaders").toObject();
        for (auto it = ext.begin(); it != ext.end(); ++it)
            headers.emplace(it.key().toStdString(), it.value().toString().toStdString());
        plan({ { "route", "S1" }, { "status", 503 }, { "times", 1 } });
        auto storage = clientFor(QUrl(url));
        QCOMPARE(storage.Put(pathOf(url), headers, tinyVideo("c").toStdString(), "video/mp4")->status, 503);
        QCOMPARE(storage.Put(pathOf(url), headers, tinyVideo("c").toStdString(), "video/mp4")->status, 200);
        QCOMPARE(jsonOf(client.Get(stagingPath("batches/faulty-clips/count"))).value("count").toInt(), 1);
    }

    void delayThenPass()
    {
        plan({ { "route", "D3" }, { "delayMs", 300 } });
        auto client = api();
        QElapsedTimer timer;
        timer.start();
        auto r = client.Get(stagingPath("batches/faulty/count"));
        QCOMPARE(r->status, 200);
        QCOMPARE(jsonOf(r).value("count").toInt(), 1);
        QVERIFY(timer.elapsed() >= 290);   // the request was held, then answered normally
    }

    void batchProcessingRoutesAreClassified()
    {
        plan({ { "route", "B2" }, { "status", 500 } });
        auto client = api();
        QCOMPARE(client.Get("/batch-processing/v1/external/sandbox-ws/jobs/some-job?api_key=sandbox-key")->status, 500);
        QCOMPARE(client.Get("/batch-processing/v1/external/sandbox-ws/jobs?api_key=sandbox-key")->status, 200);
        QCOMPARE(m_sandbox->requestCount("B2"), 1);
        QCOMPARE(m_sandbox->requestCount("B1"), 1);
    }

    void planFromFile()
    {
        QTemporaryDir dir;
        QFile file(dir.filePath("faults.json"));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(R"({"rules":[{"route":"W1","status":408,"times":1}]})");
        file.close();
        SandboxOptions options;
        options.faultsFile = file.fileName();
        Sandbox sandbox(options);
        QVERIFY(sandbox.start());
        auto client = clientFor(sandbox.apiUrl());
        QCOMPARE(client.Get("/?api_key=sandbox-key")->status, 408);
        QCOMPARE(client.Get("/?api_key=sandbox-key")->status, 200);

        QFile broken(dir.filePath("broken.json"));
        QVERIFY(broken.open(QIODevice::WriteOnly));
        broken.write(R"({"rules":[{"route":"W1","action":"explode"}]})");
        broken.close();
        options.faultsFile = broken.fileName();
        Sandbox refused(options);
        QString error;
        QVERIFY(!refused.start(&error));
        QVERIFY2(error.contains("explode"), qPrintable(error));
    }
};

QTEST_GUILESS_MAIN(TestSandboxFaults)
#include "tst_sandbox_faults.moc"
