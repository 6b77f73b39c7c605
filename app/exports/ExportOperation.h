#pragma once
// ExportOperation: "export batch X (or job J's outputs) into folder T" as one Operation — the one
// the GUI's Exports tab and `batchdeck-cli data-staging export-batch` run.
//
// A pipeline, every stage overlapping the next:
//   list (ExportPlanner, an Operation: D2/D4/D3/D5, parts listed concurrently, each D5 page
//      handed over as it arrives; while it lists it owns half of the request cap)
//   -> skip what is done (.export_log.jsonl entry whose local_path exists, or a journal row
//      Complete/Extracted whose file exists) unless overrideExisting
//   -> download concurrently (DownloadOperation; default 8 at once) from the first page on,
//      aggregate Bytes/Files, speed and ETA (the byte total is estimated from the files seen so
//      far until all started)
//   -> archives (.tar/.tar.gz/.tgz/.zip) are extracted with SafeExtractor on one bounded pool
//      (SafeExtractor::poolSize(), the cores) as they finish — once the listing is complete, so a
//      member can never take the name of a file listed later — archive deleted afterwards
//      unless keepArchives;
//   -> except a .tar that is not kept (the default): it is extracted while it downloads
//      (StreamExtractor: no .part, the archive never touches the disk; it waits for the listing
//      to be complete before its GET starts). The journal row (state Extracting) holds the byte
//      where a new run starts it over with a Range request: every member before it is on disk.
//      A kill costs at most the members extracted since the last recorded offset (recorded at
//      most every 100 ms), which are written again and atomically replaced; a .part or an archive
//      left by an earlier run of the other kind is continued the other way (ExportStreams.cpp)
//   -> one .export_log.jsonl line (written at once; fsync grouped, at most one per 100 ms and
//      one at the end) and an ExportJournal state per file.
// Crash safety: a line is in the file (the page cache) before the file counts as done, so a
// SIGKILL loses nothing; only a power cut can lose the last 100 ms of lines, and those files are
// then fetched again, never half-written (downloads and extracted members appear under their
// names only when complete). A plain download is fsync'ed (off the main thread) before its
// rename; an archive extracted and deleted in this run is not: its journal row says Extracted
// only after the extraction, so an archive lost to a power cut is fetched again. Extracted
// members are not fsync'ed either (a power cut after their log line was synced can leave them
// short: not covered).
// Folder layout: ExportLayout.h ("One layout"); targetFolders() tells where each batch went.
// One export at a time per target folder (flock on the folder; a second one waits).
// A CompositeOperation: the planner, every download and every extraction are its children, so
// cancel() reaches all of them. Downloads take Transfer slots of the connection's NetworkGate (the
// shared concurrency limit and 429 hold), the planner Request slots.
// Suspendable (running GETs are dropped and queued again, .part files kept, slots given back;
// resume continues them with Range) and cancellable. Finishes with no error when every file is done or skipped; otherwise with the
// first failure's kind and a count; summary() tells the details either way.
#include "api/ApiClient.h"
#include "api/NetworkGate.h"
#include "core/CompositeOperation.h"
#include "exports/ArchiveExtraction.h"
#include "exports/ConfinedDir.h"
#include "exports/ExportJournal.h"
#include "exports/ExportPlanner.h"
#include "exports/ExportRunJournal.h"
#include "exports/ExportSummary.h"

#include <QDeadlineTimer>
#include <QHash>
#include <QList>
#include <QMap>
#include <QPointer>
#include <QSet>
#include <QTimer>

#include <memory>
#include <unordered_map>

namespace bd {

class DownloadOperation;
class ExportLog;
class SafeExtractor;
class StreamExtractor;

struct ExportOptions {
    QStringList batchIds;          // one or more batches; with jobId: only these of the job's outputs
    QString jobId;                 // a job's output batches (B4), each into <targetDir>/<batchId>
    bool allStages = false;        // with jobId: every stage's outputs, not only `export`
    QString targetDir;
    QStringList partNames;         // filter for multipart batches (empty: all parts)
    bool overrideExisting = false; // download again even what the log says is done
    int concurrency = 8;           // downloads at once (MAX_DOWNLOAD_THREADS in the reference CLI)
    bool keepArchives = false;     // keep .tar/.zip files after extracting them
    int maxAttempts = 6;           // per file
    int backoffBaseMs = 500;       // first retry wait (doubles, jittered, capped at 30 s)
    bool useJournal = true;        // record progress in the SQLite export journal (a failure of it fails the export)
    ExtractOptions extract;        // caps for archives (ratio, size, free-space margin)
};

class ExportOperation : public CompositeOperation
{
    Q_OBJECT
public:
    ExportOperation(api::ApiClient *api, ExportOptions options, QObject *parent = nullptr);
    ~ExportOperation() override;

    const ExportOptions &options() const { return m_options; }
    const ExportSummary &summary() const { return m_summary; }
    // The plan (valid once planned() was emitted).
    const QVector<PlannedFile> &files() const { return m_files; }
    int runningDownloads() const { return int(m_running.size()); }
    int pendingDownloads() const { return int(m_pending.size()); }
    qint64 holdRemainingMs() const;
    // Batch id -> the folder its files land in (its export root, which holds .export_log.jsonl);
    // valid once targetFoldersKnown() was emitted (before any file is written).
    QMap<QString, QString> targetFolders() const;

Q_SIGNALS:
    void targetFoldersKnown(const QMap<QString, QString> &folders);
    // files()[first .. first + count) joined the export (one listing page): a list view adds its
    // rows here, before any fileStarted() / fileFinished() of these files.
    void filesAdded(int first, int count);
    // The listing is complete: files() holds the plan; `toDownload` files will be fetched
    // (downloads may have started before).
    void planned(int total, int toDownload);
    void fileStarted(const QString &key, const QString &destPath);
    // Another export holds this target folder; this one waits for it (once per folder).
    void waitingForTarget(const QString &targetRoot);
    // A file is done for good (downloaded and, for archives, extracted) or failed (error set).
    void fileFinished(const QString &key, const QString &localPath, const bd::Error &error);

protected:
    void doStart() override;
    void doCancel() override;
    bool doSuspend() override;
    bool doResume() override;
    void childFinished(Operation *child) override;

private:
    void onPlanned();
    void announcePlanned();
    void admitListed();
    void lockTargets();
    void startLocked();
    void stopWork(ExportState state);
    void syncLogs();
    bool alreadyDone(const PlannedFile &file);
    void pump();
    void onSlotGranted(api::NetworkGate::Slot slot);
    void withdrawTicket();
    void releaseSlot(DownloadOperation *download, qint64 bytes);
    // Null when the file failed before its GET (its folders could not be made).
    DownloadOperation *startDownload(int index);
    void onDownloadFinished(DownloadOperation *download, int index);
    qint64 settleDownload(DownloadOperation *download, int index);   // returns its bytes
    void startExtraction(int index);
    void onExtractionFinished(SafeExtractor *extractor, int index);
    // Streamed .tar archives (ExportStreams.cpp).
    bool mayStream(const PlannedFile &file) const;   // cheap: no disk look
    int nextStartable() const;                       // index into m_pending, -1: none now
    void startStream(int index, DownloadOperation *download);
    void onStreamDownloadFinished(DownloadOperation *download, int index);
    void onStreamExtractionFinished(StreamExtractor *extractor, int index);
    void cancelStreamDownload(int index);
    void settleStream(int index);
    void dropStream(int index);                      // suspend / stop: its offset is kept
    void recordStreamOffsets(bool now);
    void fileDone(int index, const QString &localPath);
    void fileFailed(int index, const Error &error);
    void updateProgress();
    void finishIfDone();
    ExportLog *logFor(const QString &root);
    QSet<QString> reservedPathsIn(const QString &dir);

    QPointer<api::ApiClient> m_api;
    ExportOptions m_options;
    ExportSummary m_summary;
    ExportPlanner *m_planner = nullptr;
    QVector<PlannedFile> m_files;
    QList<int> m_pending;                          // indexes into m_files
    QHash<int, DownloadOperation *> m_running;
    QHash<DownloadOperation *, int> m_downloadIndex;
    api::NetworkGate::Ticket m_ticket = 0;                                  // waiting at the gate
    std::unordered_map<DownloadOperation *, api::NetworkGate::Slot> m_slots;   // of running downloads
    QList<int> m_extractQueue;
    QHash<int, SafeExtractor *> m_extracting;
    struct Stream {
        StreamExtractor *extractor = nullptr;
        bool downloadDone = false;
        bool extractDone = false;
        Error failure;          // the first of the download's and the extraction's errors
        qint64 recorded = -1;   // resume offset last written to the journal
    };
    QHash<int, Stream> m_streams;                 // streamed archives, by file index
    int m_streamsExtracted = 0;                   // for the timeline only
    QHash<int, qint64> m_streamOffsets;           // where a streamed archive starts over in this run
    QDeadlineTimer m_streamRecordDue;             // the next journal write of the offsets
    QHash<QString, std::shared_ptr<ExportLog>> m_logs;      // by export root
    ExportRunJournal m_journal;                             // its first failure ends the export
    QHash<QString, QSet<QString>> m_reservedByDir;          // extraction dir -> names it must not take
    QHash<QString, std::shared_ptr<ConfinedDir>> m_targetLocks;   // flock-ed target folders
    QSet<QString> m_waitingFor;
    qint64 m_doneBytes = 0;        // bytes of finished downloads
    qint64 m_doneFiles = 0;        // files finished (successfully) in this run
    int m_toDownload = 0;
    bool m_planning = false;       // the planner still lists
    bool m_ready = false;          // target folders locked, logs read: listed files may be admitted
    Error m_firstError;
    QTimer m_logSyncTimer;         // group commit of the export logs' fsyncs
};

}  // namespace bd
