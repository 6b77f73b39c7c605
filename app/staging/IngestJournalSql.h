#pragma once
// SQL pieces shared by IngestJournal's two files (IngestJournal.cpp: ingests, files of one
// ingest, shards; IngestJournalBatch.cpp: what a batch already holds, across ingests).
#include "core/Database.h"
#include "staging/IngestJournal.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>
#include <QVariant>

namespace bd::staging::journalsql {

// SQL NULL never equals anything: an unknown service or workspace is stored and matched as ''.
inline QString notNull(const QString &text)
{
    return text.isNull() ? QString(QLatin1String("")) : text;
}

// Rows written before the journal knew its service have an empty target and match any.
inline constexpr char kTargetMatch[] = "((api_base_url = ? AND workspace = ?) OR api_base_url = '')";

inline constexpr char kFileColumns[] = "SELECT path, batch_name, size, mtime, state, reason, mtime_ns, fingerprint_at_ns,"
                                       " sha256, sent_at_ms, body_left, ingest_id ";

// One row read with kFileColumns.
inline JournalFile fileFromQuery(const QSqlQuery &q)
{
    JournalFile f;
    f.path = q.value(0).toString();
    f.batchName = q.value(1).toString();
    f.size = q.value(2).toLongLong();
    f.mtime = q.value(3).toLongLong();
    f.state = journalFileStateFromName(q.value(4).toString());
    f.reason = q.value(5).toString();
    if (!q.value(6).isNull()) {
        f.fingerprint.size = f.size;
        f.fingerprint.mtimeNs = q.value(6).toLongLong();
        f.fingerprint.takenAtNs = q.value(7).toLongLong();
        f.fingerprint.sha256 = q.value(8).toString();
    }
    f.sentAtMs = q.value(9).toLongLong();
    f.bodyLeft = q.value(10).toInt() != 0;
    f.ingestId = q.value(11).toString();
    return f;
}

// JSON kept in a TEXT column (sources, options, a shard's members and in-flight record).
inline QString toJsonText(const QJsonArray &a)
{
    return QString::fromUtf8(QJsonDocument(a).toJson(QJsonDocument::Compact));
}

inline QString toJsonText(const QJsonObject &o)
{
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

// Rows per statement of the path-list writes (each with a few values: well within SQLite's limit).
inline constexpr int kRowsPerStatement = 128;

// `sql` with %1 for an IN list of paths, `fixed` bound before it: one statement per chunk.
inline bool updatePaths(QSqlDatabase db, const QString &sql, const QVariantList &fixed, const QStringList &paths,
                        QString *error)
{
    return execInChunks(
        db, paths.size(), kRowsPerStatement, [&sql](int rows) { return sql.arg(sqlPlaceholders(rows)); },
        [&](QSqlQuery &q, qsizetype first, int rows) {
            for (int i = 0; i < fixed.size(); ++i)
                q.bindValue(i, fixed.at(i));
            for (int i = 0; i < rows; ++i)
                q.bindValue(int(fixed.size()) + i, paths.at(first + i));
        },
        error);
}

// Commits on success, rolls back otherwise; the database stays usable either way. Inside a
// batch (JournalWriter) a savepoint of the batch's transaction instead.
class Transaction
{
public:
    Transaction(QSqlDatabase db, bool inBatch) : m_db(std::move(db)), m_inBatch(inBatch)
    {
        m_open = m_inBatch ? QSqlQuery(m_db).exec(QStringLiteral("SAVEPOINT journal_write")) : m_db.transaction();
    }
    ~Transaction()
    {
        if (!m_open)
            return;
        if (m_inBatch) {
            QSqlQuery q(m_db);
            q.exec(QStringLiteral("ROLLBACK TO journal_write"));
            q.exec(QStringLiteral("RELEASE journal_write"));
        } else {
            m_db.rollback();
        }
    }
    bool commit()
    {
        m_open = false;
        return m_inBatch ? QSqlQuery(m_db).exec(QStringLiteral("RELEASE journal_write")) : m_db.commit();
    }

private:
    QSqlDatabase m_db;
    bool m_inBatch = false;
    bool m_open = false;
};

}  // namespace bd::staging::journalsql
