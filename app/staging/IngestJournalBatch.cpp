// IngestJournal, the batch side: what a batch already holds across every ingest into it (the
// confirmed files of the resume check, the "anything sent?" test before an overlapped ingest).
// These look up the confirmed of a batch through the partial index ingest_files_confirmed
// (schema migration 5).
#include "staging/IngestJournal.h"

#include "core/Database.h"
#include "staging/IngestJournalSql.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

namespace bd::staging {

using namespace journalsql;

bool IngestJournal::forEachConfirmedInScan(const IngestTarget &target, const QString &batchId, const QString &scanSchema,
                                           const std::function<bool(const JournalFile &)> &visit)
{
    if (!ensureSchema())
        return false;
    QSqlQuery q(database());
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT f.path, f.batch_name, f.size, f.mtime, f.state, f.reason, f.mtime_ns,"
                             " f.fingerprint_at_ns, f.sha256, f.sent_at_ms, f.body_left, f.ingest_id"
                             " FROM ingest_files f JOIN %1.files s ON s.path = f.path"
                             " WHERE f.batch_id = ? AND f.state = 'confirmed' AND f.ingest_id IN"
                             " (SELECT ingest_id FROM ingests WHERE %2)"
                             " ORDER BY f.path, COALESCE(f.sent_at_ms, 0) DESC")
                  .arg(scanSchema, QLatin1String(kTargetMatch)));
    q.addBindValue(batchId);
    q.addBindValue(notNull(target.apiBaseUrl));
    q.addBindValue(notNull(target.workspace));
    if (!q.exec()) {
        m_lastError = q.lastError().text();
        return false;
    }
    QString last;
    bool first = true;
    while (q.next()) {
        JournalFile f = fileFromQuery(q);
        if (!first && f.path == last)
            continue;   // an older row of the same path
        first = false;
        last = f.path;
        if (!visit(f))
            break;
    }
    return true;
}

bool IngestJournal::isConfirmedInBatch(const IngestTarget &target, const QString &batchId, const QString &path)
{
    if (!ensureSchema())
        return false;
    QSqlQuery q(database());
    q.prepare(QLatin1String("SELECT 1 FROM ingest_files WHERE batch_id = ? AND path = ? AND state = 'confirmed' AND"
                            " ingest_id IN (SELECT ingest_id FROM ingests WHERE ")
              + QLatin1String(kTargetMatch) + QLatin1String(") LIMIT 1"));
    q.addBindValue(batchId);
    q.addBindValue(path);
    q.addBindValue(notNull(target.apiBaseUrl));
    q.addBindValue(notNull(target.workspace));
    return q.exec() && q.next();
}

QSet<QString> IngestJournal::confirmedPaths(const QString &batchId)
{
    QSet<QString> out;
    if (!ensureSchema())
        return out;
    QSqlQuery q(database());
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT path FROM ingest_files WHERE batch_id = ? AND state = 'confirmed'"));
    q.addBindValue(batchId);
    if (!q.exec())
        return out;
    while (q.next())
        out.insert(q.value(0).toString());
    return out;
}

bool IngestJournal::batchHasSentOrConfirmed(const QString &batchId)
{
    if (!ensureSchema())
        return true;
    // Three lookups: the confirmed through the batch's partial index (schema migration 5), the
    // sent files and the shards in flight through the ingests of the batch (a fresh batch has none).
    QSqlQuery q(database());
    q.prepare(QStringLiteral("SELECT EXISTS (SELECT 1 FROM ingest_files WHERE batch_id = ? AND state = 'confirmed')"
                             " OR EXISTS (SELECT 1 FROM ingests i JOIN ingest_files f ON f.ingest_id = i.ingest_id"
                             " WHERE i.batch_id = ? AND f.batch_id = ? AND f.state = 'sent')"
                             " OR EXISTS (SELECT 1 FROM ingests i JOIN ingest_shards s ON s.ingest_id = i.ingest_id"
                             " WHERE i.batch_id = ? AND s.state = 'sent' AND s.files IS NOT NULL)"));
    for (int i = 0; i < 4; ++i)
        q.addBindValue(batchId);
    if (!q.exec() || !q.next()) {
        m_lastError = q.lastError().text();
        return true;
    }
    return q.value(0).toInt() != 0;
}

QHash<QString, JournalFile> IngestJournal::confirmedFiles(const IngestTarget &target, const QString &batchId)
{
    QHash<QString, JournalFile> out;
    if (!ensureSchema())
        return out;
    QSqlQuery q(database());
    q.setForwardOnly(true);
    q.prepare(QLatin1String(kFileColumns)
              + QLatin1String("FROM ingest_files WHERE batch_id = ? AND state = 'confirmed' AND ingest_id IN"
                              " (SELECT ingest_id FROM ingests WHERE ")
              + QLatin1String(kTargetMatch) + QLatin1String(") ORDER BY COALESCE(sent_at_ms, 0)"));
    q.addBindValue(batchId);
    q.addBindValue(notNull(target.apiBaseUrl));
    q.addBindValue(notNull(target.workspace));
    if (!q.exec()) {
        m_lastError = q.lastError().text();
        return out;
    }
    while (q.next()) {
        JournalFile f = fileFromQuery(q);
        out.insert(f.path, std::move(f));   // ordered by sending time: the latest row wins
    }
    return out;
}

bool IngestJournal::forgetConfirmed(const IngestTarget &target, const QString &batchId, const QStringList &paths,
                                    const QString &reason)
{
    if (!ensureSchema())
        return false;
    QSqlDatabase db = database();
    Transaction tx(db, m_inBatch);
    QSqlQuery q(db);
    q.prepare(QLatin1String("UPDATE ingest_files SET state = 'failed', reason = ? WHERE batch_id = ? AND path = ?"
                            " AND state = 'confirmed' AND ingest_id IN (SELECT ingest_id FROM ingests WHERE ")
              + QLatin1String(kTargetMatch) + QLatin1String(")"));
    for (const QString &path : paths) {
        q.bindValue(0, reason);
        q.bindValue(1, batchId);
        q.bindValue(2, path);
        q.bindValue(3, notNull(target.apiBaseUrl));
        q.bindValue(4, notNull(target.workspace));
        if (!q.exec()) {
            m_lastError = q.lastError().text();
            return false;
        }
    }
    return tx.commit();
}

}  // namespace bd::staging
