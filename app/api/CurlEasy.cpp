#include "api/CurlEasy.h"

#include "api/ApiError.h"
#include "core/Redact.h"

#include <QNetworkProxy>

#include <mutex>

namespace bd::api::detail {

namespace {
constexpr qsizetype kMaxResponseBody = 64 * 1024;
}

void initCurlOnce()
{
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

CURL *threadEasyHandle()
{
    struct Handle {
        CURL *curl = nullptr;
        ~Handle()
        {
            if (curl)
                curl_easy_cleanup(curl);
        }
    };
    thread_local Handle handle;
    if (handle.curl)
        curl_easy_reset(handle.curl);
    else
        handle.curl = curl_easy_init();
    return handle.curl;
}

void useApplicationProxy(CURL *curl)
{
    const QNetworkProxy proxy = QNetworkProxy::applicationProxy();
    QByteArray scheme;
    if (proxy.type() == QNetworkProxy::HttpProxy)
        scheme = "http://";
    else if (proxy.type() == QNetworkProxy::Socks5Proxy)
        scheme = "socks5h://";   // names resolved by the proxy, as Qt does
    else
        return;   // libcurl honours http_proxy / https_proxy / no_proxy itself
    curl_easy_setopt(curl, CURLOPT_PROXY, (scheme + proxy.hostName().toUtf8() + ':' + QByteArray::number(proxy.port())).constData());
    if (!proxy.user().isEmpty()) {
        curl_easy_setopt(curl, CURLOPT_PROXYUSERNAME, proxy.user().toUtf8().constData());
        curl_easy_setopt(curl, CURLOPT_PROXYPASSWORD, proxy.password().toUtf8().constData());
    }
}

CURL *beginTransfer(CurlOutcome &out)
{
    initCurlOnce();
    CURL *curl = threadEasyHandle();
    if (!curl) {
        out.curlCode = CURLE_FAILED_INIT;
        out.curlMessage = QStringLiteral("libcurl could not start a transfer");
    }
    return curl;
}

void setSignedUrlOptions(CURL *curl, const QByteArray &encodedUrl, const CurlCallbacks &callbacks)
{
    curl_easy_setopt(curl, CURLOPT_URL, encodedUrl.constData());
    curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);   // the signed path exactly as given
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, callbacks.body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, callbacks.context);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, callbacks.header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, callbacks.context);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, callbacks.progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, callbacks.context);
    useApplicationProxy(curl);
}

void performTransfer(CURL *curl, const std::atomic<bool> &abort, CurlOutcome &out)
{
    char errorText[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errorText);
    const CURLcode code = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    // The handle outlives this call: nothing of this call may stay reachable from it.
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
    out.status = int(status);
    out.curlCode = int(code);
    if (code != CURLE_OK) {
        out.abortedByCaller = abort.load();
        out.curlMessage = QString::fromUtf8(errorText[0] ? errorText : curl_easy_strerror(code)).trimmed();
    }
}

bool CurlResponseHeaders::take(const char *data, size_t length)
{
    const QByteArray line = QByteArray(data, qsizetype(length)).trimmed();
    if (line.startsWith("HTTP/")) {   // a new response: forget the last one's
        *this = CurlResponseHeaders();
        return true;
    }
    const qsizetype colon = line.indexOf(':');
    if (colon <= 0)
        return false;
    const QByteArray name = line.left(colon).trimmed().toLower();
    const QByteArray value = line.mid(colon + 1).trimmed();
    if (name == "retry-after")
        retryAfter = value;
    else if (name == "content-type")
        contentType = value;
    else if (name == "content-range")
        contentRange = value;
    else if (name == "content-length") {
        bool ok = false;
        const qint64 n = value.toLongLong(&ok);
        contentLength = ok && n >= 0 ? n : -1;
    }
    return false;
}

void keepBodyExcerpt(QByteArray &out, const char *data, size_t length)
{
    const qsizetype room = kMaxResponseBody - out.size();
    if (room > 0)
        out.append(data, qMin(qsizetype(length), room));
}

Error errorFromCurl(const CurlOutcome &outcome, const QString &operation, int timeoutSeconds)
{
    if (outcome.abortedByCaller)
        return Error(ErrorKind::Cancelled, QStringLiteral("%1 was cancelled").arg(operation), outcome.status);
    const int status = outcome.status;
    if (status == 401 || status == 403)
        return Error(ErrorKind::Forbidden,
                     QStringLiteral("Could not %1: signed URL expired or rejected (HTTP %2)").arg(operation).arg(status),
                     status, bodyExcerpt(outcome.body, outcome.contentType));
    if (status >= 400)
        return errorFromHttpStatus(status, outcome.body, outcome.contentType, operation);
    if (outcome.curlCode == CURLE_OPERATION_TIMEDOUT)
        return Error(ErrorKind::Timeout, timeoutMessage(operation, timeoutSeconds), status, redact(outcome.curlMessage));
    if (outcome.curlCode != CURLE_OK)
        return Error(ErrorKind::Network, QStringLiteral("Could not %1: connection failed").arg(operation), status,
                     redact(outcome.curlMessage));
    return {};
}

}  // namespace bd::api::detail
