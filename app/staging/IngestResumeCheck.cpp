#include "staging/IngestResumeCheck.h"

#include "core/Database.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

namespace bd::staging {

namespace {
// Rows written before the journal knew its service have an empty target and match any (as in
// IngestJournal).
const char kTargetMatch[] = "((api_base_url = ? AND workspace = ?) OR api_base_url = '')";

QString notNull(const QString &text)
{
    return text.isNull() ? QString(QLatin1String("")) : text;
}
}  // namespace

IngestResumeCheck::IngestResumeCheck(QString ingestId, IngestTarget target, QString batchId, QString scanSchema)
    : m_ingestId(std::move(ingestId)), m_target(std::move(target)), m_batchId(std::move(batchId)),
      m_scanSchema(std::move(scanSchema))
{
}

IngestResumeCheck::~IngestResumeCheck()
{
    flush();
}

bool IngestResumeCheck::fail(const QString &text)
{
    m_lastError = text;
    return false;
}

bool IngestResumeCheck::exec(const QString &sql, const QVariantList &values)
{
    QSqlQuery q(database());
    if (!q.prepare(sql))
        return fail(q.lastError().text());
    for (const QVariant &v : values)
        q.addBindValue(v);
    return q.exec() || fail(q.lastError().text());
}

bool IngestResumeCheck::createTables()
{
    // WITHOUT ROWID: the key is the row, a million paths are stored once. The temporary schema
    // has its own page cache, which grows to cache_size like any schema's: kept small (256 KiB),
    // as the joins walk these tables in key order.
    return exec(QStringLiteral("PRAGMA temp.cache_size=-256"))
           && exec(QStringLiteral("CREATE TEMP TABLE IF NOT EXISTS resume_claims (path TEXT PRIMARY KEY, kind INTEGER NOT NULL,"
                                  " sent_at_ms INTEGER NOT NULL, body_left INTEGER NOT NULL) WITHOUT ROWID"))
           && exec(QStringLiteral("CREATE TEMP TABLE IF NOT EXISTS resume_listed (name TEXT PRIMARY KEY) WITHOUT ROWID"));
}

bool IngestResumeCheck::reset()
{
    m_pending.clear();
    return createTables() && exec(QStringLiteral("DELETE FROM temp.resume_claims"))
           && exec(QStringLiteral("DELETE FROM temp.resume_listed"));
}

bool IngestResumeCheck::add(const QString &path, Claim kind, qint64 sentAtMs, bool bodyLeft)
{
    m_pending.append({ path, int(kind), sentAtMs, bodyLeft });
    return m_pending.size() < kBatchRows || flush();
}

bool IngestResumeCheck::flush()
{
    if (m_pending.isEmpty())
        return true;
    QSqlDatabase db = database();
    if (!db.transaction())
        return fail(db.lastError().text());
    QSqlQuery q(db);
    q.prepare(QStringLiteral("INSERT OR IGNORE INTO temp.resume_claims (path, kind, sent_at_ms, body_left) VALUES (?,?,?,?)"));
    for (const Row &r : std::as_const(m_pending)) {
        q.bindValue(0, r.path);
        q.bindValue(1, r.kind);
        q.bindValue(2, r.sentAtMs);
        q.bindValue(3, r.bodyLeft ? 1 : 0);
        if (!q.exec()) {
            fail(q.lastError().text());
            db.rollback();
            return false;
        }
    }
    m_pending.clear();
    return db.commit() || fail(db.lastError().text());
}

qint64 IngestResumeCheck::count(std::initializer_list<Claim> kinds)
{
    if (!flush())
        return -1;
    QStringList in;
    for (const Claim k : kinds)
        in << QString::number(int(k));
    QSqlQuery q(database());
    if (!q.exec(QStringLiteral("SELECT COUNT(*) FROM temp.resume_claims WHERE kind IN (%1)").arg(in.join(QLatin1Char(','))))
        || !q.next()) {
        fail(q.lastError().text());
        return -1;
    }
    return q.value(0).toLongLong();
}

bool IngestResumeCheck::resolveChanged(const QString &reason, const std::function<void(const QString &)> &visit)
{
    if (!flush())
        return false;
    const QString changed = QStringLiteral("SELECT path FROM temp.resume_claims WHERE kind = 2");
    {
        QSqlQuery q(database());
        q.setForwardOnly(true);
        if (!q.exec(changed + QStringLiteral(" ORDER BY path")))
            return fail(q.lastError().text());
        while (q.next())
            visit(q.value(0).toString());
    }
    QSqlDatabase db = database();
    if (!db.transaction())
        return fail(db.lastError().text());
    const bool ok =
        exec(QStringLiteral("UPDATE ingest_files SET state = 'failed', reason = ? WHERE batch_id = ? AND state = 'confirmed'"
                            " AND ingest_id IN (SELECT ingest_id FROM ingests WHERE %1) AND path IN (%2)")
                 .arg(QLatin1String(kTargetMatch), changed),
             { reason, m_batchId, notNull(m_target.apiBaseUrl), notNull(m_target.workspace) })
        && exec(QStringLiteral("UPDATE ingest_files SET state = 'planned', reason = NULL WHERE ingest_id = ? AND path IN (%1)")
                    .arg(changed),
                { m_ingestId })
        && exec(QStringLiteral("DELETE FROM temp.resume_claims WHERE kind = 2"));
    if (!ok) {
        db.rollback();
        return false;
    }
    return db.commit() || fail(db.lastError().text());
}

bool IngestResumeCheck::clearListing()
{
    return createTables() && exec(QStringLiteral("DELETE FROM temp.resume_listed"));
}

bool IngestResumeCheck::addListedNames(const QStringList &names)
{
    QSqlDatabase db = database();
    if (!db.transaction())
        return fail(db.lastError().text());
    QSqlQuery q(db);
    q.prepare(QStringLiteral("INSERT OR IGNORE INTO temp.resume_listed (name) VALUES (?)"));
    for (const QString &name : names) {
        q.bindValue(0, name);
        if (!q.exec()) {
            fail(q.lastError().text());
            db.rollback();
            return false;
        }
    }
    return db.commit() || fail(db.lastError().text());
}

bool IngestResumeCheck::applyListing(qint64 nowMs, qint64 sentSettleMs, const QString &missingReason,
                                     const std::function<void(const QString &)> &visitMissingEarlier, Verdict *verdict)
{
    if (!flush())
        return false;
    *verdict = {};
    const QString claims = QStringLiteral("SELECT c.path FROM temp.resume_claims c JOIN %1.files s ON s.path = c.path WHERE ")
                               .arg(m_scanSchema);
    const QString listed = QStringLiteral("s.name IN (SELECT name FROM temp.resume_listed)");
    const QString present = claims + listed;
    const QString missingEarlier = claims + QStringLiteral("c.kind = 0 AND NOT ") + listed;
    // A Sent claim whose whole body left is waited for until sent_at_ms + settle.
    const QString stillSettling = QStringLiteral("c.body_left = 1 AND c.sent_at_ms + %1 > %2").arg(sentSettleMs).arg(nowMs);
    const QString resend = claims + QStringLiteral("c.kind = 1 AND NOT ") + listed + QStringLiteral(" AND NOT (")
                           + stillSettling + QLatin1Char(')');
    const QString waiting = claims + QStringLiteral("c.kind = 1 AND NOT ") + listed + QStringLiteral(" AND ") + stillSettling;

    QSqlDatabase db = database();
    {
        QSqlQuery q(db);
        q.setForwardOnly(true);
        if (!q.exec(QStringLiteral("SELECT COUNT(*) FROM (%1)").arg(present)) || !q.next())
            return fail(q.lastError().text());
        verdict->presentCount = q.value(0).toLongLong();
        if (!q.exec(QStringLiteral("SELECT COUNT(*), COALESCE(MAX(c.sent_at_ms + %1 - %2), 0) FROM temp.resume_claims c"
                                   " JOIN %3.files s ON s.path = c.path WHERE c.kind = 1 AND NOT %4 AND %5")
                        .arg(sentSettleMs)
                        .arg(nowMs)
                        .arg(m_scanSchema, listed, stillSettling))
            || !q.next())
            return fail(q.lastError().text());
        verdict->waitingCount = q.value(0).toLongLong();
        verdict->waitMs = q.value(1).toLongLong();
        if (!q.exec(missingEarlier + QStringLiteral(" ORDER BY c.path")))
            return fail(q.lastError().text());
        while (q.next()) {
            ++verdict->missingEarlierCount;
            visitMissingEarlier(q.value(0).toString());
        }
    }
    if (!db.transaction())
        return fail(db.lastError().text());
    const bool ok =
        exec(QStringLiteral("UPDATE ingest_files SET state = 'confirmed', reason = NULL WHERE ingest_id = ? AND path IN (%1)")
                 .arg(present),
             { m_ingestId })
        && exec(QStringLiteral("UPDATE ingest_files SET state = 'failed', reason = ? WHERE batch_id = ? AND state = 'confirmed'"
                               " AND ingest_id IN (SELECT ingest_id FROM ingests WHERE %1) AND path IN (%2)")
                    .arg(QLatin1String(kTargetMatch), missingEarlier),
                { missingReason, m_batchId, notNull(m_target.apiBaseUrl), notNull(m_target.workspace) })
        && exec(QStringLiteral("UPDATE ingest_files SET state = 'planned', reason = NULL WHERE ingest_id = ? AND path IN (%1)")
                    .arg(missingEarlier),
                { m_ingestId })
        && exec(QStringLiteral("UPDATE ingest_files SET state = 'planned', reason = NULL WHERE ingest_id = ? AND path IN (%1)")
                    .arg(resend),
                { m_ingestId })
        && exec(QStringLiteral("DELETE FROM temp.resume_claims WHERE path NOT IN (%1)").arg(waiting));
    if (!ok) {
        db.rollback();
        return false;
    }
    return db.commit() || fail(db.lastError().text());
}

bool IngestResumeCheck::forEachConfirmedUnlisted(const std::function<void(const QString &)> &visit)
{
    QSqlQuery q(database());
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT s.name FROM ingest_files f JOIN %1.files s ON s.path = f.path WHERE f.ingest_id = ?"
                             " AND f.state = 'confirmed' AND s.name NOT IN (SELECT name FROM temp.resume_listed)")
                  .arg(m_scanSchema));
    q.addBindValue(m_ingestId);
    if (!q.exec())
        return fail(q.lastError().text());
    while (q.next())
        visit(q.value(0).toString());
    return true;
}

}  // namespace bd::staging
