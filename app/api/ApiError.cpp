#include "api/ApiError.h"

#include "core/Redact.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkReply>
#include <QRegularExpression>

namespace bd::api {
namespace {

constexpr int kExcerptLimit = 500;

QString clip(QString text)
{
    text = text.trimmed();
    if (text.size() > kExcerptLimit)
        text = text.left(kExcerptLimit - 1) + QChar(0x2026);
    return text;
}

bool looksLikeHtml(const QByteArray &body, const QByteArray &contentType)
{
    if (contentType.toLower().contains("html"))
        return true;
    const QByteArray head = body.left(256).trimmed().toLower();
    return head.startsWith("<!doctype html") || head.startsWith("<html");
}

QString htmlExcerpt(const QString &html)
{
    static const QRegularExpression titleRe(QStringLiteral("<title[^>]*>(.*?)</title>"),
                                            QRegularExpression::CaseInsensitiveOption |
                                                QRegularExpression::DotMatchesEverythingOption);
    static const QRegularExpression dropRe(QStringLiteral("<(script|style|title|head)[^>]*>.*?</\\1>"),
                                           QRegularExpression::CaseInsensitiveOption |
                                               QRegularExpression::DotMatchesEverythingOption);
    static const QRegularExpression tagRe(QStringLiteral("<[^>]*>"));
    const QString title = titleRe.match(html).captured(1).simplified();
    QString text = html;
    text.remove(dropRe);
    text.replace(tagRe, QStringLiteral(" "));
    text = text.simplified();
    if (title.isEmpty())
        return text;
    if (text.isEmpty() || text == title)
        return title;
    return title + QStringLiteral(" — ") + text;
}

QString statusSummary(int status, const QString &operation)
{
    const QString op = operation;
    switch (status) {
    case 401:
        return QStringLiteral("Could not %1. Request unauthorised — check your API key (ROBOFLOW_API_KEY)").arg(op);
    case 402:
        return QStringLiteral("Could not %1: your workspace plan does not include this feature (HTTP 402)").arg(op);
    case 403:
        return QStringLiteral("Could not %1: access forbidden (HTTP 403)").arg(op);
    case 404:
        return QStringLiteral("Could not %1: not found (HTTP 404)").arg(op);
    case 409:
        return QStringLiteral("Could not %1: conflict with the current state (HTTP 409)").arg(op);
    case 429:
        return QStringLiteral("Could not %1: the Roboflow API is rate limiting requests (HTTP 429)").arg(op);
    default:
        break;
    }
    if (status >= 500)
        return QStringLiteral("Could not %1: the Roboflow API returned a server error (HTTP %2)").arg(op).arg(status);
    return QStringLiteral("Could not %1: the Roboflow API rejected the request (HTTP %2)").arg(op).arg(status);
}

ErrorKind kindForStatus(int status)
{
    switch (status) {
    case 401: return ErrorKind::Unauthorized;
    case 402: return ErrorKind::PlanLimit;
    case 403: return ErrorKind::Forbidden;
    case 404: return ErrorKind::NotFound;
    case 409: return ErrorKind::Conflict;
    case 429: return ErrorKind::RateLimited;
    default: return status >= 500 ? ErrorKind::Server : ErrorKind::BadRequest;
    }
}

// Errors that happened below HTTP (or cut a 2xx body short).
Error transportError(QNetworkReply *reply, int status, const ReplyContext &context, bool apiHints)
{
    const QNetworkReply::NetworkError code = reply->error();
    const QString detail = reply->errorString();
    if (code == QNetworkReply::OperationCanceledError && context.abortedByUser)
        return Error(ErrorKind::Cancelled, QStringLiteral("%1 was cancelled").arg(context.operation), status);
    if (code == QNetworkReply::OperationCanceledError || code == QNetworkReply::TimeoutError) {
        // A transfer timeout aborts the reply; Qt reports it as a cancellation.
        QString msg = timeoutMessage(context.operation, context.timeoutSeconds);
        if (apiHints)
            msg += QStringLiteral(". If your connection is slow, raise ROBOFLOW_API_REQUEST_TIMEOUT (e.g. to 120)");
        return Error(ErrorKind::Timeout, msg, status, detail);
    }
    if (apiHints) {
        const QString base = context.baseUrl.toString(QUrl::RemoveQuery | QUrl::RemoveUserInfo);
        return Error(ErrorKind::Network,
                     QStringLiteral("Could not %1. Connectivity error. Try reaching Roboflow API in browser: %2")
                         .arg(context.operation, base),
                     status, detail);
    }
    return Error(ErrorKind::Network, QStringLiteral("Could not %1: connection failed").arg(context.operation),
                 status, detail);
}

}  // namespace

QString bodyExcerpt(const QByteArray &body, const QByteArray &contentType)
{
    if (body.trimmed().isEmpty())
        return {};
    if (looksLikeHtml(body, contentType))
        return clip(redact(htmlExcerpt(QString::fromUtf8(body))));
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error == QJsonParseError::NoError) {
        if (doc.isObject()) {
            // Both shapes the service sends: {"error": "…"} and {"error": {"message": "…"}}.
            const QJsonValue err = doc.object().value(QLatin1String("error"));
            if (err.isString())
                return clip(redact(err.toString()));
            const QJsonValue nested = err.toObject().value(QLatin1String("message"));
            if (nested.isString())
                return clip(redact(nested.toString()));
        }
        return clip(redact(QString::fromUtf8(doc.toJson(QJsonDocument::Compact))));
    }
    return clip(redact(QString::fromUtf8(body)));
}

Error errorFromHttpStatus(int status, const QByteArray &body, const QByteArray &contentType, const QString &operation)
{
    if (status < 400)
        return {};
    return Error(kindForStatus(status), statusSummary(status, operation), status, bodyExcerpt(body, contentType));
}

Error errorFromReply(QNetworkReply *reply, const QByteArray &body, const ReplyContext &context)
{
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status >= 400)
        return errorFromHttpStatus(status, body, reply->header(QNetworkRequest::ContentTypeHeader).toByteArray(),
                                   context.operation);
    if (reply->error() != QNetworkReply::NoError)
        return transportError(reply, status, context, true);
    return {};
}

QString timeoutMessage(const QString &operation, int timeoutSeconds)
{
    return timeoutSeconds > 0 ? QStringLiteral("Could not %1: no answer within %2 s").arg(operation).arg(timeoutSeconds)
                              : QStringLiteral("Could not %1: no answer in time").arg(operation);
}

Error errorFromSignedReply(QNetworkReply *reply, const QString &operation, int timeoutSeconds)
{
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    // Only an error body is read, so a successful download stays unread for the caller.
    const QByteArray body = status >= 400 && reply->isOpen() ? reply->readAll() : QByteArray();
    if (status == 401 || status == 403)
        return Error(ErrorKind::Forbidden,
                     QStringLiteral("Could not %1: signed URL expired or rejected (HTTP %2)").arg(operation).arg(status),
                     status, bodyExcerpt(body, reply->header(QNetworkRequest::ContentTypeHeader).toByteArray()));
    if (status >= 400)
        return errorFromHttpStatus(status, body, reply->header(QNetworkRequest::ContentTypeHeader).toByteArray(),
                                   operation);
    if (reply->error() != QNetworkReply::NoError) {
        ReplyContext context;
        context.operation = operation;
        context.timeoutSeconds = timeoutSeconds;
        context.abortedByUser = reply->property("bd_aborted").toBool();
        return transportError(reply, status, context, false);
    }
    return {};
}

Error decodeJsonObject(const QByteArray &body, const QString &operation, QJsonObject *out)
{
    QString what;
    if (body.trimmed().isEmpty()) {
        what = QStringLiteral("an empty body");
    } else if (looksLikeHtml(body, {})) {
        what = QStringLiteral("an HTML page instead of JSON");
    } else {
        QJsonParseError parseError;
        const QJsonDocument doc = QJsonDocument::fromJson(body, &parseError);
        if (parseError.error != QJsonParseError::NoError)
            what = QStringLiteral("malformed JSON (%1)").arg(parseError.errorString());
        else if (!doc.isObject())
            what = QStringLiteral("JSON that is not an object");
        else if (out)
            *out = doc.object();
    }
    if (what.isEmpty())
        return {};
    return Error(ErrorKind::BadResponse,
                 QStringLiteral("Could not decode Roboflow API response: %1 returned %2").arg(operation, what), 0,
                 bodyExcerpt(body));
}

}  // namespace bd::api
