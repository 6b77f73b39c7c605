#include "staging/IngestOperation.h"

#include "api/ApiClient.h"
#include "staging/FolderScanner.h"
#include "staging/UploadQueue.h"

#include <QFileInfo>
#include <QUuid>

namespace bd::staging {

namespace {
QString methodName(const IngestPlan &plan)
{
    QString images;
    if (plan.imageMethod == IngestPlan::ImageMethod::Simple)
        images = QStringLiteral("simple");
    else if (plan.imageMethod == IngestPlan::ImageMethod::Sharded)
        images = QStringLiteral("sharded");
    const bool videos = !plan.videos.isEmpty() || plan.videosAlreadyUploaded > 0;
    if (!images.isEmpty() && videos)
        return images + QStringLiteral("+videos");
    return videos ? QStringLiteral("videos") : images;
}

}  // namespace

QString IngestOptions::mediaName() const
{
    switch (media) {
    case MediaSelection::Images: return QStringLiteral("images");
    case MediaSelection::Videos: return QStringLiteral("videos");
    case MediaSelection::Both: break;
    }
    return QStringLiteral("both");
}

IngestOperation::IngestOperation(api::ApiClient *api, IngestOptions options, QObject *parent)
    : Operation(parent), m_api(api), m_options(std::move(options))
{
    setCapabilities(Cancellable | Suspendable);
    if (m_options.displayName.isEmpty())
        m_options.displayName = m_options.batchId;
    setTitle(tr("Ingest into %1").arg(m_options.batchId));
    m_summary.batchId = m_options.batchId;
}

IngestOperation::~IngestOperation() = default;

void IngestOperation::setPhase(Phase phase, const QString &status)
{
    m_phase = phase;
    setStatusText(status);
    Q_EMIT phaseChanged(phase);
}

void IngestOperation::doStart()
{
    m_clock.start();
    if (!m_api) {
        fail(Error(ErrorKind::Internal, tr("No API client")));
        return;
    }
    if (m_options.batchId.isEmpty() || m_options.inputs.isEmpty()) {
        fail(Error(ErrorKind::InvalidInput, tr("An ingest needs a batch id and at least one folder")));
        return;
    }
    resolveTarget();
}

void IngestOperation::resolveTarget()
{
    // The journal keys every ingest on the service and workspace it goes to: W1 first.
    if (!m_api->workspace().isEmpty()) {
        startWithTarget();
        return;
    }
    auto *call = m_api->resolveWorkspace();
    connect(call, &api::ApiCall::finished, this, [this, call] {
        if (isFinished())
            return;
        if (call->error()) {
            fail(call->error());
            return;
        }
        startWithTarget();
    });
}

void IngestOperation::startWithTarget()
{
    m_target.apiBaseUrl = m_api->config()
                              .baseUrl.adjusted(QUrl::RemoveQuery | QUrl::RemoveFragment | QUrl::RemoveUserInfo
                                                | QUrl::StripTrailingSlash)
                              .toString();
    m_target.workspace = m_api->workspace();
    if (!openJournal())
        return;
    startScan();
}

bool IngestOperation::openJournal()
{
    Error error;
    if (!m_journal.open(&error)) {
        fail(error);
        return false;
    }
    QStringList sources;
    for (const QString &input : std::as_const(m_options.inputs))
        sources << QFileInfo(input).absoluteFilePath();
    sources.sort();

    // One process at a time per ingest, taken before the journal is read: two runs started
    // together would otherwise both plan (and send) every file.
    Error lockError;
    const QString key = QStringList{ m_target.apiBaseUrl, m_target.workspace, m_options.batchId,
                                     sources.join(QLatin1Char('\n')), m_options.mediaName() }
                            .join(QLatin1Char('\x1f'));
    const QString what = tr("batch %1 in workspace %2 on %3, from %4")
                             .arg(m_options.batchId, m_target.workspace, m_target.apiBaseUrl,
                                  sources.join(QStringLiteral(", ")));
    if (!m_lock.acquire(key, what, &lockError)) {
        fail(lockError);
        return false;
    }

    std::optional<IngestRecord> record;
    if (!m_options.ingestId.isEmpty())
        record = m_journal.ingest(m_options.ingestId);
    else
        record = m_journal.findResumable(m_target, m_options.batchId, sources, m_options.mediaName());
    IngestRecord r;
    if (record) {
        r = *record;
        m_summary.resumed = true;
    } else {
        r.ingestId = m_options.ingestId.isEmpty() ? QUuid::createUuid().toString(QUuid::WithoutBraces)
                                                  : m_options.ingestId;
        r.batchId = m_options.batchId;
        r.sources = sources;
    }
    r.displayName = m_options.displayName;
    r.apiBaseUrl = m_target.apiBaseUrl;
    r.workspace = m_target.workspace;
    r.state = QStringLiteral("running");
    r.options = QJsonObject{ { QStringLiteral("media"), m_options.mediaName() },
                             { QStringLiteral("recursive"), m_options.recursive },
                             { QStringLiteral("concurrency"), m_options.concurrency },
                             { QStringLiteral("notificationsURL"), m_options.notificationsUrl } };
    if (!m_journal.saveIngest(r)) {
        fail(Error(ErrorKind::Io, tr("Cannot write the ingest journal: %1").arg(m_journal.lastError())));
        return false;
    }
    m_summary.ingestId = r.ingestId;
    return true;
}

void IngestOperation::startScan()
{
    setPhase(Phase::Scanning, tr("Scanning folders"));
    ScanOptions scanOptions;
    scanOptions.recursive = m_options.recursive;
    scanOptions.media = m_options.media;
    m_scanner = new FolderScanner(m_options.inputs, scanOptions, this);
    connect(m_scanner, &Operation::progressChanged, this, [this] {
        if (m_scanner)
            setProcessedAmount(Unit::Items, m_scanner->processedAmount(Unit::Items));
    });
    connect(m_scanner, &Operation::finished, this, &IngestOperation::onScanFinished);
    m_scanner->start();
}

void IngestOperation::onScanFinished()
{
    FolderScanner *scanner = m_scanner;
    if (!scanner || isFinished())
        return;
    scanner->deleteLater();
    if (scanner->error()) {
        fail(scanner->error());
        return;
    }
    const ScanResult &scan = scanner->result();
    for (const SkippedFile &s : scan.skipped)
        m_summary.skipped.append({ s.path, QString(), skipReasonName(s.reason),
                                   s.detail.isEmpty() ? skipReasonText(s.reason)
                                                      : skipReasonText(s.reason) + QStringLiteral(" (") + s.detail + QLatin1Char(')') });
    if (!m_journal.addScannedFiles(m_summary.ingestId, scan.accepted)) {
        fail(Error(ErrorKind::Io, tr("Cannot write the ingest journal: %1").arg(m_journal.lastError())));
        return;
    }
    m_scanResult = scan;
    m_confirmed.assign(std::size_t(m_scanResult.accepted.size()), false);
    checkEarlierRuns();
}

void IngestOperation::planAndUpload()
{
    PlanOptions planOptions = m_options.plan;
    planOptions.alreadyUploaded = confirmedPaths();
    const IngestPlan plan = IngestPlanner::plan(m_scanResult, planOptions);
    m_summary.method = methodName(plan);
    m_journal.setIngestMethod(m_summary.ingestId, m_summary.method);
    for (const QString &note : plan.notes)
        setStatusText(note);

    m_queue = new UploadQueue(m_api, this);
    m_queue->setConcurrency(m_options.concurrency);
    enqueueTransfers(plan);
    setTotalAmount(Unit::Bytes, m_queue->totalAmount(Unit::Bytes));
    setTotalAmount(Unit::Files, m_queue->totalAmount(Unit::Files));
    connect(m_queue, &Operation::progressChanged, this, [this] {
        setProcessedAmount(Unit::Bytes, m_queue->processedAmount(Unit::Bytes));
        setProcessedAmount(Unit::Files, m_queue->processedAmount(Unit::Files));
    });
    connect(m_queue, &Operation::statusTextChanged, this, [this](const QString &text) {
        if (!text.isEmpty())
            setStatusText(text);
    });
    connect(m_queue, &UploadQueue::transferStarted, this, &IngestOperation::onTransferStarted);
    connect(m_queue, &UploadQueue::transferFinished, this, &IngestOperation::onTransferFinished);
    connect(m_queue, &Operation::finished, this, &IngestOperation::onQueueFinished);
    setPhase(Phase::Uploading, tr("Uploading %n file(s)", nullptr, int(m_queue->totalAmount(Unit::Files))));
    m_queue->start();
    if (state() == State::Suspended)
        m_queue->suspend();
}

void IngestOperation::enqueueTransfers(const IngestPlan &plan)
{
    const QString &batch = m_options.batchId;
    const QString &name = m_options.displayName;
    auto tune = [this](TransferOperation *t) {
        t->setMaxAttempts(m_options.maxTransferAttempts);
        t->setBackoffBaseMs(m_options.transferBackoffMs);
        return t;
    };
    for (const ScannedFile &f : plan.simpleImages)
        m_queue->enqueue(tune(new ImageUploadOperation(m_api, batch, name, f.path, f.batchName, f.size)));
    const NotificationConfig notification{ m_summary.ingestId, m_options.notificationsUrl };
    int shardIndex = m_journal.nextShardIndex(m_summary.ingestId);
    for (PlannedShard shard : plan.shards) {
        shard.index = shardIndex++;
        QStringList names;
        for (const ShardMember &m : shard.members)
            names << m.name;
        m_journal.addShard(m_summary.ingestId, shard.index, names, QStringLiteral("planned"));
        m_queue->enqueue(tune(new ShardUploadOperation(m_api, batch, name, shard, notification)));
    }
    for (const ScannedFile &f : plan.videos) {
        if (plan.videosNeedSeparateBatch) {
            m_failed.insert(f.path, { f.path, f.batchName, QStringLiteral("needs-separate-batch"),
                                      tr("videos cannot join a sharded image batch; ingest them into another batch") });
            continue;
        }
        m_queue->enqueue(tune(new VideoUploadOperation(m_api, batch, name, f.path, f.batchName, f.size)));
    }
}

void IngestOperation::onTransferStarted(TransferOperation *transfer)
{
    // Mark "sent" (with each file's fingerprint) just before bytes leave, so a kill in
    // mid-transfer is checked on resume and a later change of the file is noticed.
    connect(transfer, &TransferOperation::sending, this, [this, transfer] {
        const QStringList paths = transfer->filePaths();
        QVector<FileFingerprint> fingerprints;
        fingerprints.reserve(paths.size());
        for (const QString &path : paths)
            fingerprints.append(takeFingerprint(path));
        m_journal.markSending(m_summary.ingestId, paths, fingerprints, false);
        if (auto *shard = qobject_cast<ShardUploadOperation *>(transfer))
            m_journal.setShardState(m_summary.ingestId, shard->shard().index, QStringLiteral("sent"));
    });
    // Written before the last bytes are handed to the network: from here on the files may be
    // on the service whatever happens to this process.
    connect(transfer, &TransferOperation::bodyLeaving, this, [this, transfer] {
        m_journal.markBodyLeft(m_summary.ingestId, transfer->filePaths());
    });
    connect(transfer, &TransferOperation::bodyRefused, this, [this, transfer] {
        m_journal.markBodyLeft(m_summary.ingestId, transfer->filePaths(), false);
    });
}

void IngestOperation::onTransferFinished(TransferOperation *transfer)
{
    const QStringList paths = transfer->filePaths();
    auto *shard = qobject_cast<ShardUploadOperation *>(transfer);
    if (transfer->error()) {
        const Error &e = transfer->error();
        m_journal.setFileState(m_summary.ingestId, paths, JournalFileState::Failed, e.message);
        for (const QString &path : paths) {
            const int i = indexOf(path);
            m_failed.insert(path, { path, i >= 0 ? m_scanResult.accepted.at(i).batchName : QString(),
                                    errorKindName(e.kind), e.message });
        }
    } else {
        m_journal.setFileState(m_summary.ingestId, paths, JournalFileState::Confirmed);
        for (const QString &path : paths)
            setConfirmed(indexOf(path), true);
    }
    if (shard)
        m_journal.setShardState(m_summary.ingestId, shard->shard().index, transfer->error() ? QStringLiteral("failed") : QStringLiteral("uploaded"));
}

void IngestOperation::onQueueFinished()
{
    if (isFinished())
        return;
    m_summary.bytesSent = m_queue->processedAmount(Unit::Bytes);
    if (m_queue->error().kind == ErrorKind::Cancelled) {
        fail(m_queue->error());
        return;
    }
    m_journal.setIngestState(m_summary.ingestId, QStringLiteral("uploaded"));
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
    listBatchNames([this](const QSet<QString> &names, bool, const Error &error) {
        if (!error) {
            for (int i = 0; i < m_scanResult.accepted.size(); ++i) {
                const QString &name = m_scanResult.accepted.at(i).batchName;
                if (m_confirmed[std::size_t(i)] && !names.contains(name) && !m_serviceFailed.contains(name))
                    m_serviceFailed.insert(name, tr("not indexed by the service"));
            }
        }
        finish();
    });
}

void IngestOperation::finish(const Error &error)
{
    if (isFinished())
        return;
    if (m_readiness)
        m_readiness->cancel();
    // The service's own verdicts move files from "uploaded" to "failed".
    for (int i = 0; !m_serviceFailed.isEmpty() && i < m_scanResult.accepted.size(); ++i) {
        const ScannedFile &f = m_scanResult.accepted.at(i);
        const auto verdict = m_serviceFailed.constFind(f.batchName);
        if (verdict == m_serviceFailed.cend() || !m_confirmed[std::size_t(i)])
            continue;
        setConfirmed(i, false);
        m_failed.insert(f.path, { f.path, f.batchName, QStringLiteral("service-rejected"), *verdict });
        m_journal.setFileState(m_summary.ingestId, { f.path }, JournalFileState::Failed, *verdict);
    }
    m_summary.uploaded.clear();
    m_summary.failed.clear();
    m_summary.uploaded.reserve(m_confirmedCount);
    for (int i = 0; i < m_scanResult.accepted.size(); ++i) {
        const ScannedFile &f = m_scanResult.accepted.at(i);
        if (m_confirmed[std::size_t(i)])
            m_summary.uploaded.append({ f.path, f.batchName, {}, {} });
        else if (m_failed.contains(f.path))
            m_summary.failed.append(m_failed.value(f.path));
        else
            m_summary.failed.append({ f.path, f.batchName, QStringLiteral("not-sent"),
                                      error ? error.message : tr("not sent") });
    }
    m_summary.elapsedMs = m_clock.isValid() ? m_clock.elapsed() : 0;
    m_lock.release();
    qint64 expected = m_summary.uploaded.size();
    m_summary.ready = !error && m_summary.failed.isEmpty() && expected > 0
                      && (!m_options.waitForIndexing || m_lastCount >= expected);
    const bool complete = !error && m_summary.failed.isEmpty();
    m_journal.setIngestState(m_summary.ingestId, complete ? QStringLiteral("completed")
                                                 : error.kind == ErrorKind::Cancelled ? QStringLiteral("cancelled")
                                                                                      : QStringLiteral("failed"));
    setPhase(Phase::Done, m_summary.toText(0).section(QLatin1Char('\n'), 0, 0));
    if (error) {
        emitResult(error);
    } else if (!m_summary.failed.isEmpty()) {
        const IngestFileOutcome &first = m_summary.failed.first();
        emitResult(Error(ErrorKind::Server, tr("%n file(s) failed; the first, %1: %2", nullptr, int(m_summary.failed.size()))
                                                .arg(first.path, first.detail)));
    } else {
        emitResult();
    }
}

int IngestOperation::indexOf(const QString &path) const
{
    const auto &files = m_scanResult.accepted;
    const auto it = std::lower_bound(files.cbegin(), files.cend(), path,
                                     [](const ScannedFile &f, const QString &p) { return f.path < p; });
    return it != files.cend() && it->path == path ? int(it - files.cbegin()) : -1;
}

void IngestOperation::setConfirmed(int index, bool confirmed)
{
    if (index < 0 || std::size_t(index) >= m_confirmed.size() || m_confirmed[std::size_t(index)] == confirmed)
        return;
    m_confirmed[std::size_t(index)] = confirmed;
    m_confirmedCount += confirmed ? 1 : -1;
}

QSet<QString> IngestOperation::confirmedPaths() const
{
    QSet<QString> paths;
    for (int i = 0; i < m_scanResult.accepted.size(); ++i)
        if (m_confirmed[std::size_t(i)])
            paths.insert(m_scanResult.accepted.at(i).path);
    return paths;
}

void IngestOperation::fail(const Error &error)
{
    if (m_summary.ingestId.isEmpty() || m_phase == Phase::Idle || m_phase == Phase::Scanning) {
        if (!m_summary.ingestId.isEmpty())
            m_journal.setIngestState(m_summary.ingestId, error.kind == ErrorKind::Cancelled ? QStringLiteral("cancelled")
                                                                                            : QStringLiteral("failed"));
        m_phase = Phase::Done;
        m_lock.release();
        emitResult(error);
        return;
    }
    finish(error);
}

void IngestOperation::doCancel()
{
    if (m_readiness)
        m_readiness->cancel();
    if (m_scanner)
        m_scanner->cancel();
    if (m_queue) {
        m_queue->disconnect(this);
        m_queue->cancel();
    }
    const Error cancelled(ErrorKind::Cancelled, tr("Cancelled"));
    fail(cancelled);
}

bool IngestOperation::doSuspend()
{
    if (m_queue && !m_queue->isFinished())
        return m_queue->suspend();
    return true;   // nothing to pause yet; the queue starts paused (see planAndUpload)
}

bool IngestOperation::doResume()
{
    if (m_queue && m_queue->state() == State::Suspended)
        return m_queue->resume();
    return true;
}

}  // namespace bd::staging
