// ManyValueStatement on a real SQLite file through Qt's driver: the native path is the one in
// use here (Debian's and Ubuntu's Qt share the system SQLite), and both paths store the same
// values, report a failed statement and run again after it, and let the connection close.
#include "core/ManyValueStatement.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using bd::ManyValueStatement;

class TstManyValueStatement : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    int m_serial = 0;

    QSqlDatabase open()
    {
        const QString name = QStringLiteral("mvs-%1").arg(++m_serial);
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(m_dir.filePath(name + QStringLiteral(".sqlite")));
        if (!db.open())
            qFatal("cannot open %s", qPrintable(db.lastError().text()));
        QSqlQuery(db).exec(QStringLiteral("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, s TEXT)"));
        return db;
    }

    static QStringList rows(const QSqlDatabase &db)
    {
        QSqlQuery q(db);
        q.exec(QStringLiteral("SELECT id, n, typeof(n), s, typeof(s) FROM t ORDER BY id"));
        QStringList out;
        while (q.next())
            out << QStringList{ q.value(0).toString(), q.value(1).toString(), q.value(2).toString(), q.value(3).toString(),
                                q.value(4).toString() }
                       .join(QLatin1Char('|'));
        return out;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        open();   // loads the driver: what nativeAvailable() looks at
        QVERIFY2(ManyValueStatement::nativeAvailable(),
                 "Qt's SQLite driver does not share this program's SQLite: the scan's inserts go through QSqlQuery");
    }

    void bothPathsStoreTheSameValues_data()
    {
        QTest::addColumn<bool>("native");
        QTest::newRow("sqlite's own API") << true;
        QTest::newRow("QSqlQuery") << false;
    }
    void bothPathsStoreTheSameValues()
    {
        QFETCH(bool, native);
        ManyValueStatement::setNativeAllowedForTests(native);
        const auto restore = qScopeGuard([] { ManyValueStatement::setNativeAllowedForTests(true); });
        const QString name = QStringLiteral("mvs-%1").arg(m_serial + 1);
        {
            QSqlDatabase db = open();
            {
                ManyValueStatement insert(db, QStringLiteral("INSERT INTO t (id, n, s) VALUES (?, ?, ?), (?, ?, ?)"));
                QVERIFY2(insert.isValid(), qPrintable(insert.lastError()));
                QCOMPARE(insert.isNative(), native);
                const QString unicode = QStringLiteral("ünïcødé 写真 😀");
                insert.bind(0, qint64(1));
                insert.bind(1, qint64(1) << 40);
                insert.bind(2, unicode);
                insert.bind(3, qint64(2));
                insert.bindNull(4);
                insert.bind(5, QString());   // null
                QVERIFY2(insert.exec(), qPrintable(insert.lastError()));
                // A failing run (the same ids again) says why, and the statement runs again after it.
                insert.bind(0, qint64(1));
                insert.bind(1, qint64(5));
                insert.bind(2, QStringLiteral("x"));
                insert.bind(3, qint64(3));
                insert.bind(4, qint64(6));
                insert.bind(5, QStringLiteral(""));
                QVERIFY(!insert.exec());
                QVERIFY2(insert.lastError().contains(QLatin1String("UNIQUE"), Qt::CaseInsensitive), qPrintable(insert.lastError()));
                const QList<QVariant> again{ 3, 5, QStringLiteral("x"), 4, 6, QStringLiteral("") };   // every value again
                for (int i = 0; i < int(again.size()); ++i) {
                    if (again.at(i).typeId() == QMetaType::QString)
                        insert.bind(i, again.at(i).toString());
                    else
                        insert.bind(i, again.at(i).toLongLong());
                }
                QVERIFY2(insert.exec(), qPrintable(insert.lastError()));
                QCOMPARE(rows(db), (QStringList{ QStringLiteral("1|1099511627776|integer|") + unicode + QStringLiteral("|text"),
                                                 QStringLiteral("2||null||null"), QStringLiteral("3|5|integer|x|text"),
                                                 QStringLiteral("4|6|integer||text") }));
                ManyValueStatement broken(db, QStringLiteral("INSERT INTO nowhere VALUES (?)"));
                QVERIFY(!broken.isValid());
                QVERIFY2(broken.lastError().contains(QLatin1String("nowhere")), qPrintable(broken.lastError()));
                QVERIFY(!broken.exec());
            }
            // The statements are gone: the connection closes cleanly.
            db.close();
            QVERIFY2(!db.lastError().isValid(), qPrintable(db.lastError().text()));
        }
        QSqlDatabase::removeDatabase(name);
    }

    // A cache of statements keyed by connection name (IngestJournal's members' write) must not
    // run one on a connection closed and opened again under that name: preparedOn tells.
    void preparedOnKnowsItsConnection_data() { bothPathsStoreTheSameValues_data(); }
    void preparedOnKnowsItsConnection()
    {
        QFETCH(bool, native);
        ManyValueStatement::setNativeAllowedForTests(native);
        const auto restore = qScopeGuard([] { ManyValueStatement::setNativeAllowedForTests(true); });
        QSqlDatabase db = open();
        QSqlDatabase other = open();
        {
            ManyValueStatement insert(db, QStringLiteral("INSERT INTO t (id) VALUES (?)"));
            QVERIFY(insert.isValid());
            QVERIFY(insert.preparedOn(db));
            QVERIFY(!insert.preparedOn(other));
            QVERIFY(!ManyValueStatement().preparedOn(db));
        }
        ManyValueStatement before(other, QStringLiteral("INSERT INTO t (id) VALUES (?)"));
        {
            ManyValueStatement insert(db, QStringLiteral("INSERT INTO t (id) VALUES (?)"));
            QVERIFY(insert.preparedOn(db));
            // Closed with the statement alive (SQLite keeps that connection until it goes), then
            // opened again under the same name: a new connection, which the statement is not on.
            db.close();
            QVERIFY(!insert.preparedOn(db));
            QVERIFY(db.open());
            if (native)   // (Qt's queries cannot tell: Qt finalised them, and their next run fails)
                QVERIFY(!insert.preparedOn(db));
        }
        QVERIFY(before.preparedOn(other));
    }
};

QTEST_GUILESS_MAIN(TstManyValueStatement)
#include "tst_manyvaluestatement.moc"
