// DownloadOperation under attack with each S2 transport — libcurl on a pool thread (the default)
// and Qt's QNetworkReply (BATCHDECK_SIGNED_GET=qt) — asserting the same outcome from both:
// faults of the sandbox's storage host mid-body (a cut, a 503 with Retry-After, an HTML 502), a
// 429 that holds the NetworkGate, an expired URL refreshed through the UrlProvider, a scripted
// server that ignores Range (200: the .part starts over, a stream skips what it has), answers
// 416, redirects to ftp:// or stalls, a disk that refuses the write (RLIMIT_FSIZE), a suspend
// mid-stream that resumes with Range into the same extraction, and a cancel while the body's
// writer blocks on a full StreamExtractor pipe.
#include "ExportFixture.h"
#include "PatternTar.h"
#include "TestArchives.h"
#include "common/LoopbackListener.h"
#include "common/WaitUntil.h"

#include "api/CurlSignedGet.h"
#include "exports/DownloadOperation.h"
#include "exports/ExportPlanner.h"
#include "exports/StreamExtractor.h"

#include <QJsonDocument>
#include <QTemporaryDir>
#include <QtTest>

#include <arpa/inet.h>
#include <csignal>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>

using namespace bd;
using namespace exporttest;
using testsupport::waitUntil;

namespace {

// Answers the n-th connection with the n-th scripted response (the last one repeats) and closes
// it; a response marked `hold` keeps its connection open, silent, until the server goes.
class ScriptedServer
{
public:
    struct Answer {
        QByteArray bytes;
        bool hold = false;
    };
    explicit ScriptedServer(QVector<Answer> answers) : m_answers(std::move(answers))
    {
        m_listener = testsupport::listenOnLoopback(8, &m_port);
        m_thread = std::thread([this] { serve(); });
    }
    ~ScriptedServer()
    {
        m_stop = true;
        ::shutdown(m_listener, SHUT_RDWR);
        ::close(m_listener);
        m_thread.join();
        for (int fd : m_held)
            ::close(fd);
    }
    QString url(const QString &path = QStringLiteral("/signed/get/file.bin?signature=abc")) const
    {
        return QStringLiteral("http://127.0.0.1:%1%2").arg(m_port).arg(path);
    }
    QList<QByteArray> requests() const
    {
        const std::lock_guard lock(m_mutex);
        return m_requests;
    }

    static QByteArray response(int status, const QByteArray &reason, const QByteArray &body,
                               const QByteArray &extraHeaders = {})
    {
        return "HTTP/1.1 " + QByteArray::number(status) + ' ' + reason + "\r\nContent-Length: "
            + QByteArray::number(body.size()) + "\r\nConnection: close\r\n" + extraHeaders + "\r\n" + body;
    }

private:
    void serve()
    {
        int n = 0;
        while (!m_stop) {
            const int fd = ::accept(m_listener, nullptr, nullptr);
            if (fd < 0)
                return;
            QByteArray head;
            char buf[4096];
            while (!head.contains("\r\n\r\n")) {
                const ssize_t got = ::recv(fd, buf, sizeof buf, 0);
                if (got <= 0)
                    break;
                head.append(buf, got);
            }
            {
                const std::lock_guard lock(m_mutex);
                m_requests << head;
            }
            const Answer &answer = m_answers.at(qMin<int>(n++, int(m_answers.size()) - 1));
            qsizetype sent = 0;
            while (sent < answer.bytes.size()) {
                const ssize_t w = ::send(fd, answer.bytes.constData() + sent, size_t(answer.bytes.size() - sent), MSG_NOSIGNAL);
                if (w <= 0)
                    break;
                sent += w;
            }
            if (answer.hold)
                m_held << fd;
            else
                ::close(fd);
        }
    }

    QVector<Answer> m_answers;
    int m_listener = -1;
    quint16 m_port = 0;
    std::atomic<bool> m_stop{ false };
    QVector<int> m_held;   // the server thread's until join
    mutable std::mutex m_mutex;
    QList<QByteArray> m_requests;
    std::thread m_thread;
};

// A tar of `count` members of `bytes` each, and the header offset of each member.
PatternTar makeTar(int count, qint64 bytes)
{
    return patternTar(count, bytes, 77, QStringLiteral("m/%1.bin"), 2);
}

QMap<QString, QByteArray> filesBelow(const QString &dir)
{
    QMap<QString, QByteArray> out;
    QDirIterator it(dir, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString p = it.next();
        out.insert(QDir(dir).relativeFilePath(p), fileSha256(p));
    }
    return out;
}

}  // namespace

class TstDownloadTransport : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dataDir;
    Env m_env;
    QByteArray m_blob;   // "dl-plain/blob.bin"
    PatternTar m_tar;    // "dl-tar/results.tar"
    std::unique_ptr<api::ApiClient> m_api;

    // A client whose S2 GETs go through `transport` ("curl" or "qt").
    void useTransport(const QByteArray &transport)
    {
        qputenv("BATCHDECK_SIGNED_GET", transport == "qt" ? QByteArray("qt") : QByteArray());
        api::ApiConfig config = m_env.api->config();
        config.timeoutSeconds = 30;
        m_api = std::make_unique<api::ApiClient>(config);
        QCOMPARE(m_api->signedGetPool() != nullptr, transport == "curl");
    }

    ExportFileInfo fileOf(const QString &batch)
    {
        std::unique_ptr<api::ListBatchFilesCall> call(m_env.api->listBatchFiles(batch));
        if (!call->exec() || call->result().isEmpty())
            return {};
        return exportFileInfoFrom(call->result().first());
    }

    // A file served by a ScriptedServer.
    static ExportFileInfo served(const ScriptedServer &server, const QString &name)
    {
        ExportFileInfo file;
        file.fileName = name;
        file.downloadUrl = server.url(QStringLiteral("/signed/get/%1?signature=abc").arg(name));
        return file;
    }

    void fault(const char *json) { m_env.sandbox->setFaultPlan(QJsonDocument::fromJson(json).object()); }

    static void transports()
    {
        QTest::addColumn<QByteArray>("transport");
        QTest::newRow("curl") << QByteArray("curl");
        QTest::newRow("qt") << QByteArray("qt");
    }

    std::unique_ptr<DownloadOperation> download(const ExportFileInfo &file, const QString &dest)
    {
        auto op = std::make_unique<DownloadOperation>(m_api.get(), file, dest);
        op->setBackoffBaseMs(20);
        op->setMaxAttempts(6);
        return op;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dataDir.isValid());
        QString error;
        QVERIFY2(m_env.start(m_dataDir.path(), &error), qPrintable(error));
        m_blob = patternBytes(6 << 20, 4242);
        m_tar = makeTar(24, 384 * 1024);
        QCOMPARE(m_tar.headerOffsets.size(), 24);
        QVERIFY(m_env.seedFile(QStringLiteral("dl-plain"), QStringLiteral("blob.bin"), m_blob));
        QVERIFY(m_env.seedFile(QStringLiteral("dl-tar"), QStringLiteral("results.tar"), m_tar.bytes));
    }

    void cleanup()
    {
        m_env.sandbox->setFaultPlan({});
        m_api.reset();
        qunsetenv("BATCHDECK_SIGNED_GET");
    }

    void cleanupTestCase()
    {
        m_api.reset();
        m_env.stop();
    }

    // A cut mid-body continues with Range; a 503 with Retry-After and an HTML 502 are retried;
    // the file is whole and nothing else is left.
    void faultsMidBodyEndInTheWholeFile_data() { transports(); }
    void faultsMidBodyEndInTheWholeFile()
    {
        QFETCH(QByteArray, transport);
        useTransport(transport);
        fault(R"({"rules": [
            {"route": "S2", "action": "cut", "times": 1},
            {"route": "S2", "status": 503, "retryAfter": 0, "times": 1},
            {"route": "S2", "action": "html", "status": 502, "times": 1}
        ]})");
        QTemporaryDir target;
        const QString dest = target.path() + QStringLiteral("/blob.bin");
        auto op = download(fileOf(QStringLiteral("dl-plain")), dest);
        op->start();
        QVERIFY(waitFinished(op.get()));
        QVERIFY2(!op->error(), qPrintable(op->error().fullText()));
        QCOMPARE(op->requestsSent(), 4);
        QCOMPARE(op->failedAttempts(), 3);
        QVERIFY(op->rangeRequests() >= 1);   // after the cut: the bytes on disk were kept
        QCOMPARE(fileSha256(dest), sha256(m_blob));
        QCOMPARE(QDir(target.path()).entryList(QDir::Files | QDir::Hidden).size(), 1);
    }

    // The last attempt's HTML 502 is the file's error, reduced to the page's title.
    void htmlErrorPageIsTheMessage_data() { transports(); }
    void htmlErrorPageIsTheMessage()
    {
        QFETCH(QByteArray, transport);
        useTransport(transport);
        fault(R"({"rules": [{"route": "S2", "action": "html", "status": 502}]})");
        QTemporaryDir target;
        auto op = download(fileOf(QStringLiteral("dl-plain")), target.path() + QStringLiteral("/blob.bin"));
        op->setMaxAttempts(2);
        op->start();
        QVERIFY(waitFinished(op.get()));
        QCOMPARE(op->error().kind, ErrorKind::Server);
        QCOMPARE(op->error().httpStatus, 502);
        QVERIFY2(op->error().detail.startsWith(QLatin1String("502 Bad Gateway")), qPrintable(op->error().detail));
        QVERIFY2(!op->error().detail.contains(QLatin1Char('<')), qPrintable(op->error().detail));
        QVERIFY2(op->error().message.contains(QLatin1String("gave up after 2 attempts")), qPrintable(op->error().message));
        QVERIFY(!op->error().fullText().contains(QLatin1String("signature=")));
    }

    // 403 (expired) asks the UrlProvider for a fresh URL; without one it is the file's error.
    void expiredUrlIsRefreshed_data() { transports(); }
    void expiredUrlIsRefreshed()
    {
        QFETCH(QByteArray, transport);
        useTransport(transport);
        const ExportFileInfo file = fileOf(QStringLiteral("dl-plain"));
        fault(R"({"rules": [{"route": "S2", "action": "expire-url", "times": 1}]})");
        QTemporaryDir target;
        const QString dest = target.path() + QStringLiteral("/blob.bin");
        auto op = download(file, dest);
        int asked = 0;
        op->setUrlProvider([&asked, file](const ExportFileInfo &, QObject *, DownloadOperation::UrlCallback done) {
            ++asked;
            done(file.downloadUrl, {});
        });
        op->start();
        QVERIFY(waitFinished(op.get()));
        QVERIFY2(!op->error(), qPrintable(op->error().fullText()));
        QCOMPARE(asked, 1);
        QCOMPARE(op->urlRefreshes(), 1);
        QCOMPARE(fileSha256(dest), sha256(m_blob));

        fault(R"({"rules": [{"route": "S2", "action": "expire-url", "times": 1}]})");
        auto bare = download(file, target.path() + QStringLiteral("/again.bin"));
        bare->start();
        QVERIFY(waitFinished(bare.get()));
        QCOMPARE(bare->error().kind, ErrorKind::Forbidden);
        QVERIFY2(bare->error().message.contains(QLatin1String("signed URL expired or rejected (HTTP 403)")),
                 qPrintable(bare->error().fullText()));
        QVERIFY2(bare->error().detail.contains(QLatin1String("ExpiredToken")), qPrintable(bare->error().fullText()));
    }

    // 429 + Retry-After: the connection's gate is held for the server's wait, then the GET goes on.
    void rateLimitHoldsTheGate_data() { transports(); }
    void rateLimitHoldsTheGate()
    {
        QFETCH(QByteArray, transport);
        useTransport(transport);
        fault(R"({"rules": [{"route": "S2", "status": 429, "retryAfter": 1, "times": 1}]})");
        QTemporaryDir target;
        auto op = download(fileOf(QStringLiteral("dl-plain")), target.path() + QStringLiteral("/blob.bin"));
        int waited = -1;
        qint64 held = 0;
        connect(op.get(), &DownloadOperation::rateLimited, this, [&](int ms) {
            waited = ms;
            held = m_api->networkGate()->holdRemainingMs();
        });
        op->start();
        QVERIFY(waitFinished(op.get()));
        QVERIFY2(!op->error(), qPrintable(op->error().fullText()));
        QCOMPARE(waited, 1000);
        QVERIFY2(held > 0 && held <= 1000, qPrintable(QString::number(held)));
        QCOMPARE(op->requestsSent(), 2);
    }

    // A server that ignores Range: a .part of other bytes starts over (its bytes are not trusted);
    // a 416 to a Range request starts over too.
    void rangeIgnoredOr416StartsThePartOver_data() { transports(); }
    void rangeIgnoredOr416StartsThePartOver()
    {
        QFETCH(QByteArray, transport);
        useTransport(transport);
        const QByteArray body = patternBytes(3 << 20, 9);
        for (const bool answer416 : { false, true }) {
            QVector<ScriptedServer::Answer> answers;
            if (answer416)
                answers << ScriptedServer::Answer{ ScriptedServer::response(416, "Range Not Satisfiable", {}), false };
            answers << ScriptedServer::Answer{ ScriptedServer::response(200, "OK", body), false };
            ScriptedServer server(answers);
            QTemporaryDir target;
            const QString dest = target.path() + QStringLiteral("/file.bin");
            QFile part(dest + QStringLiteral(".part"));
            QVERIFY(part.open(QIODevice::WriteOnly));
            part.write(QByteArray(5000, 'x'));
            part.close();
            const ExportFileInfo file = served(server, QStringLiteral("file.bin"));
            auto op = download(file, dest);
            op->start();
            QVERIFY(waitFinished(op.get()));
            QVERIFY2(!op->error(), qPrintable(op->error().fullText()));
            QCOMPARE(fileSha256(dest), sha256(body));
            QVERIFY(!QFileInfo::exists(part.fileName()));
            const QList<QByteArray> seen = server.requests();
            QCOMPARE(seen.size(), answer416 ? 2 : 1);
            QVERIFY2(seen.first().contains("Range: bytes=5000-"), seen.first().constData());
            if (answer416)
                QVERIFY2(!seen.last().contains("Range:"), seen.last().constData());
        }
    }

    // Streamed from a member's header on: a server that answers the Range request with the whole
    // archive (200) has its first bytes skipped, so exactly the members from there are written.
    void streamSkipsWhatAWholeAnswerRepeats_data() { transports(); }
    void streamSkipsWhatAWholeAnswerRepeats()
    {
        QFETCH(QByteArray, transport);
        useTransport(transport);
        ScriptedServer server({ { ScriptedServer::response(200, "OK", m_tar.bytes), false } });
        QTemporaryDir target;
        const qint64 from = m_tar.headerOffsets.at(10);
        const ExportFileInfo file = served(server, QStringLiteral("results.tar"));
        StreamExtractor extractor(target.path() + QStringLiteral("/results.tar"), target.path(), ExtractOptions(), from);
        auto op = download(file, target.path() + QStringLiteral("/results.tar"));
        op->streamTo(&extractor, from);
        extractor.start();
        op->start();
        QVERIFY(waitFinished(op.get()));
        QVERIFY2(!op->error(), qPrintable(op->error().fullText()));
        extractor.endInput();
        QVERIFY(waitFinished(&extractor));
        QVERIFY2(!extractor.error(), qPrintable(extractor.error().fullText()));
        QMap<QString, QByteArray> expected;
        for (auto it = m_tar.members.cbegin(); it != m_tar.members.cend(); ++it)
            if (it.key() >= QLatin1String("m/10.bin"))
                expected.insert(it.key(), it.value());
        QCOMPARE(filesBelow(target.path()), expected);
        QVERIFY2(server.requests().first().contains("Range: bytes=" + QByteArray::number(from) + '-'),
                 server.requests().first().constData());
    }

    // A redirect to another scheme is refused as unsafe at once (not retried); the file is not
    // written.
    void redirectToAnotherSchemeIsRefused_data() { transports(); }
    void redirectToAnotherSchemeIsRefused()
    {
        QFETCH(QByteArray, transport);
        useTransport(transport);
        ScriptedServer server({ { ScriptedServer::response(302, "Found", {}, "Location: ftp://127.0.0.1/etc/passwd\r\n"), false } });
        QTemporaryDir target;
        const ExportFileInfo file = served(server, QStringLiteral("file.bin"));
        const QString dest = target.path() + QStringLiteral("/file.bin");
        auto op = download(file, dest);
        op->start();
        QVERIFY(waitFinished(op.get()));
        QCOMPARE(op->error().kind, ErrorKind::Unsafe);
        QVERIFY2(op->error().message.contains(QLatin1String("redirected")), qPrintable(op->error().fullText()));
        QCOMPARE(op->requestsSent(), 1);
        QCOMPARE(server.requests().size(), 1);
        QVERIFY(!QFileInfo::exists(dest));
    }

    // Headers and a few bytes, then silence: the attempt fails as Timeout after the request
    // timeout (1 s here), and the bytes already on disk are kept.
    void stalledTransferTimesOut_data() { transports(); }
    void stalledTransferTimesOut()
    {
        QFETCH(QByteArray, transport);
        useTransport(transport);
        api::ApiConfig config = m_api->config();
        config.timeoutSeconds = 1;
        m_api->setConfig(config);
        ScriptedServer server({ { "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + QByteArray(1000, 'a'), true } });
        QTemporaryDir target;
        const ExportFileInfo file = served(server, QStringLiteral("file.bin"));
        const QString dest = target.path() + QStringLiteral("/file.bin");
        auto op = download(file, dest);
        op->setMaxAttempts(1);
        op->start();
        QVERIFY(waitFinished(op.get()));
        QCOMPARE(op->error().kind, ErrorKind::Timeout);
        // The limit the user set, whichever transport ran out of it.
        QVERIFY2(op->error().message.contains(QLatin1String("no answer within 1 s")), qPrintable(op->error().fullText()));
        QCOMPARE(QFileInfo(dest + QStringLiteral(".part")).size(), 1000);
    }

    // A write the disk refuses (EFBIG from RLIMIT_FSIZE) fails the file as DiskFull, keeps the
    // .part's bytes and is not retried.
    void diskFullStopsTheFileAndKeepsThePart_data() { transports(); }
    void diskFullStopsTheFileAndKeepsThePart()
    {
        QFETCH(QByteArray, transport);
        useTransport(transport);
        const ExportFileInfo file = fileOf(QStringLiteral("dl-plain"));
        QTemporaryDir target;
        const QString dest = target.path() + QStringLiteral("/blob.bin");
        auto op = download(file, dest);
        ::signal(SIGXFSZ, SIG_IGN);
        rlimit before{};
        ::getrlimit(RLIMIT_FSIZE, &before);
        rlimit capped = before;
        capped.rlim_cur = 1 << 20;
        QCOMPARE(::setrlimit(RLIMIT_FSIZE, &capped), 0);
        op->start();
        const bool finished = waitFinished(op.get());
        ::setrlimit(RLIMIT_FSIZE, &before);
        QVERIFY(finished);
        QCOMPARE(op->error().kind, ErrorKind::DiskFull);
        QCOMPARE(op->requestsSent(), 1);
        QCOMPARE(QFileInfo(dest + QStringLiteral(".part")).size(), qint64(1 << 20));
        QVERIFY(!QFileInfo::exists(dest));
    }

    // Suspended mid-stream and resumed: the same extraction reads on from the next byte (a Range
    // request), so every member is written exactly once and whole. The extraction starts only
    // after the resume, so the suspend lands while the body's writer waits on the full pipe.
    void suspendMidStreamResumesWithRange_data() { transports(); }
    void suspendMidStreamResumesWithRange()
    {
        QFETCH(QByteArray, transport);
        useTransport(transport);
        QTemporaryDir target;
        const ExportFileInfo file = fileOf(QStringLiteral("dl-tar"));
        StreamExtractor extractor(target.path() + QStringLiteral("/results.tar"), target.path(), ExtractOptions(), 0);
        auto op = download(file, target.path() + QStringLiteral("/results.tar"));
        op->streamTo(&extractor, 0);
        op->start();
        const auto writer = extractor.writer();
        QVERIFY(waitUntil([&] { return writer->taken() >= StreamExtractor::kCapacity; }));
        QVERIFY(op->suspend());
        const qint64 taken = writer->taken();
        QVERIFY2(taken < m_tar.bytes.size(), "the archive was whole before the suspend");
        QTest::qWait(50);
        QCOMPARE(writer->taken(), taken);   // nothing of the dropped GET arrives after the suspend
        QVERIFY(op->resume());
        extractor.start();
        QVERIFY(waitFinished(op.get()));
        QVERIFY2(!op->error(), qPrintable(op->error().fullText()));
        QCOMPARE(op->rangeRequests(), 1);
        extractor.endInput();
        QVERIFY(waitFinished(&extractor));
        QVERIFY2(!extractor.error(), qPrintable(extractor.error().fullText()));
        QCOMPARE(filesBelow(target.path()), m_tar.members);
        QCOMPARE(writer->taken(), qint64(m_tar.bytes.size()));
    }

    // The extraction does not read (not started): the pipe fills and the body's writer blocks.
    // A cancel then stops the GET — libcurl's worker wakes and ends, nothing more enters the pipe
    // — and the client goes away without waiting on it.
    void cancelWhileTheWriterBlocksOnAFullPipe_data() { transports(); }
    void cancelWhileTheWriterBlocksOnAFullPipe()
    {
        QFETCH(QByteArray, transport);
        useTransport(transport);
        QTemporaryDir target;
        ScriptedServer server({ { ScriptedServer::response(200, "OK", patternBytes(16 << 20, 5)), false } });
        const ExportFileInfo file = served(server, QStringLiteral("results.tar"));
        StreamExtractor extractor(target.path() + QStringLiteral("/results.tar"), target.path(), ExtractOptions(), 0);
        auto op = download(file, target.path() + QStringLiteral("/results.tar"));
        op->streamTo(&extractor, 0);
        op->start();
        const auto writer = extractor.writer();
        QVERIFY(waitUntil([&] { return writer->taken() >= StreamExtractor::kCapacity; }));
        QTest::qWait(100);   // the writer is now waiting for room (or Qt's buffer is full)
        QVERIFY(writer->taken() < 4 * StreamExtractor::kCapacity);   // bounded
        op->cancel();
        QVERIFY(op->isFinished());
        const qint64 taken = writer->taken();
        if (api::CurlGetPool *pool = m_api->signedGetPool())
            QVERIFY(waitUntil([pool] { return pool->active() == 0; }, 10000));
        extractor.start();   // reads the pipe (not a tar: it fails and stops reading, dropping the rest)
        QVERIFY(waitFinished(&extractor));
        QCOMPARE(writer->taken(), taken);
        m_api.reset();   // the client's pool has nothing left to wait for
    }
};

QTEST_GUILESS_MAIN(TstDownloadTransport)
#include "tst_downloadtransport.moc"
