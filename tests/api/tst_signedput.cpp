// ApiClient::putSigned, the one S1 PUT (docs/protocol.md §5.1): the extension headers verbatim,
// an exact Content-Length, no Content-Type (a GCS V4 signature covers exactly the signed headers),
// no API key, and a sequential body (a tar made on the fly) streamed as the socket drains rather
// than read whole into memory first. The same for SignedTransfer (the uploads' PUT on the transfer
// thread), plus what moving the body off the owner's thread must keep: the body flows while the
// owner's thread is blocked, its last bytes wait for the owner's bodyLeaving handler, and a
// release mid-body aborts it and frees the body on the transfer thread with no signal after.
#include "GeneratedBody.h"
#include "common/WaitUntil.h"
#include "TestServer.h"
#include "api/ApiClient.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QNetworkReply>
#include <QTest>
#include <QThread>
#include <QTimer>

#include <atomic>
#include <functional>
#include <utility>

using namespace bd::api;
using namespace bdtest;

namespace {

using testsupport::waitUntil;

SignedUpload uploadTo(const TestServer &server, const std::string &path)
{
    SignedUpload upload;
    upload.uploadUrl = QUrl(QString::fromStdString(server.base() + path + "?X-Goog-Signature=abc%2Bdef"));
    upload.extensionHeaders = { { "X-Goog-Content-Length-Range", "0,5368709120" }, { "x-goog-meta-ingest", "ingest-42" } };
    return upload;
}

ApiConfig configFor(const TestServer &server)
{
    ApiConfig config;
    config.baseUrl = QUrl(QString::fromStdString(server.base()));
    config.apiKey = QStringLiteral("signed-put-key-0123456789");
    return config;
}

}  // namespace

class TestSignedPut : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void exactHeadersAndStreamedBody()
    {
        TestServer server;
        server.setDefault("/signed/put/u1", Reply::json("", 200));
        ApiConfig config;
        config.baseUrl = QUrl(QString::fromStdString(server.base()));
        config.apiKey = QStringLiteral("signed-put-key-0123456789");
        ApiClient api(config);

        SignedUpload upload;
        upload.uploadUrl = QUrl(QString::fromStdString(server.base() + "/signed/put/u1?X-Goog-Signature=abc%2Bdef"));
        upload.extensionHeaders = { { "X-Goog-Content-Length-Range", "0,5368709120" },
                                    { "x-goog-meta-ingest", "ingest-42" } };
        constexpr qint64 kSize = 32LL * 1024 * 1024;
        GeneratedBody body(kSize);
        QVERIFY(body.open(QIODevice::ReadOnly));
        QNetworkReply *reply = api.putSigned(upload, &body, kSize);
        connect(reply, &QNetworkReply::uploadProgress, this, [&body](qint64 sent, qint64) { body.sent = sent; });
        QEventLoop loop;
        connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        QTimer::singleShot(60000, &loop, &QEventLoop::quit);
        if (!reply->isFinished())
            loop.exec();
        QVERIFY(reply->isFinished());
        QCOMPARE(reply->error(), QNetworkReply::NoError);
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        delete reply;

        const auto requests = server.requestsTo("/signed/put/u1");
        QCOMPARE(requests.size(), size_t(1));
        const Recorded &put = requests.front();
        QCOMPARE(put.method, std::string("PUT"));
        QCOMPARE(put.target, std::string("/signed/put/u1?X-Goog-Signature=abc%2Bdef"));   // as given
        QCOMPARE(put.header("Content-Length"), std::to_string(kSize));
        QVERIFY(!put.hasHeader("Content-Type"));   // not covered by the signature: never added
        QCOMPARE(put.header("X-Goog-Content-Length-Range"), std::string("0,5368709120"));
        QCOMPARE(put.header("x-goog-meta-ingest"), std::string("ingest-42"));
        QVERIFY(put.target.find("signed-put-key") == std::string::npos);
        QVERIFY(!put.hasHeader("Authorization"));
        QCOMPARE(qint64(put.body.size()), kSize);
        QCOMPARE(put.body.substr(0, 3), std::string("abc"));
        QCOMPARE(body.produced(), kSize);
        // Streamed: Qt never read the body far ahead of what had been sent (a buffered upload
        // reads all 32 MiB before the first byte leaves).
        QVERIFY2(body.maxAheadOfSent < kSize / 2, qPrintable(QString::number(body.maxAheadOfSent)));
    }

    // The uploads' PUT: the same request as putSigned, the body read on the transfer thread, and
    // the body's last bytes held until the owner's thread has handled bodyLeaving.
    void transferReadsOffTheOwnerThreadAndHoldsTheLastBytes()
    {
        TestServer server;
        server.setDefault("/signed/put/t1", Reply::json("", 200));
        ApiClient api(configFor(server));
        constexpr qint64 kSize = 8LL * 1024 * 1024;
        auto *body = new GeneratedBody(kSize);
        QVERIFY(body->open(QIODevice::ReadOnly));
        SignedTransfer *transfer = api.newSignedTransfer();
        body->beforeLastBytes = [transfer] { transfer->announceBodyLeaving(); };
        QThread *handledOn = nullptr;
        qint64 producedWhenHandled = -1;
        connect(transfer, &SignedTransfer::bodyLeaving, this, [&] {
            handledOn = QThread::currentThread();
            QThread::msleep(200);   // a slow journal write: the last bytes must still wait
            producedWhenHandled = body->produced();
        });
        bool finished = false;
        connect(transfer, &SignedTransfer::finished, this, [&] { finished = true; });
        transfer->start(uploadTo(server, "/signed/put/t1"), body, kSize, QStringLiteral("upload test"));
        QVERIFY(waitUntil([&] { return finished; }, 60000));
        QVERIFY2(!transfer->error(), qPrintable(transfer->error().fullText()));
        QVERIFY(body->readerThread != QThread::currentThread());
        QCOMPARE(handledOn, QThread::currentThread());
        QVERIFY(producedWhenHandled >= 0 && producedWhenHandled < kSize);
        QCOMPARE(body->produced(), kSize);
        transfer->release();

        const auto requests = server.requestsTo("/signed/put/t1");
        QCOMPARE(requests.size(), size_t(1));
        const Recorded &put = requests.front();
        QCOMPARE(put.method, std::string("PUT"));
        QCOMPARE(put.target, std::string("/signed/put/t1?X-Goog-Signature=abc%2Bdef"));
        QCOMPARE(put.header("Content-Length"), std::to_string(kSize));
        QVERIFY(!put.hasHeader("Content-Type"));
        QCOMPARE(put.header("x-goog-meta-ingest"), std::string("ingest-42"));
        QVERIFY(!put.hasHeader("Authorization"));
        QCOMPARE(qint64(put.body.size()), kSize);
    }

    // The owner's thread (the GUI's) blocked: the body keeps flowing up to its last bytes, which
    // then wait for the owner. (Read on the owner's thread, it stopped at the first 16 KiB.)
    void bodyFlowsWhileTheOwnerThreadIsBlocked()
    {
        TestServer server;
        server.setDefault("/signed/put/t2", Reply::json("", 200));
        ApiClient api(configFor(server));
        constexpr qint64 kSize = 16LL * 1024 * 1024;
        auto *body = new GeneratedBody(kSize);
        QVERIFY(body->open(QIODevice::ReadOnly));
        SignedTransfer *transfer = api.newSignedTransfer();
        body->beforeLastBytes = [transfer] { transfer->announceBodyLeaving(); };
        bool leaving = false;
        bool finished = false;
        connect(transfer, &SignedTransfer::bodyLeaving, this, [&] { leaving = true; });
        connect(transfer, &SignedTransfer::finished, this, [&] { finished = true; });
        transfer->start(uploadTo(server, "/signed/put/t2"), body, kSize, QStringLiteral("upload test"));
        // No event processed on this thread from here until the body is all but sent.
        QElapsedTimer clock;
        clock.start();
        while (body->produced() < kSize - 64 * 1024 && clock.elapsed() < 60000)
            QThread::msleep(10);
        QVERIFY2(body->produced() >= kSize - 64 * 1024, qPrintable(QString::number(body->produced())));
        QThread::msleep(100);
        QVERIFY(body->produced() < kSize);   // the last bytes wait for bodyLeaving
        QVERIFY(!leaving);
        QVERIFY(waitUntil([&] { return finished; }, 60000));
        QVERIFY(leaving);
        QVERIFY2(!transfer->error(), qPrintable(transfer->error().fullText()));
        transfer->release();
        QCOMPARE(qint64(server.requestsTo("/signed/put/t2").front().body.size()), kSize);
    }

    // release() mid-body: the PUT is aborted, the body freed on the transfer thread, no signal
    // reaches the owner afterwards (not even progress queued before), and the server never gets
    // a whole body.
    void releaseMidBodyAbortsIt()
    {
        TestServer server;
        server.setDefault("/signed/put/t3", Reply::json("", 200));
        ApiClient api(configFor(server));
        constexpr qint64 kSize = 1024LL * 1024 * 1024;
        auto *body = new GeneratedBody(kSize);
        QVERIFY(body->open(QIODevice::ReadOnly));
        std::atomic<QThread *> destroyedOn{ nullptr };
        connect(body, &QObject::destroyed, body, [&destroyedOn] { destroyedOn = QThread::currentThread(); }, Qt::DirectConnection);
        SignedTransfer *transfer = api.newSignedTransfer();
        int signalsAfterRelease = 0;
        bool released = false;
        connect(transfer, &SignedTransfer::uploadProgress, this, [&] { signalsAfterRelease += released ? 1 : 0; });
        connect(transfer, &SignedTransfer::finished, this, [&] { signalsAfterRelease += released ? 1 : 100; });
        transfer->start(uploadTo(server, "/signed/put/t3"), body, kSize, QStringLiteral("upload test"));
        QVERIFY(waitUntil([&] { return body->produced() > 1024 * 1024; }, 60000));
        transfer->release();
        released = true;
        QVERIFY(waitUntil([&] { return destroyedOn.load() != nullptr; }, 10000));
        QVERIFY(destroyedOn.load() != QThread::currentThread());
        QTest::qWait(300);
        QCOMPARE(signalsAfterRelease, 0);
        QVERIFY(server.requestsTo("/signed/put/t3").empty());
    }
};

QTEST_GUILESS_MAIN(TestSignedPut)
#include "tst_signedput.moc"
