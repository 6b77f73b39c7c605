#pragma once
// One S1 PUT (docs/protocol.md §5.1) through libcurl, blocking, on the calling thread: the
// transport under SignedTransfer (SignedTransfer.h) unless BATCHDECK_SIGNED_PUT=qt.
//
// Why not Qt: Qt 6.4's HTTP/1 path reads an upload device 16 KiB at a time and forwards every
// chunk between its HTTP thread and the device's thread by queued signals (about 30 000 round
// trips per 500 MB). Here the body is read on the thread that sends it, 64 KiB per read, and
// written to the socket directly.
//
// The request is the one signedPutRequest() describes: the URL as given (path as is), every
// extension header verbatim, an exact Content-Length, no Content-Type, no "Expect: 100-continue",
// no timeout. Proxy: an explicit QNetworkProxy::applicationProxy() (HTTP or SOCKS5) is used;
// otherwise libcurl reads http_proxy / https_proxy / no_proxy from the environment itself.
#include "api/ApiModels.h"
#include "core/Error.h"

#include <QByteArray>
#include <QString>

#include <atomic>
#include <functional>

class QIODevice;

namespace bd::api::detail {

struct CurlPutOutcome {
    int status = 0;             // the final HTTP status; 0 when none arrived
    int curlCode = 0;           // CURLcode; 0 (CURLE_OK) when the exchange completed
    QString curlMessage;        // libcurl's error text when curlCode != 0
    bool abortedByCaller = false;   // `abort` was set while it ran
    QByteArray body;            // the response body (first 64 KiB; read for error statuses)
    QByteArray contentType;     // of the final response
    QByteArray retryAfter;      // the raw Retry-After header of the final response
};

// Sends the PUT and returns when it ended: answered, failed, or stopped because `abort` became
// true (checked before every read and by libcurl's progress callback, at least once a second).
// `body` is read here, in reads of at most 64 KiB, until `size` bytes; `progress(sent, total)`
// is called from here as bytes leave. Each thread keeps one easy handle, so a later PUT of the
// same thread reuses the connection.
CurlPutOutcome performSignedPut(const SignedUpload &upload, QIODevice *body, qint64 size,
                                const std::atomic<bool> &abort,
                                const std::function<void(qint64 sent, qint64 total)> &progress);

// The same Error errorFromSignedReply() gives a QNetworkReply: 401/403 "signed URL expired or
// rejected", other statuses >= 400 by errorFromHttpStatus (with an excerpt of a JSON or HTML
// body), a failure below HTTP as Network "connection failed" (libcurl's text in detail), a
// caller's abort as Cancelled.
Error errorFromCurlPut(const CurlPutOutcome &outcome, const QString &operation);

}  // namespace bd::api::detail
