#include "api/SignedTransfer.h"

#include "api/ApiError.h"

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

// ---- SignedTransfer ----

SignedTransfer::SignedTransfer(TransferThread *thread) : m_thread(thread) {}

SignedTransfer::~SignedTransfer()
{
    if (m_reply) {
        m_reply->disconnect(this);
        m_reply->abort();
        m_reply->deleteLater();
    }
    if (m_body) {
        m_body->setParent(nullptr);
        m_body->deleteLater();   // after the reply (posted first), which may still hold it
    }
}

void SignedTransfer::start(const SignedUpload &upload, QIODevice *body, qint64 size, const QString &operation)
{
    m_body = body;
    m_body->setParent(this);
    m_operation = operation;
    moveToThread(&m_thread->m_thread);   // the body with it (a child)
    const QNetworkRequest request = signedPutRequest(upload, size);
    QMetaObject::invokeMethod(this, [this, request] { send(request); }, Qt::QueuedConnection);
}

void SignedTransfer::release()
{
    // Queued events already posted to the owner may still arrive; SignedPutOperation tells them
    // apart by attempt. Disconnecting stops every later one.
    disconnect();
    deleteLater();   // thread-safe: destroyed on the transfer thread (aborting the PUT)
}

void SignedTransfer::send(const QNetworkRequest &request)
{
    m_reply = m_thread->sendPut(request, m_body);
    connect(m_reply, &QNetworkReply::uploadProgress, this, &SignedTransfer::uploadProgress);
    connect(m_reply, &QNetworkReply::finished, this, &SignedTransfer::onReplyFinished);
}

void SignedTransfer::onReplyFinished()
{
    QNetworkReply *reply = m_reply;
    m_reply = nullptr;
    if (!reply)
        return;
    m_error = errorFromSignedReply(reply, m_operation);
    m_retryAfter = reply->rawHeader("Retry-After");
    reply->deleteLater();
    Q_EMIT finished();
}

// ---- TransferThread ----

TransferThread::TransferThread(QObject *parent) : QObject(parent), m_home(new QObject)
{
    m_thread.setObjectName(QStringLiteral("bd signed transfers"));
    m_home->moveToThread(&m_thread);
    // The managers (and their replies) go as the thread ends, on the thread.
    connect(&m_thread, &QThread::finished, m_home, &QObject::deleteLater);
    m_thread.start();
}

TransferThread::~TransferThread()
{
    m_thread.quit();
    // A body may be waiting for this thread (bodyLeaving, blocking): serve it while waiting.
    while (!m_thread.wait(10))
        QCoreApplication::sendPostedEvents(nullptr, QEvent::MetaCall);
}

SignedTransfer *TransferThread::newTransfer()
{
    return new SignedTransfer(this);
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
