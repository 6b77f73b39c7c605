#pragma once
// FolderScanner: the Operation that scans folders and files for media on the thread pool (never
// on the GUI thread), reporting examined entries as Items progress. Cancel stops the walk at the
// next entry; the operation then finishes with Cancelled at once and result() stays empty.
#include "core/Operation.h"
#include "staging/EarlyShards.h"
#include "staging/ScanResult.h"

#include <QFutureWatcher>
#include <QStringList>
#include <QTimer>

#include <atomic>
#include <memory>

namespace bd::staging {

class FolderScanner : public Operation
{
    Q_OBJECT
public:
    explicit FolderScanner(QStringList inputs, ScanOptions options = {}, QObject *parent = nullptr);
    ~FolderScanner() override;

    const QStringList &inputs() const { return m_inputs; }
    const ScanOptions &options() const { return m_options; }
    // Valid once finished() has been emitted.
    const ScanResult &result() const { return m_result; }
    // Shards handed out while the walk goes on (database scans; EarlyShards.h). Before start().
    void setEarlyShards(EarlyShardOptions options) { m_early = std::move(options); }

protected:
    void doStart() override;
    void doCancel() override;

private:
    // Shared with the worker so it stays valid if the scanner is deleted mid-scan.
    struct Shared {
        std::atomic<bool> cancel{ false };
        std::atomic<qint64> examined{ 0 };
    };

    void publishProgress();
    void onWorkerFinished();

    QStringList m_inputs;
    ScanOptions m_options;
    ScanResult m_result;
    EarlyShardOptions m_early;
    std::shared_ptr<Shared> m_shared;
    QFutureWatcher<ScanResult> m_watcher;
    QTimer m_progressTimer;   // polls the worker's counter: no signal per file
};

}  // namespace bd::staging
