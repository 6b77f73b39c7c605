// IngestJournal, part three: shards (IngestJournal.h). A shard in flight is one row: its
// members' fingerprints, when it was sent and whether its whole body left. Its members' own
// rows stay "planned" (or unwritten: an early shard's members, EarlyShards.h) until the service
// answers (confirmShard, or setFileFailed), or until the next run of the ingest finds the shard
// still "sent" after a kill (recoverInterruptedShards) and writes on them what per-file records
// would have said. Three writes of each member's row
// per shard (sent, body left, confirmed) were a fifth of the CLI's CPU in a 10 000-file ingest.
#include "staging/IngestJournal.h"

#include "core/Database.h"
#include "core/ManyValueStatement.h"
#include "staging/IngestJournalSql.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QScopeGuard>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <functional>
#include <numeric>

namespace bd::staging {

using namespace journalsql;

namespace {

// A JSON string (RFC 8259: quote, backslash and control characters escaped; the rest as UTF-8).
void appendJsonString(QByteArray *out, const QString &text)
{
    const QByteArray utf8 = text.toUtf8();
    out->append('"');
    for (const char c : utf8) {
        const auto u = static_cast<unsigned char>(c);
        if (u == '"' || u == '\\') {
            out->append('\\').append(c);
        } else if (u < 0x20) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\u%04x", unsigned(u));
            out->append(escaped);
        } else {
            out->append(c);
        }
    }
    out->append('"');
}

// ["name", ...] (ingest_shards.members): the text QJsonArray::fromStringList made, without a
// QJsonValue per name.
QByteArray jsonStrings(const QStringList &strings)
{
    QByteArray out;
    out.reserve(strings.size() * 24 + 2);
    out.append('[');
    for (qsizetype i = 0; i < strings.size(); ++i) {
        if (i)
            out.append(',');
        appendJsonString(&out, strings.at(i));
    }
    out.append(']');
    return out;
}

void appendJsonInteger(QByteArray *out, qint64 value)
{
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    out->append(digits, end - digits);
}

// ingest_shards.files: [[path, size, mtime_ns, fingerprint_at_ns, sha256], ...], nulls for a
// file that could not be read (as the per-file record wrote them). Written as text directly:
// through QJsonArray it was two thirds of a "sent" record's cost (a QJsonValue per field).
// Integers stay exact; applyRecord reads it with QJsonDocument.
QByteArray filesRecord(const QStringList &paths, const QVector<FileFingerprint> &fingerprints)
{
    QByteArray out;
    out.reserve(paths.size() * 96 + 2);
    out.append('[');
    const FileFingerprint none;
    for (qsizetype i = 0; i < paths.size(); ++i) {
        const FileFingerprint &f = i < fingerprints.size() ? fingerprints.at(i) : none;
        out.append(i ? ",[" : "[");
        appendJsonString(&out, paths.at(i));
        for (const qint64 value : { f.size, f.mtimeNs, f.takenAtNs }) {
            out.append(',');
            if (f.isValid())
                appendJsonInteger(&out, value);
            else
                out.append("null");
        }
        out.append(',');
        if (f.sha256.isEmpty())
            out.append("null");
        else
            appendJsonString(&out, f.sha256);
        out.append(']');
    }
    out.append(']');
    return out;
}

constexpr qint64 kAnsweredRowsPerWrite = 20000;   // applyAnsweredShards: ~6 MB of log per range

// The columns a member's write sets, in the order it binds them.
constexpr char kMemberColumns[] = "ingest_id, batch_id, state, sent_at_ms, body_left, path,"
                                  " batch_name, size, mtime, mtime_ns, fingerprint_at_ns, sha256";
// What a member's row takes from a write that finds it there (an early shard's members may
// have no row yet: then the write is the row).
constexpr char kMemberUpsert[] = " ON CONFLICT (ingest_id, path) DO UPDATE SET state = excluded.state, reason = NULL,"
                                 " size = excluded.size, mtime = excluded.mtime, mtime_ns = excluded.mtime_ns,"
                                 " fingerprint_at_ns = excluded.fingerprint_at_ns, sha256 = excluded.sha256,"
                                 " sent_at_ms = excluded.sent_at_ms, body_left = excluded.body_left";

// The members' write for n rows: an upsert into their rows, or (an answered shard) rows added
// to ingest_answered.
QString memberWriteSql(int rows, IngestJournal::MemberTable table)
{
    const bool answered = table == IngestJournal::MemberTable::Answered;
    return QStringLiteral("INSERT INTO %1 (%2) SELECT ?, ?, ?, ?, ?, r.* FROM (VALUES %3) r WHERE true%4")
        .arg(answered ? QStringLiteral("ingest_answered") : QStringLiteral("ingest_files"),
             QLatin1String(kMemberColumns), sqlPlaceholders(rows, 7),
             answered ? QString() : QLatin1String(kMemberUpsert));
}

using MemberWrite = std::function<ManyValueStatement *(int rows)>;

// Writes a shard's record onto its members' rows with `state`: the fingerprints, and the time and
// body_left of the shard's row. A member without a row gets one (an early shard's members are
// first written here), under its name in the batch. In path order, so the key's index is walked
// in order; a statement per kRowsPerStatement members, `statement` gives it prepared.
bool writeMembers(QSqlDatabase db, const MemberWrite &statement, const QString &ingestId, int index, const QString &state,
                  const QStringList &paths, const QStringList &names, const QVector<FileFingerprint> &fingerprints,
                  QString *error)
{
    QSqlQuery shard(db);
    shard.prepare(QStringLiteral("SELECT s.sent_at_ms, s.body_left, i.batch_id FROM ingest_shards s"
                                 " JOIN ingests i ON i.ingest_id = s.ingest_id WHERE s.ingest_id = ? AND s.shard_index = ?"));
    shard.addBindValue(ingestId);
    shard.addBindValue(index);
    if (!shard.exec() || !shard.next()) {
        *error = shard.lastError().isValid() ? shard.lastError().text()
                                             : QStringLiteral("shard %1 of ingest %2 is not journaled").arg(index).arg(ingestId);
        return false;
    }
    const QString batchId = shard.value(2).toString();
    const QVariant sentAt = shard.value(0);
    const qint64 bodyLeft = shard.value(1).toLongLong();
    shard.finish();
    QVector<qsizetype> order(paths.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&paths](qsizetype a, qsizetype b) { return paths.at(a) < paths.at(b); });
    const FileFingerprint none;
    for (qsizetype first = 0; first < order.size(); first += kRowsPerStatement) {
        const int rows = int(qMin<qsizetype>(kRowsPerStatement, order.size() - first));
        ManyValueStatement *q = statement(rows);
        if (!q) {
            *error = QStringLiteral("cannot prepare the shard members' write");
            return false;
        }
        q->bind(0, ingestId);
        q->bind(1, batchId);
        q->bind(2, state);
        if (sentAt.isNull())
            q->bindNull(3);
        else
            q->bind(3, sentAt.toLongLong());
        q->bind(4, bodyLeft);
        int at = 5;
        for (int i = 0; i < rows; ++i) {
            const qsizetype k = order.at(first + i);
            const FileFingerprint &f = k < fingerprints.size() ? fingerprints.at(k) : none;   // (no copy)
            q->bind(at++, paths.at(k));
            q->bind(at++, k < names.size() ? names.at(k) : QString());   // (a null QString binds NULL)
            if (f.isValid()) {
                q->bind(at++, f.size);
                q->bind(at++, f.mtimeNs / 1000000000);
                q->bind(at++, f.mtimeNs);
                q->bind(at++, f.takenAtNs);
            } else {
                for (int n = 0; n < 4; ++n)
                    q->bindNull(at++);
            }
            q->bind(at++, f.sha256.isEmpty() ? QString() : f.sha256);
        }
        if (!q->exec()) {
            *error = q->lastError();
            return false;
        }
    }
    return true;
}

// writeMembers with the record read back from the shard's row (after a kill; or a confirm whose
// record this process does not hold). Entries as filesRecord wrote them; the names are the
// shard's members, in the same order.
bool applyRecord(QSqlDatabase db, const MemberWrite &statement, const QString &ingestId, int index, const QString &state,
                 QString *error)
{
    QSqlQuery shard(db);
    shard.prepare(QStringLiteral("SELECT files, members FROM ingest_shards WHERE ingest_id = ? AND shard_index = ?"));
    shard.addBindValue(ingestId);
    shard.addBindValue(index);
    if (!shard.exec() || !shard.next()) {
        *error = shard.lastError().isValid() ? shard.lastError().text()
                                             : QStringLiteral("shard %1 of ingest %2 is not journaled").arg(index).arg(ingestId);
        return false;
    }
    QJsonParseError parsed;
    const QJsonDocument record = QJsonDocument::fromJson(shard.value(0).toString().toUtf8(), &parsed);
    const QJsonArray members = QJsonDocument::fromJson(shard.value(1).toString().toUtf8()).array();
    shard.finish();
    if (parsed.error != QJsonParseError::NoError || !record.isArray()) {   // left as it is, the shard still "sent"
        *error = QStringLiteral("shard %1 of ingest %2 has an unreadable record").arg(index).arg(ingestId);
        return false;
    }
    const QJsonArray files = record.array();
    QStringList paths, names;
    QVector<FileFingerprint> fingerprints;
    for (const QJsonValue &value : files) {
        const QJsonArray entry = value.toArray();
        paths << entry.at(0).toString();
        FileFingerprint f;
        if (!entry.at(1).isNull()) {
            f.size = entry.at(1).toInteger();
            f.mtimeNs = entry.at(2).toInteger();
            f.takenAtNs = entry.at(3).toInteger();
        }
        f.sha256 = entry.at(4).toString();
        fingerprints.append(f);
    }
    if (members.size() == files.size()) {
        for (const QJsonValue &name : members)
            names << name.toString();
    }
    return writeMembers(db, statement, ingestId, index, state, paths, names, fingerprints, error);
}

}  // namespace

ManyValueStatement *IngestJournal::memberWrite(QSqlDatabase db, int rows, MemberTable table)
{
    if (m_memberWriteConnection != db.connectionName() || m_memberWrites.size() > 6) {
        m_memberWrites.clear();   // another connection (or a few odd sizes): prepared again
        m_memberWriteConnection = db.connectionName();
    }
    const int key = rows * 2 + (table == MemberTable::Answered ? 1 : 0);
    std::shared_ptr<ManyValueStatement> &q = m_memberWrites[key];
    if (q && !q->preparedOn(db))
        q.reset();   // the connection of that name was closed and opened again
    if (!q) {
        auto prepared = std::make_shared<ManyValueStatement>(db, memberWriteSql(rows, table));
        if (!prepared->isValid()) {
            m_memberWrites.remove(key);
            return nullptr;
        }
        q = std::move(prepared);
    }
    return q.get();
}

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
    q.addBindValue(QString::fromUtf8(jsonStrings(memberNames)));
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
    QSqlQuery q(database());
    q.prepare(QStringLiteral("UPDATE ingest_shards SET state = 'sent', files = ?, sent_at_ms = ?, body_left = 0"
                             " WHERE ingest_id = ? AND shard_index = ?"));
    q.addBindValue(QString::fromUtf8(filesRecord(paths, fingerprints)));
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
    return writeAnswer(ingestId, index, {}, {}, {}, MemberTable::Files, QStringLiteral("uploaded"));
}

bool IngestJournal::confirmShard(const QString &ingestId, int index, const QStringList &paths, const QStringList &names,
                                 const QVector<FileFingerprint> &fingerprints)
{
    return writeAnswer(ingestId, index, paths, names, fingerprints, MemberTable::Files, QStringLiteral("uploaded"));
}

bool IngestJournal::answerShard(const QString &ingestId, int index, const QStringList &paths,
                                const QStringList &names, const QVector<FileFingerprint> &fingerprints)
{
    return writeAnswer(ingestId, index, paths, names, fingerprints, MemberTable::Answered, QStringLiteral("answered"));
}

bool IngestJournal::writeAnswer(const QString &ingestId, int index, const QStringList &paths, const QStringList &names,
                                const QVector<FileFingerprint> &fingerprints, MemberTable table, const QString &shardState)
{
    if (!ensureSchema())
        return false;
    QSqlDatabase db = database();
    const MemberWrite write = [this, db, table](int rows) { return memberWrite(db, rows, table); };
    Transaction tx(db, m_inBatch);
    // The entries in hand, or (none, or not the paths') the record read back.
    const bool inHand = paths.size() == names.size() && paths.size() == fingerprints.size() && !paths.isEmpty();
    return (inHand ? writeMembers(db, write, ingestId, index, QStringLiteral("confirmed"), paths, names, fingerprints,
                                  &m_lastError)
                   : applyRecord(db, write, ingestId, index, QStringLiteral("confirmed"), &m_lastError))
           && setShardState(ingestId, index, shardState) && tx.commit();
}

bool IngestJournal::applyAnsweredShards(const QString &ingestId)
{
    if (!ensureSchema())
        return false;
    QSqlDatabase db = database();
    QSqlQuery q(db);
    const auto run = [&](const QString &sql, const QVariantList &values) {
        q.prepare(sql);
        for (const QVariant &v : values)
            q.addBindValue(v);
        return q.exec() || (m_lastError = q.lastError().text(), false);
    };
    // What is there now: a shard answered meanwhile waits for the next pass.
    if (!run(QStringLiteral("SELECT max(rowid) FROM ingest_answered WHERE ingest_id = ?"), { ingestId }) || !q.next())
        return false;
    const QVariant last = q.value(0);
    q.finish();
    if (last.isNull())
        return true;
    // Sorted by path once, into a scratch table of this connection (rowid = the rank), then
    // written onto the rows a range at a time, in path order: the keys are met one after the
    // other, as the scan's copy meets them. Outside a writer's batch each range is a transaction
    // of its own, so the write-ahead log (and its index, mapped into the process) is folded back
    // between them instead of holding a million-file ingest's answers at once, and the journal's
    // other writers wait one range at most. A range written twice (a kill in between) is written
    // the same again.
    const QString columns = QLatin1String(kMemberColumns);
    if (!run(QStringLiteral("DROP TABLE IF EXISTS temp.answered_sorted"), {})
        || !run(QStringLiteral("CREATE TEMP TABLE answered_sorted AS SELECT %1 FROM ingest_answered"
                               " WHERE ingest_id = ? AND rowid <= ? ORDER BY path").arg(columns),
                { ingestId, last }))
        return false;
    const auto dropSorted = qScopeGuard([db] { QSqlQuery(db).exec(QStringLiteral("DROP TABLE IF EXISTS temp.answered_sorted")); });
    if (!run(QStringLiteral("SELECT count(*) FROM temp.answered_sorted"), {}) || !q.next())
        return false;
    const qint64 rows = q.value(0).toLongLong();
    q.finish();
    for (qint64 first = 1; first <= rows; first += kAnsweredRowsPerWrite) {
        Transaction tx(db, m_inBatch);
        if (!run(QStringLiteral("INSERT INTO ingest_files (%1) SELECT %1 FROM temp.answered_sorted"
                                " WHERE rowid >= ? AND rowid < ? ORDER BY rowid%2").arg(columns, QLatin1String(kMemberUpsert)),
                 { first, first + kAnsweredRowsPerWrite })
            || !tx.commit())
            return false;
    }
    Transaction tx(db, m_inBatch);
    return run(QStringLiteral("DELETE FROM ingest_answered WHERE ingest_id = ? AND rowid <= ?"), { ingestId, last })
           && run(QStringLiteral("UPDATE ingest_shards SET state = 'uploaded', files = NULL WHERE ingest_id = ?"
                                 " AND state = 'answered' AND NOT EXISTS (SELECT 1 FROM ingest_answered WHERE ingest_id = ?)"),
                  { ingestId, ingestId })
           && tx.commit();
}

bool IngestJournal::recoverInterruptedShards(const QString &ingestId)
{
    // (A shard "answered" before a kill is left to the scan's copy of the next run, on a worker
    // thread: a million-file ingest may hold hundreds of thousands of its members, and this runs
    // on the operation's thread, the GUI's in the app.)
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
        if (!applyRecord(db, [this, db](int rows) { return memberWrite(db, rows, MemberTable::Files); }, ingestId, index, QStringLiteral("sent"),
                         &m_lastError)
            || !setShardState(ingestId, index, QStringLiteral("interrupted")) || !tx.commit())
            return false;
    }
    return true;
}

}  // namespace bd::staging
