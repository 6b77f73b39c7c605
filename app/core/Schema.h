#pragma once
// The one schema of the local database: every table of every domain, created and changed only
// by an ordered list of migrations. A database records the migrations it has had in
// `schema_migrations`; opening it (bd::database()) applies the missing ones, each in its own
// IMMEDIATE transaction, so two processes opening an old database at once migrate it once.
//
// To change a table: APPEND a Migration to the list in Schema.cpp (never edit a shipped one).
// Migration 1 is the layout every domain created for itself before the schema existed, so a
// database written by an older Batchdeck migrates without losing a row.
#include <QSqlDatabase>
#include <QString>
#include <QStringList>
#include <QVector>

namespace bd {

struct Migration {
    int version = 0;          // 1, 2, 3 ... = position in the list + 1
    QString domain;           // who asked for it ("core", "staging", "exports" ...)
    QString description;
    QStringList statements;
};

// The ordered list. Version N is migrations()[N - 1].
const QVector<Migration> &schemaMigrations();
// The version a freshly migrated database has.
int latestSchemaVersion();
// Highest migration applied to `db` (0 for an empty or pre-schema database; -1 if unreadable).
int schemaVersion(QSqlDatabase &db);
// Applies every missing migration; false (with *errorText) on the first failure, which is
// rolled back. A database NEWER than this build (a later Batchdeck wrote it) is an error too.
bool migrateSchema(QSqlDatabase &db, QString *errorText = nullptr);

}  // namespace bd
