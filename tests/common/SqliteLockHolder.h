#pragma once
// The "other process" of the locked-database tests: the test binary runs itself again with
// BD_HOLD_LOCK=<database>; that copy takes SQLite's exclusive lock with one write, prints
// "locked" and waits to be killed.
#include <QCoreApplication>
#include <QSqlDatabase>
#include <QSqlQuery>

#include <cstdio>
#include <optional>
#include <unistd.h>

namespace sqlitetest {

// No value when BD_HOLD_LOCK is not set (run the tests); else the holder's exit code on failure
// (1: cannot open, 2: cannot lock). On success it never returns.
inline std::optional<int> holdLockIfAsked(int argc, char **argv, const char *write)
{
    const QByteArray hold = qgetenv("BD_HOLD_LOCK");
    if (hold.isEmpty())
        return std::nullopt;
    QCoreApplication app(argc, argv);
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("holder"));
    db.setDatabaseName(QString::fromLocal8Bit(hold));
    if (!db.open())
        return 1;
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("PRAGMA locking_mode=EXCLUSIVE")) || !q.exec(QStringLiteral("BEGIN EXCLUSIVE"))
        || !q.exec(QString::fromLatin1(write)))
        return 2;
    std::printf("locked\n");
    std::fflush(stdout);
    for (;;)
        ::pause();
}

}  // namespace sqlitetest
