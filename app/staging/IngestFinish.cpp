// IngestOperation, its end: the journal's passes over the scan for the summary (off the GUI
// thread), the final state recorded, the outcome lists read back.
#include "staging/IngestOperation.h"
#include "core/ThreadPriority.h"

#include "api/ApiClient.h"
#include "staging/IngestResumeCheck.h"

#include "core/Database.h"
#include "core/Timeline.h"
#include "staging/ScanStore.h"

#include <QSqlQuery>
#include <QtConcurrent/QtConcurrentRun>

namespace bd::staging {

IngestFileOutcome IngestOperation::skippedOutcome(const SkippedFile &s)
{
    const QString text = skipReasonText(s.reason);
    return { s.path, QString(), skipReasonName(s.reason),
             s.detail.isEmpty() ? text : text + QStringLiteral(" (") + s.detail + QLatin1Char(')') };
}

void IngestOperation::finish(const Error &error)
{
    if (isFinished() || m_finishing)
        return;
    m_finishing = true;
    timeline::mark(QStringLiteral("ingest: finishing"));
    if (m_readiness)
        m_readiness->cancel();
    m_finishError = error;
    if (m_scanSchema.isEmpty() || !m_scanResult.file) {
        completeFinish(error);
        return;
    }
    const std::shared_ptr<ScanFile> file = m_scanResult.file;
    const QString ingestId = m_summary.ingestId;
    const QHash<QString, QString> serviceFailed = m_serviceFailed;
    const QString notSent = m_finishError ? m_finishError.message : tr("not sent");
    QFuture<QString> copy = m_journalCopy.future();   // its rows are what the passes read
    QFuture<bool> recorded = m_writer->drained();          // and every record of the upload
    if (m_cancelling) {   // the caller reports as soon as doCancel returns
        copy.waitForFinished();
        recorded.waitForFinished();
        applyFinishPasses(runFinishPasses(file, ingestId, serviceFailed, notSent));
        completeFinish(error);
        return;
    }
    connect(&m_finishPasses, &QFutureWatcher<FinishPasses>::finished, this, [this, error] {
        if (isFinished())
            return;
        applyFinishPasses(m_finishPasses.result());
        completeFinish(error);
    });
    m_finishPasses.setFuture(QtConcurrent::run([file, ingestId, serviceFailed, notSent, copy, recorded]() mutable {
        threads::lowerThisThread();
        copy.waitForFinished();
        recorded.waitForFinished();
        return runFinishPasses(file, ingestId, serviceFailed, notSent);
    }));
}

IngestOperation::FinishPasses IngestOperation::runFinishPasses(const std::shared_ptr<ScanFile> &file,
                                                               const QString &ingestId,
                                                               const QHash<QString, QString> &serviceFailed,
                                                               const QString &notSentReason)
{
    FinishPasses out;
    QSqlDatabase db = database();   // this thread's connection
    IngestJournal journal;
    journal.applyAnsweredShards(ingestId);   // (a run that stopped before its last state change)
    const QString schema = QStringLiteral("scan_finish");
    if (!ScanStore::attach(db, *file, schema, nullptr))
        return out;
    const SmallPageCache smallCache(db, { QStringLiteral("main"), schema });
    // The service's own verdicts move files from "uploaded" to "failed".
    if (!serviceFailed.isEmpty()) {
        QVector<QPair<QString, QString>> rejected;   // path, verdict
        forEachScannedStateIn(db, schema, ingestId, [&](const ScannedState &s) {
            const auto verdict = serviceFailed.constFind(s.name);
            if (verdict != serviceFailed.cend() && s.state == QLatin1String("confirmed"))
                rejected.append({ s.path, *verdict });
            return true;
        });
        for (const auto &r : std::as_const(rejected))
            journal.setFileFailed(ingestId, { r.first }, QStringLiteral("service-rejected"), r.second);
        out.rejected = int(rejected.size());
    }
    // Counts in full (one query), the first of each list by path (a row each: a million rows
    // through Qt's per-row cost was most of the end of a large ingest).
    const int cap = IngestSummary::kMaxListedUploads;
    QSqlQuery count(db);
    count.prepare(QStringLiteral("SELECT count(*), coalesce(sum(f.state = 'confirmed'), 0) FROM %1.files s"
                                 " LEFT JOIN ingest_files f ON f.ingest_id = ? AND f.path = s.path")
                      .arg(schema));
    count.addBindValue(ingestId);
    // IS, not =: "f.state = x" rejects the rows the LEFT JOIN adds, so SQLite may turn it into an
    // inner join and read the journal first, sorting every row for ORDER BY before the LIMIT
    // (a temporary B-tree of the whole scan: ~12 ms at 10k files). With IS the scan stays the
    // outer loop, read in path order, and the listing stops at the cap.
    const QString confirmed = QStringLiteral("f.state IS 'confirmed'");
    if (!count.exec() || !count.next()) {
        count.finish();
        ScanStore::detach(db, schema);
        return out;
    }
    out.uploadedCount = count.value(1).toInt();
    out.failedCount = count.value(0).toInt() - out.uploadedCount;
    count.finish();
    out.ok = forEachScannedStateIn(
                 db, schema, ingestId,
                 [&](const ScannedState &s) {
                     out.uploaded.append({ s.path, s.name, {}, {} });
                     return true;
                 },
                 confirmed, cap)
             // Nothing failed (the common end): no second walk of the whole scan to find none.
             && (out.failedCount == 0
                 || forEachScannedStateIn(
                     db, schema, ingestId,
                     [&](const ScannedState &s) {
                         out.failed.append(failedOutcomeFor(s, notSentReason));
                         return true;
                     },
                     QStringLiteral("f.state IS NOT 'confirmed'"), cap));
    ScanStore::detach(db, schema);
    return out;
}

void IngestOperation::applyFinishPasses(const FinishPasses &passes)
{
    m_confirmedCount -= passes.rejected;
    m_summary.uploaded = passes.uploaded;
    m_summary.failed = passes.failed;
    m_summary.uploadedCount = passes.uploadedCount;
    m_summary.failedCount = passes.failedCount;
    detachScan();
}

void IngestOperation::completeFinish(const Error &error)
{
    timeline::mark(QStringLiteral("ingest: summary passes done"));
    m_summary.elapsedMs = m_clock.isValid() ? m_clock.elapsed() : 0;
    const qint64 expected = m_summary.uploadedTotal();
    const int failed = m_summary.failedTotal();
    m_summary.ready = !error && failed == 0 && expected > 0
                      && (!m_options.waitForIndexing || m_lastCount >= expected);
    const bool complete = !error && failed == 0;
    const QString state = complete ? QStringLiteral("completed")
                          : error.kind == ErrorKind::Cancelled ? QStringLiteral("cancelled")
                                                               : QStringLiteral("failed");
    // Finished means recorded: whoever reads the journal next (a re-run) sees the outcome.
    recordFinalState(state, [this, error, failed] {
        timeline::mark(QStringLiteral("ingest: final state recorded"));
        setPhase(Phase::Done, m_summary.toText(0).section(QLatin1Char('\n'), 0, 0));
        if (error) {
            emitResult(error);
        } else if (failed > 0) {
            const IngestFileOutcome &first = m_summary.failed.first();
            emitResult(Error(ErrorKind::Server, tr("%n file(s) failed; the first, %1: %2", nullptr, failed)
                                                    .arg(first.path, first.detail)));
        } else {
            emitResult();
        }
    }, m_cancelling);
}

void IngestOperation::recordFinalState(const QString &state, std::function<void()> then, bool atOnce)
{
    // The lock goes after the last record: the next run reads a settled journal.
    if (!m_writer) {   // the journal never opened as far as the writer (no ingest id yet)
        if (!m_summary.ingestId.isEmpty())
            m_journal.setIngestState(m_summary.ingestId, state);
        m_lock.release();
        then();
        return;
    }
    record([id = m_summary.ingestId, state](IngestJournal &journal) { return journal.setIngestState(id, state); });
    if (atOnce) {
        m_writer->flush();
        m_lock.release();
        then();
        return;
    }
    whenRecorded([this, then = std::move(then)] {
        m_lock.release();
        if (!isFinished())   // (a cancel meanwhile has reported already)
            then();
    });
}

bool IngestOperation::forEachOutcome(OutcomeList list, const std::function<bool(const IngestFileOutcome &)> &visit)
{
    if (list == OutcomeList::Skipped) {
        if (!m_scanResult.file) {
            for (const IngestFileOutcome &o : std::as_const(m_summary.skipped))
                if (!visit(o))
                    break;
            return true;
        }
        ScanStore store(m_scanResult.file);
        return store.forEachSkipped([&](const SkippedFile &s) { return visit(skippedOutcome(s)); });
    }
    if (!m_scanResult.file)
        return false;
    const bool attached = m_scanSchema.isEmpty();
    if (attached) {
        QSqlDatabase db = database();
        m_scanSchema = QStringLiteral("scan_outcomes");
        if (!ScanStore::attach(db, *m_scanResult.file, m_scanSchema, nullptr)) {
            m_scanSchema.clear();
            return false;
        }
    }
    const bool ok = forEachScannedState([&](const ScannedState &s) {
        const bool uploaded = s.state == QLatin1String("confirmed");
        if (list == OutcomeList::Uploaded)
            return !uploaded || visit({ s.path, s.name, {}, {} });
        return uploaded || visit(failedOutcome(s));
    });
    if (attached)
        detachScan();
    return ok;
}

}  // namespace bd::staging
