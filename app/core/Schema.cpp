#include "core/Schema.h"

#include <QDateTime>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

namespace bd {

namespace {
// Migration 1: exactly the CREATE statements the domains ran themselves before this schema
// (app/staging/IngestJournal.cpp, app/exports/ExportJournal.cpp, app/notify/WebhookStore.cpp,
// app/jobs/JobMonitor.cpp), so existing databases gain only what they lack.
QStringList initialLayout()
{
    return {
        // staging: the ingest journal
        QStringLiteral("CREATE TABLE IF NOT EXISTS ingests ("
                       " ingest_id TEXT PRIMARY KEY, batch_id TEXT NOT NULL, display_name TEXT,"
                       " sources TEXT NOT NULL, media TEXT, options TEXT, method TEXT, state TEXT NOT NULL,"
                       " created_at INTEGER, updated_at INTEGER)"),
        QStringLiteral("CREATE INDEX IF NOT EXISTS ingests_batch ON ingests(batch_id)"),
        QStringLiteral("CREATE TABLE IF NOT EXISTS ingest_files ("
                       " ingest_id TEXT NOT NULL, path TEXT NOT NULL, batch_id TEXT NOT NULL, batch_name TEXT,"
                       " size INTEGER, mtime INTEGER, state TEXT NOT NULL, reason TEXT,"
                       " PRIMARY KEY (ingest_id, path))"),
        QStringLiteral("CREATE INDEX IF NOT EXISTS ingest_files_batch ON ingest_files(batch_id, state)"),
        QStringLiteral("CREATE TABLE IF NOT EXISTS ingest_shards ("
                       " ingest_id TEXT NOT NULL, shard_index INTEGER NOT NULL, members TEXT, state TEXT,"
                       " PRIMARY KEY (ingest_id, shard_index))"),
        // exports: the export journal
        QStringLiteral("CREATE TABLE IF NOT EXISTS exports ("
                       " id INTEGER PRIMARY KEY AUTOINCREMENT,"
                       " batch_id TEXT NOT NULL,"
                       " target_dir TEXT NOT NULL,"
                       " created_at TEXT NOT NULL,"
                       " updated_at TEXT NOT NULL,"
                       " state TEXT NOT NULL)"),
        QStringLiteral("CREATE TABLE IF NOT EXISTS export_files ("
                       " export_id INTEGER NOT NULL REFERENCES exports(id) ON DELETE CASCADE,"
                       " file_key TEXT NOT NULL,"
                       " part_name TEXT,"
                       " file_name TEXT NOT NULL,"
                       " size_expected INTEGER,"
                       " bytes_done INTEGER NOT NULL DEFAULT 0,"
                       " state TEXT NOT NULL,"
                       " error_text TEXT,"
                       " updated_at TEXT NOT NULL,"
                       " PRIMARY KEY (export_id, file_key))"),
        QStringLiteral("CREATE INDEX IF NOT EXISTS exports_by_batch ON exports(batch_id, target_dir)"),
        // notify: webhook history
        QStringLiteral("CREATE TABLE IF NOT EXISTS webhook_events ("
                       " event_id TEXT PRIMARY KEY,"
                       " kind TEXT NOT NULL,"
                       " type TEXT,"
                       " received_at TEXT NOT NULL,"
                       " delivery_attempt INTEGER,"
                       " job_id TEXT, job_state TEXT,"
                       " ingest_id TEXT, batch_id TEXT, shard_id TEXT,"
                       " success INTEGER,"
                       " payload TEXT NOT NULL)"),
        QStringLiteral("CREATE INDEX IF NOT EXISTS webhook_events_received"
                       " ON webhook_events(received_at)"),
        // jobs: watched jobs
        QStringLiteral("CREATE TABLE IF NOT EXISTS watched_jobs ("
                       " job_id TEXT PRIMARY KEY,"
                       " added_at TEXT NOT NULL,"
                       " finished INTEGER NOT NULL DEFAULT 0,"
                       " success INTEGER NOT NULL DEFAULT 0)"),
    };
}

QVector<Migration> buildMigrations()
{
    QVector<Migration> list;
    list.append({ 1, QStringLiteral("core"), QStringLiteral("the layout of every domain before the schema"),
                  initialLayout() });
    list.append({ 2, QStringLiteral("staging"),
                  QStringLiteral("ingest journal: the service and workspace of each ingest, a fingerprint per file, "
                                 "when each file and shard was sent and whether its body fully left"),
                  {
                      QStringLiteral("ALTER TABLE ingests ADD COLUMN api_base_url TEXT NOT NULL DEFAULT ''"),
                      QStringLiteral("ALTER TABLE ingests ADD COLUMN workspace TEXT NOT NULL DEFAULT ''"),
                      QStringLiteral("CREATE INDEX IF NOT EXISTS ingests_target ON ingests(api_base_url, workspace, batch_id)"),
                      QStringLiteral("ALTER TABLE ingest_files ADD COLUMN mtime_ns INTEGER"),
                      QStringLiteral("ALTER TABLE ingest_files ADD COLUMN fingerprint_at_ns INTEGER"),
                      QStringLiteral("ALTER TABLE ingest_files ADD COLUMN sha256 TEXT"),
                      QStringLiteral("ALTER TABLE ingest_files ADD COLUMN sent_at_ms INTEGER"),
                      QStringLiteral("ALTER TABLE ingest_files ADD COLUMN body_left INTEGER NOT NULL DEFAULT 0"),
                  } });
    list.append({ 3, QStringLiteral("jobs"),
                  QStringLiteral("Asset Library jobs: the idempotency key of each create request, journalled before "
                                 "the first attempt"),
                  {
                      QStringLiteral("CREATE TABLE IF NOT EXISTS asset_library_requests ("
                                     " service TEXT NOT NULL,"       // the API base URL (no query, no user info)
                                     " workspace TEXT NOT NULL,"
                                     " fingerprint TEXT NOT NULL,"   // SHA-256 of the A1 body without its key
                                     " idempotency_key TEXT NOT NULL,"
                                     " job_id TEXT,"                 // NULL until the service answered
                                     " created_at TEXT NOT NULL,"
                                     " PRIMARY KEY (service, workspace, idempotency_key))"),
                  } });
    list.append({ 4, QStringLiteral("staging"),
                  QStringLiteral("ingest journal: the machine reason of a file that failed in the current run (the "
                                 "summary's failed list is read from the journal, not kept in memory)"),
                  {
                      QStringLiteral("ALTER TABLE ingest_files ADD COLUMN reason_code TEXT"),
                  } });
    list.append({ 5, QStringLiteral("staging"),
                  QStringLiteral("ingest journal: the batch index holds confirmed files only (every state change of "
                                 "every file rewrote its entry in the old (batch_id, state) index; only the confirmed "
                                 "are looked up by batch)"),
                  {
                      QStringLiteral("DROP INDEX IF EXISTS ingest_files_batch"),
                      QStringLiteral("CREATE INDEX IF NOT EXISTS ingest_files_confirmed ON ingest_files(batch_id, path)"
                                     " WHERE state = 'confirmed'"),
                  } });
    list.append({ 6, QStringLiteral("staging"),
                  QStringLiteral("ingest journal: a shard in flight is recorded on its own row (its members' paths and "
                                 "fingerprints, when it was sent, whether its body left) instead of on every member's "
                                 "row twice before the answer"),
                  {
                      QStringLiteral("ALTER TABLE ingest_shards ADD COLUMN files TEXT"),
                      QStringLiteral("ALTER TABLE ingest_shards ADD COLUMN sent_at_ms INTEGER"),
                      QStringLiteral("ALTER TABLE ingest_shards ADD COLUMN body_left INTEGER NOT NULL DEFAULT 0"),
                  } });
    list.append({ 7, QStringLiteral("staging"),
                  QStringLiteral("ingest journal: the members of a shard the service answered before the scan's copy "
                                 "reached the journal are appended here and written onto their rows later, in path "
                                 "order (an early shard's members come in the walk's order)"),
                  {
                      QStringLiteral("CREATE TABLE IF NOT EXISTS ingest_answered (ingest_id TEXT NOT NULL,"
                                     " batch_id TEXT NOT NULL, state TEXT NOT NULL, sent_at_ms INTEGER,"
                                     " body_left INTEGER NOT NULL DEFAULT 0, path TEXT NOT NULL, batch_name TEXT,"
                                     " size INTEGER, mtime INTEGER, mtime_ns INTEGER, fingerprint_at_ns INTEGER,"
                                     " sha256 TEXT)"),
                  } });
    for (int i = 0; i < list.size(); ++i)
        Q_ASSERT(list.at(i).version == i + 1);
    return list;
}

bool exec(QSqlQuery &q, const QString &sql, QString *errorText)
{
    if (q.exec(sql))
        return true;
    if (errorText)
        *errorText = q.lastError().text() + QStringLiteral(" in: ") + sql;
    return false;
}
}  // namespace

const QVector<Migration> &schemaMigrations()
{
    static const QVector<Migration> list = buildMigrations();
    return list;
}

int latestSchemaVersion()
{
    return int(schemaMigrations().size());
}

int schemaVersion(QSqlDatabase &db)
{
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"))
        || !q.next())
        return -1;
    if (q.value(0).toInt() == 0)
        return 0;
    if (!q.exec(QStringLiteral("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")) || !q.next())
        return -1;
    return q.value(0).toInt();
}

bool migrateSchema(QSqlDatabase &db, QString *errorText)
{
    int current = schemaVersion(db);
    if (current < 0) {
        if (errorText)
            *errorText = QStringLiteral("cannot read the schema version: %1").arg(db.lastError().text());
        return false;
    }
    const int latest = latestSchemaVersion();
    if (current > latest) {
        if (errorText)
            *errorText = QStringLiteral("it was written by a newer Batchdeck (schema %1; this build knows up to %2)")
                             .arg(current)
                             .arg(latest);
        return false;
    }
    QSqlQuery q(db);
    while (current < latest) {
        // IMMEDIATE: take the write lock first, then re-read the version, so a second process
        // migrating at the same moment waits and then finds the work done.
        if (!exec(q, QStringLiteral("BEGIN IMMEDIATE"), errorText))
            return false;
        const int seen = schemaVersion(db);
        bool ok = seen >= 0
                  && exec(q, QStringLiteral("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
                                            " domain TEXT NOT NULL, description TEXT, applied_at TEXT NOT NULL)"),
                          errorText);
        if (ok && seen > current) {
            current = seen;   // another process got there first
            ok = exec(q, QStringLiteral("COMMIT"), errorText);
            if (!ok) {
                q.exec(QStringLiteral("ROLLBACK"));
                return false;
            }
            continue;
        }
        const Migration &m = schemaMigrations().at(current);
        for (const QString &statement : m.statements) {
            if (!ok)
                break;
            ok = exec(q, statement, errorText);
        }
        if (ok) {
            q.prepare(QStringLiteral("INSERT INTO schema_migrations (version, domain, description, applied_at)"
                                     " VALUES (?,?,?,?)"));
            q.addBindValue(m.version);
            q.addBindValue(m.domain);
            q.addBindValue(m.description);
            q.addBindValue(QDateTime::currentDateTimeUtc().toString(Qt::ISODate));
            ok = q.exec() || (errorText && (*errorText = q.lastError().text(), false));
        }
        if (!ok || !exec(q, QStringLiteral("COMMIT"), errorText)) {
            QSqlQuery(db).exec(QStringLiteral("ROLLBACK"));
            if (errorText)
                *errorText = QStringLiteral("migration %1 (%2) failed: %3").arg(m.version).arg(m.domain, *errorText);
            return false;
        }
        current = m.version;
    }
    return true;
}

}  // namespace bd
