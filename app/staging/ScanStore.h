#pragma once
// ScanStore: a folder scan's entries on disk, so a scan of a million files costs no memory per
// file. Each scan writes one scratch SQLite file (appDataDir()/scans, journal and fsync off: a
// crash only means scanning again) that is deleted with the last ScanResult holding it:
//
//   walk_files  accepted files as the walk meets them (rows in walk order, so an insert appends),
//               device + inode (the same file reached by two paths is a duplicate: checkInode),
//               what a suspect would duplicate (duplicate_of, until resolveSuspects);
//               emptied into `files` when the walk ends
//   files       the same files by path (primary key, so reads come in path order): kind, size,
//               mtime, and the naming state of BatchNaming (level, common folder depth, name,
//               its key); early: handed to an upload while the walk went on (EarlyShards.h)
//   skipped     skipped entries with their reason
//
// Names are given by the rounds of BatchNaming::uniqueNames, run as queries: group by collision
// key, raise every member of a colliding group one level, rename only the raised rows, until
// nothing collides - the same names as in memory, with the groups in the database.
//
// A ScanStore is one connection and belongs to the thread that made it (Qt SQL connections are
// per thread); several may read one file at once.
#include "staging/ScanResult.h"

#include <QSqlDatabase>
#include <QString>
#include <QVector>

#include <functional>
#include <memory>
#include <vector>

class QSqlQuery;

namespace bd::staging {

// Owns a scratch file: removes it when destroyed.
class ScanFile
{
public:
    explicit ScanFile(QString path) : m_path(std::move(path)) {}
    ~ScanFile();
    ScanFile(const ScanFile &) = delete;
    ScanFile &operator=(const ScanFile &) = delete;
    const QString &path() const { return m_path; }

private:
    QString m_path;
};

class ScanStore
{
public:
    // Rows written per transaction while scanning.
    static constexpr int kRowsPerTransaction = 2000;
    // Accepted rows go in by one INSERT of this many (the per-statement cost of Qt SQL is most of
    // a small row's): they are written before anything reads or updates the table.
    static constexpr int kRowsPerInsert = 64;

    // A new, empty scratch file (scratch files a killed process left, older than a day, go).
    static std::shared_ptr<ScanFile> create(QString *error);

    // Attaches a scan file to another connection (e.g. the journal's database()) under
    // `schema`, so one query can join the scan's files with the journal's rows. Outside any
    // transaction; detach before the file goes.
    static bool attach(QSqlDatabase &db, const ScanFile &file, const QString &schema, QString *error);
    static void detach(QSqlDatabase &db, const QString &schema);

    explicit ScanStore(std::shared_ptr<ScanFile> file);
    ~ScanStore();
    ScanStore(const ScanStore &) = delete;
    ScanStore &operator=(const ScanStore &) = delete;

    bool isOpen() const { return m_open; }
    QString lastError() const { return m_error; }
    const std::shared_ptr<ScanFile> &file() const { return m_file; }

    // Writing (the walker's thread). Rows are committed every kRowsPerTransaction.
    // Whether an accepted file already has this device and inode (another name of the same
    // file). A filter of fixed size (InodeFilter) answers No for almost every new file; Yes
    // only for a match among the rows not written yet; otherwise Maybe: the file is added as a
    // suspect and resolveSuspects decides once the walk is over. No index on (dev, ino) is kept
    // while walking: its inserts land on random pages, which a flat page cache misses from
    // ~100 000 files on (the walk took seconds longer).
    enum class InodeSeen { No, Yes, Maybe };
    InodeSeen checkInode(quint64 dev, quint64 ino);
    bool addAccepted(const QString &path, qint64 size, qint64 mtime, MediaKind kind, quint64 dev, quint64 ino);
    // The same with the basename and its collision key already computed (BatchNaming).
    // `duplicateOf`: for a suspect (checkInode said Maybe), what to name as the file it would
    // duplicate (its canonical path); null for any other file.
    bool addAccepted(const QString &path, qint64 size, qint64 mtime, MediaKind kind, quint64 dev, quint64 ino,
                     const QString &base, const QString &key, const QString &duplicateOf = QString());
    // Settles the suspects: one whose device and inode an earlier row has is moved to the
    // skipped files (a duplicate, with its detail); the others stay accepted and are reported
    // through `accepted` (kind, bytes). Call once the walk is over, before finishWriting.
    // `duplicates` gets how many were skipped.
    bool resolveSuspects(const std::function<void(MediaKind kind, qint64 size)> &accepted, qint64 *duplicates);
    // Up to this many suspects (and one per 64 rows), resolveSuspects looks the walk's rows up
    // in a table of theirs instead of sorting all rows by inode (a table this small stays small).
    static constexpr qint64 kFewSuspects = 4096;
    // Tests: settle the suspects one way whatever their number (Auto: by kFewSuspects).
    enum class Settling { Auto, LookUpTable, SortAll };
    static void setSettlingForTests(Settling settling);
    // Tests: a filter of this many bits (a power of two), so most files are suspects; 0: every
    // file is one.
    static constexpr quint64 kInodeFilterBits = quint64(1) << 23;
    static void setInodeFilterBitsForTests(quint64 bits);
    // The row addAccepted gave the file it added last (rows count from 1 in walk order).
    qint64 lastAcceptedRow() const { return m_lastRow; }
    // These accepted rows went out in an early shard (in the walk's current transaction).
    bool markEarly(const QVector<qint64> &rows);
    // Up to `limit` accepted images in no early shard and not suspects, in the walk's order
    // (ScannedFile::batchName: the base name), with their rows (EarlyShardBuilder::walkEnded).
    QVector<std::pair<qint64, ScannedFile>> imagesLeftToThePlan(int limit);
    bool addSkipped(const QString &path, SkipReason reason, const QString &detail);
    // Commits the rest and names every accepted file (BatchNaming rules).
    bool finishWriting();

    // A file from a query's first columns: path, name (in the batch), size, mtime, kind.
    static ScannedFile fileOfRow(const QSqlQuery &q);

    // Reading, in path order. visit returns false to stop.
    bool forEachAccepted(const std::function<bool(const ScannedFile &)> &visit);
    QVector<ScannedFile> accepted(int offset, int limit);
    QVector<SkippedFile> skipped(int offset, int limit);
    bool forEachSkipped(const std::function<bool(const SkippedFile &)> &visit);

private:
    struct PendingRow {
        qint64 row;
        QString path;
        int kind;
        qint64 size;
        qint64 mtime;
        quint64 dev;
        quint64 ino;
        QString base;
        QString key;
        QString duplicateOf;   // a suspect's detail; null otherwise
    };
    // Bits of (device, inode) pairs added: 8 Mi bits (1 MiB whatever the folder's size), two
    // per pair; a false "maybe" (about 5 % at a million files) only makes a suspect.
    class InodeFilter
    {
    public:
        void add(quint64 dev, quint64 ino);
        bool mayContain(quint64 dev, quint64 ino) const;

        static quint64 s_bits;   // kInodeFilterBits, or a test's

    private:
        std::vector<quint64> m_words;   // allocated by the first add (a reading store has none)
    };

    bool exec(const QString &sql);
    bool countRow();
    bool flushAccepted();
    bool commit();
    bool assignNames();
    bool renameRaised();

    struct Statements;

    std::shared_ptr<ScanFile> m_file;
    QString m_connection;
    std::unique_ptr<Statements> m_statements;   // prepared once: a million rows
    QSqlDatabase m_db;
    bool m_open = false;
    bool m_inTransaction = false;
    int m_pendingRows = 0;
    std::vector<PendingRow> m_unwritten;   // accepted, not inserted yet (< kRowsPerInsert)
    InodeFilter m_inodes;
    qint64 m_skippedSeq = 0;
    qint64 m_lastRow = 0;
    qint64 m_suspects = 0;
    qint64 m_longNames = 0;   // accepted files whose name is too long for the service as it is
    QString m_error;
};

}  // namespace bd::staging
