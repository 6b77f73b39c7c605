#include "exports/DownloadOperation.h"

#include "api/ApiError.h"
#include "exports/ExportLayout.h"
#include "exports/StreamExtractor.h"

#include <QDir>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QThreadPool>
#include <QtConcurrent>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace bd {

namespace {
// fsyncs of finished files: they wait for the disk, not the CPU, and ext4 commits parallel ones
// together.
QThreadPool &syncPool()
{
    static QThreadPool *pool = [] {
        auto *p = new QThreadPool;   // never destroyed: a sync may outlive static destruction order
        p->setMaxThreadCount(8);
        return p;
    }();
    return *pool;
}

// "bytes 100-199/1000" -> start 100, total 1000 ("*" total -> -1). False when unparseable.
bool parseContentRange(const QByteArray &value, qint64 *start, qint64 *total)
{
    static const QRegularExpression re(QStringLiteral("^\\s*bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)\\s*$"));
    const auto m = re.match(QString::fromLatin1(value));
    if (!m.hasMatch())
        return false;
    *start = m.captured(1).toLongLong();
    *total = m.captured(3) == QLatin1String("*") ? -1 : m.captured(3).toLongLong();
    return true;
}
}  // namespace

DownloadOperation::DownloadOperation(api::ApiClient *api, ExportFileInfo file, QString destPath, QObject *parent)
    : Operation(parent), m_api(api), m_file(std::move(file)), m_destPath(std::move(destPath))
{
    setCapabilities(Cancellable | Suspendable);
    setTitle(m_file.fileName);
    setTotalAmount(Unit::Files, 1);
    m_retryTimer.setSingleShot(true);
    connect(&m_retryTimer, &QTimer::timeout, this, &DownloadOperation::sendRequest);
}

DownloadOperation::~DownloadOperation()
{
    dropTransfer();
    closePart();
}

void DownloadOperation::streamTo(StreamExtractor *sink, qint64 startOffset)
{
    m_sink = sink;
    m_sinkWriter = sink->writer();
    m_written = m_streamStart = qMax<qint64>(0, startOffset);
    connect(sink, &StreamExtractor::drained, this, &DownloadOperation::onReadyRead);
}

QString DownloadOperation::partPath() const
{
    return ExportLayout::partPath(m_destPath);
}

void DownloadOperation::doStart()
{
    m_url = m_file.downloadUrl;
    sendRequest();
}

QString DownloadOperation::relativeDest() const
{
    const QString root = m_root.isEmpty() ? QFileInfo(m_destPath).absolutePath() : m_root;
    return QDir(root).relativeFilePath(m_destPath);
}

bool DownloadOperation::openRoot()
{
    if (m_dir.isValid())
        return true;
    const QString root = m_root.isEmpty() ? QFileInfo(m_destPath).absolutePath() : m_root;
    const QString rel = relativeDest();
    if (rel.isEmpty() || rel == QLatin1String("..") || rel.startsWith(QLatin1String("../"))) {
        m_localError = Error(ErrorKind::Unsafe, tr("Refusing to write %1: it is not inside %2").arg(m_destPath, root));
        return false;
    }
    m_dir = ConfinedDir::open(root, true, &m_localError);
    return m_dir.isValid();
}

void DownloadOperation::doCancel()
{
    m_retryTimer.stop();
    dropTransfer();
    closePart();
}

bool DownloadOperation::doSuspend()
{
    // The GET cannot be paused; drop it and continue from the .part bytes on resume.
    m_retryTimer.stop();
    dropTransfer();
    closePart();
    return true;
}

bool DownloadOperation::doResume()
{
    if (m_synced) {
        QTimer::singleShot(0, this, [this] {
            if (state() == State::Running && !isFinished())
                moveIntoPlace();
        });
        return true;
    }
    if (!m_waitingForUrl && !m_syncing)
        QTimer::singleShot(0, this, [this] {
            if (state() == State::Running && !m_reply && !m_curl && !m_waitingForUrl)
                sendRequest();
        });
    return true;
}

void DownloadOperation::sendRequest()
{
    if (state() != State::Running || isFinished())
        return;
    if (!m_api)
        return fail(Error(ErrorKind::Internal, tr("Could not download %1: the API client is gone").arg(m_file.fileName)));
    // Every URL, the listed one and each refreshed one: nothing but http(s) reaches Qt.
    const QUrl url = QUrl::fromEncoded(m_url.toUtf8());
    const QString scheme = url.scheme().toLower();
    if (!url.isValid() || (scheme != QLatin1String("http") && scheme != QLatin1String("https")))
        return fail(Error(ErrorKind::Unsafe, tr("Refusing to download %1: its URL is not http or https (scheme '%2')")
                                                 .arg(m_file.fileName, url.scheme())));
    if (!m_sink && !openPart(m_restartFromZero))
        return fail(m_localError);
    m_restartFromZero = false;   // streamed: the bytes handed over stay; ask again from the next one
    m_offset = m_written;
    m_statusChecked = false;
    m_bodyAccepted = false;
    m_finishDeferred = false;
    m_skip = 0;
    setProcessedAmount(Unit::Bytes, m_written);

    ++m_requests;
    if (m_offset > 0)
        ++m_rangeRequests;
    if (m_api->signedGetPool()) {
        if (!sendWithCurl(url))
            return;   // the file failed
    } else {
        sendWithQt(url);
    }
    setStatusText(m_offset > 0 ? tr("Resuming %1 at byte %2").arg(m_file.fileName).arg(m_offset)
                               : tr("Downloading %1").arg(m_file.fileName));
}

DownloadOperation::HeadVerdict DownloadOperation::judgeHead(int status, qint64 contentLength,
                                                         const QByteArray &contentRange, qint64 offset, bool streamed)
{
    HeadVerdict verdict;
    if (status == 206) {
        qint64 start = -1, total = -1;
        if (!parseContentRange(contentRange, &start, &total) || start != offset) {
            // Bytes for some other place in the file: start over rather than corrupt it.
            verdict.wrongRange = true;
            return verdict;
        }
        verdict.expectedTotal = total >= 0 ? total : (contentLength >= 0 ? offset + contentLength : -1);
        verdict.accepted = true;
    } else if (status >= 200 && status < 300) {
        // The server ignored a Range: the body is the whole file again. Streamed, the bytes the
        // extraction already has are dropped; a .part starts over.
        if (offset > 0 && streamed)
            verdict.skip = offset;
        else if (offset > 0)
            verdict.truncate = true;
        verdict.expectedTotal = contentLength;
        verdict.accepted = true;
    }
    return verdict;
}

// One GET ended (its body written): done, retried, refreshed or failed.
void DownloadOperation::settle(const Attempt &attempt)
{
    if (m_localError) {
        closePart();
        return fail(m_localError);
    }
    if (m_restartFromZero) {
        ++m_failures;
        if (m_failures >= m_maxAttempts)
            return fail(Error(ErrorKind::BadResponse,
                              tr("Could not download %1: the server keeps sending the wrong byte range").arg(m_file.fileName)));
        return sendRequest();
    }
    const int status = attempt.status;
    const Error &error = attempt.error;
    closePart();
    if (attempt.refusedRedirect)
        return fail(Error(ErrorKind::Unsafe, tr("Refusing to download %1: the server redirected it to a URL that is not "
                                                "http or https, or from https to http").arg(m_file.fileName),
                          status, error.detail));
    if (status == 416 && m_sink)
        return fail(Error(ErrorKind::BadResponse, tr("Could not resume %1 at byte %2: the server says the file is "
                                                     "shorter now (it changed); it will be fetched from the start "
                                                     "next time").arg(m_file.fileName).arg(m_offset)));
    if (status == 416) {
        // Our .part is not a prefix the server can continue (e.g. the file changed): start over.
        m_restartFromZero = true;
        return retryLater(error, QStringLiteral("0"));   // at once
    }
    if (error) {
        if (error.kind == ErrorKind::Forbidden)
            return refreshUrl(error);
        if (error.isTransient() || error.kind == ErrorKind::Server || error.kind == ErrorKind::Network
            || error.kind == ErrorKind::Timeout) {
            if (status == 429) {
                const api::RetryPolicy policy = retryPolicy();
                const qint64 waitMs = api::parseRetryAfterMs(attempt.retryAfter, QDateTime::currentDateTimeUtc(),
                                                             policy.maxRetryAfterMs)
                                          .value_or(policy.baseDelayMs);
                if (m_api)
                    m_api->networkGate()->holdFor(waitMs);
                Q_EMIT rateLimited(int(waitMs));
            }
            return retryLater(error, attempt.retryAfter);
        }
        return fail(error);
    }
    if (m_expectedTotal >= 0 && m_written != m_expectedTotal) {
        return retryLater(Error(ErrorKind::Network, tr("Could not download %1: the transfer ended after %2 of %3 bytes")
                                                        .arg(m_file.fileName).arg(m_written).arg(m_expectedTotal)),
                          {});
    }
    completeFile();
}

bool DownloadOperation::openPart(bool truncate)
{
    if (m_fd >= 0 && !truncate)
        return true;
    closePart();
    if (!openRoot())
        return false;
    const QString rel = ExportLayout::partPath(relativeDest());
    // O_NONBLOCK: a FIFO planted under our name must not hang the open.
    int flags = O_WRONLY | O_CREAT | O_APPEND | O_NONBLOCK;
    if (truncate)
        flags |= O_TRUNC;
    m_fd = m_dir.openFile(rel, flags);
    struct stat st;
    const bool linkAtLeaf = m_fd < 0 && errno == ELOOP;   // a symlink planted as our .part
    if (linkAtLeaf || (m_fd >= 0 && (::fstat(m_fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1))) {
        // Not a plain file of ours (a hard link to a file elsewhere, a FIFO): replace it; its
        // bytes are not trusted either.
        closePart();
        if (!m_dir.unlink(rel) && errno != ENOENT) {
            m_localError = diskError(errno, tr("replace"));
            return false;
        }
        m_fd = m_dir.openFile(rel, (flags & ~O_TRUNC) | O_EXCL);
    }
    if (m_fd < 0) {
        m_localError = diskError(errno, tr("create"));
        return false;
    }
    ::fcntl(m_fd, F_SETFL, O_WRONLY | O_APPEND);
    const off_t size = ::lseek(m_fd, 0, SEEK_END);
    m_written = size < 0 ? 0 : qint64(size);
    return true;
}

void DownloadOperation::closePart()
{
    if (m_fd >= 0) {
        ::close(m_fd);
        m_fd = -1;
    }
}

void DownloadOperation::dropTransfer()
{
    dropReply();
    dropCurl();
}

void DownloadOperation::retryLater(const Error &error, const QString &retryAfter)
{
    ++m_failures;
    const std::optional<int> waitMs = retryPolicy().backoffDelayMs(m_failures, retryAfter, 0);
    if (!waitMs)
        return fail(Error(error.kind, tr("%1 (gave up after %2 attempts)").arg(error.message).arg(m_failures),
                          error.httpStatus, error.detail));
    const int wait = *waitMs;
    setStatusText(tr("Retrying %1 in %2 ms: %3").arg(m_file.fileName).arg(wait).arg(error.message));
    m_retryTimer.start(wait);
}

void DownloadOperation::refreshUrl(const Error &why)
{
    ++m_failures;
    if (!m_urlProvider || m_failures >= m_maxAttempts)
        return fail(why);
    m_waitingForUrl = true;
    setStatusText(tr("Refreshing the download URL of %1").arg(m_file.fileName));
    QPointer<DownloadOperation> self(this);
    m_urlProvider(m_file, this, [self](const QString &url, const Error &error) {
        if (!self || self->isFinished())
            return;
        self->m_waitingForUrl = false;
        if (error)
            return self->fail(error);
        self->m_url = url;
        ++self->m_urlRefreshes;
        if (self->state() == State::Running)
            self->sendRequest();
    });
}

// Durable before it gets its real name: a crash never leaves a short file under dest. The fsync
// runs on a pool thread (it waits for the disk; on the main thread it stalled every other
// transfer and, in the GUI, the window), the rename back here.
void DownloadOperation::completeFile()
{
    if (m_sink)
        return finishStreamed();
    if (!openRoot())
        return fail(m_localError);
    const int fd = m_syncBeforeRename ? m_dir.openFile(ExportLayout::partPath(relativeDest()), O_RDONLY | O_NONBLOCK) : -1;
    if (fd < 0)
        return moveIntoPlace();
    m_syncing = true;
    auto *watcher = new QFutureWatcher<void>(this);
    connect(watcher, &QFutureWatcher<void>::finished, this, [this, watcher] {
        watcher->deleteLater();
        m_syncing = false;
        m_synced = true;
        if (state() == State::Running && !isFinished())
            moveIntoPlace();   // else doResume() does it
    });
    watcher->setFuture(QtConcurrent::run(&syncPool(), [fd] {
        ::fsync(fd);
        ::close(fd);
    }));
}

void DownloadOperation::moveIntoPlace()
{
    const QString rel = relativeDest();
    if (!m_dir.rename(ExportLayout::partPath(rel), rel))
        return fail(Error(ErrorKind::Io, tr("Could not move %1 into place as %2: %3")
                                             .arg(partPath(), m_destPath, ConfinedDir::describe(errno))));
    setTotalAmount(Unit::Bytes, m_written);
    setProcessedAmount(Unit::Bytes, m_written);
    setProcessedAmount(Unit::Files, 1);
    setStatusText(tr("Downloaded %1").arg(m_file.fileName));
    emitResult();
}

// Every byte went to the sink; the owner ends its input (the extraction's result is the file's).
void DownloadOperation::finishStreamed()
{
    setTotalAmount(Unit::Bytes, m_written);
    setProcessedAmount(Unit::Bytes, m_written);
    setProcessedAmount(Unit::Files, 1);
    setStatusText(tr("Downloaded %1").arg(m_file.fileName));
    emitResult();
}

void DownloadOperation::fail(const Error &error)
{
    m_retryTimer.stop();
    dropTransfer();
    closePart();
    setStatusText(error.message);
    emitResult(error);
}

Error DownloadOperation::diskError(int errnum, const QString &what) const
{
    const QString reason = ConfinedDir::describe(errnum);
    if (errnum == ENOSPC || errnum == EFBIG || errnum == EDQUOT)
        return Error(ErrorKind::DiskFull, tr("Could not %1 %2: the disk is full (%3); the %4 bytes already "
                                             "downloaded are kept for a resume")
                                              .arg(what, partPath(), reason).arg(m_written));
    return Error(ErrorKind::Io, tr("Could not %1 %2: %3").arg(what, partPath(), reason));
}

}  // namespace bd
