// The local database: one versioned schema that migrates a database written by the previous
// layout without losing a row; a damaged, garbage or locked file stops with a clear message and
// a way out instead of running without its journal; and the files are private (0600 in 0700).
//
// The lock holder is a second process: this same test binary started with BD_HOLD_LOCK=<path>
// (see main() below), which takes SQLite's exclusive lock and keeps it until it is killed.
#include "core/AppSettings.h"
#include "core/Database.h"
#include "core/Schema.h"
#include "common/SqliteLockHolder.h"

#include <QProcess>
#include <QRandomGenerator>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

#include <cstdio>
#include <set>
#include <thread>
#include <sys/stat.h>
#include <unistd.h>

namespace {
int modeOf(const QString &path)
{
    struct stat st;
    return ::stat(QFile::encodeName(path).constData(), &st) == 0 ? int(st.st_mode & 0777) : -1;
}

// The exact CREATE statements of the four domains as they were on main before the schema
// (app/staging/IngestJournal.cpp, app/exports/ExportJournal.cpp, app/notify/WebhookStore.cpp,
// app/jobs/JobMonitor.cpp): the "previous layout" a user's database has.
const char *const kPreviousLayout[] = {
    "CREATE TABLE IF NOT EXISTS ingests ("
    " ingest_id TEXT PRIMARY KEY, batch_id TEXT NOT NULL, display_name TEXT,"
    " sources TEXT NOT NULL, media TEXT, options TEXT, method TEXT, state TEXT NOT NULL,"
    " created_at INTEGER, updated_at INTEGER)",
    "CREATE INDEX IF NOT EXISTS ingests_batch ON ingests(batch_id)",
    "CREATE TABLE IF NOT EXISTS ingest_files ("
    " ingest_id TEXT NOT NULL, path TEXT NOT NULL, batch_id TEXT NOT NULL, batch_name TEXT,"
    " size INTEGER, mtime INTEGER, state TEXT NOT NULL, reason TEXT,"
    " PRIMARY KEY (ingest_id, path))",
    "CREATE INDEX IF NOT EXISTS ingest_files_batch ON ingest_files(batch_id, state)",
    "CREATE TABLE IF NOT EXISTS ingest_shards ("
    " ingest_id TEXT NOT NULL, shard_index INTEGER NOT NULL, members TEXT, state TEXT,"
    " PRIMARY KEY (ingest_id, shard_index))",
    "CREATE TABLE IF NOT EXISTS exports ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " batch_id TEXT NOT NULL,"
    " target_dir TEXT NOT NULL,"
    " created_at TEXT NOT NULL,"
    " updated_at TEXT NOT NULL,"
    " state TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS export_files ("
    " export_id INTEGER NOT NULL REFERENCES exports(id) ON DELETE CASCADE,"
    " file_key TEXT NOT NULL,"
    " part_name TEXT,"
    " file_name TEXT NOT NULL,"
    " size_expected INTEGER,"
    " bytes_done INTEGER NOT NULL DEFAULT 0,"
    " state TEXT NOT NULL,"
    " error_text TEXT,"
    " updated_at TEXT NOT NULL,"
    " PRIMARY KEY (export_id, file_key))",
    "CREATE INDEX IF NOT EXISTS exports_by_batch ON exports(batch_id, target_dir)",
    "CREATE TABLE IF NOT EXISTS webhook_events ("
    " event_id TEXT PRIMARY KEY,"
    " kind TEXT NOT NULL,"
    " type TEXT,"
    " received_at TEXT NOT NULL,"
    " delivery_attempt INTEGER,"
    " job_id TEXT, job_state TEXT,"
    " ingest_id TEXT, batch_id TEXT, shard_id TEXT,"
    " success INTEGER,"
    " payload TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS webhook_events_received ON webhook_events(received_at)",
    "CREATE TABLE IF NOT EXISTS watched_jobs ("
    " job_id TEXT PRIMARY KEY,"
    " added_at TEXT NOT NULL,"
    " finished INTEGER NOT NULL DEFAULT 0,"
    " success INTEGER NOT NULL DEFAULT 0)",
};

const char *const kPreviousRows[] = {
    "INSERT INTO ingests VALUES ('ing-1','b1','B one','[\"/src\"]','images','{}','sharded','uploaded',1,2)",
    "INSERT INTO ingest_files VALUES ('ing-1','/src/a.jpg','b1','a.jpg',10,100,'confirmed',NULL)",
    "INSERT INTO ingest_files VALUES ('ing-1','/src/b.jpg','b1','b.jpg',11,101,'sent',NULL)",
    "INSERT INTO ingest_shards VALUES ('ing-1',0,'[\"a.jpg\",\"b.jpg\"]','sent')",
    "INSERT INTO exports (batch_id, target_dir, created_at, updated_at, state) VALUES ('b1','/t','c','u','running')",
    "INSERT INTO export_files VALUES (1,'k1',NULL,'a.jpg',10,5,'partial',NULL,'u')",
    "INSERT INTO webhook_events VALUES ('ev1','job','t','r',1,'j1','done',NULL,NULL,NULL,1,'{}')",
    "INSERT INTO watched_jobs VALUES ('j1','2026-01-01T00:00:00Z',1,1)",
};

int countRows(QSqlDatabase db, const QString &table)
{
    QSqlQuery q(db);
    return q.exec(QStringLiteral("SELECT count(*) FROM ") + table) && q.next() ? q.value(0).toInt() : -1;
}

// A valid database with some rows (several pages), written by a plain connection.
void writeDatabase(const QString &path, int rows)
{
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("fixture"));
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery q(db);
        for (const char *s : kPreviousLayout)
            QVERIFY2(q.exec(QLatin1String(s)), qPrintable(q.lastError().text()));
        for (const char *s : kPreviousRows)
            QVERIFY2(q.exec(QLatin1String(s)), qPrintable(q.lastError().text()));
        db.transaction();
        q.prepare(QStringLiteral("INSERT INTO ingest_files VALUES ('ing-1',?,'b1',?,1,1,'confirmed',?)"));
        for (int i = 0; i < rows; ++i) {
            q.bindValue(0, QStringLiteral("/src/bulk/%1.jpg").arg(i));
            q.bindValue(1, QStringLiteral("%1.jpg").arg(i));
            q.bindValue(2, QString(200, QLatin1Char('x')));
            QVERIFY(q.exec());
        }
        db.commit();
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("fixture"));
}
}  // namespace

class TestDatabase : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }
    void migrationsAreOrdered();
    void freshDatabaseHasTheLatestSchema();
    void migratesThePreviousLayoutWithoutLosingRows();
    void garbageFileStopsWithTheWayOut();
    void truncatedFileStopsWithTheWayOut();
    void lockedByAnotherProcessStops();
    void filesArePrivate();
    void settingsArePrivate();
    void threadsThatComeAndGoEachGetTheirOwnConnection();
    void aFinishedThreadsConnectionIsGoneWhenWaitReturns();
    void aSmallPageCacheIsUndoneWhenItGoes();

private:
    QString fresh(const QString &name)
    {
        const QString path = m_dir.filePath(name);
        bd::setDatabasePath(path);
        return path;
    }
    QTemporaryDir m_dir;
};

void TestDatabase::migrationsAreOrdered()
{
    const auto &list = bd::schemaMigrations();
    QVERIFY(list.size() >= 2);
    for (int i = 0; i < list.size(); ++i) {
        QCOMPARE(list.at(i).version, i + 1);
        QVERIFY(!list.at(i).statements.isEmpty());
        QVERIFY(!list.at(i).domain.isEmpty());
    }
    QCOMPARE(bd::latestSchemaVersion(), int(list.size()));
}

void TestDatabase::freshDatabaseHasTheLatestSchema()
{
    fresh(QStringLiteral("fresh.sqlite"));
    QVERIFY(!bd::databaseError());
    QSqlDatabase db = bd::database();
    QVERIFY(db.isOpen());
    QCOMPARE(bd::schemaVersion(db), bd::latestSchemaVersion());
    for (const QString &table : { QStringLiteral("ingests"), QStringLiteral("ingest_files"), QStringLiteral("ingest_shards"),
                                  QStringLiteral("exports"), QStringLiteral("export_files"),
                                  QStringLiteral("webhook_events"), QStringLiteral("watched_jobs"),
                                  QStringLiteral("asset_library_requests") })
        QCOMPARE(countRows(db, table), 0);
    // Migrating again is a no-op.
    QString error;
    QVERIFY2(bd::migrateSchema(db, &error), qPrintable(error));
    QCOMPARE(bd::schemaVersion(db), bd::latestSchemaVersion());
}

void TestDatabase::migratesThePreviousLayoutWithoutLosingRows()
{
    const QString path = m_dir.filePath(QStringLiteral("previous.sqlite"));
    writeDatabase(path, 0);
    bd::setDatabasePath(path);
    QVERIFY2(!bd::databaseError(), qPrintable(bd::databaseError().message));
    QSqlDatabase db = bd::database();
    QCOMPARE(bd::schemaVersion(db), bd::latestSchemaVersion());
    QCOMPARE(countRows(db, QStringLiteral("ingests")), 1);
    QCOMPARE(countRows(db, QStringLiteral("ingest_files")), 2);
    QCOMPARE(countRows(db, QStringLiteral("ingest_shards")), 1);
    QCOMPARE(countRows(db, QStringLiteral("exports")), 1);
    QCOMPARE(countRows(db, QStringLiteral("export_files")), 1);
    QCOMPARE(countRows(db, QStringLiteral("webhook_events")), 1);
    QCOMPARE(countRows(db, QStringLiteral("watched_jobs")), 1);
    QSqlQuery q(db);
    // Old rows keep their values and get the new columns' defaults.
    QVERIFY(q.exec(QStringLiteral("SELECT batch_id, state, api_base_url, workspace FROM ingests")) && q.next());
    QCOMPARE(q.value(0).toString(), QStringLiteral("b1"));
    QCOMPARE(q.value(1).toString(), QStringLiteral("uploaded"));
    QCOMPARE(q.value(2).toString(), QString());
    QCOMPARE(q.value(3).toString(), QString());
    QVERIFY(q.exec(QStringLiteral("SELECT size, mtime, state, mtime_ns, body_left FROM ingest_files WHERE path = '/src/a.jpg'"))
            && q.next());
    QCOMPARE(q.value(0).toInt(), 10);
    QCOMPARE(q.value(1).toInt(), 100);
    QCOMPARE(q.value(2).toString(), QStringLiteral("confirmed"));
    QVERIFY(q.value(3).isNull());
    QCOMPARE(q.value(4).toInt(), 0);
    QVERIFY(q.exec(QStringLiteral("SELECT bytes_done, state FROM export_files")) && q.next());
    QCOMPARE(q.value(0).toInt(), 5);
    QCOMPARE(q.value(1).toString(), QStringLiteral("partial"));
    // The version table says which migrations ran, in order.
    QVERIFY(q.exec(QStringLiteral("SELECT version, domain FROM schema_migrations ORDER BY version")));
    int expected = 1;
    while (q.next())
        QCOMPARE(q.value(0).toInt(), expected++);
    QCOMPARE(expected - 1, bd::latestSchemaVersion());
    // Tables that came after the previous layout are there, empty.
    QCOMPARE(countRows(db, QStringLiteral("asset_library_requests")), 0);
}

void TestDatabase::garbageFileStopsWithTheWayOut()
{
    const QString path = m_dir.filePath(QStringLiteral("garbage.sqlite"));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    QByteArray junk(64 * 1024, '\0');
    QRandomGenerator gen(7);
    for (char &c : junk)
        c = char(gen.bounded(256));
    f.write(junk);
    f.close();
    bd::setDatabasePath(path);
    const bd::Error e = bd::databaseError();
    QVERIFY(e.isError());
    QVERIFY2(e.message.contains(QStringLiteral("The local database %1 is damaged").arg(path)), qPrintable(e.message));
    QVERIFY2(e.message.contains(QStringLiteral("mv %1 %1.broken").arg(path)), qPrintable(e.message));
    QVERIFY(e.message.contains(QStringLiteral("start over")));
    QVERIFY(!bd::database().isOpen());   // every later use is refused too
    QCOMPARE(QFileInfo(path).size(), qint64(junk.size()));   // and the file is left as it was
}

void TestDatabase::truncatedFileStopsWithTheWayOut()
{
    const QString path = m_dir.filePath(QStringLiteral("truncated.sqlite"));
    writeDatabase(path, 3000);
    const qint64 full = QFileInfo(path).size();
    QVERIFY(full > 200 * 1024);
    QVERIFY(QFile::resize(path, full / 2));
    bd::setDatabasePath(path);
    const bd::Error e = bd::databaseError();
    QVERIFY2(e.isError(), "a database cut in half was accepted");
    QVERIFY2(e.message.contains(QStringLiteral("is damaged")), qPrintable(e.message));
    QVERIFY(e.message.contains(QStringLiteral("mv %1 %1.broken").arg(path)));
}

void TestDatabase::lockedByAnotherProcessStops()
{
    const QString path = m_dir.filePath(QStringLiteral("locked.sqlite"));
    writeDatabase(path, 10);
    QProcess holder;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("BD_HOLD_LOCK"), path);
    holder.setProcessEnvironment(env);
    holder.start(QCoreApplication::applicationFilePath(), {});
    QVERIFY(holder.waitForStarted());
    QVERIFY(holder.waitForReadyRead(10000));
    QCOMPARE(holder.readLine().trimmed(), QByteArray("locked"));

    bd::setDatabaseBusyTimeoutMs(300);
    bd::setDatabasePath(path);
    const bd::Error e = bd::databaseError();
    bd::setDatabaseBusyTimeoutMs(10000);
    holder.kill();
    holder.waitForFinished();
    QVERIFY(e.isError());
    QVERIFY2(e.message.contains(QStringLiteral("The local database %1 is locked by another process").arg(path)),
             qPrintable(e.message));
    QVERIFY(e.message.contains(QStringLiteral("mv %1 %1.broken").arg(path)));
}

void TestDatabase::filesArePrivate()
{
    const mode_t old = ::umask(022);   // the common default: would give 0644 files, 0755 folders
    const QString dataDir = m_dir.filePath(QStringLiteral("private/data"));
    qputenv("BATCHDECK_DATA_DIR", QFile::encodeName(dataDir));
    bd::setDatabasePath(QString());
    const QString path = bd::databasePath();
    QCOMPARE(path, dataDir + QStringLiteral("/batchdeck.sqlite"));
    QSqlDatabase db = bd::database();
    QVERIFY2(db.isOpen(), qPrintable(bd::databaseError().message));
    QSqlQuery q(db);
    QVERIFY(q.exec(QStringLiteral("INSERT INTO watched_jobs (job_id, added_at) VALUES ('j', 'now')")));
    ::umask(old);
    QCOMPARE(modeOf(dataDir), 0700);
    QCOMPARE(modeOf(m_dir.filePath(QStringLiteral("private"))), 0700);
    QCOMPARE(modeOf(path), 0600);
    QVERIFY(QFile::exists(path + QStringLiteral("-wal")));
    QCOMPARE(modeOf(path + QStringLiteral("-wal")), 0600);
    QCOMPARE(modeOf(path + QStringLiteral("-shm")), 0600);
    // Nothing else in the folder is readable by others.
    for (const QFileInfo &fi : QDir(dataDir).entryInfoList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden))
        QVERIFY2((modeOf(fi.filePath()) & 0077) == 0, qPrintable(fi.filePath()));
    qunsetenv("BATCHDECK_DATA_DIR");
}

void TestDatabase::settingsArePrivate()
{
    const mode_t old = ::umask(022);
    const QString file = m_dir.filePath(QStringLiteral("config/Batchdeck/batchdeck.ini"));
    qputenv("BATCHDECK_CONFIG_FILE", QFile::encodeName(file));
    bd::AppSettings settings;
    settings.setUploadConcurrency(6);
    settings.setValue(QStringLiteral("ui/theme"), QStringLiteral("dark"));
    ::umask(old);
    QCOMPARE(settings.uploadConcurrency(), 6);
    QCOMPARE(settings.fileName(), file);
    QCOMPARE(modeOf(file), 0600);
    QCOMPARE(modeOf(QFileInfo(file).path()), 0700);
    QCOMPARE(modeOf(m_dir.filePath(QStringLiteral("config"))), 0700);
    for (const QFileInfo &fi : QDir(QFileInfo(file).path()).entryInfoList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden))
        QVERIFY2((modeOf(fi.filePath()) & 0077) == 0, qPrintable(fi.filePath()));
    qunsetenv("BATCHDECK_CONFIG_FILE");
}

// BD_HOLD_LOCK=<db>: hold SQLite's exclusive lock on <db> until killed (the "other process").
int main(int argc, char **argv)
{
    if (const auto holder = sqlitetest::holdLockIfAsked(argc, argv, "UPDATE watched_jobs SET finished = 1"))
        return *holder;
    QCoreApplication app(argc, argv);
    TestDatabase test;
    return QTest::qExec(&test, argc, argv);
}

// Threads end and new ones start all the time (pool threads expire after 30 s) and the system
// reuses their ids: each new thread must get a working connection of its own, never the one a
// dead thread left behind (Qt refuses a connection on another thread: every statement failed).
void TestDatabase::threadsThatComeAndGoEachGetTheirOwnConnection()
{
    fresh(QStringLiteral("threads.sqlite"));
    QVERIFY(bd::database().isOpen());   // the main thread's, created and migrated
    std::vector<QString> failures;
    std::set<std::thread::id> ids;
    for (int i = 0; i < 40; ++i) {
        std::thread worker([&failures, &ids, i] {
            ids.insert(std::this_thread::get_id());
            QSqlQuery q(bd::database());
            if (!q.exec(QStringLiteral("SELECT count(*) FROM ingest_files")) || !q.next())
                failures.push_back(QStringLiteral("thread %1: %2").arg(i).arg(q.lastError().text()));
            // Not closed or removed here: a thread that ends with its connection still open.
        });
        worker.join();
    }
    QVERIFY2(failures.empty(), failures.empty() ? "" : qPrintable(failures.front()));
    qInfo("%zu distinct thread ids over 40 threads", ids.size());
    QVERIFY(bd::database().isOpen());
}

// A thread's connections are removed as it finishes, before QThread::wait() returns for it: its
// thread_local teardown runs only after that, and at the process's exit it raced the destruction
// of Qt SQL's statics (the CLI died with SIGSEGV after printing its summary, now and then). Here
// the teardown is held up on purpose; the connection must be gone by the time wait() returns.
void TestDatabase::aFinishedThreadsConnectionIsGoneWhenWaitReturns()
{
    fresh(QStringLiteral("finished.sqlite"));
    QVERIFY(bd::database().isOpen());
    struct SlowTeardown {
        ~SlowTeardown() { QThread::msleep(300); }
    };
    QStringList during;
    QThread *thread = QThread::create([&during] {
        QSqlQuery q(bd::database());
        q.exec(QStringLiteral("SELECT 1"));
        during = QSqlDatabase::connectionNames();
        thread_local SlowTeardown slow;   // made after the connection's bookkeeping: torn down first
        (void)slow;
    });
    const QStringList before = QSqlDatabase::connectionNames();
    thread->start();
    QVERIFY(thread->wait(10000));
    const QStringList after = QSqlDatabase::connectionNames();
    delete thread;
    QCOMPARE(during.size(), before.size() + 1);   // the thread had one of its own
    QCOMPARE(after, before);
}

void TestDatabase::aSmallPageCacheIsUndoneWhenItGoes()
{
    const QString path = m_dir.filePath(QStringLiteral("smallcache.sqlite"));
    const QString other = m_dir.filePath(QStringLiteral("smallcache-attached.sqlite"));
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("smallcache"));
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery q(db);
        QVERIFY(q.exec(QStringLiteral("PRAGMA cache_size=-256")));
        QVERIFY(q.exec(QStringLiteral("ATTACH DATABASE '%1' AS side").arg(other)));
        QVERIFY(q.exec(QStringLiteral("PRAGMA side.cache_size=-512")));
        const auto cacheOf = [&](const QString &schema) {
            QSqlQuery r(db);
            return r.exec(QStringLiteral("PRAGMA %1.cache_size").arg(schema)) && r.next() ? r.value(0).toInt() : 0;
        };
        {
            const bd::SmallPageCache small(db, { QStringLiteral("main"), QStringLiteral("side"), QStringLiteral("absent") }, 16);
            QCOMPARE(cacheOf(QStringLiteral("main")), -16);
            QCOMPARE(cacheOf(QStringLiteral("side")), -16);
        }
        QCOMPARE(cacheOf(QStringLiteral("main")), -256);
        QCOMPARE(cacheOf(QStringLiteral("side")), -512);
        {
            // Detached while it lived (as a pass detaches its scan on the way out): skipped.
            const bd::SmallPageCache small(db, { QStringLiteral("main"), QStringLiteral("side") }, 8);
            QVERIFY(q.exec(QStringLiteral("DETACH DATABASE side")));
        }
        QCOMPARE(cacheOf(QStringLiteral("main")), -256);
        QVERIFY(q.exec(QStringLiteral("SELECT 1")) && q.next());   // the connection is fine
        q.finish();
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("smallcache"));
}

#include "tst_database.moc"
