#include "notify/WebhookReceiver.h"

#include "notify/WebhookStore.h"

#include "core/Redact.h"

#include <QCryptographicHash>
#include <QDebug>
#include <QMetaObject>

#include <chrono>

#include <httplib.h>
#include <openssl/crypto.h>

namespace bd::notify {

namespace {
const char *const kJson = "application/json";

QByteArray jsonMessage(const char *status, const QString &message = {})
{
    QByteArray out = QByteArrayLiteral("{\"status\":\"") + status + '"';
    if (!message.isEmpty())
        out += QByteArrayLiteral(",\"message\":\"")
               + message.toUtf8().replace('\\', "\\\\").replace('"', "\\\"").replace('\n', ' ') + '"';
    return out + '}';
}
}  // namespace

WebhookReceiver::WebhookReceiver(WebhookReceiverOptions options, QObject *parent)
    : QObject(parent), m_options(std::move(options))
{
    qRegisterMetaType<bd::notify::WebhookEvent>();
    registerSecret(m_options.publishableKey);
}

WebhookReceiver::~WebhookReceiver() { stop(); }

bool WebhookReceiver::start(QString *error)
{
    auto fail = [error](const QString &why) {
        if (error)
            *error = why;
        return false;
    };
    if (m_server)
        return fail(QStringLiteral("The webhook receiver is already running."));
    if (m_options.publishableKey.isEmpty())
        return fail(QStringLiteral("A publishable key is required to check webhook Authorization headers."));
    QString dbError;
    if (!WebhookStore::ensureSchema(&dbError))
        return fail(QStringLiteral("Cannot prepare the webhook history database: %1").arg(dbError));

    auto server = std::make_unique<httplib::Server>();
    server->set_payload_max_length(size_t(m_options.maxBodyBytes));
    server->Post(".*", [this](const httplib::Request &req, httplib::Response &res) {
        const Outcome o = handle(QByteArray::fromStdString(req.get_header_value("Authorization")),
                                 QByteArray::fromStdString(req.body));
        res.status = o.status;
        res.set_content(o.body.toStdString(), kJson);
    });
    // Errors httplib produces itself (413 for oversized bodies, 404 for other methods) get a body too.
    server->set_error_handler([this](const httplib::Request &, httplib::Response &res) {
        if (!res.body.empty())
            return;   // one of our own 400/401 answers: already counted
        res.set_content(jsonMessage("error", QStringLiteral("HTTP %1").arg(res.status)).toStdString(), kJson);
        QMutexLocker lock(&m_mutex);
        ++m_rejected;
    });
    const std::string host = m_options.host.toStdString();
    int port = m_options.port;
    if (port == 0)
        port = server->bind_to_any_port(host);
    else if (!server->bind_to_port(host, port))
        port = -1;
    if (port <= 0)
        return fail(QStringLiteral("Cannot listen on %1:%2 for webhooks.").arg(m_options.host).arg(m_options.port));
    m_boundPort = quint16(port);
    m_server = std::move(server);
    httplib::Server *raw = m_server.get();
    m_thread = std::thread([raw] { raw->listen_after_bind(); });
    // httplib's stop() is a no-op until the accept loop runs; wait for it so stop() never hangs.
    for (int i = 0; i < 500 && !raw->is_running(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return true;
}

void WebhookReceiver::stop()
{
    if (!m_server)
        return;
    m_server->stop();
    if (m_thread.joinable())
        m_thread.join();
    m_server.reset();
    m_boundPort = 0;
}

bool WebhookReceiver::isRunning() const { return m_server != nullptr; }

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

bool WebhookReceiver::authorized(const QByteArray &authorization) const
{
    QByteArray presented = authorization.trimmed();
    if (presented.size() > 7 && presented.left(7).toLower() == "bearer ")
        presented = presented.mid(7).trimmed();
    // Compare digests so neither the content nor the length of the key leaks through timing.
    const QByteArray a = QCryptographicHash::hash(presented, QCryptographicHash::Sha256);
    const QByteArray b = QCryptographicHash::hash(m_options.publishableKey.toUtf8(), QCryptographicHash::Sha256);
    return !presented.isEmpty() && CRYPTO_memcmp(a.constData(), b.constData(), size_t(a.size())) == 0;
}

// Runs on a server thread: never touches the database (connections are per thread) or QObjects.
WebhookReceiver::Outcome WebhookReceiver::handle(const QByteArray &authorization, const QByteArray &body)
{
    if (!authorized(authorization)) {
        QMutexLocker lock(&m_mutex);
        ++m_rejected;
        return { 401, jsonMessage("unauthorized", QStringLiteral("Authorization must carry the publishable key.")) };
    }
    WebhookEvent event;
    Error error;
    if (!parseWebhookEvent(body, &event, &error)) {
        QMutexLocker lock(&m_mutex);
        ++m_rejected;
        return { 400, jsonMessage("bad-request", error.message) };
    }
    event.receivedAt = QDateTime::currentDateTimeUtc();
    {
        QMutexLocker lock(&m_mutex);
        if (m_seen.contains(event.eventId)) {
            ++m_duplicates;
            return { 200, jsonMessage("duplicate") };
        }
        m_seen.insert(event.eventId);
        ++m_accepted;
    }
    QMetaObject::invokeMethod(this, [this, event] { deliver(event); }, Qt::QueuedConnection);
    return { 200, jsonMessage("accepted") };
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

}  // namespace bd::notify
