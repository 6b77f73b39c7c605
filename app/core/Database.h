#pragma once
// The one local SQLite database (ingest and export journals, watched jobs, webhook history).
// QSqlDatabase connections belong to one thread each, so database() opens (once per thread)
// a connection named after the thread. WAL mode and short transactions: a kill loses nothing.
#include <QSqlDatabase>
#include <QString>

namespace bd {

// Where Batchdeck keeps its files: $BATCHDECK_DATA_DIR if set (tests, portable installs),
// else QStandardPaths::AppDataLocation. Created on first use.
QString appDataDir();

// Path of the database file (appDataDir()/batchdeck.sqlite unless overridden by setDatabasePath).
QString databasePath();
void setDatabasePath(const QString &path);

// This thread's open connection; each domain creates its own tables with CREATE TABLE IF NOT
// EXISTS before use. Returns an invalid (closed) database and logs a warning if opening fails.
QSqlDatabase database();

// Run statements in one transaction; false (and rollback) on the first failure.
bool execAll(QSqlDatabase &db, const QStringList &statements, QString *errorText = nullptr);

}  // namespace bd
