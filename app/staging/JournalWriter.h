#pragma once
// JournalWriter: an ingest's journal writes, made on a thread of their own (with that thread's
// connection), so the thread that owns the ingest - the GUI's - never waits for a commit.
//
// Writes run in the order they were queued. Whatever is queued when the thread comes round is
// written in one transaction (each write its own savepoint inside it: a failed one leaves the
// others), so a burst of small writes costs one commit. Each write's QFuture<bool> finishes
// once its transaction committed (true) or the write failed (false): a promise the caller can
// keep without blocking its thread - a transfer starts, or a body device hands over its last
// bytes, only once the record that must come first is durable (TransferOperation::holdUntil).
// A durable record survives a killed process (WAL, synchronous=NORMAL: not a power cut).
//
// Readers on other connections see a write once its future finished; drained() is a future
// for everything queued so far. The destructor writes what is still queued, then stops.
//
// BATCHDECK_JOURNAL_WRITE_DELAY_MS (tests): each transaction waits this long before it begins,
// so a killed process has writes queued (tst_ingestkill).
#include "staging/IngestJournal.h"

#include <QFuture>
#include <QObject>

#include <functional>
#include <memory>

namespace bd::staging {

class JournalWriter : public QObject
{
    Q_OBJECT
public:
    // Runs on the writer's thread with its journal; false (and journal.lastError()) on failure.
    using Write = std::function<bool(IngestJournal &journal)>;

    explicit JournalWriter(QObject *parent = nullptr);
    ~JournalWriter() override;   // writes what is queued, then stops the thread

    // Queue a write. The future finishes once it is durable (true) or failed (false); `done`,
    // if given, is called with that outcome on this object's thread (not after its deletion).
    QFuture<bool> enqueue(Write write, std::function<void(bool ok, const QString &error)> done = {});
    // Finishes once every write queued before this call has committed or failed.
    QFuture<bool> drained();
    // Blocks the calling thread until every write queued so far has committed or failed (a
    // cancel that must report at once; the destructor).
    void flush();

    // The first failure's message (empty while none): writes never fail in silence.
    QString firstError() const;
    // Transactions committed so far (batched writes share one), for tests.
    int transactionCount() const;

Q_SIGNALS:
    // A write failed (also given to its `done`): the journal may not know what was sent.
    void writeFailed(const QString &error);

private:
    struct Core;
    std::shared_ptr<Core> m_core;
};

}  // namespace bd::staging
