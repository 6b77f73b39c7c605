// ResultsTableModel + ResultsFilterProxy on real generated files: a 200k-row CSV with quoted
// newlines, commas and quotes, and a JSONL file with nested values and garbage lines.
#include "exports/CsvRecords.h"
#include "exports/ResultsFilterProxy.h"
#include "exports/ResultsTableModel.h"

#include <QFile>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace bd;

namespace {
constexpr int kRows = 200000;

// Row i of the generated CSV, as the model should show it.
QStringList expectedRow(int i)
{
    const QString score = QString::number((qint64(i) * 7919) % 100003 / 10.0, 'f', 1);
    QString note;
    if (i % 10 == 0)
        note = QStringLiteral("line1\nline2, \"q%1\"").arg(i);   // newline, comma and quotes
    else if (i % 10 == 5)
        note = QStringLiteral("a,b");
    else
        note = QStringLiteral("plain %1").arg(i);
    return { QString::number(i), QStringLiteral("name %1").arg(i), score, note };
}

QByteArray csvField(const QString &value)
{
    QByteArray v = value.toUtf8();
    if (v.contains(',') || v.contains('"') || v.contains('\n') || v.contains('\r'))
        return '"' + v.replace("\"", "\"\"") + '"';
    return v;
}

QString writeCsv(const QString &dir)
{
    const QString path = dir + QStringLiteral("/results.csv");
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return {};
    QByteArray out = "\xEF\xBB\xBFid,name,score,note\r\n";   // BOM and CRLF as Excel writes them
    for (int i = 0; i < kRows; ++i) {
        const QStringList row = expectedRow(i);
        QByteArrayList fields;
        for (const QString &v : row)
            fields << csvField(v);
        out += fields.join(',');
        out += (i % 2) ? "\r\n" : "\n";
        if (i % 5000 == 4999) {
            out += "\n";   // a blank line is not a row
            f.write(out);
            out.clear();
        }
    }
    f.write(out);   // no newline after the last row: it is still a row
    f.write("\n");
    return path;
}
}  // namespace

class TestResultsTableModel : public QObject
{
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_csv;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_csv = writeCsv(m_dir.path());
        QVERIFY(!m_csv.isEmpty());
    }

    void csvParser()
    {
        QCOMPARE(parseCsvRecord("a,\"b,c\",\"say \"\"hi\"\"\",,\"x\ny\""),
                 QStringList({ "a", "b,c", "say \"hi\"", "", "x\ny" }));
        QCOMPARE(parseCsvRecord(""), QStringList({ "" }));
    }

    void opensLazilyAndIndexesInBackground()
    {
        ResultsTableModel model;
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy finished(&model, &ResultsTableModel::indexingFinished);
        Error error;
        QVERIFY2(model.open(m_csv, ResultsTableModel::Format::Auto, &error), qPrintable(error.message));
        // open() returned with the columns known and the index still being built.
        QCOMPARE(model.format(), ResultsTableModel::Format::Csv);
        QCOMPARE(model.columns(), QStringList({ "id", "name", "score", "note" }));
        QVERIFY(model.isIndexing());
        QCOMPARE(model.rowCount(), 0);
        QVERIFY(model.waitForIndex());
        QCOMPARE(finished.count(), 1);
        QVERIFY(inserted.count() >= 1);
        QCOMPARE(model.rowCount(), kRows);
        QCOMPARE(model.indexedBytes(), model.fileSize());
        QCOMPARE(model.headerData(2, Qt::Horizontal).toString(), QStringLiteral("score"));
    }

    void randomAccessMatches()
    {
        ResultsTableModel model;
        QVERIFY(model.open(m_csv));
        QVERIFY(model.waitForIndex());
        auto *gen = QRandomGenerator::global();
        QList<int> rows = { 0, 1, 9, 10, 63, 64, 65, 4999, 5000, 5001, kRows - 1, kRows - 2 };
        for (int i = 0; i < 600; ++i)
            rows << int(gen->bounded(kRows));
        for (int row : std::as_const(rows)) {
            const QStringList expected = expectedRow(row);
            QCOMPARE(model.rowValues(row), expected);
            QCOMPARE(model.index(row, 3).data().toString(), expected.at(3));
        }
        // Raw values: numbers as doubles for sorting, text as text.
        QCOMPARE(model.index(123, 0).data(ResultsTableModel::RawValueRole).typeId(), int(QMetaType::Double));
        QCOMPARE(model.index(123, 0).data(ResultsTableModel::RawValueRole).toDouble(), 123.0);
        QCOMPARE(model.index(123, 1).data(ResultsTableModel::RawValueRole).toString(), QStringLiteral("name 123"));
        QVERIFY(!model.index(kRows, 0).data().isValid());
    }

    void proxySortsNumericallyAndFilters()
    {
        ResultsTableModel model;
        QVERIFY(model.open(m_csv));
        QVERIFY(model.waitForIndex());
        ResultsFilterProxy proxy;
        proxy.setSourceModel(&model);
        QCOMPARE(proxy.rowCount(), kRows);

        proxy.sort(2, Qt::AscendingOrder);
        // Scores are 0.0 .. 10000.2; numeric order puts 9.x before 10.x (text order would not).
        double previous = -1;
        for (int r = 0; r < 2000; ++r) {
            const double v = proxy.index(r, 2).data().toString().toDouble();
            QVERIFY2(v >= previous, qPrintable(QStringLiteral("row %1: %2 < %3").arg(r).arg(v).arg(previous)));
            previous = v;
        }
        QCOMPARE(proxy.index(0, 2).data().toString(), QStringLiteral("0.0"));
        QCOMPARE(proxy.index(0, 0).data().toString(), QStringLiteral("0"));
        proxy.sort(2, Qt::DescendingOrder);
        QCOMPARE(proxy.index(0, 2).data().toString(), QStringLiteral("10000.2"));
        proxy.sort(0, Qt::DescendingOrder);
        QCOMPARE(proxy.index(0, 0).data().toString(), QString::number(kRows - 1));
        QCOMPARE(proxy.index(1, 0).data().toString(), QString::number(kRows - 2));

        proxy.setFilter(QStringLiteral("name 12345"), 1);
        QCOMPARE(proxy.rowCount(), 11);   // 12345 and 123450..123459
        proxy.setFilter(QStringLiteral("LINE2"), -1);   // case-insensitive, inside quoted newlines
        QCOMPARE(proxy.rowCount(), kRows / 10);
        proxy.setFilter(QStringLiteral("line2"), 1);    // not in the name column
        QCOMPARE(proxy.rowCount(), 0);
        proxy.setFilter(QString());
        QCOMPARE(proxy.rowCount(), kRows);
    }

    void jsonlColumnsNestedValuesAndGarbage()
    {
        const QString path = m_dir.path() + QStringLiteral("/results.jsonl");
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{\"image\": \"a.jpg\", \"score\": 0.5, \"boxes\": [{\"x\": 1, \"y\": 2}]}\n"
                "\n"
                "{\"image\": \"b.jpg\", \"score\": 10, \"meta\": {\"k\": \"v\"}, \"ok\": true}\n"
                "this is not json\n"
                "{\"image\": \"c.jpg\", \"score\": 9.25, \"boxes\": [], \"note\": null}\n"
                "   \n"
                "{\"image\": \"d.jpg\", \"score\": \"n/a\"}");
        f.close();
        ResultsTableModel model;
        Error error;
        QVERIFY2(model.open(path, ResultsTableModel::Format::Auto, &error), qPrintable(error.message));
        QCOMPARE(model.format(), ResultsTableModel::Format::Jsonl);
        QCOMPARE(model.columns(), QStringList({ "image", "score", "boxes", "meta", "ok", "note" }));
        QVERIFY(model.waitForIndex());
        QCOMPARE(model.rowCount(), 5);   // blank lines skipped, the garbage line kept visible
        QCOMPARE(model.rowValues(0), QStringList({ "a.jpg", "0.5", "[{\"x\":1,\"y\":2}]", "", "", "" }));
        QCOMPARE(model.rowValues(1), QStringList({ "b.jpg", "10", "", "{\"k\":\"v\"}", "true", "" }));
        QCOMPARE(model.rowValues(2).value(0), QStringLiteral("this is not json"));
        QCOMPARE(model.rowValues(3).value(2), QStringLiteral("[]"));
        QCOMPARE(model.rowValues(4).value(1), QStringLiteral("n/a"));

        ResultsFilterProxy proxy;
        proxy.setSourceModel(&model);
        proxy.sort(1, Qt::AscendingOrder);
        QStringList order;
        for (int r = 0; r < proxy.rowCount(); ++r)
            order << proxy.index(r, 1).data().toString();
        // Numbers numerically first, then text (the garbage line has an empty score).
        QCOMPARE(order, QStringList({ "0.5", "9.25", "10", "", "n/a" }));
        proxy.setFilter(QStringLiteral("jpg"), 0);
        QCOMPARE(proxy.rowCount(), 4);
    }

    void proxyAttachedWhileIndexingSeesAllRows()
    {
        ResultsTableModel model;
        ResultsFilterProxy proxy;
        proxy.setSourceModel(&model);
        proxy.setFilter(QStringLiteral("a,b"), 3);
        QVERIFY(model.open(m_csv));
        QVERIFY(model.waitForIndex());
        QCOMPARE(proxy.rowCount(), kRows / 10);
    }

    void missingFileIsAnError()
    {
        ResultsTableModel model;
        Error error;
        QVERIFY(!model.open(m_dir.path() + QStringLiteral("/nope.csv"), ResultsTableModel::Format::Auto, &error));
        QCOMPARE(error.kind, ErrorKind::Io);
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.columnCount(), 0);
    }
};

QTEST_GUILESS_MAIN(TestResultsTableModel)
#include "tst_resultstablemodel.moc"
