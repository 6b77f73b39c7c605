// ReferencesIngestOperation against the in-process sandbox over loopback: a tiny local HTTP server
// serves real JPEGs (and a references JSONL), the sandbox fetches them. Covers the §7.1 reader and
// validation, per-chunk ingest ids (several D10 requests), a re-sent chunk recognised as a
// duplicate, a URL the service cannot fetch reported per file, references by URL and RoboQL (D12).
#include "cloud/CloudEmulators.h"
#include "staging/ReferencesIngestOperation.h"

#include <QtTest>

#include <httplib.h>

#include <thread>

using namespace cloudtest;
using bd::staging::ReferenceEntry;
using bd::staging::ReferenceProblem;
using bd::staging::ReferencesIngestOperation;
using bd::staging::ReferencesIngestOptions;

namespace {

// Serves /img/<name> (a JPEG made from the name; 404 for names starting with "missing") and
// /refs.jsonl (whatever `jsonl` holds).
struct ImageServer {
    httplib::Server server;
    std::thread thread;
    int port = 0;
    std::string jsonl;
    void start()
    {
        server.Get(R"(/img/(.+))", [](const httplib::Request &req, httplib::Response &res) {
            const std::string name = req.matches[1];
            if (name.rfind("missing", 0) == 0) {
                res.status = 404;
                return;
            }
            const QByteArray bytes = validJpeg(QByteArray::fromStdString(name));
            res.set_content(bytes.constData(), size_t(bytes.size()), "image/jpeg");
        });
        server.Get("/refs.jsonl", [this](const httplib::Request &, httplib::Response &res) {
            res.set_content(jsonl, "application/jsonl");
        });
        port = server.bind_to_any_port("127.0.0.1");
        thread = std::thread([this] { server.listen_after_bind(); });
        while (!server.is_running())
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ~ImageServer()
    {
        server.stop();
        if (thread.joinable())
            thread.join();
    }
    QString url(const QString &name) const
    {
        // A query like a signed URL's, to prove it reaches the server intact.
        return QStringLiteral("http://127.0.0.1:%1/img/%2?X-Sig=ab%2Bcd%2F%3D&e=1").arg(port).arg(name);
    }
};

QString writeFile(const QString &path, const QByteArray &text)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        qFatal("cannot write %s", qPrintable(path));
    f.write(text);
    return path;
}

}  // namespace

class TestReferencesIngest : public QObject
{
    Q_OBJECT
private:
    SandboxApi m_env;
    ImageServer m_images;
    QTemporaryDir m_tmp;

    QVector<ReferenceEntry> entries(const QString &prefix, int n)
    {
        QVector<ReferenceEntry> out;
        for (int i = 0; i < n; ++i) {
            const QString name = QStringLiteral("%1_%2.jpg").arg(prefix).arg(i);
            out.append({ name, m_images.url(name), 0 });
        }
        return out;
    }

    ReferencesIngestOptions options(const QString &batchId) const
    {
        ReferencesIngestOptions o;
        o.batchId = batchId;
        o.pollInitialMs = 100;
        o.pollMaxMs = 300;
        o.indexTimeoutMs = 60000;
        o.stallTimeoutMs = 20000;
        return o;
    }

    static QStringList sortedNames(const QVector<ReferenceEntry> &refs)
    {
        QStringList names;
        for (const auto &r : refs)
            names << r.name;
        names.sort();
        return names;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        m_images.start();
        QString error;
        QVERIFY2(m_env.start(&error), qPrintable(error));
    }

    void readsJsonl()
    {
        const QString path = writeFile(m_tmp.filePath(QStringLiteral("ok.jsonl")),
                                       "{\"name\":\"a.jpg\",\"url\":\"https://x.test/a.jpg?sig=1\"}\n\n"
                                       "  {\"url\":\"https://x.test/b.jpg\",\"name\":\"b.jpg\",\"extra\":1}\r\n");
        bd::Error error;
        const auto refs = ReferencesIngestOperation::readReferencesFile(path, &error);
        QVERIFY2(!error, qPrintable(error.message));
        QCOMPARE(refs.size(), 2);
        QCOMPARE(refs.at(1).name, QStringLiteral("b.jpg"));
        QCOMPARE(refs.at(1).line, 3);
        QCOMPARE(refs.at(0).url, QStringLiteral("https://x.test/a.jpg?sig=1"));
    }

    void readErrorsNameTheLine_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("expected");
        QTest::newRow("not json") << QByteArray("{\"name\":\"a\",\"url\":\"https://x/a\"}\n{broken\n") << "line 2";
        QTest::newRow("array") << QByteArray("[1,2]\n") << "line 1: not a JSON object";
        QTest::newRow("no url") << QByteArray("{\"name\":\"a.jpg\"}\n") << "\"url\" is missing";
        QTest::newRow("name not string") << QByteArray("{\"name\":3,\"url\":\"https://x/a\"}\n") << "\"name\" is missing or not a string";
        QTest::newRow("empty") << QByteArray("\n  \n") << "contains no references";
    }

    void readErrorsNameTheLine()
    {
        QFETCH(QByteArray, text);
        QFETCH(QString, expected);
        const QString path = writeFile(m_tmp.filePath(QStringLiteral("bad.jsonl")), text);
        bd::Error error;
        QVERIFY(ReferencesIngestOperation::readReferencesFile(path, &error).isEmpty());
        QCOMPARE(error.kind, bd::ErrorKind::InvalidInput);
        QVERIFY2(error.message.contains(expected), qPrintable(error.message));
        QVERIFY(error.message.contains(path));
        bd::Error missing;
        ReferencesIngestOperation::readReferencesFile(m_tmp.filePath(QStringLiteral("nope.jsonl")), &missing);
        QVERIFY(missing.message.contains(QStringLiteral("Cannot read")));
    }

    void validateFindsEveryProblem()
    {
        const QVector<ReferenceEntry> refs{
            { QStringLiteral("a.jpg"), QStringLiteral("https://x.test/a.jpg"), 1 },
            { QStringLiteral("a.jpg"), QStringLiteral("https://x.test/other.jpg"), 2 },
            { QStringLiteral(""), QStringLiteral("https://x.test/c.jpg"), 3 },
            { QStringLiteral("d.jpg"), QStringLiteral("ftp://x.test/d.jpg"), 4 },
            { QStringLiteral("e.jpg"), QStringLiteral("not a url at all"), 5 },
            { QStringLiteral("dir/f.jpg"), QStringLiteral("https://x.test/f.jpg"), 6 },
            { QStringLiteral("g.jpg"), QString(), 7 },
            { QStringLiteral("h.jpg"), QStringLiteral("http://127.0.0.1:1/h.jpg?sv=1&sig=SECRET"), 8 },
        };
        const auto problems = ReferencesIngestOperation::validate(refs);
        QHash<int, ReferenceProblem::Kind> byLine;
        for (const auto &p : problems)
            byLine.insert(p.line, p.kind);
        QCOMPARE(problems.size(), 6);
        QCOMPARE(byLine.value(2), ReferenceProblem::Kind::DuplicateName);
        QCOMPARE(byLine.value(3), ReferenceProblem::Kind::EmptyName);
        QCOMPARE(byLine.value(4), ReferenceProblem::Kind::UnsupportedScheme);
        QCOMPARE(byLine.value(5), ReferenceProblem::Kind::MalformedUrl);
        QCOMPARE(byLine.value(6), ReferenceProblem::Kind::NameWithSlash);
        QCOMPARE(byLine.value(7), ReferenceProblem::Kind::EmptyUrl);
        QVERIFY(problems.at(0).message.contains(QStringLiteral("line 1")));   // "already used by line 1"
        const QString text = ReferencesIngestOperation::describeProblems(problems, 2);
        QVERIFY2(text.contains(QStringLiteral("6 problem")) && text.contains(QStringLiteral("4 more")), qPrintable(text));
    }

    void ingestIds()
    {
        QCOMPARE(ReferencesIngestOperation::chunkIngestId(QStringLiteral("X"), 0, 1), QStringLiteral("X"));
        QCOMPARE(ReferencesIngestOperation::chunkIngestId(QStringLiteral("X"), 0, 3), QStringLiteral("X-0"));
        QCOMPARE(ReferencesIngestOperation::chunkIngestId(QStringLiteral("X"), 1, 3), QStringLiteral("X-0-1"));
        QCOMPARE(ReferencesIngestOperation::chunkIngestId(QStringLiteral("X"), 2, 3), QStringLiteral("X-0-1-2"));
        ReferencesIngestOptions a = options(QStringLiteral("b1"));
        a.references = entries(QStringLiteral("s"), 3);
        ReferencesIngestOptions b = a;
        for (auto &r : b.references)
            r.url += QStringLiteral("&resigned=1");   // a fresh signature keeps the id
        QCOMPARE(ReferencesIngestOperation::stableIngestId(a), ReferencesIngestOperation::stableIngestId(b));
        b.references.last().name = QStringLiteral("other.jpg");
        QVERIFY(ReferencesIngestOperation::stableIngestId(a) != ReferencesIngestOperation::stableIngestId(b));
        b = a;
        b.batchId = QStringLiteral("b2");
        QVERIFY(ReferencesIngestOperation::stableIngestId(a) != ReferencesIngestOperation::stableIngestId(b));
    }

    void chunksThenDuplicateOnRerun()
    {
        ReferencesIngestOptions o = options(QStringLiteral("refs-chunks"));
        o.references = entries(QStringLiteral("c"), 7);
        o.chunkSize = 3;
        o.ingestId = QStringLiteral("chunked");
        const int d10Before = m_env.sandbox->requestCount(QStringLiteral("D10"));
        ReferencesIngestOperation ingest(m_env.api.get(), o);
        ingest.start();
        QVERIFY(waitFinished(&ingest));
        QVERIFY2(!ingest.error(), qPrintable(ingest.error().fullText()));
        QCOMPARE(ingest.chunkIngestIds(), QStringList({ "chunked-0", "chunked-0-1", "chunked-0-1-2" }));
        QCOMPARE(m_env.sandbox->requestCount(QStringLiteral("D10")) - d10Before, 3);
        QCOMPARE(ingest.duplicatedChunks(), 0);
        QCOMPARE(ingest.processedAmount(bd::Operation::Unit::Items), qint64(7));
        QCOMPARE(ingest.processedAmount(bd::Operation::Unit::Files), qint64(7));
        QCOMPARE(ingest.summary().uploaded.size(), 7);
        QVERIFY(ingest.summary().ready);
        QCOMPARE(m_env.count(o.batchId), qint64(7));
        QCOMPARE(m_env.names(o.batchId), sortedNames(o.references));

        // The same ingest again (a retry after a lost answer, or a re-run): every chunk is
        // recognised by its id, nothing is ingested twice.
        ReferencesIngestOperation again(m_env.api.get(), o);
        again.start();
        QVERIFY(waitFinished(&again));
        QVERIFY2(!again.error(), qPrintable(again.error().fullText()));
        QCOMPARE(again.duplicatedChunks(), 3);
        QVERIFY(again.summary().resumed);
        QCOMPARE(again.summary().uploaded.size(), 7);
        QCOMPARE(m_env.count(o.batchId), qint64(7));
        QCOMPARE(m_env.names(o.batchId).size(), 7);
    }

    void retriedRequestIsRecognisedAsDuplicate()
    {
        // The service ingests, then the connection drops mid-answer: the client retries the same
        // request (same ingest id) and the service answers duplicated instead of ingesting twice.
        m_env.sandbox->setFaultPlan(QJsonObject{ { "rules", QJsonArray{ QJsonObject{
            { "route", "D10" }, { "action", "cut" }, { "times", 1 } } } } });
        ReferencesIngestOptions o = options(QStringLiteral("refs-retried"));
        o.references = entries(QStringLiteral("r"), 3);
        const int d10Before = m_env.sandbox->requestCount(QStringLiteral("D10"));
        ReferencesIngestOperation ingest(m_env.api.get(), o);
        ingest.start();
        QVERIFY(waitFinished(&ingest));
        m_env.sandbox->setFaultPlan(QJsonObject());
        QVERIFY2(!ingest.error(), qPrintable(ingest.error().fullText()));
        QCOMPARE(m_env.sandbox->requestCount(QStringLiteral("D10")) - d10Before, 2);
        QCOMPARE(ingest.duplicatedChunks(), 1);
        QCOMPARE(ingest.summary().uploaded.size(), 3);
        QCOMPARE(m_env.count(o.batchId), qint64(3));
    }

    void derivedIdIsReusedWithoutIngestId()
    {
        ReferencesIngestOptions o = options(QStringLiteral("refs-derived"));
        o.references = entries(QStringLiteral("d"), 2);
        ReferencesIngestOperation first(m_env.api.get(), o);
        first.start();
        QVERIFY(waitFinished(&first));
        QVERIFY2(!first.error(), qPrintable(first.error().fullText()));
        QCOMPARE(first.duplicatedChunks(), 0);
        QVERIFY(first.summary().ingestId.startsWith(QStringLiteral("bd-")));
        for (auto &r : o.references)
            r.url += QStringLiteral("&fresh=1");
        ReferencesIngestOperation second(m_env.api.get(), o);
        second.start();
        QVERIFY(waitFinished(&second));
        QCOMPARE(second.summary().ingestId, first.summary().ingestId);
        QCOMPARE(second.duplicatedChunks(), 1);
        QCOMPARE(m_env.count(o.batchId), qint64(2));
    }

    void videosGoInOneRequest()
    {
        ReferencesIngestOptions o = options(QStringLiteral("refs-videos"));
        o.videos = true;
        o.chunkSize = 1;   // ignored for videos (§7.1: never chunked)
        for (int i = 0; i < 3; ++i) {
            const QString name = QStringLiteral("clip_%1.mp4").arg(i);
            o.references.append({ name, m_images.url(name), 0 });
        }
        const int d11Before = m_env.sandbox->requestCount(QStringLiteral("D11"));
        ReferencesIngestOperation ingest(m_env.api.get(), o);
        ingest.start();
        QVERIFY(waitFinished(&ingest));
        QVERIFY2(!ingest.error(), qPrintable(ingest.error().fullText()));
        QCOMPARE(m_env.sandbox->requestCount(QStringLiteral("D11")) - d11Before, 1);
        QCOMPARE(ingest.chunkIngestIds().size(), 1);
        QCOMPARE(ingest.chunkIngestIds().first(), ingest.summary().ingestId);   // one chunk: the id unchanged
        QCOMPARE(m_env.count(o.batchId), qint64(3));
        QCOMPARE(ingest.summary().uploaded.size(), 3);
    }

    void unreachableUrlIsReportedPerFile()
    {
        ReferencesIngestOptions o = options(QStringLiteral("refs-missing"));
        o.references = entries(QStringLiteral("ok"), 3);
        o.references.append({ QStringLiteral("missing_1.jpg"), m_images.url(QStringLiteral("missing_1.jpg")), 0 });
        ReferencesIngestOperation ingest(m_env.api.get(), o);
        ingest.start();
        QVERIFY(waitFinished(&ingest));
        QVERIFY2(!ingest.error(), qPrintable(ingest.error().fullText()));
        const auto &s = ingest.summary();
        QCOMPARE(s.uploaded.size(), 3);
        QCOMPARE(s.failed.size(), 1);
        QCOMPARE(s.failed.first().name, QStringLiteral("missing_1.jpg"));
        QVERIFY2(s.failed.first().reason.contains(QStringLiteral("404")), qPrintable(s.failed.first().reason));
        QVERIFY(!s.ready);
        // Signed URLs never reach the summary.
        const QString json = QString::fromUtf8(QJsonDocument(s.toJson()).toJson());
        QVERIFY(!json.contains(QStringLiteral("X-Sig")));
        QVERIFY(!s.toText().contains(QStringLiteral("X-Sig")));
    }

    void invalidReferencesFailBeforeAnyRequest()
    {
        ReferencesIngestOptions o = options(QStringLiteral("refs-invalid"));
        o.references = entries(QStringLiteral("v"), 2);
        o.references.append(o.references.first());   // duplicate name
        const int d10Before = m_env.sandbox->requestCount(QStringLiteral("D10"));
        ReferencesIngestOperation ingest(m_env.api.get(), o);
        ingest.start();
        QVERIFY(waitFinished(&ingest));
        QCOMPARE(ingest.error().kind, bd::ErrorKind::InvalidInput);
        QVERIFY2(ingest.error().message.contains(QStringLiteral("v_0.jpg")), qPrintable(ingest.error().message));
        QCOMPARE(m_env.sandbox->requestCount(QStringLiteral("D10")), d10Before);

        ReferencesIngestOptions url = options(QStringLiteral("refs-invalid"));
        url.referencesUrl = QStringLiteral("http://example.com/refs.jsonl");   // §7.1: https only
        ReferencesIngestOperation byUrl(m_env.api.get(), url);
        byUrl.start();
        QVERIFY(waitFinished(&byUrl));
        QCOMPARE(byUrl.error().kind, bd::ErrorKind::InvalidInput);
        QVERIFY(byUrl.error().message.contains(QStringLiteral("https://")));
    }

    void referencesByUrl()
    {
        QByteArray jsonl;
        const auto refs = entries(QStringLiteral("u"), 4);
        for (const auto &r : refs)
            jsonl += QJsonDocument(QJsonObject{ { "name", r.name }, { "url", r.url } }).toJson(QJsonDocument::Compact) + '\n';
        m_images.jsonl = jsonl.toStdString();
        ReferencesIngestOptions o = options(QStringLiteral("refs-url"));
        o.referencesUrl = QStringLiteral("http://127.0.0.1:%1/refs.jsonl").arg(m_images.port);
        ReferencesIngestOperation ingest(m_env.api.get(), o);
        ingest.start();
        QVERIFY(waitFinished(&ingest));
        QVERIFY2(!ingest.error(), qPrintable(ingest.error().fullText()));
        QCOMPARE(ingest.summary().method, QStringLiteral("references-url"));
        QCOMPARE(m_env.count(o.batchId), qint64(4));
        QCOMPARE(ingest.summary().uploaded.size(), 4);
        QVERIFY(ingest.summary().ready);
    }

    void roboql()
    {
        ReferencesIngestOptions o = options(QStringLiteral("roboql-batch"));
        o.roboqlQuery = QStringLiteral("name:asset-0");   // asset-01 ... asset-09
        o.displayName = QStringLiteral("RoboQL batch");
        const int d12Before = m_env.sandbox->requestCount(QStringLiteral("D12"));
        ReferencesIngestOperation ingest(m_env.api.get(), o);
        ingest.start();
        QVERIFY(waitFinished(&ingest));
        QVERIFY2(!ingest.error(), qPrintable(ingest.error().fullText()));
        QCOMPARE(m_env.sandbox->requestCount(QStringLiteral("D12")) - d12Before, 1);
        QCOMPARE(ingest.summary().method, QStringLiteral("roboql"));
        QCOMPARE(ingest.summary().batchCount, qint64(9));
        QCOMPARE(ingest.summary().uploaded.size(), 9);
        QVERIFY(ingest.summary().ready);

        ReferencesIngestOptions bad = options(QStringLiteral("roboql-bad"));
        bad.roboqlQuery = QStringLiteral("colour:red");
        ReferencesIngestOperation refused(m_env.api.get(), bad);
        refused.start();
        QVERIFY(waitFinished(&refused));
        QCOMPARE(refused.error().kind, bd::ErrorKind::BadRequest);
    }
};

QTEST_GUILESS_MAIN(TestReferencesIngest)
#include "tst_referencesingest.moc"
