#include "staging/UploadQueue.h"

#include "api/ApiClient.h"

namespace bd::staging {

UploadQueue::UploadQueue(api::ApiClient *api, QObject *parent) : Operation(parent), m_api(api)
{
    setCapabilities(Cancellable | Suspendable);
    setTitle(tr("Uploads"));
    setTotalAmount(Unit::Bytes, 0);
    setTotalAmount(Unit::Files, 0);
    if (api)
        connect(api->networkGate(), &api::NetworkGate::holding, this, [this](int ms) {
            if (isFinished())
                return;
            setStatusText(tr("The service asked to slow down; waiting %1 s").arg((ms + 999) / 1000));
            Q_EMIT holding(ms);
        });
}

UploadQueue::~UploadQueue()
{
    withdrawTicket();
    restoreGateLimits();
    for (TransferOperation *t : std::as_const(m_running)) {
        t->disconnect(this);
        t->cancel();
        delete t;
    }
    m_slots.clear();   // frees their slots (Abandoned)
    qDeleteAll(m_pending);
}

void UploadQueue::setConcurrency(int concurrency)
{
    m_concurrency = qMax(0, concurrency);
    if (state() == State::Running) {
        fixGateLimit();
        pump();
    }
}

void UploadQueue::fixGateLimit()
{
    if (!m_api)
        return;
    api::NetworkGate *gate = m_api->networkGate();
    if (m_concurrency == 0) {
        restoreGateLimits();
        return;
    }
    if (!m_savedLimits)
        m_savedLimits = gate->transferLimits();
    api::NetworkGate::TransferLimits fixed;
    fixed.minimum = 1;
    fixed.initial = fixed.maximum = m_concurrency;
    fixed.adaptive = false;
    if (!(gate->transferLimits() == fixed))
        gate->setTransferLimits(fixed);
}

// Back to the gate's own limits, unless someone changed them since (a newer explicit choice).
void UploadQueue::restoreGateLimits()
{
    if (!m_savedLimits || !m_api)
        return;
    api::NetworkGate *gate = m_api->networkGate();
    const api::NetworkGate::TransferLimits saved = *std::exchange(m_savedLimits, std::nullopt);
    if (!gate->transferLimits().adaptive && gate->transferLimits().maximum == m_concurrency)
        gate->setTransferLimits(saved);
}

void UploadQueue::enqueue(TransferOperation *transfer)
{
    transfer->setParent(this);
    m_pending.append(transfer);
    setTotalAmount(Unit::Bytes, totalAmount(Unit::Bytes) + transfer->byteCount());
    setTotalAmount(Unit::Files, totalAmount(Unit::Files) + transfer->fileCount());
    if (state() == State::Running)
        QTimer::singleShot(0, this, &UploadQueue::pump);
}

qint64 UploadQueue::holdRemainingMs() const
{
    return m_api ? m_api->networkGate()->holdRemainingMs() : 0;
}

void UploadQueue::holdFor(int ms)
{
    if (m_api && !isFinished())
        m_api->networkGate()->holdFor(ms);
}

void UploadQueue::doStart()
{
    fixGateLimit();
    pump();
}

// At most one slot request of this queue waits at the gate: the queue may hold a million
// transfers, and one ticket at a time keeps the gate's FIFO fair between queues.
void UploadQueue::pump()
{
    if (state() != State::Running)
        return;
    if (m_api && m_ticket == 0 && !m_pending.isEmpty())
        m_ticket = m_api->networkGate()->acquire(api::NetworkGate::Lane::Transfer, this,
                                                 [this](api::NetworkGate::Slot slot) {
                                                     m_ticket = 0;
                                                     onSlotGranted(std::move(slot));
                                                 });
    finishIfDone();
}

void UploadQueue::onSlotGranted(api::NetworkGate::Slot slot)
{
    if (state() != State::Running || isFinished() || m_pending.isEmpty())
        return;   // the slot goes back unused
    TransferOperation *transfer = m_pending.takeFirst();
    m_slots.emplace(transfer, std::move(slot));
    startTransfer(transfer);
    prefetchNext();
    pump();
}

// One transfer in line per running one prepares ahead (a signed URL), so a slot that frees up
// starts its next body at once instead of waiting for a D8/D9 round trip. Not during a rate-limit
// hold: the service asked for fewer requests.
void UploadQueue::prefetchNext()
{
    if (state() != State::Running || holdRemainingMs() > 0)
        return;
    const qsizetype ahead = qMin(m_pending.size(), qMax<qsizetype>(1, m_running.size()));
    for (qsizetype i = 0; i < ahead; ++i)
        m_pending.at(i)->prefetch();
}

void UploadQueue::withdrawTicket()
{
    if (m_ticket != 0 && m_api)
        m_api->networkGate()->cancel(m_ticket);
    m_ticket = 0;
}

void UploadQueue::releaseSlot(TransferOperation *transfer, api::NetworkGate::Outcome outcome)
{
    auto it = m_slots.find(transfer);
    if (it == m_slots.end())
        return;
    if (outcome == api::NetworkGate::Outcome::Succeeded)
        it->second.addBytes(transfer->byteCount());
    it->second.release(outcome);
    m_slots.erase(it);
}

void UploadQueue::startTransfer(TransferOperation *transfer)
{
    m_running.append(transfer);
    connect(transfer, &Operation::progressChanged, this, &UploadQueue::updateProgress);
    connect(transfer, &Operation::finished, this, &UploadQueue::onTransferFinished);
    connect(transfer, &TransferOperation::rateLimited, this, &UploadQueue::holdFor);
    Q_EMIT transferStarted(transfer);
    transfer->start();
}

void UploadQueue::onTransferFinished(Operation *op)
{
    auto *transfer = static_cast<TransferOperation *>(op);
    if (!m_running.removeOne(transfer))
        return;
    transfer->disconnect(this);
    m_doneBytes += transfer->byteCount();
    releaseSlot(transfer, api::NetworkGate::outcomeFor(transfer->error()));
    if (transfer->error()) {
        ++m_failed;
        if (!m_firstError)
            m_firstError = transfer->error();
    } else {
        ++m_succeeded;
        m_doneFiles += transfer->fileCount();
    }
    updateProgress();
    Q_EMIT transferFinished(transfer);
    transfer->deleteLater();
    if (!isFinished())
        QTimer::singleShot(0, this, &UploadQueue::pump);
}

void UploadQueue::updateProgress()
{
    qint64 bytes = m_doneBytes;
    for (const TransferOperation *t : std::as_const(m_running))
        bytes += t->processedAmount(Unit::Bytes);
    setProcessedAmount(Unit::Bytes, bytes);
    setProcessedAmount(Unit::Files, m_doneFiles);
}

void UploadQueue::finishIfDone()
{
    if (isFinished() || !m_running.isEmpty() || !m_pending.isEmpty() || state() != State::Running)
        return;
    restoreGateLimits();
    if (m_failed == 0) {
        emitResult();
        return;
    }
    Error error = m_firstError;
    error.message = tr("%n transfer(s) failed; the first: %1", nullptr, m_failed).arg(m_firstError.message);
    emitResult(error);
}

void UploadQueue::doCancel()
{
    withdrawTicket();
    restoreGateLimits();
    const QList<TransferOperation *> running = m_running;
    m_running.clear();
    for (TransferOperation *t : running) {
        releaseSlot(t, api::NetworkGate::Outcome::Abandoned);
        t->disconnect(this);
        t->cancel();
        t->deleteLater();
    }
    qDeleteAll(m_pending);
    m_pending.clear();
}

bool UploadQueue::doSuspend()
{
    // Running transfers cannot pause mid-body: abort them and queue fresh copies first in line.
    // Not one whose whole body has left: it may already be on the service, and its copy would
    // send the files twice. It finishes (only its answer is missing) and reports as usual.
    withdrawTicket();
    const QList<TransferOperation *> running = m_running;
    m_running.clear();
    for (int i = int(running.size()) - 1; i >= 0; --i) {
        TransferOperation *t = running.at(i);
        if (t->bodyHasLeft()) {
            m_running.prepend(t);
            continue;
        }
        releaseSlot(t, api::NetworkGate::Outcome::Abandoned);
        t->disconnect(this);
        m_pending.prepend(t->clone(this));
        t->cancel();
        t->deleteLater();
    }
    updateProgress();
    setStatusText(tr("Paused"));
    return true;
}

bool UploadQueue::doResume()
{
    setStatusText(QString());
    QTimer::singleShot(0, this, &UploadQueue::pump);
    return true;
}

}  // namespace bd::staging
