#pragma once
// SignedTransfer: one S1 PUT (docs/protocol.md §5.1) run on the client's transfer thread, so the
// body device is read and handed to Qt's HTTP thread there — never on the thread that owns the
// transfer (the GUI thread). Qt 6 reads an unbuffered upload device 16 KiB at a time on the
// thread of its QNetworkAccessManager, one cross-thread round trip per chunk; on a busy GUI
// thread each of those waited behind the window's own work (bench_upload measures it).
//
// Usage (the owner's thread; SignedPutOperation):
//
//     SignedTransfer *t = api->newSignedTransfer();          // not started, owned by the caller
//     QIODevice *body = openBody(...);                       // unparented, open for reading
//     connect(t, &SignedTransfer::bodyLeaving, this, ..., Qt::BlockingQueuedConnection);
//     connect(t, &SignedTransfer::finished, this, ...);
//     t->start(upload, body, size);                          // takes the body; runs in the thread
//     ...
//     t->release();                                          // never delete it: aborts, frees there
//
// Signals are emitted on the transfer thread: connect them to receivers of the owner's thread
// (queued, or BlockingQueuedConnection when the device must wait for the owner, as bodyLeaving
// does). Qt drops pending signals of a receiver that is gone, and releases a blocked sender.
#include "api/ApiModels.h"
#include "core/Error.h"

#include <QByteArray>
#include <QNetworkRequest>
#include <QObject>
#include <QPointer>
#include <QThread>

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

class SignedTransfer : public QObject
{
    Q_OBJECT
public:
    // Moves itself and the body (which it then owns, unparented before) to the transfer thread
    // and sends the PUT there: every extension header verbatim, an exact Content-Length, no
    // Content-Type, the body streamed as the socket drains, no timeout (as ApiClient::putSigned).
    // Call once, from the thread that created it.
    // `operation` names the step in error messages ("upload shard 3").
    void start(const SignedUpload &upload, QIODevice *body, qint64 size, const QString &operation);
    // Aborts the PUT if it still runs and deletes the transfer (and its body) on the transfer
    // thread. No signal reaches a receiver after this; the pointer is invalid afterwards.
    // Thread-safe; the owner's only way to end it.
    void release();

    // Thread-safe: emits bodyLeaving() (the body device calls it before its last bytes).
    void announceBodyLeaving() { Q_EMIT bodyLeaving(); }

    // Valid once finished() was received: the S1 outcome (errorFromSignedReply), the raw
    // Retry-After header, and the body device (no longer read; for its own error report).
    const Error &error() const { return m_error; }
    const QByteArray &retryAfter() const { return m_retryAfter; }
    QIODevice *body() const { return m_body; }

Q_SIGNALS:
    // The body device is about to hand out its last bytes (connect blocking: they wait for it).
    void bodyLeaving();
    void uploadProgress(qint64 sent, qint64 total);
    void finished();

private:
    friend class TransferThread;
    explicit SignedTransfer(TransferThread *thread);
    ~SignedTransfer() override;
    void send(const QNetworkRequest &request);   // on the transfer thread
    void onReplyFinished();

    TransferThread *m_thread;
    QString m_operation;
    QIODevice *m_body = nullptr;
    QPointer<QNetworkReply> m_reply;
    Error m_error;
    QByteArray m_retryAfter;
};

// The thread signed transfers run on, with managers of its own: over HTTP/1.1 Qt opens at most 6
// connections per host and manager, so a new manager joins once each has kPerManager PUTs running
// (at most kMaxManagers). Lives in the owner's thread; its destructor stops the thread, aborting
// what still runs there.
class TransferThread : public QObject
{
    Q_OBJECT
public:
    static constexpr int kPerManager = 4;
    static constexpr int kMaxManagers = 4;

    explicit TransferThread(QObject *parent = nullptr);
    ~TransferThread() override;

    // A new, unstarted transfer owned by the caller (see SignedTransfer).
    SignedTransfer *newTransfer();

private:
    friend class SignedTransfer;
    // On the transfer thread: PUT through the least busy manager.
    QNetworkReply *sendPut(const QNetworkRequest &request, QIODevice *body);

    QThread m_thread;
    QObject *m_home = nullptr;   // lives in m_thread; parent of the managers
    struct Manager { QNetworkAccessManager *nam; int running; };
    std::vector<Manager> m_managers;   // touched on m_thread only
};

}  // namespace bd::api
