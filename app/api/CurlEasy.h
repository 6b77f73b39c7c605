#pragma once
// What the libcurl transports of signed URLs share (CurlSignedPut.h: S1 PUTs; CurlSignedGet.h:
// S2 GETs): the process-wide init, one easy handle per thread (its connection cache kept between
// transfers, so a thread's next transfer to the same host reuses the connection), the proxy, the
// response headers they read, and the one mapping of an outcome to a bd::Error (the same Error
// errorFromSignedReply() gives for Qt's path).
#include "core/Error.h"

#include <QByteArray>
#include <QString>

#include <curl/curl.h>

#include <atomic>

namespace bd::api::detail {

// curl_global_init is not thread-safe before 7.84; the first transfer of the process does it once.
void initCurlOnce();

// This thread's easy handle, reset (options cleared, connections kept); nullptr when libcurl
// cannot make one. (libcurl's shared connection cache is not safe across concurrent threads.)
CURL *threadEasyHandle();

// An explicit QNetworkProxy::applicationProxy() (HTTP or SOCKS5) is passed on; otherwise libcurl
// reads http_proxy / https_proxy / no_proxy from the environment itself.
void useApplicationProxy(CURL *curl);

struct CurlOutcome;

// initCurlOnce() and this thread's handle; nullptr (the reason in `out`) when there is none.
CURL *beginTransfer(CurlOutcome &out);

// What every signed-URL transfer sets: the URL as given (its path as is), http and https only, no
// signals, the response body, header and progress callbacks (each given `context`), the proxy.
struct CurlCallbacks {
    curl_write_callback body;
    curl_write_callback header;
    curl_xferinfo_callback progress;
    void *context;
};
void setSignedUrlOptions(CURL *curl, const QByteArray &encodedUrl, const CurlCallbacks &callbacks);

// Runs the transfer set up on `curl` and fills status, curlCode, curlMessage and abortedByCaller.
void performTransfer(CURL *curl, const std::atomic<bool> &abort, CurlOutcome &out);

// How a transfer through libcurl ended.
struct CurlOutcome {
    int status = 0;             // the final HTTP status; 0 when none arrived
    int curlCode = 0;           // CURLcode; 0 (CURLE_OK) when the exchange completed
    QString curlMessage;        // libcurl's error text when curlCode != 0
    bool abortedByCaller = false;   // the caller's abort flag was set while it ran
    QByteArray body;            // the response body (first 64 KiB; read for error statuses)
    QByteArray contentType;     // of the final response
    QByteArray retryAfter;      // the raw Retry-After header of the final response
};

// The headers of the response being received, one line at a time (libcurl's header callback). A
// status line starts a new response (after a 100 Continue or a redirect) and forgets the last one's.
struct CurlResponseHeaders {
    QByteArray retryAfter;
    QByteArray contentType;
    QByteArray contentRange;
    qint64 contentLength = -1;

    // Takes one header line; true when it was a status line.
    bool take(const char *data, size_t length);
};

// Keeps the first 64 KiB of a response body in `out` (an error page's excerpt needs no more).
void keepBodyExcerpt(QByteArray &out, const char *data, size_t length);

// The same Error errorFromSignedReply() gives a QNetworkReply: 401/403 "signed URL expired or
// rejected", other statuses >= 400 by errorFromHttpStatus (with an excerpt of a JSON or HTML
// body), a caller's abort as Cancelled, a transfer that stalled (libcurl's low-speed limit) as
// Timeout "no answer within `timeoutSeconds` s", any other failure below HTTP as Network
// "connection failed" (libcurl's text, redacted, in detail).
Error errorFromCurl(const CurlOutcome &outcome, const QString &operation, int timeoutSeconds = 0);

}  // namespace bd::api::detail
