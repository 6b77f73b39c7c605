#include "exports/ExportOperation.h"

#include "core/Database.h"
#include "core/Timeline.h"
#include "exports/ConfinedDir.h"
#include "exports/DownloadOperation.h"
#include "exports/ExportLayout.h"
#include "exports/ExportLog.h"
#include "exports/SafeExtractor.h"
#include "exports/StreamExtractor.h"

#include <QDir>
#include <QFileInfo>

#include <cerrno>
#include <unistd.h>

namespace bd {

namespace {
constexpr int kLogSyncMs = 100;      // group commit of .export_log.jsonl: one fsync per 100 ms at most
}

ExportOperation::ExportOperation(api::ApiClient *api, ExportOptions options, QObject *parent)
    : CompositeOperation(parent), m_api(api), m_options(std::move(options))
{
    setCapabilities(Cancellable | Suspendable);
    m_options.concurrency = qMax(1, m_options.concurrency);
    setTitle(m_options.jobId.isEmpty() ? tr("Export %1").arg(m_options.batchIds.join(QStringLiteral(", ")))
                                       : tr("Export job %1").arg(m_options.jobId));
    m_logSyncTimer.setSingleShot(true);
    m_logSyncTimer.setInterval(kLogSyncMs);
    connect(&m_logSyncTimer, &QTimer::timeout, this, &ExportOperation::syncLogs);
    if (m_api)
        connect(m_api->networkGate(), &api::NetworkGate::holding, this, [this](int ms) {
            if (!isFinished() && state() == State::Running && m_ready)
                setStatusText(tr("The service asked to slow down; waiting %1 s").arg((ms + 999) / 1000));
        });
}

ExportOperation::~ExportOperation()
{
    withdrawTicket();
    for (DownloadOperation *d : std::as_const(m_running)) {
        removeChild(d);
        d->disconnect(this);
        d->cancel();
    }
    m_slots.clear();   // frees their gate slots (Abandoned)
    for (const Stream &s : std::as_const(m_streams)) {
        removeChild(s.extractor);
        s.extractor->disconnect(this);
        delete s.extractor;   // cancels and waits for its worker
    }
    for (SafeExtractor *e : std::as_const(m_extracting)) {
        removeChild(e);
        e->disconnect(this);
    }
    qDeleteAll(m_extracting);   // each waits for its worker
    syncLogs();
}

QMap<QString, QString> ExportOperation::targetFolders() const
{
    QMap<QString, QString> folders;
    if (m_planner)
        for (const ExportSource &source : m_planner->sources())
            folders.insert(source.batchId, source.targetRoot);
    return folders;
}

qint64 ExportOperation::holdRemainingMs() const
{
    return m_api ? m_api->networkGate()->holdRemainingMs() : 0;
}

void ExportOperation::doStart()
{
    if (m_options.targetDir.isEmpty())
        return emitResult(Error(ErrorKind::InvalidInput, tr("No target folder given")));
    timeline::mark(QStringLiteral("export: start"));
    if (m_options.useJournal) {
        // Without its journal an export cannot promise a resume: a damaged database stops it here.
        if (const Error dbError = databaseError())
            return emitResult(dbError);
        Error error;
        if (!m_journal.open(&error))
            return emitResult(error);
    }
    timeline::mark(QStringLiteral("export: journal open"));
    m_planning = true;
    ExportPlanRequest request;
    request.batchIds = m_options.batchIds;
    request.jobId = m_options.jobId;
    request.allStages = m_options.allStages;
    request.targetDir = m_options.targetDir;
    request.partNames = m_options.partNames;
    m_planner = new ExportPlanner(m_api, request, this);
    m_planner->setMaxRequests(m_options.concurrency);
    connect(m_planner, &Operation::statusTextChanged, this, [this](const QString &text) {
        if (!m_ready)
            setStatusText(text);
    });
    connect(m_planner, &ExportPlanner::sourcesKnown, this, [this] {
        Q_EMIT targetFoldersKnown(targetFolders());
        lockTargets();
    });
    connect(m_planner, &ExportPlanner::filesListed, this, &ExportOperation::admitListed);
    addChild(m_planner);   // started now (we run); finishes into childFinished()
}

// Every child ends here (CompositeOperation removed it from the children first). No fail-fast:
// one failed file is reported and the others go on.
void ExportOperation::childFinished(Operation *child)
{
    if (child == m_planner)
        return onPlanned();
    if (auto *download = qobject_cast<DownloadOperation *>(child)) {
        const auto it = m_downloadIndex.find(download);
        if (it != m_downloadIndex.end()) {
            const int index = it.value();
            m_downloadIndex.erase(it);
            onDownloadFinished(download, index);
        }
        return;
    }
    if (auto *streamed = qobject_cast<StreamExtractor *>(child)) {
        for (auto it = m_streams.cbegin(); it != m_streams.cend(); ++it)
            if (it->extractor == streamed)
                return onStreamExtractionFinished(streamed, it.key());
        return;
    }
    if (auto *extractor = qobject_cast<SafeExtractor *>(child)) {
        for (auto it = m_extracting.cbegin(); it != m_extracting.cend(); ++it)
            if (it.value() == extractor)
                return onExtractionFinished(extractor, it.key());
    }
}

// The whole listing is in: extractions may start (their reserved names are complete) and
// planned() tells the totals.
void ExportOperation::onPlanned()
{
    timeline::mark(QStringLiteral("export: listing finished"));
    m_planning = false;
    if (isFinished())
        return;
    if (m_planner->error()) {
        stopWork(ExportState::Failed);
        return emitResult(m_planner->error());
    }
    if (!m_ready)
        return;   // startLocked() continues once the target folders are ours
    announcePlanned();
}

void ExportOperation::announcePlanned()
{
    admitListed();
    Q_EMIT planned(m_summary.planned, m_toDownload);
    setStatusText(tr("%1 files to download, %2 already exported").arg(m_toDownload).arg(m_summary.skipped));
    updateProgress();
    startExtraction(-1);
    pump();
    finishIfDone();
}

// Files the planner listed since the last call join the export: refused, skipped as done, or
// queued for download. Only once the target folders are locked and their logs read.
void ExportOperation::admitListed()
{
    if (!m_ready || isFinished())
        return;
    const QVector<PlannedFile> &listed = m_planner->files();
    const int first = int(m_files.size());
    if (listed.size() == first)
        return;
    QList<int> refused;
    for (qsizetype i = first; i < listed.size(); ++i) {
        const int index = int(m_files.size());
        m_files.append(listed.at(i));
        const PlannedFile &file = m_files.last();
        if (file.refusal)
            refused.append(index);   // one bad name refuses that file only (reported below)
        else if (!m_options.overrideExisting && alreadyDone(file))
            ++m_summary.skipped;
        else
            m_pending.append(index);
    }
    m_summary.planned = int(m_files.size());
    m_toDownload = int(m_files.size()) - m_summary.skipped;
    // While listing, D3's counts tell the total sooner than the pages do.
    setTotalAmount(Unit::Files, m_planning ? qMax<qint64>(m_toDownload, m_planner->declaredCount() - m_summary.skipped)
                                           : m_toDownload);
    Q_EMIT filesAdded(first, int(m_files.size()) - first);
    for (int index : std::as_const(refused))
        fileFailed(index, m_files.at(index).refusal);
    pump();
}

// Each download runs under a Transfer slot of the connection's NetworkGate (its concurrency limit
// and 429 hold, shared with uploads) and at most options().concurrency of this export at once.
// One slot request at a time waits at the gate, as UploadQueue does.
void ExportOperation::pump()
{
    if (isFinished() || state() != State::Running || !m_ready)
        return;
    if (m_journal.error()) {
        m_pending.clear();   // no more files without a journal; finishIfDone reports why
        return;
    }
    if (m_ticket == 0 && m_api && nextStartable() >= 0 && m_running.size() < m_options.concurrency)
        m_ticket = m_api->networkGate()->acquire(api::NetworkGate::Lane::Transfer, this,
                                                 [this](api::NetworkGate::Slot slot) {
                                                     m_ticket = 0;
                                                     onSlotGranted(std::move(slot));
                                                 });
}

void ExportOperation::onSlotGranted(api::NetworkGate::Slot slot)
{
    const int next = nextStartable();
    if (isFinished() || state() != State::Running || next < 0 || m_journal.error())
        return;   // the slot goes back unused
    const int index = m_pending.takeAt(next);
    if (DownloadOperation *download = startDownload(index))
        m_slots.emplace(download, std::move(slot));
    pump();
    finishIfDone();
}

void ExportOperation::withdrawTicket()
{
    if (m_ticket != 0 && m_api)
        m_api->networkGate()->cancel(m_ticket);
    m_ticket = 0;
}

void ExportOperation::releaseSlot(DownloadOperation *download, qint64 bytes)
{
    const auto it = m_slots.find(download);
    if (it == m_slots.end())
        return;
    const auto outcome = api::NetworkGate::outcomeFor(download->error());
    if (outcome == api::NetworkGate::Outcome::Succeeded)
        it->second.addBytes(bytes);
    it->second.release(outcome);
    m_slots.erase(it);
}

DownloadOperation *ExportOperation::startDownload(int index)
{
    const PlannedFile &file = m_files.at(index);
    // The file's folders, made below the target's fd with links refused at every component.
    const QString relDir = QDir(file.targetRoot).relativeFilePath(QFileInfo(file.destPath).path());
    Error error;
    const ConfinedDir root = ConfinedDir::open(file.targetRoot, true, &error);
    if (!root.isValid()) {
        fileFailed(index, error);
        return nullptr;
    }
    if (relDir != QLatin1String(".")) {
        const int fd = root.makeDirs(relDir);
        if (fd < 0) {
            fileFailed(index, Error(errno == ELOOP ? ErrorKind::Unsafe : ErrorKind::Io,
                                    tr("Refusing to write %1: %2").arg(file.destPath, ConfinedDir::describe(errno))));
            return nullptr;
        }
        ::close(fd);
    }

    auto *download = new DownloadOperation(m_api, file.file, file.destPath, this);
    download->setConfinedRoot(file.targetRoot);
    download->setSyncBeforeRename(!file.isArchive || m_options.keepArchives);
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
    connect(download, &DownloadOperation::rateLimited, this, [this](int ms) {
        if (m_api)
            m_api->networkGate()->holdFor(ms);
    });
    m_running.insert(index, download);
    m_downloadIndex.insert(download, index);
    if (file.isArchive && mayStream(file) && !QFileInfo::exists(download->partPath()) && !QFileInfo::exists(file.destPath))
        startStream(index, download);   // else a .part or the archive of an earlier run: continue it as before
    else
        m_journal.started(file, QFileInfo(download->partPath()).size());
    Q_EMIT fileStarted(file.key(), file.destPath);
    addChild(download);   // started now (we run)
    return download;
}

// What every finished download leaves behind, streamed or not: its slot, bytes and counters.
qint64 ExportOperation::settleDownload(DownloadOperation *download, int index)
{
    m_running.remove(index);
    download->deleteLater();
    const qint64 size = download->processedAmount(Unit::Bytes);
    releaseSlot(download, size);
    m_doneBytes += size;
    m_summary.urlRefreshes += download->urlRefreshes();
    if (download->rangeRequests() > 0)
        ++m_summary.resumed;
    return size;
}

void ExportOperation::onDownloadFinished(DownloadOperation *download, int index)
{
    if (m_streams.contains(index))
        return onStreamDownloadFinished(download, index);
    const qint64 size = settleDownload(download, index);
    if (download->error()) {
        m_journal.progress(m_files.at(index), QFileInfo(download->partPath()).size());
        fileFailed(index, download->error());
    } else {
        ++m_summary.downloaded;
        m_summary.bytesDownloaded += size;
        m_journal.setState(m_files.at(index), ExportFileState::Complete);
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

// Starts queued extractions while fewer than twice the extraction pool's threads are handed to
// it (so a thread never idles while this thread hears of a finished one; the argument is unused:
// -1). Not before the listing is complete: an archive member must not take the name of a file
// listed later (reservedPathsIn needs every planned name).
void ExportOperation::startExtraction(int)
{
    if (m_planning)
        return;
    while (!m_extractQueue.isEmpty() && m_extracting.size() < 2 * SafeExtractor::poolSize() && !isFinished()) {
        const int index = m_extractQueue.takeFirst();
        const PlannedFile &file = m_files.at(index);
        ExtractOptions options = m_options.extract;
        options.deleteArchiveOnSuccess = !m_options.keepArchives;
        options.reservedPaths = reservedPathsIn(file.destDir);
        auto *extractor = new SafeExtractor(file.destPath, file.destDir, options);
        m_extracting.insert(index, extractor);
        setStatusText(tr("Extracting %1").arg(file.file.fileName));
        addChild(extractor);
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
        m_journal.setState(m_files.at(index), ExportFileState::Extracted);
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
    if (!m_logSyncTimer.isActive())
        m_logSyncTimer.start();
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
    m_journal.failed(file, file.destPath.isEmpty() ? 0 : QFileInfo(ExportLayout::partPath(file.destPath)).size(),
                     error.message);
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
    qint64 extracting = m_extracting.size() + m_extractQueue.size();
    for (const Stream &s : std::as_const(m_streams))
        extracting += s.downloadDone ? 1 : 0;
    const qint64 unknownFiles = qMax<qint64>(0, m_toDownload - knownFiles - extracting);
    qint64 total = known;
    if (unknownFiles > 0)
        total = knownFiles > 0 ? known + known / knownFiles * unknownFiles : -1;
    setTotalAmount(Unit::Bytes, total);
    setProcessedAmount(Unit::Bytes, bytes);
    recordStreamOffsets(false);
}

void ExportOperation::finishIfDone()
{
    if (isFinished() || m_planning || !m_ready || !m_pending.isEmpty() || !m_running.isEmpty()
        || !m_extractQueue.isEmpty() || !m_extracting.isEmpty() || !m_streams.isEmpty())
        return;
    timeline::mark(QStringLiteral("export: every file settled"));
    syncLogs();
    m_journal.finishExports(m_summary.failures.isEmpty() && !m_journal.error() ? ExportState::Completed
                                                                                : ExportState::Failed);
    setStatusText(m_summary.toText());
    m_targetLocks.clear();   // the next export into these folders may go
    timeline::mark(QStringLiteral("export: logs synced, journal closed"));
    if (m_journal.error())
        return emitResult(Error(m_journal.error().kind, tr("The export journal failed, so this export cannot be resumed "
                                                        "safely: %1").arg(m_journal.error().message)));
    if (m_summary.failures.isEmpty())
        return emitResult();
    emitResult(Error(m_firstError.kind,
                     tr("%1 of %2 files could not be exported; first: %3")
                         .arg(m_summary.failed()).arg(m_toDownload).arg(m_firstError.message),
                     m_firstError.httpStatus, m_firstError.detail));
}

void ExportOperation::doCancel()
{
    stopWork(ExportState::Cancelled);
}

// Stops listing, downloads (their .part files stay) and extractions, flushes the logs, releases
// the target folders and records `state` for every export of this run.
void ExportOperation::stopWork(ExportState state)
{
    withdrawTicket();
    if (m_planner)
        m_planner->disconnect(this);
    for (const int index : m_streams.keys())
        dropStream(index);   // its offset goes to the journal first
    CompositeOperation::doCancel();   // cancels the planner, every download and extraction
    for (DownloadOperation *d : std::as_const(m_running)) {
        d->disconnect(this);
        d->deleteLater();
    }
    m_running.clear();
    m_downloadIndex.clear();
    m_slots.clear();
    m_pending.clear();
    m_extractQueue.clear();
    for (SafeExtractor *e : std::as_const(m_extracting)) {
        e->disconnect(this);
        e->deleteLater();
    }
    m_extracting.clear();
    syncLogs();
    m_targetLocks.clear();
    m_journal.finishExports(state, true);
}

// A GET cannot pause: running downloads are dropped (their .part files stay) and queued first in
// line, so a paused export holds no slot of the gate; resume continues them with Range. The
// planner (and any other Suspendable child) is suspended through CompositeOperation; extractions
// (local work) finish.
bool ExportOperation::doSuspend()
{
    withdrawTicket();
    QList<int> requeue;
    // A streamed archive stops with its GET; resume starts it over at its last complete member
    // (extractions of archives already downloaded finish).
    for (const int index : m_streams.keys())
        if (m_running.contains(index))
            dropStream(index);
    for (auto it = m_running.cbegin(); it != m_running.cend(); ++it) {
        DownloadOperation *d = it.value();
        removeChild(d);
        d->disconnect(this);
        d->cancel();
        d->deleteLater();
        const auto slot = m_slots.find(d);
        if (slot != m_slots.end()) {
            slot->second.release(api::NetworkGate::Outcome::Abandoned);
            m_slots.erase(slot);
        }
        requeue.append(it.key());
    }
    m_running.clear();
    m_downloadIndex.clear();
    std::sort(requeue.begin(), requeue.end());
    for (auto it = requeue.crbegin(); it != requeue.crend(); ++it)
        m_pending.prepend(*it);
    if (!CompositeOperation::doSuspend())
        return false;
    setStatusText(tr("Paused"));
    updateProgress();
    return true;
}

bool ExportOperation::doResume()
{
    CompositeOperation::doResume();
    QTimer::singleShot(0, this, &ExportOperation::pump);
    return true;
}

}  // namespace bd
