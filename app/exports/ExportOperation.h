#pragma once
// ExportOperation: "export batch X (or job J's outputs) into folder T" as one Operation — the one
// the GUI's Exports tab and `batchdeck-cli data-staging export-batch` run.
//
//   plan (ExportPlanner: D2/D4/D3/D5)
//   -> skip what is done (.export_log.jsonl entry whose local_path exists, or a journal row
//      Complete/Extracted whose file exists) unless overrideExisting
//   -> download concurrently (DownloadOperation; default 8 at once), aggregate Bytes/Files,
//      speed and ETA (the byte total is estimated from the files seen so far until all started)
//   -> archives (.tar/.tar.gz/.tgz/.zip) are extracted with SafeExtractor as they finish
//      (archive deleted afterwards unless keepArchives) into their destination folder
//   -> one .export_log.jsonl line and an ExportJournal state per file.
// One export at a time per target folder (flock on the folder; a second one waits).
// Suspendable (running GETs are aborted, .part files kept; resume continues them with Range) and
// cancellable. Finishes with no error when every file is done or skipped; otherwise with the
// first failure's kind and a count; summary() tells the details either way.
#include "api/ApiClient.h"
#include "core/Operation.h"
#include "exports/ArchiveExtraction.h"
#include "exports/ConfinedDir.h"
#include "exports/ExportJournal.h"
#include "exports/ExportPlanner.h"

#include <QDeadlineTimer>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QPointer>
#include <QSet>
#include <QTimer>

#include <memory>

namespace bd {

class DownloadOperation;
class ExportLog;
class SafeExtractor;

struct ExportOptions {
    QStringList batchIds;          // one or more batches; or:
    QString jobId;                 // a job's output batches (B4)
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

struct ExportSummary {
    struct Failure { QString key; QString fileName; QString destPath; Error error; };
    struct Refusal { QString archive; RefusedEntry entry; };

    int planned = 0;               // files listed by D5
    int downloaded = 0;            // fetched in this run (archives included)
    int skipped = 0;               // already done before this run
    int extracted = 0;             // archives extracted
    int extractedFiles = 0;        // files written from archives
    int resumed = 0;               // files continued from a .part with a Range request
    int urlRefreshes = 0;          // expired URLs replaced by a new listing
    qint64 bytesDownloaded = 0;    // bytes received in this run
    QVector<Failure> failures;
    QVector<Refusal> refused;      // archive entries refused for safety

    int failed() const { return int(failures.size()); }
    QJsonObject toJson() const;
    // A few lines for a person (the CLI prints them; the GUI shows them in a dialog).
    QString toText() const;
};

class ExportOperation : public Operation
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

Q_SIGNALS:
    // The listing is complete: files() holds the plan; `toDownload` files will be fetched.
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

private:
    void onPlanned();
    void lockTargets();
    void startLocked();
    bool alreadyDone(const PlannedFile &file);
    void pump();
    void startDownload(int index);
    void onDownloadFinished(DownloadOperation *download, int index);
    void startExtraction(int index);
    void onExtractionFinished(SafeExtractor *extractor, int index);
    void fileDone(int index, const QString &localPath);
    void fileFailed(int index, const Error &error);
    void updateProgress();
    void finishIfDone();
    void holdFor(int ms);
    ExportLog *logFor(const QString &root);
    qint64 journalIdFor(const QString &batchId, const QString &root);
    void journalState(int index, ExportFileState state, const QString &errorText = {});
    void noteJournalError(const Error &error);
    QSet<QString> reservedPathsIn(const QString &dir);

    QPointer<api::ApiClient> m_api;
    ExportOptions m_options;
    ExportSummary m_summary;
    ExportPlanner *m_planner = nullptr;
    QVector<PlannedFile> m_files;
    QList<int> m_pending;                          // indexes into m_files
    QHash<int, DownloadOperation *> m_running;
    QList<int> m_extractQueue;
    QHash<int, SafeExtractor *> m_extracting;
    QHash<QString, std::shared_ptr<ExportLog>> m_logs;      // by export root
    std::unique_ptr<ExportJournal> m_journal;
    QHash<QString, qint64> m_journalIds;                    // by batch + root
    Error m_journalError;                                   // first journal failure: ends the export
    QHash<QString, QSet<QString>> m_reservedByDir;          // extraction dir -> names it must not take
    QHash<QString, std::shared_ptr<ConfinedDir>> m_targetLocks;   // flock-ed target folders
    QSet<QString> m_waitingFor;
    QList<int> m_refusedNow;                                // files the planner refused (unsafe name, URL)
    qint64 m_doneBytes = 0;        // bytes of finished downloads
    qint64 m_doneFiles = 0;        // files finished (successfully) in this run
    int m_toDownload = 0;
    bool m_planning = false;
    Error m_firstError;
    QDeadlineTimer m_holdUntil;
    QTimer m_holdTimer;
};

}  // namespace bd
