#pragma once
// Base of every Roboflow API request object (one small class per endpoint, see
// StagingRequests.h and JobRequests.h). Contract, the same for every call:
//  - created by an ApiClient factory and started automatically on the next event-loop pass, so
//    connect to finished() right after the factory returns;
//  - emits finished() exactly once, then error() tells success (ErrorKind::None) from failure and
//    the subclass's typed result() holds the decoded response;
//  - deletes itself (deleteLater) after finished() unless setAutoDelete(false);
//  - retries transient failures itself (RetryPolicy: 408/429/502/503/504, connection errors,
//    timeouts, and a 2xx answer that is cut short or not JSON), re-sending the whole request, but
//    only when the request is idempotent (Request::idempotent; a plain POST is repeated after a
//    429 only); abort() stops it with ErrorKind::Cancelled;
//  - resolves the workspace first (W1) when the client has none cached.
#include "api/ApiConfig.h"
#include "core/Error.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QJsonObject>
#include <QList>
#include <QNetworkRequest>
#include <QObject>
#include <QPair>
#include <QPointer>
#include <QSet>
#include <QString>
#include <QTimer>

#include <optional>

class QNetworkAccessManager;
class QNetworkReply;

namespace bd::api {

class ApiClient;
using QueryItems = QList<QPair<QString, QString>>;

class ApiCall : public QObject {
    Q_OBJECT
public:
    // What to send; built again for every attempt and every page.
    struct Request {
        QByteArray verb = "GET";
        QString path;              // appended to the base URL's path; already percent-encoded
        QueryItems query;          // decoded values; api_key is added automatically
        bool hasBody = false;      // false: no body; POSTs then send Content-Length: 0
        QByteArray body;
        QByteArray contentType;
        int timeoutMultiplier = 1; // D10/D11 use 2 (spec §2.6)
        // Safe to send again after an uncertain outcome (see bd::api::mayRepeat). Unset: true for
        // GET, false for POST; a POST the server de-duplicates by a key it carries sets true.
        std::optional<bool> idempotent;
        // The key goes in "Authorization: Bearer" and never into the URL (Asset Library routes,
        // docs/protocol.md §16); otherwise in the api_key query parameter (spec §2.2).
        bool bearerAuth = false;
    };

    ~ApiCall() override;

    // ErrorKind::None after a success; valid once finished() was emitted.
    const Error &error() const { return m_error; }
    bool isFinished() const { return m_finished; }
    bool isRunning() const { return m_started && !m_finished; }
    // The operation name used in messages, e.g. "list batches".
    QString operation() const { return m_operation; }
    // Attempts made for the current request (1 = no retry was needed).
    int attempts() const { return m_attempt; }
    // HTTP status and body of the last response received (0 / empty if none).
    int httpStatus() const { return m_httpStatus; }
    QByteArray rawBody() const { return m_rawBody; }

    // Stop now: finishes with ErrorKind::Cancelled (finished() is still emitted once).
    void abort();
    // Start now instead of on the next event-loop pass. Idempotent.
    void start();

    void setAutoDelete(bool autoDelete) { m_autoDelete = autoDelete; }
    bool autoDelete() const { return m_autoDelete; }
    // Override the client's retry policy for this call (RetryPolicy::none() to disable).
    void setRetryPolicy(const RetryPolicy &policy) { m_retry = policy; }
    const RetryPolicy &retryPolicy() const { return m_retry; }

Q_SIGNALS:
    void finished();

protected:
    ApiCall(ApiClient *client, const QString &operation, bool needsWorkspace);

    virtual Request buildRequest() = 0;
    // Send one attempt. The default sends spec.body with QNetworkAccessManager; D7 overrides it
    // to stream a multipart form. The reply is owned by the call. Return nullptr and set *error
    // to fail before anything is sent (e.g. an unreadable file).
    virtual QNetworkReply *send(QNetworkAccessManager *nam, QNetworkRequest request, const Request &spec,
                                Error *error);
    // Decode a 2xx body into the typed result; a returned error fails the call (no retry).
    virtual Error handleSuccess(const QByteArray &body) = 0;
    // After handleSuccess, return true to send one more request (the next page).
    virtual bool wantsAnotherRequest() { return false; }

    ApiClient *client() const { return m_client; }
    // "/data-staging/v1/external/<ws>" or "/batch-processing/v1/external/<ws>" + suffix.
    QString stagingPath(const QString &suffix) const;
    QString jobsPath(const QString &suffix) const;
    static QString segment(const QString &pathSegment); // percent-encodes one path segment
    static QByteArray compactJson(const QJsonObject &object);

private:
    void beginAfterWorkspace();
    void sendAttempt();
    void onReplyFinished();
    void finish(const Error &error);

    QPointer<ApiClient> m_client;
    QString m_operation;
    bool m_needsWorkspace = false;
    bool m_started = false;
    bool m_finished = false;
    bool m_autoDelete = true;
    RetryPolicy m_retry;
    Error m_error;
    bool m_idempotent = true;  // of the request in flight
    int m_attempt = 0;
    int m_httpStatus = 0;
    int m_timeoutSeconds = 60;
    QByteArray m_rawBody;
    QPointer<QNetworkReply> m_reply;   // the QNAM may delete it first (client torn down)
    QTimer m_retryTimer;
    QElapsedTimer m_sinceFirstAttempt;
};

// A listing that pages with nextPageToken (spec §2.5). By default one page is fetched; with
// setMaxPages(0) every page is fetched (setMaxPages(n): at most n) and the items accumulate in the
// subclass's result(). The call fails with BadResponse when the server sends an empty ("") token
// or one it sent before, or still sends a token after pageCap() pages, since following it would
// loop forever.
class PagedCall : public ApiCall {
    Q_OBJECT
public:
    // A listing longer than this is not plausible; a server that keeps sending new tokens past it
    // is looping, and the call fails with BadResponse instead of following it forever.
    static constexpr int kDefaultPageCap = 10000;

    // 0 = all pages (up to the page cap). Set before the call starts.
    void setMaxPages(int maxPages) { m_maxPages = maxPages; }
    int maxPages() const { return m_maxPages; }
    void setPageCap(int pageCap) { m_pageCap = pageCap; }
    int pageCap() const { return m_pageCap; }
    int pagesFetched() const { return m_pagesFetched; }
    // The token for the page after the last one fetched; nullopt when the listing is complete.
    std::optional<QString> nextPageToken() const { return m_nextToken; }

protected:
    PagedCall(ApiClient *client, const QString &operation, int pageSize, const QString &pageToken);
    // Adds pageSize (when > 0) and nextPageToken (when there is one) to the query.
    void addPagingQuery(Request &request) const;
    // Parse one page: append its items and report its token (nullopt = null or absent).
    virtual Error parsePage(const QJsonObject &page, std::optional<QString> *nextToken) = 0;

private:
    Error handleSuccess(const QByteArray &body) final;
    bool wantsAnotherRequest() final;

    int m_pageSize = 0;
    int m_maxPages = 1;
    int m_pageCap = kDefaultPageCap;
    int m_pagesFetched = 0;
    QString m_requestToken;
    std::optional<QString> m_nextToken;
    QSet<QString> m_seenTokens;
};

// W1: resolve the workspace slug from the API key. On success the client caches it.
class ResolveWorkspaceCall : public ApiCall {
    Q_OBJECT
public:
    explicit ResolveWorkspaceCall(ApiClient *client);
    QString result() const { return m_workspace; }

protected:
    Request buildRequest() override;
    Error handleSuccess(const QByteArray &body) override;

private:
    QString m_workspace;
};

}  // namespace bd::api
