#pragma once
// UploadQueue: runs TransferOperations a few at a time and reports them as one Operation
// (aggregate Bytes and Files, hence speed and ETA).
//
//  - concurrency: the connection's NetworkGate (ApiClient::networkGate(), Transfer lane) grants a
//    slot per transfer, FIFO with every other queue on the connection, and adapts how many run at
//    once to the link; setConcurrency(n) asks for exactly n (the user's explicit number): while
//    the queue runs, the gate's Transfer lane is fixed at n, and its limits are restored after;
//    0 (the default) leaves the gate as it is (adaptive unless configured otherwise);
//  - suspend(): starts nothing new and aborts the running transfers still sending their body;
//    resume() starts fresh copies of them (a shard PUT cannot continue mid-body), before the
//    rest of the queue. A transfer whose whole body has left is let finish: it may already be
//    on the service, and a copy would send its files twice;
//  - rate limits: a 429 / Retry-After seen by a transfer or by any call of the ApiClient holds
//    the gate, so no transfer on the connection starts for that long (holding());
//  - cancel(): aborts the running transfers and drops the rest;
//  - prefetch: while transfers run, as many of the next pending ones prepare ahead (their signed
//    URL: TransferOperation::prefetch()), so a freed slot starts its next body at once.
// Every transfer that ends (success or failure) is reported once through transferFinished();
// the queue then finishes with no error if all succeeded, else with the first failure's kind
// and a count. The queue owns its transfers and deletes them after transferFinished().
#include "api/ApiClient.h"
#include "core/Operation.h"
#include "staging/TransferOperation.h"

#include <QList>
#include <QPointer>
#include <QTimer>

#include <optional>
#include <unordered_map>

namespace bd::staging {

class UploadQueue : public Operation
{
    Q_OBJECT
public:
    // Transfers at once before the gate has measured the link (NetworkGate::TransferLimits).
    static constexpr int kDefaultConcurrency = 4;

    explicit UploadQueue(api::ApiClient *api, QObject *parent = nullptr);
    ~UploadQueue() override;

    void setConcurrency(int concurrency);
    int concurrency() const { return m_concurrency; }
    // Add a transfer (the queue takes ownership). Allowed before and while running.
    void enqueue(TransferOperation *transfer);

    int pendingCount() const { return int(m_pending.size()); }
    int runningCount() const { return int(m_running.size()); }
    int succeededCount() const { return m_succeeded; }
    int failedCount() const { return m_failed; }
    // Milliseconds left in the connection's rate-limit hold (0 when none).
    qint64 holdRemainingMs() const;
    // Hold new starts on the connection for this long (longest hold wins). Public for callers
    // that learn of a rate limit elsewhere.
    void holdFor(int ms);

Q_SIGNALS:
    void transferStarted(bd::staging::TransferOperation *transfer);
    // The transfer ended for good; check transfer->error(). Deleted after this returns.
    void transferFinished(bd::staging::TransferOperation *transfer);
    void holding(int ms);

protected:
    void doStart() override;
    void doCancel() override;
    bool doSuspend() override;
    bool doResume() override;

private:
    void pump();
    void onSlotGranted(api::NetworkGate::Slot slot);
    void prefetchNext();
    void withdrawTicket();
    void releaseSlot(TransferOperation *transfer, api::NetworkGate::Outcome outcome);
    void fixGateLimit();
    void restoreGateLimits();
    void startTransfer(TransferOperation *transfer);
    void onTransferFinished(Operation *op);
    void updateProgress();
    void finishIfDone();

    QPointer<api::ApiClient> m_api;
    int m_concurrency = 0;   // exactly this many at once; 0: whatever the gate decides
    std::optional<api::NetworkGate::TransferLimits> m_savedLimits;   // the gate's, while fixed
    QList<TransferOperation *> m_pending;
    QList<TransferOperation *> m_running;
    qint64 m_doneBytes = 0;     // bytes of finished transfers (successful or not)
    qint64 m_doneFiles = 0;     // files of successful transfers
    int m_succeeded = 0;
    int m_failed = 0;
    Error m_firstError;
    api::NetworkGate::Ticket m_ticket = 0;   // the one slot request waiting at the gate, if any
    std::unordered_map<TransferOperation *, api::NetworkGate::Slot> m_slots;   // of running transfers
};

}  // namespace bd::staging
