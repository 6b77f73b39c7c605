// DownloadOperation's two transports (see DownloadOperation.h): a libcurl GET on a thread of the
// client's CurlGetPool that writes the body itself (the default), and Qt's QNetworkReply read on
// this thread (BATCHDECK_SIGNED_GET=qt). Both end in DownloadOperation::settle() with the same
// Attempt, after the same head rules (judgeHead).
#include "exports/DownloadOperation.h"

#include "api/ApiError.h"
#include "api/CurlSignedGet.h"
#include "exports/StreamExtractor.h"

#include <QNetworkReply>

#include <cerrno>
#include <chrono>
#include <fcntl.h>
#include <mutex>
#include <unistd.h>

namespace bd {

namespace {
constexpr qint64 kReadBufferBytes = 1 << 20;   // what Qt may hold in memory per reply
constexpr qint64 kChunkBytes = 256 * 1024;     // one read()/write() step
constexpr auto kProgressEvery = std::chrono::milliseconds(50);   // libcurl's path: progress events at most this often
// libcurl's path, streamed: body bytes go into the pipe in chunks of this size (libcurl hands
// over what one recv() got, often 16-64 KiB; each chunk is a wake-up of the extraction and a
// write of its own there).
constexpr qsizetype kPipeChunk = 256 * 1024;

}  // namespace

// ---- libcurl: the GET and its body's writes on a pool thread ----

// Shared by the owner and the pool thread. The owner reads the worker's results only in the
// events the worker posts (after writing them).
struct DownloadOperation::CurlDownload {
    QUrl url;
    qint64 offset = 0;
    int timeoutSeconds = 60;
    int fd = -1;                              // a .part's: a dup of the owner's fd, closed by the worker
    std::shared_ptr<StreamWriter> writer;     // streamed: the extractor's pipe
    std::atomic<bool> abort{ false };
    std::mutex mutex;                         // `owner`, and each .part write against dropCurl()
    DownloadOperation *owner = nullptr;       // under mutex; nullptr once dropped
    // Results of the worker.
    HeadVerdict verdict;                      // written before the head event, then only read
    qint64 skipLeft = 0;                      // streamed: of verdict.skip, still to drop (worker only)
    QByteArray pending;                       // streamed: bytes not yet in the pipe (worker only)
    qint64 written = 0;                       // .part: bytes in the file (under mutex)
    int diskErrno = 0;
    bool truncateFailed = false;
    api::detail::CurlGetOutcome outcome;

    using Handler = void (DownloadOperation::*)(const std::shared_ptr<CurlDownload> &);
    void post(Handler handler, const std::shared_ptr<CurlDownload> &self)
    {
        const std::lock_guard lock(mutex);
        if (owner)
            QMetaObject::invokeMethod(owner, [owner = owner, handler, self] { (owner->*handler)(self); },
                                      Qt::QueuedConnection);
    }

    void stop()
    {
        {
            const std::lock_guard lock(mutex);
            abort = true;
        }
        if (writer)
            writer->wake();   // a write() waiting for room looks at `abort`
    }

    bool onHead(const api::detail::CurlGetHead &head, const std::shared_ptr<CurlDownload> &self)
    {
        verdict = judgeHead(head.status, head.contentLength, head.contentRange, offset, bool(writer));
        if (verdict.wrongRange)
            return false;
        if (verdict.truncate) {
            const std::lock_guard lock(mutex);
            if (abort)
                return false;
            if (::ftruncate(fd, 0) != 0) {
                diskErrno = errno;
                truncateFailed = true;
                return false;
            }
            written = 0;
        }
        skipLeft = verdict.skip;
        if (verdict.accepted && writer)
            writer->setArchiveSize(verdict.expectedTotal);
        post(&DownloadOperation::onCurlHead, self);
        return true;
    }

    bool onBody(const char *data, size_t size)
    {
        if (!verdict.accepted)
            return true;   // not the file's bytes (an unfollowed 3xx): dropped, as on Qt's path
        if (writer) {
            const qint64 skipped = qMin<qint64>(skipLeft, qint64(size));
            skipLeft -= skipped;
            if (pending.capacity() < kPipeChunk)
                pending.reserve(kPipeChunk);
            pending.append(data + skipped, qsizetype(size) - skipped);
            return pending.size() < kPipeChunk || flush();
        }
        const std::lock_guard lock(mutex);
        if (abort)
            return false;   // dropped: the owner may have a new GET appending to the .part
        if (!writeAllTo(fd, data, qint64(size), &written)) {
            diskErrno = errno;
            return false;
        }
        return true;
    }

    // Streamed: what waits in `pending` is moved into the pipe (blocking while it is full).
    bool flush()
    {
        if (pending.isEmpty())
            return true;
        return writer->write(std::exchange(pending, QByteArray()), abort);
    }

    void run(const std::shared_ptr<CurlDownload> &self)
    {
        auto reportedAt = std::chrono::steady_clock::now();
        api::detail::CurlGetHandlers handlers;
        handlers.onHead = [this, &self](const api::detail::CurlGetHead &head) { return onHead(head, self); };
        handlers.onBody = [this, &self, &reportedAt](const char *data, size_t size) {
            if (!onBody(data, size))
                return false;
            const auto now = std::chrono::steady_clock::now();
            if (now - reportedAt >= kProgressEvery) {
                reportedAt = now;
                post(&DownloadOperation::onCurlProgress, self);
            }
            return true;
        };
        if (abort) {
            outcome.abortedByCaller = true;
        } else {
            outcome = api::detail::performSignedGet(url, offset, timeoutSeconds, abort, handlers);
            if (writer)
                flush();   // the bytes that arrived before the end (or a cut) are the file's
        }
        if (fd >= 0)
            ::close(fd);
        fd = -1;
        post(&DownloadOperation::onCurlFinished, self);
    }
};

bool DownloadOperation::sendWithCurl(const QUrl &url)
{
    api::CurlGetPool *pool = m_api->signedGetPool();
    auto job = std::make_shared<CurlDownload>();
    job->url = url;
    job->offset = m_offset;
    job->timeoutSeconds = m_api->config().timeoutSeconds;
    job->owner = this;
    job->written = m_written;
    if (m_sink) {
        job->writer = m_sinkWriter;
    } else {
        job->fd = ::fcntl(m_fd, F_DUPFD_CLOEXEC, 0);
        if (job->fd < 0) {
            fail(diskError(errno, tr("open")));
            return false;
        }
    }
    auto poolJob = std::make_shared<api::CurlGetPool::Job>();
    poolJob->run = [job] { job->run(job); };
    poolJob->stop = [job] { job->stop(); };
    if (!pool->start(poolJob)) {
        if (job->fd >= 0)
            ::close(job->fd);
        fail(Error(ErrorKind::Cancelled, tr("Could not download %1: the API client is closing").arg(m_file.fileName)));
        return false;
    }
    m_curl = job;
    return true;
}

void DownloadOperation::onCurlHead(const std::shared_ptr<CurlDownload> &job)
{
    if (job != m_curl)
        return;
    const HeadVerdict &verdict = job->verdict;
    m_statusChecked = true;
    m_bodyAccepted = verdict.accepted;
    if (verdict.skip > 0 || verdict.truncate)
        m_offset = 0;
    if (verdict.accepted) {
        m_expectedTotal = verdict.expectedTotal;
        if (m_expectedTotal >= 0)
            setTotalAmount(Unit::Bytes, m_expectedTotal);
    }
}

void DownloadOperation::onCurlProgress(const std::shared_ptr<CurlDownload> &job)
{
    if (job != m_curl)
        return;
    if (m_sinkWriter) {
        m_written = m_streamStart + m_sinkWriter->taken();
    } else {
        const std::lock_guard lock(job->mutex);
        m_written = job->written;
    }
    setProcessedAmount(Unit::Bytes, m_written);
}

void DownloadOperation::onCurlFinished(const std::shared_ptr<CurlDownload> &job)
{
    if (job != m_curl)
        return;
    onCurlProgress(job);
    m_curl.reset();
    if (job->diskErrno != 0)
        m_localError = diskError(job->diskErrno, job->truncateFailed ? tr("truncate") : tr("write"));
    if (job->verdict.wrongRange)
        m_restartFromZero = true;
    const api::detail::CurlGetOutcome &outcome = job->outcome;
    Attempt attempt;
    attempt.status = outcome.status;
    attempt.error = api::detail::errorFromCurl(outcome, tr("download %1").arg(m_file.fileName), job->timeoutSeconds);
    attempt.retryAfter = QString::fromLatin1(outcome.retryAfter);
    attempt.refusedRedirect = outcome.refusedRedirect;
    settle(attempt);
}

// Stops the GET: once this returns, no byte of it reaches the .part or the pipe any more, and no
// event of it arrives here.
void DownloadOperation::dropCurl()
{
    if (!m_curl)
        return;
    const std::shared_ptr<CurlDownload> job = std::exchange(m_curl, {});
    {
        const std::lock_guard lock(job->mutex);
        job->owner = nullptr;
    }
    job->stop();
    if (m_sinkWriter)
        m_written = m_streamStart + m_sinkWriter->taken();   // exact: a write either went in or never will
}

// ---- Qt: QNetworkReply, read on this thread ----

void DownloadOperation::sendWithQt(const QUrl &url)
{
    m_reply = m_api->getSigned(url, m_offset);
    m_reply->setReadBufferSize(kReadBufferBytes);
    connect(m_reply, &QNetworkReply::metaDataChanged, this, &DownloadOperation::onMetaData);
    connect(m_reply, &QNetworkReply::readyRead, this, &DownloadOperation::onReadyRead);
    connect(m_reply, &QNetworkReply::finished, this, &DownloadOperation::onFinished);
}

void DownloadOperation::onMetaData()
{
    if (!m_statusChecked)
        checkStatus();
}

// Decides, once the status line is in, whether the body is the file's bytes and where they go.
bool DownloadOperation::checkStatus()
{
    const QVariant statusValue = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    if (!statusValue.isValid())
        return false;
    m_statusChecked = true;
    const QVariant length = m_reply->header(QNetworkRequest::ContentLengthHeader);
    const HeadVerdict verdict = judgeHead(statusValue.toInt(), length.isValid() ? length.toLongLong() : -1,
                                          m_reply->rawHeader("Content-Range"), m_offset, bool(m_sink));
    if (verdict.wrongRange) {
        m_restartFromZero = true;
        abortReplyLater();
        return true;
    }
    if (verdict.skip > 0) {
        m_skip = verdict.skip;
        m_offset = 0;
    } else if (verdict.truncate) {
        if (::ftruncate(m_fd, 0) != 0) {
            m_localError = diskError(errno, tr("truncate"));
            abortReplyLater();
            return true;
        }
        m_offset = m_written = 0;
    }
    m_bodyAccepted = verdict.accepted;
    if (!m_bodyAccepted)
        return true;
    m_expectedTotal = verdict.expectedTotal;
    if (m_expectedTotal >= 0)
        setTotalAmount(Unit::Bytes, m_expectedTotal);
    if (m_sink)
        m_sink->setArchiveSize(m_expectedTotal);
    return true;
}

void DownloadOperation::onReadyRead()
{
    if (!m_reply || (!m_statusChecked && !checkStatus()) || !m_bodyAccepted || m_localError)
        return;
    if (m_sink)
        return feedSink();
    char chunk[kChunkBytes];
    while (m_reply->bytesAvailable() > 0) {
        const qint64 n = m_reply->read(chunk, sizeof chunk);
        if (n <= 0)
            break;
        if (!writeChunk(chunk, n)) {
            abortReplyLater();   // onFinished reports m_localError
            return;
        }
    }
    setProcessedAmount(Unit::Bytes, m_written);
}

// Streamed: moves what the reply holds into the sink while it has room; the sink's drained()
// calls again. Only the byte count moves on this thread; the copy to disk is the worker's.
void DownloadOperation::feedSink()
{
    while (m_reply && m_reply->bytesAvailable() > 0) {
        if (m_skip > 0) {
            const qint64 skipped = m_reply->skip(qMin(m_skip, m_reply->bytesAvailable()));
            if (skipped <= 0)
                break;
            m_skip -= skipped;
            continue;
        }
        const qint64 room = m_sink ? m_sink->room() : 0;
        if (room <= 0)
            return;   // drained() brings us back
        QByteArray bytes = m_reply->read(qMin(room, kChunkBytes));
        if (bytes.isEmpty())
            break;
        m_written += bytes.size();
        m_sink->push(std::move(bytes));
    }
    setProcessedAmount(Unit::Bytes, m_written);
    if (m_finishDeferred && m_reply && m_reply->bytesAvailable() == 0) {
        m_finishDeferred = false;
        onFinished();
    }
}

void DownloadOperation::onFinished()
{
    QNetworkReply *reply = m_reply;
    if (!reply)
        return;
    if (!m_localError && !m_restartFromZero) {
        if (!m_statusChecked)
            checkStatus();
        onReadyRead();   // whatever is still buffered
        if (m_sink && m_bodyAccepted && m_reply && m_reply->bytesAvailable() > 0) {
            m_finishDeferred = true;   // the sink is full: feedSink() finishes once it took the rest
            return;
        }
    }
    m_reply = nullptr;
    reply->disconnect(this);
    reply->deleteLater();
    Attempt attempt;
    attempt.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    attempt.error = api::errorFromSignedReply(reply, tr("download %1").arg(m_file.fileName), m_api->config().timeoutSeconds);
    attempt.retryAfter = QString::fromLatin1(reply->rawHeader("Retry-After"));
    attempt.refusedRedirect = reply->error() == QNetworkReply::ProtocolUnknownError
        || reply->error() == QNetworkReply::InsecureRedirectError;
    settle(attempt);
}

bool DownloadOperation::writeChunk(const char *data, qint64 size)
{
    if (writeAllTo(m_fd, data, size, &m_written))
        return true;
    m_localError = diskError(errno, tr("write"));
    return false;
}

void DownloadOperation::dropReply()
{
    m_finishDeferred = false;
    if (!m_reply)
        return;
    QNetworkReply *reply = m_reply;
    m_reply = nullptr;
    reply->disconnect(this);
    reply->setProperty("bd_aborted", true);
    reply->abort();
    reply->deleteLater();
}

// Aborting inside a reply's own signal would re-enter onFinished; do it on the next pass.
void DownloadOperation::abortReplyLater()
{
    QPointer<QNetworkReply> reply(m_reply);
    QTimer::singleShot(0, this, [reply] {
        if (reply)
            reply->abort();
    });
}

}  // namespace bd
