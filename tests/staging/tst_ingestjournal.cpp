// IngestJournal on a real SQLite file: tables appear on first use, states survive a reopen,
// files keep their state when re-added, confirmed paths are per batch, resume look-ups.
#include "core/Database.h"
#include "staging/IngestJournal.h"

#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

using namespace bd::staging;

class TestIngestJournal : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        qputenv("BATCHDECK_DATA_DIR", m_dir.path().toUtf8());
        bd::setDatabasePath(m_dir.filePath(QStringLiteral("journal.sqlite")));
    }

    void createsTablesAndRoundTripsAnIngest()
    {
        IngestJournal journal;
        QVERIFY(journal.open());
        QSqlQuery q(bd::database());
        QVERIFY(q.exec(QStringLiteral("SELECT count(*) FROM sqlite_master WHERE name IN ('ingests','ingest_files','ingest_shards')")));
        QVERIFY(q.next());
        QCOMPARE(q.value(0).toInt(), 3);

        IngestRecord r;
        r.ingestId = QStringLiteral("ing-1");
        r.batchId = QStringLiteral("b1");
        r.displayName = QStringLiteral("Batch one");
        r.sources = { QStringLiteral("/z"), QStringLiteral("/a") };
        r.options = QJsonObject{ { QStringLiteral("media"), QStringLiteral("images") } };
        QVERIFY(journal.saveIngest(r));
        const auto back = journal.ingest(QStringLiteral("ing-1"));
        QVERIFY(back);
        QCOMPARE(back->batchId, QStringLiteral("b1"));
        QCOMPARE(back->displayName, QStringLiteral("Batch one"));
        QCOMPARE(back->sources, (QStringList{ QStringLiteral("/a"), QStringLiteral("/z") }));   // sorted
        QCOMPARE(back->state, QStringLiteral("running"));

        // Found again from the same sources in any order, not from others or another medium.
        QVERIFY(journal.findResumable(QStringLiteral("b1"), { QStringLiteral("/a"), QStringLiteral("/z") }, QStringLiteral("images")));
        QVERIFY(!journal.findResumable(QStringLiteral("b1"), { QStringLiteral("/a") }, QStringLiteral("images")));
        QVERIFY(!journal.findResumable(QStringLiteral("b1"), { QStringLiteral("/a"), QStringLiteral("/z") }, QStringLiteral("videos")));
        QCOMPARE(journal.unfinishedIngests().size(), 1);
        QVERIFY(journal.setIngestState(QStringLiteral("ing-1"), QStringLiteral("completed")));
        QVERIFY(journal.unfinishedIngests().isEmpty());
        QVERIFY(!journal.findResumable(QStringLiteral("b1"), r.sources, QStringLiteral("images")));
    }

    void fileStatesSurviveReAddAndAreSharedPerBatch()
    {
        IngestJournal journal;
        IngestRecord r;
        r.ingestId = QStringLiteral("ing-2");
        r.batchId = QStringLiteral("b2");
        r.sources = { QStringLiteral("/src") };
        QVERIFY(journal.saveIngest(r));
        QVector<JournalFile> files;
        for (int i = 0; i < 500; ++i)
            files.append({ QStringLiteral("/src/%1.jpg").arg(i), QStringLiteral("%1.jpg").arg(i), 100 + i, 1700000000, JournalFileState::Planned, {} });
        QVERIFY(journal.addFiles(QStringLiteral("ing-2"), files));
        QVERIFY(journal.setFileState(QStringLiteral("ing-2"), { QStringLiteral("/src/1.jpg"), QStringLiteral("/src/2.jpg") },
                                     JournalFileState::Confirmed));
        QVERIFY(journal.setFileState(QStringLiteral("ing-2"), { QStringLiteral("/src/3.jpg") }, JournalFileState::Sent));
        QVERIFY(journal.setFileState(QStringLiteral("ing-2"), { QStringLiteral("/src/4.jpg") }, JournalFileState::Failed,
                                     QStringLiteral("HTTP 500")));
        // Re-adding (a resumed run re-scans) keeps what is known.
        QVERIFY(journal.addFiles(QStringLiteral("ing-2"), files));
        const auto known = IngestJournal().files(QStringLiteral("ing-2"));   // a fresh object reads the same rows
        QCOMPARE(known.size(), 500);
        QCOMPARE(known.value(QStringLiteral("/src/1.jpg")).state, JournalFileState::Confirmed);
        QCOMPARE(known.value(QStringLiteral("/src/3.jpg")).state, JournalFileState::Sent);
        QCOMPARE(known.value(QStringLiteral("/src/4.jpg")).reason, QStringLiteral("HTTP 500"));
        QCOMPARE(known.value(QStringLiteral("/src/5.jpg")).state, JournalFileState::Planned);
        QCOMPARE(known.value(QStringLiteral("/src/7.jpg")).size, 107);

        QCOMPARE(journal.confirmedPaths(QStringLiteral("b2")),
                 (QSet<QString>{ QStringLiteral("/src/1.jpg"), QStringLiteral("/src/2.jpg") }));
        QVERIFY(journal.confirmedPaths(QStringLiteral("other")).isEmpty());
    }

    void shardsGetFreshIndexes()
    {
        IngestJournal journal;
        QCOMPARE(journal.nextShardIndex(QStringLiteral("ing-3")), 0);
        QVERIFY(journal.addShard(QStringLiteral("ing-3"), 0, { QStringLiteral("a.jpg") }, QStringLiteral("planned")));
        QVERIFY(journal.addShard(QStringLiteral("ing-3"), 1, { QStringLiteral("b.jpg") }, QStringLiteral("planned")));
        QCOMPARE(journal.nextShardIndex(QStringLiteral("ing-3")), 2);
        QVERIFY(journal.setShardState(QStringLiteral("ing-3"), 1, QStringLiteral("uploaded")));
        const auto states = journal.shardStates(QStringLiteral("ing-3"));
        QCOMPARE(states.value(0), QStringLiteral("planned"));
        QCOMPARE(states.value(1), QStringLiteral("uploaded"));
    }

    void stateNamesRoundTrip()
    {
        for (auto s : { JournalFileState::Planned, JournalFileState::Sent, JournalFileState::Confirmed,
                        JournalFileState::Failed, JournalFileState::Skipped })
            QCOMPARE(journalFileStateFromName(journalFileStateName(s)), s);
    }

private:
    QTemporaryDir m_dir;
};

QTEST_GUILESS_MAIN(TestIngestJournal)
#include "tst_ingestjournal.moc"
