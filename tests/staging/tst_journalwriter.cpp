// JournalWriter: an ingest's journal writes on a thread of their own. In order; a burst queued
// while the writer is busy goes in one transaction; a future finishes only once its write is
// readable from another connection; one failed write leaves the others of its transaction;
// `done` runs on the owner's thread; what is queued when the writer is destroyed is written.
#include <QtTest>

#include "core/Database.h"
#include "staging/IngestJournal.h"
#include "staging/JournalWriter.h"

#include <QSemaphore>
#include <QTemporaryDir>

#include <thread>

using namespace bd;
using namespace bd::staging;

class TestJournalWriter : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void writesInOrderAndReadableOnceDurable();
    void aBurstWhileBusyIsOneTransaction();
    void aFailedWriteLeavesTheOthers();
    void waitableFromAnotherThread();
    void destructorWritesWhatIsQueued();

private:
    // A write that keeps the writer busy until release() (so what is queued meanwhile batches).
    JournalWriter::Write blocker()
    {
        return [this](IngestJournal &) {
            m_entered.release();
            m_gate.acquire();
            return true;
        };
    }
    void release() { m_gate.release(); }
    QStringList states(const QStringList &paths)
    {
        QStringList out;
        const QHash<QString, JournalFile> files = IngestJournal().files(m_ingestId);
        for (const QString &p : paths)
            out << (files.contains(p) ? journalFileStateName(files.value(p).state) : QStringLiteral("-"));
        return out;
    }

    QTemporaryDir m_tmp;
    QString m_ingestId;
    QStringList m_paths;
    QSemaphore m_gate;
    QSemaphore m_entered;
    int m_round = 0;
};

void TestJournalWriter::initTestCase()
{
    QVERIFY(m_tmp.isValid());
    qputenv("BATCHDECK_DATA_DIR", m_tmp.path().toUtf8());
    setDatabasePath(m_tmp.path() + QStringLiteral("/batchdeck.sqlite"));
}

void TestJournalWriter::init()
{
    // A fresh ingest with ten planned files per test.
    IngestJournal journal;
    QVERIFY(journal.open());
    m_ingestId = QStringLiteral("ingest-%1").arg(++m_round);
    IngestRecord r;
    r.ingestId = m_ingestId;
    r.batchId = QStringLiteral("b-%1").arg(m_round);
    QVERIFY(journal.saveIngest(r));
    m_paths.clear();
    QVector<JournalFile> files;
    for (int i = 0; i < 10; ++i) {
        m_paths << QStringLiteral("/in/%1.jpg").arg(i);
        files.append({ m_paths.last(), QStringLiteral("%1.jpg").arg(i), 1, 1, JournalFileState::Planned, {} });
    }
    QVERIFY(journal.addFiles(m_ingestId, files));
}

void TestJournalWriter::writesInOrderAndReadableOnceDurable()
{
    JournalWriter writer;
    const QString id = m_ingestId;
    const QString path = m_paths.first();
    // The same row written three times: the last write queued wins.
    writer.enqueue([=](IngestJournal &j) { return j.setFileState(id, { path }, JournalFileState::Sent); });
    writer.enqueue([=](IngestJournal &j) { return j.setFileState(id, { path }, JournalFileState::Failed); });
    QFuture<bool> last =
        writer.enqueue([=](IngestJournal &j) { return j.setFileState(id, { path }, JournalFileState::Confirmed); });
    last.waitForFinished();
    QVERIFY(last.result());
    // Readable at once on this thread's connection: it committed before the future finished.
    QCOMPARE(states({ path }), QStringList{ QStringLiteral("confirmed") });
    QVERIFY(writer.firstError().isEmpty());
}

void TestJournalWriter::aBurstWhileBusyIsOneTransaction()
{
    JournalWriter writer;
    writer.enqueue(blocker());
    m_entered.acquire();   // the writer is inside its first transaction
    const int before = writer.transactionCount();
    QList<QFuture<bool>> futures;
    for (const QString &p : std::as_const(m_paths))
        futures << writer.enqueue([id = m_ingestId, p](IngestJournal &j) {
            return j.markSending(id, { p }, {}, false);
        });
    QVERIFY(!futures.last().isFinished());   // queued behind the busy one: nothing committed yet
    QCOMPARE(states({ m_paths.last() }), QStringList{ QStringLiteral("planned") });
    release();
    writer.flush();
    for (const QFuture<bool> &f : std::as_const(futures))
        QVERIFY(f.result());
    // The blocker's transaction, then one for the whole burst.
    QCOMPARE(writer.transactionCount() - before, 2);
    QCOMPARE(states(m_paths), QStringList(QList<QString>(m_paths.size(), QStringLiteral("sent"))));
}

void TestJournalWriter::aFailedWriteLeavesTheOthers()
{
    JournalWriter writer;
    QSignalSpy failed(&writer, &JournalWriter::writeFailed);
    writer.enqueue(blocker());
    m_entered.acquire();
    const QString id = m_ingestId;
    QFuture<bool> first =
        writer.enqueue([=, this](IngestJournal &j) { return j.setFileState(id, { m_paths.at(0) }, JournalFileState::Sent); });
    // Writes a row, then fails: its savepoint is rolled back, not the transaction.
    QThread *doneOn = nullptr;
    bool doneOk = true;
    QFuture<bool> bad = writer.enqueue(
        [=, this](IngestJournal &j) {
            j.setFileState(id, { m_paths.at(1) }, JournalFileState::Sent);
            return false;
        },
        [&](bool ok, const QString &) {
            doneOn = QThread::currentThread();
            doneOk = ok;
        });
    QFuture<bool> third =
        writer.enqueue([=, this](IngestJournal &j) { return j.setFileState(id, { m_paths.at(2) }, JournalFileState::Sent); });
    release();
    writer.flush();
    QVERIFY(first.result());
    QVERIFY(!bad.result());
    QVERIFY(third.result());
    QTRY_COMPARE(failed.size(), 1);
    QVERIFY(!writer.firstError().isEmpty());
    QCOMPARE(doneOn, QThread::currentThread());   // `done` came back to the owner's thread
    QVERIFY(!doneOk);
    // The failed write's own change stays (IngestJournal methods commit their savepoint; the
    // write's `false` is its verdict), its neighbours' too.
    QCOMPARE(states(m_paths.mid(0, 3)),
             (QStringList{ QStringLiteral("sent"), QStringLiteral("sent"), QStringLiteral("sent") }));
}

void TestJournalWriter::waitableFromAnotherThread()
{
    // As a body device does on the transfer thread: wait for a record without the owner's loop.
    JournalWriter writer;
    writer.enqueue(blocker());
    m_entered.acquire();
    QFuture<bool> record = writer.enqueue([id = m_ingestId, p = m_paths.at(3)](IngestJournal &j) {
        return j.markBodyLeft(id, { p });
    });
    std::atomic<bool> sawDurable{ false };
    std::thread device([&] {
        record.waitForFinished();
        // The record is committed: this thread's own connection reads it.
        sawDurable = IngestJournal().files(m_ingestId).value(m_paths.at(3)).bodyLeft;
    });
    QTest::qWait(50);
    QVERIFY(!sawDurable);   // still held behind the busy write
    release();
    device.join();
    QVERIFY(sawDurable);
}

void TestJournalWriter::destructorWritesWhatIsQueued()
{
    QList<QFuture<bool>> futures;
    {
        JournalWriter writer;
        writer.enqueue(blocker());
        m_entered.acquire();
        for (const QString &p : std::as_const(m_paths))
            futures << writer.enqueue([id = m_ingestId, p](IngestJournal &j) {
                return j.setFileState(id, { p }, JournalFileState::Confirmed);
            });
        release();
    }   // destroyed with ten writes queued
    for (const QFuture<bool> &f : std::as_const(futures)) {
        QVERIFY(f.isFinished());
        QVERIFY(f.result());
    }
    QCOMPARE(states(m_paths), QStringList(QList<QString>(m_paths.size(), QStringLiteral("confirmed"))));
}

QTEST_GUILESS_MAIN(TestJournalWriter)
#include "tst_journalwriter.moc"
