// IngestJournal on a real SQLite file: tables appear on first use, states survive a reopen,
// files keep their state when re-added, confirmed paths are per batch, resume look-ups; a
// journal entry only speaks for its service and workspace; fingerprints catch a file changed
// with the same size and mtime; the resume check's verdicts by joins (IngestResumeCheck); a
// scan's copy into the journal in ranges of paths.
#include "core/Database.h"
#include "staging/FileFingerprint.h"
#include "staging/IngestJournal.h"
#include "staging/IngestResumeCheck.h"
#include "staging/ScanStore.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <QCryptographicHash>
#include <QFileInfo>
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
        IngestRecord r = ingestRecord(QStringLiteral("ing-2"), QStringLiteral("b2"), QStringLiteral("/src"));
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

    void batchHasSentOrConfirmedSeesEveryIngestOfTheBatch()
    {
        IngestJournal journal;
        auto ingest = [&journal](const QString &id, const QString &batch) {
            IngestRecord r;
            r.ingestId = id;
            r.batchId = batch;
            r.sources = { QStringLiteral("/sc/") + id };
            QVERIFY(journal.saveIngest(r));
            QVERIFY(journal.addFiles(id, { { QStringLiteral("/sc/a.jpg"), QStringLiteral("a.jpg"), 1, 1, JournalFileState::Planned, {} },
                                           { QStringLiteral("/sc/b.jpg"), QStringLiteral("b.jpg"), 1, 1, JournalFileState::Planned, {} } }));
        };
        const QString batch = QStringLiteral("sc-batch");
        QVERIFY(!journal.batchHasSentOrConfirmed(batch));   // no ingest at all
        ingest(QStringLiteral("sc-1"), batch);
        ingest(QStringLiteral("sc-2"), batch);
        ingest(QStringLiteral("sc-other"), QStringLiteral("sc-elsewhere"));
        QVERIFY(!journal.batchHasSentOrConfirmed(batch));   // planned only
        QVERIFY(journal.setFileFailed(QStringLiteral("sc-2"), { QStringLiteral("/sc/a.jpg") }, QStringLiteral("Http"),
                                      QStringLiteral("HTTP 500")));
        QVERIFY(!journal.batchHasSentOrConfirmed(batch));   // failed is not on the service
        // Another batch's sent and confirmed files say nothing about this one.
        QVERIFY(journal.setFileState(QStringLiteral("sc-other"), { QStringLiteral("/sc/a.jpg") }, JournalFileState::Sent));
        QVERIFY(journal.setFileState(QStringLiteral("sc-other"), { QStringLiteral("/sc/b.jpg") }, JournalFileState::Confirmed));
        QVERIFY(!journal.batchHasSentOrConfirmed(batch));
        // A sent file of the second ingest counts, then a confirmed one alone.
        QVERIFY(journal.setFileState(QStringLiteral("sc-2"), { QStringLiteral("/sc/b.jpg") }, JournalFileState::Sent));
        QVERIFY(journal.batchHasSentOrConfirmed(batch));
        QVERIFY(journal.setFileState(QStringLiteral("sc-2"), { QStringLiteral("/sc/b.jpg") }, JournalFileState::Planned));
        QVERIFY(!journal.batchHasSentOrConfirmed(batch));
        QVERIFY(journal.setFileState(QStringLiteral("sc-1"), { QStringLiteral("/sc/b.jpg") }, JournalFileState::Confirmed));
        QVERIFY(journal.batchHasSentOrConfirmed(batch));
        QCOMPARE(journal.confirmedPaths(batch), QSet<QString>{ QStringLiteral("/sc/b.jpg") });
        // The confirmed of a batch are found through the partial index, not by reading the table
        // (the journal of a million-file batch).
        QSqlQuery plan(bd::database());
        QVERIFY(plan.exec(QStringLiteral("EXPLAIN QUERY PLAN SELECT path FROM ingest_files WHERE batch_id = 'x' AND state = 'confirmed'")));
        QString detail;
        while (plan.next())
            detail += plan.value(3).toString() + QLatin1Char('\n');
        QVERIFY2(detail.contains(QLatin1String("USING INDEX ingest_files_confirmed")) || detail.contains(QLatin1String("USING COVERING INDEX ingest_files_confirmed")),
                 qPrintable(detail));
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

    // A shard in flight is one row (IngestJournal.h): its members' rows change only with the
    // answer, or with the next run's recovery after a kill, and then say exactly what per-file
    // records would have said.
    void aShardInFlightIsRecordedOnItsOwnRowUntilTheAnswer()
    {
        IngestJournal journal;
        const QString id = QStringLiteral("ing-flight");
        const QString batch = QStringLiteral("flight-batch");
        IngestRecord r;
        r.ingestId = id;
        r.batchId = batch;
        r.sources = { QStringLiteral("/flight") };
        QVERIFY(journal.saveIngest(r));
        QVector<JournalFile> files;
        QStringList paths;
        QVector<FileFingerprint> prints;
        for (int i = 0; i < 300; ++i) {
            // Quotes, backslashes, control characters and non-ASCII survive the record's JSON.
            paths << QStringLiteral("/flight/été \"%1\"").arg(i)
                         + (i % 3 == 0 ? QStringLiteral(" a\\b\nc\td\u0001\u001f\u2028 😀/") : QString()) + QStringLiteral(".jpg");
            files.append({ paths.last(), QStringLiteral("%1.jpg").arg(i), 10, 1, JournalFileState::Planned, {} });
            FileFingerprint f;
            f.size = 1000 + i;
            f.mtimeNs = 1765000000123456789LL + i;   // beyond a double's 53 bits: must stay exact
            f.takenAtNs = 1765000009987654321LL + i;
            prints.append(f);
        }
        prints[7].sha256 = QString(64, QLatin1Char('a'));
        prints[8] = FileFingerprint();   // could not be read when sent
        QVERIFY(journal.addFiles(id, files));
        QVERIFY(journal.addShard(id, 0, {}, QStringLiteral("planned")));
        QVERIFY(journal.addShard(id, 1, {}, QStringLiteral("planned")));
        QVERIFY(!journal.markShardSending(id, 2, paths.mid(0, 1), prints.mid(0, 1)));   // no such shard: refused
        QVERIFY(journal.markShardSending(id, 0, paths.mid(0, 200), prints.mid(0, 200)));
        QVERIFY(journal.markShardSending(id, 1, paths.mid(200), prints.mid(200)));
        QVERIFY(journal.markShardBodyLeft(id, 1));
        QCOMPARE(journal.pathsInState(id, JournalFileState::Planned).size(), 300);   // the members' rows wait
        QCOMPARE(journal.shardStates(id).value(1), QStringLiteral("sent"));
        QVERIFY(journal.batchHasSentOrConfirmed(batch));   // a new ingest into the batch asks the service

        auto checkFingerprint = [&](const JournalFile &row, int i) {
            if (i == 8) {
                QVERIFY(!row.fingerprint.isValid());
                return;
            }
            QCOMPARE(row.fingerprint.size, prints[i].size);
            QCOMPARE(row.size, prints[i].size);
            QCOMPARE(row.fingerprint.mtimeNs, prints[i].mtimeNs);
            QCOMPARE(row.mtime, prints[i].mtimeNs / 1000000000);
            QCOMPARE(row.fingerprint.takenAtNs, prints[i].takenAtNs);
            QCOMPARE(row.fingerprint.sha256, prints[i].sha256);
        };
        QVERIFY(journal.confirmShard(id, 0));
        QHash<QString, JournalFile> rows = journal.files(id);
        for (int i = 0; i < 300; ++i) {
            const JournalFile row = rows.value(paths[i]);
            QCOMPARE(row.state, i < 200 ? JournalFileState::Confirmed : JournalFileState::Planned);
            if (i < 200)
                checkFingerprint(row, i);
        }
        QCOMPARE(journal.shardStates(id).value(0), QStringLiteral("uploaded"));

        // Killed here: the next run writes shard 1 onto its members as "sent", body left.
        QVERIFY(journal.recoverInterruptedShards(id));
        rows = journal.files(id);
        for (int i = 200; i < 300; ++i) {
            const JournalFile row = rows.value(paths[i]);
            QCOMPARE(row.state, JournalFileState::Sent);
            QVERIFY(row.bodyLeft);
            QVERIFY(row.sentAtMs > 0);
            checkFingerprint(row, i);
        }
        QCOMPARE(journal.filesInState(id, JournalFileState::Sent).size(), 100);
        QCOMPARE(journal.shardStates(id).value(1), QStringLiteral("interrupted"));
        QSqlQuery q(bd::database());
        QVERIFY(q.exec(QStringLiteral("SELECT count(*) FROM ingest_shards WHERE ingest_id = 'ing-flight' AND files IS NOT NULL")));
        QVERIFY(q.next());
        QCOMPARE(q.value(0).toInt(), 0);   // records are dropped once the shard is settled
        // Once is enough: a second recovery changes nothing (a confirmed member is never touched).
        QVERIFY(journal.setFileState(id, { paths[250] }, JournalFileState::Confirmed));
        QVERIFY(journal.recoverInterruptedShards(id));
        QCOMPARE(journal.files(id).value(paths[250]).state, JournalFileState::Confirmed);
        QCOMPARE(journal.filesInState(id, JournalFileState::Sent).size(), 99);

        // A shard written before the record (schema 5: its members' rows were written one by
        // one) is left as it is.
        QVERIFY(q.exec(QStringLiteral("INSERT INTO ingest_shards (ingest_id, shard_index, members, state)"
                                      " VALUES ('ing-flight', 9, '[]', 'sent')")));
        QVERIFY(journal.recoverInterruptedShards(id));
        QCOMPARE(journal.shardStates(id).value(9), QStringLiteral("sent"));

        // A record naming a path without a row (an early shard's member: its row is written
        // with the answer) claims every member that has one and gives the others a row.
        // Its members' names come from the shard's row, as JSON: any name survives it.
        QStringList names;
        for (int i = 290; i < 300; ++i)
            names << QStringLiteral("%1.jpg").arg(i);
        const QString oddName = QStringLiteral("n\"o\\n\ne\u0002 ü 😀.jpg");
        QVERIFY(journal.addShard(id, 3, names << oddName, QStringLiteral("planned")));
        QVERIFY(journal.setFileState(id, paths.mid(290), JournalFileState::Planned));
        QVERIFY(journal.markShardSending(id, 3, paths.mid(290) << QStringLiteral("/flight/none.jpg"),
                                         prints.mid(290) << FileFingerprint()));
        // Strict JSON (SQLite's parser refuses what Qt's forgives, e.g. a raw control character).
        QVERIFY(q.exec(QStringLiteral("SELECT json_valid(files), json_valid(members), json_array_length(members)"
                                      " FROM ingest_shards WHERE ingest_id = 'ing-flight' AND shard_index = 3")));
        QVERIFY(q.next());
        QCOMPARE(q.value(0).toInt(), 1);
        QCOMPARE(q.value(1).toInt(), 1);
        QCOMPARE(q.value(2).toInt(), 11);
        QVERIFY(journal.confirmShard(id, 3));
        rows = journal.files(id);
        for (int i = 290; i < 300; ++i)
            QCOMPARE(rows.value(paths[i]).state, JournalFileState::Confirmed);
        QCOMPARE(rows.value(QStringLiteral("/flight/none.jpg")).state, JournalFileState::Confirmed);
        QCOMPARE(rows.value(QStringLiteral("/flight/none.jpg")).batchName, oddName);
        QCOMPARE(rows.size(), 301);
    }

    // The confirm of a running ingest writes the record it still holds (no read back): the rows
    // must say exactly what the confirm from the journaled record says, for every kind of
    // entry, and a member without a row (early shards' members) gets one in its batch.
    void confirmWithTheRecordInHandWritesWhatTheRecordSays()
    {
        IngestJournal journal;
        QStringList paths, names;
        QVector<FileFingerprint> prints;
        for (int i = 0; i < 300; ++i) {
            paths << QStringLiteral("/hand/%1 é \"%2\".jpg").arg((i * 7919) % 300).arg(i);   // not in path order
            names << QStringLiteral("n%1.jpg").arg(i);
            FileFingerprint f;
            f.size = 2000 + i;
            f.mtimeNs = (i == 5 ? -1234567891LL : 1765000000123456789LL + i);   // before 1970 too
            f.takenAtNs = 1765000009987654321LL + i;
            prints.append(f);
        }
        prints[7].sha256 = QString(64, QLatin1Char('b'));
        prints[8] = FileFingerprint();
        const auto confirmed = [&](const QString &id, bool inHand, int withRows) {
            IngestRecord r;
            r.ingestId = id;
            r.batchId = id + QStringLiteral("-batch");
            r.sources = { QStringLiteral("/hand") };
            if (!journal.saveIngest(r))
                return QHash<QString, JournalFile>();
            QVector<JournalFile> files;
            for (int i = 0; i < withRows; ++i)
                files.append({ paths[i], names[i], 10, 1, JournalFileState::Planned, {} });
            if (!journal.addFiles(id, files) || !journal.addShard(id, 0, names, QStringLiteral("planned"))
                || !journal.markShardSending(id, 0, paths, prints) || !journal.markShardBodyLeft(id, 0))
                return QHash<QString, JournalFile>();
            const bool ok = inHand ? journal.confirmShard(id, 0, paths, names, prints) : journal.confirmShard(id, 0);
            return ok ? journal.files(id) : QHash<QString, JournalFile>();
        };
        const QHash<QString, JournalFile> fromRecord = confirmed(QStringLiteral("ing-record"), false, 300);
        const QHash<QString, JournalFile> inHand = confirmed(QStringLiteral("ing-hand"), true, 300);
        const QHash<QString, JournalFile> noRows = confirmed(QStringLiteral("ing-norows"), true, 120);
        QCOMPARE(fromRecord.size(), 300);
        QCOMPARE(inHand.size(), 300);
        QCOMPARE(noRows.size(), 300);
        for (int i = 0; i < 300; ++i) {
            const JournalFile a = fromRecord.value(paths[i]);
            for (const JournalFile &b : { inHand.value(paths[i]), noRows.value(paths[i]) }) {
                QCOMPARE(b.state, JournalFileState::Confirmed);
                QCOMPARE(b.batchName, names[i]);
                QCOMPARE(b.size, a.size);
                QCOMPARE(b.mtime, a.mtime);
                QCOMPARE(b.fingerprint.isValid(), a.fingerprint.isValid());
                QCOMPARE(b.fingerprint.mtimeNs, a.fingerprint.mtimeNs);
                QCOMPARE(b.fingerprint.takenAtNs, a.fingerprint.takenAtNs);
                QCOMPARE(b.fingerprint.sha256, a.fingerprint.sha256);
                QCOMPARE(b.sentAtMs > 0, true);
                QCOMPARE(b.bodyLeft, a.bodyLeft);
            }
            QCOMPARE(a.fingerprint.isValid(), i != 8);
            if (i != 8)
                QCOMPARE(a.fingerprint.mtimeNs, prints[i].mtimeNs);
        }
        QCOMPARE(journal.confirmedPaths(QStringLiteral("ing-norows-batch")).size(), 300);   // found by batch
        QCOMPARE(journal.shardStates(QStringLiteral("ing-norows")).value(0), QStringLiteral("uploaded"));
        // Entries that do not match the paths (never from the pipeline): the record is read back.
        QVERIFY(journal.saveIngest([] { IngestRecord r; r.ingestId = QStringLiteral("ing-odd"); r.batchId = QStringLiteral("b");
                                        r.sources = { QStringLiteral("/hand") }; return r; }()));
        QVERIFY(journal.addFiles(QStringLiteral("ing-odd"), { { paths[0], names[0], 10, 1, JournalFileState::Planned, {} } }));
        QVERIFY(journal.addShard(QStringLiteral("ing-odd"), 0, names.mid(0, 1), QStringLiteral("planned")));
        QVERIFY(journal.markShardSending(QStringLiteral("ing-odd"), 0, paths.mid(0, 1), prints.mid(0, 1)));
        QVERIFY(journal.confirmShard(QStringLiteral("ing-odd"), 0, paths.mid(0, 1), names.mid(0, 1), {}));
        QCOMPARE(journal.files(QStringLiteral("ing-odd")).value(paths[0]).fingerprint.mtimeNs, prints[0].mtimeNs);
        // A record that cannot be read (a damaged file) is never taken for an empty one: the
        // recovery fails and the shard stays "sent", its members unclaimed.
        QVERIFY(journal.addShard(QStringLiteral("ing-odd"), 1, names.mid(1, 1), QStringLiteral("planned")));
        QVERIFY(journal.markShardSending(QStringLiteral("ing-odd"), 1, paths.mid(1, 1), prints.mid(1, 1)));
        QSqlQuery damage(bd::database());
        QVERIFY(damage.exec(QStringLiteral("UPDATE ingest_shards SET files = '[[\"/hand/x' WHERE ingest_id = 'ing-odd'"
                                           " AND shard_index = 1")));
        QVERIFY(!journal.recoverInterruptedShards(QStringLiteral("ing-odd")));
        QCOMPARE(journal.shardStates(QStringLiteral("ing-odd")).value(1), QStringLiteral("sent"));
        QVERIFY(!journal.files(QStringLiteral("ing-odd")).contains(paths[1]));
    }

    // An answer before the scan's copy: the members wait in ingest_answered (durable: another
    // connection, as after a kill, sees them) and reach their rows, exactly as a confirm writes
    // them, at the first of setIngestState or applyAnsweredShards (the scan's copy) -
    // rows that exist (planned) or not, another ingest's answers left alone, and the record
    // read back when the entries are not in hand.
    void answeredShardsReachTheirRowsAtTheNextStateChange()
    {
        QStringList paths, names;
        QVector<FileFingerprint> prints;
        for (int i = 0; i < 300; ++i) {
            paths << QStringLiteral("/answered/%1 \"q\" é.jpg").arg((i * 7919) % 300, 3, 10, QLatin1Char('0'));
            names << QStringLiteral("a%1.jpg").arg(i);
            FileFingerprint f;
            f.size = 3000 + i;
            f.mtimeNs = (i == 9 ? -987654321LL : 1765000000123456789LL + i);
            f.takenAtNs = 1765000009987654321LL + i;
            prints.append(f);
        }
        prints[4].sha256 = QString(64, QLatin1Char('c'));
        prints[6] = FileFingerprint();
        const auto start = [&](IngestJournal &journal, const QString &id, int withRows) {
            IngestRecord r;
            r.ingestId = id;
            r.batchId = id + QStringLiteral("-batch");
            r.sources = { QStringLiteral("/answered") };
            QVector<JournalFile> files;
            for (int i = 0; i < withRows; ++i)
                files.append({ paths[i], names[i], 10, 1, JournalFileState::Planned, {} });
            return journal.saveIngest(r) && journal.addFiles(id, files)
                   && journal.addShard(id, 0, names.mid(0, 150), QStringLiteral("planned"))
                   && journal.addShard(id, 1, names.mid(150), QStringLiteral("planned"))
                   && journal.markShardSending(id, 0, paths.mid(0, 150), prints.mid(0, 150))
                   && journal.markShardSending(id, 1, paths.mid(150), prints.mid(150)) && journal.markShardBodyLeft(id, 0)
                   && journal.markShardBodyLeft(id, 1);
        };
        IngestJournal journal;
        for (const QString &id : { QStringLiteral("ans-kill"), QStringLiteral("ans-state"), QStringLiteral("ans-other") }) {
            QVERIFY(start(journal, id, 100));
            QVERIFY(journal.answerShard(id, 0, paths.mid(0, 150), names.mid(0, 150), prints.mid(0, 150)));
            QVERIFY(journal.answerShard(id, 1, {}, {}, {}));   // the record read back
            QCOMPARE(journal.shardStates(id).value(0), QStringLiteral("answered"));
            QCOMPARE(journal.files(id).size(), 100);   // nothing written on the rows yet
            QVERIFY(journal.filesInState(id, JournalFileState::Confirmed).isEmpty());
        }
        const auto expectConfirmed = [&](const QString &id) {
            const QHash<QString, JournalFile> files = IngestJournal().files(id);
            QCOMPARE(files.size(), 300);
            for (int i = 0; i < 300; ++i) {
                const JournalFile f = files.value(paths[i]);
                QCOMPARE(f.state, JournalFileState::Confirmed);
                QCOMPARE(f.batchName, names[i]);
                QCOMPARE(f.fingerprint.isValid(), i != 6);
                if (i == 6)
                    continue;
                QCOMPARE(f.size, prints[i].size);
                QCOMPARE(f.fingerprint.mtimeNs, prints[i].mtimeNs);
                QCOMPARE(f.fingerprint.takenAtNs, prints[i].takenAtNs);
                QCOMPARE(f.fingerprint.sha256, prints[i].sha256);
                QVERIFY(f.sentAtMs > 0);
                QVERIFY(f.bodyLeft);
            }
            const QHash<int, QString> shards = IngestJournal().shardStates(id);
            QCOMPARE(shards.value(0), QStringLiteral("uploaded"));
            QCOMPARE(shards.value(1), QStringLiteral("uploaded"));
        };
        {   // a kill: the next run's connections recover them (its copy applies them)
            IngestJournal next;
            QVERIFY(next.recoverInterruptedShards(QStringLiteral("ans-kill")));
            QCOMPARE(next.shardStates(QStringLiteral("ans-kill")).value(0), QStringLiteral("answered"));   // left to the copy
            QVERIFY(next.applyAnsweredShards(QStringLiteral("ans-kill")));
        }
        expectConfirmed(QStringLiteral("ans-kill"));
        QVERIFY(journal.setIngestState(QStringLiteral("ans-state"), QStringLiteral("uploaded")));
        expectConfirmed(QStringLiteral("ans-state"));
        QSqlQuery q(bd::database());
        QVERIFY(q.exec(QStringLiteral("SELECT ingest_id, count(*) FROM ingest_answered GROUP BY 1")));
        QVERIFY(q.next());
        QCOMPARE(q.value(0).toString(), QStringLiteral("ans-other"));   // untouched until its own turn
        QCOMPARE(q.value(1).toInt(), 300);
        QVERIFY(!q.next());
        QVERIFY(journal.applyAnsweredShards(QStringLiteral("ans-other")));
        expectConfirmed(QStringLiteral("ans-other"));
        QVERIFY(q.exec(QStringLiteral("SELECT count(*) FROM ingest_answered")) && q.next());
        QCOMPARE(q.value(0).toInt(), 0);
        QVERIFY(journal.applyAnsweredShards(QStringLiteral("ans-other")));   // nothing left: nothing done
        expectConfirmed(QStringLiteral("ans-other"));
    }

    void anotherServiceOrWorkspaceIsNeverReused()
    {
        IngestJournal journal;
        const IngestTarget us{ QStringLiteral("https://api.roboflow.com"), QStringLiteral("ws-a") };
        const IngestTarget eu{ QStringLiteral("https://api.roboflow.eu"), QStringLiteral("ws-a") };
        const IngestTarget otherWs{ QStringLiteral("https://api.roboflow.com"), QStringLiteral("ws-b") };
        IngestRecord r = ingestRecord(QStringLiteral("ing-us"), QStringLiteral("tb"), QStringLiteral("/t"));
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
        IngestRecord r = ingestRecord(QStringLiteral("ing-fp"), QStringLiteral("fb"), QStringLiteral("/f"));
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

    // The content hash of racy fingerprints (OpenSSL's SHA-256) gives the standard's digests:
    // FIPS 180-2's "abc", the empty file, and a file across several read chunks equal to Qt's
    // own implementation; an unreadable path gives none.
    void sha256OfFileMatchesTheStandard()
    {
        auto write = [&](const QString &name, const QByteArray &bytes) {
            QFile f(m_dir.filePath(name));
            if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size())
                return QString();
            return f.fileName();
        };
        QCOMPARE(sha256OfFile(write(QStringLiteral("abc.bin"), "abc")),
                 QStringLiteral("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        QCOMPARE(sha256OfFile(write(QStringLiteral("empty.bin"), {})),
                 QStringLiteral("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        QByteArray big;
        for (int i = 0; i < 700 * 1024; ++i)
            big.append(char((i * 131) ^ (i >> 9)));
        QCOMPARE(sha256OfFile(write(QStringLiteral("big.bin"), big)),
                 QString::fromLatin1(QCryptographicHash::hash(big, QCryptographicHash::Sha256).toHex()));
        QVERIFY(sha256OfFile(m_dir.filePath(QStringLiteral("missing.bin"))).isEmpty());
    }

    // The per-file writes go as one statement per chunk of paths (IngestJournal.cpp): every row
    // of a list longer than a chunk, and only those, is written, whatever its name holds (SQL
    // and format characters, quotes, non-ASCII), each with its own fingerprint.
    void chunkedWritesReachEveryListedRowAndNoOther()
    {
        IngestJournal journal;
        IngestRecord r = ingestRecord(QStringLiteral("ing-chunks"), QStringLiteral("chunks"), QStringLiteral("/c"));
        QVERIFY(journal.saveIngest(r));
        const QStringList odd{ QStringLiteral("it's.jpg"), QStringLiteral("a,b (1).jpg"), QStringLiteral("%1 %2?.jpg"),
                               QStringLiteral("\"q\";--.jpg"), QStringLiteral("caf\u00e9 \u6771\u4eac.jpg"), QStringLiteral("x?y:z.jpg") };
        QStringList all;
        QVector<JournalFile> rows;
        for (int i = 0; i < 700; ++i) {
            const QString path = QStringLiteral("/c/%1/").arg(i) + odd.at(i % odd.size());
            all << path;
            rows.append({ path, QStringLiteral("n%1.jpg").arg(i), i, 1700000000, JournalFileState::Planned, {} });
        }
        QVERIFY(journal.addFiles(r.ingestId, rows));
        // Rows 0..299 sent (every third fingerprint missing), 100..399 body left, 0..259 then
        // confirmed, 260..299 failed; 300 and on stay as they were.
        const QStringList sent = all.mid(0, 300);
        QVector<FileFingerprint> prints;
        for (int i = 0; i < 300; ++i) {
            FileFingerprint f;
            if (i % 3 != 0) {
                f.size = 1000 + i;
                f.mtimeNs = qint64(1700000000) * 1000000000 + i * 7 + 123456789;   // beyond a double's 53 bits
                f.takenAtNs = f.mtimeNs + 5;
                f.sha256 = i % 3 == 1 ? QStringLiteral("%1").arg(i, 64, 10, QLatin1Char('0')) : QString();
            }
            prints.append(f);
        }
        QVERIFY(journal.markSending(r.ingestId, sent, prints, false));
        QVERIFY(journal.markBodyLeft(r.ingestId, all.mid(100, 300)));
        QVERIFY(journal.setFileState(r.ingestId, all.mid(0, 260), JournalFileState::Confirmed));
        QVERIFY(journal.setFileFailed(r.ingestId, all.mid(260, 40), QStringLiteral("http-500"), QStringLiteral("it's 500")));

        const QHash<QString, JournalFile> back = journal.files(r.ingestId);
        QCOMPARE(back.size(), 700);
        for (int i = 0; i < 700; ++i) {
            const JournalFile f = back.value(all.at(i));
            QCOMPARE(f.path, all.at(i));
            const JournalFileState want = i < 260 ? JournalFileState::Confirmed
                                          : i < 300 ? JournalFileState::Failed
                                                    : JournalFileState::Planned;
            QCOMPARE(f.state, want);
            QCOMPARE(f.bodyLeft, i >= 100 && i < 400);
            QCOMPARE(f.reason, i >= 260 && i < 300 ? QStringLiteral("it's 500") : QString());
            if (i < 300 && i % 3 != 0) {
                QCOMPARE(f.size, qint64(1000 + i));
                QCOMPARE(f.fingerprint.mtimeNs, prints.at(i).mtimeNs);
                QCOMPARE(f.fingerprint.takenAtNs, prints.at(i).takenAtNs);
                QCOMPARE(f.fingerprint.sha256, prints.at(i).sha256);
                QCOMPARE(f.mtime, prints.at(i).mtimeNs / 1000000000);
            } else if (i < 300) {
                QVERIFY(!f.fingerprint.isValid());   // sent without a fingerprint: none recorded
            } else {
                QCOMPARE(f.size, qint64(i));         // untouched by markSending
                QCOMPARE(f.sentAtMs > 0, i < 400);   // markBodyLeft stamps the time it left
            }
        }
        QSqlQuery q(bd::database());
        QVERIFY(q.exec(QStringLiteral("SELECT count(*) FROM ingest_files WHERE ingest_id = 'ing-chunks' AND reason_code = 'http-500'")));
        QVERIFY(q.next());
        QCOMPARE(q.value(0).toInt(), 40);
    }

    // The resume check's verdicts (IngestResumeCheck), decided by joins of its temporary tables
    // with a scan attached to the journal's connection: listed claims are confirmed, an earlier
    // confirmation the listing lacks is forgotten and planned again, a killed run's "sent" file
    // goes again unless its whole body left less than sentSettleMs ago (then it is waited for and
    // stays the only claim), a changed file is planned again at once.
    void resumeCheckDecidesByJoins()
    {
        IngestJournal journal;
        const IngestTarget target{ QStringLiteral("http://svc"), QStringLiteral("ws") };
        IngestRecord r;
        r.ingestId = QStringLiteral("ing-rc");
        r.batchId = QStringLiteral("brc");
        r.apiBaseUrl = target.apiBaseUrl;
        r.workspace = target.workspace;
        r.sources = { QStringLiteral("/rc") };
        QVERIFY(journal.saveIngest(r));
        QVector<JournalFile> files;
        QStringList paths;
        for (int i = 0; i < 10; ++i) {
            paths << QStringLiteral("/rc/p%1.jpg").arg(i);
            files.append({ paths.last(), QStringLiteral("n%1.jpg").arg(i), 10, 1700000000, JournalFileState::Planned, {} });
        }
        QVERIFY(journal.addFiles(r.ingestId, files));
        QVERIFY(journal.setFileState(r.ingestId, paths.mid(0, 6), JournalFileState::Confirmed));
        QVERIFY(journal.setFileState(r.ingestId, paths.mid(6, 3), JournalFileState::Sent));

        // A stand-in for the attached scan (ScanStore): path and batch name.
        QSqlDatabase db = bd::database();
        QSqlQuery q(db);
        QVERIFY(q.exec(QStringLiteral("ATTACH DATABASE ':memory:' AS scan_rc")));
        QVERIFY(q.exec(QStringLiteral("CREATE TABLE scan_rc.files (path TEXT PRIMARY KEY, name TEXT)")));
        for (const JournalFile &f : std::as_const(files)) {
            q.prepare(QStringLiteral("INSERT INTO scan_rc.files VALUES (?, ?)"));
            q.addBindValue(f.path);
            q.addBindValue(f.batchName);
            QVERIFY(q.exec());
        }

        IngestResumeCheck check(r.ingestId, target, r.batchId, QStringLiteral("scan_rc"));
        QVERIFY2(check.reset(), qPrintable(check.lastError()));
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        using Claim = IngestResumeCheck::Claim;
        QVERIFY(check.add(paths[0], Claim::Earlier) && check.add(paths[1], Claim::Earlier) && check.add(paths[2], Claim::Earlier));
        QVERIFY(check.add(paths[3], Claim::Changed));
        QVERIFY(check.add(paths[6], Claim::Sent, now - 1000, false));   // never left whole: resend
        QVERIFY(check.add(paths[7], Claim::Sent, now - 1000, true));    // left whole 1 s ago: wait
        QVERIFY(check.add(paths[8], Claim::Sent, now - 60000, true));   // left whole a minute ago
        QCOMPARE(check.count({ Claim::Earlier, Claim::Sent }), 6);

        QStringList changed;
        QVERIFY(check.resolveChanged(QStringLiteral("changed"), [&](const QString &p) { changed << p; }));
        QCOMPARE(changed, QStringList{ paths[3] });
        auto state = [&](int i) { return journal.files(r.ingestId).value(paths[i]).state; };
        QCOMPARE(state(3), JournalFileState::Planned);

        QVERIFY(check.clearListing());
        QVERIFY(check.addListedNames({ QStringLiteral("n0.jpg"), QStringLiteral("n1.jpg") }));
        QVERIFY(check.addListedNames({ QStringLiteral("n6.jpg"), QStringLiteral("other.jpg") }));   // a second page
        IngestResumeCheck::Verdict verdict;
        QStringList missing;
        QVERIFY2(check.applyListing(now, 20000, QStringLiteral("not listed"), [&](const QString &p) { missing << p; }, &verdict),
                 qPrintable(check.lastError()));
        QCOMPARE(verdict.presentCount, 3);   // p0, p1, p6
        QCOMPARE(missing, QStringList{ paths[2] });
        QCOMPARE(verdict.missingEarlierCount, 1);
        QCOMPARE(verdict.waitingCount, 1);   // p7
        QVERIFY2(verdict.waitMs > 15000 && verdict.waitMs <= 19000, qPrintable(QString::number(verdict.waitMs)));
        QCOMPARE(state(0), JournalFileState::Confirmed);
        QCOMPARE(state(6), JournalFileState::Confirmed);
        QCOMPARE(state(2), JournalFileState::Planned);
        QCOMPARE(state(8), JournalFileState::Planned);
        QCOMPARE(state(7), JournalFileState::Sent);
        QVERIFY(!journal.isConfirmedInBatch(target, r.batchId, paths[2]));
        QCOMPARE(check.count({ Claim::Earlier, Claim::Sent }), 1);   // only p7 is left to check

        // p7 shows up in the next listing: confirmed, nothing left.
        QVERIFY(check.clearListing());
        QVERIFY(check.addListedNames({ QStringLiteral("n7.jpg") }));
        QVERIFY(check.applyListing(now, 20000, QString(), [](const QString &) {}, &verdict));
        QCOMPARE(verdict.presentCount, 1);
        QCOMPARE(verdict.waitingCount, 0);
        QCOMPARE(state(7), JournalFileState::Confirmed);
        QCOMPARE(check.count({ Claim::Earlier, Claim::Sent }), 0);

        // reconcileMissing: this ingest's confirmed files the listing lacks, by name.
        QStringList unlisted;
        QVERIFY(check.forEachConfirmedUnlisted([&](const QString &name) { unlisted << name; }));
        unlisted.sort();
        QCOMPARE(unlisted, (QStringList{ QStringLiteral("n0.jpg"), QStringLiteral("n1.jpg"), QStringLiteral("n4.jpg"),
                                         QStringLiteral("n5.jpg"), QStringLiteral("n6.jpg") }));
        QVERIFY(q.exec(QStringLiteral("DETACH DATABASE scan_rc")));
    }

    // A scan larger than a few of addScanFiles' ranges (and not a multiple of one) is copied
    // whole: every path once, as planned with its scan name, a row already there (an early
    // shard's, or a copy cut short) left as it was; a copy cut short between two ranges is
    // finished by the next, which adds nothing twice. The log never holds the whole copy: each
    // range is folded back before the next (one statement for the whole scan made it as large as
    // everything the copy wrote).
    void scanCopyGoesInRangesAndCoversEveryPathOnce()
    {
        constexpr int kFiles = 60001;
        QString error;
        std::shared_ptr<ScanFile> file = ScanStore::create(&error);
        QVERIFY2(file, qPrintable(error));
        {
            ScanStore store(file);
            QVERIFY2(store.isOpen(), qPrintable(store.lastError()));
            for (int i = 0; i < kFiles; ++i) {   // not in path order, as a walk meets them
                const int n = int((quint64(i) * 7919) % kFiles);
                QVERIFY(store.addAccepted(QStringLiteral("/sc/d%1/f%2.jpg").arg(n % 13).arg(n, 6, 10, QLatin1Char('0')),
                                          100 + n, 1700000000, MediaKind::Image, 1, quint64(n) + 1));
            }
            QVERIFY2(store.finishWriting(), qPrintable(store.lastError()));
        }
        IngestJournal journal;
        IngestRecord r = ingestRecord(QStringLiteral("ing-copy"), QStringLiteral("bcopy"), QStringLiteral("/sc"));
        QVERIFY(journal.saveIngest(r));
        const QString early = QStringLiteral("/sc/d3/f%1.jpg").arg(3, 6, 10, QLatin1Char('0'));   // 3 % 13 == 3
        QVERIFY(journal.addFiles(r.ingestId, { { early, QStringLiteral("kept.jpg"), 1, 1, JournalFileState::Planned, {} } }));
        QVERIFY(journal.setFileState(r.ingestId, { early }, JournalFileState::Confirmed));

        QSqlDatabase db = bd::database();
        QSqlQuery q(db);
        // The automatic checkpoint's threshold (Database.cpp: 8 192 pages, 32 MiB) is above a range
        // of this small scan (~2.3 MB); at 100 pages the log would fold back after each range.
        QVERIFY(q.exec(QStringLiteral("PRAGMA wal_autocheckpoint")) && q.next());
        const int savedAutocheckpoint = q.value(0).toInt();
        q.finish();
        QVERIFY(q.exec(QStringLiteral("PRAGMA wal_autocheckpoint=100")));
        QVERIFY(q.exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)")));
        q.finish();   // a statement left open is a reader: the log could not start over
        const QString dbPath = m_dir.filePath(QStringLiteral("journal.sqlite"));
        const qint64 dbBefore = QFileInfo(dbPath).size();
        QVERIFY2(ScanStore::attach(db, *file, QStringLiteral("scan_copy"), &error), qPrintable(error));
        QVERIFY2(journal.addScanFiles(r.ingestId, QStringLiteral("scan_copy")), qPrintable(journal.lastError()));
        const qint64 logBytes = QFileInfo(dbPath + QStringLiteral("-wal")).size();   // its largest extent
        // A kill between two ranges leaves the first ones committed (path order) and the rest not:
        // the next run's copy adds what is missing and nothing twice.
        QVERIFY(q.exec(QStringLiteral("DELETE FROM ingest_files WHERE ingest_id = 'ing-copy' AND path >"
                                      " (SELECT path FROM scan_copy.files ORDER BY path LIMIT 1 OFFSET 29999)")));
        QCOMPARE(q.numRowsAffected(), kFiles - 30000);
        q.finish();
        QVERIFY2(journal.addScanFiles(r.ingestId, QStringLiteral("scan_copy")), qPrintable(journal.lastError()));

        QVERIFY(q.exec(QStringLiteral("SELECT count(*), count(DISTINCT path), sum(state = 'planned'),"
                                      " sum(s.path IS NULL) FROM ingest_files f LEFT JOIN scan_copy.files s USING (path)"
                                      " WHERE f.ingest_id = 'ing-copy'")));
        QVERIFY(q.next());
        QCOMPARE(q.value(0).toInt(), kFiles);
        QCOMPARE(q.value(1).toInt(), kFiles);
        QCOMPARE(q.value(2).toInt(), kFiles - 1);
        QCOMPARE(q.value(3).toInt(), 0);   // nothing that is not in the scan
        QVERIFY(q.exec(QStringLiteral("SELECT count(*) FROM ingest_files f JOIN scan_copy.files s USING (path)"
                                      " WHERE f.ingest_id = 'ing-copy' AND (f.batch_name IS NOT s.name OR f.size IS NOT s.size)")));
        QVERIFY(q.next());
        QCOMPARE(q.value(0).toInt(), 1);   // the early row only, kept as it was
        const auto kept = journal.filesInState(r.ingestId, JournalFileState::Confirmed);
        QCOMPARE(kept.size(), 1);
        QCOMPARE(kept.value(early).batchName, QStringLiteral("kept.jpg"));
        q.finish();
        QVERIFY(q.exec(QStringLiteral("DETACH DATABASE scan_copy")));

        QVERIFY(q.exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)")));
        const qint64 written = QFileInfo(dbPath).size() - dbBefore;
        QVERIFY(q.exec(QStringLiteral("PRAGMA wal_autocheckpoint=%1").arg(savedAutocheckpoint)));
        QVERIFY2(written > 0 && logBytes < written / 2,
                 qPrintable(QStringLiteral("log %1 bytes for a copy of %2").arg(logBytes).arg(written)));
    }

    void stateNamesRoundTrip()
    {
        for (auto s : { JournalFileState::Planned, JournalFileState::Sent, JournalFileState::Confirmed,
                        JournalFileState::Failed, JournalFileState::Skipped })
            QCOMPARE(journalFileStateFromName(journalFileStateName(s)), s);
    }

private:
    // An ingest of one source folder, not saved yet.
    static IngestRecord ingestRecord(const QString &id, const QString &batchId, const QString &source)
    {
        IngestRecord r;
        r.ingestId = id;
        r.batchId = batchId;
        r.sources = { source };
        return r;
    }

    QTemporaryDir m_dir;
};

QTEST_GUILESS_MAIN(TestIngestJournal)
#include "tst_ingestjournal.moc"
