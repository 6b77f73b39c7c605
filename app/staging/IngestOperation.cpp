#include "staging/IngestOperation.h"
#include "core/ThreadPriority.h"

#include "api/ApiClient.h"
#include "staging/FolderScanner.h"
#include "staging/IngestResumeCheck.h"
#include "staging/UploadQueue.h"

#include "core/Database.h"
#include "core/Timeline.h"
#include "staging/ScanStore.h"

#include <QFileInfo>
#include <QSqlQuery>
#include <QUuid>
#include <QtConcurrent/QtConcurrentRun>

#include <atomic>

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace bd::staging {

QString IngestOptions::mediaName() const
{
    switch (media) {
    case MediaSelection::Images: return QStringLiteral("images");
    case MediaSelection::Videos: return QStringLiteral("videos");
    case MediaSelection::Both: break;
    }
    return QStringLiteral("both");
}

namespace {
std::function<void()> &beforeJournalCopy()
{
    static std::function<void()> hook;
    return hook;
}
}  // namespace

void IngestOperation::setBeforeJournalCopyForTests(std::function<void()> hook)
{
    beforeJournalCopy() = std::move(hook);
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

IngestOperation::~IngestOperation()
{
    if (m_journalCopy.isRunning())
        m_journalCopy.waitForFinished();
    if (m_finishPasses.isRunning())
        m_finishPasses.waitForFinished();
    detachScan();
}

void IngestOperation::setPhase(Phase phase, const QString &status)
{
    m_phase = phase;
    setStatusText(status);
    Q_EMIT phaseChanged(phase);
}

void IngestOperation::doStart()
{
    timeline::mark(QStringLiteral("ingest: start"));
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
    timeline::mark(QStringLiteral("ingest: journal open"));
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

    std::optional<IngestRecord> earlier;
    if (!m_options.ingestId.isEmpty())
        earlier = m_journal.ingest(m_options.ingestId);
    else
        earlier = m_journal.findResumable(m_target, m_options.batchId, sources, m_options.mediaName());
    IngestRecord r;
    if (earlier) {
        r = *earlier;
        m_summary.resumed = true;
        // Shards a killed run had in flight: their members' rows say "sent" from here on, as
        // what follows (the resume check) reads them. Under the lock: no run of it is alive.
        if (!m_journal.recoverInterruptedShards(r.ingestId)) {
            fail(Error(ErrorKind::Io, tr("Cannot read the ingest journal: %1").arg(m_journal.lastError())));
            return false;
        }
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
    m_writer = new JournalWriter(this);
    connect(m_writer, &JournalWriter::writeFailed, this, [this](const QString &error) {
        if (!isFinished())   // the journal may not know what was sent: stop rather than guess
            fail(Error(ErrorKind::Io, tr("Cannot write the ingest journal: %1").arg(error)));
    });
    return true;
}

void IngestOperation::startScan()
{
    setPhase(Phase::Scanning, tr("Scanning folders"));
    ScanOptions scanOptions;
    scanOptions.recursive = m_options.recursive;
    scanOptions.media = m_options.media;
    scanOptions.toDatabase = true;
    m_scanner = new FolderScanner(m_options.inputs, scanOptions, this);
    m_overlapped = canOverlapScanAndUpload();
    m_answerBeforeCopy = m_overlapped;
    if (m_overlapped) {
        m_nextShardIndex = m_journal.nextShardIndex(m_summary.ingestId);
        m_earlyWaiting = std::make_shared<std::atomic<int>>(0);
        EarlyShardOptions early;
        early.enabled = true;
        early.simpleMaxImages = m_options.plan.simpleMaxImages;
        early.shardMaxFiles = m_options.plan.shardMaxFiles;
        early.shardMaxBytes = m_options.plan.shardMaxBytes;
        early.window = kFeedWindow;
        early.tailShards = kTailShards;
        early.waiting = m_earlyWaiting;
        // The walker's thread posts each shard to this thread through a relay that outlives
        // this operation if need be (deleted on its own thread). Its deletion is asked for by a
        // queued call too, so it comes after the shards posted before it: a deleteLater from the
        // walker's thread could be run first (sendPostedEvents for DeferredDelete alone, as
        // QTest::qWait and nested loops call it) and drop the last shards, handed out as the
        // walk ends - their files marked early, so the plan skipped them: "not sent".
        std::shared_ptr<QObject> relay(new QObject, [](QObject *o) {
            QMetaObject::invokeMethod(o, [o] { o->deleteLater(); }, Qt::QueuedConnection);
        });
        QPointer<IngestOperation> self(this);
        early.handOut = [relay, self](PlannedShard shard) {
            QMetaObject::invokeMethod(
                relay.get(), [self, shard = std::move(shard)]() mutable {
                    if (self)
                        self->onEarlyShard(std::move(shard));
                },
                Qt::QueuedConnection);
        };
        m_scanner->setEarlyShards(std::move(early));
    }
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
    timeline::mark(QStringLiteral("ingest: scan finished"));
    scanner->deleteLater();
    if (scanner->error()) {
        fail(scanner->error());
        return;
    }
    m_scanResult = scanner->result();   // shares the scratch file
    m_summary.skippedCount = m_scanResult.skippedTotal();
    for (const SkippedFile &s : std::as_const(m_scanResult.skipped))
        m_summary.skipped.append(skippedOutcome(s));
    if (!attachScan())
        return;
    // A million rows into the journal: on a worker thread, with that thread's connection.
    const std::shared_ptr<ScanFile> file = m_scanResult.file;
    const QString ingestId = m_summary.ingestId;
    // A fresh overlapped ingest is planned as soon as the scan is counted, while the copy goes
    // on (its counts: nothing but this run's early shards changes its rows meanwhile, and the
    // counts keep those apart). Its shards are recorded as the early ones are (the members in
    // the shard's record, their rows written by the answer; the copy leaves a row that is already
    // there as it is), so no transfer waits for a copy the plan does not read: at 100 000 files
    // the queue stood empty for the copy's ~0.25 s. (This object waits for the copy before it
    // goes, so the worker may post to it.)
    const bool overlapped = m_overlapped;
    connect(&m_journalCopy, &QFutureWatcher<QString>::finished, this, &IngestOperation::onScanJournaled,
            Qt::UniqueConnection);
    m_journalCopy.setFuture(QtConcurrent::run([this, file, ingestId, overlapped, hook = beforeJournalCopy()]() -> QString {
        threads::lowerThisThread();
        QSqlDatabase db = database();
        const QString schema = QStringLiteral("scan_copy");
        QString error;
        if (!ScanStore::attach(db, *file, schema, &error))
            return error.isEmpty() ? QStringLiteral("cannot attach the scan") : error;
        if (overlapped) {
            PlanCounts counts;
            QString countError;
            std::optional<PlanCounts> counted;
            if (IngestPlanCursor::countFiles(db, schema, ingestId, &counts, &countError, IngestPlanCursor::Lookup::ScanOnly))
                counted = counts;   // else planAndUpload counts (and reports) itself
            QMetaObject::invokeMethod(this, [this, counted] { onScanCounted(counted); }, Qt::QueuedConnection);
        }
        if (hook)
            hook();
        IngestJournal journal;
        if (!journal.addScanFiles(ingestId, schema) || !journal.applyAnsweredShards(ingestId))
            error = journal.lastError();
        ScanStore::detach(db, schema);
        // The copy may leave a write-ahead log of up to a range: fold it into the database here
        // (with its fsync), or the GUI thread's next small journal write would do it (431 ms seen).
        QSqlQuery(db).exec(QStringLiteral("PRAGMA wal_checkpoint(PASSIVE)"));
        // The answered shards' sort and scratch table ran on this pool thread: its connection's
        // caches and its malloc arena keep what they freed (+2 MiB for the rest of a
        // million-file ingest, measured), unless given back here, as the walk does.
        QSqlQuery(db).exec(QStringLiteral("PRAGMA shrink_memory"));
#ifdef __GLIBC__
        malloc_trim(0);
#endif
        return error;
    }));
}

void IngestOperation::onScanCounted(const std::optional<PlanCounts> &counts)
{
    timeline::mark(QStringLiteral("ingest: scan counted"));
    if (isFinished() || m_cursor)
        return;
    m_scanCounts = counts;
    planAndUpload();   // a fresh ingest: no earlier run to check
}

void IngestOperation::onScanJournaled()
{
    timeline::mark(QStringLiteral("ingest: scan copied to the journal"));
    if (isFinished())
        return;
    m_answerBeforeCopy = false;   // (one answered meanwhile is written by the next state change)
    const QString error = m_journalCopy.result();
    if (!error.isEmpty()) {
        fail(Error(ErrorKind::Io, tr("Cannot write the ingest journal: %1").arg(error)));
        return;
    }
    if (!m_overlapped)
        checkEarlierRuns();   // (an overlapped ingest was planned when the scan was counted)
}

bool IngestOperation::attachScan()
{
    static std::atomic<int> counter{ 0 };
    const QString schema = QStringLiteral("scan_%1").arg(counter.fetch_add(1));
    QSqlDatabase db = database();
    QString error;
    if (!m_scanResult.file || !ScanStore::attach(db, *m_scanResult.file, schema, &error)) {
        fail(Error(ErrorKind::Io, tr("Cannot read the scan: %1").arg(error)));
        return false;
    }
    m_scanSchema = schema;
    return true;
}

void IngestOperation::detachScan()
{
    if (m_scanSchema.isEmpty())
        return;
    QSqlDatabase db = database();
    ScanStore::detach(db, m_scanSchema);
    m_scanSchema.clear();
}

QString IngestOperation::scannedName(const QString &path)
{
    QSqlQuery q(database());
    q.prepare(QStringLiteral("SELECT name FROM %1.files WHERE path = ?").arg(m_scanSchema));
    q.addBindValue(path);
    return q.exec() && q.next() ? q.value(0).toString() : QString();
}

bool IngestOperation::forEachScannedState(const std::function<bool(const ScannedState &)> &visit)
{
    return forEachScannedStateIn(database(), m_scanSchema, m_summary.ingestId, visit);
}

bool IngestOperation::forEachScannedStateIn(QSqlDatabase db, const QString &scanSchema, const QString &ingestId,
                                            const std::function<bool(const ScannedState &)> &visit,
                                            const QString &where, int limit)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT s.path, s.name, f.state, f.reason_code, f.reason FROM %1.files s"
                             " LEFT JOIN ingest_files f ON f.ingest_id = ? AND f.path = s.path%2 ORDER BY s.path LIMIT %3")
                  .arg(scanSchema, where.isEmpty() ? QString() : QStringLiteral(" WHERE ") + where)
                  .arg(limit));
    q.addBindValue(ingestId);
    if (!q.exec())
        return false;
    while (q.next()) {
        const ScannedState s{ q.value(0).toString(), q.value(1).toString(), q.value(2).toString(),
                              q.value(3).toString(), q.value(4).toString() };
        if (!visit(s))
            break;
    }
    return true;
}

IngestFileOutcome IngestOperation::failedOutcome(const ScannedState &s) const
{
    return failedOutcomeFor(s, m_finishError ? m_finishError.message : tr("not sent"));
}

IngestFileOutcome IngestOperation::failedOutcomeFor(const ScannedState &s, const QString &notSentReason)
{
    if (s.state == QLatin1String("failed") && !s.reasonCode.isEmpty())
        return { s.path, s.name, s.reasonCode, s.reason };
    return { s.path, s.name, QStringLiteral("not-sent"), notSentReason };
}

void IngestOperation::fail(const Error &error)
{
    if (m_summary.ingestId.isEmpty() || m_phase == Phase::Idle || m_phase == Phase::Scanning) {
        if (m_queue) {   // early shards in flight (overlapped scan): their files stay "sent"
            m_queue->disconnect(this);
            m_queue->cancel();
        }
        m_phase = Phase::Done;
        // Early shards' records may still be queued: the final state goes after them (this rare
        // path waits for that here).
        recordFinalState(error.kind == ErrorKind::Cancelled ? QStringLiteral("cancelled") : QStringLiteral("failed"),
                         [this, error] { emitResult(error); }, true);
        return;
    }
    finish(error);
}

void IngestOperation::doCancel()
{
    m_cancelling = true;
    if (m_finishing) {   // the summary passes are running: finish with their result now
        if (m_finishPasses.future().isValid() && !m_finishPasses.isFinished()) {
            m_finishPasses.waitForFinished();
            applyFinishPasses(m_finishPasses.result());
            completeFinish(Error(ErrorKind::Cancelled, tr("Cancelled")));
        }
        return;
    }
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
