// WebhookReceiver over real loopback HTTP (httplib::Client): authorization forms, body limits,
// malformed input, the three §13 payload types, de-duplication and persistence in SQLite.
// (Hostile input: tst_webhook_attacks.)
#include "RawHttp.h"

#include "notify/WebhookReceiver.h"
#include "notify/WebhookStore.h"

#include "core/Database.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <httplib.h>

using namespace bd::notify;

namespace {
const QString kPub = QStringLiteral("rf_publishable_test_key_42");

// Payloads as published in the docs (docs/protocol.md §13.1–§13.3), event ids varied per test.
QByteArray ingestStatus(const QString &eventId, int attempt = 1)
{
    return QStringLiteral("{\"type\":\"roboflow-data-staging-notification-v1\",\"event_id\":\"%1\","
        "\"ingest_id\":\"8cd48813430f2be70b492db67e07cc86\",\"batch_id\":\"test-batch-117\",\"shard_id\":null,"
        "\"notification\":{\"type\":\"ingest-status-notification-v1\",\"success\":false,"
        "\"error_details\":{\"type\":\"unsafe-url-detected\",\"reason\":\"Untrusted domain found: https://upload.wikimedia.org/x.png\"}},"
        "\"delivery_attempt\":%2}").arg(eventId).arg(attempt).toUtf8();
}
QByteArray filesStatus(const QString &eventId)
{
    return QStringLiteral("{\"type\":\"roboflow-data-staging-notification-v1\",\"event_id\":\"%1\","
        "\"ingest_id\":\"d5cb69aa-b2d1-4202-a1c1-0231f180bda9\",\"batch_id\":\"prod-batch-1\","
        "\"shard_id\":\"0d40fa12-349e-439f-83f8-42b9b7987b33\","
        "\"notification\":{\"type\":\"ingest-files-status-notification-v1\",\"success\":true,"
        "\"ingested_files\":[\"000000494869.jpg\",\"000000186042.jpg\"],"
        "\"failed_files\":[{\"type\":\"file-size-limit-exceeded\",\"file_name\":\"big_image.png\",\"reason\":\"Max size of single image is 20971520B.\"}],"
        "\"content_truncated\":false},\"delivery_attempt\":1}").arg(eventId).toUtf8();
}
QByteArray jobDone(const QString &eventId, const QString &state)
{
    return QStringLiteral("{\"type\":\"roboflow-batch-job-notification-v1\",\"event_id\":\"%1\",\"job_id\":\"job-7\",\"job_state\":\"%2\",\"delivery_attempt\":1}")
        .arg(eventId, state).toUtf8();
}
}  // namespace

class TestWebhookReceiver : public QObject
{
    Q_OBJECT
    QTemporaryDir m_dir;
    std::unique_ptr<WebhookReceiver> m_receiver;
    std::unique_ptr<QSignalSpy> m_spy;

    httplib::Result post(const QByteArray &body, const QString &authorization = QStringLiteral("Bearer ") + kPub,
                         const std::string &path = "/hooks/roboflow")
    {
        httplib::Client client("127.0.0.1", m_receiver->port());
        client.set_read_timeout(5);
        httplib::Headers headers;
        if (!authorization.isNull())
            headers.emplace("Authorization", authorization.toStdString());
        return client.Post(path.c_str(), headers, body.toStdString(), "application/json");
    }
    // The signal is queued to this thread: spin the event loop until `n` events arrived.
    bool waitForEvents(int n)
    {
        for (int i = 0; i < 50 && m_spy->count() < n; ++i)
            m_spy->wait(100);
        return m_spy->count() >= n;
    }
    WebhookEvent eventAt(int i) { return m_spy->at(i).at(0).value<WebhookEvent>(); }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        bd::setDatabasePath(m_dir.filePath(QStringLiteral("webhooks.sqlite")));
    }
    void init()
    {
        WebhookReceiverOptions options;
        options.publishableKey = kPub;
        m_receiver = std::make_unique<WebhookReceiver>(options);
        QString error;
        QVERIFY2(m_receiver->start(&error), qPrintable(error));
        QVERIFY(m_receiver->port() > 0);
        m_spy = std::make_unique<QSignalSpy>(m_receiver.get(), &WebhookReceiver::eventReceived);
    }
    void cleanup()
    {
        m_spy.reset();
        m_receiver.reset();
    }

    void refusesToStartWithoutKey()
    {
        WebhookReceiver r(WebhookReceiverOptions{});
        QString error;
        QVERIFY(!r.start(&error));
        QVERIFY(error.contains(QStringLiteral("publishable key")));
    }

    void bearerKeyAcceptedAndIngestStatusParsed()
    {
        auto res = post(ingestStatus(QStringLiteral("8c20f970-fe10-41e1-9ef2-e057c63c07ff")));
        QVERIFY(res);
        QCOMPARE(res->status, 200);
        QVERIFY(waitForEvents(1));
        const WebhookEvent e = eventAt(0);
        QCOMPARE(e.kind, WebhookKind::IngestStatus);
        QCOMPARE(e.eventId, QStringLiteral("8c20f970-fe10-41e1-9ef2-e057c63c07ff"));
        QCOMPARE(e.ingestId, QStringLiteral("8cd48813430f2be70b492db67e07cc86"));
        QCOMPARE(e.batchId, QStringLiteral("test-batch-117"));
        QVERIFY(e.shardId.isEmpty());
        QCOMPARE(e.success, false);
        QCOMPARE(e.errorType, QStringLiteral("unsafe-url-detected"));
        QVERIFY(e.errorReason.startsWith(QStringLiteral("Untrusted domain found")));
        QCOMPARE(e.deliveryAttempt, 1);
        QVERIFY(e.receivedAt.isValid());
        QVERIFY(bd::notify::WebhookStore::contains(e.eventId));
    }

    void bareKeyAccepted()
    {
        auto res = post(jobDone(QStringLiteral("bare-1"), QStringLiteral("success")), kPub);
        QVERIFY(res);
        QCOMPARE(res->status, 200);
        QVERIFY(waitForEvents(1));
        const WebhookEvent e = eventAt(0);
        QCOMPARE(e.kind, WebhookKind::JobCompletion);
        QCOMPARE(e.jobId, QStringLiteral("job-7"));
        QCOMPARE(e.jobState, QStringLiteral("success"));
        QVERIFY(e.success);
    }

    void wrongOrMissingKeyIs401()
    {
        for (const QString &auth : { QStringLiteral("Bearer rf_wrong_key_000000"), QStringLiteral("rf_publishable_test_key_4"),
                                     kPub + QLatin1Char('x'), QStringLiteral("Bearer "), QString() }) {
            auto res = post(jobDone(QStringLiteral("unauth"), QStringLiteral("fail")), auth);
            QVERIFY(res);
            QCOMPARE(res->status, 401);
            QVERIFY(res->body.find(kPub.toStdString()) == std::string::npos);
        }
        // Keeps serving; nothing from the refused posts was stored or announced.
        QCOMPARE(post(jobDone(QStringLiteral("after-401"), QStringLiteral("fail")))->status, 200);
        QVERIFY(waitForEvents(1));
        QCOMPARE(m_spy->count(), 1);
        QCOMPARE(eventAt(0).eventId, QStringLiteral("after-401"));
        QVERIFY(!WebhookStore::contains(QStringLiteral("unauth")));
        QCOMPARE(m_receiver->rejectedCount(), 5);
    }

    void oversizedBodyIs413()
    {
        // Raw bytes: the 413 comes at the headers and the connection is closed without reading the
        // body, so a client library that writes the whole body first would only see a reset.
        QByteArray big = jobDone(QStringLiteral("big"), QStringLiteral("success"));
        big.insert(1, QByteArray("\"padding\":\"") + QByteArray(2 * 1024 * 1024, 'a') + "\",");
        const QByteArray head = "POST /hooks/roboflow HTTP/1.1\r\nHost: r\r\nAuthorization: Bearer " + kPub.toUtf8()
                                + "\r\nContent-Length: " + QByteArray::number(big.size()) + "\r\n\r\n";
        const auto ex = rawhttp::exchange(m_receiver->port(), head, rawhttp::bodyOf(big), 10000);
        QCOMPARE(ex.status(), 413);
        QCOMPARE(post(filesStatus(QStringLiteral("after-413")))->status, 200);
        QVERIFY(waitForEvents(1));
        QCOMPARE(eventAt(0).eventId, QStringLiteral("after-413"));
        QVERIFY(!WebhookStore::contains(QStringLiteral("big")));
    }

    void garbageIs400AndServerSurvives()
    {
        const QList<QByteArray> bad{ "not json at all", "{\"type\": ", "[1,2,3]", "", QByteArray("\x00\xff\xfe{", 4), "\"str\"" };
        for (const QByteArray &body : bad) {
            auto res = post(body);
            QVERIFY(res);
            QCOMPARE(res->status, 400);
        }
        QCOMPARE(post(jobDone(QStringLiteral("after-400"), QStringLiteral("fail")))->status, 200);
        QVERIFY(waitForEvents(1));
        QCOMPARE(m_spy->count(), 1);
        QCOMPARE(eventAt(0).jobState, QStringLiteral("fail"));
        QVERIFY(!eventAt(0).success);
    }

    void filesStatusParsed()
    {
        QCOMPARE(post(filesStatus(QStringLiteral("8f42708b-aeb7-4b73-9d83-cf18518b6d81")))->status, 200);
        QVERIFY(waitForEvents(1));
        const WebhookEvent e = eventAt(0);
        QCOMPARE(e.kind, WebhookKind::FilesStatus);
        QCOMPARE(e.shardId, QStringLiteral("0d40fa12-349e-439f-83f8-42b9b7987b33"));
        QCOMPARE(e.ingestedFiles, (QStringList{ "000000494869.jpg", "000000186042.jpg" }));
        QCOMPARE(e.failedFiles.size(), 1);
        QCOMPARE(e.failedFiles[0].type, QStringLiteral("file-size-limit-exceeded"));
        QCOMPARE(e.failedFiles[0].fileName, QStringLiteral("big_image.png"));
        QCOMPARE(e.failedFiles[0].reason, QStringLiteral("Max size of single image is 20971520B."));
        QVERIFY(e.success);
        QVERIFY(!e.contentTruncated);
    }

    void unknownTypeKeptRaw()
    {
        QCOMPARE(post("{\"type\":\"roboflow-something-new-v9\",\"event_id\":\"new-1\",\"extra\":{\"a\":[1,2]}}")->status, 200);
        QVERIFY(waitForEvents(1));
        const WebhookEvent e = eventAt(0);
        QCOMPARE(e.kind, WebhookKind::Unknown);
        QCOMPARE(e.type, QStringLiteral("roboflow-something-new-v9"));
        QCOMPARE(e.raw.value("extra").toObject().value("a").toArray().size(), 2);
        const auto stored = WebhookStore::recent(5);
        QVERIFY(!stored.isEmpty());
        QCOMPARE(stored.first().eventId, QStringLiteral("new-1"));
        QCOMPARE(stored.first().raw.value("extra").toObject().value("a").toArray().at(1).toInt(), 2);
    }

    void duplicatesDropped()
    {
        const int before = WebhookStore::count();
        QCOMPARE(post(ingestStatus(QStringLiteral("dup-1"), 1))->status, 200);
        QCOMPARE(post(ingestStatus(QStringLiteral("dup-1"), 2))->status, 200);   // redelivery
        QCOMPARE(post(ingestStatus(QStringLiteral("dup-1"), 3), kPub)->status, 200);
        QCOMPARE(post(ingestStatus(QStringLiteral("dup-2"), 1))->status, 200);
        QVERIFY(waitForEvents(2));
        QTest::qWait(100);
        QCOMPARE(m_spy->count(), 2);
        QCOMPARE(eventAt(0).eventId, QStringLiteral("dup-1"));
        QCOMPARE(eventAt(0).deliveryAttempt, 1);
        QCOMPARE(eventAt(1).eventId, QStringLiteral("dup-2"));
        QCOMPARE(WebhookStore::count(), before + 2);
        QCOMPARE(m_receiver->duplicateCount(), 2);
    }

    void duplicatesDroppedAcrossRestarts()
    {
        // "dup-1" was stored by the previous receiver; this one only knows it from SQLite.
        QCOMPARE(post(ingestStatus(QStringLiteral("dup-1"), 4))->status, 200);
        QCOMPARE(post(ingestStatus(QStringLiteral("fresh-after-restart"), 1))->status, 200);
        QVERIFY(waitForEvents(1));
        QTest::qWait(100);
        QCOMPARE(m_spy->count(), 1);
        QCOMPARE(eventAt(0).eventId, QStringLiteral("fresh-after-restart"));
    }

    void concurrentPostsAllCounted()
    {
        std::vector<std::thread> threads;
        std::atomic<int> ok{ 0 };
        const quint16 port = m_receiver->port();
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([t, port, &ok] {
                httplib::Client client("127.0.0.1", port);
                for (int i = 0; i < 10; ++i) {
                    const auto body = jobDone(QStringLiteral("conc-%1").arg(i), QStringLiteral("success")).toStdString();
                    auto r = client.Post("/", { { "Authorization", ("Bearer " + kPub).toStdString() } }, body, "application/json");
                    if (r && r->status == 200)
                        ++ok;
                }
                (void)t;
            });
        for (auto &th : threads)
            th.join();
        QCOMPARE(ok.load(), 40);
        QVERIFY(waitForEvents(10));
        QTest::qWait(100);
        QCOMPARE(m_spy->count(), 10);   // ten distinct ids, each posted four times
    }

    // The owner may stop the receiver the moment it sees an event (listen-webhooks --count N):
    // the sender of that event must still get its 200, or it retries a delivery that counted.
    // Idle connections slow the server thread's rounds, so the owner usually wins the race.
    void stopRightAfterAnEventStillAnswersItsSender()
    {
        for (int round = 0; round < 10; ++round) {
            WebhookReceiverOptions options;
            options.publishableKey = kPub;
            WebhookReceiver receiver(options);
            QVERIFY(receiver.start());
            QEventLoop loop;   // wakes at once on the event, as listen-webhooks' loop does
            connect(&receiver, &WebhookReceiver::eventReceived, &loop, [&] {
                receiver.stop();
                loop.quit();
            });
            QTimer::singleShot(5000, &loop, &QEventLoop::quit);
            rawhttp::SlowClients idle(receiver.port(), 300, 60000, 30);
            QCOMPARE(idle.connected(), 300);
            const QByteArray body = jobDone(QStringLiteral("stop-%1").arg(round), QStringLiteral("success"));
            rawhttp::Exchange answer;
            std::thread sender([&] {
                answer = rawhttp::exchange(receiver.port(),
                                           "POST / HTTP/1.1\r\nHost: l\r\nAuthorization: Bearer " + kPub.toUtf8()
                                               + "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n",
                                           rawhttp::bodyOf(body), 5000);
            });
            loop.exec();
            sender.join();
            QVERIFY(!receiver.isRunning());
            QVERIFY2(answer.status() == 200, qPrintable(QStringLiteral("round %1: status %2, closed %3")
                                                            .arg(round).arg(answer.status()).arg(answer.closed)));
        }
    }

    void stopAndRestart()
    {
        const quint16 port = m_receiver->port();
        m_receiver->stop();
        QVERIFY(!m_receiver->isRunning());
        m_receiver->stop();   // idempotent
        httplib::Client client("127.0.0.1", port);
        client.set_connection_timeout(1);
        QVERIFY(!client.Get("/"));
        QVERIFY(m_receiver->start());
        QCOMPARE(post(jobDone(QStringLiteral("restarted"), QStringLiteral("success")))->status, 200);
        QVERIFY(waitForEvents(1));
    }
};

QTEST_GUILESS_MAIN(TestWebhookReceiver)
#include "tst_webhookreceiver.moc"
