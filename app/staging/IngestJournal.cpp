#include "staging/IngestJournal.h"

#include "core/Database.h"
#include "staging/IngestJournalSql.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

namespace bd::staging {

using namespace journalsql;

namespace {
const char *const kStateNames[] = { "planned", "sent", "confirmed", "failed", "skipped" };
constexpr int kScanRowsPerCopy = 20000;   // addScanFiles: ~6 MB of log per range

QString sourcesKey(QStringList sources)
{
    sources.sort();
    return toJsonText(QJsonArray::fromStringList(sources));
}

}  // namespace

QString journalFileStateName(JournalFileState state)
{
    return QString::fromLatin1(kStateNames[int(state)]);
}

JournalFileState journalFileStateFromName(const QString &name)
{
    for (int i = 0; i < 5; ++i) {
        if (name == QLatin1String(kStateNames[i]))
            return JournalFileState(i);
    }
    return JournalFileState::Planned;
}

bool IngestJournal::open(Error *error)
{
    if (!ensureSchema()) {
        if (error)
            *error = Error(ErrorKind::Io, QStringLiteral("Cannot open the ingest journal: %1").arg(m_lastError));
        return false;
    }
    return true;
}

bool IngestJournal::ensureSchema()
{
    if (m_ready)
        return true;
    // The tables come from the one schema (core/Schema.h), migrated when the database opens.
    QSqlDatabase db = database();
    if (!db.isOpen()) {
        const Error problem = databaseError();
        m_lastError = problem ? problem.message : QStringLiteral("database %1 is not open").arg(databasePath());
        return false;
    }
    m_ready = true;
    return true;
}

bool IngestJournal::beginBatch()
{
    if (!ensureSchema())
        return false;
    if (m_inBatch)
        return true;
    // IMMEDIATE: the write lock now (waiting out another connection's), not at the first write.
    QSqlQuery q(database());
    if (!q.exec(QStringLiteral("BEGIN IMMEDIATE"))) {
        m_lastError = q.lastError().text();
        return false;
    }
    m_inBatch = true;
    return true;
}

bool IngestJournal::endBatch()
{
    if (!m_inBatch)
        return false;
    m_inBatch = false;
    QSqlQuery q(database());
    if (q.exec(QStringLiteral("COMMIT")))
        return true;
    m_lastError = q.lastError().text();
    QSqlQuery(database()).exec(QStringLiteral("ROLLBACK"));
    return false;
}

bool IngestJournal::saveIngest(const IngestRecord &r)
{
    if (!ensureSchema())
        return false;
    QSqlQuery q(database());
    q.prepare(QStringLiteral("INSERT INTO ingests (ingest_id, batch_id, display_name, sources, media, options, method,"
                             " state, created_at, updated_at, api_base_url, workspace) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
                             " ON CONFLICT(ingest_id) DO UPDATE SET batch_id=excluded.batch_id,"
                             " api_base_url=excluded.api_base_url, workspace=excluded.workspace,"
                             " display_name=excluded.display_name, sources=excluded.sources, media=excluded.media,"
                             " options=excluded.options, method=excluded.method, state=excluded.state,"
                             " updated_at=excluded.updated_at"));
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    q.addBindValue(r.ingestId);
    q.addBindValue(r.batchId);
    q.addBindValue(r.displayName);
    q.addBindValue(sourcesKey(r.sources));
    q.addBindValue(r.options.value(QStringLiteral("media")).toString());
    q.addBindValue(toJsonText(r.options));
    q.addBindValue(r.method);
    q.addBindValue(r.state);
    q.addBindValue(r.createdAt.isValid() ? r.createdAt.toSecsSinceEpoch() : now);
    q.addBindValue(now);
    q.addBindValue(notNull(r.apiBaseUrl));
    q.addBindValue(notNull(r.workspace));
    if (!q.exec()) {
        m_lastError = q.lastError().text();
        return false;
    }
    return true;
}

IngestRecord IngestJournal::recordFromQuery(const QSqlQuery &q) const
{
    IngestRecord r;
    r.ingestId = q.value(0).toString();
    r.batchId = q.value(1).toString();
    r.displayName = q.value(2).toString();
    for (const QJsonValue &v : QJsonDocument::fromJson(q.value(3).toString().toUtf8()).array())
        r.sources << v.toString();
    r.options = QJsonDocument::fromJson(q.value(4).toString().toUtf8()).object();
    r.method = q.value(5).toString();
    r.state = q.value(6).toString();
    r.createdAt = QDateTime::fromSecsSinceEpoch(q.value(7).toLongLong(), Qt::UTC);
    r.updatedAt = QDateTime::fromSecsSinceEpoch(q.value(8).toLongLong(), Qt::UTC);
    r.apiBaseUrl = q.value(9).toString();
    r.workspace = q.value(10).toString();
    return r;
}

static const char kIngestColumns[] =
    "SELECT ingest_id, batch_id, display_name, sources, options, method, state, created_at, updated_at, api_base_url,"
    " workspace FROM ingests ";

std::optional<IngestRecord> IngestJournal::ingest(const QString &ingestId)
{
    if (!ensureSchema())
        return std::nullopt;
    QSqlQuery q(database());
    q.prepare(QLatin1String(kIngestColumns) + QLatin1String("WHERE ingest_id = ?"));
    q.addBindValue(ingestId);
    if (!q.exec() || !q.next())
        return std::nullopt;
    return recordFromQuery(q);
}

std::optional<IngestRecord> IngestJournal::findResumable(const IngestTarget &target, const QString &batchId,
                                                         const QStringList &sources, const QString &media)
{
    if (!ensureSchema())
        return std::nullopt;
    QSqlQuery q(database());
    q.prepare(QLatin1String(kIngestColumns) + QLatin1String("WHERE ") + QLatin1String(kTargetMatch)
              + QLatin1String(" AND batch_id = ? AND sources = ? AND media = ? AND state != 'completed'"
                              " ORDER BY updated_at DESC, rowid DESC LIMIT 1"));
    q.addBindValue(notNull(target.apiBaseUrl));
    q.addBindValue(notNull(target.workspace));
    q.addBindValue(batchId);
    q.addBindValue(sourcesKey(sources));
    q.addBindValue(media);
    if (!q.exec() || !q.next())
        return std::nullopt;
    return recordFromQuery(q);
}

QVector<IngestRecord> IngestJournal::unfinishedIngests()
{
    QVector<IngestRecord> out;
    if (!ensureSchema())
        return out;
    QSqlQuery q(database());
    if (!q.exec(QLatin1String(kIngestColumns)
                + QLatin1String("WHERE state != 'completed' ORDER BY updated_at DESC, rowid DESC"))) {
        m_lastError = q.lastError().text();   // "none unfinished" and "could not read" differ
        return out;
    }
    while (q.next())
        out.append(recordFromQuery(q));
    return out;
}

bool IngestJournal::setIngestState(const QString &ingestId, const QString &state)
{
    // What comes after a state reads the members' rows: answered shards are written on them first.
    if (!ensureSchema() || !applyAnsweredShards(ingestId))
        return false;
    QSqlQuery q(database());
    q.prepare(QStringLiteral("UPDATE ingests SET state = ?, updated_at = ? WHERE ingest_id = ?"));
    q.addBindValue(state);
    q.addBindValue(QDateTime::currentSecsSinceEpoch());
    q.addBindValue(ingestId);
    return q.exec() || (m_lastError = q.lastError().text(), false);
}

bool IngestJournal::setIngestMethod(const QString &ingestId, const QString &method)
{
    if (!ensureSchema())
        return false;
    QSqlQuery q(database());
    q.prepare(QStringLiteral("UPDATE ingests SET method = ?, updated_at = ? WHERE ingest_id = ?"));
    q.addBindValue(method);
    q.addBindValue(QDateTime::currentSecsSinceEpoch());
    q.addBindValue(ingestId);
    return q.exec() || (m_lastError = q.lastError().text(), false);
}

bool IngestJournal::addFiles(const QString &ingestId, const QVector<JournalFile> &files)
{
    return insertFiles(ingestId, files.size(), [&files](qsizetype i) { return files.at(i); });
}

bool IngestJournal::addScannedFiles(const QString &ingestId, const QVector<ScannedFile> &files)
{
    return insertFiles(ingestId, files.size(), [&files](qsizetype i) {
        const ScannedFile &f = files.at(i);
        return JournalFile{ f.path, f.batchName, f.size, f.mtime.toSecsSinceEpoch(), JournalFileState::Planned, {} };
    });
}

bool IngestJournal::insertFiles(const QString &ingestId, qsizetype count,
                                const std::function<JournalFile(qsizetype)> &row)
{
    if (!ensureSchema())
        return false;
    QSqlDatabase db = database();
    QSqlQuery batch(db);
    batch.prepare(QStringLiteral("SELECT batch_id FROM ingests WHERE ingest_id = ?"));
    batch.addBindValue(ingestId);
    if (!batch.exec() || !batch.next()) {
        m_lastError = QStringLiteral("unknown ingest %1").arg(ingestId);
        return false;
    }
    const QString batchId = batch.value(0).toString();
    Transaction tx(db, m_inBatch);
    QSqlQuery q(db);
    q.prepare(QStringLiteral("INSERT INTO ingest_files (ingest_id, path, batch_id, batch_name, size, mtime, state, reason)"
                             " VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(ingest_id, path) DO NOTHING"));
    for (qsizetype i = 0; i < count; ++i) {
        const JournalFile f = row(i);
        q.bindValue(0, ingestId);
        q.bindValue(1, f.path);
        q.bindValue(2, batchId);
        q.bindValue(3, f.batchName);
        q.bindValue(4, f.size);
        q.bindValue(5, f.mtime);
        q.bindValue(6, journalFileStateName(f.state));
        q.bindValue(7, f.reason);
        if (!q.exec()) {
            m_lastError = q.lastError().text();
            return false;
        }
    }
    return tx.commit();
}

bool IngestJournal::setFileState(const QString &ingestId, const QStringList &paths, JournalFileState state,
                                 const QString &reason)
{
    if (!ensureSchema())
        return false;
    QSqlDatabase db = database();
    Transaction tx(db, m_inBatch);
    return updatePaths(db, QStringLiteral("UPDATE ingest_files SET state = ?, reason = ? WHERE ingest_id = ? AND path IN (%1)"),
                       { journalFileStateName(state), reason, ingestId }, paths, &m_lastError)
           && tx.commit();
}

bool IngestJournal::setFileFailed(const QString &ingestId, const QStringList &paths, const QString &code,
                                  const QString &message)
{
    if (!ensureSchema())
        return false;
    QSqlDatabase db = database();
    Transaction tx(db, m_inBatch);
    return updatePaths(db, QStringLiteral("UPDATE ingest_files SET state = 'failed', reason_code = ?, reason = ?"
                                          " WHERE ingest_id = ? AND path IN (%1)"),
                       { code, message, ingestId }, paths, &m_lastError)
           && tx.commit();
}

bool IngestJournal::clearRunFailures(const QString &ingestId)
{
    if (!ensureSchema())
        return false;
    QSqlQuery q(database());
    q.prepare(QStringLiteral("UPDATE ingest_files SET reason_code = NULL WHERE ingest_id = ? AND reason_code IS NOT NULL"));
    q.addBindValue(ingestId);
    return q.exec() || (m_lastError = q.lastError().text(), false);
}

bool IngestJournal::addScanFiles(const QString &ingestId, const QString &scanSchema)
{
    if (!ensureSchema())
        return false;
    // A range of paths per transaction. One statement for a million files wrote a log of
    // hundreds of MB, whose index (the -shm file, mapped into the process and never shrunk while
    // the journal is open) grew with it, and kept the upload's own records waiting on the write
    // lock for the whole copy. After each commit the automatic checkpoint folds the log back, so
    // the next range starts it over. A copy cut short is finished by the next run's (a row
    // already there is left as it is).
    QSqlDatabase db = database();
    QSqlQuery bound(db);
    bound.setForwardOnly(true);
    bound.prepare(QStringLiteral("SELECT max(path) FROM (SELECT path FROM %1.files WHERE path > ? ORDER BY path LIMIT ?)")
                      .arg(scanSchema));
    QSqlQuery copy(db);
    copy.prepare(QStringLiteral("INSERT INTO ingest_files (ingest_id, path, batch_id, batch_name, size, mtime, state)"
                                " SELECT ?, s.path, i.batch_id, s.name, s.size, s.mtime, 'planned' FROM %1.files s"
                                " JOIN ingests i ON i.ingest_id = ? WHERE s.path > ? AND s.path <= ?"
                                " ON CONFLICT(ingest_id, path) DO NOTHING")
                     .arg(scanSchema));
    QString after = QStringLiteral("");
    for (;;) {
        bound.bindValue(0, after);
        bound.bindValue(1, kScanRowsPerCopy);
        if (!bound.exec() || !bound.next()) {
            m_lastError = bound.lastError().text();
            return false;
        }
        const QVariant last = bound.value(0);
        bound.finish();
        if (last.isNull())
            return true;   // every range copied
        copy.bindValue(0, ingestId);
        copy.bindValue(1, ingestId);
        copy.bindValue(2, after);
        copy.bindValue(3, last);
        if (!copy.exec()) {
            m_lastError = copy.lastError().text();
            return false;
        }
        after = last.toString();
    }
}

QHash<QString, JournalFile> IngestJournal::filesInState(const QString &ingestId, JournalFileState state)
{
    QHash<QString, JournalFile> out;
    if (!ensureSchema())
        return out;
    QSqlQuery q(database());
    q.setForwardOnly(true);
    q.prepare(QLatin1String(kFileColumns) + QLatin1String("FROM ingest_files WHERE ingest_id = ? AND state = ?"));
    q.addBindValue(ingestId);
    q.addBindValue(journalFileStateName(state));
    if (!q.exec()) {
        m_lastError = q.lastError().text();
        return out;
    }
    while (q.next()) {
        const JournalFile f = fileFromQuery(q);
        out.insert(f.path, f);
    }
    return out;
}

QHash<QString, JournalFile> IngestJournal::files(const QString &ingestId)
{
    QHash<QString, JournalFile> out;
    if (!ensureSchema())
        return out;
    QSqlQuery q(database());
    q.setForwardOnly(true);
    q.prepare(QLatin1String(kFileColumns) + QLatin1String("FROM ingest_files WHERE ingest_id = ?"));
    q.addBindValue(ingestId);
    if (!q.exec())
        return out;
    while (q.next()) {
        const JournalFile f = fileFromQuery(q);
        out.insert(f.path, f);
    }
    return out;
}

QSet<QString> IngestJournal::pathsInState(const QString &ingestId, JournalFileState state)
{
    QSet<QString> out;
    if (!ensureSchema())
        return out;
    QSqlQuery q(database());
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT path FROM ingest_files WHERE ingest_id = ? AND state = ?"));
    q.addBindValue(ingestId);
    q.addBindValue(journalFileStateName(state));
    if (!q.exec())
        return out;
    while (q.next())
        out.insert(q.value(0).toString());
    return out;
}

bool IngestJournal::markSending(const QString &ingestId, const QStringList &paths,
                                const QVector<FileFingerprint> &fingerprints, bool bodyLeft)
{
    if (!ensureSchema())
        return false;
    QSqlDatabase db = database();
    Transaction tx(db, m_inBatch);
    QSqlQuery q(db);
    // One statement per file: a chunked UPDATE ... FROM a VALUES list of the fingerprints cost
    // more CPU in Qt's binding than it saved (measured; the IN lists below do save).
    q.prepare(QStringLiteral("UPDATE ingest_files SET state = 'sent', reason = NULL, size = ?, mtime = ?, mtime_ns = ?,"
                             " fingerprint_at_ns = ?, sha256 = ?, sent_at_ms = ?, body_left = ?"
                             " WHERE ingest_id = ? AND path = ?"));
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (qsizetype i = 0; i < paths.size(); ++i) {
        const FileFingerprint f = i < fingerprints.size() ? fingerprints.at(i) : FileFingerprint();
        q.bindValue(0, f.isValid() ? QVariant(f.size) : QVariant());
        q.bindValue(1, f.isValid() ? QVariant(f.mtimeNs / 1000000000) : QVariant());
        q.bindValue(2, f.isValid() ? QVariant(f.mtimeNs) : QVariant());
        q.bindValue(3, f.isValid() ? QVariant(f.takenAtNs) : QVariant());
        q.bindValue(4, f.sha256.isEmpty() ? QVariant() : QVariant(f.sha256));
        q.bindValue(5, now);
        q.bindValue(6, bodyLeft ? 1 : 0);
        q.bindValue(7, ingestId);
        q.bindValue(8, paths.at(i));
        if (!q.exec()) {
            m_lastError = q.lastError().text();
            return false;
        }
    }
    return tx.commit();
}

bool IngestJournal::markBodyLeft(const QString &ingestId, const QStringList &paths, bool left)
{
    if (!ensureSchema())
        return false;
    QSqlDatabase db = database();
    Transaction tx(db, m_inBatch);
    return updatePaths(db, QStringLiteral("UPDATE ingest_files SET body_left = ?, sent_at_ms = ? WHERE ingest_id = ? AND path IN (%1)"),
                       { left ? 1 : 0, QDateTime::currentMSecsSinceEpoch(), ingestId }, paths, &m_lastError)
           && tx.commit();
}

}  // namespace bd::staging
