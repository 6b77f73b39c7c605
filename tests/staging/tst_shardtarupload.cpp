// ShardTarDevice as an HTTP body: QNetworkAccessManager PUTs it with Content-Length = size()
// to a loopback server, which must receive exactly the bytes exactSize() promised.
#include "staging/ShardTarDevice.h"
#include "staging/StagingTestFiles.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace bd::staging;
using namespace stagingtest;

namespace {

// One-request HTTP/1.1 server: collects the body announced by Content-Length, then answers 200.
class BodySink : public QObject
{
    Q_OBJECT
public:
    QTcpServer server;
    QByteArray head;
    QByteArray body;
    qint64 announced = -1;
    bool complete = false;

    BodySink()
    {
        connect(&server, &QTcpServer::newConnection, this, [this] {
            QTcpSocket *s = server.nextPendingConnection();
            connect(s, &QTcpSocket::readyRead, this, [this, s] { onData(s); });
        });
        server.listen(QHostAddress::LocalHost);
    }

private:
    void onData(QTcpSocket *s)
    {
        QByteArray chunk = s->readAll();
        if (announced < 0) {
            head += chunk;
            const int end = head.indexOf("\r\n\r\n");
            if (end < 0)
                return;
            chunk = head.mid(end + 4);
            head.truncate(end);
            for (const QByteArray &line : head.split('\n')) {
                if (line.toLower().startsWith("content-length:"))
                    announced = line.mid(15).trimmed().toLongLong();
            }
        }
        body += chunk;
        if (announced >= 0 && body.size() >= announced && !complete) {
            complete = true;
            s->write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            s->flush();
        }
    }
};

}  // namespace

class TstShardTarUpload : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void putStreamsExactlyTheAnnouncedBytes()
    {
        QTemporaryDir dir;
        QVector<ShardMember> members;
        for (int i = 0; i < 6; ++i) {
            const QString path = writeFile(dir.path(), QStringLiteral("f%1.jpg").arg(i), jpegBytes(300000 * i + 513));
            members.push_back({ path, QStringLiteral("f%1.jpg").arg(i), QFileInfo(path).size(), 1700000000 + i });
        }
        BodySink sink;
        QVERIFY(sink.server.isListening());

        ShardTarDevice device(members, { QStringLiteral("ing"), QStringLiteral("https://hook.example") });
        QVERIFY(device.open(QIODevice::ReadOnly));
        QNetworkRequest request(QUrl(QStringLiteral("http://127.0.0.1:%1/upload").arg(sink.server.serverPort())));
        request.setHeader(QNetworkRequest::ContentLengthHeader, device.size());
        QNetworkAccessManager nam;
        QNetworkReply *reply = nam.put(request, &device);
        QSignalSpy finished(reply, &QNetworkReply::finished);
        QVERIFY(finished.wait(30000));
        QCOMPARE(reply->error(), QNetworkReply::NoError);
        QCOMPARE(sink.announced, device.size());
        QCOMPARE(qint64(sink.body.size()), device.size());
        QVERIFY(device.peakBufferBytes() <= ShardTarDevice::kBufferCap);

        // The same members stream to the same bytes again.
        ShardTarDevice again(members, { QStringLiteral("ing"), QStringLiteral("https://hook.example") });
        QVERIFY(again.open(QIODevice::ReadOnly));
        QCOMPARE(again.readAll(), sink.body);
        reply->deleteLater();
    }
};

QTEST_GUILESS_MAIN(TstShardTarUpload)
#include "tst_shardtarupload.moc"
