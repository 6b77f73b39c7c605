#include "exports/SafeExtractor.h"
#include "core/ThreadPriority.h"

#include <QFileInfo>
#include <QtConcurrent>

namespace bd {

namespace {
constexpr int kProgressIntervalMs = 100;

QThreadPool &extractionPool()
{
    static QThreadPool *pool = [] {
        auto *p = new QThreadPool;   // never destroyed: workers may outlive static destruction order
        p->setMaxThreadCount(qMax(2, QThread::idealThreadCount()));
        return p;
    }();
    return *pool;
}
}  // namespace

int SafeExtractor::poolSize()
{
    return extractionPool().maxThreadCount();
}

SafeExtractor::SafeExtractor(const QString &archivePath, const QString &targetDir, const ExtractOptions &options,
                             QObject *parent)
    : Operation(parent)
    , m_archivePath(archivePath)
    , m_targetDir(targetDir)
    , m_options(options)
    , m_control(std::make_shared<ExtractControl>())
{
    setTitle(tr("Extracting %1").arg(QFileInfo(archivePath).fileName()));
    setCapabilities(Cancellable);
    m_progressTimer.setInterval(kProgressIntervalMs);
    connect(&m_progressTimer, &QTimer::timeout, this, &SafeExtractor::pollProgress);
    connect(&m_watcher, &QFutureWatcher<ExtractOutcome>::finished, this, &SafeExtractor::workerDone);
}

SafeExtractor::~SafeExtractor()
{
    m_control->cancel = true;
    m_watcher.disconnect(this);
    m_watcher.waitForFinished();
}

void SafeExtractor::doStart()
{
    setStatusText(tr("Checking %1").arg(QFileInfo(m_archivePath).fileName()));
    auto control = m_control;
    const QString archive = m_archivePath;
    const QString target = m_targetDir;
    const ExtractOptions options = m_options;
    m_watcher.setFuture(QtConcurrent::run(&extractionPool(), [control, archive, target, options] {
        threads::lowerThisThread();
        return extractArchive(archive, target, options, *control);
    }));
    m_progressTimer.start();
}

void SafeExtractor::doCancel()
{
    m_control->cancel = true;
    m_progressTimer.stop();
}

void SafeExtractor::pollProgress()
{
    const qint64 totalBytes = m_control->totalBytes.load();
    if (totalBytes >= 0) {
        setTotalAmount(Unit::Bytes, totalBytes);
        setTotalAmount(Unit::Items, m_control->totalEntries.load());
        setStatusText(tr("Extracting into %1").arg(m_targetDir));
    }
    setProcessedAmount(Unit::Bytes, m_control->bytesDone.load());
    setProcessedAmount(Unit::Items, m_control->entriesDone.load());
}

void SafeExtractor::workerDone()
{
    m_progressTimer.stop();
    pollProgress();
    const ExtractOutcome outcome = m_watcher.result();
    m_result = outcome.result;
    if (!outcome.error && !m_result.refused.isEmpty())
        setStatusText(tr("Extracted %1 files; refused %2 unsafe entries")
                          .arg(m_result.filesExtracted)
                          .arg(m_result.refused.size()));
    emitResult(outcome.error);
}

}  // namespace bd
