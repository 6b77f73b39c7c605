// ExportLog: the .export_log.jsonl shared with Roboflow's Python CLI (spec §8.3).
#include "exports/ExportLayout.h"
#include "exports/ExportLog.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <QThreadPool>
#include <QtConcurrent>

using namespace bd;

class TestExportLog : public QObject
{
    Q_OBJECT

    static ExportFileInfo sample(const QString &name, const QString &part = {}, const QString &shard = {})
    {
        ExportFileInfo f;
        f.downloadUrl = QStringLiteral("https://storage.example/signed/%1?sig=abc").arg(name);
        f.fileName = name;
        f.partName = part;
        f.shardId = shard;
        f.contentType = QStringLiteral("application/octet-stream");
        return f;
    }

    static void writeFile(const QString &path, const QByteArray &data)
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(data);
    }

private Q_SLOTS:
    void identityKeyRendersMissingAsNone()
    {
        QCOMPARE(sample(QStringLiteral("a.csv")).identityKey(), QStringLiteral("a.csv-None-None"));
        QCOMPARE(sample(QStringLiteral("a.csv"), QStringLiteral("p1"), QStringLiteral("s7")).identityKey(),
                 QStringLiteral("a.csv-p1-s7"));
        // An empty (present) value is not "None".
        QCOMPARE(sample(QStringLiteral("a.csv"), QStringLiteral("")).identityKey(), QStringLiteral("a.csv--None"));
    }

    void encodedLineHasPythonShapeWithNulls()
    {
        const QByteArray line = ExportLog::encodeLine(sample(QStringLiteral("x.jsonl")), QStringLiteral("/t/x.jsonl"));
        QVERIFY(!line.contains('\n'));
        const QJsonObject obj = QJsonDocument::fromJson(line).object();
        QCOMPARE(obj.value(QStringLiteral("local_path")).toString(), QStringLiteral("/t/x.jsonl"));
        const QJsonObject meta = obj.value(QStringLiteral("file_metadata")).toObject();
        QCOMPARE(meta.keys().size(), 6);
        QCOMPARE(meta.value(QStringLiteral("downloadURL")).toString(),
                 QStringLiteral("https://storage.example/signed/x.jsonl?sig=abc"));
        QCOMPARE(meta.value(QStringLiteral("fileName")).toString(), QStringLiteral("x.jsonl"));
        QVERIFY(meta.value(QStringLiteral("partName")).isNull());
        QVERIFY(meta.value(QStringLiteral("shardId")).isNull());
        QVERIFY(meta.value(QStringLiteral("nestedContentType")).isNull());
        QCOMPARE(meta.value(QStringLiteral("contentType")).toString(), QStringLiteral("application/octet-stream"));
    }

    void roundTripWithPythonLinesAndGarbage()
    {
        QTemporaryDir dir;
        const QString target = dir.path();
        writeFile(target + QStringLiteral("/a.csv"), "1,2\n");
        QDir(target).mkpath(QStringLiteral("part-1"));
        // Exactly how Python's json.dumps writes it (", " and ": " separators, \u escapes, nulls),
        // then garbage: a truncated line from a crash, a non-object, a line without file_metadata.
        const QByteArray python =
            "{\"file_metadata\": {\"downloadURL\": \"https://s/a\", \"fileName\": \"a.csv\", \"partName\": null, "
            "\"shardId\": null, \"contentType\": \"text/csv\", \"nestedContentType\": null}, \"local_path\": \""
            + target.toUtf8() + "/a.csv\"}\n"
            "{\"file_metadata\": {\"downloadURL\": \"https://s/b\", \"fileName\": \"caf\\u00e9.tar\", \"partName\": "
            "\"part-1\", \"shardId\": \"s1\", \"contentType\": \"application/x-tar\", \"nestedContentType\": "
            "\"image/jpeg\"}, \"local_path\": \"" + target.toUtf8() + "/part-1\"}\n"
            "\n"
            "[1, 2, 3]\n"
            "{\"local_path\": \"/x\"}\n"
            "{\"file_metadata\": {\"downloadURL\": \"https://s/c\", \"fileNa";   // crash mid-line
        writeFile(target + QStringLiteral("/.export_log.jsonl"), python);

        ExportLog log(target);
        Error error;
        QVERIFY(log.load(&error));
        QCOMPARE(log.entries().size(), 2);
        QCOMPARE(log.problems().size(), 3);
        QVERIFY(log.problems().at(0).contains(QStringLiteral("line 4")));
        const QString cafeKey = QStringLiteral("caf\u00e9.tar-part-1-s1");
        QVERIFY(log.contains(QStringLiteral("a.csv-None-None")));
        QVERIFY(log.contains(cafeKey));
        QVERIFY(log.isDone(QStringLiteral("a.csv-None-None")));
        QVERIFY(log.isDone(cafeKey));   // archive: local_path is the folder
        QCOMPARE(log.entries().at(1).file.nestedContentType, QStringLiteral("image/jpeg"));
        QVERIFY(log.entries().at(0).file.partName.isNull());

        // Append after the crashed line: ours must start on its own line and parse back.
        ExportFileInfo d = sample(QStringLiteral("d.jsonl"), QStringLiteral("part-1"));
        const QString dPath = target + QStringLiteral("/part-1/d.jsonl");
        QVERIFY(log.append(d, dPath, &error));
        QVERIFY(log.contains(d.identityKey()));
        QVERIFY(!log.isDone(d.identityKey()));   // logged, but the file does not exist
        writeFile(dPath, "{}\n");
        QVERIFY(log.isDone(d.identityKey()));

        ExportLog reread(target);
        QVERIFY(reread.load(&error));
        QCOMPARE(reread.entries().size(), 3);
        QCOMPARE(reread.problems().size(), 3);   // the crashed line stays one bad line
        QCOMPARE(reread.entries().at(2).file, d);
        QCOMPARE(reread.localPath(d.identityKey()), dPath);

        // What Python reads back: every line we wrote is a standalone JSON object.
        QFile f(log.path());
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = f.readAll().split('\n');
        QVERIFY(lines.last().isEmpty());   // ends with a newline
        const QJsonObject last = QJsonDocument::fromJson(lines.at(lines.size() - 2)).object();
        QCOMPARE(last.value(QStringLiteral("file_metadata")).toObject().value(QStringLiteral("partName")).toString(),
                 QStringLiteral("part-1"));
    }

    void concurrentAppendsKeepWholeLines()
    {
        QTemporaryDir dir;
        ExportLog log(dir.path());
        QVERIFY(log.load());
        QList<int> numbers;
        for (int i = 0; i < 200; ++i)
            numbers << i;
        QtConcurrent::blockingMap(numbers, [&log](int i) {
            log.append(sample(QStringLiteral("f%1.bin").arg(i)), QStringLiteral("/nowhere/%1").arg(i));
        });
        ExportLog reread(dir.path());
        QVERIFY(reread.load());
        QCOMPARE(reread.entries().size(), 200);
        QVERIFY(reread.problems().isEmpty());
    }

    void appendToUnwritableLocationFailsClearly()
    {
        QTemporaryDir dir;
        writeFile(dir.path() + QStringLiteral("/plainfile"), "x");
        // The "target" is below a regular file, so the log cannot be created (works as root too).
        ExportLog log(dir.path() + QStringLiteral("/plainfile/target"));
        Error error;
        QVERIFY(!log.append(sample(QStringLiteral("a")), QStringLiteral("/x"), &error));
        QCOMPARE(error.kind, ErrorKind::Io);
        QVERIFY2(error.message.contains(QStringLiteral(".export_log.jsonl")), qPrintable(error.message));
        QVERIFY(!log.contains(QStringLiteral("a-None-None")));
    }
};

QTEST_GUILESS_MAIN(TestExportLog)
#include "tst_exportlog.moc"
