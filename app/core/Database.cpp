#include "core/Database.h"

#include "core/PrivateFiles.h"
#include "core/Schema.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QHash>
#include <QLoggingCategory>
#include <QMutex>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QThread>
#include <QThreadPool>

#include <atomic>
#include <memory>
#include <mutex>

namespace bd {

Q_LOGGING_CATEGORY(lcDb, "batchdeck.db")

namespace {
QMutex &stateMutex()
{
    static QMutex m;
    return m;
}
QString &overridePath()
{
    static QString p;
    return p;
}
int &busyTimeoutMs()
{
    static int ms = 10000;
    return ms;
}
// The verdict of the first open of each path in this process (guarded by stateMutex()).
QHash<QString, Error> &checkedPaths()
{
    static QHash<QString, Error> h;
    return h;
}

bool isBusy(const QSqlError &e)
{
    return e.nativeErrorCode() == QLatin1String("5") || e.nativeErrorCode() == QLatin1String("6")
           || e.databaseText().contains(QLatin1String("locked"), Qt::CaseInsensitive);
}

Error lockedError(const QString &path, const QString &detail)
{
    return Error(ErrorKind::Io,
                 QStringLiteral("The local database %1 is locked by another process (%2). Close the other Batchdeck "
                                "window or command that uses it and try again. If none is running, move it aside "
                                "to start afresh: mv %1 %1.broken - unfinished ingests and exports will then start "
                                "over.")
                     .arg(path, detail));
}

Error damagedError(const QString &path, const QString &detail)
{
    return Error(ErrorKind::Io,
                 QStringLiteral("The local database %1 is damaged (%2). Move it aside to start afresh: mv %1 %1.broken"
                                " - unfinished ingests and exports will then start over.")
                     .arg(path, detail));
}

Error errorFor(const QString &path, const QSqlError &e)
{
    const QString detail = e.databaseText().isEmpty() ? e.text() : e.databaseText();
    return isBusy(e) ? lockedError(path, detail) : damagedError(path, detail);
}

// Runs once per path and process, on the first connection: the file is whole, writable now,
// and on the current schema.
Error checkAndMigrate(QSqlDatabase &db, const QString &path)
{
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("PRAGMA quick_check")))
        return errorFor(path, q.lastError());
    QStringList problems;
    while (q.next()) {
        const QString row = q.value(0).toString();
        if (row != QLatin1String("ok"))
            problems << row;
    }
    if (!problems.isEmpty())
        return damagedError(path, problems.mid(0, 3).join(QStringLiteral("; ")));
    // A process holding the write lock for long would make every journal write fail later,
    // one by one: find out now.
    if (!q.exec(QStringLiteral("BEGIN IMMEDIATE")))
        return errorFor(path, q.lastError());
    q.exec(QStringLiteral("ROLLBACK"));
    QString text;
    if (!migrateSchema(db, &text)) {
        const QSqlError last = db.lastError();
        if (isBusy(last) || text.contains(QLatin1String("locked")))
            return lockedError(path, text);
        return Error(ErrorKind::Io,
                     QStringLiteral("The local database %1 cannot be brought up to date (%2). Move it aside to start "
                                    "afresh: mv %1 %1.broken - unfinished ingests and exports will then start over.")
                         .arg(path, text));
    }
    return {};
}
}  // namespace

namespace {
QString appDataDirPath()
{
    QString dir = qEnvironmentVariable("BATCHDECK_DATA_DIR");
    if (dir.isEmpty())
        dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    if (dir.isEmpty())
        dir = QDir::homePath() + QStringLiteral("/.local/share/batchdeck");
    return dir;
}
}  // namespace

QString appDataDir()
{
    const QString dir = appDataDirPath();
    makePrivateDir(dir);
    return dir;
}

QString databasePath()
{
    {
        QMutexLocker lock(&stateMutex());
        if (!overridePath().isEmpty())
            return overridePath();
    }
    // No folder made here: database() makes it before it opens a connection (a journal write
    // asks for its connection hundreds of times per ingest; each made the folder: a stat).
    return appDataDirPath() + QStringLiteral("/batchdeck.sqlite");
}

void setDatabasePath(const QString &path)
{
    QMutexLocker lock(&stateMutex());
    overridePath() = path;
}

void setDatabaseBusyTimeoutMs(int ms)
{
    QMutexLocker lock(&stateMutex());
    busyTimeoutMs() = qMax(0, ms);
}

namespace {
// A connection belongs to the thread that opened it. Its name carries a serial of that thread,
// never its id: an ended pool thread's id is reused by the next thread, which was then handed the
// dead thread's connection and refused by Qt (every statement failed). The thread's connections
// are removed when it ends (not the main thread's: they live until exit).
//
// They are removed as the thread finishes, in the thread: a QThread (the pool's, a writer's)
// emits finished() before whoever waits for it goes on. Not from the thread's thread_local
// teardown, which runs after QThread::wait() has returned and so raced the process's exit: a
// removal after Qt SQL's statics were gone crashed the CLI after its summary (SIGSEGV in
// QReadWriteLock, seen in tst_ingestkill). That teardown still removes those of threads Qt did
// not start. And none from QCoreApplication's destructor on (a post routine, registered after Qt
// SQL's own, so it runs first): Qt SQL then clears every connection itself, with tables a
// removal beside it would race; the mutex makes a removal either finish before that or not start.
struct ConnectionTeardown {
    QMutex mutex;
    bool exiting = false;
};

ConnectionTeardown &connectionTeardown()
{
    static auto *teardown = new ConnectionTeardown;   // never destroyed: thread exits may outlive statics
    return *teardown;
}

void stopRemovingConnections()
{
    // The pool's threads end now rather than right after this routine (QCoreApplication's
    // destructor joins them next anyway), each removing its own connections as it finishes,
    // in its thread: Qt SQL's clearing, which runs after this, then finds the main thread's.
    QThreadPool::globalInstance()->waitForDone();
    QMutexLocker lock(&connectionTeardown().mutex);
    connectionTeardown().exiting = true;
}

// The names of one thread's connections. Shared with its finished() handler, which for a thread
// Qt did not start runs in the thread's teardown, possibly after the thread_local is gone.
struct ConnectionNames {
    QMutex mutex;
    QStringList names;
    void removeAll()
    {
        QMutexLocker teardown(&connectionTeardown().mutex);
        QMutexLocker lock(&mutex);
        if (!connectionTeardown().exiting) {
            for (const QString &name : std::as_const(names))
                QSqlDatabase::removeDatabase(name);
        }
        names.clear();
    }
};

struct ThreadConnections {
    quint64 serial = 0;
    bool mainThread = false;
    std::shared_ptr<ConnectionNames> names = std::make_shared<ConnectionNames>();
    ~ThreadConnections()
    {
        if (!mainThread)
            names->removeAll();
    }
};

ThreadConnections &threadConnections()
{
    static std::atomic<quint64> nextSerial{ 1 };
    thread_local ThreadConnections connections;
    if (connections.serial == 0) {
        connections.serial = nextSerial.fetch_add(1);
        const QCoreApplication *app = QCoreApplication::instance();
        QThread *thread = QThread::currentThread();
        connections.mainThread = !app || thread == app->thread();
        if (!connections.mainThread) {
            QObject::connect(thread, &QThread::finished, thread, [names = connections.names] { names->removeAll(); },
                             Qt::DirectConnection);
        }
    }
    return connections;
}
}  // namespace

QSqlDatabase database()
{
    const QString path = databasePath();
    ThreadConnections &mine = threadConnections();
    const QString name = QStringLiteral("bd-%1-%2").arg(mine.serial).arg(qHash(path));
    {
        QMutexLocker lock(&mine.names->mutex);
        if (!mine.names->names.contains(name))
            mine.names->names.append(name);
    }
    if (QSqlDatabase::contains(name)) {
        QSqlDatabase db = QSqlDatabase::database(name, false);   // true would reopen a refused file
        if (db.isOpen())
            return db;
    }
    QMutexLocker lock(&stateMutex());
    const auto known = checkedPaths().constFind(path);
    if (known != checkedPaths().cend() && known->isError())
        return QSqlDatabase();   // refused before: databaseError() says why
    const bool firstOpen = known == checkedPaths().cend();
    const int timeoutMs = busyTimeoutMs();
    lock.unlock();

    // Our files are private whatever the umask: create the database 0600 before SQLite does
    // (SQLite gives the -wal and -shm files the database file's mode).
    makePrivateDir(QFileInfo(path).absolutePath());
    QString createError;
    if (!makePrivateFile(path, &createError)) {
        const Error e(ErrorKind::Io, QStringLiteral("The local database %1 cannot be created or opened (%2). Check the "
                                                    "folder's permissions, or set BATCHDECK_DATA_DIR to another folder.")
                                         .arg(path, createError));
        QMutexLocker again(&stateMutex());
        checkedPaths().insert(path, e);
        qCWarning(lcDb).noquote() << e.message;
        return QSqlDatabase();
    }
    tightenFile(path + QStringLiteral("-wal"));
    tightenFile(path + QStringLiteral("-shm"));

    QSqlDatabase db = QSqlDatabase::contains(name) ? QSqlDatabase::database(name, false)
                                                   : QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
    // After Qt SQL registered its own clean-up (on its first connection): post routines run
    // last-registered first, so no thread removes a connection while Qt SQL clears them all.
    static std::once_flag registered;
    std::call_once(registered, [] { qAddPostRoutine(stopRemovingConnections); });
    db.setDatabaseName(path);
    db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=%1").arg(timeoutMs));
    Error problem;
    if (!db.open()) {
        problem = errorFor(path, db.lastError());
    } else {
        QSqlQuery q(db);
        // journal_mode reads the header first: a garbage file fails here ("file is not a database").
        // cache_size: each connection's page cache grows to its bound as the database grows (the
        // default, 2 MiB per connection and per schema, is filled by a 10 000-file journal and
        // not by a 1 000-file one): 256 KiB keeps memory flat from 1k to 1M files. The journal's
        // statements walk indexes in key order, so a small cache costs little (measured in
        // bench_ingest). temp: the resume check's tables (IngestResumeCheck). wal_autocheckpoint:
        // the log folds back into the database at 32 MiB rather than 4 MiB; a big ingest rewrites the
        // same index pages many times, so each checkpoint writes (and fdatasyncs) far fewer pages
        // than eight small ones (a 100 000-file ingest: 237 fsyncs in 1.1 s down to 40 in 0.4 s).
        for (const char *pragma : { "PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON",
                                    "PRAGMA cache_size=-256", "PRAGMA temp.cache_size=-256",
                                    "PRAGMA wal_autocheckpoint=8192" }) {
            if (!q.exec(QLatin1String(pragma))) {
                problem = errorFor(path, q.lastError());
                break;
            }
        }
        if (!problem && firstOpen)
            problem = checkAndMigrate(db, path);
    }
    if (firstOpen || problem) {
        QMutexLocker again(&stateMutex());
        checkedPaths().insert(path, problem);
    }
    if (problem) {
        qCWarning(lcDb).noquote() << problem.message;
        db.close();
        return QSqlDatabase();
    }
    tightenFile(path + QStringLiteral("-wal"));
    tightenFile(path + QStringLiteral("-shm"));
    return db;
}

Error databaseError()
{
    const QString path = databasePath();
    {
        QMutexLocker lock(&stateMutex());
        const auto known = checkedPaths().constFind(path);
        if (known != checkedPaths().cend())
            return *known;
    }
    database();
    QMutexLocker lock(&stateMutex());
    return checkedPaths().value(path);
}

QString sqlPlaceholders(int rows, int columns)
{
    const QString one = columns == 1 ? QStringLiteral("?")
                                     : QLatin1Char('(') + QStringLiteral("?,").repeated(columns - 1) + QStringLiteral("?)");
    QString all;
    all.reserve(rows * (one.size() + 1));
    for (int i = 0; i < rows; ++i) {
        if (i > 0)
            all += QLatin1Char(',');
        all += one;
    }
    return all;
}

SmallPageCache::SmallPageCache(QSqlDatabase db, const QStringList &schemas, int kib) : m_db(std::move(db))
{
    QSqlQuery q(m_db);
    for (const QString &schema : schemas) {
        if (!q.exec(QStringLiteral("PRAGMA %1.cache_size").arg(schema)) || !q.next())
            continue;
        const QVariant before = q.value(0);
        q.finish();
        if (q.exec(QStringLiteral("PRAGMA %1.cache_size=%2").arg(schema).arg(-qMax(1, kib))))
            m_before.append({ schema, before });
    }
}

SmallPageCache::~SmallPageCache()
{
    QSqlQuery q(m_db);
    for (const auto &[schema, size] : std::as_const(m_before))
        q.exec(QStringLiteral("PRAGMA %1.cache_size=%2").arg(schema, size.toString()));
    q.exec(QStringLiteral("PRAGMA shrink_memory"));
}

bool execInChunks(QSqlDatabase &db, qsizetype count, int chunk, const std::function<QString(int)> &makeSql,
                  const std::function<void(QSqlQuery &, qsizetype, int)> &bind, QString *errorText)
{
    QSqlQuery query(db);
    int prepared = 0;
    for (qsizetype first = 0; first < count;) {
        const int rows = int(qMin<qsizetype>(chunk, count - first));
        if (rows != prepared) {
            if (!query.prepare(makeSql(rows))) {
                if (errorText)
                    *errorText = query.lastError().text();
                return false;
            }
            prepared = rows;
        }
        bind(query, first, rows);
        if (!query.exec()) {
            if (errorText)
                *errorText = query.lastError().text();
            return false;
        }
        first += rows;
    }
    return true;
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
