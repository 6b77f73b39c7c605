#pragma once
// A small HTTP endpoint for Roboflow webhooks (spec §13): the URL you give as notificationsURL.
// cpp-httplib serves it on its own threads; every accepted event is de-duplicated by event_id,
// stored in SQLite (WebhookStore) and announced with eventReceived() on the thread that owns the
// receiver, so monitors can refresh at once instead of waiting for their next poll.
//
// Request handling: Authorization must be "Bearer <publishable key>" or the bare key (compared in
// constant time) else 401; bodies above maxBodyBytes get 413; non-JSON bodies 400; everything
// accepted (including duplicates) gets 200 so the sender stops retrying.
#include "notify/WebhookEvent.h"

#include <QMutex>
#include <QObject>
#include <QSet>
#include <QUrl>

#include <memory>
#include <thread>

namespace httplib { class Server; }

namespace bd::notify {

struct WebhookReceiverOptions {
    QString host = QStringLiteral("127.0.0.1");
    quint16 port = 0;                    // 0: any free port
    QString publishableKey;              // required
    qint64 maxBodyBytes = 1024 * 1024;   // 1 MiB; larger bodies get 413
};

class WebhookReceiver : public QObject
{
    Q_OBJECT
public:
    explicit WebhookReceiver(WebhookReceiverOptions options, QObject *parent = nullptr);
    ~WebhookReceiver() override;

    bool start(QString *error = nullptr);   // binds and starts serving; false with a reason
    void stop();                             // idempotent; joins the server thread
    bool isRunning() const;
    quint16 port() const { return m_boundPort; }
    QUrl url() const;                        // http://host:port/ (give it as notificationsURL)

    // Counters for status displays and tests (thread-safe).
    int acceptedCount() const;
    int duplicateCount() const;
    int rejectedCount() const;

Q_SIGNALS:
    // A new (not previously seen) event, already stored. Emitted on the owner thread.
    void eventReceived(const bd::notify::WebhookEvent &event);
    // Storing failed (database unusable); the event is still announced by eventReceived.
    void storageError(const QString &message);

private:
    struct Outcome { int status; QByteArray body; };
    Outcome handle(const QByteArray &authorization, const QByteArray &body);
    bool authorized(const QByteArray &authorization) const;
    void deliver(const WebhookEvent &event);   // owner thread

    WebhookReceiverOptions m_options;
    std::unique_ptr<httplib::Server> m_server;
    std::thread m_thread;
    quint16 m_boundPort = 0;
    mutable QMutex m_mutex;   // guards the fields below (touched by server threads)
    QSet<QString> m_seen;     // event ids accepted by this receiver
    int m_accepted = 0;
    int m_duplicates = 0;
    int m_rejected = 0;
};

}  // namespace bd::notify
