// The Operation contract: finished exactly once, cancel, suspend/resume timing, progress maths.
#include "core/Operation.h"

#include <QSignalSpy>
#include <QTest>
#include <QTimer>

using bd::Operation;

class TestOperation : public Operation
{
public:
    using Operation::emitResult;
    using Operation::setProcessedAmount;
    using Operation::setTotalAmount;
    using Operation::setCapabilities;
    int started = 0;
    int cancels = 0;
    bool allowSuspend = true;

protected:
    void doStart() override { ++started; }
    void doCancel() override { ++cancels; }
    bool doSuspend() override { return allowSuspend; }
    bool doResume() override { return true; }
};

class TstOperation : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void startIsScheduledNotImmediate()
    {
        TestOperation op;
        op.start();
        QCOMPARE(op.started, 0);
        QTRY_COMPARE(op.started, 1);
        QCOMPARE(op.state(), Operation::State::Running);
    }

    void finishedFiresExactlyOnce()
    {
        TestOperation op;
        QSignalSpy spy(&op, &Operation::finished);
        op.start();
        QTRY_COMPARE(op.started, 1);
        op.emitResult();
        op.emitResult(bd::Error(bd::ErrorKind::Server, QStringLiteral("late")));
        op.cancel();
        QCOMPARE(spy.count(), 1);
        QVERIFY(!op.error());
        QCOMPARE(op.percent(), 100);
    }

    void cancelEndsWithCancelledError()
    {
        TestOperation op;
        QSignalSpy spy(&op, &Operation::finished);
        op.start();
        op.cancel();
        QCOMPARE(spy.count(), 1);
        QCOMPARE(op.cancels, 1);
        QCOMPARE(op.error().kind, bd::ErrorKind::Cancelled);
        QTest::qWait(20);
        QCOMPARE(op.started, 0);   // cancelled before the scheduled start ran
    }

    void suspendNeedsCapability()
    {
        TestOperation op;
        op.start();
        QVERIFY(!op.suspend());    // not Suspendable by default
        op.setCapabilities(Operation::Cancellable | Operation::Suspendable);
        QVERIFY(op.suspend());
        QCOMPARE(op.state(), Operation::State::Suspended);
        QVERIFY(op.resume());
        QCOMPARE(op.state(), Operation::State::Running);
    }

    void elapsedExcludesSuspendedTime()
    {
        TestOperation op;
        op.setCapabilities(Operation::Cancellable | Operation::Suspendable);
        op.start();
        QTest::qWait(50);
        QVERIFY(op.suspend());
        QTest::qWait(300);
        QVERIFY(op.resume());
        const qint64 e = op.elapsed();
        QVERIFY2(e >= 40 && e < 250, qPrintable(QString::number(e)));
    }

    void percentUsesBytesThenFiles()
    {
        TestOperation op;
        op.setTotalAmount(Operation::Unit::Files, 4);
        op.setProcessedAmount(Operation::Unit::Files, 1);
        QCOMPARE(op.percent(), 25);
        op.setTotalAmount(Operation::Unit::Bytes, 1000);
        op.setProcessedAmount(Operation::Unit::Bytes, 500);
        QCOMPARE(op.percent(), 50);
    }

    void speedAndEta()
    {
        TestOperation op;
        op.start();
        op.setTotalAmount(Operation::Unit::Bytes, 1'000'000);
        op.setProcessedAmount(Operation::Unit::Bytes, 0);
        QTest::qWait(200);
        op.setProcessedAmount(Operation::Unit::Bytes, 100'000);
        const double s = op.speed();
        QVERIFY2(s > 100'000 && s < 1'000'000, qPrintable(QString::number(s)));
        const qint64 eta = op.etaSeconds();
        QVERIFY2(eta >= 1 && eta <= 9, qPrintable(QString::number(eta)));
    }
};

QTEST_MAIN(TstOperation)
#include "tst_operation.moc"
