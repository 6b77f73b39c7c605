#pragma once
// IngestOperation: folders in, a ready staging batch out - the one Operation the GUI and the CLI
// use for local ingests. Composite: scan (FolderScanner) → plan (IngestPlanner) → upload
// (UploadQueue of Image/Shard/Video transfers) → wait for indexing (BatchReadiness: D6 shard
// statuses and D3 count, polled every 1 s backing off to 5 s) → summary().
//
// Nothing is lost and nothing is sent twice: every step is written to the IngestJournal (once
// the upload begins, through a JournalWriter on a thread of its own: IngestUpload.cpp), which
// knows the service (API base URL) and workspace (W1) of every ingest. Run the same ingest again
// (same service, workspace, batch, sources and media) and it resumes under the same ingest id.
// The journal is not trusted on its own word (IngestVerify.cpp): a file an earlier run
// confirmed is sent again if it changed on disk since (FileFingerprint) or the service does not
// list it (batch expired, another workspace, a fresh sandbox); a file a killed run left "sent"
// is looked up in the listing (D5, once the shards settled) and, if its whole body had left,
// waited for up to sentSettleMs after it was sent before it goes again. The summary says what
// was sent again and why.
//
// Scan and upload overlap (EarlyShards.h): a fresh ingest (nothing of the batch sent or
// confirmed in the journal) sends shards of images whose batch names are already final while
// the walk goes on; the plan after the scan skips them. Nothing heavy runs on the thread that
// owns the operation (the GUI's): the journal copy, the plan's counts (overlapped ingests),
// the members' fingerprints and finish()'s passes over every file run on the thread pool.
//
// Memory does not grow with the folder: the scan goes to a scratch database (ScanStore), is
// attached to the journal's connection and copied into the journal on a worker thread; the
// plan is read a shard at a time (IngestPlanCursor) and the upload queue is fed a few transfers
// ahead; file states live in the journal and the summary keeps counts and the first
// IngestSummary::kMaxListedUploads of each list (forEachOutcome reads them all). One process at a time per ingest (IngestLock): a second one is
// refused with a clear message. Cancellable and Suspendable (suspend pauses the upload queue).
#include "api/ApiClient.h"
#include "core/Operation.h"
#include "staging/BatchReadiness.h"
#include "staging/IngestJournal.h"
#include "staging/IngestLock.h"
#include "staging/IngestPlan.h"
#include "staging/IngestPlanCursor.h"
#include "staging/IngestSummary.h"
#include "staging/JournalWriter.h"
#include "staging/MediaKind.h"
#include "staging/ScanResult.h"
#include "staging/FolderScanner.h"
#include "staging/UploadQueue.h"

#include <QElapsedTimer>
#include <QFutureWatcher>
#include <QSqlDatabase>
#include <QHash>
#include <QPointer>
#include <QSet>
#include <QTimer>

#include <atomic>
#include <functional>
#include <memory>

namespace bd::staging {

struct IngestOptions {
    QString batchId;
    QString displayName;            // empty: the batch id (as the reference CLI does)
    QStringList inputs;             // folders and/or files
    MediaSelection media = MediaSelection::Images;
    bool recursive = true;
    // Sharded images go while the folder walk still runs (EarlyShards.h): fresh ingests only.
    bool overlapScanAndUpload = true;
    QString ingestId;               // empty: the journal's (resume) or a fresh UUID
    QString notificationsUrl;       // goes into each shard's notification_config.json (§7.2)
    int concurrency = 0;            // transfers at once; 0: the connection's NetworkGate adapts
    PlanOptions plan;               // thresholds; alreadyUploaded is filled in from the journal
    int maxTransferAttempts = 5;
    int transferBackoffMs = 1000;
    int pollInitialMs = 1000;
    int pollMaxMs = 5000;
    qint64 indexTimeoutMs = 10 * 60 * 1000;
    int maxPollErrors = 8;          // consecutive failed polls before giving up on indexing
    bool waitForIndexing = true;
    // A file an interrupted run had sent whole (its transfer's last bytes had left) may still
    // land: the service registers a shard after its PUT arrived, and the answer was lost with
    // the process. While the listing does not show it, it is listed again every
    // sentRecheckMs until it shows or sentSettleMs have passed since it was sent; only then is
    // it sent again. A file whose body never fully left cannot have arrived: it goes at once.
    int sentSettleMs = 20000;
    int sentRecheckMs = 1000;

    QString mediaName() const;      // "images" | "videos" | "both"
};

class IngestOperation : public Operation
{
    Q_OBJECT
public:
    enum class Phase { Idle, Scanning, Verifying, Uploading, Indexing, Done };
    Q_ENUM(Phase)

    IngestOperation(api::ApiClient *api, IngestOptions options, QObject *parent = nullptr);
    ~IngestOperation() override;

    const IngestOptions &options() const { return m_options; }
    Phase phase() const { return m_phase; }
    QString ingestId() const { return m_summary.ingestId; }
    // Complete once finished() was emitted; partially filled while running.
    const IngestSummary &summary() const { return m_summary; }
    UploadQueue *queue() const { return m_queue; }

    enum class OutcomeList { Uploaded, Skipped, Failed };
    // Every outcome of one list, in path order, once finished() was emitted (the summary's
    // lists are samples past kMaxListedUploads). visit returns false to stop; false when the
    // journal or the scan cannot be read.
    bool forEachOutcome(OutcomeList list, const std::function<bool(const IngestFileOutcome &)> &visit);

    // Tests: run on the copy's thread just before the scan is copied into the journal (to hold
    // it while the planned shards are answered); empty: none.
    static void setBeforeJournalCopyForTests(std::function<void()> hook);

Q_SIGNALS:
    void phaseChanged(bd::staging::IngestOperation::Phase phase);
    // A queue of transfers was made, not started yet: early shards get one while the walk still
    // runs (Phase::Scanning), the plan after the scan another if that one ran dry.
    void queueCreated(bd::staging::UploadQueue *queue);

protected:
    void doStart() override;
    void doCancel() override;
    bool doSuspend() override;
    bool doResume() override;

private:
    void setPhase(Phase phase, const QString &status);
    void resolveTarget();
    void startWithTarget();
    bool openJournal();
    void startScan();
    void onScanFinished();
    void onScanCounted(const std::optional<PlanCounts> &counts);
    void onScanJournaled();
    // IngestVerify.cpp: what an earlier run claims, checked with the disk and the service.
    void checkEarlierRuns();
    // The claims and the listing are temporary tables of the journal's connection
    // (IngestResumeCheck): flat memory at a million files.
    void verifyWithService();
    void applyListing(bool batchGone);
    void sendAgain(const QString &path, const QString &reason);
    void waitForShardsToSettle(std::function<void()> then);
    // The batch's names (D5) into temp.resume_listed, a page per request as they arrive.
    struct ListingRun;
    void listBatchNames(std::function<void(bool batchGone, const Error &error)> then);
    void listBatchPage(std::shared_ptr<ListingRun> run);
    void planAndUpload();
    // Pipelined ingest: a fresh ingest (no journal rows of this batch sent or confirmed) hands
    // the walk EarlyShardOptions; each shard of images with final names it hands out is
    // journaled and queued at once (onEarlyShard), and the plan after the scan skips them.
    bool canOverlapScanAndUpload();
    void onEarlyShard(PlannedShard shard);
    // The upload queue, created (not started) if there is none; startQueue starts it.
    void ensureQueue();
    void startQueue();
    // Tops the queue up to kFeedWindow transfers waiting, from the plan cursor.
    void feedQueue();
    void updateBytesTotal();
    TransferOperation *nextTransfer();
    // Every transfer this ingest queues: the attempts and backoff of its options.
    TransferOperation *tuned(TransferOperation *transfer) const;
    TransferOperation *newShardTransfer(const PlannedShard &shard);
    // The members' fingerprints, taken on the thread pool once a transfer is queued (a SHA-256
    // per file written in the last 2 s): its "sending" handler only writes them.
    void prefetchFingerprints(TransferOperation *transfer);
    void onTransferStarted(TransferOperation *transfer);
    void onTransferFinished(TransferOperation *transfer);
    void onQueueFinished();
    void waitForIndexing();
    void onIndexingSettled();
    void reconcileMissing();
    // IngestFinish.cpp: the summary's passes over the journal and the scan, the final state.
    void finish(const Error &error = {});
    void fail(const Error &error);
    // A journal write of this ingest, queued to m_writer: the future finishes once it is durable
    // (a failure fails the ingest). whenRecorded: `then` on this thread once all queued are.
    QFuture<bool> record(JournalWriter::Write write);
    void whenRecorded(std::function<void()> then);
    // The ingest's last state recorded (after every queued record), then the lock released and
    // `then` run: once durable, or at once (waiting here) when the caller reports right away.
    void recordFinalState(const QString &state, std::function<void()> then, bool atOnce);

    QPointer<api::ApiClient> m_api;
    IngestOptions m_options;
    Phase m_phase = Phase::Idle;
    IngestJournal m_journal;                 // reads (this thread's connection), writes before the upload
    JournalWriter *m_writer = nullptr;       // every write from the plan on (opened with the journal)
    IngestLock m_lock;
    IngestTarget m_target;
    IngestSummary m_summary;
    QPointer<FolderScanner> m_scanner;
    QPointer<UploadQueue> m_queue;
    QElapsedTimer m_clock;

    // The scan's files joined with this ingest's journal rows, in path order: (path, batch
    // name, state, reason code, reason). On this thread's connection, the scan attached.
    struct ScannedState {
        QString path;
        QString name;
        QString state;        // empty: no journal row
        QString reasonCode;   // set by this run's failures only
        QString reason;
    };
    bool forEachScannedState(const std::function<bool(const ScannedState &)> &visit);
    // `where`: an SQL condition on s (the scan's row) and f (its journal row, if any); `limit`
    // rows at most (-1: all).
    static bool forEachScannedStateIn(QSqlDatabase db, const QString &scanSchema, const QString &ingestId,
                                      const std::function<bool(const ScannedState &)> &visit,
                                      const QString &where = {}, int limit = -1);
    QString scannedName(const QString &path);   // batch name of a scanned path
    bool attachScan();
    void detachScan();
    IngestFileOutcome failedOutcome(const ScannedState &s) const;
    static IngestFileOutcome skippedOutcome(const SkippedFile &s);
    static IngestFileOutcome failedOutcomeFor(const ScannedState &s, const QString &notSentReason);

    // finish()'s passes over every scanned file - the service's verdicts moved into the
    // journal, then the summary's counts and first entries - on a worker thread with its own
    // connection (a million rows would stall the GUI); completeFinish() goes on from there.
    struct FinishPasses {
        bool ok = false;
        int rejected = 0;        // confirmed files the service failed (now "failed")
        int uploadedCount = 0;
        int failedCount = 0;
        QVector<IngestFileOutcome> uploaded;
        QVector<IngestFileOutcome> failed;
    };
    static FinishPasses runFinishPasses(const std::shared_ptr<ScanFile> &file, const QString &ingestId,
                                        const QHash<QString, QString> &serviceFailed, const QString &notSentReason);
    void applyFinishPasses(const FinishPasses &passes);
    void completeFinish(const Error &error);
    QFutureWatcher<FinishPasses> m_finishPasses;
    bool m_finishing = false;
    bool m_cancelling = false;   // doCancel: finish at once (the caller reports right after)

    // Transfers waiting in the queue beyond the running ones (and early shards handed out, not
    // started). Each holds its shard's member list, so the window is memory that a 1 000-file
    // ingest (four shards) never fills and a larger one always does: 8 cost ~0.7 MB of peak RSS
    // from 10 000 files on (the CLI, 1 KiB images, three runs each). A transfer that starts refills it at once (feedQueue),
    // so 2 keep every slot fed: no loss of throughput measured at 10 000 and 100 000 files.
    static constexpr int kFeedWindow = 2;
    // Early shards handed out at once when the walk ends (EarlyShardBuilder::walkEnded): the
    // window's two and the running four kept the upload busy ~85 ms of the ~0.35 s that the scan
    // then takes to settle, sort and name 100 000 files before the first planned shard; eight
    // more cover ~0.25 s. Each holds its member list until it is sent: +0.3 MB of peak RSS at
    // 100 000 files of 48 KiB (none at 1 000 000 tiny ones, whose walk is slower than their upload).
    static constexpr int kTailShards = 8;

    bool m_overlapped = false;               // early shards were asked of the walk
    // Until the scan's copy is in the journal, a shard's answer is journaled as "answered" (its
    // members appended, IngestJournal::answerShard) and written onto their rows after the copy.
    bool m_answerBeforeCopy = false;
    std::shared_ptr<std::atomic<int>> m_earlyWaiting;   // early shards queued, not started
    QSet<TransferOperation *> m_earlyTransfers;
    int m_earlyFiles = 0;
    QHash<TransferOperation *, QFuture<QVector<FileFingerprint>>> m_fingerprints;
    // What each shard's "sent" record held (filled on the journal's thread): its confirm writes it
    // again without reading the record back.
    QHash<TransferOperation *, std::shared_ptr<QVector<FileFingerprint>>> m_sentFingerprints;
    bool m_queueStarted = false;
    qint64 m_bytesBefore = 0;                // of queues that ran dry while the walk went on
    qint64 m_bytesTotalBefore = 0;           // (what they were given: their part of the total)
    qint64 m_filesBefore = 0;

    ScanResult m_scanResult;                 // counts, skipped sample, the scratch file
    QString m_scanSchema;                    // the scan, attached to the journal's connection
    // The scan copied into the journal (worker thread): why it failed, or empty.
    QFutureWatcher<QString> m_journalCopy;
    std::optional<PlanCounts> m_scanCounts;   // overlapped ingests: the plan's counts, taken there
    std::unique_ptr<IngestPlanCursor> m_cursor;
    bool m_feeding = false;
    qint64 m_payloadLeft = 0;                // bytes not yet handed to the queue
    int m_filesLeft = 0;
    int m_nextShardIndex = 0;
    Error m_finishError;                     // why files were not sent (for forEachOutcome)
    int m_confirmedCount = 0;                // this ingest's files in the batch (journal: confirmed)
    int m_transfersFinished = 0;             // (for the timeline)
    QHash<QString, QString> m_serviceFailed; // batch name → the service's reason (D6)

    QPointer<BatchReadiness> m_readiness;   // Indexing: is the batch ready?
    qint64 m_lastCount = -1;
};

}  // namespace bd::staging
