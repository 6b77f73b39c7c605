#include "core/Database.h"

#include <QDir>
#include <QMutex>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QThread>
#include <QLoggingCategory>

namespace bd {

Q_LOGGING_CATEGORY(lcDb, "batchdeck.db")

namespace {
QMutex &pathMutex()
{
    static QMutex m;
    return m;
}
QString &overridePath()
{
    static QString p;
    return p;
}
}  // namespace

QString appDataDir()
{
    QString dir = qEnvironmentVariable("BATCHDECK_DATA_DIR");
    if (dir.isEmpty())
        dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    if (dir.isEmpty())
        dir = QDir::homePath() + QStringLiteral("/.local/share/batchdeck");
    QDir().mkpath(dir);
    return dir;
}

QString databasePath()
{
    QMutexLocker lock(&pathMutex());
    if (!overridePath().isEmpty())
        return overridePath();
    return appDataDir() + QStringLiteral("/batchdeck.sqlite");
}

void setDatabasePath(const QString &path)
{
    QMutexLocker lock(&pathMutex());
    overridePath() = path;
}

QSqlDatabase database()
{
    const QString path = databasePath();
    const QString name = QStringLiteral("bd-%1-%2")
                             .arg(quintptr(QThread::currentThreadId()))
                             .arg(qHash(path));
    if (QSqlDatabase::contains(name)) {
        QSqlDatabase db = QSqlDatabase::database(name);
        if (db.isOpen())
            return db;
    }
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
    db.setDatabaseName(path);
    db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=10000"));
    if (!db.open()) {
        qCWarning(lcDb) << "cannot open database" << path << db.lastError().text();
        return db;
    }
    QSqlQuery q(db);
    q.exec(QStringLiteral("PRAGMA journal_mode=WAL"));
    q.exec(QStringLiteral("PRAGMA synchronous=NORMAL"));
    q.exec(QStringLiteral("PRAGMA foreign_keys=ON"));
    return db;
}

bool execAll(QSqlDatabase &db, const QStringList &statements, QString *errorText)
{
    if (!db.transaction()) {
        if (errorText)
            *errorText = db.lastError().text();
        return false;
    }
    QSqlQuery q(db);
    for (const QString &s : statements) {
        if (!q.exec(s)) {
            if (errorText)
                *errorText = q.lastError().text() + QStringLiteral(" in: ") + s;
            db.rollback();
            return false;
        }
    }
    return db.commit();
}

}  // namespace bd
