#pragma once
// SignedTransfer: one S1 PUT (docs/protocol.md §5.1) whose body device is never read on the
// thread that owns the transfer (the GUI thread). Two transports:
//  * libcurl (the default; CurlSignedPut.h): each PUT runs blocking on a thread of the transfer
//    thread's pool, which reads the body there in 64 KiB reads and writes it to the socket itself;
//  * Qt (BATCHDECK_SIGNED_PUT=qt, for comparison): the body is read and handed to Qt's HTTP
//    thread on the transfer thread. Qt 6.4 reads an unbuffered upload device 16 KiB at a time on
//    the thread of its QNetworkAccessManager, one cross-thread round trip per chunk.
// Either way the body device lives on (and is deleted on) the transfer thread.
//
// Usage (the owner's thread; SignedPutOperation):
//
//     SignedTransfer *t = api->newSignedTransfer();          // not started, owned by the caller
//     QIODevice *body = openBody(..., [t] { t->announceBodyLeaving(); });   // unparented, open
//     connect(t, &SignedTransfer::bodyLeaving, this, ...);  // the last bytes wait for it
//     connect(t, &SignedTransfer::finished, this, ...);
//     t->start(upload, body, size, name);                    // takes the body; runs in the thread
//     ...
//     t->release();                                          // never delete it: aborts, frees there
//
// Its signals are emitted on the owner's thread (the one that created it).
#include "api/ApiModels.h"
#include "core/Error.h"

#include <QByteArray>
#include <QNetworkRequest>
#include <QObject>
#include <QPointer>
#include <QThread>
#include <QThreadPool>

#include <atomic>
#include <mutex>
#include <set>
#include <vector>

class QIODevice;
class QNetworkAccessManager;
class QNetworkReply;

namespace bd::api {

class TransferThread;

// The S1 request (ApiClient::putSigned and SignedTransfer): the extension headers verbatim, an
// exact Content-Length, streamed (DoNotBufferUploadDataAttribute); sent with the custom verb
// "PUT" so Qt invents no Content-Type the signature does not cover.
QNetworkRequest signedPutRequest(const SignedUpload &upload, qint64 size);

class SignedTransfer;

namespace detail {
struct CurlPutOutcome;

// The transfer-thread half of a SignedTransfer: owns the body and the reply there. With libcurl
// the body is read on a pool thread while the PUT runs; the worker, its front and the body are
// freed only once that has ended (release()).
class SignedTransferWorker : public QObject
{
    Q_OBJECT
public:
    SignedTransferWorker(TransferThread *thread, SignedTransfer *front);
    ~SignedTransferWorker() override;
    // On the transfer thread: the PUT through Qt, or through libcurl on a pool thread.
    void send(const QNetworkRequest &request, QIODevice *body);
    void sendWithCurl(const SignedUpload &upload, QIODevice *body, qint64 size);
    // On the transfer thread: aborts the PUT; deletes the body, this and the front once nothing
    // reads the body any more.
    void release();

    QString operation;   // the step in error messages; set before it moves to the thread
    // Written on the transfer thread before finished(); read by the owner after it.
    QIODevice *body = nullptr;
    Error error;
    QByteArray retryAfter;

Q_SIGNALS:
    void bodyLeaving();
    void uploadProgress(qint64 sent, qint64 total);
    void finished();

private:
    friend class bd::api::TransferThread;
    void onReplyFinished();
    void onCurlFinished(const CurlPutOutcome &outcome);
    void freeAll();

    TransferThread *m_thread;
    SignedTransfer *m_front;
    QPointer<QNetworkReply> m_reply;
    std::atomic<bool> m_abort{ false };   // read by the curl PUT on its pool thread
    bool m_curlRunning = false;
    bool m_released = false;
};
}  // namespace detail

// Lives in the owner's thread and emits its signals there; the PUT itself runs on the transfer
// thread (detail::SignedTransferWorker).
class SignedTransfer : public QObject
{
    Q_OBJECT
public:
    ~SignedTransfer() override;

    // Hands the body (unparented, open for reading; owned by the transfer from now on) to the
    // transfer thread and sends the PUT there: every extension header verbatim, an exact
    // Content-Length, no Content-Type, the body streamed as the socket drains, no timeout (as
    // ApiClient::putSigned). Once. `operation` names the step in error messages ("upload shard 3").
    void start(const SignedUpload &upload, QIODevice *body, qint64 size, const QString &operation);
    // Ends it, from the owner's thread: no signal is emitted after this (even one already queued),
    // the PUT is aborted if it still runs, the body freed on the transfer thread, and this object
    // deleted later (once the body is no longer read: its bodyLeaving hook may call this object).
    // (Released after its ApiClient was destroyed, the body is not freed: the thread is gone.)
    void release();

    // For the body device, on the transfer thread, before it hands out its last bytes: emits
    // bodyLeaving() on the owner's thread and returns once it was handled (at once if released).
    void announceBodyLeaving();

    // Valid once finished() was emitted: the S1 outcome (errorFromSignedReply), the raw
    // Retry-After header, and the body device (no longer read; for its own error report).
    const Error &error() const { return m_worker->error; }
    const QByteArray &retryAfter() const { return m_worker->retryAfter; }
    QIODevice *body() const { return m_worker->body; }

Q_SIGNALS:
    // The body's last bytes wait until the receivers of this have returned.
    void bodyLeaving();
    void uploadProgress(qint64 sent, qint64 total);
    void finished();

private:
    friend class TransferThread;
    SignedTransfer(TransferThread *thread, QObject *parent);

    QPointer<TransferThread> m_thread;
    detail::SignedTransferWorker *m_worker;   // deleted (later, on its thread) by release()
    bool m_started = false;
    bool m_released = false;
};

// The thread signed transfers run on, with the pool their libcurl PUTs block on, or (Qt) with
// managers of its own: over HTTP/1.1 Qt opens at most 6 connections per host and manager, so a
// new manager joins once each has kPerManager PUTs running (at most kMaxManagers). Lives in the
// owner's thread; its destructor aborts the PUTs that still run and stops the thread.
class TransferThread : public QObject
{
    Q_OBJECT
public:
    static constexpr int kPerManager = 4;
    static constexpr int kMaxManagers = 4;
    static constexpr int kMaxCurlThreads = 64;   // PUTs beyond this many wait for a thread

    explicit TransferThread(QObject *parent = nullptr);
    ~TransferThread() override;

    // A new, unstarted transfer owned by the caller (see SignedTransfer).
    SignedTransfer *newTransfer();

private:
    friend class SignedTransfer;
    friend class detail::SignedTransferWorker;
    // On the transfer thread: PUT through the least busy manager.
    QNetworkReply *sendPut(const QNetworkRequest &request, QIODevice *body);
    // Any thread: counts a curl PUT as running (false once stopping: then it must not start).
    bool enterCurlPut(detail::SignedTransferWorker *worker);
    void leaveCurlPut(detail::SignedTransferWorker *worker);

    const bool m_useCurl;   // BATCHDECK_SIGNED_PUT=qt: false
    QThread m_thread;
    QThreadPool m_curlPool;
    std::mutex m_curlMutex;
    std::set<detail::SignedTransferWorker *> m_curlRunning;   // under m_curlMutex
    bool m_stopping = false;                                  // under m_curlMutex
    QObject *m_home = nullptr;   // lives in m_thread; parent of the managers
    struct Manager { QNetworkAccessManager *nam; int running; };
    std::vector<Manager> m_managers;   // touched on m_thread only
};

}  // namespace bd::api
