// IngestJournal, part three: shards (IngestJournal.h). A shard in flight is one row: its
// members' fingerprints, when it was sent and whether its whole body left. Its members' own
// rows stay "planned" until the service answers (confirmShard, or setFileFailed), or until the
// next run of the ingest finds the shard still "sent" after a kill (recoverInterruptedShards)
// and writes on them what per-file records would have said. Three writes of each member's row
// per shard (sent, body left, confirmed) were a fifth of the CLI's CPU in a 10 000-file ingest.
#include "staging/IngestJournal.h"

#include "core/Database.h"
#include "staging/IngestJournalSql.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

namespace bd::staging {

using namespace journalsql;

namespace {

// One entry of ingest_shards.files: [path, size, mtime_ns, fingerprint_at_ns, sha256], nulls
// for a file that could not be read (as the per-file record wrote them). Integers stay exact
// (QJsonValue keeps a qint64; SQLite reads it back as an INTEGER).
QJsonArray fileEntry(const QString &path, const FileFingerprint &f)
{
    const QJsonValue null(QJsonValue::Null);
    return QJsonArray{ path, f.isValid() ? QJsonValue(f.size) : null, f.isValid() ? QJsonValue(f.mtimeNs) : null,
                       f.isValid() ? QJsonValue(f.takenAtNs) : null, f.sha256.isEmpty() ? null : QJsonValue(f.sha256) };
}

// Writes the shard's record onto its members' rows with `state`: one statement, the entries
// sorted by path so the index is walked in order. Should SQLite's reading of the JSON miss a
// row (a path its encodings would disagree on; never seen), the members get the state, the
// time and body_left by the paths Qt reads from it, without a fingerprint (compared by size
// and mtime later, as rows from before fingerprints are): claimed, never dropped.
bool applyRecord(QSqlDatabase db, const QString &ingestId, int index, const QString &state, QString *error)
{
    QSqlQuery shard(db);
    shard.prepare(QStringLiteral("SELECT json_array_length(files), sent_at_ms, body_left FROM ingest_shards"
                                 " WHERE ingest_id = ? AND shard_index = ?"));
    shard.addBindValue(ingestId);
    shard.addBindValue(index);
    if (!shard.exec() || !shard.next()) {
        *error = shard.lastError().isValid() ? shard.lastError().text()
                                             : QStringLiteral("shard %1 of ingest %2 is not journaled").arg(index).arg(ingestId);
        return false;
    }
    const qint64 entries = shard.value(0).toLongLong();
    const QVariantList fixed{ state, shard.value(1), shard.value(2).toInt(), ingestId };
    shard.finish();
    // MATERIALIZED: else SQLite may walk every row of the ingest and look each up in the JSON.
    QSqlQuery q(db);
    q.prepare(QStringLiteral(
        "WITH r AS MATERIALIZED (SELECT json_extract(j.value, '$[0]') AS path, json_extract(j.value, '$[1]') AS size,"
        " json_extract(j.value, '$[2]') AS mtime_ns, json_extract(j.value, '$[3]') AS taken_ns,"
        " json_extract(j.value, '$[4]') AS sha256, s.sent_at_ms AS sent_at_ms, s.body_left AS body_left"
        " FROM ingest_shards s, json_each(s.files) j WHERE s.ingest_id = ? AND s.shard_index = ? ORDER BY 1)"
        " UPDATE ingest_files SET state = ?, reason = NULL, size = r.size, mtime = r.mtime_ns / 1000000000,"
        " mtime_ns = r.mtime_ns, fingerprint_at_ns = r.taken_ns, sha256 = r.sha256, sent_at_ms = r.sent_at_ms,"
        " body_left = r.body_left FROM r WHERE ingest_files.ingest_id = ? AND ingest_files.path = r.path"));
    q.addBindValue(ingestId);
    q.addBindValue(index);
    q.addBindValue(state);
    q.addBindValue(ingestId);
    if (!q.exec()) {
        *error = q.lastError().text();
        return false;
    }
    if (q.numRowsAffected() == entries)
        return true;
    QSqlQuery files(db);
    files.prepare(QStringLiteral("SELECT files FROM ingest_shards WHERE ingest_id = ? AND shard_index = ?"));
    files.addBindValue(ingestId);
    files.addBindValue(index);
    if (!files.exec() || !files.next()) {
        *error = files.lastError().text();
        return false;
    }
    QStringList paths;
    for (const QJsonValue &entry : QJsonDocument::fromJson(files.value(0).toString().toUtf8()).array())
        paths.append(entry.toArray().at(0).toString());
    files.finish();
    return updatePaths(db, QStringLiteral("UPDATE ingest_files SET state = ?, reason = NULL, sent_at_ms = ?, body_left = ?"
                                          " WHERE ingest_id = ? AND path IN (%1)"),
                       fixed, paths, error);
}

}  // namespace

int IngestJournal::nextShardIndex(const QString &ingestId)
{
    if (!ensureSchema())
        return 0;
    QSqlQuery q(database());
    q.prepare(QStringLiteral("SELECT COALESCE(MAX(shard_index) + 1, 0) FROM ingest_shards WHERE ingest_id = ?"));
    q.addBindValue(ingestId);
    if (!q.exec() || !q.next())
        return 0;
    return q.value(0).toInt();
}

bool IngestJournal::addShard(const QString &ingestId, int index, const QStringList &memberNames, const QString &state)
{
    if (!ensureSchema())
        return false;
    QSqlQuery q(database());
    q.prepare(QStringLiteral("INSERT OR REPLACE INTO ingest_shards (ingest_id, shard_index, members, state)"
                             " VALUES (?,?,?,?)"));
    q.addBindValue(ingestId);
    q.addBindValue(index);
    q.addBindValue(toJsonText(QJsonArray::fromStringList(memberNames)));
    q.addBindValue(state);
    return q.exec() || (m_lastError = q.lastError().text(), false);
}

bool IngestJournal::setShardState(const QString &ingestId, int index, const QString &state)
{
    if (!ensureSchema())
        return false;
    QSqlQuery q(database());
    // Only a shard in flight needs its record: dropped once it is anything else.
    q.prepare(QStringLiteral("UPDATE ingest_shards SET state = ?, files = CASE WHEN ? = 'sent' THEN files END"
                             " WHERE ingest_id = ? AND shard_index = ?"));
    q.addBindValue(state);
    q.addBindValue(state);
    q.addBindValue(ingestId);
    q.addBindValue(index);
    return q.exec() || (m_lastError = q.lastError().text(), false);
}

QHash<int, QString> IngestJournal::shardStates(const QString &ingestId)
{
    QHash<int, QString> out;
    if (!ensureSchema())
        return out;
    QSqlQuery q(database());
    q.prepare(QStringLiteral("SELECT shard_index, state FROM ingest_shards WHERE ingest_id = ?"));
    q.addBindValue(ingestId);
    if (!q.exec())
        return out;
    while (q.next())
        out.insert(q.value(0).toInt(), q.value(1).toString());
    return out;
}

bool IngestJournal::markShardSending(const QString &ingestId, int index, const QStringList &paths,
                                     const QVector<FileFingerprint> &fingerprints)
{
    if (!ensureSchema())
        return false;
    QJsonArray files;
    for (qsizetype i = 0; i < paths.size(); ++i)
        files.append(fileEntry(paths.at(i), i < fingerprints.size() ? fingerprints.at(i) : FileFingerprint()));
    QSqlQuery q(database());
    q.prepare(QStringLiteral("UPDATE ingest_shards SET state = 'sent', files = ?, sent_at_ms = ?, body_left = 0"
                             " WHERE ingest_id = ? AND shard_index = ?"));
    q.addBindValue(toJsonText(files));
    q.addBindValue(QDateTime::currentMSecsSinceEpoch());
    q.addBindValue(ingestId);
    q.addBindValue(index);
    if (!q.exec())
        return (m_lastError = q.lastError().text(), false);
    if (q.numRowsAffected() != 1)   // no row to hold the record: the members would be unaccounted for
        return (m_lastError = QStringLiteral("shard %1 of ingest %2 is not journaled").arg(index).arg(ingestId), false);
    return true;
}

bool IngestJournal::markShardBodyLeft(const QString &ingestId, int index, bool left)
{
    if (!ensureSchema())
        return false;
    QSqlQuery q(database());
    q.prepare(QStringLiteral("UPDATE ingest_shards SET body_left = ?, sent_at_ms = ? WHERE ingest_id = ? AND shard_index = ?"));
    q.addBindValue(left ? 1 : 0);
    q.addBindValue(QDateTime::currentMSecsSinceEpoch());
    q.addBindValue(ingestId);
    q.addBindValue(index);
    return q.exec() || (m_lastError = q.lastError().text(), false);
}

bool IngestJournal::confirmShard(const QString &ingestId, int index)
{
    if (!ensureSchema())
        return false;
    QSqlDatabase db = database();
    Transaction tx(db, m_inBatch);
    return applyRecord(db, ingestId, index, QStringLiteral("confirmed"), &m_lastError)
           && setShardState(ingestId, index, QStringLiteral("uploaded")) && tx.commit();
}

bool IngestJournal::recoverInterruptedShards(const QString &ingestId)
{
    if (!ensureSchema())
        return false;
    QSqlDatabase db = database();
    QSqlQuery shards(db);
    // Shards from before the record (files NULL) wrote their members' rows themselves.
    shards.prepare(QStringLiteral("SELECT shard_index FROM ingest_shards WHERE ingest_id = ? AND state = 'sent'"
                                  " AND files IS NOT NULL ORDER BY shard_index"));
    shards.addBindValue(ingestId);
    if (!shards.exec())
        return (m_lastError = shards.lastError().text(), false);
    QVector<int> indexes;
    while (shards.next())
        indexes.append(shards.value(0).toInt());
    shards.finish();
    for (const int index : std::as_const(indexes)) {
        Transaction tx(db, m_inBatch);
        if (!applyRecord(db, ingestId, index, QStringLiteral("sent"), &m_lastError)
            || !setShardState(ingestId, index, QStringLiteral("interrupted")) || !tx.commit())
            return false;
    }
    return true;
}

}  // namespace bd::staging
