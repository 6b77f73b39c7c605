// IngestOperation, part two: before anything goes up, what earlier runs claim is checked with
// the disk and with the service. The journal only proves that we sent something once; the
// service may have lost it since (a batch expires after 7 days), may be another one (workspace,
// region, a fresh sandbox), and the file may have changed. See IngestOperation.h.
//
// Flat memory at any size: the claims and the service's listing go into temporary tables of
// the journal's connection (IngestResumeCheck) - the listing a D5 page at a time as the pages
// arrive - and the verdicts are joins; only counts and the summary's capped samples stay in
// memory. (A million-file resume held them as string sets: 717 MiB.)
#include "staging/IngestOperation.h"

#include "api/ApiClient.h"
#include "staging/IngestResumeCheck.h"

#include <QDateTime>

namespace bd::staging {

// One listing of the batch (D5), a page per request: the names go into temp.resume_listed.
struct IngestOperation::ListingRun {
    std::function<void(bool batchGone, const Error &error)> then;
    QString pageToken;
    QSet<QString> seenTokens;   // one per page: a server that repeats one loops
    int pages = 0;
    int attempt = 1;
};

namespace {
constexpr int kListingPageSize = 1000;   // the most D5 gives (docs/protocol.md)
}

void IngestOperation::checkEarlierRuns()
{
    const QString &batchId = m_options.batchId;
    IngestResumeCheck check(m_summary.ingestId, m_target, batchId, m_scanSchema);
    auto failed = [&] {
        fail(Error(ErrorKind::Io, tr("Cannot check the ingest journal: %1").arg(check.lastError())));
    };
    if (!check.reset()) {
        failed();
        return;
    }
    bool written = true;
    // Confirmed once (by any ingest into this batch on this target), and still on disk as then?
    // (size + mtime, a hash when racy). Streamed: the scan's files joined with the journal.
    m_journal.forEachConfirmedInScan(m_target, batchId, m_scanSchema, [&](const JournalFile &e) {
        const bool same = compareWithDisk(e.path, e.fingerprint, e.size, e.mtime) == FileChange::Unchanged;
        written = check.add(e.path, same ? IngestResumeCheck::Claim::Earlier : IngestResumeCheck::Claim::Changed);
        return written;
    });
    // What a killed run of this ingest had in flight: a few shards at most.
    const QHash<QString, JournalFile> inFlight = m_journal.filesInState(m_summary.ingestId, JournalFileState::Sent);
    for (auto m = inFlight.cbegin(); written && m != inFlight.cend(); ++m) {
        if (scannedName(m.key()).isEmpty() || m_journal.isConfirmedInBatch(m_target, batchId, m.key()))
            continue;   // not scanned this time, or the check above has it
        if (m->fingerprint.isValid() && compareWithDisk(m.key(), m->fingerprint) != FileChange::Unchanged)
            written = check.add(m.key(), IngestResumeCheck::Claim::Changed);
        else
            written = check.add(m.key(), IngestResumeCheck::Claim::Sent, m->sentAtMs, m->bodyLeft);
    }
    if (!written || !check.resolveChanged(tr("changed on disk since it was sent"),
                                          [this](const QString &path) { sendAgain(path, QStringLiteral("changed")); })) {
        failed();
        return;
    }
    const qint64 toVerify = check.count({ IngestResumeCheck::Claim::Earlier, IngestResumeCheck::Claim::Sent });
    if (toVerify < 0) {
        failed();
        return;
    }
    if (toVerify == 0) {
        planAndUpload();
        return;
    }
    verifyWithService();
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

void IngestOperation::verifyWithService()
{
    IngestResumeCheck check(m_summary.ingestId, m_target, m_options.batchId, m_scanSchema);
    const qint64 claims = check.count({ IngestResumeCheck::Claim::Earlier, IngestResumeCheck::Claim::Sent });
    setPhase(Phase::Verifying, tr("Checking with the service %n file(s) an earlier run sent", nullptr, int(qMax<qint64>(0, claims))));
    // Shards still indexing would hide their files from the listing: wait for them first.
    waitForShardsToSettle([this] {
        listBatchNames([this](bool batchGone, const Error &error) {
            if (error) {
                fail(error);   // without the listing we could send a file twice: stop instead
                return;
            }
            applyListing(batchGone);
        });
    });
}

void IngestOperation::applyListing(bool batchGone)
{
    IngestResumeCheck check(m_summary.ingestId, m_target, m_options.batchId, m_scanSchema);
    const QString reason = batchGone ? tr("the service has no such batch any more") : tr("not in the batch on the service");
    const QString why = batchGone ? QStringLiteral("batch-gone") : QStringLiteral("not-on-service");
    IngestResumeCheck::Verdict verdict;
    const bool ok = check.applyListing(QDateTime::currentMSecsSinceEpoch(), m_options.sentSettleMs, reason,
                                       [&](const QString &path) { sendAgain(path, why); }, &verdict);
    if (!ok) {
        fail(Error(ErrorKind::Io, tr("Cannot check the ingest journal: %1").arg(check.lastError())));
        return;
    }
    if (batchGone && verdict.missingEarlierCount > 0)
        m_summary.batchGone = true;
    m_confirmedCount += int(verdict.presentCount);
    m_summary.uploadedEarlier = m_confirmedCount;
    if (verdict.waitingCount > 0) {
        // A body that never fully left cannot have arrived: a storage host refuses a short
        // body. One that did may still be registered: wait, up to sentSettleMs after sending.
        setStatusText(tr("Waiting up to %1 s for %n file(s) an interrupted run had sent whole to show up on the service "
                         "before sending them again",
                         nullptr, int(verdict.waitingCount))
                          .arg((verdict.waitMs + 999) / 1000));
        QTimer::singleShot(qMin<qint64>(m_options.sentRecheckMs, verdict.waitMs), this, [this] {
            if (!isFinished())
                verifyWithService();   // only what is waited for is left to check
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

void IngestOperation::listBatchNames(std::function<void(bool, const Error &)> then)
{
    IngestResumeCheck check(m_summary.ingestId, m_target, m_options.batchId, m_scanSchema);
    if (!check.clearListing()) {
        then(false, Error(ErrorKind::Io, tr("Cannot check the ingest journal: %1").arg(check.lastError())));
        return;
    }
    auto run = std::make_shared<ListingRun>();
    run->then = std::move(then);
    listBatchPage(run);
}

void IngestOperation::listBatchPage(std::shared_ptr<ListingRun> run)
{
    auto *call = m_api->listBatchFiles(m_options.batchId, QString(), kListingPageSize, run->pageToken);
    connect(call, &api::ApiCall::finished, this, [this, call, run] {
        if (isFinished())
            return;
        IngestResumeCheck check(m_summary.ingestId, m_target, m_options.batchId, m_scanSchema);
        const Error &error = call->error();
        if (error.kind == ErrorKind::NotFound) {
            check.clearListing();   // pages listed before it went: the batch is gone all the same
            run->then(true, {});
            return;
        }
        if (error) {
            // The client already retried what is transient; a bad page (malformed JSON) is
            // worth a few more tries before the whole ingest stops.
            if (run->attempt < m_options.maxPollErrors) {
                QTimer::singleShot(m_options.pollInitialMs * run->attempt, this, [this, run] {
                    ++run->attempt;
                    if (!isFinished())
                        listBatchPage(run);
                });
                return;
            }
            run->then(false, error);
            return;
        }
        QStringList names;
        names.reserve(call->result().size());
        for (const api::BatchFile &f : call->result())
            names << f.fileName;
        if (!check.addListedNames(names)) {
            run->then(false, Error(ErrorKind::Io, tr("Cannot check the ingest journal: %1").arg(check.lastError())));
            return;
        }
        ++run->pages;
        const std::optional<QString> next = call->nextPageToken();
        if (!next) {
            run->then(false, {});
            return;
        }
        // The checks PagedCall makes within one call, across our one-page calls.
        if (next->isEmpty() || run->seenTokens.contains(*next) || run->pages >= api::PagedCall::kDefaultPageCap) {
            run->then(false, Error(ErrorKind::BadResponse,
                                   tr("The service's listing of batch %1 does not end (page %2)").arg(m_options.batchId).arg(run->pages)));
            return;
        }
        run->seenTokens.insert(*next);
        run->pageToken = *next;
        listBatchPage(run);
    });
}

}  // namespace bd::staging
