#include "api/CurlSignedGet.h"
#include "core/ThreadPriority.h"

#include <QThreadPool>

namespace bd::api {

namespace detail {
namespace {

constexpr long kReceiveBuffer = 256 * 1024;   // libcurl's receive buffer: one body chunk at most
constexpr long kMaxRedirects = 50;            // as Qt's default
constexpr size_t kStop = 0;                   // a write callback's "stop" (CURL_WRITEFUNC_ERROR is 7.87+)

struct GetContext {
    CURL *curl = nullptr;
    const std::atomic<bool> *abort = nullptr;
    const CurlGetHandlers *handlers = nullptr;
    CurlResponseHeaders headers;
    bool headDelivered = false;
    CurlGetOutcome *out = nullptr;

    // The final response's head goes to onHead once; false: stop.
    bool deliverHead()
    {
        if (headDelivered)
            return true;
        headDelivered = true;
        long status = 0;
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        out->status = int(status);
        out->contentType = headers.contentType;
        out->retryAfter = headers.retryAfter;
        CurlGetHead head;
        head.status = int(status);
        head.contentLength = headers.contentLength;
        head.contentRange = headers.contentRange;
        if (handlers->onHead && !handlers->onHead(head)) {
            out->stoppedByHandler = true;
            return false;
        }
        return true;
    }
};

size_t onBodyBytes(char *data, size_t size, size_t items, void *userData)
{
    auto *c = static_cast<GetContext *>(userData);
    const size_t length = size * items;
    if (c->abort->load(std::memory_order_relaxed) || !c->deliverHead())
        return kStop;
    if (c->out->status >= 400) {
        keepBodyExcerpt(c->out->body, data, length);
        return length;
    }
    if (c->handlers->onBody && !c->handlers->onBody(data, length)) {
        c->out->stoppedByHandler = true;
        return kStop;
    }
    return length;
}

size_t onHeaderLine(char *data, size_t size, size_t items, void *userData)
{
    static_cast<GetContext *>(userData)->headers.take(data, size * items);
    return size * items;
}

int onProgress(void *userData, curl_off_t, curl_off_t, curl_off_t, curl_off_t)
{
    return static_cast<GetContext *>(userData)->abort->load(std::memory_order_relaxed) ? 1 : 0;
}

}  // namespace

CurlGetOutcome performSignedGet(const QUrl &url, qint64 rangeStart, int timeoutSeconds, const std::atomic<bool> &abort,
                                const CurlGetHandlers &handlers)
{
    CurlGetOutcome out;
    CURL *curl = beginTransfer(out);
    if (!curl)
        return out;
    GetContext context;
    context.curl = curl;
    context.abort = &abort;
    context.handlers = &handlers;
    context.out = &out;

    const QByteArray range = rangeStart > 0 ? QByteArray::number(rangeStart) + '-' : QByteArray();
    setSignedUrlOptions(curl, url.toEncoded(), { onBodyBytes, onHeaderLine, onProgress, &context });
    // Redirects: http(s) only, and never from https down to http.
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR,
                     url.scheme().compare(QLatin1String("https"), Qt::CaseInsensitive) == 0 ? "https" : "http,https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, kMaxRedirects);
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    if (!range.isEmpty())
        curl_easy_setopt(curl, CURLOPT_RANGE, range.constData());
    if (timeoutSeconds > 0) {
        curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, long(timeoutSeconds));
        curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, long(timeoutSeconds));
    }
    curl_easy_setopt(curl, CURLOPT_BUFFERSIZE, kReceiveBuffer);
    performTransfer(curl, abort, out);

    if (!context.headDelivered && out.status > 0 && out.curlCode == CURLE_OK && !abort.load())
        context.deliverHead();   // an answer without a body (a 416, an empty file)
    out.contentType = context.headers.contentType;
    out.retryAfter = context.headers.retryAfter;
    out.refusedRedirect = out.curlCode == CURLE_UNSUPPORTED_PROTOCOL;
    return out;
}

}  // namespace detail

CurlGetPool::CurlGetPool() : m_pool(std::make_unique<QThreadPool>())
{
    m_pool->setMaxThreadCount(kMaxThreads);
}

CurlGetPool::~CurlGetPool()
{
    std::set<std::shared_ptr<Job>> running;
    {
        const std::lock_guard lock(m_mutex);
        m_stopping = true;
        running = m_jobs;
    }
    for (const auto &job : running)
        job->stop();
    m_pool->waitForDone();
}

bool CurlGetPool::start(std::shared_ptr<Job> job)
{
    {
        const std::lock_guard lock(m_mutex);
        if (m_stopping)
            return false;
        m_jobs.insert(job);
    }
    m_pool->start([this, job] {
        bd::threads::lowerThisThread();
        job->run();
        const std::lock_guard lock(m_mutex);
        m_jobs.erase(job);
    });
    return true;
}

int CurlGetPool::active() const
{
    const std::lock_guard lock(m_mutex);
    return int(m_jobs.size());
}

}  // namespace bd::api
