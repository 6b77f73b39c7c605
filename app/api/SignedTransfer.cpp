#include "api/SignedTransfer.h"
#include "core/ThreadPriority.h"

#include "api/ApiError.h"
#include "api/CurlSignedPut.h"

#include <QCoreApplication>
#include <QIODevice>
#include <QNetworkAccessManager>
#include <QNetworkReply>

namespace bd::api {

QNetworkRequest signedPutRequest(const SignedUpload &upload, qint64 size)
{
    QNetworkRequest request(upload.uploadUrl);
    for (const auto &header : upload.extensionHeaders)
        request.setRawHeader(header.first, header.second);
    request.setHeader(QNetworkRequest::ContentLengthHeader, size);
    // Stream the body from the device as the socket drains; without this Qt reads a sequential
    // device (a tar shard made on the fly) whole into memory before sending.
    request.setAttribute(QNetworkRequest::DoNotBufferUploadDataAttribute, true);
    return request;
}

// ---- SignedTransferWorker (the transfer thread) ----

namespace detail {

SignedTransferWorker::SignedTransferWorker(TransferThread *thread, SignedTransfer *front)
    : m_thread(thread), m_front(front)
{
}

SignedTransferWorker::~SignedTransferWorker()
{
    if (m_reply) {
        m_reply->disconnect(this);
        m_reply->abort();
        m_reply->deleteLater();
    }
    if (body) {
        body->setParent(nullptr);
        body->deleteLater();   // after the reply (posted first), which may still hold it
    }
}

void SignedTransferWorker::send(const QNetworkRequest &request, QIODevice *device)
{
    body = device;
    m_reply = m_thread->sendPut(request, body);
    connect(m_reply, &QNetworkReply::uploadProgress, this, &SignedTransferWorker::uploadProgress);
    connect(m_reply, &QNetworkReply::finished, this, &SignedTransferWorker::onReplyFinished);
}

void SignedTransferWorker::sendWithCurl(const SignedUpload &upload, QIODevice *device, qint64 size)
{
    body = device;
    if (m_released || !m_thread->enterCurlPut(this)) {
        error = Error(ErrorKind::Cancelled, QStringLiteral("%1 was cancelled").arg(operation));
        Q_EMIT finished();
        return;
    }
    m_curlRunning = true;
    m_thread->m_curlPool.start([this, upload, size] {
        bd::threads::lowerThisThread();
        // This worker and its front stay alive until onCurlFinished (release() waits for it).
        const CurlPutOutcome outcome = performSignedPut(upload, body, size, m_abort, [this](qint64 sent, qint64 total) {
            Q_EMIT uploadProgress(sent, total);
        });
        m_thread->leaveCurlPut(this);
        QMetaObject::invokeMethod(this, [this, outcome] { onCurlFinished(outcome); }, Qt::QueuedConnection);
    });
}

void SignedTransferWorker::onCurlFinished(const CurlPutOutcome &outcome)
{
    m_curlRunning = false;
    if (m_released) {
        freeAll();
        return;
    }
    error = errorFromCurlPut(outcome, operation);
    retryAfter = outcome.retryAfter;
    Q_EMIT finished();
}

void SignedTransferWorker::release()
{
    m_released = true;
    m_abort = true;
    if (m_reply) {
        m_reply->disconnect(this);
        m_reply->abort();
    }
    if (!m_curlRunning)
        freeAll();
}

void SignedTransferWorker::freeAll()
{
    m_front->deleteLater();
    deleteLater();   // the destructor frees the reply and the body
}

void SignedTransferWorker::onReplyFinished()
{
    QNetworkReply *reply = m_reply;
    m_reply = nullptr;
    if (!reply)
        return;
    error = errorFromSignedReply(reply, operation);
    retryAfter = reply->rawHeader("Retry-After");
    reply->deleteLater();
    Q_EMIT finished();
}

}  // namespace detail

// ---- SignedTransfer (the owner's thread) ----

SignedTransfer::SignedTransfer(TransferThread *thread, QObject *parent)
    : QObject(parent), m_thread(thread), m_worker(new detail::SignedTransferWorker(thread, this))
{
    // Every signal of the worker passes here, on the owner's thread, and stops once released.
    connect(m_worker, &detail::SignedTransferWorker::bodyLeaving, this, [this] {
        if (!m_released)
            Q_EMIT bodyLeaving();
    }, Qt::BlockingQueuedConnection);
    connect(m_worker, &detail::SignedTransferWorker::uploadProgress, this, [this](qint64 sent, qint64 total) {
        if (!m_released)
            Q_EMIT uploadProgress(sent, total);
    }, Qt::QueuedConnection);
    connect(m_worker, &detail::SignedTransferWorker::finished, this, [this] {
        if (!m_released)
            Q_EMIT finished();
    }, Qt::QueuedConnection);
}

SignedTransfer::~SignedTransfer()
{
    if (!m_released)
        m_worker->deleteLater();
}

void SignedTransfer::start(const SignedUpload &upload, QIODevice *body, qint64 size, const QString &operation)
{
    if (m_started || m_released)
        return;
    m_started = true;
    detail::SignedTransferWorker *worker = m_worker;
    worker->operation = operation;
    body->setParent(worker);
    worker->moveToThread(&m_thread->m_thread);   // the body with it (a child)
    if (m_thread->m_useCurl) {
        QMetaObject::invokeMethod(worker, [worker, upload, body, size] { worker->sendWithCurl(upload, body, size); },
                                  Qt::QueuedConnection);
        return;
    }
    const QNetworkRequest request = signedPutRequest(upload, size);
    QMetaObject::invokeMethod(worker, [worker, request, body] { worker->send(request, body); }, Qt::QueuedConnection);
}

void SignedTransfer::announceBodyLeaving()
{
    Q_EMIT m_worker->bodyLeaving();
}

void SignedTransfer::release()
{
    if (m_released)
        return;
    m_released = true;
    if (!m_started || !m_thread) {
        m_worker->deleteLater();   // on this thread, or never once the transfer thread is gone
        deleteLater();
        return;
    }
    // Aborts the PUT there; the worker deletes this object once the body is no longer read.
    detail::SignedTransferWorker *worker = m_worker;
    QMetaObject::invokeMethod(worker, [worker] { worker->release(); }, Qt::QueuedConnection);
}

// ---- TransferThread ----

TransferThread::TransferThread(QObject *parent)
    : QObject(parent), m_useCurl(qEnvironmentVariable("BATCHDECK_SIGNED_PUT") != QLatin1String("qt")), m_home(new QObject)
{
    m_curlPool.setMaxThreadCount(kMaxCurlThreads);
    m_thread.setObjectName(QStringLiteral("bd signed transfers"));
    m_home->moveToThread(&m_thread);
    // The managers (and their replies) go as the thread ends, on the thread.
    connect(&m_thread, &QThread::finished, m_home, &QObject::deleteLater);
    m_thread.start();
}

TransferThread::~TransferThread()
{
    {
        const std::lock_guard lock(m_curlMutex);
        m_stopping = true;
        for (detail::SignedTransferWorker *worker : m_curlRunning)
            worker->m_abort = true;
    }
    // A body may be waiting for this thread (bodyLeaving, blocking): serve it while waiting.
    while (!m_curlPool.waitForDone(10))
        QCoreApplication::sendPostedEvents(nullptr, QEvent::MetaCall);
    m_thread.quit();
    // A body may be waiting for this thread (bodyLeaving, blocking): serve it while waiting.
    while (!m_thread.wait(10))
        QCoreApplication::sendPostedEvents(nullptr, QEvent::MetaCall);
}

SignedTransfer *TransferThread::newTransfer()
{
    return new SignedTransfer(this, nullptr);
}

bool TransferThread::enterCurlPut(detail::SignedTransferWorker *worker)
{
    const std::lock_guard lock(m_curlMutex);
    if (m_stopping)
        return false;
    m_curlRunning.insert(worker);
    return true;
}

void TransferThread::leaveCurlPut(detail::SignedTransferWorker *worker)
{
    const std::lock_guard lock(m_curlMutex);
    m_curlRunning.erase(worker);
}

QNetworkReply *TransferThread::sendPut(const QNetworkRequest &request, QIODevice *body)
{
    Manager *least = nullptr;
    for (Manager &m : m_managers)
        if (!least || m.running < least->running)
            least = &m;
    if (!least || (least->running >= kPerManager && int(m_managers.size()) < kMaxManagers)) {
        m_managers.push_back({ new QNetworkAccessManager(m_home), 0 });
        least = &m_managers.back();
    }
    QNetworkReply *reply = least->nam->sendCustomRequest(request, "PUT", body);
    ++least->running;
    QNetworkAccessManager *nam = least->nam;
    connect(reply, &QObject::destroyed, m_home, [this, nam] {
        for (Manager &m : m_managers)
            if (m.nam == nam)
                --m.running;
    });
    return reply;
}

}  // namespace bd::api
