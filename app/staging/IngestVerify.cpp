// IngestOperation, part two: before anything goes up, what earlier runs claim is checked with
// the disk and with the service. The journal only proves that we sent something once; the
// service may have lost it since (a batch expires after 7 days), may be another one (workspace,
// region, a fresh sandbox), and the file may have changed. See IngestOperation.h.
#include "staging/IngestOperation.h"

#include "api/ApiClient.h"

#include <QDateTime>

namespace bd::staging {

void IngestOperation::checkEarlierRuns()
{
    const QString &batchId = m_options.batchId;
    m_sentEarlier.clear();
    QStringList earlierPaths, sentPaths, changed;
    // Confirmed once (by any ingest into this batch on this target), and still on disk as then?
    // (size + mtime, a hash when racy). Streamed: the scan's files joined with the journal.
    m_journal.forEachConfirmedInScan(m_target, batchId, m_scanSchema, [&](const JournalFile &e) {
        if (compareWithDisk(e.path, e.fingerprint, e.size, e.mtime) == FileChange::Unchanged)
            earlierPaths << e.path;
        else
            changed << e.path;
        return true;
    });
    // What a killed run of this ingest had in flight: a few shards at most.
    const QHash<QString, JournalFile> inFlight = m_journal.filesInState(m_summary.ingestId, JournalFileState::Sent);
    for (auto m = inFlight.cbegin(); m != inFlight.cend(); ++m) {
        if (scannedName(m.key()).isEmpty() || m_journal.isConfirmedInBatch(m_target, batchId, m.key()))
            continue;   // not scanned this time, or the check above has it
        if (m->fingerprint.isValid() && compareWithDisk(m.key(), m->fingerprint) != FileChange::Unchanged) {
            changed << m.key();
            continue;
        }
        sentPaths << m.key();
        m_sentEarlier.insert(m.key(), *m);
    }
    sentPaths.sort();
    if (!changed.isEmpty()) {
        m_journal.forgetConfirmed(m_target, batchId, changed, tr("changed on disk since it was sent"));
        m_journal.setFileState(m_summary.ingestId, changed, JournalFileState::Planned);
        for (const QString &path : std::as_const(changed))
            sendAgain(path, QStringLiteral("changed"));
    }
    if (earlierPaths.isEmpty() && sentPaths.isEmpty()) {
        planAndUpload();
        return;
    }
    verifyWithService(earlierPaths, sentPaths);
}

void IngestOperation::sendAgain(const QString &path, const QString &reason)
{
    ++m_summary.sentAgainCount;
    if (reason == QLatin1String("changed"))
        ++m_summary.sentAgainChanged;
    if (m_summary.sentAgain.size() >= IngestSummary::kMaxListedUploads)
        return;
    QString detail;
    if (reason == QLatin1String("changed"))
        detail = tr("changed on disk since an earlier run sent it");
    else if (reason == QLatin1String("batch-gone"))
        detail = tr("the service has no such batch any more");
    else
        detail = tr("not in the batch on the service");
    m_summary.sentAgain.append({ path, scannedName(path), reason, detail });
}

void IngestOperation::verifyWithService(const QStringList &earlierPaths, const QStringList &sentPaths)
{
    setPhase(Phase::Verifying, tr("Checking with the service %n file(s) an earlier run sent", nullptr,
                                  int(earlierPaths.size() + sentPaths.size())));
    // Shards still indexing would hide their files from the listing: wait for them first.
    waitForShardsToSettle([this, earlierPaths, sentPaths] {
        listBatchNames([this, earlierPaths, sentPaths](const QSet<QString> &names, bool batchGone, const Error &error) {
            if (error) {
                fail(error);   // without the listing we could send a file twice: stop instead
                return;
            }
            applyListing(earlierPaths, sentPaths, names, batchGone);
        });
    });
}

void IngestOperation::applyListing(const QStringList &earlierPaths, const QStringList &sentPaths,
                                   const QSet<QString> &names, bool batchGone)
{
    auto listed = [&](const QString &path) { return names.contains(scannedName(path)); };
    QStringList present, missingEarlier, resend, waiting;
    for (const QString &path : earlierPaths)
        (listed(path) ? present : missingEarlier) << path;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    qint64 waitMs = 0;
    for (const QString &path : sentPaths) {
        if (listed(path)) {
            present << path;
            continue;
        }
        const JournalFile &f = m_sentEarlier[path];
        // A body that never fully left cannot have arrived: a storage host refuses a short
        // body. One that did may still be registered: wait, up to sentSettleMs after sending.
        const qint64 left = f.bodyLeft ? f.sentAtMs + m_options.sentSettleMs - now : 0;
        if (left > 0) {
            waiting << path;
            waitMs = qMax(waitMs, left);
        } else {
            resend << path;
        }
    }
    if (batchGone && !missingEarlier.isEmpty())
        m_summary.batchGone = true;
    m_journal.setFileState(m_summary.ingestId, present, JournalFileState::Confirmed);
    m_confirmedCount += int(present.size());
    if (!missingEarlier.isEmpty()) {
        m_journal.forgetConfirmed(m_target, m_options.batchId, missingEarlier,
                                  batchGone ? tr("the service has no such batch any more")
                                            : tr("not in the batch on the service"));
        m_journal.setFileState(m_summary.ingestId, missingEarlier, JournalFileState::Planned);
        for (const QString &path : std::as_const(missingEarlier))
            sendAgain(path, batchGone ? QStringLiteral("batch-gone") : QStringLiteral("not-on-service"));
    }
    m_journal.setFileState(m_summary.ingestId, resend, JournalFileState::Planned);
    m_summary.uploadedEarlier = m_confirmedCount;
    if (!waiting.isEmpty()) {
        setStatusText(tr("Waiting up to %1 s for %n file(s) an interrupted run had sent whole to show up on the service "
                         "before sending them again",
                         nullptr, int(waiting.size()))
                          .arg((waitMs + 999) / 1000));
        QTimer::singleShot(qMin<qint64>(m_options.sentRecheckMs, waitMs), this, [this, waiting] {
            if (!isFinished())
                verifyWithService({}, waiting);
        });
        return;
    }
    planAndUpload();
}

void IngestOperation::waitForShardsToSettle(std::function<void()> then)
{
    auto *call = m_api->listShards(m_options.batchId, 100);
    call->setMaxPages(0);
    connect(call, &api::ApiCall::finished, this, [this, call, then] {
        if (isFinished())
            return;
        bool busy = false;
        if (!call->error()) {
            for (const api::Shard &s : call->result())
                busy = busy || s.isInProgress();
        }
        const bool gaveUp = m_clock.elapsed() > m_options.indexTimeoutMs;
        if ((busy || (call->error() && call->error().kind != ErrorKind::NotFound)) && !gaveUp) {
            QTimer::singleShot(m_options.pollInitialMs, this, [this, then] { waitForShardsToSettle(then); });
            return;
        }
        then();
    });
}

void IngestOperation::listBatchNames(std::function<void(const QSet<QString> &, bool, const Error &)> then, int attempt)
{
    auto *call = m_api->listBatchFiles(m_options.batchId, QString(), 1000);
    call->setMaxPages(0);
    connect(call, &api::ApiCall::finished, this, [this, call, then, attempt] {
        if (isFinished())
            return;
        QSet<QString> names;
        const Error &error = call->error();
        if (error.kind == ErrorKind::NotFound) {
            then(names, true, {});
            return;
        }
        if (error) {
            // The client already retried what is transient; a bad page (malformed JSON) is
            // worth a few more tries before the whole ingest stops.
            if (attempt < m_options.maxPollErrors) {
                QTimer::singleShot(m_options.pollInitialMs * attempt, this,
                                   [this, then, attempt] { listBatchNames(then, attempt + 1); });
                return;
            }
            then(names, false, error);
            return;
        }
        for (const api::BatchFile &f : call->result())
            names.insert(f.fileName);
        then(names, false, {});
    });
}

}  // namespace bd::staging
