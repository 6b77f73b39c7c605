// JobResultsModel: a job's results as one table. The folder is laid out as a downloaded job is
// (<target>/<output batch>/<part>/task-NNNN.jsonl), its files extracted by SafeExtractor from real
// .tar.gz archives; rows are checked against what was written, across file and page boundaries,
// with predictions split into columns, sorting and filtering through ResultsFilterProxy, a file
// that vanished, columns that first appear late, and a close while indexing.
#include "TestArchives.h"
#include "exports/JobResults.h"
#include "exports/ResultsFilterProxy.h"
#include "exports/SafeExtractor.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace bd;
using namespace archivetest;

namespace {

const char *const kClasses[] = { "car", "person", "bicycle", "dog", "cat", "truck", "bus", "light" };

// Record i of task file `task`, as the sandbox writes them: image, size, sha256, predictions.
QJsonObject record(int task, int i)
{
    QJsonArray predictions;
    for (int k = 0; k < i % 4; ++k)
        predictions.append(QJsonObject{ { "class", kClasses[(i + k) % 8] },
                                        { "confidence", double(500 + (i * 7 + k * 13) % 490) / 1000.0 },
                                        { "x", i % 640 }, { "y", k }, { "width", 16 + k }, { "height", 20 + k } });
    QJsonObject row{ { "image", QStringLiteral("t%1-img%2.jpg").arg(task).arg(i) },
                     { "size", 1000 + i },
                     { "sha256", QStringLiteral("%1").arg(task * 100000 + i, 64, 10, QLatin1Char('0')) },
                     { "predictions", predictions } };
    return row;
}

QByteArray jsonl(int task, int rows)
{
    QByteArray out;
    for (int i = 0; i < rows; ++i)
        out += QJsonDocument(record(task, i)).toJson(QJsonDocument::Compact) + '\n';
    return out;
}

bool extract(const QString &archive, const QString &target)
{
    SafeExtractor op(archive, target);
    QSignalSpy spy(&op, &Operation::finished);
    op.start();
    return (spy.wait(60000) || op.isFinished()) && !op.error();
}

int column(const JobResultsModel &model, const QString &name)
{
    return int(model.columns().indexOf(name));
}

}  // namespace

class TestJobResults : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void flatteningSplitsPredictions()
    {
        const QByteArray line =
            "{\"image\":\"a.jpg\",\"size\":10,\"predictions\":["
            "{\"class\":\"car\",\"confidence\":0.93,\"x\":1,\"y\":2,\"width\":3,\"height\":4,\"points\":[{\"x\":1},{\"x\":2}]},"
            "{\"class\":\"dog\",\"confidence\":0.71,\"x\":5,\"y\":6,\"width\":7,\"height\":8}],"
            "\"meta\":{\"camera\":\"c1\",\"gps\":{\"lat\":1.5}},\"tags\":[\"a\",\"b\"],\"none\":null}";
        const ResultFlattening::Cells cells = ResultFlattening::flattenRecord(line, false, {});
        QStringList columns;
        QHash<QString, QString> values;
        for (const auto &[c, v] : cells) {
            columns << c;
            values.insert(c, v);
        }
        // File order for the top level; nested keys as Qt orders them.
        QCOMPARE(columns, QStringList({ "image", "size", "predictions", "predictions.class", "predictions.confidence",
                                        "predictions.height", "predictions.points", "predictions.width", "predictions.x",
                                        "predictions.y", "meta.camera", "meta.gps.lat", "tags", "none" }));
        QCOMPARE(values["predictions"], QStringLiteral("2"));
        QCOMPARE(values["predictions.class"], QStringLiteral("car; dog"));
        QCOMPARE(values["predictions.confidence"], QStringLiteral("0.93; 0.71"));
        QCOMPARE(values["predictions.points"], QStringLiteral("(2 items); "));   // nested array summarised, slot kept
        QCOMPARE(values["meta.gps.lat"], QStringLiteral("1.5"));
        QCOMPARE(values["tags"], QStringLiteral("a; b"));
        QCOMPARE(values["none"], QString());
        // A multi-value cell sorts by its first value, as a number.
        QCOMPARE(ResultsRowModel::rawValue(values["predictions.confidence"]).toDouble(), 0.93);

        // No predictions: a count of 0 and no per-field cells.
        const auto empty = ResultFlattening::flattenRecord("{\"image\":\"b.jpg\",\"predictions\":[]}", false, {});
        QCOMPARE(empty.size(), 2);
        QCOMPARE(empty.at(1), qMakePair(QStringLiteral("predictions"), QStringLiteral("0")));

        // CSV aggregation: the predictions column holds JSON text and is split the same way;
        // a cell that only looks like JSON stays as it is.
        const auto csv = ResultFlattening::flattenRecord(
            "a.jpg,\"[{\"\"class\"\":\"\"car\"\",\"\"confidence\"\":0.5}]\",[not json", true,
            { "image", "predictions", "note" });
        QCOMPARE(csv, ResultFlattening::Cells({ { "image", "a.jpg" }, { "predictions", "1" }, { "predictions.class", "car" },
                                                { "predictions.confidence", "0.5" }, { "note", "[not json" } }));

        // Not an object: kept visible as a line.
        const auto garbage = ResultFlattening::flattenRecord("this is not json", false, {});
        QCOMPARE(garbage, ResultFlattening::Cells({ { "Line", "this is not json" } }));
    }

    void jobFolderFromRealArchivesIsOneTable()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString target = dir.path() + QStringLiteral("/job-1");
        // Rows per task: an empty task, page boundaries (64, 65, 130) and a larger one.
        const QVector<int> rows = { 3, 0, 64, 65, 130, 1000 };
        int expectedRows = 0;
        for (int t = 0; t < rows.size(); ++t) {
            const QString name = QStringLiteral("task-%1").arg(t + 1, 4, 10, QLatin1Char('0'));
            const QString archive = dir.path() + QLatin1Char('/') + name + QStringLiteral(".tar.gz");
            QVERIFY(writeArchive(archive, Kind::TarGz, { { (name + QStringLiteral(".jsonl")).toUtf8(), Member::File, jsonl(t, rows[t]), {} } }));
            const QString part = QStringLiteral("%1/job-1-export-out/archives-%2").arg(target).arg(t < 3 ? 1 : 2);
            QVERIFY(QDir().mkpath(part));
            QVERIFY(extract(archive, part));
            expectedRows += rows[t];
        }
        // Our own bookkeeping next to the results is not a results file.
        QFile log(target + QStringLiteral("/job-1-export-out/.export_log.jsonl"));
        QVERIFY(log.open(QIODevice::WriteOnly));
        log.write("{\"status\":\"downloaded\"}\n");
        log.close();

        const QStringList files = JobResultsModel::findResultFiles(target);
        QCOMPARE(files.size(), rows.size());
        JobResultsModel model;
        QSignalSpy finished(&model, &JobResultsModel::indexingFinished);
        Error error;
        QVERIFY2(model.open(files, target, &error), qPrintable(error.message));
        QVERIFY(model.isIndexing());
        QVERIFY(model.waitForIndex(30000));
        QCOMPARE(finished.size(), 1);
        QCOMPARE(model.rowCount(), expectedRows);
        QCOMPARE(model.indexedBytes(), model.totalBytes());
        QVERIFY(model.fileErrors().isEmpty());

        const QStringList columns = model.columns();
        for (const char *name : { "image", "size", "sha256", "predictions", "predictions.class", "predictions.confidence",
                                  "predictions.x", "predictions.y", "predictions.width", "predictions.height" })
            QVERIFY2(columns.contains(QLatin1String(name)), qPrintable(columns.join(QLatin1Char(','))));
        QCOMPARE(model.headerData(0, Qt::Horizontal).toString(), columns.first());

        // Every row, in file order, is the record that was written, with its file named.
        const int image = column(model, "image"), count = column(model, "predictions"), classes = column(model, "predictions.class");
        int row = 0;
        for (int t = 0; t < rows.size(); ++t) {
            for (int i = 0; i < rows[t]; ++i, ++row) {
                const QStringList values = model.rowValues(row);
                const QJsonObject expected = record(t, i);
                QCOMPARE(values.value(image), expected["image"].toString());
                QCOMPARE(values.value(count), QString::number(i % 4));
                QStringList expectedClasses;
                for (const QJsonValue &p : expected["predictions"].toArray())
                    expectedClasses << p["class"].toString();
                QCOMPARE(values.value(classes), expectedClasses.join(QStringLiteral("; ")));
                QVERIFY2(values.value(0).endsWith(QStringLiteral("task-%1.jsonl").arg(t + 1, 4, 10, QLatin1Char('0'))), qPrintable(values.value(0)));
                QVERIFY(!values.value(0).startsWith(target));   // relative to the job folder
            }
        }
        QCOMPARE(model.fileOfRow(0), files.first());
        QVERIFY(model.rowValues(expectedRows).isEmpty());

        // Random access (the page cache jumps between files).
        auto *gen = QRandomGenerator::global();
        for (int n = 0; n < 300; ++n) {
            const int r = int(gen->bounded(expectedRows));
            int t = 0, local = r;
            while (local >= rows[t]) {
                local -= rows[t];
                ++t;
            }
            QCOMPARE(model.index(r, image).data().toString(), record(t, local)["image"].toString());
        }

        // Sorted by the number of predictions, then by the first confidence, numerically.
        ResultsFilterProxy proxy;
        proxy.setSourceModel(&model);
        proxy.sort(count, Qt::DescendingOrder);
        QCOMPARE(proxy.index(0, count).data().toString(), QStringLiteral("3"));
        QCOMPARE(proxy.index(proxy.rowCount() - 1, count).data().toString(), QStringLiteral("0"));
        const int confidence = column(model, "predictions.confidence");
        proxy.sort(confidence, Qt::AscendingOrder);
        double previous = -1;
        for (int r = 0; r < proxy.rowCount(); ++r) {
            const QVariant raw = ResultsRowModel::rawValue(proxy.index(r, confidence).data().toString());
            if (raw.typeId() != QMetaType::Double)
                break;   // rows without predictions (empty cells) come last
            QVERIFY(raw.toDouble() >= previous);
            previous = raw.toDouble();
        }
        QVERIFY(previous > 0.5);

        // Filtering on a split column: rows whose predictions include a truck.
        int trucks = 0;
        for (int t = 0; t < rows.size(); ++t)
            for (int i = 0; i < rows[t]; ++i)
                for (const QJsonValue &p : record(t, i)["predictions"].toArray())
                    if (p["class"].toString() == QLatin1String("truck")) {
                        ++trucks;
                        break;
                    }
        proxy.setFilter(QStringLiteral("truck"), classes);
        QCOMPARE(proxy.rowCount(), trucks);
        QVERIFY(trucks > 0);
        // And by file: one task's rows.
        proxy.setFilter(QStringLiteral("task-0005"), 0);
        QCOMPARE(proxy.rowCount(), rows[4]);
    }

    void unreadableFileIsReportedAndTheRestShown()
    {
        QTemporaryDir dir;
        const QString a = dir.path() + QStringLiteral("/task-0001.jsonl");
        const QString gone = dir.path() + QStringLiteral("/task-0002.jsonl");
        const QString c = dir.path() + QStringLiteral("/task-0003.jsonl");
        for (const QString &path : { a, c }) {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(jsonl(1, 10));
        }
        JobResultsModel model;
        QVERIFY(model.open({ a, gone, c }, dir.path()));
        QVERIFY(model.waitForIndex(10000));
        QCOMPARE(model.rowCount(), 20);
        QCOMPARE(model.fileErrors().size(), 1);
        QVERIFY(model.fileErrors().first().startsWith(QDir::toNativeSeparators(gone)));
        QVERIFY(model.rowValues(10).value(0).endsWith(QStringLiteral("task-0003.jsonl")));

        Error error;
        QVERIFY(!model.open({}, dir.path(), &error));
        QCOMPARE(error.kind, ErrorKind::InvalidInput);
    }

    void columnFoundLateIsAdded()
    {
        QTemporaryDir dir;
        const QString path = dir.path() + QStringLiteral("/task-0001.jsonl");
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        QByteArray data = jsonl(1, JobResultsModel::kColumnSampleRecords + 50);
        data += "{\"image\":\"late.jpg\",\"camera\":\"north\"}\n";
        f.write(data);
        f.close();
        JobResultsModel model;
        QVERIFY(model.open({ path }, dir.path()));
        QVERIFY(model.waitForIndex(10000));
        QVERIFY(!model.columns().contains(QStringLiteral("camera")));   // beyond the sample
        QSignalSpy inserted(&model, &QAbstractItemModel::columnsInserted);
        const int last = model.rowCount() - 1;
        QCOMPARE(model.index(last, column(model, "image")).data().toString(), QStringLiteral("late.jpg"));
        QTRY_COMPARE(inserted.size(), 1);   // queued: never from inside data()
        QCOMPARE(model.index(last, column(model, "camera")).data().toString(), QStringLiteral("north"));
        QCOMPARE(model.index(0, column(model, "camera")).data().toString(), QString());
    }

    void aJobOfManyTaskFiles()
    {
        // 10 000 images at 8 per task: 1250 files, as the sandbox (and the service) split them.
        QTemporaryDir dir;
        QStringList files;
        constexpr int kTasks = 1250, kPerTask = 8;
        for (int t = 0; t < kTasks; ++t) {
            const QString path = dir.path() + QStringLiteral("/archives-%1/task-%2.jsonl").arg(t / 100 + 1).arg(t, 4, 10, QLatin1Char('0'));
            QDir().mkpath(QFileInfo(path).path());
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(jsonl(t, kPerTask));
        }
        QElapsedTimer timer;
        timer.start();
        files = JobResultsModel::findResultFiles(dir.path());
        const qint64 listMs = timer.restart();
        QCOMPARE(files.size(), kTasks);
        JobResultsModel model;
        QVERIFY(model.open(files, dir.path()));
        const qint64 openMs = timer.restart();
        QVERIFY(model.waitForIndex(120000));
        const qint64 indexMs = timer.restart();
        QCOMPARE(model.rowCount(), kTasks * kPerTask);
        // The last file's last row, then the first: the page cache moves between files.
        QCOMPARE(model.index(model.rowCount() - 1, column(model, "image")).data().toString(), record(kTasks - 1, kPerTask - 1)["image"].toString());
        QCOMPARE(model.index(0, column(model, "image")).data().toString(), record(0, 0)["image"].toString());
        qInfo("1250 files / 10000 rows: listed in %lld ms, open() returned in %lld ms, indexed in %lld ms",
              listMs, openMs, indexMs);
    }

    void closeWhileIndexing()
    {
        QTemporaryDir dir;
        QStringList files;
        for (int t = 0; t < 20; ++t) {
            const QString path = dir.path() + QStringLiteral("/task-%1.jsonl").arg(t, 4, 10, QLatin1Char('0'));
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(jsonl(t, 5000));
            files << path;
        }
        JobResultsModel model;
        QVERIFY(model.open(files, dir.path()));
        QTest::qWait(20);
        model.close();
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.columnCount(), 0);
        QVERIFY(!model.isIndexing());
        // And it opens again afterwards.
        QVERIFY(model.open(files.mid(0, 2), dir.path()));
        QVERIFY(model.waitForIndex(20000));
        QCOMPARE(model.rowCount(), 10000);
    }
};

QTEST_GUILESS_MAIN(TestJobResults)
#include "tst_jobresults.moc"
