// ExportJournal: export and per-file rows in a real SQLite file.
#include "core/Database.h"
#include "exports/ExportJournal.h"

#include <QTemporaryDir>
#include <QTest>
#include <QtConcurrent>

using namespace bd;

class TestExportJournal : public QObject
{
    Q_OBJECT
    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        setDatabasePath(m_dir.filePath(QStringLiteral("journal.sqlite")));
    }

    void exportLifecycle()
    {
        ExportJournal journal;
        Error error;
        QVERIFY2(journal.ensureSchema(&error), qPrintable(error.message));
        QVERIFY(journal.ensureSchema(&error));   // idempotent
        const qint64 id = journal.createExport(QStringLiteral("batch-1"), QStringLiteral("/data/out"), &error);
        QVERIFY2(id > 0, qPrintable(error.message));
        const qint64 other = journal.createExport(QStringLiteral("batch-2"), QStringLiteral("/data/out2"), &error);
        QVERIFY(other > id);

        auto rec = journal.exportById(id);
        QVERIFY(rec);
        QCOMPARE(rec->batchId, QStringLiteral("batch-1"));
        QCOMPARE(rec->targetDir, QStringLiteral("/data/out"));
        QCOMPARE(rec->state, ExportState::Pending);
        QVERIFY(rec->created.isValid());
        QVERIFY(qAbs(rec->created.secsTo(QDateTime::currentDateTimeUtc())) < 60);

        QCOMPARE(journal.unfinishedExports().size(), 2);
        QVERIFY(journal.setExportState(id, ExportState::Running));
        auto found = journal.findUnfinished(QStringLiteral("batch-1"), QStringLiteral("/data/out"));
        QVERIFY(found);
        QCOMPARE(found->id, id);
        QCOMPARE(found->state, ExportState::Running);
        QVERIFY(!journal.findUnfinished(QStringLiteral("batch-1"), QStringLiteral("/elsewhere")));

        QVERIFY(journal.setExportState(id, ExportState::Completed));
        const auto unfinished = journal.unfinishedExports();
        QCOMPARE(unfinished.size(), 1);
        QCOMPARE(unfinished.first().id, other);
        QVERIFY(!journal.findUnfinished(QStringLiteral("batch-1"), QStringLiteral("/data/out")));
    }

    void fileProgress()
    {
        ExportJournal journal;
        Error error;
        const qint64 id = journal.createExport(QStringLiteral("batch-3"), QStringLiteral("/data/3"), &error);
        QVERIFY(id > 0);
        ExportFileRecord f;
        f.exportId = id;
        f.key = QStringLiteral("a.tar-p1-None");
        f.partName = QStringLiteral("p1");
        f.fileName = QStringLiteral("a.tar");
        f.sizeExpected = 1000;
        QVERIFY2(journal.upsertFile(f, &error), qPrintable(error.message));
        ExportFileRecord g = f;
        g.key = QStringLiteral("b.csv-p1-None");
        g.fileName = QStringLiteral("b.csv");
        g.sizeExpected = -1;
        QVERIFY(journal.upsertFile(g, &error));

        QVERIFY(journal.markProgress(id, f.key, 400, &error));
        auto got = journal.file(id, f.key);
        QVERIFY(got);
        QCOMPARE(got->bytesDone, qint64(400));
        QCOMPARE(got->state, ExportFileState::Partial);
        QCOMPARE(got->sizeExpected, qint64(1000));
        QCOMPARE(journal.file(id, g.key)->sizeExpected, qint64(-1));

        QVERIFY(journal.markFileState(id, f.key, ExportFileState::Extracted));
        QVERIFY(journal.markFileState(id, g.key, ExportFileState::Failed, QStringLiteral("403 expired"), &error));
        QCOMPARE(journal.file(id, g.key)->errorText, QStringLiteral("403 expired"));
        auto left = journal.unfinishedFiles(id);
        QCOMPARE(left.size(), 1);
        QCOMPARE(left.first().key, g.key);

        // Upsert replaces, it does not duplicate.
        g.state = ExportFileState::Complete;
        g.bytesDone = 77;
        QVERIFY(journal.upsertFile(g, &error));
        QCOMPARE(journal.files(id).size(), 2);
        QCOMPARE(journal.file(id, g.key)->bytesDone, qint64(77));
        QVERIFY(journal.file(id, g.key)->errorText.isEmpty());
        QVERIFY(journal.unfinishedFiles(id).isEmpty());

        // Unknown rows are reported, not silently ignored.
        QVERIFY(!journal.markProgress(id, QStringLiteral("nope"), 1, &error));
        QCOMPARE(error.kind, ErrorKind::Internal);

        QVERIFY(journal.removeExport(id, &error));
        QVERIFY(journal.files(id).isEmpty());
        QVERIFY(!journal.exportById(id));
    }

    void worksFromAnotherThread()
    {
        // Each thread gets its own connection (core/Database.h); the rows are shared.
        const qint64 id = QtConcurrent::run([] {
            ExportJournal journal;
            return journal.createExport(QStringLiteral("batch-thread"), QStringLiteral("/t"));
        }).result();
        QVERIFY(id > 0);
        ExportJournal journal;
        QVERIFY(journal.exportById(id));
    }
};

QTEST_GUILESS_MAIN(TestExportJournal)
#include "tst_exportjournal.moc"
