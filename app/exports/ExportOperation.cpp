#include "exports/ExportOperation.h"

#include "core/Database.h"
#include "core/Format.h"
#include "exports/ConfinedDir.h"
#include "exports/DownloadOperation.h"
#include "exports/ExportJournal.h"
#include "exports/ExportLayout.h"
#include "exports/ExportLog.h"
#include "exports/SafeExtractor.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>

#include <cerrno>
#include <sys/file.h>
#include <unistd.h>

namespace bd {

namespace {
constexpr int kMaxExtractions = 2;   // archives expanded at once (CPU and disk bound)
constexpr int kTargetLockPollMs = 250;
}

QJsonObject ExportSummary::toJson() const
{
    QJsonArray failureList;
    for (const Failure &f : failures)
        failureList.append(QJsonObject{ { QStringLiteral("key"), f.key },
                                        { QStringLiteral("fileName"), f.fileName },
                                        { QStringLiteral("path"), f.destPath },
                                        { QStringLiteral("kind"), errorKindName(f.error.kind) },
                                        { QStringLiteral("message"), f.error.message } });
    QJsonArray refusedList;
    for (const Refusal &r : refused)
        refusedList.append(QJsonObject{ { QStringLiteral("archive"), r.archive },
                                        { QStringLiteral("entry"), r.entry.path },
                                        { QStringLiteral("reason"), r.entry.reason } });
    return QJsonObject{ { QStringLiteral("planned"), planned },
                        { QStringLiteral("downloaded"), downloaded },
                        { QStringLiteral("skipped"), skipped },
                        { QStringLiteral("failed"), failed() },
                        { QStringLiteral("extracted"), extracted },
                        { QStringLiteral("extractedFiles"), extractedFiles },
                        { QStringLiteral("resumed"), resumed },
                        { QStringLiteral("urlRefreshes"), urlRefreshes },
                        { QStringLiteral("bytesDownloaded"), bytesDownloaded },
                        { QStringLiteral("failures"), failureList },
                        { QStringLiteral("refusedEntries"), refusedList } };
}

QString ExportSummary::toText() const
{
    QStringList lines;
    lines << QObject::tr("%1 files listed: %2 downloaded (%3), %4 skipped as already exported, %5 failed.")
                 .arg(planned).arg(downloaded).arg(formatBytes(bytesDownloaded)).arg(skipped).arg(failed());
    if (extracted > 0)
        lines << QObject::tr("%1 archives extracted (%2 files).").arg(extracted).arg(extractedFiles);
    if (resumed > 0)
        lines << QObject::tr("%1 files resumed from partial downloads.").arg(resumed);
    for (const Failure &f : failures)
        lines << QObject::tr("Failed: %1: %2").arg(f.fileName, f.error.message);
    for (const Refusal &r : refused)
        lines << QObject::tr("Refused archive entry %1 in %2: %3").arg(r.entry.path, r.archive, r.entry.reason);
    return lines.join(QLatin1Char('\n'));
}

ExportOperation::ExportOperation(api::ApiClient *api, ExportOptions options, QObject *parent)
    : Operation(parent), m_api(api), m_options(std::move(options))
{
    setCapabilities(Cancellable | Suspendable);
    m_options.concurrency = qMax(1, m_options.concurrency);
    setTitle(m_options.jobId.isEmpty() ? tr("Export %1").arg(m_options.batchIds.join(QStringLiteral(", ")))
                                       : tr("Export job %1").arg(m_options.jobId));
    m_holdTimer.setSingleShot(true);
    connect(&m_holdTimer, &QTimer::timeout, this, &ExportOperation::pump);
    if (m_api)
        connect(m_api, &api::ApiClient::rateLimited, this, &ExportOperation::holdFor);
}

ExportOperation::~ExportOperation()
{
    for (DownloadOperation *d : std::as_const(m_running)) {
        d->disconnect(this);
        d->cancel();
    }
    for (SafeExtractor *e : std::as_const(m_extracting))
        e->disconnect(this);
    qDeleteAll(m_extracting);   // each waits for its worker
}

qint64 ExportOperation::holdRemainingMs() const
{
    return m_holdUntil.isForever() ? 0 : qMax<qint64>(0, m_holdUntil.remainingTime());
}

void ExportOperation::doStart()
{
    if (m_options.targetDir.isEmpty())
        return emitResult(Error(ErrorKind::InvalidInput, tr("No target folder given")));
    if (m_options.useJournal) {
        // Without its journal an export cannot promise a resume: a damaged database stops it here.
        if (const Error dbError = databaseError())
            return emitResult(dbError);
        m_journal = std::make_unique<ExportJournal>();
        Error error;
        if (!m_journal->ensureSchema(&error))
            return emitResult(error);
    }
    m_planning = true;
    m_planner = new ExportPlanner(m_api, this);
    connect(m_planner, &ExportPlanner::statusChanged, this, &ExportOperation::setStatusText);
    connect(m_planner, &ExportPlanner::finished, this, &ExportOperation::onPlanned);
    if (!m_options.jobId.isEmpty())
        m_planner->planJob(m_options.jobId, m_options.targetDir, m_options.partNames, m_options.allStages);
    else
        m_planner->planBatches(m_options.batchIds, m_options.targetDir, m_options.partNames);
}

void ExportOperation::onPlanned()
{
    m_planning = false;
    if (isFinished())
        return;
    if (m_planner->error())
        return emitResult(m_planner->error());
    m_files = m_planner->files();
    m_summary.planned = int(m_files.size());
    lockTargets();
}

// One export at a time per target folder: an flock on the folder itself (no extra file in the
// tree), held until this operation is destroyed. Another export into it (a second command, one
// left running by a killed parent, the GUI) is waited for, so two never append to one .part and
// race to rename it ("Could not move <name>.part into place: No such file or directory").
// Folders are locked in sorted order, so two exports sharing several folders cannot deadlock.
void ExportOperation::lockTargets()
{
    if (isFinished())
        return;
    QStringList roots;
    for (const ExportSource &source : m_planner->sources())
        roots << source.targetRoot;
    roots.sort();
    roots.removeDuplicates();
    for (const QString &root : std::as_const(roots)) {
        if (m_targetLocks.contains(root))
            continue;
        Error error;
        auto dir = std::make_shared<ConfinedDir>(ConfinedDir::open(root, true, &error));
        if (!dir->isValid())
            return emitResult(Error(error.kind, tr("Could not create the target folder %1: %2").arg(root, error.message)));
        if (::flock(dir->fd(), LOCK_EX | LOCK_NB) != 0) {
            if (errno != EWOULDBLOCK)
                return emitResult(Error(ErrorKind::Io, tr("Could not lock the target folder %1: %2")
                                                           .arg(root, ConfinedDir::describe(errno))));
            if (!m_waitingFor.contains(root)) {
                m_waitingFor.insert(root);
                Q_EMIT waitingForTarget(root);
            }
            setStatusText(tr("Waiting for another export into %1 to finish").arg(root));
            QTimer::singleShot(kTargetLockPollMs, this, &ExportOperation::lockTargets);
            return;
        }
        m_targetLocks.insert(root, dir);
    }
    startLocked();
}

void ExportOperation::startLocked()
{
    for (const ExportSource &source : m_planner->sources()) {
        Error error;
        ExportLog *log = logFor(source.targetRoot);
        if (!log->load(&error))
            return emitResult(error);
        journalIdFor(source.batchId, source.targetRoot);
        if (m_journalError)
            return emitResult(m_journalError);
    }
    for (int i = 0; i < m_files.size(); ++i) {
        if (m_files.at(i).refusal)
            m_refusedNow.append(i);   // one bad name refuses that file only (reported below)
        else if (!m_options.overrideExisting && alreadyDone(m_files.at(i)))
            ++m_summary.skipped;
        else
            m_pending.append(i);
    }
    m_toDownload = int(m_pending.size() + m_refusedNow.size());
    setTotalAmount(Unit::Files, m_toDownload);
    Q_EMIT planned(m_summary.planned, m_toDownload);
    setStatusText(tr("%1 files to download, %2 already exported").arg(m_toDownload).arg(m_summary.skipped));
    for (int index : std::exchange(m_refusedNow, {}))
        fileFailed(index, m_files.at(index).refusal);
    updateProgress();
    pump();
    finishIfDone();
}

bool ExportOperation::alreadyDone(const PlannedFile &file)
{
    if (logFor(file.targetRoot)->isDone(file.key()))
        return true;
    if (!m_journal)
        return false;
    const qint64 id = journalIdFor(file.batchId, file.targetRoot);
    const auto record = id > 0 ? m_journal->file(id, file.key()) : std::nullopt;
    if (!record)
        return false;
    if (file.isArchive)
        return record->state == ExportFileState::Extracted && QFileInfo::exists(file.destDir);
    return (record->state == ExportFileState::Complete || record->state == ExportFileState::Extracted)
        && QFileInfo::exists(file.destPath);
}

void ExportOperation::pump()
{
    if (isFinished() || state() != State::Running || m_planning)
        return;
    if (m_journalError) {
        m_pending.clear();   // no more files without a journal; finishIfDone reports why
        return;
    }
    if (holdRemainingMs() > 0) {
        m_holdTimer.start(int(holdRemainingMs()));
        return;
    }
    while (!m_pending.isEmpty() && m_running.size() < m_options.concurrency)
        startDownload(m_pending.takeFirst());
}

void ExportOperation::startDownload(int index)
{
    const PlannedFile &file = m_files.at(index);
    // The file's folders, made below the target's fd with links refused at every component.
    const QString relDir = QDir(file.targetRoot).relativeFilePath(QFileInfo(file.destPath).path());
    Error error;
    const ConfinedDir root = ConfinedDir::open(file.targetRoot, true, &error);
    if (!root.isValid())
        return fileFailed(index, error);
    if (relDir != QLatin1String(".")) {
        const int fd = root.makeDirs(relDir);
        if (fd < 0)
            return fileFailed(index, Error(errno == ELOOP ? ErrorKind::Unsafe : ErrorKind::Io,
                                           tr("Refusing to write %1: %2").arg(file.destPath, ConfinedDir::describe(errno))));
        ::close(fd);
    }

    auto *download = new DownloadOperation(m_api, file.file, file.destPath, this);
    download->setConfinedRoot(file.targetRoot);
    download->setMaxAttempts(m_options.maxAttempts);
    download->setBackoffBaseMs(m_options.backoffBaseMs);
    QPointer<ExportPlanner> planner(m_planner);
    const QString batchId = file.batchId;
    download->setUrlProvider([planner, batchId](const ExportFileInfo &info, QObject *context,
                                                DownloadOperation::UrlCallback done) {
        if (!planner)
            return done(QString(), Error(ErrorKind::Cancelled, QObject::tr("Cancelled")));
        planner->refreshUrl(batchId, info, context, std::move(done));
    });
    connect(download, &DownloadOperation::progressChanged, this, &ExportOperation::updateProgress);
    connect(download, &DownloadOperation::rateLimited, this, &ExportOperation::holdFor);
    connect(download, &Operation::finished, this, [this, download, index] { onDownloadFinished(download, index); });
    m_running.insert(index, download);
    if (m_journal) {
        ExportFileRecord record;
        record.exportId = journalIdFor(file.batchId, file.targetRoot);
        record.key = file.key();
        record.partName = file.file.partName;
        record.fileName = file.file.fileName;
        record.bytesDone = QFileInfo(download->partPath()).size();
        record.state = record.bytesDone > 0 ? ExportFileState::Partial : ExportFileState::Pending;
        Error journalError;
        if (record.exportId > 0 && !m_journal->upsertFile(record, &journalError))
            noteJournalError(journalError);
    }
    Q_EMIT fileStarted(file.key(), file.destPath);
    download->start();
}

void ExportOperation::onDownloadFinished(DownloadOperation *download, int index)
{
    m_running.remove(index);
    download->deleteLater();
    const qint64 size = download->processedAmount(Unit::Bytes);
    m_doneBytes += size;
    m_summary.urlRefreshes += download->urlRefreshes();
    if (download->rangeRequests() > 0)
        ++m_summary.resumed;
    if (download->error()) {
        Error journalError;
        if (m_journal
            && !m_journal->markProgress(journalIdFor(m_files.at(index).batchId, m_files.at(index).targetRoot),
                                        m_files.at(index).key(), QFileInfo(download->partPath()).size(), &journalError))
            noteJournalError(journalError);
        fileFailed(index, download->error());
    } else {
        ++m_summary.downloaded;
        m_summary.bytesDownloaded += size;
        journalState(index, ExportFileState::Complete);
        if (m_files.at(index).isArchive) {
            m_extractQueue.append(index);
            startExtraction(-1);
        } else {
            fileDone(index, m_files.at(index).destPath);
        }
    }
    updateProgress();
    pump();
    finishIfDone();
}

// Starts queued extractions while fewer than kMaxExtractions run (the argument is unused: -1).
void ExportOperation::startExtraction(int)
{
    while (!m_extractQueue.isEmpty() && m_extracting.size() < kMaxExtractions && !isFinished()) {
        const int index = m_extractQueue.takeFirst();
        const PlannedFile &file = m_files.at(index);
        ExtractOptions options = m_options.extract;
        options.deleteArchiveOnSuccess = !m_options.keepArchives;
        options.reservedPaths = reservedPathsIn(file.destDir);
        auto *extractor = new SafeExtractor(file.destPath, file.destDir, options);
        m_extracting.insert(index, extractor);
        connect(extractor, &Operation::finished, this, [this, extractor, index] { onExtractionFinished(extractor, index); });
        setStatusText(tr("Extracting %1").arg(file.file.fileName));
        extractor->start();
    }
}

void ExportOperation::onExtractionFinished(SafeExtractor *extractor, int index)
{
    m_extracting.remove(index);
    extractor->deleteLater();
    const ExtractResult &result = extractor->result();
    for (const RefusedEntry &entry : result.refused)
        m_summary.refused.append({ m_files.at(index).file.fileName, entry });
    m_summary.extractedFiles += result.filesExtracted;
    if (extractor->error()) {
        fileFailed(index, extractor->error());
    } else {
        ++m_summary.extracted;
        journalState(index, ExportFileState::Extracted);
        fileDone(index, m_files.at(index).destDir);
    }
    startExtraction(-1);
    updateProgress();
    finishIfDone();
}

void ExportOperation::fileDone(int index, const QString &localPath)
{
    const PlannedFile &file = m_files.at(index);
    Error error;
    if (!logFor(file.targetRoot)->append(file.file, localPath, &error))
        return fileFailed(index, error);
    ++m_doneFiles;
    setProcessedAmount(Unit::Files, m_doneFiles);
    Q_EMIT fileFinished(file.key(), localPath, Error());
}

void ExportOperation::fileFailed(int index, const Error &error)
{
    const PlannedFile &file = m_files.at(index);
    if (!m_firstError)
        m_firstError = error;
    m_summary.failures.append({ file.key(), file.file.fileName, file.destPath, error });
    if (m_journal) {
        // Upsert, not update: a file refused at planning never had a row.
        ExportFileRecord record;
        record.exportId = journalIdFor(file.batchId, file.targetRoot);
        record.key = file.key();
        record.partName = file.file.partName;
        record.fileName = file.file.fileName;
        record.bytesDone = file.destPath.isEmpty() ? 0 : QFileInfo(ExportLayout::partPath(file.destPath)).size();
        record.state = ExportFileState::Failed;
        record.errorText = error.message;
        Error journalError;
        if (record.exportId > 0 && !m_journal->upsertFile(record, &journalError))
            noteJournalError(journalError);
    }
    Q_EMIT fileFinished(file.key(), QString(), error);
}

void ExportOperation::updateProgress()
{
    // Signed URLs do not tell sizes up front: estimate the unknown ones from the average so far.
    qint64 bytes = m_doneBytes;
    qint64 known = m_doneBytes;
    qint64 knownFiles = m_doneFiles + m_summary.failed();
    for (DownloadOperation *d : std::as_const(m_running)) {
        bytes += d->processedAmount(Unit::Bytes);
        if (d->totalAmount(Unit::Bytes) >= 0) {
            known += d->totalAmount(Unit::Bytes);
            ++knownFiles;
        }
    }
    const qint64 unknownFiles = qMax<qint64>(0, m_toDownload - knownFiles - m_extracting.size() - m_extractQueue.size());
    qint64 total = known;
    if (unknownFiles > 0)
        total = knownFiles > 0 ? known + known / knownFiles * unknownFiles : -1;
    setTotalAmount(Unit::Bytes, total);
    setProcessedAmount(Unit::Bytes, bytes);
}

void ExportOperation::finishIfDone()
{
    if (isFinished() || m_planning || !m_pending.isEmpty() || !m_running.isEmpty() || !m_extractQueue.isEmpty()
        || !m_extracting.isEmpty())
        return;
    bool ok = m_summary.failures.isEmpty() && !m_journalError;
    if (m_journal)
        for (auto it = m_journalIds.cbegin(); it != m_journalIds.cend(); ++it) {
            Error journalError;
            if (it.value() > 0
                && !m_journal->setExportState(it.value(), ok ? ExportState::Completed : ExportState::Failed, &journalError))
                noteJournalError(journalError);
        }
    setStatusText(m_summary.toText());
    m_targetLocks.clear();   // the next export into these folders may go
    if (m_journalError)
        return emitResult(Error(m_journalError.kind, tr("The export journal failed, so this export cannot be resumed "
                                                        "safely: %1").arg(m_journalError.message)));
    ok = m_summary.failures.isEmpty();
    if (ok)
        return emitResult();
    emitResult(Error(m_firstError.kind,
                     tr("%1 of %2 files could not be exported; first: %3")
                         .arg(m_summary.failed()).arg(m_toDownload).arg(m_firstError.message),
                     m_firstError.httpStatus, m_firstError.detail));
}

void ExportOperation::doCancel()
{
    if (m_planner)
        m_planner->cancel();
    for (DownloadOperation *d : std::as_const(m_running)) {
        d->disconnect(this);
        d->cancel();
        d->deleteLater();
    }
    m_running.clear();
    m_pending.clear();
    m_extractQueue.clear();
    for (SafeExtractor *e : std::as_const(m_extracting)) {
        e->disconnect(this);
        e->cancel();
        e->deleteLater();
    }
    m_extracting.clear();
    m_targetLocks.clear();
    if (m_journal)
        for (auto it = m_journalIds.cbegin(); it != m_journalIds.cend(); ++it)
            if (it.value() > 0)
                m_journal->setExportState(it.value(), ExportState::Cancelled);
}

bool ExportOperation::doSuspend()
{
    m_holdTimer.stop();
    for (DownloadOperation *d : std::as_const(m_running))
        d->suspend();
    setStatusText(tr("Paused"));
    return true;
}

bool ExportOperation::doResume()
{
    for (DownloadOperation *d : std::as_const(m_running))
        d->resume();
    QTimer::singleShot(0, this, &ExportOperation::pump);
    return true;
}

void ExportOperation::holdFor(int ms)
{
    if (ms <= 0 || holdRemainingMs() >= ms)
        return;
    m_holdUntil = QDeadlineTimer(ms);
}

ExportLog *ExportOperation::logFor(const QString &root)
{
    auto &log = m_logs[root];
    if (!log)
        log = std::make_shared<ExportLog>(root);
    return log.get();
}

qint64 ExportOperation::journalIdFor(const QString &batchId, const QString &root)
{
    if (!m_journal)
        return 0;
    const QString key = batchId + QLatin1Char('\n') + root;
    auto it = m_journalIds.find(key);
    if (it != m_journalIds.end())
        return it.value();
    qint64 id = 0;
    Error error;
    if (const auto unfinished = m_journal->findUnfinished(batchId, root, &error))
        id = unfinished->id;
    else if (!error)
        id = m_journal->createExport(batchId, root, &error);
    if (id > 0)
        m_journal->setExportState(id, ExportState::Running, &error);
    if (error || id <= 0)
        noteJournalError(error ? error : Error(ErrorKind::Io, tr("Export journal: no record for batch %1").arg(batchId)));
    m_journalIds.insert(key, id);
    return id;
}

void ExportOperation::journalState(int index, ExportFileState state, const QString &errorText)
{
    if (!m_journal)
        return;
    const PlannedFile &file = m_files.at(index);
    const qint64 id = journalIdFor(file.batchId, file.targetRoot);
    Error error;
    if (id > 0 && !m_journal->markFileState(id, file.key(), state, errorText, &error))
        noteJournalError(error);
}

void ExportOperation::noteJournalError(const Error &error)
{
    if (!m_journalError)
        m_journalError = error ? error : Error(ErrorKind::Io, tr("Export journal: unknown database error"));
}

// Names an extraction into `dir` must not take: every planned download below it (and its .part),
// and the local database if someone keeps it there. Built once per folder.
QSet<QString> ExportOperation::reservedPathsIn(const QString &dir)
{
    auto it = m_reservedByDir.find(dir);
    if (it != m_reservedByDir.end())
        return it.value();
    QSet<QString> names;
    const QDir base(dir);
    auto add = [&names, &base](const QString &path) {
        const QString rel = base.relativeFilePath(path);
        if (!rel.isEmpty() && rel != QLatin1String("..") && !rel.startsWith(QLatin1String("../")))
            names << rel << ExportLayout::partPath(rel);
    };
    for (const PlannedFile &f : std::as_const(m_files))
        if (!f.destPath.isEmpty())
            add(f.destPath);
    for (const char *suffix : { "", "-wal", "-shm", "-journal" })
        add(databasePath() + QLatin1String(suffix));
    return m_reservedByDir.insert(dir, names).value();
}

}  // namespace bd
