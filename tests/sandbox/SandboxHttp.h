#pragma once
// Test helpers for the sandbox front: a running Sandbox, an httplib::Client per host, JSON
// helpers and a webhook receiver (a real loopback HTTP server recording every POST).
#include "sandbox/Sandbox.h"

#include <QByteArray>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMutex>
#include <QString>
#include <QTest>
#include <QUrl>
#include <QVector>

#include <httplib.h>

#include <memory>
#include <thread>

namespace bd::sandbox::testing {

inline const QString kKey = QStringLiteral("sandbox-key");
inline const QString kWs = QStringLiteral("sandbox-ws");

inline std::string enc(const QString &value) { return QUrl::toPercentEncoding(value).toStdString(); }

inline std::string stagingPath(const QString &tail, const QString &query = {})
{
    return "/data-staging/v1/external/" + kWs.toStdString() + "/" + tail.toStdString() + "?api_key=" + enc(kKey)
        + (query.isEmpty() ? std::string() : "&" + query.toStdString());
}

inline httplib::Client clientFor(const QUrl &url)
{
    httplib::Client client(url.host().toStdString(), url.port());
    client.set_read_timeout(30);
    return client;
}

inline QJsonObject jsonOf(const httplib::Result &result)
{
    return result ? QJsonDocument::fromJson(QByteArray::fromStdString(result->body)).object() : QJsonObject();
}

// Splits a signed URL into (origin client, path + query).
inline std::string pathOf(const QString &url)
{
    const QUrl u(url);
    return (u.path(QUrl::FullyEncoded) + QLatin1Char('?') + u.query(QUrl::FullyEncoded)).toStdString();
}

struct ReceivedHook {
    QString authorization;
    QString path;
    QJsonObject payload;
};

class HookReceiver
{
public:
    explicit HookReceiver(int failFirst = 0) : m_failFirst(failFirst)
    {
        m_server.Post(R"(.*)", [this](const httplib::Request &req, httplib::Response &res) {
            QMutexLocker lock(&m_mutex);
            if (m_failFirst > 0) {
                --m_failFirst;
                res.status = 500;
                return;
            }
            m_hooks.append({ QString::fromStdString(req.get_header_value("Authorization")),
                             QString::fromStdString(req.path),
                             QJsonDocument::fromJson(QByteArray::fromStdString(req.body)).object() });
            res.status = 204;
        });
        m_port = m_server.bind_to_any_port("127.0.0.1");
        m_thread = std::thread([this] { m_server.listen_after_bind(); });
        while (!m_server.is_running())
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ~HookReceiver()
    {
        m_server.stop();
        m_thread.join();
    }
    QString url(const QString &path = QStringLiteral("/hook")) const
    {
        return QStringLiteral("http://127.0.0.1:%1%2").arg(m_port).arg(path);
    }
    QVector<ReceivedHook> hooks() const
    {
        QMutexLocker lock(&m_mutex);
        return m_hooks;
    }
    QVector<ReceivedHook> ofType(const QString &notificationType) const
    {
        QVector<ReceivedHook> out;
        for (const ReceivedHook &h : hooks())
            if (h.payload.value(QStringLiteral("notification")).toObject().value(QStringLiteral("type")).toString() == notificationType)
                out.append(h);
        return out;
    }

private:
    httplib::Server m_server;
    std::thread m_thread;
    int m_port = 0;
    int m_failFirst = 0;
    mutable QMutex m_mutex;
    QVector<ReceivedHook> m_hooks;
};

}  // namespace bd::sandbox::testing
