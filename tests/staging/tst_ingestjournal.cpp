// IngestJournal on a real SQLite file: tables appear on first use, states survive a reopen,
// files keep their state when re-added, confirmed paths are per batch, resume look-ups; a
// journal entry only speaks for its service and workspace; fingerprints catch a file changed
// with the same size and mtime.
#include "core/Database.h"
#include "staging/FileFingerprint.h"
#include "staging/IngestJournal.h"

#include <fcntl.h>
#include <sys/stat.h>

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

    void anotherServiceOrWorkspaceIsNeverReused()
    {
        IngestJournal journal;
        const IngestTarget us{ QStringLiteral("https://api.roboflow.com"), QStringLiteral("ws-a") };
        const IngestTarget eu{ QStringLiteral("https://api.roboflow.eu"), QStringLiteral("ws-a") };
        const IngestTarget otherWs{ QStringLiteral("https://api.roboflow.com"), QStringLiteral("ws-b") };
        IngestRecord r;
        r.ingestId = QStringLiteral("ing-us");
        r.batchId = QStringLiteral("tb");
        r.sources = { QStringLiteral("/t") };
        r.options = QJsonObject{ { QStringLiteral("media"), QStringLiteral("images") } };
        r.apiBaseUrl = us.apiBaseUrl;
        r.workspace = us.workspace;
        QVERIFY(journal.saveIngest(r));
        QVERIFY(journal.addFiles(r.ingestId, { { QStringLiteral("/t/a.jpg"), QStringLiteral("a.jpg"), 1, 1,
                                                 JournalFileState::Confirmed, {} } }));
        QCOMPARE(journal.findResumable(us, r.batchId, r.sources, QStringLiteral("images"))->ingestId, r.ingestId);
        QVERIFY(!journal.findResumable(eu, r.batchId, r.sources, QStringLiteral("images")));
        QVERIFY(!journal.findResumable(otherWs, r.batchId, r.sources, QStringLiteral("images")));
        QCOMPARE(journal.confirmedFiles(us, r.batchId).size(), 1);
        QVERIFY(journal.confirmedFiles(eu, r.batchId).isEmpty());
        QVERIFY(journal.confirmedFiles(otherWs, r.batchId).isEmpty());
        QCOMPARE(journal.ingest(r.ingestId)->workspace, QStringLiteral("ws-a"));

        // A row from before the journal knew its service is claimed by whoever resumes it.
        IngestRecord legacy = r;
        legacy.ingestId = QStringLiteral("ing-legacy");
        legacy.batchId = QStringLiteral("lb");
        legacy.apiBaseUrl.clear();
        legacy.workspace.clear();
        QVERIFY(journal.saveIngest(legacy));
        QCOMPARE(journal.findResumable(eu, legacy.batchId, legacy.sources, QStringLiteral("images"))->ingestId,
                 legacy.ingestId);

        // forgetConfirmed: the service lost it, no ingest of this target counts it any more.
        QVERIFY(journal.forgetConfirmed(us, r.batchId, { QStringLiteral("/t/a.jpg") }, QStringLiteral("gone")));
        QVERIFY(journal.confirmedFiles(us, r.batchId).isEmpty());
        QCOMPARE(journal.files(r.ingestId).value(QStringLiteral("/t/a.jpg")).reason, QStringLiteral("gone"));
    }

    void fingerprintCatchesASameSizeSameMtimeChange()
    {
        const QString path = m_dir.filePath(QStringLiteral("racy.jpg"));
        auto write = [&](const QByteArray &bytes) {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
            QCOMPARE(f.write(bytes), qint64(bytes.size()));
        };
        write(QByteArray(4096, 'a'));
        // Written just now: size and mtime cannot rule out a second write in the same tick.
        const FileFingerprint sent = takeFingerprint(path);
        QVERIFY(sent.isValid());
        QVERIFY(sent.isRacy());
        QCOMPARE(sent.sha256.size(), 64);
        QCOMPARE(compareWithDisk(path, sent), FileChange::Unchanged);

        // Same size, mtime put back to the very nanosecond: only the content tells.
        write(QByteArray(4096, 'b'));
        struct timespec times[2];
        times[0].tv_sec = sent.mtimeNs / 1000000000;
        times[0].tv_nsec = sent.mtimeNs % 1000000000;
        times[1] = times[0];
        QCOMPARE(::utimensat(AT_FDCWD, QFile::encodeName(path).constData(), times, 0), 0);
        QCOMPARE(compareWithDisk(path, sent), FileChange::Changed);

        // An old file: size and mtime decide, no hash is taken.
        times[1].tv_sec = times[0].tv_sec - 3600;
        QCOMPARE(::utimensat(AT_FDCWD, QFile::encodeName(path).constData(), times, 0), 0);
        const FileFingerprint old = takeFingerprint(path);
        QVERIFY(!old.isRacy());
        QVERIFY(old.sha256.isEmpty());
        QCOMPARE(compareWithDisk(path, old), FileChange::Unchanged);
        write(QByteArray(4097, 'b'));
        QCOMPARE(compareWithDisk(path, old), FileChange::Changed);
        QFile::remove(path);
        QCOMPARE(compareWithDisk(path, old), FileChange::Gone);

        // The journal keeps the fingerprint of what was sent, and when, and whether it all left.
        IngestJournal journal;
        IngestRecord r;
        r.ingestId = QStringLiteral("ing-fp");
        r.batchId = QStringLiteral("fb");
        r.sources = { QStringLiteral("/f") };
        QVERIFY(journal.saveIngest(r));
        QVERIFY(journal.addFiles(r.ingestId, { { QStringLiteral("/f/x.jpg"), QStringLiteral("x.jpg"), 1, 1,
                                                 JournalFileState::Planned, {} } }));
        QVERIFY(journal.markSending(r.ingestId, { QStringLiteral("/f/x.jpg") }, { sent }, false));
        JournalFile row = journal.files(r.ingestId).value(QStringLiteral("/f/x.jpg"));
        QCOMPARE(row.state, JournalFileState::Sent);
        QCOMPARE(row.fingerprint.mtimeNs, sent.mtimeNs);
        QCOMPARE(row.fingerprint.takenAtNs, sent.takenAtNs);
        QCOMPARE(row.fingerprint.sha256, sent.sha256);
        QVERIFY(row.sentAtMs > 0);
        QVERIFY(!row.bodyLeft);
        QVERIFY(journal.markBodyLeft(r.ingestId, { QStringLiteral("/f/x.jpg") }));
        QVERIFY(journal.files(r.ingestId).value(QStringLiteral("/f/x.jpg")).bodyLeft);
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
