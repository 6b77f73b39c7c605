#include "notify/WebhookReceiver.h"

#include "notify/WebhookStore.h"

#include "core/Redact.h"

#include <QCryptographicHash>
#include <QDebug>
#include <QMetaObject>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <sys/socket.h>
#include <unistd.h>

namespace bd::notify {

namespace {
using Clock = std::chrono::steady_clock;

QByteArray jsonMessage(const char *status, const QString &message = {})
{
    QByteArray out = QByteArrayLiteral("{\"status\":\"") + status + '"';
    if (!message.isEmpty())
        out += QByteArrayLiteral(",\"message\":\"")
               + message.toUtf8().replace('\\', "\\\\").replace('"', "\\\"").replace('\n', ' ') + '"';
    return out + '}';
}

// One open connection, as the watchdog sees it. Created when libmicrohttpd accepts the socket
// and deleted when it reports the connection closed, which it does before closing the socket:
// so a tracked fd is always still ours to shut down.
struct TrackedConnection {
    int fd = -1;
    Clock::time_point openedAt;
    Clock::time_point deadline;
    bool inHeaders = true;   // waiting for (the next request's) headers
    bool cut = false;
};

// Per request: the body collected so far and what it reserved of the shared buffer budget.
struct RequestState {
    QByteArray body;
    qint64 reserved = 0;
    bool chunked = false;
    bool authorized = false;   // the key was checked and matched
    bool answered = false;     // a response is queued: counted in Private::answering until sent
};
}  // namespace

struct WebhookReceiver::Private {
    WebhookReceiver *q = nullptr;
    MHD_Daemon *daemon = nullptr;

    std::mutex mutex;   // guards connections and stopping
    std::unordered_set<TrackedConnection *> connections;
    bool stopping = false;
    std::condition_variable wake;
    std::thread watchdog;
    // Responses queued and not yet sent (or their connection closed): stop() lets them go out, so
    // a sender whose notification was accepted — and printed — is not left without its 200 and
    // retrying a delivery that already counted.
    std::atomic<int> answering{ 0 };

    static void onConnection(void *cls, MHD_Connection *c, void **socketContext, MHD_ConnectionNotificationCode code);
    static MHD_Result onRequest(void *cls, MHD_Connection *c, const char *url, const char *method, const char *version,
                                const char *data, size_t *dataSize, void **requestContext);
    static void onCompleted(void *cls, MHD_Connection *c, void **requestContext, MHD_RequestTerminationCode code);

    MHD_Result answer(MHD_Connection *c, RequestState *state, int status, const QByteArray &body, bool close);
    MHD_Result refuse(MHD_Connection *c, RequestState *state, int status, const char *what, const QString &message);
    bool reserve(RequestState *state, qint64 bytes);
    void release(RequestState *state);
    void setPhase(MHD_Connection *c, bool inHeaders);
    void watch();
};

WebhookReceiver::WebhookReceiver(WebhookReceiverOptions options, QObject *parent)
    : QObject(parent), m_options(std::move(options))
{
    qRegisterMetaType<bd::notify::WebhookEvent>();
    registerSecret(m_options.publishableKey);
    m_keyDigest = QCryptographicHash::hash(m_options.publishableKey.toUtf8(), QCryptographicHash::Sha256);
}

WebhookReceiver::~WebhookReceiver() { stop(); }

bool WebhookReceiver::start(QString *error)
{
    auto fail = [error](const QString &why) {
        if (error)
            *error = why;
        return false;
    };
    if (d)
        return fail(QStringLiteral("The webhook receiver is already running."));
    if (m_options.publishableKey.isEmpty())
        return fail(QStringLiteral("A publishable key is required to check webhook Authorization headers."));
    QString dbError;
    if (!WebhookStore::ensureSchema(&dbError))
        return fail(QStringLiteral("Cannot prepare the webhook history database: %1").arg(dbError));

    const QString cannotListen = QStringLiteral("Cannot listen on %1:%2 for webhooks").arg(m_options.host).arg(m_options.port);
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo *found = nullptr;
    const QByteArray host = m_options.host.toUtf8();
    const QByteArray port = QByteArray::number(m_options.port);
    if (getaddrinfo(host.isEmpty() ? nullptr : host.constData(), port.constData(), &hints, &found) != 0 || !found)
        return fail(cannotListen + QStringLiteral(": unknown address."));
    sockaddr_storage address{};
    memcpy(&address, found->ai_addr, std::min<size_t>(found->ai_addrlen, sizeof address));
    const bool ipv6 = found->ai_family == AF_INET6;
    freeaddrinfo(found);

    auto p = std::make_unique<Private>();
    p->q = this;
    const unsigned headerSeconds = unsigned(std::max(1, (m_options.headerDeadlineMs + 999) / 1000));
    const unsigned bodySeconds = unsigned(std::max(1, (m_options.bodyDeadlineMs + 999) / 1000));
    unsigned flags = MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ITC;
    if (ipv6)
        flags |= MHD_USE_IPv6;
    // One polling thread serves every connection: a slow client costs a socket and a small memory
    // pool, never a thread. poll() rather than epoll: libmicrohttpd 0.9.75's edge-triggered epoll
    // missed a client's end of stream arriving with its last bytes (a request cut short then sat
    // until its deadline); poll() over at most maxConnections sockets is cheap. ITC: connections
    // given to adoptConnection() are served at once. The inactivity timeout only backs the watchdog.
    p->daemon = MHD_start_daemon(
        flags, 0, nullptr, nullptr, &Private::onRequest, p.get(),   // d is set only after the start
        MHD_OPTION_SOCK_ADDR, reinterpret_cast<sockaddr *>(&address),
        MHD_OPTION_CONNECTION_LIMIT, unsigned(std::max(1, m_options.maxConnections)),
        MHD_OPTION_CONNECTION_TIMEOUT, headerSeconds + bodySeconds,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, size_t(32 * 1024),   // request line + headers must fit
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
        MHD_OPTION_NOTIFY_CONNECTION, &Private::onConnection, p.get(),
        MHD_OPTION_NOTIFY_COMPLETED, &Private::onCompleted, p.get(),
        MHD_OPTION_END);
    if (!p->daemon)
        return fail(cannotListen + QLatin1Char('.'));
    const MHD_DaemonInfo *info = MHD_get_daemon_info(p->daemon, MHD_DAEMON_INFO_BIND_PORT);
    m_boundPort = info ? quint16(info->port) : m_options.port;
    p->watchdog = std::thread([raw = p.get()] { raw->watch(); });
    d = std::move(p);
    return true;
}

void WebhookReceiver::stop()
{
    if (!d)
        return;
    // No new connections; answers already queued get up to two seconds to reach their senders
    // before every connection is closed.
    const MHD_socket listening = MHD_quiesce_daemon(d->daemon);
    for (int waited = 0; d->answering.load() > 0 && waited < 2000; waited += 5)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    MHD_stop_daemon(d->daemon);   // closes every connection (each reported closed) and joins
    if (listening != MHD_INVALID_SOCKET)
        ::close(listening);
    {
        std::lock_guard lock(d->mutex);
        d->stopping = true;
    }
    d->wake.notify_all();
    d->watchdog.join();
    d.reset();
    m_boundPort = 0;
}

bool WebhookReceiver::isRunning() const { return d != nullptr; }

bool WebhookReceiver::adoptConnection(int fd)
{
    if (!d) {
        ::close(fd);
        return false;
    }
    sockaddr_in peer{};
    peer.sin_family = AF_INET;
    peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return MHD_add_connection(d->daemon, fd, reinterpret_cast<sockaddr *>(&peer), sizeof peer) == MHD_YES;
}

QUrl WebhookReceiver::url() const
{
    QUrl u;
    u.setScheme(QStringLiteral("http"));
    u.setHost(m_options.host);
    u.setPort(m_boundPort);
    u.setPath(QStringLiteral("/"));
    return u;
}

int WebhookReceiver::acceptedCount() const { QMutexLocker l(&m_mutex); return m_accepted; }
int WebhookReceiver::duplicateCount() const { QMutexLocker l(&m_mutex); return m_duplicates; }
int WebhookReceiver::rejectedCount() const { QMutexLocker l(&m_mutex); return m_rejected; }

int WebhookReceiver::openConnections() const
{
    if (!d)
        return 0;
    std::lock_guard lock(d->mutex);
    return int(d->connections.size());
}

bool WebhookReceiver::authorized(const QByteArray &authorization) const
{
    QByteArray presented = authorization.trimmed();
    if (presented.size() > 7 && presented.left(7).toLower() == "bearer ")
        presented = presented.mid(7).trimmed();
    // Compare digests so neither the content nor the length of the key leaks through timing.
    const QByteArray a = QCryptographicHash::hash(presented, QCryptographicHash::Sha256);
    return !presented.isEmpty() && CRYPTO_memcmp(a.constData(), m_keyDigest.constData(), size_t(a.size())) == 0;
}

void WebhookReceiver::rememberId(const QString &eventId)
{
    m_seen.insert(eventId);
    m_seenOrder.enqueue(eventId);
    while (m_seenOrder.size() > std::max(1, m_options.rememberedEventIds))
        m_seen.remove(m_seenOrder.dequeue());
}

// Runs on the server thread: never touches the database (connections are per thread) or QObjects.
WebhookReceiver::Outcome WebhookReceiver::accept(const QByteArray &body)
{
    WebhookEvent event;
    Error error;
    if (!parseWebhookEvent(body, &event, &error)) {
        QMutexLocker lock(&m_mutex);
        ++m_rejected;
        return { MHD_HTTP_BAD_REQUEST, jsonMessage("bad-request", error.message) };
    }
    event.receivedAt = QDateTime::currentDateTimeUtc();
    {
        QMutexLocker lock(&m_mutex);
        if (m_seen.contains(event.eventId)) {
            ++m_duplicates;
            return { MHD_HTTP_OK, jsonMessage("duplicate") };
        }
        // The owner thread is not keeping up (a flood, or a blocked GUI): the sender retries later.
        if (m_pendingEvents.load() >= m_options.maxPendingEvents) {
            ++m_rejected;
            return { MHD_HTTP_SERVICE_UNAVAILABLE, jsonMessage("busy", QStringLiteral("Too many notifications at once.")) };
        }
        rememberId(event.eventId);
        ++m_accepted;
    }
    ++m_pendingEvents;
    QMetaObject::invokeMethod(this, [this, event] { --m_pendingEvents; deliver(event); }, Qt::QueuedConnection);
    return { MHD_HTTP_OK, jsonMessage("accepted") };
}

void WebhookReceiver::deliver(const WebhookEvent &event)
{
    QString dbError;
    const int stored = WebhookStore::insertIfNew(event, &dbError);
    if (stored == 0) {   // seen in an earlier session: the database is the long-term memory
        QMutexLocker lock(&m_mutex);
        --m_accepted;
        ++m_duplicates;
        return;
    }
    if (stored < 0) {
        qWarning().noquote() << "webhook: cannot store event" << event.eventId << ":" << redact(dbError);
        Q_EMIT storageError(dbError);
    }
    Q_EMIT eventReceived(event);
}

// --- libmicrohttpd callbacks (server thread) -------------------------------------------------

void WebhookReceiver::Private::onConnection(void *cls, MHD_Connection *c, void **socketContext,
                                            MHD_ConnectionNotificationCode code)
{
    auto *self = static_cast<Private *>(cls);
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        auto *t = new TrackedConnection;
        const MHD_ConnectionInfo *info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        t->fd = info ? info->connect_fd : -1;
        t->openedAt = Clock::now();
        t->deadline = t->openedAt + std::chrono::milliseconds(self->q->m_options.headerDeadlineMs);
        *socketContext = t;
        std::lock_guard lock(self->mutex);
        self->connections.insert(t);
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        auto *t = static_cast<TrackedConnection *>(*socketContext);
        *socketContext = nullptr;
        if (!t)
            return;
        {
            std::lock_guard lock(self->mutex);
            self->connections.erase(t);
        }
        delete t;
    }
}

void WebhookReceiver::Private::setPhase(MHD_Connection *c, bool inHeaders)
{
    const MHD_ConnectionInfo *info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    auto *t = info ? static_cast<TrackedConnection *>(info->socket_context) : nullptr;
    if (!t)
        return;
    const int ms = inHeaders ? q->m_options.headerDeadlineMs : q->m_options.bodyDeadlineMs;
    std::lock_guard lock(mutex);
    t->inHeaders = inHeaders;
    t->deadline = Clock::now() + std::chrono::milliseconds(ms);
}

MHD_Result WebhookReceiver::Private::answer(MHD_Connection *c, RequestState *state, int status, const QByteArray &body,
                                             bool close)
{
    MHD_Response *response = MHD_create_response_from_buffer(size_t(body.size()), const_cast<char *>(body.constData()),
                                                             MHD_RESPMEM_MUST_COPY);
    if (!response)
        return MHD_NO;
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(response, MHD_HTTP_HEADER_ALLOW, "POST");
    if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
        MHD_add_response_header(response, MHD_HTTP_HEADER_RETRY_AFTER, "1");
    // A refused request's body is never read: the connection cannot carry another request.
    if (close)
        MHD_add_response_header(response, MHD_HTTP_HEADER_CONNECTION, "close");
    const MHD_Result queued = MHD_queue_response(c, unsigned(status), response);
    MHD_destroy_response(response);
    if (queued == MHD_YES && !state->answered) {
        state->answered = true;
        ++answering;
    }
    return queued;
}

MHD_Result WebhookReceiver::Private::refuse(MHD_Connection *c, RequestState *state, int status, const char *what,
                                             const QString &message)
{
    {
        QMutexLocker lock(&q->m_mutex);
        ++q->m_rejected;
    }
    return answer(c, state, status, jsonMessage(what, message), true);
}

bool WebhookReceiver::Private::reserve(RequestState *state, qint64 bytes)
{
    const qint64 now = q->m_buffered.fetch_add(bytes) + bytes;
    if (now > q->m_options.maxBufferedBytes) {
        q->m_buffered.fetch_sub(bytes);
        return false;
    }
    state->reserved += bytes;
    qint64 peak = q->m_peakBuffered.load();
    while (now > peak && !q->m_peakBuffered.compare_exchange_weak(peak, now)) {}
    return true;
}

void WebhookReceiver::Private::release(RequestState *state)
{
    q->m_buffered.fetch_sub(state->reserved);
    state->reserved = 0;
}

MHD_Result WebhookReceiver::Private::onRequest(void *cls, MHD_Connection *c, const char *, const char *method,
                                               const char *, const char *data, size_t *dataSize, void **requestContext)
{
    auto *self = static_cast<Private *>(cls);
    WebhookReceiver *q = self->q;
    const WebhookReceiverOptions &o = q->m_options;
    auto *state = static_cast<RequestState *>(*requestContext);

    if (!state) {   // first call: the headers are complete, no body byte has been read
        state = new RequestState;
        *requestContext = state;
        self->setPhase(c, false);
        auto header = [c](const char *name) { return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name); };
        if (strcmp(method, MHD_HTTP_METHOD_POST) != 0)
            return self->refuse(c, state, MHD_HTTP_METHOD_NOT_ALLOWED, "method-not-allowed",
                                QStringLiteral("Webhooks are delivered with POST."));
        if (!q->authorized(QByteArray(header(MHD_HTTP_HEADER_AUTHORIZATION))))
            return self->refuse(c, state, MHD_HTTP_UNAUTHORIZED, "unauthorized",
                                QStringLiteral("Authorization must carry the publishable key."));
        state->authorized = true;
        const QByteArray encoding = QByteArray(header(MHD_HTTP_HEADER_CONTENT_ENCODING)).trimmed().toLower();
        if (!encoding.isEmpty() && encoding != "identity")
            return self->refuse(c, state, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported-encoding",
                                QStringLiteral("Compressed bodies are not accepted; send plain JSON."));
        const char *transfer = header(MHD_HTTP_HEADER_TRANSFER_ENCODING);
        const char *length = header(MHD_HTTP_HEADER_CONTENT_LENGTH);
        state->chunked = transfer != nullptr;
        if (transfer && QByteArray(transfer).trimmed().toLower() != "chunked")
            return self->refuse(c, state, MHD_HTTP_NOT_IMPLEMENTED, "unsupported-transfer-encoding",
                                QStringLiteral("Only chunked transfer encoding is understood."));
        if (!transfer && !length)
            return self->refuse(c, state, MHD_HTTP_LENGTH_REQUIRED, "length-required",
                                QStringLiteral("The body needs a Content-Length or chunked framing."));
        const qint64 declared = transfer ? 0 : QByteArray(length).trimmed().toLongLong();
        if (declared > o.maxBodyBytes)
            return self->refuse(c, state, MHD_HTTP_CONTENT_TOO_LARGE, "too-large",
                                QStringLiteral("Bodies are limited to %1 bytes.").arg(o.maxBodyBytes));
        if (declared > 0 && !self->reserve(state, declared))
            return self->refuse(c, state, MHD_HTTP_SERVICE_UNAVAILABLE, "busy", QStringLiteral("Too many bodies at once."));
        state->body.reserve(int(declared));
        return MHD_YES;
    }

    if (*dataSize > 0) {   // a piece of the body (refused requests never get here: counted if they do)
        const qint64 n = qint64(*dataSize);
        if (!state->authorized) {
            q->m_unauthorizedBodyBytes += n;
            return MHD_NO;
        }
        q->m_bodyBytesRead += n;
        // A response cannot be queued while body data is being handed over: returning MHD_NO
        // closes the connection, which is all a sender exceeding the limits gets.
        if (state->body.size() + n > o.maxBodyBytes
            || (state->chunked && !self->reserve(state, n))
            || (!state->chunked && state->body.size() + n > state->reserved)) {
            QMutexLocker lock(&q->m_mutex);
            ++q->m_rejected;
            return MHD_NO;
        }
        state->body.append(data, qsizetype(n));
        *dataSize = 0;
        return MHD_YES;
    }

    // Counted as due before the event can reach the owner thread, which may stop the receiver as
    // soon as it sees it (listen-webhooks --count).
    state->answered = true;
    ++self->answering;
    const Outcome outcome = q->accept(state->body);   // the whole body is in
    self->release(state);
    state->body = QByteArray();
    return self->answer(c, state, outcome.status, outcome.body, outcome.status != MHD_HTTP_OK);
}

void WebhookReceiver::Private::onCompleted(void *cls, MHD_Connection *c, void **requestContext, MHD_RequestTerminationCode)
{
    auto *self = static_cast<Private *>(cls);
    auto *state = static_cast<RequestState *>(*requestContext);
    *requestContext = nullptr;
    if (state) {
        if (state->answered)
            --self->answering;
        self->release(state);
        delete state;
    }
    self->setPhase(c, true);   // a kept-alive connection gets a fresh header deadline
}

// Closes connections past their deadline, and the oldest still sending headers when the table
// is nearly full. shutdown() wakes libmicrohttpd, which then closes and reports the connection.
void WebhookReceiver::Private::watch()
{
    const WebhookReceiverOptions &o = q->m_options;
    const size_t highWater = size_t(std::max(1, o.maxConnections - std::max(1, o.maxConnections / 10)));
    const auto minAgeToEvict = std::chrono::milliseconds(std::min(1000, o.headerDeadlineMs / 2));
    std::unique_lock lock(mutex);
    while (!stopping) {
        wake.wait_for(lock, std::chrono::milliseconds(100));
        if (stopping)
            break;
        const auto now = Clock::now();
        std::vector<TrackedConnection *> slowHeaders;
        size_t open = 0;
        for (TrackedConnection *t : connections) {
            if (t->cut)
                continue;
            if (now >= t->deadline) {
                t->cut = true;
                ::shutdown(t->fd, SHUT_RDWR);
                ++q->m_cutByDeadline;
                continue;
            }
            ++open;
            if (t->inHeaders && now - t->openedAt >= minAgeToEvict)
                slowHeaders.push_back(t);
        }
        if (open < highWater)
            continue;
        std::sort(slowHeaders.begin(), slowHeaders.end(),
                  [](const TrackedConnection *a, const TrackedConnection *b) { return a->openedAt < b->openedAt; });
        for (size_t i = 0; i < slowHeaders.size() && open >= highWater; ++i, --open) {
            slowHeaders[i]->cut = true;
            ::shutdown(slowHeaders[i]->fd, SHUT_RDWR);
            ++q->m_cutByDeadline;
        }
    }
}

}  // namespace bd::notify
