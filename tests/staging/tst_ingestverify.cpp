// A re-run does not take the journal's word for it: against the real embedded sandbox over
// loopback, a batch the service no longer has (a fresh sandbox at the same address) is sent
// again in full and the summary says why; another workspace gets its own ingest; a file changed
// on disk (even with the same size and mtime) is sent again; and a second ingest of the same
// batch and folder while the first runs is refused, so nothing is sent twice.
#include <QtTest>

#include "IngestFixture.h"
#include "core/Database.h"

#include <QNetworkReply>
#include <QTemporaryDir>

#include <fcntl.h>
#include <sys/stat.h>

using namespace bd;
using namespace bd::staging;
using namespace ingesttest;

class TestIngestVerify : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void freshServiceGetsEverythingAgain();
    void anotherWorkspaceIsASeparateIngest();
    void changedFilesAreSentAgain();
    void sameIngestTwiceAtOnceIsRefused();

private:
    // (Re)starts the sandbox at `port` (0: any) with this workspace and an empty state.
    void restart(quint16 port, const QString &workspace = QStringLiteral("sandbox-ws"))
    {
        m_env.stop();
        sandbox::SandboxOptions options;
        options.port = port;
        options.indexDelayMs = 100;
        options.timeScale = 100;
        options.workspace = workspace;
        QString error;
        QVERIFY2(m_env.SandboxEnv::start(options, 100, &error), qPrintable(error));
    }
    IngestOperation *ingest(const IngestOptions &options)
    {
        auto *op = new IngestOperation(m_env.api.get(), options, this);
        op->start();
        waitFinished(op);
        return op;
    }
    IngestOptions optionsFor(const QString &batch, const QString &dir)
    {
        IngestOptions o = m_env.options(batch, { dir });
        o.plan.shardMaxFiles = 10;
        return o;
    }
    // Objects the service indexed for this batch, over every shard: counts a shard sent twice.
    int indexedObjects(const QString &batch)
    {
        int n = 0;
        for (const api::Shard &s : m_env.shards(batch))
            n += int(s.shardObjectsCount);
        return n;
    }
    QByteArray download(const QString &batch, const QString &name)
    {
        auto *call = m_env.api->listBatchFiles(batch, QString(), 500);
        call->setMaxPages(0);
        if (!call->exec())
            return {};
        for (const api::BatchFile &f : call->result()) {
            if (f.fileName != name)
                continue;
            QNetworkReply *reply = m_env.api->getSigned(f.downloadUrl);
            QEventLoop loop;
            connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
            loop.exec();
            reply->deleteLater();
            return reply->readAll();
        }
        return {};
    }

    QTemporaryDir m_tmp;
    Env m_env;
};

void TestIngestVerify::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    qputenv("BATCHDECK_DATA_DIR", (m_tmp.path() + QStringLiteral("/data")).toUtf8());
    setDatabasePath(m_tmp.path() + QStringLiteral("/data/batchdeck.sqlite"));
    restart(0);
}

void TestIngestVerify::freshServiceGetsEverythingAgain()
{
    const QString dir = m_tmp.path() + QStringLiteral("/gone");
    writeJpegs(dir, 40);
    const IngestOptions options = optionsFor(QStringLiteral("gone-b"), dir);
    IngestOperation *first = ingest(options);
    QVERIFY2(!first->error(), qPrintable(first->error().fullText()));
    QCOMPARE(m_env.count(QStringLiteral("gone-b")), qint64(40));

    // Same address, same workspace, empty service (a batch expired, a fresh sandbox).
    restart(quint16(m_env.sandbox->apiUrl().port()));
    IngestOperation *second = ingest(options);
    QVERIFY2(!second->error(), qPrintable(second->error().fullText()));
    const IngestSummary &s = second->summary();
    QCOMPARE(s.uploadedEarlier, 0);
    QVERIFY(s.batchGone);
    QCOMPARE(s.sentAgain.size(), 40);
    QCOMPARE(s.sentAgain.first().reason, QStringLiteral("batch-gone"));
    QCOMPARE(s.uploaded.size(), 40);
    QVERIFY2(s.toText().contains(QStringLiteral("has no batch gone-b any more")), qPrintable(s.toText()));
    QCOMPARE(m_env.count(QStringLiteral("gone-b")), qint64(40));
    QCOMPARE(indexedObjects(QStringLiteral("gone-b")), 40);

    // Run a third time: everything is on the service now, nothing goes up.
    IngestOperation *third = ingest(options);
    QVERIFY(!third->error());
    QCOMPARE(third->summary().uploadedEarlier, 40);
    QVERIFY(third->summary().sentAgain.isEmpty());
    QCOMPARE(third->summary().bytesSent, qint64(0));
    QCOMPARE(indexedObjects(QStringLiteral("gone-b")), 40);
}

void TestIngestVerify::anotherWorkspaceIsASeparateIngest()
{
    const QString dir = m_tmp.path() + QStringLiteral("/ws");
    writeJpegs(dir, 30);
    const IngestOptions options = optionsFor(QStringLiteral("ws-b"), dir);
    IngestOperation *first = ingest(options);
    QVERIFY(!first->error());

    restart(quint16(m_env.sandbox->apiUrl().port()), QStringLiteral("other-ws"));
    IngestOperation *second = ingest(options);
    QVERIFY2(!second->error(), qPrintable(second->error().fullText()));
    QVERIFY(!second->summary().resumed);
    QVERIFY(second->ingestId() != first->ingestId());
    QCOMPARE(second->summary().uploadedEarlier, 0);
    QVERIFY(second->summary().sentAgain.isEmpty());   // the other workspace's journal is not consulted
    QCOMPARE(m_env.count(QStringLiteral("ws-b")), qint64(30));
    QCOMPARE(IngestJournal().ingest(second->ingestId())->workspace, QStringLiteral("other-ws"));
    QCOMPARE(IngestJournal().ingest(first->ingestId())->workspace, QStringLiteral("sandbox-ws"));
    restart(quint16(m_env.sandbox->apiUrl().port()));
}

void TestIngestVerify::changedFilesAreSentAgain()
{
    const QString dir = m_tmp.path() + QStringLiteral("/changed");
    const QStringList paths = writeJpegs(dir, 40);
    const IngestOptions options = optionsFor(QStringLiteral("changed-b"), dir);
    IngestOperation *first = ingest(options);
    QVERIFY(!first->error());

    // One file rewritten with the same size and its mtime put back; one with another size.
    const QString sameSize = paths.at(3);
    struct stat st;
    QCOMPARE(::stat(QFile::encodeName(sameSize).constData(), &st), 0);
    const QByteArray bytes = validJpeg(QByteArray(QFileInfo(sameSize).fileName().size(), 'Z'), int(st.st_size));
    QCOMPARE(qint64(bytes.size()), qint64(st.st_size));
    writeBytes(sameSize, bytes);
    struct timespec times[2] = { st.st_mtim, st.st_mtim };
    QCOMPARE(::utimensat(AT_FDCWD, QFile::encodeName(sameSize).constData(), times, 0), 0);
    const QString bigger = paths.at(7);
    writeBytes(bigger, validJpeg("a longer comment than before makes this file bigger"));

    IngestOperation *second = ingest(options);
    QVERIFY2(!second->error(), qPrintable(second->error().fullText()));
    const IngestSummary &s = second->summary();
    QCOMPARE(s.sentAgain.size(), 2);
    for (const IngestFileOutcome &o : s.sentAgain)
        QCOMPARE(o.reason, QStringLiteral("changed"));
    QCOMPARE(s.uploadedEarlier, 38);
    QCOMPARE(s.uploaded.size(), 40);
    QVERIFY2(s.toText().contains(QStringLiteral("2 file(s) changed on disk")), qPrintable(s.toText()));
    QVERIFY(s.toText().contains(sameSize));
    QCOMPARE(download(QStringLiteral("changed-b"), QFileInfo(sameSize).fileName()), bytes);
    QCOMPARE(m_env.count(QStringLiteral("changed-b")), qint64(40));
}

void TestIngestVerify::sameIngestTwiceAtOnceIsRefused()
{
    const QString dir = m_tmp.path() + QStringLiteral("/twice");
    writeJpegs(dir, 60);
    const IngestOptions options = optionsFor(QStringLiteral("twice-b"), dir);
    m_env.sandbox->setFaultPlan(QJsonObject{ { "rules", QJsonArray{ QJsonObject{ { "route", "S1" }, { "delayMs", 200 } } } } });
    auto *first = new IngestOperation(m_env.api.get(), options, this);
    first->start();
    QTRY_VERIFY_WITH_TIMEOUT(first->phase() == IngestOperation::Phase::Uploading, 30000);
    IngestOperation *second = ingest(options);
    QCOMPARE(second->error().kind, ErrorKind::Conflict);
    QVERIFY2(second->error().message.contains(QStringLiteral("already running this ingest")),
             qPrintable(second->error().message));
    QVERIFY(second->error().message.contains(QStringLiteral("twice-b")));
    QVERIFY(waitFinished(first));
    m_env.sandbox->setFaultPlan({});
    QVERIFY2(!first->error(), qPrintable(first->error().fullText()));
    QCOMPARE(m_env.count(QStringLiteral("twice-b")), qint64(60));
    QCOMPARE(indexedObjects(QStringLiteral("twice-b")), 60);
    // Once the first has finished, the lock is free again.
    IngestOperation *third = ingest(options);
    QVERIFY2(!third->error(), qPrintable(third->error().fullText()));
    QCOMPARE(third->summary().uploadedEarlier, 60);
}

QTEST_GUILESS_MAIN(TestIngestVerify)
#include "tst_ingestverify.moc"
