#include "staging/JournalWriter.h"
#include "core/ThreadPriority.h"

#include "core/Database.h"

#include <QLoggingCategory>
#include <QMutex>
#include <QPromise>
#include <QSqlDatabase>
#include <QThread>
#include <QWaitCondition>

#include <algorithm>
#include <deque>
#include <vector>

Q_LOGGING_CATEGORY(lcJournalWriter, "bd.staging.journalwriter")

namespace bd::staging {

namespace {
constexpr int kMaxBatch = 256;          // writes per transaction at most
constexpr int kBeginAttempts = 6;       // each waits up to the busy timeout (10 s) for the lock
}  // namespace

struct JournalWriter::Core {
    struct Item {
        Write write;   // empty: a barrier (drained())
        std::shared_ptr<QPromise<bool>> promise;
        std::function<void(bool ok, const QString &error)> done;
    };

    QMutex mutex;
    QWaitCondition wake;
    std::deque<Item> queue;
    bool stopping = false;
    QString firstError;
    int transactions = 0;
    JournalWriter *owner = nullptr;   // posted to only while the owner waits for this thread to end
    QThread *thread = nullptr;

    void run();
    void writeBatch(IngestJournal &journal, std::vector<Item> &batch);
    void complete(Item &item, bool ok, const QString &error);
};

void JournalWriter::Core::run()
{
    const int delayMs = qEnvironmentVariableIntValue("BATCHDECK_JOURNAL_WRITE_DELAY_MS");
    QString connection;
    {
        IngestJournal journal;
        connection = database().connectionName();
        for (;;) {
            std::vector<Item> batch;
            {
                QMutexLocker lock(&mutex);
                while (queue.empty() && !stopping)
                    wake.wait(&mutex);
                if (queue.empty())
                    break;   // stopping, and everything written
                while (!queue.empty() && batch.size() < size_t(kMaxBatch)) {
                    batch.push_back(std::move(queue.front()));
                    queue.pop_front();
                }
            }
            if (delayMs > 0)
                QThread::msleep(ulong(delayMs));
            writeBatch(journal, batch);
        }
    }
    // Closed with the writer rather than at thread exit (core/Database removes it then too).
    if (!connection.isEmpty()) {
        QSqlDatabase::database(connection, false).close();
        QSqlDatabase::removeDatabase(connection);
    }
}

void JournalWriter::Core::writeBatch(IngestJournal &journal, std::vector<Item> &batch)
{
    const bool anyWrite = std::any_of(batch.begin(), batch.end(), [](const Item &i) { return bool(i.write); });
    if (!anyWrite) {
        for (Item &item : batch)
            complete(item, true, {});
        return;
    }
    bool began = false;
    for (int attempt = 0; attempt < kBeginAttempts && !began; ++attempt)
        began = journal.beginBatch();   // waits for another connection's write lock meanwhile
    if (!began) {
        const QString error = journal.lastError();
        for (Item &item : batch)
            complete(item, !item.write, error);
        return;
    }
    std::vector<std::pair<bool, QString>> outcomes;
    outcomes.reserve(batch.size());
    for (Item &item : batch) {
        const bool ok = !item.write || item.write(journal);
        outcomes.emplace_back(ok, ok ? QString() : journal.lastError());
    }
    const bool committed = journal.endBatch();
    {
        QMutexLocker lock(&mutex);
        if (committed)
            ++transactions;
    }
    for (size_t i = 0; i < batch.size(); ++i) {
        if (committed)
            complete(batch[i], outcomes[i].first, outcomes[i].second);
        else
            complete(batch[i], !batch[i].write, journal.lastError());
    }
}

void JournalWriter::Core::complete(Item &item, bool ok, const QString &error)
{
    item.promise->addResult(ok);
    item.promise->finish();
    if (!ok) {
        qCWarning(lcJournalWriter).noquote() << "journal write failed:" << error;
        QMutexLocker lock(&mutex);
        if (firstError.isEmpty())
            firstError = error.isEmpty() ? QStringLiteral("unknown error") : error;
    }
    if (!item.done && ok)
        return;
    // Queued to the owner's thread; dropped if the owner is gone by then (its destructor runs
    // only after this thread ended, and discards what is still posted to it).
    JournalWriter *to = owner;
    QMetaObject::invokeMethod(
        to,
        [to, done = std::move(item.done), ok, error] {
            if (!ok)
                Q_EMIT to->writeFailed(error);
            if (done)
                done(ok, error);
        },
        Qt::QueuedConnection);
}

JournalWriter::JournalWriter(QObject *parent) : QObject(parent), m_core(std::make_shared<Core>())
{
    m_core->owner = this;
    std::shared_ptr<Core> core = m_core;
    m_core->thread = QThread::create([core] {
        threads::lowerThisThread();
        core->run();
    });
    m_core->thread->setObjectName(QStringLiteral("bd journal writer"));
    m_core->thread->start();
}

JournalWriter::~JournalWriter()
{
    {
        QMutexLocker lock(&m_core->mutex);
        m_core->stopping = true;
        m_core->wake.wakeAll();
    }
    m_core->thread->wait();
    delete m_core->thread;
    m_core->thread = nullptr;
}

QFuture<bool> JournalWriter::enqueue(Write write, std::function<void(bool ok, const QString &error)> done)
{
    auto promise = std::make_shared<QPromise<bool>>();
    QFuture<bool> future = promise->future();
    promise->start();
    QMutexLocker lock(&m_core->mutex);
    m_core->queue.push_back({ std::move(write), std::move(promise), std::move(done) });
    m_core->wake.wakeAll();
    return future;
}

QFuture<bool> JournalWriter::drained()
{
    return enqueue({});
}

void JournalWriter::flush()
{
    drained().waitForFinished();
}

QString JournalWriter::firstError() const
{
    QMutexLocker lock(&m_core->mutex);
    return m_core->firstError;
}

int JournalWriter::transactionCount() const
{
    QMutexLocker lock(&m_core->mutex);
    return m_core->transactions;
}

}  // namespace bd::staging
