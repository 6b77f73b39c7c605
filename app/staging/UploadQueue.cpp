#include "staging/UploadQueue.h"

#include "api/ApiClient.h"

namespace bd::staging {

UploadQueue::UploadQueue(api::ApiClient *api, QObject *parent) : Operation(parent), m_api(api)
{
    setCapabilities(Cancellable | Suspendable);
    setTitle(tr("Uploads"));
    setTotalAmount(Unit::Bytes, 0);
    setTotalAmount(Unit::Files, 0);
    m_holdUntil = QDeadlineTimer(0);
    m_holdTimer.setSingleShot(true);
    connect(&m_holdTimer, &QTimer::timeout, this, &UploadQueue::pump);
    if (api)
        connect(api, &api::ApiClient::rateLimited, this, &UploadQueue::holdFor);
}

UploadQueue::~UploadQueue()
{
    for (TransferOperation *t : std::as_const(m_running)) {
        t->disconnect(this);
        t->cancel();
        delete t;
    }
    qDeleteAll(m_pending);
}

void UploadQueue::setConcurrency(int concurrency)
{
    m_concurrency = qMax(1, concurrency);
    if (state() == State::Running)
        pump();
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
    return m_holdUntil.hasExpired() ? 0 : m_holdUntil.remainingTime();
}

void UploadQueue::holdFor(int ms)
{
    if (ms <= 0 || isFinished())
        return;
    if (holdRemainingMs() >= ms)
        return;
    m_holdUntil = QDeadlineTimer(ms);
    m_holdTimer.start(ms);
    setStatusText(tr("The service asked to slow down; waiting %1 s").arg((ms + 999) / 1000));
    Q_EMIT holding(ms);
}

void UploadQueue::doStart()
{
    pump();
}

void UploadQueue::pump()
{
    if (state() != State::Running)
        return;
    if (holdRemainingMs() > 0) {
        if (!m_holdTimer.isActive())
            m_holdTimer.start(int(holdRemainingMs()));
        return;
    }
    while (m_running.size() < m_concurrency && !m_pending.isEmpty())
        startTransfer(m_pending.takeFirst());
    finishIfDone();
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
    m_holdTimer.stop();
    const QList<TransferOperation *> running = m_running;
    m_running.clear();
    for (TransferOperation *t : running) {
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
    const QList<TransferOperation *> running = m_running;
    m_running.clear();
    for (int i = int(running.size()) - 1; i >= 0; --i) {
        TransferOperation *t = running.at(i);
        if (t->bodyHasLeft()) {
            m_running.prepend(t);
            continue;
        }
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
