// ExportLayout and PathGuard: where files land, and that server-given names stay inside the target.
#include "exports/ExportLayout.h"
#include "exports/PathGuard.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace bd;

class TestExportLayout : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void destinationPaths()
    {
        QCOMPARE(ExportLayout::destinationPath(QStringLiteral("/t"), QString(), QStringLiteral("a.csv")),
                 QStringLiteral("/t/a.csv"));
        QCOMPARE(ExportLayout::destinationPath(QStringLiteral("/t/"), QStringLiteral("p1"), QStringLiteral("a.csv")),
                 QStringLiteral("/t/p1/a.csv"));
        QCOMPARE(ExportLayout::destinationPath(QStringLiteral("/t"), QStringLiteral("p1"), QStringLiteral("./sub//b.csv")),
                 QStringLiteral("/t/p1/sub/b.csv"));
        ExportFileInfo info;
        info.fileName = QStringLiteral("x.jsonl");
        info.partName = QStringLiteral("images");
        QCOMPARE(ExportLayout::destinationPath(QStringLiteral("/t"), info), QStringLiteral("/t/images/x.jsonl"));
        QCOMPARE(ExportLayout::partPath(QStringLiteral("/t/a.csv")), QStringLiteral("/t/a.csv.part"));
    }

    void unsafeNamesAreRefused_data()
    {
        QTest::addColumn<QString>("part");
        QTest::addColumn<QString>("name");
        QTest::newRow("dotdot") << QString() << QStringLiteral("../evil");
        QTest::newRow("inner dotdot") << QString() << QStringLiteral("a/../../evil");
        QTest::newRow("absolute") << QString() << QStringLiteral("/etc/passwd");
        QTest::newRow("drive") << QString() << QStringLiteral("C:\\evil");
        QTest::newRow("backslash dotdot") << QString() << QStringLiteral("a\\..\\..\\evil");
        QTest::newRow("empty") << QString() << QStringLiteral("./");
        QTest::newRow("part dotdot") << QStringLiteral("..") << QStringLiteral("a.csv");
        QTest::newRow("part absolute") << QStringLiteral("/tmp") << QStringLiteral("a.csv");
    }
    void unsafeNamesAreRefused()
    {
        QFETCH(QString, part);
        QFETCH(QString, name);
        Error error;
        QVERIFY(ExportLayout::destinationPath(QStringLiteral("/t"), part, name, &error).isNull());
        QCOMPARE(error.kind, ErrorKind::Unsafe);
        QVERIFY(!error.message.isEmpty());
    }

    void isArchive()
    {
        QVERIFY(ExportLayout::isArchive(QStringLiteral("a.tar")));
        QVERIFY(ExportLayout::isArchive(QStringLiteral("a.TAR.GZ")));
        QVERIFY(ExportLayout::isArchive(QStringLiteral("a.tgz")));
        QVERIFY(ExportLayout::isArchive(QStringLiteral("dir/a.Zip")));
        QVERIFY(!ExportLayout::isArchive(QStringLiteral("a.gz")));
        QVERIFY(!ExportLayout::isArchive(QStringLiteral("a.jsonl")));
        QVERIFY(!ExportLayout::isArchive(QStringLiteral("tar")));
    }

    void prepareParentCreatesSubfoldersInside()
    {
        QTemporaryDir dir;
        const QString target = dir.path() + QStringLiteral("/export");
        const QString dest = ExportLayout::destinationPath(target, QStringLiteral("p1"), QStringLiteral("a/b/c.csv"));
        Error error;
        QVERIFY2(ExportLayout::prepareParent(target, dest, &error), qPrintable(error.message));
        QVERIFY(QFileInfo(target + QStringLiteral("/p1/a/b")).isDir());
    }

    void prepareParentRefusesSymlinkOutOfTarget()
    {
        QTemporaryDir dir;
        const QString target = dir.path() + QStringLiteral("/export");
        const QString outside = dir.path() + QStringLiteral("/outside");
        QVERIFY(QDir().mkpath(target));
        QVERIFY(QDir().mkpath(outside));
        QVERIFY(QFile::link(outside, target + QStringLiteral("/p1")));
        const QString dest = ExportLayout::destinationPath(target, QStringLiteral("p1"), QStringLiteral("sub/c.csv"));
        Error error;
        QVERIFY(!ExportLayout::prepareParent(target, dest, &error));
        QCOMPARE(error.kind, ErrorKind::Unsafe);
        QVERIFY(QDir(outside).entryList(QDir::NoDotAndDotDot | QDir::AllEntries).isEmpty());

        // A symlink that stays inside the target is fine.
        QVERIFY(QDir().mkpath(target + QStringLiteral("/real")));
        QVERIFY(QFile::link(QStringLiteral("real"), target + QStringLiteral("/p2")));
        const QString ok = ExportLayout::destinationPath(target, QStringLiteral("p2"), QStringLiteral("sub/c.csv"));
        QVERIFY2(ExportLayout::prepareParent(target, ok, &error), qPrintable(error.message));
        QVERIFY(QFileInfo(target + QStringLiteral("/real/sub")).isDir());
    }

    void resolveOnDiskFollowsChains()
    {
        QTemporaryDir dir;
        const QString root = pathguard::canonicalDir(dir.path());
        // l1 -> "." then l1/.. is the parent of root, which a lexical clean would miss.
        QVERIFY(QFile::link(QStringLiteral("."), root + QStringLiteral("/l1")));
        const QString resolved = pathguard::resolveOnDisk(root + QStringLiteral("/l1/l1/../x"));
        QCOMPARE(resolved, QFileInfo(root).absolutePath() + QStringLiteral("/x"));
        QVERIFY(!pathguard::isInside(root, resolved));
        QVERIFY(pathguard::isInside(root, root + QStringLiteral("/a/b")));
        QVERIFY(!pathguard::isInside(root, root + QStringLiteral("x/b")));
        // Loop detection.
        QVERIFY(QFile::link(QStringLiteral("loop"), root + QStringLiteral("/loop")));
        QVERIFY(pathguard::resolveOnDisk(root + QStringLiteral("/loop/x")).isNull());
    }
};

QTEST_GUILESS_MAIN(TestExportLayout)
#include "tst_exportlayout.moc"
