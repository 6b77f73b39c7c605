#include "api/CurlSignedPut.h"

#include <QIODevice>

#include <chrono>

namespace bd::api::detail {
namespace {

constexpr long kReadChunk = 64 * 1024;          // libcurl's upload buffer: one body read each
constexpr auto kProgressEvery = std::chrono::milliseconds(50);

struct PutContext {
    QIODevice *body = nullptr;
    qint64 size = 0;
    qint64 read = 0;
    const std::atomic<bool> *abort = nullptr;
    const std::function<void(qint64, qint64)> *progress = nullptr;
    qint64 reportedSent = -1;
    std::chrono::steady_clock::time_point reportedAt;
    CurlPutOutcome *out = nullptr;
    CurlResponseHeaders headers;
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
    keepBodyExcerpt(static_cast<PutContext *>(userData)->out->body, data, size * items);
    return size * items;
}

size_t keepHeader(char *data, size_t size, size_t items, void *userData)
{
    auto *c = static_cast<PutContext *>(userData);
    if (c->headers.take(data, size * items))
        c->out->body.clear();   // a new response (after a 100 Continue): forget the last one's
    c->out->retryAfter = c->headers.retryAfter;
    c->out->contentType = c->headers.contentType;
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

}  // namespace

CurlPutOutcome performSignedPut(const SignedUpload &upload, QIODevice *body, qint64 size,
                                const std::atomic<bool> &abort,
                                const std::function<void(qint64, qint64)> &progress)
{
    CurlPutOutcome out;
    CURL *curl = beginTransfer(out);
    if (!curl)
        return out;
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

    setSignedUrlOptions(curl, upload.uploadUrl.toEncoded(), { keepResponseBody, keepHeader, onProgress, &context });
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);       // PUT, no Content-Type
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, curl_off_t(size));
    curl_easy_setopt(curl, CURLOPT_UPLOAD_BUFFERSIZE, kReadChunk);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, readBody);
    curl_easy_setopt(curl, CURLOPT_READDATA, &context);
    performTransfer(curl, abort, out);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
    curl_slist_free_all(headers);
    return out;
}

}  // namespace bd::api::detail
