// SignedTransfer under attack, over loopback, with each transport (libcurl, the default, and Qt:
// BATCHDECK_SIGNED_PUT=qt), asserting the same outcome from both: the embedded sandbox's storage
// host refusing the PUT (an expired URL: 403; a 503 with Retry-After; an HTML error page), a
// server that drops the connection mid-body, nobody listening, a release mid-body and one while
// the last bytes wait for bodyLeaving (no signal after either, and the next PUT still works).
#include "GeneratedBody.h"
#include "common/LoopbackListener.h"
#include "common/WaitUntil.h"
#include "api/ApiClient.h"

#include "sandbox/Sandbox.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonObject>
#include <QTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <memory>
#include <thread>

using namespace bd;
using namespace bd::api;
using namespace bdtest;

namespace {

constexpr qint64 kBodySize = 24LL * 1024 * 1024;   // more than loopback buffers: refused mid-body

using testsupport::waitUntil;

// A listener that reads the request head and `cutAfter` body bytes, then resets the connection.
class CuttingServer
{
public:
    explicit CuttingServer(qint64 cutAfter)
    {
        m_listener = testsupport::listenOnLoopback(4, &m_port);
        m_thread = std::thread([this, cutAfter] {
            const int fd = ::accept(m_listener, nullptr, nullptr);
            if (fd < 0)
                return;
            QByteArray seen;
            char buf[65536];
            qsizetype headEnd = -1;
            while (true) {
                const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
                if (n <= 0)
                    break;
                seen.append(buf, n);
                if (headEnd < 0)
                    headEnd = seen.indexOf("\r\n\r\n");
                if (headEnd >= 0 && seen.size() - headEnd - 4 >= cutAfter)
                    break;
                if (seen.size() > (1 << 20))
                    seen.remove(0, seen.size() - 8);   // only the count matters now
            }
            received = true;
            linger cut{ 1, 0 };   // close with RST, as a crashed or impatient server does
            ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &cut, sizeof cut);
            ::close(fd);
        });
    }
    ~CuttingServer()
    {
        ::shutdown(m_listener, SHUT_RDWR);
        ::close(m_listener);
        m_thread.join();
    }
    int port() const { return m_port; }
    std::atomic<bool> received{ false };

private:
    int m_listener = -1;
    quint16 m_port = 0;
    std::thread m_thread;
};

// One transfer's signals, counted, and whether any came after release().
struct Watch {
    int finished = 0;
    int leaving = 0;
    int afterRelease = 0;
    bool released = false;

    void attach(SignedTransfer *transfer, QObject *context)
    {
        QObject::connect(transfer, &SignedTransfer::finished, context, [this] { ++finished; afterRelease += released; });
        QObject::connect(transfer, &SignedTransfer::bodyLeaving, context, [this] { ++leaving; afterRelease += released; });
        QObject::connect(transfer, &SignedTransfer::uploadProgress, context, [this] { afterRelease += released; });
    }
};

}  // namespace

class TestSignedPutFaults : public QObject
{
    Q_OBJECT

    std::unique_ptr<sandbox::Sandbox> m_sandbox;
    std::unique_ptr<ApiClient> m_api;

    void startClient(const char *transport)
    {
        qputenv("BATCHDECK_SIGNED_PUT", transport);   // read by the client's transfer thread
        sandbox::SandboxOptions options;
        options.indexDelayMs = 0;
        m_sandbox = std::make_unique<sandbox::Sandbox>(options);
        QString error;
        QVERIFY2(m_sandbox->start(&error), qPrintable(error));
        ApiConfig config;
        config.baseUrl = m_sandbox->apiUrl();
        config.apiKey = options.apiKeys.first();
        config.timeoutSeconds = 20;
        m_api = std::make_unique<ApiClient>(config);
    }

    SignedUpload shardUrl()
    {
        std::unique_ptr<SignedUploadCall> call(m_api->requestShardUpload(QStringLiteral("faults")));
        call->exec();
        return call->error() ? SignedUpload{} : call->result();
    }

    void faultOnS1(const QJsonObject &rule) { m_sandbox->setFaultPlan(QJsonObject{ { "rules", QJsonArray{ rule } } }); }

    // Starts a PUT of a generated body; waits for finished(); the transfer is released after.
    Error put(const SignedUpload &upload, qint64 size, QByteArray *retryAfter = nullptr, Watch *watch = nullptr)
    {
        Watch own;
        Watch &w = watch ? *watch : own;
        auto *body = new GeneratedBody(size);
        body->open(QIODevice::ReadOnly);
        SignedTransfer *transfer = m_api->newSignedTransfer();
        body->beforeLastBytes = [transfer] { transfer->announceBodyLeaving(); };
        w.attach(transfer, this);
        transfer->start(upload, body, size, QStringLiteral("upload shard 1"));
        if (!waitUntil([&] { return w.finished > 0; }, 60000)) {
            transfer->release();
            return Error(ErrorKind::Internal, QStringLiteral("no finished() within 60 s"));
        }
        const Error error = transfer->error();
        if (retryAfter)
            *retryAfter = transfer->retryAfter();
        transfer->release();
        w.released = true;
        QTest::qWait(50);
        return error;
    }

private Q_SLOTS:
    void cleanup()
    {
        m_api.reset();
        m_sandbox.reset();
        qunsetenv("BATCHDECK_SIGNED_PUT");
    }

    void expiredUrlIsForbidden_data() { transports(); }
    void expiredUrlIsForbidden()
    {
        QFETCH(QByteArray, transport);
        startClient(transport.constData());
        faultOnS1({ { "route", "S1" }, { "action", "expire-url" } });
        const Error error = put(shardUrl(), kBodySize);
        QCOMPARE(error.kind, ErrorKind::Forbidden);
        QCOMPARE(error.httpStatus, 403);
        QVERIFY2(error.message.contains(QLatin1String("upload shard 1: signed URL expired or rejected (HTTP 403)")),
                 qPrintable(error.fullText()));
        QVERIFY2(error.detail.contains(QLatin1String("ExpiredToken")), qPrintable(error.fullText()));
    }

    void serverErrorKeepsRetryAfter_data() { transports(); }
    void serverErrorKeepsRetryAfter()
    {
        QFETCH(QByteArray, transport);
        startClient(transport.constData());
        faultOnS1({ { "route", "S1" }, { "status", 503 }, { "retryAfter", 7 } });
        QByteArray retryAfter;
        const Error error = put(shardUrl(), kBodySize, &retryAfter);
        QCOMPARE(error.kind, ErrorKind::Server);
        QCOMPARE(error.httpStatus, 503);
        QCOMPARE(retryAfter, QByteArray("7"));
        QVERIFY2(error.detail.contains(QLatin1String("Injected fault: HTTP 503")), qPrintable(error.fullText()));
    }

    void htmlErrorPageIsExcerpted_data() { transports(); }
    void htmlErrorPageIsExcerpted()
    {
        QFETCH(QByteArray, transport);
        startClient(transport.constData());
        faultOnS1({ { "route", "S1" }, { "action", "html" }, { "status", 502 } });
        const Error error = put(shardUrl(), kBodySize);
        QCOMPARE(error.kind, ErrorKind::Server);
        QCOMPARE(error.httpStatus, 502);
        QVERIFY2(error.detail.startsWith(QLatin1String("502 Bad Gateway")), qPrintable(error.detail));
        QVERIFY2(!error.detail.contains(QLatin1Char('<')), qPrintable(error.detail));
    }

    void connectionResetMidBody_data() { transports(); }
    void connectionResetMidBody()
    {
        QFETCH(QByteArray, transport);
        startClient(transport.constData());
        CuttingServer server(1024 * 1024);
        SignedUpload upload = shardUrl();
        upload.uploadUrl.setPort(server.port());
        Watch watch;
        const Error error = put(upload, kBodySize, nullptr, &watch);
        QVERIFY(server.received);
        QCOMPARE(error.kind, ErrorKind::Network);
        QCOMPARE(error.httpStatus, 0);
        QVERIFY2(error.message.contains(QLatin1String("upload shard 1: connection failed")), qPrintable(error.fullText()));
        QCOMPARE(watch.finished, 1);
        QCOMPARE(watch.leaving, 0);   // the last bytes were never handed out
    }

    void nobodyListening_data() { transports(); }
    void nobodyListening()
    {
        QFETCH(QByteArray, transport);
        startClient(transport.constData());
        SignedUpload upload = shardUrl();
        {
            CuttingServer gone(0);   // a port that was free a moment ago
            upload.uploadUrl.setPort(gone.port());
        }
        const Error error = put(upload, 1024);
        QCOMPARE(error.kind, ErrorKind::Network);
        QCOMPARE(error.httpStatus, 0);
    }

    // release() mid-body and release() from the bodyLeaving handler (a cancel while the journal
    // is told): no signal after it, the body freed off this thread; then the next
    // PUT (the same pool thread and connection cache for curl) succeeds.
    void releaseMidBodyThenPutAgain_data() { transports(); }
    void releaseMidBodyThenPutAgain()
    {
        QFETCH(QByteArray, transport);
        startClient(transport.constData());
        for (const bool inBodyLeaving : { false, true }) {
            auto *body = new GeneratedBody(kBodySize);
            body->open(QIODevice::ReadOnly);
            std::atomic<QThread *> destroyedOn{ nullptr };
            connect(body, &QObject::destroyed, body, [&destroyedOn] { destroyedOn = QThread::currentThread(); },
                    Qt::DirectConnection);
            SignedTransfer *transfer = m_api->newSignedTransfer();
            body->beforeLastBytes = [transfer] { transfer->announceBodyLeaving(); };
            Watch watch;
            watch.attach(transfer, this);
            if (inBodyLeaving) {
                connect(transfer, &SignedTransfer::bodyLeaving, this, [&watch, transfer] {
                    transfer->release();
                    watch.released = true;
                });
            }
            transfer->start(shardUrl(), body, kBodySize, QStringLiteral("upload shard 1"));
            if (!inBodyLeaving) {
                QVERIFY(waitUntil([&] { return body->produced() > 1024 * 1024; }, 30000));
                transfer->release();
                watch.released = true;
            }
            QVERIFY(waitUntil([&] { return destroyedOn.load() != nullptr; }, 10000));
            QVERIFY(destroyedOn.load() != QThread::currentThread());
            QTest::qWait(300);
            QCOMPARE(watch.afterRelease, 0);
            QCOMPARE(watch.leaving, inBodyLeaving ? 1 : 0);
            QCOMPARE(watch.finished, 0);
        }
        const Error error = put(shardUrl(), kBodySize);
        QVERIFY2(!error, qPrintable(error.fullText()));
    }

private:
    static void transports()
    {
        QTest::addColumn<QByteArray>("transport");
        QTest::newRow("curl") << QByteArray("curl");
        QTest::newRow("qt") << QByteArray("qt");
    }
};

QTEST_GUILESS_MAIN(TestSignedPutFaults)
#include "tst_signedput_faults.moc"
