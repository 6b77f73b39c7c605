#include "exports/StreamExtractor.h"
#include "core/ThreadPriority.h"

#include <QFileInfo>
#include <QPointer>
#include <QThreadPool>
#include <QtConcurrent>

#include <condition_variable>
#include <deque>
#include <limits>
#include <mutex>

namespace bd {

namespace {
// Workers of streamed extractions: each waits on its download most of the time, so there is one
// per running stream (bounded by the export's download concurrency), not one per core.
QThreadPool &streamPool()
{
    static QThreadPool *pool = [] {
        auto *p = new QThreadPool;   // never destroyed: workers may outlive static destruction order
        p->setMaxThreadCount(64);
        return p;
    }();
    return *pool;
}
}  // namespace

// The bounded byte pipe between the download (owner's thread) and the worker (libarchive's read
// callback). Chunks are moved, not copied; the worker keeps the one libarchive is reading until
// it asks for the next.
struct StreamExtractor::Pipe : ArchiveStream, StreamWriter {
    mutable std::mutex mutex;
    std::condition_variable arrived;
    std::condition_variable roomFreed;   // a blocked write() waits on it
    bool writerWaiting = false;
    qint64 pushed = 0;                   // bytes taken by write() and push()
    std::deque<QByteArray> chunks;
    qint64 queued = 0;
    bool ended = false;
    bool aborted = false;
    bool readerGone = false;        // the worker stopped reading: push() drops
    bool producerWaiting = false;   // room() said 0: tell the owner when there is room again
    std::atomic<qint64> size{ -1 };
    QByteArray current;             // the chunk libarchive is reading (worker only)
    std::shared_ptr<ExtractControl> control;
    std::function<void()> onDrained;   // posts drained() to the owner's thread

    qint64 read(const void **data) override
    {
        std::unique_lock lock(mutex);
        arrived.wait(lock, [this] { return !chunks.empty() || ended || aborted || control->cancel.load(); });
        if (aborted || control->cancel.load())
            return -1;
        if (chunks.empty())
            return 0;   // ended
        current = std::move(chunks.front());
        chunks.pop_front();
        queued -= current.size();
        const bool wake = producerWaiting && queued <= kCapacity / 2;
        if (wake)
            producerWaiting = false;
        if (writerWaiting && queued <= kCapacity / 2)
            roomFreed.notify_one();
        lock.unlock();
        if (wake)
            onDrained();
        *data = current.constData();
        return current.size();
    }

    qint64 archiveSize() const override { return size.load(); }

    // The worker is done reading: drop what waits and let the producer run free.
    void closeReader()
    {
        std::unique_lock lock(mutex);
        readerGone = true;
        chunks.clear();
        queued = 0;
        current.clear();
        roomFreed.notify_all();
        const bool wake = std::exchange(producerWaiting, false);
        lock.unlock();
        if (wake)
            onDrained();
    }

    void wakeReader()
    {
        std::lock_guard lock(mutex);
        arrived.notify_all();
    }

    bool write(QByteArray chunk, const std::atomic<bool> &abort) override
    {
        std::unique_lock lock(mutex);
        writerWaiting = true;
        roomFreed.wait(lock, [&] { return abort.load() || ended || aborted || readerGone || queued < kCapacity; });
        writerWaiting = false;
        if (abort.load() || ended || aborted)
            return false;
        pushed += chunk.size();
        if (readerGone || chunk.isEmpty())
            return true;
        queued += chunk.size();
        chunks.push_back(std::move(chunk));
        arrived.notify_one();
        return true;
    }

    void wake() override
    {
        std::lock_guard lock(mutex);
        roomFreed.notify_all();
    }

    qint64 taken() const override
    {
        std::lock_guard lock(mutex);
        return pushed;
    }

    void setArchiveSize(qint64 bytes) override { size = bytes; }
};

StreamExtractor::StreamExtractor(const QString &archivePath, const QString &targetDir, const ExtractOptions &options,
                                 qint64 streamBase, QObject *parent)
    : Operation(parent)
    , m_archivePath(archivePath)
    , m_targetDir(targetDir)
    , m_options(options)
    , m_streamBase(streamBase)
    , m_control(std::make_shared<ExtractControl>())
    , m_pipe(std::make_shared<Pipe>())
{
    setTitle(tr("Extracting %1").arg(QFileInfo(archivePath).fileName()));
    setCapabilities(Cancellable);
    m_pipe->control = m_control;
    // Until the first header proves the stream resumable, a new run would start where this one did.
    m_control->resumeOffset = streamBase > 0 ? streamBase : -1;
    QPointer<StreamExtractor> self(this);
    m_pipe->onDrained = [self] {
        QMetaObject::invokeMethod(
            self, [self] {
                if (self)
                    Q_EMIT self->drained();
            },
            Qt::QueuedConnection);
    };
    connect(&m_watcher, &QFutureWatcher<ExtractOutcome>::finished, this, &StreamExtractor::workerDone);
}

StreamExtractor::~StreamExtractor()
{
    m_control->cancel = true;
    m_pipe->wakeReader();
    m_watcher.disconnect(this);
    m_watcher.waitForFinished();
}

void StreamExtractor::setArchiveSize(qint64 bytes)
{
    m_pipe->setArchiveSize(bytes);
}

qint64 StreamExtractor::room() const
{
    std::lock_guard lock(m_pipe->mutex);
    if (m_pipe->readerGone)
        return std::numeric_limits<qint64>::max();
    const qint64 room = kCapacity - m_pipe->queued;
    if (room <= 0)
        m_pipe->producerWaiting = true;
    return qMax<qint64>(0, room);
}

void StreamExtractor::push(QByteArray bytes)
{
    if (bytes.isEmpty())
        return;
    std::lock_guard lock(m_pipe->mutex);
    if (m_pipe->ended || m_pipe->aborted)
        return;
    m_pipe->pushed += bytes.size();
    if (m_pipe->readerGone)
        return;
    m_pipe->queued += bytes.size();
    m_pipe->chunks.push_back(std::move(bytes));
    m_pipe->arrived.notify_one();
}

std::shared_ptr<StreamWriter> StreamExtractor::writer() const
{
    return m_pipe;
}

void StreamExtractor::endInput()
{
    std::lock_guard lock(m_pipe->mutex);
    m_pipe->ended = true;
    m_pipe->arrived.notify_all();
    m_pipe->roomFreed.notify_all();
}

void StreamExtractor::abortInput()
{
    std::lock_guard lock(m_pipe->mutex);
    m_pipe->aborted = true;
    m_pipe->arrived.notify_all();
    m_pipe->roomFreed.notify_all();
}

void StreamExtractor::doStart()
{
    setStatusText(tr("Extracting %1 as it downloads").arg(QFileInfo(m_archivePath).fileName()));
    startWorker();
}

void StreamExtractor::startWorker()
{
    if (m_workerStarted)
        return;
    m_workerStarted = true;
    auto control = m_control;
    auto pipe = m_pipe;
    const QString archive = m_archivePath;
    const QString target = m_targetDir;
    const ExtractOptions options = m_options;
    const qint64 base = m_streamBase;
    m_watcher.setFuture(QtConcurrent::run(&streamPool(), [control, pipe, archive, target, options, base] {
        threads::lowerThisThread();
        ExtractOutcome outcome = extractStream(*pipe, base, archive, target, options, *control);
        pipe->closeReader();
        return outcome;
    }));
}

void StreamExtractor::doCancel()
{
    m_control->cancel = true;
    m_pipe->wakeReader();
}

void StreamExtractor::workerDone()
{
    const ExtractOutcome outcome = m_watcher.result();
    m_result = outcome.result;
    setProcessedAmount(Unit::Bytes, m_result.bytesWritten);
    setProcessedAmount(Unit::Items, m_control->entriesDone.load());
    if (!outcome.error && !m_result.refused.isEmpty())
        setStatusText(tr("Extracted %1 files; refused %2 unsafe entries")
                          .arg(m_result.filesExtracted)
                          .arg(m_result.refused.size()));
    emitResult(outcome.error);
}

}  // namespace bd
