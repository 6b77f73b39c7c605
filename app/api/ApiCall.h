#pragma once
// Base of every Roboflow API request object (one small class per endpoint, see
// StagingRequests.h and JobRequests.h). An ApiCall is a bd::Operation (core/Operation.h), so it
// has the same finished() / error() / cancel() / setAutoDelete() / exec() as every other piece of
// asynchronous work. Contract, the same for every call:
//  - created by an ApiClient factory and started automatically on the next event-loop pass, so
//    connect to finished() right after the factory returns;
//  - emits finished() exactly once, then error() tells success (ErrorKind::None) from failure and
//    the subclass's typed result() holds the decoded response;
//  - deletes itself (deleteLater) after finished(): auto-delete is ON for calls (unlike the
//    Operation default), unless setAutoDelete(false) or exec(), which switches it off so the
//    caller can read result() afterwards (the call stays a child of the ApiClient);
//  - retries transient failures itself (RetryPolicy: 408/429/502/503/504, connection errors,
//    timeouts, and a 2xx answer that is cut short or not JSON), re-sending the whole request, but
//    only when the request is idempotent (Request::idempotent; a plain POST is repeated after a
//    429 only); while it waits because the server asked to slow down, the client emits
//    ApiClient::rateLimited(); cancel() stops it with ErrorKind::Cancelled;
//  - resolves the workspace first (W1) when the client has none cached;
//  - PagedCall follows nextPageToken (see below).
//
// \code
//     auto *call = api->getJob(jobId);                 // GUI: asynchronous, deletes itself
//     connect(call, &bd::api::ApiCall::finished, this, [call] { show(call->error(), call->result()); });
//
//     std::unique_ptr<bd::api::GetJobCall> job(api.getJob(jobId));   // CLI / tests: blocking
//     if (!job->exec())
//         return fail(job->error());
// \endcode
#include "api/ApiConfig.h"
#include "core/Error.h"
#include "core/Operation.h"

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

class ApiCall : public bd::Operation {
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

    // Between start and finished(): the request (or a retry wait, or W1) is under way.
    bool isRunning() const { return state() == State::Running; }
    // What the request does, as messages name it, e.g. "list batches" ("Could not list batches").
    QString requestName() const { return m_requestName; }
    // Attempts made for the current request (1 = no retry was needed).
    int attempts() const { return m_attempt; }
    // HTTP status and body of the last response received (0 / empty if none).
    int httpStatus() const { return m_httpStatus; }
    QByteArray rawBody() const { return m_rawBody; }

    // Override the client's retry policy for this call (RetryPolicy::none() to disable).
    void setRetryPolicy(const RetryPolicy &policy) { m_retry = policy; }
    const RetryPolicy &retryPolicy() const { return m_retry; }

protected:
    ApiCall(ApiClient *client, const QString &requestName, bool needsWorkspace);

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

    // Operation: doStart() checks the key, resolves the workspace and sends the first attempt;
    // doCancel() aborts the reply in flight or the retry wait and finishes with "Cancelled: <name>".
    void doStart() override;
    void doCancel() override;

private:
    void beginAfterWorkspace();
    void sendAttempt();
    void onReplyFinished();
    void stopNetwork();

    QPointer<ApiClient> m_client;
    QString m_requestName;
    bool m_needsWorkspace = false;
    RetryPolicy m_retry;
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
    PagedCall(ApiClient *client, const QString &requestName, int pageSize, const QString &pageToken);
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
