#pragma once
// A small HTTP endpoint for Roboflow webhooks (spec §13): the URL you give as notificationsURL.
// It is meant to be reachable from the internet (through a tunnel or proxy), so it is built for
// hostile input on GNU libmicrohttpd, whose access handler sees the headers before any body byte:
//
// * the key (Authorization "Bearer <publishable key>" or the bare key, compared in constant time)
//   is checked when the headers are complete; a refused request is answered and closed without
//   reading its body (401);
// * only POST (405); a body needs Content-Length or chunked framing (411); compressed bodies
//   (any Content-Encoding but identity) are refused (415), never decompressed; a declared length
//   above maxBodyBytes gets 413 before the body; a chunked body that grows past it is cut;
// * body bytes held at once across all connections are capped (maxBufferedBytes, else 503), and so
//   are accepted events still waiting for the owner thread (maxPendingEvents, else 503);
// * every connection has a deadline for its headers (from connect, or from the previous answer on
//   a kept-alive connection) and one for its body; a watchdog closes connections past theirs, and
//   when the connection table is nearly full it closes the oldest ones still sending headers, so a
//   crowd of slow clients never locks out a sender that sends its request at once;
// * malformed JSON gets 400; everything accepted (including duplicates) gets 200 so the sender
//   stops retrying. Accepted events are de-duplicated by event_id (a bounded in-memory window plus
//   WebhookStore's capped history), stored and announced with eventReceived() on the owner thread.
#include "notify/WebhookEvent.h"

#include <QMutex>
#include <QObject>
#include <QQueue>
#include <QSet>
#include <QUrl>

#include <atomic>
#include <memory>

namespace bd::notify {

struct WebhookReceiverOptions {
    QString host = QStringLiteral("127.0.0.1");
    quint16 port = 0;                            // 0: any free port
    QString publishableKey;                      // required
    qint64 maxBodyBytes = 1024 * 1024;           // 1 MiB; larger bodies get 413 (or are cut when chunked)
    int maxConnections = 1000;                   // open at once; beyond, new ones wait in the listen backlog
    int headerDeadlineMs = 10000;                // connect (or previous answer) → end of headers
    int bodyDeadlineMs = 30000;                  // end of headers → end of body (1 MiB at ≥ 35 KB/s)
    qint64 maxBufferedBytes = 16 * 1024 * 1024;  // body bytes held across all connections
    int maxPendingEvents = 1000;                 // accepted, not yet handed to the owner thread
    int rememberedEventIds = 10000;              // in-memory de-duplication window
};

class WebhookReceiver : public QObject
{
    Q_OBJECT
public:
    explicit WebhookReceiver(WebhookReceiverOptions options, QObject *parent = nullptr);
    ~WebhookReceiver() override;

    bool start(QString *error = nullptr);   // binds and starts serving; false with a reason
    void stop();                             // idempotent; joins the server and watchdog threads
    bool isRunning() const;
    quint16 port() const { return m_boundPort; }
    QUrl url() const;                        // http://host:port/ (give it as notificationsURL)
    const WebhookReceiverOptions &options() const { return m_options; }

    // Serve an already connected stream socket (the fuzz target feeds one end of a socketpair).
    // The receiver owns `fd` afterwards, even on failure. Needs a running receiver.
    bool adoptConnection(int fd);

    // Counters for status displays and tests (thread-safe).
    int acceptedCount() const;
    int duplicateCount() const;
    int rejectedCount() const;
    qint64 bodyBytesRead() const { return m_bodyBytesRead.load(); }        // handed to us by the HTTP layer
    qint64 unauthorizedBodyBytes() const { return m_unauthorizedBodyBytes.load(); }   // must stay 0
    qint64 peakBufferedBytes() const { return m_peakBuffered.load(); }
    int openConnections() const;
    int connectionsCutByDeadline() const { return m_cutByDeadline.load(); }

    struct Private;   // libmicrohttpd callbacks and the watchdog (WebhookReceiver.cpp)

Q_SIGNALS:
    // A new (not previously seen) event, already stored. Emitted on the owner thread.
    void eventReceived(const bd::notify::WebhookEvent &event);
    // Storing failed (database unusable); the event is still announced by eventReceived.
    void storageError(const QString &message);

private:
    friend struct Private;
    struct Outcome { int status; QByteArray body; };
    Outcome accept(const QByteArray &body);   // after the key and the framing were checked
    bool authorized(const QByteArray &authorization) const;
    void rememberId(const QString &eventId);   // m_mutex held
    void deliver(const WebhookEvent &event);   // owner thread

    WebhookReceiverOptions m_options;
    QByteArray m_keyDigest;   // SHA-256 of the publishable key
    std::unique_ptr<Private> d;
    quint16 m_boundPort = 0;
    mutable QMutex m_mutex;   // guards the fields below (touched by the server thread)
    QSet<QString> m_seen;     // event ids accepted by this receiver, the newest rememberedEventIds
    QQueue<QString> m_seenOrder;
    int m_accepted = 0;
    int m_duplicates = 0;
    int m_rejected = 0;
    std::atomic<qint64> m_bodyBytesRead{ 0 };
    std::atomic<qint64> m_unauthorizedBodyBytes{ 0 };
    std::atomic<qint64> m_buffered{ 0 };
    std::atomic<qint64> m_peakBuffered{ 0 };
    std::atomic<int> m_pendingEvents{ 0 };
    std::atomic<int> m_cutByDeadline{ 0 };
};

}  // namespace bd::notify
