// batchdeck-cli and its local database, the real binary:
//  - a damaged database (garbage, or cut in half) stops every command that talks to the service
//    with exit 1 and the message that names the file and how to move it aside - an export as
//    much as an ingest (exports used to run on silently without their journal);
//  - a database held locked by another process stops it the same way (after the 10 s wait);
//  - the same ingest started twice at once (two processes, same batch and folder) against the
//    embedded sandbox: the second is refused with a clear message and the batch ends with every
//    file indexed once (before: 300 files became 600 objects).
// The lock holder is this test binary started with BD_HOLD_LOCK=<path> (see main()).
#include "api/ApiClient.h"
#include "sandbox/DemoMedia.h"
#include "sandbox/Sandbox.h"
#include "common/SqliteLockHolder.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <cstdio>
#include <unistd.h>

class TestCliJournal : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    QString m_cli;

    // Runs the CLI to its end with BATCHDECK_DATA_DIR = dataDir; returns the exit code.
    int run(const QString &dataDir, const QStringList &args, QString *err, const QString &apiUrl = QStringLiteral("http://127.0.0.1:9"),
            QProcess *async = nullptr)
    {
        QProcess local;
        QProcess &p = async ? *async : local;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("ROBOFLOW_API_KEY"), QStringLiteral("sandbox-key"));
        env.remove(QStringLiteral("API_BASE_URL"));
        env.insert(QStringLiteral("BATCHDECK_DATA_DIR"), dataDir);
        env.insert(QStringLiteral("HOME"), m_tmp.filePath(QStringLiteral("home")));
        env.insert(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"), QStringLiteral("unix:path=/nonexistent/bus"));
        p.setProcessEnvironment(env);
        p.start(m_cli, args + QStringList{ QStringLiteral("--api-url"), apiUrl });
        if (!p.waitForStarted(10000))
            return -1;
        if (async)
            return 0;
        if (!p.waitForFinished(120000))
            return -2;
        if (err)
            *err = QString::fromUtf8(p.readAllStandardError());
        return p.exitCode();
    }

    void expectStopsEveryCommand(const QString &dataDir, const QString &what)
    {
        const QString db = dataDir + QStringLiteral("/batchdeck.sqlite");
        const QList<QStringList> commands{
            { QStringLiteral("data-staging"), QStringLiteral("list-batches") },
            { QStringLiteral("data-staging"), QStringLiteral("export-batch"), QStringLiteral("-b"), QStringLiteral("b"),
              QStringLiteral("-t"), m_tmp.filePath(QStringLiteral("export")) },
            { QStringLiteral("data-staging"), QStringLiteral("create-batch-of-images"), QStringLiteral("-b"),
              QStringLiteral("b"), QStringLiteral("--images-dir"), m_tmp.filePath(QStringLiteral("home")) },
            { QStringLiteral("batch-processing"), QStringLiteral("list-jobs") },
        };
        for (const QStringList &command : commands) {
            QString err;
            const int code = run(dataDir, command, &err);
            QVERIFY2(code == 1, qPrintable(QStringLiteral("%1: exit %2: %3").arg(command.join(QLatin1Char(' '))).arg(code).arg(err)));
            QVERIFY2(err.contains(QStringLiteral("The local database %1 is %2").arg(db, what)), qPrintable(err));
            QVERIFY2(err.contains(QStringLiteral("mv %1 %1.broken").arg(db)), qPrintable(err));
        }
        QVERIFY(!QFileInfo::exists(m_tmp.filePath(QStringLiteral("export"))));   // nothing was started
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_cli = qEnvironmentVariable("BATCHDECK_BIN_DIR") + QStringLiteral("/batchdeck-cli");
        if (!QFileInfo(m_cli).isExecutable())
            QSKIP("batchdeck-cli is not built");
        QVERIFY(m_tmp.isValid());
        QDir().mkpath(m_tmp.filePath(QStringLiteral("home")));
    }

    void garbageDatabaseStopsEveryCommand()
    {
        const QString dataDir = m_tmp.filePath(QStringLiteral("garbage"));
        QDir().mkpath(dataDir);
        QFile f(dataDir + QStringLiteral("/batchdeck.sqlite"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        QByteArray junk(32 * 1024, '\0');
        QRandomGenerator gen(11);
        for (char &c : junk)
            c = char(gen.bounded(256));
        f.write(junk);
        f.close();
        expectStopsEveryCommand(dataDir, QStringLiteral("damaged"));
    }

    void truncatedDatabaseStopsEveryCommand()
    {
        const QString dataDir = m_tmp.filePath(QStringLiteral("truncated"));
        QDir().mkpath(dataDir);
        const QString path = dataDir + QStringLiteral("/batchdeck.sqlite");
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("t"));
            db.setDatabaseName(path);
            QVERIFY(db.open());
            QSqlQuery q(db);
            QVERIFY(q.exec(QStringLiteral("CREATE TABLE filler (v TEXT)")));
            db.transaction();
            for (int i = 0; i < 2000; ++i)
                QVERIFY(q.exec(QStringLiteral("INSERT INTO filler VALUES ('%1')").arg(QString(300, QLatin1Char('x')))));
            db.commit();
            db.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("t"));
        QVERIFY(QFile::resize(path, QFileInfo(path).size() / 2));
        expectStopsEveryCommand(dataDir, QStringLiteral("damaged"));
    }

    void lockedDatabaseStops()
    {
        const QString dataDir = m_tmp.filePath(QStringLiteral("locked"));
        QDir().mkpath(dataDir);
        const QString path = dataDir + QStringLiteral("/batchdeck.sqlite");
        QProcess holder;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("BD_HOLD_LOCK"), path);
        holder.setProcessEnvironment(env);
        holder.start(QCoreApplication::applicationFilePath(), {});
        QVERIFY(holder.waitForReadyRead(10000));
        QCOMPARE(holder.readLine().trimmed(), QByteArray("locked"));
        QString err;
        const int code = run(dataDir, { QStringLiteral("data-staging"), QStringLiteral("list-batches") }, &err);
        holder.kill();
        holder.waitForFinished();
        QVERIFY2(code == 1, qPrintable(err));
        QVERIFY2(err.contains(QStringLiteral("The local database %1 is locked by another process").arg(path)), qPrintable(err));
        QVERIFY(err.contains(QStringLiteral("mv %1 %1.broken").arg(path)));
    }

    void sameIngestTwiceAtOnceIsRefused()
    {
        bd::sandbox::SandboxOptions options;
        options.indexDelayMs = 100;
        bd::sandbox::Sandbox sandbox(options);
        QString error;
        QVERIFY2(sandbox.start(&error), qPrintable(error));
        const int files = 300;
        const QString dir = m_tmp.filePath(QStringLiteral("twice"));
        QDir().mkpath(dir);
        for (int i = 0; i < files; ++i) {
            const QString name = QStringLiteral("img_%1.jpg").arg(i, 3, 10, QLatin1Char('0'));
            QFile f(dir + QLatin1Char('/') + name);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(bd::sandbox::tinyJpeg(name));
        }
        const QString dataDir = m_tmp.filePath(QStringLiteral("twice-data"));
        const QStringList args{ QStringLiteral("data-staging"), QStringLiteral("create-batch-of-images"),
                                QStringLiteral("-b"), QStringLiteral("twice-b"), QStringLiteral("--images-dir"), dir,
                                QStringLiteral("--shard-max-files"), QStringLiteral("20"), QStringLiteral("--json") };
        sandbox.setFaultPlan(QJsonObject{ { "rules", QJsonArray{ QJsonObject{ { "route", "S1" }, { "delayMs", 300 } } } } });
        QProcess first;
        QCOMPARE(run(dataDir, args, nullptr, sandbox.apiUrl().toString(), &first), 0);
        QTRY_VERIFY_WITH_TIMEOUT(sandbox.requestCount(QStringLiteral("S1")) >= 1, 60000);
        QString err;
        const int second = run(dataDir, args, &err, sandbox.apiUrl().toString());
        QVERIFY2(second == 1, qPrintable(err));
        QVERIFY2(err.contains(QStringLiteral("is already running this ingest")), qPrintable(err));
        QVERIFY2(err.contains(QStringLiteral("pid %1").arg(first.processId())), qPrintable(err));
        QVERIFY(first.waitForFinished(180000));
        QVERIFY2(first.exitCode() == 0, first.readAllStandardError().constData());
        sandbox.setFaultPlan({});

        bd::api::ApiConfig config;
        config.baseUrl = sandbox.apiUrl();
        config.apiKey = QStringLiteral("sandbox-key");
        bd::api::ApiClient api(config);
        auto *count = api.batchCount(QStringLiteral("twice-b"));
        QVERIFY(count->exec());
        QCOMPARE(count->result(), qint64(files));
        auto *shards = api.listShards(QStringLiteral("twice-b"), 100);
        shards->setMaxPages(0);
        QVERIFY(shards->exec());
        qint64 objects = 0;
        for (const bd::api::Shard &s : shards->result())
            objects += s.shardObjectsCount;
        QCOMPARE(objects, qint64(files));   // not 600
    }
};

// BD_HOLD_LOCK=<db>: hold SQLite's exclusive lock on <db> until killed (the "other process").
int main(int argc, char **argv)
{
    if (const auto holder = sqlitetest::holdLockIfAsked(argc, argv, "CREATE TABLE IF NOT EXISTS held (v INTEGER)"))
        return *holder;
    QCoreApplication app(argc, argv);
    TestCliJournal test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_cli_journal.moc"
