#pragma once
// The one local SQLite database (ingest and export journals, watched jobs, webhook history).
// QSqlDatabase connections belong to one thread each, so database() opens (once per thread)
// a connection named after the thread. WAL mode and short transactions: a kill loses nothing.
//
// The first open in a process checks the file (PRAGMA quick_check, a write-lock probe) and
// brings its tables to the current schema (core/Schema.h). A damaged, locked or unreadable
// database makes every later database() call return a closed connection, and databaseError()
// says what is wrong and how to get out (move the file aside), so every front end - CLI
// (CliContext) and GUI - stops with the same clear message instead of running without its
// journal. The files are private: 0600 in a 0700 folder (core/PrivateFiles.h).
#include "core/Error.h"

#include <QList>
#include <QPair>
#include <QSqlDatabase>
#include <QString>
#include <QStringList>
#include <QVariant>

#include <functional>

class QSqlQuery;

namespace bd {

// Where Batchdeck keeps its files: $BATCHDECK_DATA_DIR if set (tests, portable installs),
// else QStandardPaths::AppDataLocation. Created (0700) on first use.
QString appDataDir();

// Path of the database file (appDataDir()/batchdeck.sqlite unless overridden by setDatabasePath).
QString databasePath();
void setDatabasePath(const QString &path);

// This thread's open connection, schema migrated. A closed (invalid) database when the file
// cannot be used: databaseError() then tells why.
QSqlDatabase database();

// What is wrong with the database at databasePath() (opening it if this process has not yet),
// or no error. The message names the path and the way out, e.g. "The local database <path> is
// damaged (<sqlite message>). Move it aside to start afresh: mv <path> <path>.broken - ...".
Error databaseError();

// How long a statement waits for another process's lock before failing (default 10 000 ms).
// Takes effect for connections opened afterwards (tests shorten it).
void setDatabaseBusyTimeoutMs(int ms);

// Run statements in one transaction; false (and rollback) on the first failure.
bool execAll(QSqlDatabase &db, const QStringList &statements, QString *errorText = nullptr);

// While it lives, the page caches of `schemas` on `db` (e.g. "main" and an attached one) hold at
// most `kib` KiB; then each gets its size back and the connection frees what it cached. For a pass
// that reads large tables once in index order on a connection that stays open (a pool thread's):
// a larger cache would only keep pages read once, and raise the peak memory at the end of a large
// ingest (bench_ingest's peak RSS). A schema detached meanwhile is skipped.
class SmallPageCache
{
public:
    SmallPageCache(QSqlDatabase db, const QStringList &schemas, int kib = 32);
    ~SmallPageCache();
    SmallPageCache(const SmallPageCache &) = delete;
    SmallPageCache &operator=(const SmallPageCache &) = delete;

private:
    QSqlDatabase m_db;
    QList<QPair<QString, QVariant>> m_before;   // schema, its cache_size
};

// `rows` groups of `columns` placeholders for one statement: "(?,?),(?,?)"; "?,?" when
// columns is 1 (an IN list). One statement for many rows: Qt SQL's cost per executed statement
// is most of what a small row costs.
QString sqlPlaceholders(int rows, int columns = 1);

// One statement per chunk of at most `chunk` of `count` rows: makeSql(n) is the statement for n
// rows (prepared again only when n changes: the last chunk), bind(query, first, n) binds the
// values of rows first .. first + n - 1. False, with the driver's message, on the first failure.
bool execInChunks(QSqlDatabase &db, qsizetype count, int chunk, const std::function<QString(int rows)> &makeSql,
                  const std::function<void(QSqlQuery &query, qsizetype first, int rows)> &bind,
                  QString *errorText = nullptr);

}  // namespace bd
