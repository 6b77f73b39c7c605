#include "api/ApiCall.h"

#include "api/ApiClient.h"
#include "api/ApiError.h"
#include "api/JsonFields.h"

#include <QJsonDocument>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkReply>

namespace bd::api {

Q_LOGGING_CATEGORY(lcApiCall, "batchdeck.api.call")

ApiCall::ApiCall(ApiClient *client, const QString &requestName, bool needsWorkspace)
    : Operation(client), m_client(client), m_requestName(requestName), m_needsWorkspace(needsWorkspace)
{
    setTitle(requestName);
    // A call nobody owns: the GUI fires it and reads the result in finished(); exec() turns
    // this off for callers that read the result afterwards.
    setAutoDelete(true);
    if (client)
        m_retry = client->config().retry;
    m_retryTimer.setSingleShot(true);
    connect(&m_retryTimer, &QTimer::timeout, this, &ApiCall::sendAttempt);
    // Operation::start() only schedules doStart(): the creator connects to finished() before
    // anything can happen.
    start();
}

ApiCall::~ApiCall()
{
    if (m_reply) {
        m_reply->disconnect(this);
        m_reply->abort();
        delete m_reply;
    }
}

void ApiCall::stopNetwork()
{
    m_retryTimer.stop();
    if (m_reply) {
        QNetworkReply *reply = m_reply;
        m_reply = nullptr;
        reply->disconnect(this);
        reply->abort();
        reply->deleteLater();
    }
}

void ApiCall::doStart()
{
    m_sinceFirstAttempt.start();
    if (!m_client) {
        emitResult(Error(ErrorKind::Internal, QStringLiteral("Could not %1: the API client is gone").arg(m_requestName)));
        return;
    }
    if (m_client->config().apiKey.isEmpty()) {
        // The reference CLI refuses before any network call, too (spec §2.2).
        emitResult(Error(ErrorKind::Unauthorized,
                         QStringLiteral("Could not %1. Request unauthorised — no API key given; set ROBOFLOW_API_KEY "
                                        "(see https://docs.roboflow.com/api-reference/authentication)")
                             .arg(m_requestName)));
        return;
    }
    if (m_needsWorkspace && m_client->workspace().isEmpty()) {
        QPointer<ApiCall> self(this);
        m_client->whenWorkspaceReady(this, [self](const Error &error) {
            if (!self || self->isFinished())
                return;
            if (error.isError())
                self->emitResult(error);
            else
                self->beginAfterWorkspace();
        });
        return;
    }
    beginAfterWorkspace();
}

void ApiCall::beginAfterWorkspace()
{
    m_attempt = 0;
    sendAttempt();
}

QNetworkReply *ApiCall::send(QNetworkAccessManager *nam, QNetworkRequest request, const Request &spec, Error *)
{
    if (!spec.hasBody) {
        // A body-less POST still says Content-Length: 0, and no Content-Type (spec §2.3).
        if (spec.verb != "GET")
            request.setHeader(QNetworkRequest::ContentLengthHeader, 0);
        return nam->sendCustomRequest(request, spec.verb, static_cast<QIODevice *>(nullptr));
    }
    return nam->sendCustomRequest(request, spec.verb, spec.body);
}

void ApiCall::sendAttempt()
{
    if (isFinished() || !m_client)
        return;
    const Request spec = buildRequest();
    ++m_attempt;
    m_idempotent = spec.idempotent.value_or(spec.verb == "GET" || spec.verb == "HEAD");
    QNetworkRequest request(m_client->apiUrl(spec.path, spec.query, !spec.bearerAuth));
    if (spec.bearerAuth)
        request.setRawHeader("Authorization", "Bearer " + m_client->config().apiKey.toUtf8());
    request.setTransferTimeout(m_client->config().timeoutSeconds * 1000 * spec.timeoutMultiplier);
    if (spec.hasBody && !spec.contentType.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader, spec.contentType);
    m_timeoutSeconds = m_client->config().timeoutSeconds * spec.timeoutMultiplier;
    Error error;
    m_reply = m_client->sendCall([&](QNetworkAccessManager *nam) { return send(nam, request, spec, &error); });
    if (!m_reply) {
        emitResult(error.isError() ? error : Error(ErrorKind::Internal, QStringLiteral("Could not %1").arg(m_requestName)));
        return;
    }
    connect(m_reply, &QNetworkReply::finished, this, &ApiCall::onReplyFinished);
}

void ApiCall::onReplyFinished()
{
    QNetworkReply *reply = m_reply;
    m_reply = nullptr;
    if (!reply)
        return;
    reply->deleteLater();
    m_httpStatus = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    m_rawBody = reply->isOpen() ? reply->readAll() : QByteArray();

    ReplyContext context;
    context.operation = m_requestName;
    context.baseUrl = m_client ? m_client->config().baseUrl : QUrl();
    context.timeoutSeconds = m_timeoutSeconds;
    Error error = errorFromReply(reply, m_rawBody, context);
    bool unusableAnswer = false;
    if (!error.isError()) {
        error = handleSuccess(m_rawBody);
        // A 2xx body that is not even a JSON object (cut short, an HTML page from a proxy) says
        // nothing about the request; a JSON object with a missing field is the service's answer.
        unusableAnswer = error.isError() && decodeJsonObject(m_rawBody, m_requestName, nullptr).isError();
    }
    if (error.isError()) {
        const QString retryAfter = QString::fromLatin1(reply->rawHeader("Retry-After"));
        std::optional<int> delay;
        if (mayRepeat(error, m_idempotent, unusableAnswer))
            delay = m_retry.backoffDelayMs(m_attempt, retryAfter, m_sinceFirstAttempt.elapsed());
        if (delay) {
            qCDebug(lcApiCall) << m_requestName << "attempt" << m_attempt << "failed:" << error.message
                               << "- retrying in" << *delay << "ms";
            if (m_client && (error.kind == ErrorKind::RateLimited || !retryAfter.isEmpty()))
                m_client->reportRateLimited(*delay);
            m_retryTimer.start(*delay);
            return;
        }
        emitResult(error);
        return;
    }
    if (wantsAnotherRequest()) {
        m_sinceFirstAttempt.restart();
        beginAfterWorkspace();
        return;
    }
    emitResult();
}

void ApiCall::doCancel()
{
    stopNetwork();
    emitResult(Error(ErrorKind::Cancelled, QStringLiteral("Cancelled: %1").arg(m_requestName)));
}

QString ApiCall::segment(const QString &pathSegment)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(pathSegment));
}

QString ApiCall::stagingPath(const QString &suffix) const
{
    return QStringLiteral("/data-staging/v1/external/") + segment(m_client ? m_client->workspace() : QString()) + suffix;
}

QString ApiCall::jobsPath(const QString &suffix) const
{
    return QStringLiteral("/batch-processing/v1/external/") + segment(m_client ? m_client->workspace() : QString()) +
           suffix;
}

QByteArray ApiCall::compactJson(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

// ---- PagedCall ----

PagedCall::PagedCall(ApiClient *client, const QString &requestName, int pageSize, const QString &pageToken)
    : ApiCall(client, requestName, true), m_pageSize(pageSize), m_requestToken(pageToken)
{
    if (!pageToken.isEmpty())
        m_seenTokens.insert(pageToken);
}

void PagedCall::addPagingQuery(Request &request) const
{
    if (m_pageSize > 0)
        request.query.append({QStringLiteral("pageSize"), QString::number(m_pageSize)});
    if (!m_requestToken.isEmpty())
        request.query.append({QStringLiteral("nextPageToken"), m_requestToken});
}

Error PagedCall::handleSuccess(const QByteArray &body)
{
    QJsonObject page;
    Error error = decodeJsonObject(body, requestName(), &page);
    if (error.isError())
        return error;
    std::optional<QString> next;
    error = parsePage(page, &next);
    if (error.isError())
        return error;
    ++m_pagesFetched;
    if (next && (m_maxPages == 0 || m_maxPages > m_pageCap) && m_pagesFetched >= m_pageCap)
        return Error(ErrorKind::BadResponse,
                     QStringLiteral("Could not %1: the server still sent a next page token after %2 pages; "
                                    "stopped following it (a listing that long is not plausible)")
                         .arg(requestName())
                         .arg(m_pageCap));
    if (next) {
        // Following "" or a token seen before would loop forever (spec §2.5).
        if (next->isEmpty())
            return Error(ErrorKind::BadResponse,
                         QStringLiteral("Could not %1: server returned an empty page token").arg(requestName()));
        if (m_seenTokens.contains(*next))
            return Error(ErrorKind::BadResponse,
                         QStringLiteral("Could not %1: server returned a repeated page token").arg(requestName()));
        m_seenTokens.insert(*next);
    }
    m_nextToken = next;
    return {};
}

bool PagedCall::wantsAnotherRequest()
{
    if (!m_nextToken)
        return false;
    if (m_maxPages > 0 && m_pagesFetched >= m_maxPages)
        return false;
    m_requestToken = *m_nextToken;
    return true;
}

// ---- W1 ----

ResolveWorkspaceCall::ResolveWorkspaceCall(ApiClient *client)
    : ApiCall(client, QStringLiteral("resolve workspace"), false)
{
}

ApiCall::Request ResolveWorkspaceCall::buildRequest()
{
    return Request{};  // GET <base>?api_key=...
}

Error ResolveWorkspaceCall::handleSuccess(const QByteArray &body)
{
    QJsonObject object;
    Error error = decodeJsonObject(body, requestName(), &object);
    if (error.isError())
        return error;
    JsonFields fields(object, requestName());
    m_workspace = fields.string(QStringLiteral("workspace"));
    if (!fields.ok())
        return fields.error();
    if (m_workspace.isEmpty())
        return decodeError(requestName(), QStringLiteral("workspace"), true);
    if (client())
        client()->setWorkspace(m_workspace);
    return {};
}

}  // namespace bd::api
