#include "staging/ScanStore.h"

#include "core/ManyValueStatement.h"

#include "core/Database.h"
#include "staging/BatchNaming.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>
#include <QVariant>

#include <atomic>

namespace bd::staging {

namespace {
constexpr qint64 kStaleScanSecs = 24 * 3600;

QString scansDir()
{
    return appDataDir() + QStringLiteral("/scans");
}

QString nextConnectionName()
{
    static std::atomic<quint64> counter{ 0 };
    return QStringLiteral("bd-scan-%1").arg(counter.fetch_add(1));
}
}  // namespace

struct ScanStore::Statements {
    Statements(const QSqlDatabase &db, const QString &oneRow, const QString &manyRows)
        : accepted(db, oneRow), acceptedMany(db, manyRows), skipped(db)
    {
    }
    // Finalised with this (before the connection closes: ScanStore's destructor).
    ManyValueStatement accepted;       // one row
    ManyValueStatement acceptedMany;   // kRowsPerInsert rows (640 values)
    QSqlQuery skipped;
};

namespace {
constexpr int kAcceptedColumnCount = 10;
// The walk appends to walk_files in the order it meets files, so its inserts touch the table's
// last page only (no index while walking). A path-keyed table filled in directory
// order missed a 1 MiB cache on nearly every insert from 100 000 files on; it is now filled
// once, in path order, when the walk ends (finishWriting).
constexpr int kWalkCacheSize = -256;
const char kInsertAccepted[] = "INSERT INTO walk_files (row, path, kind, size, mtime, dev, ino, name, name_key, duplicate_of)"
                               " VALUES ";

quint64 mix(quint64 x)   // splitmix64's finaliser
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}
}  // namespace

quint64 ScanStore::InodeFilter::s_bits = ScanStore::kInodeFilterBits;

namespace {
ScanStore::Settling s_settling = ScanStore::Settling::Auto;
}

void ScanStore::setSettlingForTests(Settling settling)
{
    s_settling = settling;
}

void ScanStore::setInodeFilterBitsForTests(quint64 bits)
{
    InodeFilter::s_bits = bits == 0 ? 0 : qMax<quint64>(64, bits);
}

void ScanStore::InodeFilter::add(quint64 dev, quint64 ino)
{
    if (s_bits == 0)
        return;
    if (m_words.empty())
        m_words.assign(qMax<quint64>(s_bits / 64, 1), 0);
    const quint64 h = mix(ino ^ mix(dev + 0x9e3779b97f4a7c15ULL));
    for (const quint64 bit : { h % s_bits, (h >> 32) % s_bits })
        m_words[bit / 64] |= quint64(1) << (bit % 64);
}

bool ScanStore::InodeFilter::mayContain(quint64 dev, quint64 ino) const
{
    if (s_bits == 0)
        return true;   // (tests: every file a suspect)
    if (m_words.empty())
        return false;
    const quint64 h = mix(ino ^ mix(dev + 0x9e3779b97f4a7c15ULL));
    for (const quint64 bit : { h % s_bits, (h >> 32) % s_bits })
        if (!(m_words[bit / 64] & (quint64(1) << (bit % 64))))
            return false;
    return true;
}

ScanFile::~ScanFile()
{
    QFile::remove(m_path);
}

std::shared_ptr<ScanFile> ScanStore::create(QString *error)
{
    QDir dir(scansDir());
    if (!dir.mkpath(QStringLiteral("."))) {
        if (error)
            *error = QStringLiteral("cannot create %1").arg(dir.path());
        return nullptr;
    }
    // A killed process cannot delete its scratch file: whatever is a day old is nobody's.
    const QDateTime stale = QDateTime::currentDateTimeUtc().addSecs(-kStaleScanSecs);
    for (const QFileInfo &old : dir.entryInfoList({ QStringLiteral("scan-*.sqlite") }, QDir::Files)) {
        if (old.lastModified().toUTC() < stale)
            QFile::remove(old.filePath());
    }
    return std::make_shared<ScanFile>(dir.filePath(QStringLiteral("scan-%1.sqlite")
                                                       .arg(QUuid::createUuid().toString(QUuid::WithoutBraces))));
}

bool ScanStore::attach(QSqlDatabase &db, const ScanFile &file, const QString &schema, QString *error)
{
    QSqlQuery q(db);
    q.prepare(QStringLiteral("ATTACH DATABASE ? AS %1").arg(schema));
    q.addBindValue(file.path());
    // Its page cache is on top of the connection's: keep it small (reads are in index order).
    if (q.exec() && q.exec(QStringLiteral("PRAGMA %1.cache_size=-64").arg(schema)))
        return true;
    if (error)
        *error = q.lastError().text();
    return false;
}

void ScanStore::detach(QSqlDatabase &db, const QString &schema)
{
    QSqlQuery q(db);
    q.exec(QStringLiteral("DETACH DATABASE %1").arg(schema));
}

ScanStore::ScanStore(std::shared_ptr<ScanFile> file) : m_file(std::move(file)), m_connection(nextConnectionName())
{
    if (!m_file) {
        m_error = QStringLiteral("no scan file");
        return;
    }
    m_db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connection);
    m_db.setDatabaseName(m_file->path());
    if (!m_db.open()) {
        m_error = m_db.lastError().text();
        return;
    }
    // Scratch data: a crash costs a new scan, so no journal and no fsync.
    m_open = exec(QStringLiteral("PRAGMA journal_mode=OFF")) && exec(QStringLiteral("PRAGMA synchronous=OFF"))
             && exec(QStringLiteral("PRAGMA cache_size=%1").arg(kWalkCacheSize))
             && exec(QStringLiteral("CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, kind INTEGER NOT NULL,"
                                    " size INTEGER NOT NULL, mtime INTEGER NOT NULL,"
                                    " depth INTEGER, level INTEGER NOT NULL DEFAULT 0,"
                                    " dirty INTEGER NOT NULL DEFAULT 0, name TEXT NOT NULL, name_key TEXT NOT NULL,"
                                    " early INTEGER NOT NULL DEFAULT 0)"
                                    " WITHOUT ROWID"))
             && exec(QStringLiteral("CREATE TABLE IF NOT EXISTS walk_files (row INTEGER PRIMARY KEY, path TEXT NOT NULL,"
                                    " kind INTEGER NOT NULL, size INTEGER NOT NULL, mtime INTEGER NOT NULL,"
                                    " dev INTEGER NOT NULL, ino INTEGER NOT NULL, name TEXT NOT NULL,"
                                    " name_key TEXT NOT NULL, early INTEGER NOT NULL DEFAULT 0, duplicate_of TEXT)"))
             && exec(QStringLiteral("CREATE TABLE IF NOT EXISTS skipped (seq INTEGER PRIMARY KEY, path TEXT NOT NULL,"
                                    " reason INTEGER NOT NULL, detail TEXT)"));
    if (!m_open)
        return;
    m_statements = std::make_unique<Statements>(
        m_db, QLatin1String(kInsertAccepted) + sqlPlaceholders(1, kAcceptedColumnCount),
        QLatin1String(kInsertAccepted) + sqlPlaceholders(kRowsPerInsert, kAcceptedColumnCount));
    if (!m_statements->accepted.isValid() || !m_statements->acceptedMany.isValid()) {
        m_error = m_statements->accepted.isValid() ? m_statements->acceptedMany.lastError() : m_statements->accepted.lastError();
        m_open = false;
        return;
    }
    m_unwritten.reserve(kRowsPerInsert);
    m_statements->skipped.prepare(QStringLiteral("INSERT INTO skipped (seq, path, reason, detail) VALUES (?,?,?,?)"));
}

ScanStore::~ScanStore()
{
    if (m_open)
        flushAccepted();   // as before the rows were held: what was added is in the file
    if (m_inTransaction)
        m_db.commit();
    m_statements.reset();
    m_db.close();
    m_db = QSqlDatabase();
    QSqlDatabase::removeDatabase(m_connection);
}

bool ScanStore::exec(const QString &sql)
{
    QSqlQuery q(m_db);
    if (q.exec(sql))
        return true;
    m_error = q.lastError().text() + QStringLiteral(" in: ") + sql;
    return false;
}

bool ScanStore::countRow()
{
    if (!m_inTransaction) {
        if (!m_db.transaction()) {
            m_error = m_db.lastError().text();
            return false;
        }
        m_inTransaction = true;
    }
    if (++m_pendingRows >= kRowsPerTransaction)
        return commit();
    return true;
}

bool ScanStore::flushAccepted()
{
    if (m_unwritten.empty())
        return true;
    const bool whole = int(m_unwritten.size()) == kRowsPerInsert;
    ManyValueStatement &q = whole ? m_statements->acceptedMany : m_statements->accepted;
    for (size_t i = 0; i < m_unwritten.size(); ++i) {
        const PendingRow &row = m_unwritten[i];
        const int at = whole ? int(i) * kAcceptedColumnCount : 0;
        q.bind(at, row.row);
        q.bind(at + 1, row.path);
        q.bind(at + 2, qint64(row.kind));
        q.bind(at + 3, row.size);
        q.bind(at + 4, row.mtime);
        q.bind(at + 5, qint64(row.dev));
        q.bind(at + 6, qint64(row.ino));
        q.bind(at + 7, row.base);
        q.bind(at + 8, row.key);
        q.bind(at + 9, row.duplicateOf);   // null: not a suspect
        if ((!whole || i + 1 == m_unwritten.size()) && !q.exec()) {
            m_error = q.lastError();
            m_unwritten.clear();
            return false;
        }
    }
    m_unwritten.clear();
    return true;
}

bool ScanStore::commit()
{
    m_pendingRows = 0;
    if (!flushAccepted())
        return false;
    if (!m_inTransaction)
        return true;
    m_inTransaction = false;
    if (m_db.commit())
        return true;
    m_error = m_db.lastError().text();
    return false;
}

ScanStore::InodeSeen ScanStore::checkInode(quint64 dev, quint64 ino)
{
    if (!m_open || !m_inodes.mayContain(dev, ino))
        return InodeSeen::No;
    for (const PendingRow &row : m_unwritten)
        if (row.dev == dev && row.ino == ino)
            return InodeSeen::Yes;
    return InodeSeen::Maybe;
}

bool ScanStore::resolveSuspects(const std::function<void(MediaKind kind, qint64 size)> &accepted, qint64 *duplicates)
{
    *duplicates = 0;
    if (m_suspects == 0)
        return m_open;
    if (!commit() || !exec(QStringLiteral("PRAGMA cache_size=-128")) || !exec(QStringLiteral("PRAGMA shrink_memory")))
        return false;
    // A suspect that no earlier row shares its inode with is accepted (its mark cleared); the
    // marked ones left are duplicates.
    QString settle;
    QString marked = QStringLiteral("duplicate_of IS NOT NULL");
    const bool few = s_settling == Settling::Auto ? m_suspects <= kFewSuspects && m_suspects * 64 <= m_lastRow
                                                  : s_settling == Settling::LookUpTable;
    if (few) {
        // Few (the filter's false positives up to a few hundred thousand files, and the true
        // duplicates): their inodes go in a small table, and one pass over the walk's rows looks
        // each up in it (CROSS JOIN: the walk's rows outside). Sorting every row by inode for them
        // was ~0.18 s at 100 000 files, at the end of the walk, with the upload queue running dry.
        if (!exec(QStringLiteral("CREATE TEMP TABLE suspects AS SELECT row, dev, ino FROM walk_files WHERE duplicate_of IS NOT NULL"))
            || !exec(QStringLiteral("CREATE INDEX temp.suspects_inode ON suspects(dev, ino, row)")))
            return false;
        settle = QStringLiteral("row IN (SELECT row FROM temp.suspects EXCEPT SELECT s.row FROM walk_files w"
                                " CROSS JOIN temp.suspects s ON s.dev = w.dev AND s.ino = w.ino AND s.row > w.row)");
        marked = QStringLiteral("row IN (SELECT row FROM temp.suspects) AND duplicate_of IS NOT NULL");
    } else {
        // Many: one sort of the walk's rows by inode (SQLite's sorter: its own ~1 MiB, as the
        // indexes of finishWriting, whose smaller page cache it takes first), then a look-up per
        // suspect; the index goes again before the rows move.
        if (!exec(QStringLiteral("CREATE INDEX walk_inode ON walk_files(dev, ino, row)")))
            return false;
        settle = QStringLiteral("duplicate_of IS NOT NULL AND NOT EXISTS (SELECT 1 FROM walk_files w"
                                " WHERE w.dev = walk_files.dev AND w.ino = walk_files.ino AND w.row < walk_files.row)");
    }
    {
        QSqlQuery q(m_db);
        if (!q.exec(QStringLiteral("UPDATE walk_files SET duplicate_of = NULL WHERE ") + settle
                    + QStringLiteral(" RETURNING kind, size"))) {
            m_error = q.lastError().text();
            return false;
        }
        while (q.next())
            accepted(MediaKind(q.value(0).toInt()), q.value(1).toLongLong());
    }
    if (!few && !exec(QStringLiteral("DROP INDEX walk_inode")))
        return false;
    // The marked rows move to the skipped files; how many moved is the duplicates' count.
    QSqlQuery move(m_db);
    if (!move.exec(QStringLiteral("INSERT INTO skipped (seq, path, reason, detail) SELECT %1 + row_number() OVER (ORDER BY row),"
                                  " path, %2, duplicate_of FROM walk_files WHERE %3")
                       .arg(m_skippedSeq)
                       .arg(int(SkipReason::Duplicate))
                       .arg(marked))) {
        m_error = move.lastError().text();
        return false;
    }
    *duplicates = move.numRowsAffected();
    move.finish();
    if (!exec(QStringLiteral("DELETE FROM walk_files WHERE ") + marked)
        || (few && !exec(QStringLiteral("DROP TABLE temp.suspects"))))
        return false;
    m_skippedSeq += *duplicates;
    m_suspects = 0;
    return true;
}

bool ScanStore::addAccepted(const QString &path, qint64 size, qint64 mtime, MediaKind kind, quint64 dev, quint64 ino)
{
    const QString base = BatchNaming::baseName(path);
    return addAccepted(path, size, mtime, kind, dev, ino, base, BatchNaming::collisionKey(base));
}

bool ScanStore::addAccepted(const QString &path, qint64 size, qint64 mtime, MediaKind kind, quint64 dev, quint64 ino,
                            const QString &base, const QString &key, const QString &duplicateOf)
{
    if (!m_open || !countRow())   // (a commit it makes writes what is held first)
        return false;
    m_inodes.add(dev, ino);
    if (!duplicateOf.isNull())
        ++m_suspects;
    if (base.size() * 3 > BatchNaming::kMaxNameBytes && base.toUtf8().size() > BatchNaming::kMaxNameBytes)
        ++m_longNames;   // (UTF-8 takes at most 3 bytes per UTF-16 unit)
    m_unwritten.push_back({ ++m_lastRow, path, int(kind), size, mtime, dev, ino, base, key, duplicateOf });
    return int(m_unwritten.size()) < kRowsPerInsert || flushAccepted();
}

bool ScanStore::markEarly(const QVector<qint64> &rows)
{
    if (!m_open || !flushAccepted())
        return false;
    return execInChunks(
        m_db, rows.size(), kRowsPerInsert,
        [](int n) { return QStringLiteral("UPDATE walk_files SET early = 1 WHERE row IN (%1)").arg(sqlPlaceholders(n)); },
        [&rows](QSqlQuery &q, qsizetype first, int n) {
            for (int i = 0; i < n; ++i)
                q.bindValue(i, rows.at(first + i));
        },
        &m_error);
}

QVector<std::pair<qint64, ScannedFile>> ScanStore::imagesLeftToThePlan(int limit)
{
    QVector<std::pair<qint64, ScannedFile>> out;
    if (!m_open || limit <= 0 || !flushAccepted())
        return out;
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT path, name, size, mtime, kind, row FROM walk_files"
                             " WHERE early = 0 AND duplicate_of IS NULL AND kind = ? ORDER BY row LIMIT ?"));
    q.addBindValue(int(MediaKind::Image));
    q.addBindValue(limit);
    if (!q.exec()) {
        m_error = q.lastError().text();
        return out;
    }
    while (q.next())
        out.append({ q.value(5).toLongLong(), fileOfRow(q) });
    return out;
}

bool ScanStore::addSkipped(const QString &path, SkipReason reason, const QString &detail)
{
    if (!m_open || !countRow())
        return false;
    QSqlQuery &q = m_statements->skipped;
    q.bindValue(0, ++m_skippedSeq);
    q.bindValue(1, path);
    q.bindValue(2, int(reason));
    q.bindValue(3, detail.isEmpty() ? QVariant() : QVariant(detail));
    if (q.exec())
        return true;
    m_error = q.lastError().text();
    return false;
}

bool ScanStore::finishWriting()
{
    // files_pending: the plan's pages (IngestPlanCursor) skip the early shards' files without
    // reading them (in an overlapped ingest they are most of the first paths); with the size in
    // it, the plan's counts read the index alone (~0.1 s less at 100 000 files, between the end
    // of the walk and the first planned shard).
    // The walk's page cache goes before the indexes are sorted: SQLite's sorter takes ~1 MiB of
    // its own (250 pages at least, whatever the cache size), and both at once were the peak of a
    // large ingest's memory (bench_ingest). Sorting and naming read the table and the name index
    // in order (with the walk's cache back, naming filled it again: +0.3 MB at 100 000 files).
    // The walk's rows go to the path-keyed table in one sorted pass (appends), and leave
    // walk_files empty (a reading store finds the table it would create).
    return m_open && commit() && exec(QStringLiteral("PRAGMA cache_size=-128")) && exec(QStringLiteral("PRAGMA shrink_memory"))
           && exec(QStringLiteral("INSERT INTO files (path, kind, size, mtime, name, name_key, early)"
                                  " SELECT path, kind, size, mtime, name, name_key, early FROM walk_files"
                                  " ORDER BY path"))
           && exec(QStringLiteral("DELETE FROM walk_files"))
           && exec(QStringLiteral("CREATE INDEX IF NOT EXISTS files_name ON files(name_key)"))
           && exec(QStringLiteral("CREATE INDEX IF NOT EXISTS files_pending ON files(kind, early, path, size)"))
           && assignNames();
}

bool ScanStore::assignNames()
{
    // Common folder depth of every group sharing a basename key: that of its smallest and
    // largest path (everything between them in order shares their common folders).
    bool collisions = false;
    if (!m_db.transaction()) {
        m_error = m_db.lastError().text();
        return false;
    }
    {
        QSqlQuery groups(m_db);
        groups.setForwardOnly(true);
        QSqlQuery depth(m_db);
        depth.prepare(QStringLiteral("UPDATE files SET depth = ? WHERE name_key = ?"));
        if (!groups.exec(QStringLiteral("SELECT name_key, MIN(path), MAX(path) FROM files GROUP BY name_key"
                                        " HAVING COUNT(*) > 1"))) {
            m_error = groups.lastError().text();
            m_db.rollback();
            return false;
        }
        while (groups.next()) {
            collisions = true;
            depth.bindValue(0, BatchNaming::commonFolderDepth(groups.value(1).toString(), groups.value(2).toString()));
            depth.bindValue(1, groups.value(0).toString());
            if (!depth.exec()) {
                m_error = depth.lastError().text();
                m_db.rollback();
                return false;
            }
        }
    }
    if (!m_db.commit()) {
        m_error = m_db.lastError().text();
        return false;
    }
    // The rounds of BatchNaming::uniqueNames: raise every member of a colliding set one level
    // (and a name too long for the store to level 2), rename the raised ones, until none collide.
    // The first round skips what the walk already rules out (the groups just read; the names it
    // counted as too long): for a folder of unique, short names, two passes over every file less
    // between the end of the walk and the first planned shard.
    for (bool firstRound = true;; firstRound = false) {
        QSqlQuery q(m_db);
        int raised = 0;
        if (!firstRound || collisions) {
            if (!q.exec(QStringLiteral("UPDATE files SET level = level + 1, dirty = 1 WHERE level < 4 AND name_key IN"
                                       " (SELECT name_key FROM files GROUP BY name_key HAVING COUNT(*) > 1)"))) {
                m_error = q.lastError().text();
                return false;
            }
            raised += q.numRowsAffected();
        }
        if (!firstRound || m_longNames > 0) {
            if (!q.exec(QStringLiteral("UPDATE files SET level = 2, dirty = 1 WHERE level < 2 AND length(CAST(name AS BLOB)) > %1")
                            .arg(BatchNaming::kMaxNameBytes))) {
                m_error = q.lastError().text();
                return false;
            }
            raised += q.numRowsAffected();
        }
        if (raised == 0)
            return true;
        if (!renameRaised())
            return false;
    }
}

bool ScanStore::renameRaised()
{
    struct Row {
        QString path;
        int level;
        int depth;
    };
    QSqlQuery page(m_db);
    page.prepare(QStringLiteral("SELECT path, level, depth FROM files WHERE dirty = 1 AND path > ? ORDER BY path LIMIT ?"));
    QSqlQuery update(m_db);
    update.prepare(QStringLiteral("UPDATE files SET name = ?, name_key = ?, dirty = 0 WHERE path = ?"));
    QString after = QStringLiteral("");
    for (;;) {
        QVector<Row> rows;
        page.bindValue(0, after);
        page.bindValue(1, kRowsPerTransaction);
        if (!page.exec()) {
            m_error = page.lastError().text();
            return false;
        }
        while (page.next())
            rows.append({ page.value(0).toString(), page.value(1).toInt(),
                          page.value(2).isNull() ? -1 : page.value(2).toInt() });
        page.finish();
        if (rows.isEmpty())
            return true;
        if (!m_db.transaction()) {
            m_error = m_db.lastError().text();
            return false;
        }
        for (const Row &r : std::as_const(rows)) {
            const QString name = BatchNaming::nameAtLevel(r.path, r.level, r.depth);
            update.bindValue(0, name);
            update.bindValue(1, BatchNaming::collisionKey(name));
            update.bindValue(2, r.path);
            if (!update.exec()) {
                m_error = update.lastError().text();
                m_db.rollback();
                return false;
            }
        }
        if (!m_db.commit()) {
            m_error = m_db.lastError().text();
            return false;
        }
        after = rows.last().path;
    }
}

ScannedFile ScanStore::fileOfRow(const QSqlQuery &q)
{
    ScannedFile f;
    f.path = q.value(0).toString();
    f.batchName = q.value(1).toString();
    f.size = q.value(2).toLongLong();
    f.mtime = QDateTime::fromSecsSinceEpoch(q.value(3).toLongLong(), Qt::UTC);
    f.kind = MediaKind(q.value(4).toInt());
    return f;
}

namespace {
const char kAcceptedColumns[] = "SELECT path, name, size, mtime, kind FROM files ";
}  // namespace

bool ScanStore::forEachAccepted(const std::function<bool(const ScannedFile &)> &visit)
{
    if (!m_open || !flushAccepted())
        return false;
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    if (!q.exec(QLatin1String(kAcceptedColumns) + QLatin1String("ORDER BY path"))) {
        m_error = q.lastError().text();
        return false;
    }
    while (q.next()) {
        if (!visit(fileOfRow(q)))
            break;
    }
    return true;
}

QVector<ScannedFile> ScanStore::accepted(int offset, int limit)
{
    QVector<ScannedFile> out;
    if (!m_open || !flushAccepted())
        return out;
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    q.prepare(QLatin1String(kAcceptedColumns) + QLatin1String("ORDER BY path LIMIT ? OFFSET ?"));
    q.addBindValue(limit);
    q.addBindValue(offset);
    if (!q.exec())
        m_error = q.lastError().text();
    while (q.next())
        out.append(fileOfRow(q));
    return out;
}

QVector<SkippedFile> ScanStore::skipped(int offset, int limit)
{
    QVector<SkippedFile> out;
    if (!m_open)
        return out;
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT path, reason, detail FROM skipped ORDER BY path, seq LIMIT ? OFFSET ?"));
    q.addBindValue(limit);
    q.addBindValue(offset);
    if (!q.exec())
        m_error = q.lastError().text();
    while (q.next())
        out.append({ q.value(0).toString(), SkipReason(q.value(1).toInt()), q.value(2).toString() });
    return out;
}

bool ScanStore::forEachSkipped(const std::function<bool(const SkippedFile &)> &visit)
{
    if (!m_open)
        return false;
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    if (!q.exec(QStringLiteral("SELECT path, reason, detail FROM skipped ORDER BY path, seq"))) {
        m_error = q.lastError().text();
        return false;
    }
    while (q.next()) {
        if (!visit({ q.value(0).toString(), SkipReason(q.value(1).toInt()), q.value(2).toString() }))
            break;
    }
    return true;
}

}  // namespace bd::staging
