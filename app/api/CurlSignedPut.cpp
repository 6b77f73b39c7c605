#include "api/CurlSignedPut.h"

#include "api/ApiError.h"

#include <QIODevice>
#include <QNetworkProxy>

#include <curl/curl.h>

#include <chrono>
#include <mutex>

namespace bd::api::detail {
namespace {

constexpr long kReadChunk = 64 * 1024;          // libcurl's upload buffer: one body read each
constexpr qsizetype kMaxResponseBody = 64 * 1024;   // enough for any error page's excerpt
constexpr auto kProgressEvery = std::chrono::milliseconds(50);

// curl_global_init is not thread-safe before 7.84; the first PUT of the process does it once.
void initCurlOnce()
{
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// One easy handle per thread, reset between PUTs: its connection cache survives the reset, so the
// thread's next PUT to the same host reuses the connection. (libcurl's shared connection cache is
// not safe across concurrent threads.)
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

struct PutContext {
    QIODevice *body = nullptr;
    qint64 size = 0;
    qint64 read = 0;
    const std::atomic<bool> *abort = nullptr;
    const std::function<void(qint64, qint64)> *progress = nullptr;
    qint64 reportedSent = -1;
    std::chrono::steady_clock::time_point reportedAt;
    CurlPutOutcome *out = nullptr;
};

size_t readBody(char *buffer, size_t size, size_t items, void *userData)
{
    auto *c = static_cast<PutContext *>(userData);
    if (c->abort->load(std::memory_order_relaxed))
        return CURL_READFUNC_ABORT;
    const qint64 want = qMin(qint64(size * items), c->size - c->read);
    if (want <= 0)
        return 0;
    const qint64 n = c->body->read(buffer, want);
    if (n < 0)
        return CURL_READFUNC_ABORT;   // the device knows why (SignedPutOperation asks it)
    c->read += n;
    return size_t(n);
}

size_t keepResponseBody(char *data, size_t size, size_t items, void *userData)
{
    auto *c = static_cast<PutContext *>(userData);
    const qsizetype room = kMaxResponseBody - c->out->body.size();
    if (room > 0)
        c->out->body.append(data, qMin(qsizetype(size * items), room));
    return size * items;
}

size_t keepHeader(char *data, size_t size, size_t items, void *userData)
{
    auto *c = static_cast<PutContext *>(userData);
    const QByteArray line = QByteArray(data, qsizetype(size * items)).trimmed();
    if (line.startsWith("HTTP/")) {   // a new response (after a 100 Continue): forget the last's
        c->out->retryAfter.clear();
        c->out->contentType.clear();
        c->out->body.clear();
        return size * items;
    }
    const qsizetype colon = line.indexOf(':');
    if (colon > 0) {
        const QByteArray name = line.left(colon).trimmed().toLower();
        if (name == "retry-after")
            c->out->retryAfter = line.mid(colon + 1).trimmed();
        else if (name == "content-type")
            c->out->contentType = line.mid(colon + 1).trimmed();
    }
    return size * items;
}

int onProgress(void *userData, curl_off_t, curl_off_t, curl_off_t, curl_off_t uploaded)
{
    auto *c = static_cast<PutContext *>(userData);
    if (c->abort->load(std::memory_order_relaxed))
        return 1;   // CURLE_ABORTED_BY_CALLBACK
    const qint64 sent = qint64(uploaded);
    if (*c->progress && sent != c->reportedSent) {
        const auto now = std::chrono::steady_clock::now();
        if (sent == c->size || now - c->reportedAt >= kProgressEvery) {
            c->reportedSent = sent;
            c->reportedAt = now;
            (*c->progress)(sent, c->size);
        }
    }
    return 0;
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

}  // namespace

CurlPutOutcome performSignedPut(const SignedUpload &upload, QIODevice *body, qint64 size,
                                const std::atomic<bool> &abort,
                                const std::function<void(qint64, qint64)> &progress)
{
    initCurlOnce();
    CurlPutOutcome out;
    CURL *curl = threadEasyHandle();
    if (!curl) {
        out.curlCode = CURLE_FAILED_INIT;
        out.curlMessage = QStringLiteral("libcurl could not start a transfer");
        return out;
    }
    PutContext context;
    context.body = body;
    context.size = size;
    context.abort = &abort;
    context.progress = &progress;
    context.reportedAt = std::chrono::steady_clock::now();
    context.out = &out;

    curl_slist *headers = nullptr;
    for (const auto &header : upload.extensionHeaders) {
        // "Name;" is libcurl's way of sending a header with an empty value.
        const QByteArray line = header.second.isEmpty() ? header.first + ';' : header.first + ": " + header.second;
        headers = curl_slist_append(headers, line.constData());
    }
    headers = curl_slist_append(headers, "Expect:");   // no 100-continue round trip
    headers = curl_slist_append(headers, "Accept:");

    char errorText[CURL_ERROR_SIZE] = {};
    const QByteArray url = upload.uploadUrl.toEncoded();
    curl_easy_setopt(curl, CURLOPT_URL, url.constData());
    curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);   // the signed path exactly as given
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);       // PUT, no Content-Type
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, curl_off_t(size));
    curl_easy_setopt(curl, CURLOPT_UPLOAD_BUFFERSIZE, kReadChunk);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, readBody);
    curl_easy_setopt(curl, CURLOPT_READDATA, &context);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, keepResponseBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &context);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, keepHeader);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &context);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, onProgress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &context);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errorText);
    useApplicationProxy(curl);

    const CURLcode code = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    // The handle outlives this call: nothing of this call may stay reachable from it.
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
    curl_slist_free_all(headers);

    out.status = int(status);
    out.curlCode = int(code);
    if (code != CURLE_OK) {
        out.abortedByCaller = abort.load();
        out.curlMessage = QString::fromUtf8(errorText[0] ? errorText : curl_easy_strerror(code)).trimmed();
    }
    return out;
}

Error errorFromCurlPut(const CurlPutOutcome &outcome, const QString &operation)
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
    if (outcome.curlCode != CURLE_OK)
        return Error(ErrorKind::Network, QStringLiteral("Could not %1: connection failed").arg(operation), status,
                     outcome.curlMessage);
    return {};
}

}  // namespace bd::api::detail
