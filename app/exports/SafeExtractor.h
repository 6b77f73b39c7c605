#pragma once
// SafeExtractor: extracts one downloaded archive into a folder as an Operation (cancellable,
// progress in expanded bytes and entries). The work runs on one pool shared by every extraction of
// the process, sized to the cores (poolSize()) and separate from the global pool, so a long
// extraction never holds a thread of the global pool and a thousand small archives reuse a few
// threads instead of starting one each (see ArchiveExtraction.h for the safety rules).
#include "core/Operation.h"
#include "exports/ArchiveExtraction.h"

#include <QFutureWatcher>
#include <QThreadPool>
#include <QTimer>

#include <memory>

namespace bd {

class SafeExtractor : public Operation
{
    Q_OBJECT
public:
    SafeExtractor(const QString &archivePath, const QString &targetDir, const ExtractOptions &options = {},
                  QObject *parent = nullptr);
    // Cancels and waits for the worker (it stops within one read block).
    ~SafeExtractor() override;

    // Threads of the shared extraction pool (QThread::idealThreadCount(), at least 2): more
    // extractions than this at once only queue.
    static int poolSize();

    QString archivePath() const { return m_archivePath; }
    QString targetDir() const { return m_targetDir; }
    // Valid once finished(); partial (what was done before the stop) on error.
    const ExtractResult &result() const { return m_result; }
    // After cancel() the operation has finished but the worker may still be stopping.
    bool isWorkerRunning() const { return m_watcher.isRunning(); }

protected:
    void doStart() override;
    void doCancel() override;

private:
    void pollProgress();
    void workerDone();

    const QString m_archivePath;
    const QString m_targetDir;
    const ExtractOptions m_options;
    std::shared_ptr<ExtractControl> m_control;
    QFutureWatcher<ExtractOutcome> m_watcher;
    QTimer m_progressTimer;
    ExtractResult m_result;
};

}  // namespace bd
