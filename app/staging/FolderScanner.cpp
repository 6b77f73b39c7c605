#include "staging/FolderScanner.h"
#include "core/ThreadPriority.h"

#include "staging/FolderWalker.h"

#include <QtConcurrent/QtConcurrentRun>

#include <utility>

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace bd::staging {

namespace {
constexpr int kProgressIntervalMs = 100;
}

FolderScanner::FolderScanner(QStringList inputs, ScanOptions options, QObject *parent)
    : Operation(parent), m_inputs(std::move(inputs)), m_options(options), m_shared(std::make_shared<Shared>())
{
    setTitle(tr("Scanning for media"));
    setCapabilities(Cancellable);
    m_progressTimer.setInterval(kProgressIntervalMs);
    connect(&m_progressTimer, &QTimer::timeout, this, &FolderScanner::publishProgress);
    connect(&m_watcher, &QFutureWatcher<ScanResult>::finished, this, &FolderScanner::onWorkerFinished);
}

FolderScanner::~FolderScanner()
{
    // The worker keeps its own reference to the shared state and stops at the next entry.
    m_shared->cancel.store(true);
    m_watcher.disconnect(this);
}

void FolderScanner::doStart()
{
    std::shared_ptr<Shared> shared = m_shared;
    const QStringList inputs = m_inputs;
    const ScanOptions options = m_options;
    EarlyShardOptions early = std::exchange(m_early, {});
    m_watcher.setFuture(QtConcurrent::run([shared, inputs, options, early = std::move(early)]() mutable {
        threads::lowerThisThread();
        ScanResult result;
        {
            FolderWalker walker(options, &shared->cancel, &shared->examined);
            walker.setEarlyShards(std::move(early));
            result = walker.scan(inputs);
        }
#ifdef __GLIBC__
        // The walk and the naming pass freed a lot on this pool thread's malloc arena, which the
        // main thread does not reuse: give those pages back (every arena; here, not on the GUI
        // thread: ~15 ms) so the ingest that follows does not stack its memory on top of them.
        malloc_trim(0);
#endif
        return result;
    }));
    m_progressTimer.start();
}

void FolderScanner::doCancel()
{
    m_shared->cancel.store(true);
    m_progressTimer.stop();
}

void FolderScanner::publishProgress()
{
    setProcessedAmount(Unit::Items, m_shared->examined.load(std::memory_order_relaxed));
}

void FolderScanner::onWorkerFinished()
{
    m_progressTimer.stop();
    if (isFinished())
        return;   // cancelled meanwhile: the base class already finished with Cancelled
    m_result = m_watcher.result();
    const qint64 examined = m_shared->examined.load();
    setTotalAmount(Unit::Items, examined);
    setProcessedAmount(Unit::Items, examined);
    setStatusText(m_result.summary());
    if (!m_result.storeError.isEmpty())
        emitResult(Error(ErrorKind::Io, tr("Cannot write the scan to disk: %1").arg(m_result.storeError)));
    else if (m_result.cancelled)
        emitResult(Error(ErrorKind::Cancelled, tr("Cancelled")));
    else
        emitResult();
}

}  // namespace bd::staging
