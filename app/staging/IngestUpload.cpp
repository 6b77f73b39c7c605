// IngestOperation, part three: the upload. The plan (IngestPlanCursor) or the walk's early
// shards (EarlyShards.h) feed the UploadQueue a few transfers ahead; every record of a transfer
// - its shard planned, its files "sent" with their fingerprints, its body left, its outcome -
// goes to the ingest's JournalWriter, so this thread (the GUI's) never waits for a commit.
// The promises of the journal hold all the same (TransferOperation::holdUntil): a transfer's
// bytes leave only once its "sent" record is durable, its last bytes only once its "body left"
// record is, and a file is "confirmed" only after the service answered. When the queue is done
// the writer is drained before anything reads the journal again (indexing, the summary).
// See IngestOperation.h.
#include "staging/IngestOperation.h"
#include "core/ThreadPriority.h"

#include "api/ApiClient.h"
#include "core/Database.h"
#include "core/Timeline.h"
#include "staging/IngestResumeCheck.h"
#include "staging/JournalWriter.h"
#include "staging/UploadQueue.h"

#include <QFutureWatcher>
#include <QSqlQuery>
#include <QtConcurrent/QtConcurrentRun>

namespace bd::staging {

namespace {

// Each member's name in the batch, in the shard's order (the order of its paths and records).
QStringList memberNames(const PlannedShard &shard)
{
    QStringList names;
    names.reserve(shard.members.size());
    for (const ShardMember &m : shard.members)
        names << m.name;
    return names;
}

// A shard handed out: its row, "planned", with its members' names.
JournalWriter::Write plannedShardRecord(const QString &ingestId, const PlannedShard &shard)
{
    return [ingestId, index = shard.index, names = memberNames(shard)](IngestJournal &journal) {
        return journal.addShard(ingestId, index, names, QStringLiteral("planned"));
    };
}

}  // namespace

QFuture<bool> IngestOperation::record(JournalWriter::Write write)
{
    return m_writer->enqueue(std::move(write));
}

void IngestOperation::whenRecorded(std::function<void()> then)
{
    auto *watcher = new QFutureWatcher<bool>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [watcher, then = std::move(then)] {
        watcher->deleteLater();
        then();
    });
    watcher->setFuture(m_writer->drained());
}

bool IngestOperation::canOverlapScanAndUpload()
{
    // BATCHDECK_INGEST_OVERLAP=0: scan, then upload (to measure what the overlap gains).
    if (!m_options.overlapScanAndUpload || qEnvironmentVariable("BATCHDECK_INGEST_OVERLAP") == QLatin1String("0")
        || m_summary.resumed || m_options.media == MediaSelection::Videos)
        return false;
    // Anything of this batch sent or confirmed (any ingest, any target) is checked with the
    // service before planning: then the plan waits for the scan, as before.
    return !IngestJournal().batchHasSentOrConfirmed(m_options.batchId);
}

void IngestOperation::onEarlyShard(PlannedShard shard)
{
    if (isFinished())
        return;
    timeline::mark(QStringLiteral("ingest: first early shard"), true);
    shard.index = m_nextShardIndex++;
    // Queued, not waited for: the transfer's "sent" record comes after it in the writer. The
    // members get their rows once, with the answer (confirmShard, or the failure below), from
    // the record after a kill, or as planned from the scan's copy to the journal: written in
    // the walk's order here, their index entries cost a page each, twice.
    record(plannedShardRecord(m_summary.ingestId, shard));
    m_earlyFiles += int(shard.members.size());
    ensureQueue();
    TransferOperation *transfer = newShardTransfer(shard);
    m_earlyTransfers.insert(transfer);
    m_queue->enqueue(transfer);   // (a shard's body fingerprints its members as it reads them)
    setTotalAmount(Unit::Files, qMax(totalAmount(Unit::Files), qint64(m_earlyFiles)));
    updateBytesTotal();
    startQueue();
}

void IngestOperation::ensureQueue()
{
    if (m_queue)
        return;
    m_queue = new UploadQueue(m_api, this);
    m_queueStarted = false;
    m_queue->setConcurrency(m_options.concurrency);
    connect(m_queue, &Operation::progressChanged, this, [this] {
        setProcessedAmount(Unit::Bytes, m_bytesBefore + m_queue->processedAmount(Unit::Bytes));
        setProcessedAmount(Unit::Files, m_filesBefore + m_queue->processedAmount(Unit::Files));
    });
    connect(m_queue, &Operation::statusTextChanged, this, [this](const QString &text) {
        if (!text.isEmpty())
            setStatusText(text);
    });
    connect(m_queue, &UploadQueue::transferStarted, this, &IngestOperation::onTransferStarted);
    connect(m_queue, &UploadQueue::transferFinished, this, &IngestOperation::onTransferFinished);
    connect(m_queue, &Operation::finished, this, &IngestOperation::onQueueFinished);
    Q_EMIT queueCreated(m_queue);
}

void IngestOperation::startQueue()
{
    if (!m_queue || m_queueStarted)
        return;
    m_queueStarted = true;
    m_queue->start();
    if (m_queue && state() == State::Suspended)
        m_queue->suspend();
}

void IngestOperation::planAndUpload()
{
    if (!m_overlapped) {   // (a fresh overlapped ingest has none; its early failures are this run's)
        record([id = m_summary.ingestId](IngestJournal &journal) {
            return journal.clearRunFailures(id);   // codes of earlier runs: planned again now
        });
    }
    timeline::mark(QStringLiteral("ingest: plan after the scan"));
    // A fresh overlapped ingest: nothing of its batch was sent before, and only its early shards
    // went since, so the plan reads the scan alone.
    m_cursor = std::make_unique<IngestPlanCursor>(database(), m_scanSchema, m_summary.ingestId, m_options.plan,
                                                  m_overlapped ? IngestPlanCursor::Lookup::ScanOnly
                                                               : IngestPlanCursor::Lookup::Journal);
    if (m_scanCounts) {
        m_cursor->useCounts(*m_scanCounts);
    } else if (!m_cursor->summarize()) {
        fail(Error(ErrorKind::Io, tr("Cannot read the ingest journal: %1").arg(m_cursor->lastError())));
        return;
    }
    const PlanCounts &counts = m_cursor->counts();
    m_summary.method = m_cursor->methodName();
    record([id = m_summary.ingestId, method = m_summary.method](IngestJournal &journal) {
        return journal.setIngestMethod(id, method);
    });
    for (const QString &note : m_cursor->notes())
        setStatusText(note);
    if (m_cursor->videosNeedSeparateBatch()) {
        QStringList videos;
        while (const std::optional<ScannedFile> f = m_cursor->nextVideo())
            videos << f->path;
        record([id = m_summary.ingestId, videos,
                why = tr("videos cannot join a sharded image batch; ingest them into another batch")](IngestJournal &journal) {
            return journal.setFileFailed(id, videos, QStringLiteral("needs-separate-batch"), why);
        });
    }
    const bool videos = !m_cursor->videosNeedSeparateBatch();
    const qint64 totalBytes = counts.imageBytesPending + (videos ? counts.videoBytesPending : 0);
    const int totalFiles = counts.imagesPending + (videos ? counts.videosPending : 0);

    if (!m_overlapped)
        m_nextShardIndex = m_journal.nextShardIndex(m_summary.ingestId);
    m_payloadLeft = totalBytes;
    m_filesLeft = totalFiles;
    setTotalAmount(Unit::Files, m_earlyFiles + totalFiles);
    ensureQueue();
    feedQueue();
    if (isFinished())
        return;
    setPhase(Phase::Uploading, tr("Uploading %n file(s)", nullptr, m_earlyFiles + totalFiles));
    startQueue();
}

void IngestOperation::feedQueue()
{
    if (m_feeding || !m_queue || !m_cursor || isFinished())
        return;
    m_feeding = true;
    while (m_queue->pendingCount() < kFeedWindow) {
        TransferOperation *transfer = nextTransfer();
        if (!transfer)
            break;
        m_queue->enqueue(transfer);
        if (!qobject_cast<ShardUploadOperation *>(transfer))   // a shard's body takes its own
            prefetchFingerprints(transfer);
    }
    m_feeding = false;
    updateBytesTotal();
    if (!m_cursor->lastError().isEmpty())
        fail(Error(ErrorKind::Io, tr("Cannot read the ingest journal: %1").arg(m_cursor->lastError())));
}

void IngestOperation::updateBytesTotal()
{
    // The images' own bytes, as the scan counts them and the transfers report them: those of
    // queues that ran dry while the walk went on, of this queue, and of what the plan has not
    // handed out yet.
    setTotalAmount(Unit::Bytes, m_bytesTotalBefore + (m_queue ? m_queue->totalAmount(Unit::Bytes) : 0) + m_payloadLeft);
}

TransferOperation *IngestOperation::tuned(TransferOperation *transfer) const
{
    transfer->setMaxAttempts(m_options.maxTransferAttempts);
    transfer->setBackoffBaseMs(m_options.transferBackoffMs);
    return transfer;
}

TransferOperation *IngestOperation::newShardTransfer(const PlannedShard &shard)
{
    const NotificationConfig notification{ m_summary.ingestId, m_options.notificationsUrl };
    return tuned(new ShardUploadOperation(m_api, m_options.batchId, m_options.displayName, shard, notification));
}

TransferOperation *IngestOperation::nextTransfer()
{
    const QString &batch = m_options.batchId;
    const QString &name = m_options.displayName;
    // The order of IngestPlanner's plan: simple images, shards, videos.
    auto handOut = [this](qint64 bytes, int files) {
        m_payloadLeft = qMax<qint64>(0, m_payloadLeft - bytes);
        m_filesLeft = qMax(0, m_filesLeft - files);
    };
    if (const std::optional<ScannedFile> f = m_cursor->nextSimpleImage()) {
        handOut(f->size, 1);
        return tuned(new ImageUploadOperation(m_api, batch, name, f->path, f->batchName, f->size));
    }
    if (std::optional<PlannedShard> shard = m_cursor->nextShard()) {
        shard->index = m_nextShardIndex++;
        record(plannedShardRecord(m_summary.ingestId, *shard));
        handOut(shard->payloadBytes, int(shard->members.size()));
        return newShardTransfer(*shard);
    }
    if (m_cursor->videosNeedSeparateBatch())
        return nullptr;
    if (const std::optional<ScannedFile> f = m_cursor->nextVideo()) {
        handOut(f->size, 1);
        return tuned(new VideoUploadOperation(m_api, batch, name, f->path, f->batchName, f->size));
    }
    m_payloadLeft = 0;   // the cursor is done: whatever the counts said, nothing is left
    m_filesLeft = 0;
    return nullptr;
}

void IngestOperation::onTransferStarted(TransferOperation *transfer)
{
    timeline::mark(QStringLiteral("ingest: first transfer started"), true);
    if (m_earlyTransfers.remove(transfer))
        m_earlyWaiting->fetch_sub(1);   // room for the walk's next shard
    feedQueue();   // one left the waiting line: the next shard's members come from the journal
    // Mark "sent" (with each file's fingerprint) before the body's last bytes leave (the
    // transfer holds them for the record; a simple image or a video its whole start), so a kill
    // in mid-transfer is checked on resume and a later change of the file is noticed.
    auto *shard = qobject_cast<ShardUploadOperation *>(transfer);
    const int shardIndex = shard ? shard->shard().index : -1;
    auto sent = shardIndex >= 0 ? std::make_shared<QVector<FileFingerprint>>() : nullptr;
    if (sent)
        m_sentFingerprints.insert(transfer, sent);
    if (!shard) {
        connect(transfer, &TransferOperation::sending, this, [this, transfer] {
            timeline::mark(QStringLiteral("ingest: first body may go (URL in hand)"), true);
            const auto prefetched = m_fingerprints.constFind(transfer);
            const std::optional<QFuture<QVector<FileFingerprint>>> fingerprints =
                prefetched != m_fingerprints.cend() ? std::optional(*prefetched) : std::nullopt;
            transfer->holdUntil(record([id = m_summary.ingestId, paths = transfer->filePaths(),
                                        fingerprints](IngestJournal &journal) {
                QVector<FileFingerprint> taken;
                if (fingerprints) {
                    taken = fingerprints->result();   // ready long before, but waited for here if not
                } else {   // a fresh copy after a pause
                    taken.reserve(paths.size());
                    for (const QString &path : paths)
                        taken.append(takeFingerprint(path));
                }
                return journal.markSending(id, paths, taken, false);
            }));
        });
    }
    // Durable before the last bytes are handed to the network (the body device waits for it on
    // the transfer thread): from there on the files may be on the service whatever happens to
    // this process. A shard's "sent" record goes here too, with its members as its body found
    // them (stat'ed as each was opened to be sent, and hashed as it was read when racy): one
    // row and one write, and no stat of its own per file.
    connect(transfer, &TransferOperation::bodyLeaving, this, [this, transfer, shard, shardIndex, sent] {
        if (!shard) {
            transfer->holdUntil(record([id = m_summary.ingestId, paths = transfer->filePaths()](IngestJournal &journal) {
                return journal.markBodyLeft(id, paths);
            }));
            return;
        }
        timeline::mark(QStringLiteral("ingest: first shard body left"), true);
        const std::shared_ptr<const QVector<FileFingerprint>> found = shard->bodyFingerprints();
        transfer->holdUntil(record([id = m_summary.ingestId, paths = transfer->filePaths(), shardIndex, sent,
                                    taken = found ? *found : QVector<FileFingerprint>()](IngestJournal &journal) {
            // A shard's "sent" is one row: its members' rows change when the answer comes.
            const bool ok = journal.markShardSending(id, shardIndex, paths, taken) && journal.markShardBodyLeft(id, shardIndex);
            *sent = ok ? taken : QVector<FileFingerprint>();   // (a retry's record replaces the last)
            return ok;
        }));
    });
    connect(transfer, &TransferOperation::bodyRefused, this, [this, transfer, shardIndex] {
        record([id = m_summary.ingestId, paths = transfer->filePaths(), shardIndex](IngestJournal &journal) {
            return shardIndex >= 0 ? journal.markShardBodyLeft(id, shardIndex, false) : journal.markBodyLeft(id, paths, false);
        });
    });
}

void IngestOperation::prefetchFingerprints(TransferOperation *transfer)
{
    // Taken before the bytes leave, as the journal needs: a write in between makes the file
    // look changed on a later run (sent again), never unchanged.
    m_fingerprints.insert(transfer, QtConcurrent::run([paths = transfer->filePaths()] {
        threads::lowerThisThread();
        QVector<FileFingerprint> fingerprints;
        fingerprints.reserve(paths.size());
        for (const QString &path : paths)
            fingerprints.append(takeFingerprint(path));
        return fingerprints;
    }));
}

void IngestOperation::onTransferFinished(TransferOperation *transfer)
{
    if (timeline::enabled())
        timeline::mark(QStringLiteral("ingest: transfer finished (%1 so far)").arg(++m_transfersFinished));
    m_fingerprints.remove(transfer);
    const std::shared_ptr<QVector<FileFingerprint>> sent = m_sentFingerprints.take(transfer);
    const QStringList paths = transfer->filePaths();
    auto *shard = qobject_cast<ShardUploadOperation *>(transfer);
    const int shardIndex = shard ? shard->shard().index : -1;
    // The service answered: only now are the files claimed (a kill before this commits leaves
    // them "sent", and the next run asks the service).
    if (transfer->error()) {
        const Error &e = transfer->error();
        QVector<JournalFile> rows;   // an early shard's members may have none yet
        if (shard) {
            for (const ShardMember &m : shard->shard().members)
                rows.append({ m.path, m.name, m.size, m.mtime, JournalFileState::Planned, {} });
        }
        record([id = m_summary.ingestId, paths, rows, code = errorKindName(e.kind), message = e.message,
                shardIndex](IngestJournal &journal) {
            return (rows.isEmpty() || journal.addFiles(id, rows)) && journal.setFileFailed(id, paths, code, message)
                   && (shardIndex < 0 || journal.setShardState(id, shardIndex, QStringLiteral("failed")));
        });
    } else {
        m_confirmedCount += int(paths.size());
        const QStringList names = shard ? memberNames(shard->shard()) : QStringList();
        record([id = m_summary.ingestId, paths, names, shardIndex, sent,
                answerLater = m_answerBeforeCopy](IngestJournal &journal) {
            if (shardIndex < 0)
                return journal.setFileState(id, paths, JournalFileState::Confirmed);
            // The record as this run wrote it (an empty one, unknown here: read back from the journal).
            // (No entries in hand: the journal reads the record back.)
            const QVector<FileFingerprint> inHand = sent ? *sent : QVector<FileFingerprint>();
            return answerLater ? journal.answerShard(id, shardIndex, paths, names, inHand)
                               : journal.confirmShard(id, shardIndex, paths, names, inHand);
        });
    }
}

void IngestOperation::onQueueFinished()
{
    timeline::mark(QStringLiteral("ingest: queue finished"));
    if (isFinished())
        return;
    m_summary.bytesSent = m_bytesBefore + m_queue->processedAmount(Unit::Bytes);
    if (m_queue->error().kind == ErrorKind::Cancelled) {
        fail(m_queue->error());
        return;
    }
    if (!m_cursor) {
        // Early shards ran dry while the walk (or the journal copy) goes on: the next shard, or
        // the plan after the scan, gets a fresh queue.
        m_bytesBefore = m_summary.bytesSent;
        m_bytesTotalBefore += m_queue->totalAmount(Unit::Bytes);
        m_filesBefore += m_queue->processedAmount(Unit::Files);
        m_queue->disconnect(this);
        m_queue->deleteLater();
        m_queue = nullptr;
        return;
    }
    record([id = m_summary.ingestId](IngestJournal &journal) {
        return journal.setIngestState(id, QStringLiteral("uploaded"));
    });
    // What follows reads the journal (the service's verdicts, the summary): every record first.
    whenRecorded([this] { waitForIndexing(); });
}

void IngestOperation::waitForIndexing()
{
    if (isFinished())
        return;
    if (!m_options.waitForIndexing || m_confirmedCount == 0) {
        finish();
        return;
    }
    setPhase(Phase::Indexing, tr("Waiting for the service to index the files"));
    ReadinessOptions readiness;
    readiness.batchId = m_options.batchId;
    readiness.ingestIds = { m_summary.ingestId };   // an earlier run of this ingest has the same id
    readiness.expectedCount = m_confirmedCount;
    readiness.pollInitialMs = m_options.pollInitialMs;
    readiness.pollMaxMs = m_options.pollMaxMs;
    readiness.timeoutMs = m_options.indexTimeoutMs;
    readiness.stallTimeoutMs = m_options.indexTimeoutMs;   // our own shards: wait the whole time
    readiness.maxPollErrors = m_options.maxPollErrors;
    m_readiness = new BatchReadiness(m_api, readiness, this);
    connect(m_readiness, &Operation::statusTextChanged, this, [this](const QString &text) {
        if (!text.isEmpty())
            setStatusText(text);
    });
    connect(m_readiness, &Operation::finished, this, &IngestOperation::onIndexingSettled);
    m_readiness->start();
}

void IngestOperation::onIndexingSettled()
{
    BatchReadiness *readiness = m_readiness;
    if (!readiness || isFinished())
        return;
    readiness->deleteLater();
    m_serviceFailed = readiness->failedFiles();
    m_lastCount = readiness->count();
    m_summary.batchCount = readiness->count();
    // Ready: done. No answer (too many failed looks): done, not ready. Failed, stalled or gone:
    // find out which files the service lost.
    if (readiness->verdict() == BatchReadiness::Verdict::Ready || readiness->error())
        finish();
    else
        reconcileMissing();
}

void IngestOperation::reconcileMissing()
{
    // The listing is in temp.resume_listed (IngestResumeCheck): joined, not held in memory.
    listBatchNames([this](bool, const Error &error) {
        if (!error) {
            IngestResumeCheck check(m_summary.ingestId, m_target, m_options.batchId, m_scanSchema);
            check.forEachConfirmedUnlisted([&](const QString &name) {
                if (!m_serviceFailed.contains(name))
                    m_serviceFailed.insert(name, tr("not indexed by the service"));
            });
        }
        finish();
    });
}

}  // namespace bd::staging
