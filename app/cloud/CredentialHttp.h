#pragma once
// Blocking HTTP for credential providers (IMDS, ECS endpoint, STS, Google token / metadata / IAM
// Credentials). Runs a private QNetworkAccessManager and event loop on the calling thread, so it
// is only called from the thread pool (CloudIngestPlanner resolves and signs there), never from
// the GUI thread. A timeout aborts the request: IMDS and metadata probes use ~1 s so a laptop
// without them moves on quickly.
#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>
#include <QUrl>

namespace bd::cloud {

struct HttpAnswer {
    int status = 0;           // 0: no HTTP answer (refused, unreachable, timed out)
    QByteArray body;
    QString networkError;     // when status == 0
    bool timedOut = false;
    bool ok() const { return status >= 200 && status < 300; }
};

using HttpHeaders = QList<QPair<QByteArray, QByteArray>>;

HttpAnswer httpFetch(const QByteArray &verb, const QUrl &url, const HttpHeaders &headers = {},
                     const QByteArray &body = {}, int timeoutMs = 10000);

// True for 127.0.0.0/8, ::1 and "localhost": endpoints tests may override.
bool isLoopbackUrl(const QUrl &url);

}  // namespace bd::cloud
