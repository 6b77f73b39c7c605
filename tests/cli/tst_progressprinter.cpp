// ProgressPrinter: the one-line live bar on a terminal (\r, bounded redraw rate) and plain
// lines elsewhere, written to a real file stream.
#include "cli/ProgressPrinter.h"
#include "core/Format.h"
#include "core/Operation.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

#include <cstdio>

namespace {

// An operation the test drives by hand.
class ManualOperation : public bd::Operation {
    Q_OBJECT
public:
    using bd::Operation::Operation;
    using bd::Operation::setTotalAmount;
    using bd::Operation::setProcessedAmount;
    using bd::Operation::emitResult;

protected:
    void doStart() override {}
};

QByteArray readAll(FILE *f)
{
    std::fflush(f);
    std::rewind(f);
    QByteArray data;
    char buffer[4096];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0)
        data.append(buffer, qsizetype(n));
    return data;
}

}  // namespace

class TestProgressPrinter : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void describesBytesItemsAndEta()
    {
        ManualOperation op;
        op.setTitle(QStringLiteral("Uploading"));
        op.setTotalAmount(bd::Operation::Unit::Bytes, 2000000);
        op.setTotalAmount(bd::Operation::Unit::Files, 20);
        op.start();
        QTRY_VERIFY(op.state() == bd::Operation::State::Running);
        op.setProcessedAmount(bd::Operation::Unit::Bytes, 500000);
        op.setProcessedAmount(bd::Operation::Unit::Files, 5);
        const QString line = bd::cli::ProgressPrinter::describe(&op);
        QVERIFY2(line.startsWith(QStringLiteral("Uploading  25%")), qPrintable(line));
        QVERIFY2(line.contains(bd::formatBytes(500000) + QStringLiteral(" / ") + bd::formatBytes(2000000)),
                 qPrintable(line));
        QVERIFY2(line.contains(QStringLiteral("5/20 files")), qPrintable(line));
        QVERIFY2(line.contains(QStringLiteral("ETA ")), qPrintable(line));
    }

    void plainModeWritesLinesAndAFinalOne()
    {
        FILE *f = std::tmpfile();
        QVERIFY(f);
        ManualOperation op;
        op.setTitle(QStringLiteral("Export"));
        op.setTotalAmount(bd::Operation::Unit::Items, 4);
        bd::cli::ProgressPrinter printer(&op, f);
        QVERIFY(!printer.isInteractive());  // a regular file is no terminal
        printer.setPlainIntervalMs(60 * 60 * 1000);
        op.start();
        QTRY_VERIFY(op.state() == bd::Operation::State::Running);
        for (int i = 1; i <= 4; ++i)
            op.setProcessedAmount(bd::Operation::Unit::Items, i);
        op.emitResult();
        const QString text = QString::fromUtf8(readAll(f));
        std::fclose(f);
        QVERIFY2(!text.contains(QLatin1Char('\r')), qPrintable(text));
        const QStringList lines = text.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        // The first update prints at once, later ones wait for the (long) interval, and the end
        // always prints.
        QCOMPARE(lines.size(), 2);
        QVERIFY2(lines.first().contains(QStringLiteral("1/4 items")), qPrintable(text));
        QVERIFY2(lines.last().contains(QStringLiteral("Export 100%")), qPrintable(text));
        QVERIFY2(lines.last().contains(QStringLiteral("4/4 items")), qPrintable(text));
    }

    void interactiveModeRedrawsOneLineAtABoundedRate()
    {
        FILE *f = std::tmpfile();
        QVERIFY(f);
        ManualOperation op;
        op.setTitle(QStringLiteral("Upload"));
        op.setTotalAmount(bd::Operation::Unit::Bytes, 1000);
        bd::cli::ProgressPrinter printer(&op, f);
        printer.setInteractive(true);
        op.start();
        QTRY_VERIFY(op.state() == bd::Operation::State::Running);
        QElapsedTimer clock;
        clock.start();
        for (int i = 1; i <= 1000; ++i) {
            op.setProcessedAmount(bd::Operation::Unit::Bytes, i);
            if (i % 50 == 0)
                QCoreApplication::processEvents();
        }
        QTest::qWait(250);  // let the pending redraw of the latest state happen
        const qint64 elapsedMs = clock.elapsed();
        op.emitResult();
        const QString text = QString::fromUtf8(readAll(f));
        std::fclose(f);
        // About 10 redraws per second at most, however many updates arrive.
        QVERIFY2(printer.updatesWritten() <= 2 + int(elapsedMs / 100) + 1,
                 qPrintable(QStringLiteral("%1 redraws in %2 ms").arg(printer.updatesWritten()).arg(elapsedMs)));
        QVERIFY(printer.updatesWritten() >= 2);
        QCOMPARE(text.count(QLatin1Char('\r')), printer.updatesWritten());
        QCOMPARE(text.count(QLatin1Char('\n')), 1);  // only the final line ends the bar
        QVERIFY(text.endsWith(QLatin1Char('\n')));
        const QString last = text.section(QLatin1Char('\r'), -1);
        QVERIFY2(last.contains(QStringLiteral("Upload 100%")), qPrintable(last));
    }

    void failureIsShownOnTheLastLine()
    {
        FILE *f = std::tmpfile();
        QVERIFY(f);
        ManualOperation op;
        bd::cli::ProgressPrinter printer(&op, f);
        op.start();
        QTRY_VERIFY(op.state() == bd::Operation::State::Running);
        op.emitResult(bd::Error(bd::ErrorKind::Network, QStringLiteral("connection reset")));
        const QString text = QString::fromUtf8(readAll(f));
        std::fclose(f);
        QVERIFY2(text.contains(QStringLiteral("stopped: connection reset")), qPrintable(text));
    }
};

QTEST_GUILESS_MAIN(TestProgressPrinter)
#include "tst_progressprinter.moc"
