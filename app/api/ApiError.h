#pragma once
// Turns a finished QNetworkReply into a bd::Error a person can act on (spec §2.6): the HTTP
// status picks the ErrorKind, the message names the operation ("list batches"), and `detail`
// carries the server's {"error": ...} text or a short excerpt of its body. Every string passes
// through bd::redact, so the API key never appears.
#include "core/Error.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <QUrl>

class QNetworkReply;

namespace bd::api {

struct ReplyContext {
    QString operation;        // e.g. "list batches" (see the operation names in ApiCalls)
    QUrl baseUrl;             // quoted in the connectivity hint
    int timeoutSeconds = 60;  // quoted in the timeout hint
    bool abortedByUser = false; // the caller aborted: Cancelled instead of Timeout
};

// Error for a finished reply to a Roboflow API call; ErrorKind::None for 2xx/3xx. The body must
// be passed in because the caller has usually read it already. A 2xx body is not checked here;
// use decodeJsonObject() for that.
Error errorFromReply(QNetworkReply *reply, const QByteArray &body, const ReplyContext &context);

// Error for a status code alone (no reply object); used by errorFromReply and by tests.
Error errorFromHttpStatus(int status, const QByteArray &body, const QByteArray &contentType,
                          const QString &operation);

// Error for a signed-URL transfer (S1 PUT / S2 GET): 403 means "signed URL expired or
// rejected"; otherwise as errorFromReply, without the API-specific hints. Reads the body only
// when the status is an error, so it can be called before consuming a successful download.
// timeoutSeconds: the limit the caller set, quoted in a timeout's message (0: none set).
Error errorFromSignedReply(QNetworkReply *reply, const QString &operation, int timeoutSeconds = 0);

// "Could not <operation>: no answer within N s" (or "in time" when no limit is known): one
// wording for Qt's and libcurl's transports.
QString timeoutMessage(const QString &operation, int timeoutSeconds);

// Parse a 2xx body as a JSON object, or give BadResponse ("Could not decode Roboflow API
// response: <operation> ..."), with an excerpt of an HTML or text body in `detail`.
Error decodeJsonObject(const QByteArray &body, const QString &operation, QJsonObject *out);

// A readable, bounded (~500 characters) excerpt of an error body: the "error" string of a JSON
// object, compact JSON otherwise, the <title> and text of an HTML page, or the raw text.
QString bodyExcerpt(const QByteArray &body, const QByteArray &contentType = {});

}  // namespace bd::api
