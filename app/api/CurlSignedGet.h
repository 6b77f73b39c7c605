#pragma once
// One S2 GET (docs/protocol.md §5.2) through libcurl, blocking, on the calling thread: the
// transport of DownloadOperation unless BATCHDECK_SIGNED_GET=qt (ApiClient::signedGetPool()).
//
// Why not Qt: a QNetworkReply's bytes are read on Qt's HTTP thread, copied into the reply's
// buffer, read again on the owner's thread and only then written (to a .part, or into a
// StreamExtractor's pipe for its worker): two thread hops and two copies per chunk, on the thread
// that also runs the GUI or every other transfer. Here the body goes from libcurl's buffer to its
// destination on the thread that receives it.
//
// The request: GET of the URL as given (path as is), "Range: bytes=N-" when rangeStart > 0, no
// header of our own otherwise; only http and https, also for redirects (an https URL is never
// followed to http, as Qt's NoLessSafeRedirectPolicy); a stalled transfer (under 1 byte/s for
// timeoutSeconds, or no connection within it) fails as CURLE_OPERATION_TIMEDOUT — there is no
// total timeout, so a long file is never cut for being long. Proxy, easy handle per thread
// (connection reuse), errors: CurlEasy.h.
#include "api/CurlEasy.h"

#include <QUrl>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <set>

class QThreadPool;

namespace bd::api {

namespace detail {

// The final response's head, handed to the caller before its first body byte.
struct CurlGetHead {
    int status = 0;
    qint64 contentLength = -1;
    QByteArray contentRange;
};

struct CurlGetOutcome : CurlOutcome {
    bool stoppedByHandler = false;   // onHead or onBody returned false
    bool refusedRedirect = false;    // a redirect to a scheme other than http(s) was refused
};

struct CurlGetHandlers {
    // Once per GET, before the first body byte of the final response (or at its end when it has
    // none): false stops the GET. Not called when no response arrived.
    std::function<bool(const CurlGetHead &head)> onHead;
    // The body of a response below 400, as it arrives: false stops the GET. (An error status's
    // body is kept in the outcome instead.)
    std::function<bool(const char *data, size_t size)> onBody;
};

// Sends the GET and returns when it ended: completed, failed, stopped by a handler, or stopped
// because `abort` became true (checked by libcurl's progress callback, at least once a second
// while it waits, and before each body chunk). The handlers run on this thread.
CurlGetOutcome performSignedGet(const QUrl &url, qint64 rangeStart, int timeoutSeconds, const std::atomic<bool> &abort,
                                const CurlGetHandlers &handlers);

}  // namespace detail

// The threads S2 GETs block on (one GET per thread; each thread keeps its easy handle, so its
// next GET to the same host reuses the connection). Owned by the ApiClient; its destructor stops
// the GETs that still run (their `stop`) and waits for them.
class CurlGetPool
{
public:
    static constexpr int kMaxThreads = 64;   // GETs beyond this many wait for a thread

    CurlGetPool();
    ~CurlGetPool();
    CurlGetPool(const CurlGetPool &) = delete;
    CurlGetPool &operator=(const CurlGetPool &) = delete;

    // One job: `run` blocks on a pool thread; `stop` (any thread) makes it return soon.
    struct Job {
        std::function<void()> run;
        std::function<void()> stop;
    };
    // Runs the job on a pool thread; false (and nothing runs) once the pool is stopping.
    bool start(std::shared_ptr<Job> job);
    // GETs running or waiting for a thread now.
    int active() const;

private:
    std::unique_ptr<QThreadPool> m_pool;
    mutable std::mutex m_mutex;
    std::set<std::shared_ptr<Job>> m_jobs;   // under m_mutex
    bool m_stopping = false;                 // under m_mutex
};

}  // namespace bd::api
