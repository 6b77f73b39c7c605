// ApiClient::putSigned, the one S1 PUT (docs/protocol.md §5.1): the extension headers verbatim,
// an exact Content-Length, no Content-Type (a GCS V4 signature covers exactly the signed headers),
// no API key, and a sequential body (a tar made on the fly) streamed as the socket drains rather
// than read whole into memory first.
#include "TestServer.h"
#include "api/ApiClient.h"

#include <QEventLoop>
#include <QNetworkReply>
#include <QTest>
#include <QTimer>

using namespace bd::api;
using namespace bdtest;

namespace {

// A sequential body of `size` bytes made up as it is read (like ShardTarDevice); records how far
// ahead of the bytes on the wire the reader ever got.
class GeneratedBody : public QIODevice
{
public:
    explicit GeneratedBody(qint64 size) : m_size(size) {}
    bool isSequential() const override { return true; }
    qint64 bytesAvailable() const override { return (m_size - m_produced) + QIODevice::bytesAvailable(); }
    bool atEnd() const override { return m_produced >= m_size && QIODevice::bytesAvailable() == 0; }
    qint64 produced() const { return m_produced; }
    qint64 maxAheadOfSent = 0;
    qint64 sent = 0;

protected:
    qint64 readData(char *data, qint64 maxSize) override
    {
        const qint64 n = qMin(maxSize, m_size - m_produced);
        for (qint64 i = 0; i < n; ++i)
            data[i] = char('a' + (m_produced + i) % 26);
        m_produced += n;
        maxAheadOfSent = qMax(maxAheadOfSent, m_produced - sent);
        return n;
    }
    qint64 writeData(const char *, qint64) override { return -1; }

private:
    qint64 m_size;
    qint64 m_produced = 0;
};

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
};

QTEST_GUILESS_MAIN(TestSignedPut)
#include "tst_signedput.moc"
