// The sandbox's API host under hostile requests (issue 14: "reads whole request bodies (and
// decompresses them) before checking the key"; "the sandbox's state … is created world-readable")
// and its routing fixes of issue 13 (POST /, unknown paths, encoded slashes, Bearer). Raw sockets
// are used where a polite client would hide the attack: a declared 256 MiB body the server must
// refuse without reading it.
#include "SandboxHttp.h"

#include <QDir>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace bd::sandbox;
using namespace bd::sandbox::testing;

namespace {

struct RawOutcome {
    qint64 bytesSent = 0;   // body bytes the kernel accepted before the server stopped taking them
    QByteArray answer;      // what came back (may be empty when the close raced the answer)
};

// Sends `head`, then up to `bodyBytes` of body in 1 MiB writes, stopping as soon as the server
// closes or stops reading for 2 s; then reads whatever answer arrived.
RawOutcome sendRaw(quint16 port, const QByteArray &head, qint64 bodyBytes, bool chunked = false)
{
    RawOutcome out;
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return out;
    }
    timeval timeout{ 2, 0 };
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::send(fd, head.constData(), size_t(head.size()), MSG_NOSIGNAL);
    QByteArray chunk(1024 * 1024, 'A');
    if (chunked)
        chunk = QByteArray::number(chunk.size(), 16) + "\r\n" + chunk + "\r\n";
    while (out.bytesSent < bodyBytes) {
        const ssize_t n = ::send(fd, chunk.constData(), size_t(chunk.size()), MSG_NOSIGNAL);
        if (n <= 0)
            break;
        out.bytesSent += n;
    }
    char buffer[4096];
    ssize_t n = 0;
    while ((n = ::recv(fd, buffer, sizeof buffer, 0)) > 0)
        out.answer.append(buffer, int(n));
    ::close(fd);
    qInfo("body bytes the server's socket took before refusing: %lld of %lld", out.bytesSent, bodyBytes);
    return out;
}

QByteArray postHead(const QByteArray &target, const QByteArray &extraHeaders)
{
    return "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" + extraHeaders + "\r\n";
}

constexpr qint64 kHugeBody = 256LL * 1024 * 1024;
// The kernel's socket buffers on loopback take a few MiB the server never reads.
constexpr qint64 kUnreadBound = 32LL * 1024 * 1024;

int modeOf(const QString &path)
{
    struct stat st{};
    return ::stat(QFile::encodeName(path).constData(), &st) == 0 ? int(st.st_mode & 0777) : -1;
}

}  // namespace

class TestSandboxGate : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        m_sandbox = std::make_unique<Sandbox>();
        QString error;
        QVERIFY2(m_sandbox->start(&error), qPrintable(error));
        m_port = quint16(m_sandbox->apiUrl().port());
    }
    void cleanupTestCase() { m_sandbox.reset(); }

    void hugeKeylessBodyIsRefusedUnread()
    {
        const QByteArray target = "/data-staging/v1/external/sandbox-ws/batches/b1/upload/image?fileName=a.jpg";
        const RawOutcome out = sendRaw(m_port, postHead(target, "Content-Length: " + QByteArray::number(kHugeBody) + "\r\n"), kHugeBody);
        QVERIFY2(out.bytesSent < kUnreadBound, qPrintable(QStringLiteral("the server took %1 bytes").arg(out.bytesSent)));
        if (!out.answer.isEmpty())
            QVERIFY2(out.answer.startsWith("HTTP/1.1 401"), out.answer.left(200).constData());
    }

    void hugeChunkedKeylessBodyIsRefusedUnread()
    {
        const QByteArray target = "/batch-processing/v1/external/sandbox-ws/jobs/j1";
        const RawOutcome out = sendRaw(m_port, postHead(target, "Transfer-Encoding: chunked\r\n"), kHugeBody, true);
        QVERIFY2(out.bytesSent < kUnreadBound, qPrintable(QStringLiteral("the server took %1 bytes").arg(out.bytesSent)));
    }

    void wrongBearerKeyWithAHugeBodyIsRefusedUnread()
    {
        const QByteArray target = "/batch-processing/v1/external/sandbox-ws/asset-library/jobs";
        const RawOutcome out = sendRaw(m_port, postHead(target, "Authorization: Bearer sandbox-kez\r\nContent-Length: "
                                                                    + QByteArray::number(kHugeBody) + "\r\n"), kHugeBody);
        QVERIFY2(out.bytesSent < kUnreadBound, qPrintable(QStringLiteral("the server took %1 bytes").arg(out.bytesSent)));
    }

    void compressedBodiesAreRefusedEvenWithTheKey()
    {
        const QByteArray target = "/batch-processing/v1/external/sandbox-ws/jobs/j1";
        const RawOutcome out = sendRaw(m_port, postHead(target, "Authorization: Bearer sandbox-key\r\nContent-Encoding: gzip\r\n"
                                                                "Content-Length: " + QByteArray::number(kHugeBody) + "\r\n"),
                                       kHugeBody);
        QVERIFY2(out.bytesSent < kUnreadBound, qPrintable(QStringLiteral("the server took %1 bytes").arg(out.bytesSent)));
        if (!out.answer.isEmpty())
            QVERIFY2(out.answer.startsWith("HTTP/1.1 415"), out.answer.left(200).constData());
    }

    void bodyOverTheRouteLimitIsRefusedUnreadWithTheKey()
    {
        const QByteArray target = "/batch-processing/v1/external/sandbox-ws/jobs/j1";   // B3: 1 MiB
        const RawOutcome out = sendRaw(m_port, postHead(target, "Authorization: Bearer sandbox-key\r\nContent-Length: "
                                                                    + QByteArray::number(kHugeBody) + "\r\n"), kHugeBody);
        QVERIFY2(out.bytesSent < kUnreadBound, qPrintable(QStringLiteral("the server took %1 bytes").arg(out.bytesSent)));
        if (!out.answer.isEmpty())
            QVERIFY2(out.answer.startsWith("HTTP/1.1 413"), out.answer.left(200).constData());
    }

    // A small refused body is still read, so a client with a typo in its key gets a clean 401.
    void smallRefusedRequestGetsACleanAnswer()
    {
        auto client = clientFor(m_sandbox->apiUrl());
        const auto keyless = client.Post("/batch-processing/v1/external/sandbox-ws/jobs/j1", "{}", "application/json");
        QVERIFY(keyless);
        QCOMPARE(keyless->status, 401);
        const auto wrong = client.Get("/batch-processing/v1/external/sandbox-ws/jobs", { { "Authorization", "Bearer nope" } });
        QVERIFY(wrong);
        QCOMPARE(wrong->status, 401);
        QCOMPARE(jsonOf(wrong).value(QStringLiteral("error")).toString(), QStringLiteral("Unauthorized: the API key is not valid"));
    }

    void bearerWorksOnClassicRoutesAndAssetRoutesRefuseAQueryKey()
    {
        auto client = clientFor(m_sandbox->apiUrl());
        const auto bearer = client.Get("/batch-processing/v1/external/sandbox-ws/jobs", { { "Authorization", "Bearer sandbox-key" } });
        QVERIFY(bearer);
        QCOMPARE(bearer->status, 200);
        const auto query = client.Get("/batch-processing/v1/external/sandbox-ws/jobs?api_key=sandbox-key");
        QVERIFY(query);
        QCOMPARE(query->status, 200);
        const auto assetByQuery = client.Get("/batch-processing/v1/external/sandbox-ws/asset-library/count?api_key=sandbox-key");
        QVERIFY(assetByQuery);
        QCOMPARE(assetByQuery->status, 401);
        QVERIFY(jsonOf(assetByQuery).value(QStringLiteral("error")).toString().contains(QStringLiteral("never in the URL")));
        const auto assetByBearer = client.Get("/batch-processing/v1/external/sandbox-ws/asset-library/count?query=tag%3Acars",
                                              { { "Authorization", "Bearer sandbox-key" } });
        QVERIFY(assetByBearer);
        QCOMPARE(assetByBearer->status, 200);
        QCOMPARE(jsonOf(assetByBearer).value(QStringLiteral("count")).toInt(), 13);   // every third of 40
    }

    void postRootAnswersLikeGetRoot()
    {
        auto client = clientFor(m_sandbox->apiUrl());
        const auto get = client.Get("/?api_key=sandbox-key");
        const auto post = client.Post("/?api_key=sandbox-key", "", "application/json");
        QVERIFY(get && post);
        QCOMPARE(post->status, 200);
        QCOMPARE(post->body, get->body);
        QCOMPARE(jsonOf(post).value(QStringLiteral("workspace")).toString(), kWs);
    }

    void unknownPathsUnderTheServiceAre404NotTheWorkspace()
    {
        auto client = clientFor(m_sandbox->apiUrl());
        for (const char *path : { "/batch-processing/v1/external/sandbox-ws/nothing-here?api_key=sandbox-key",
                                  "/data-staging/v1/external?api_key=sandbox-key",
                                  "/batch-processing/v2/whatever?api_key=sandbox-key" }) {
            const auto reply = client.Get(path);
            QVERIFY(reply);
            QVERIFY2(reply->status == 404, path);
            QVERIFY2(!jsonOf(reply).contains(QStringLiteral("workspace")), path);
        }
    }

    void encodedSlashesBelongToTheId()
    {
        auto client = clientFor(m_sandbox->apiUrl());
        const auto job = client.Get("/batch-processing/v1/external/sandbox-ws/jobs/bad%2Fid?api_key=sandbox-key");
        QVERIFY(job);
        QCOMPARE(job->status, 404);
        QCOMPARE(jsonOf(job).value(QStringLiteral("error")).toString(),
                 QStringLiteral("Job \"bad/id\" not found in workspace \"sandbox-ws\""));
        const auto stages = client.Get("/batch-processing/v1/external/sandbox-ws/jobs/bad%2Fid/stages?api_key=sandbox-key");
        QVERIFY(stages);
        QVERIFY(QString::fromStdString(stages->body).contains(QStringLiteral("bad/id")));
        const auto batch = client.Get("/data-staging/v1/external/sandbox-ws/batches/a%2Fb/count?api_key=sandbox-key");
        QVERIFY(batch);
        QVERIFY2(QString::fromStdString(batch->body).contains(QStringLiteral("a/b")), batch->body.c_str());
    }

    void stateIsPrivate()
    {
        QTemporaryDir dir;
        const QString root = dir.filePath(QStringLiteral("sandbox-state"));
        {
            SandboxOptions options;
            options.dataDir = root;
            options.demo = true;   // writes batches, blobs, jobs and the signing secret
            Sandbox sandbox(options);
            QString error;
            QVERIFY2(sandbox.start(&error), qPrintable(error));
            auto client = clientFor(sandbox.apiUrl());
            QVERIFY(client.Get("/batch-processing/v1/external/sandbox-ws/jobs?api_key=sandbox-key"));
            sandbox.stop();
        }
        QCOMPARE(modeOf(root), 0700);
        QCOMPARE(modeOf(root + QStringLiteral("/state.json")), 0600);
        QCOMPARE(modeOf(root + QStringLiteral("/state.log")), 0600);
        for (const QString &sub : QDir(root).entryList(QDir::Dirs | QDir::NoDotAndDotDot))
            QVERIFY2(modeOf(root + QLatin1Char('/') + sub) == 0700, qPrintable(sub));
        QVERIFY(QFileInfo::exists(root + QStringLiteral("/incoming")));
    }

private:
    std::unique_ptr<Sandbox> m_sandbox;
    quint16 m_port = 0;
};

QTEST_GUILESS_MAIN(TestSandboxGate)
#include "tst_sandbox_gate.moc"
