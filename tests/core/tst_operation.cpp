// The Operation contract: finished exactly once, cancel, suspend/resume timing, progress maths.
#include "core/Operation.h"

#include <QMetaMethod>
#include <QPointer>
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

// Finishes from its doStart() after `delayMs` with `error` (the way real work ends).
class TimedOperation : public Operation
{
public:
    explicit TimedOperation(int delayMs, bd::Error error = {}, QObject *parent = nullptr)
        : Operation(parent), m_delayMs(delayMs), m_error(std::move(error))
    {
    }
    int cancels = 0;

protected:
    void doStart() override
    {
        QTimer::singleShot(m_delayMs, this, [this] { emitResult(m_error); });
    }
    void doCancel() override { ++cancels; }

private:
    int m_delayMs;
    bd::Error m_error;
};

// Whether code outside Operation can emit finished(): the last parameter is Operation's private
// QPrivateSignal tag, so `op.finished(&op)` does not compile. If the signal became public, the
// concept would hold and the test below would fail. (Qt 6.4's tag is an empty aggregate, so a
// deliberate `op.finished(&op, {})` still compiles; Qt 6.5 made its constructor explicit.)
template <class T>
concept CanEmitFinished = requires(T &op) { op.finished(&op); };

class TstOperation : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void finishedIsAPrivateSignal()
    {
        QVERIFY(!CanEmitFinished<Operation>);
        QVERIFY(!CanEmitFinished<TimedOperation>);   // nor can a subclass
        // Connecting still works with a slot that takes the operation (the tag is not passed).
        const QMetaMethod signal = QMetaMethod::fromSignal(&Operation::finished);
        QCOMPARE(signal.parameterCount(), 1);
    }

    void autoDeleteIsOffByDefault()
    {
        auto *op = new TimedOperation(0);
        QPointer<Operation> guard(op);
        QVERIFY(!op->autoDelete());
        QSignalSpy spy(op, &Operation::finished);
        op->start();
        QTRY_COMPARE(spy.count(), 1);
        QTest::qWait(20);
        QVERIFY(guard);   // still there for its owner to read
        delete op;
    }

    void autoDeleteDeletesAfterFinished()
    {
        auto *op = new TimedOperation(0, bd::Error(bd::ErrorKind::Server, QStringLiteral("boom")));
        QPointer<Operation> guard(op);
        op->setAutoDelete(true);
        bool errorSeen = false;
        connect(op, &Operation::finished, this, [&errorSeen](Operation *done) {
            errorSeen = done->error().kind == bd::ErrorKind::Server;   // still alive in the slot
        });
        op->start();
        QTRY_VERIFY(!guard);
        QVERIFY(errorSeen);
    }

    void autoDeleteDeletesAfterCancel()
    {
        auto *op = new TimedOperation(10'000);
        QPointer<Operation> guard(op);
        op->setAutoDelete(true);
        op->start();
        op->cancel();
        QVERIFY(guard);   // deleteLater, not delete: the caller's stack may still use it
        QTRY_VERIFY(!guard);
    }

    void execAfterAnAutoDeleteFinishKeepsTheObject()
    {
        auto *op = new TimedOperation(10'000);
        QPointer<Operation> guard(op);
        op->setAutoDelete(true);
        op->start();
        op->cancel();            // finished: deleteLater() is posted
        QVERIFY(!op->exec());    // the caller now owns it: the posted deletion is withdrawn
        QTest::qWait(20);
        QVERIFY(guard);
        QCOMPARE(op->error().kind, bd::ErrorKind::Cancelled);
        delete op;
    }

    void execReturnsTrueOnSuccess()
    {
        TimedOperation op(30);
        op.setAutoDelete(true);
        QSignalSpy spy(&op, &Operation::finished);
        QVERIFY(op.exec());
        QCOMPARE(spy.count(), 1);
        QVERIFY(!op.autoDelete());   // exec() hands the result to the caller
        QVERIFY(op.isFinished());
        QVERIFY(!op.error());
        QVERIFY(op.elapsed() >= 25);   // it really waited for the work
    }

    void execReturnsFalseOnFailure()
    {
        TimedOperation op(10, bd::Error(bd::ErrorKind::NotFound, QStringLiteral("no such batch")));
        QVERIFY(!op.exec());
        QCOMPARE(op.error().kind, bd::ErrorKind::NotFound);
        QCOMPARE(op.error().message, QStringLiteral("no such batch"));
    }

    void execReturnsFalseWhenCancelledWhileWaiting()
    {
        TimedOperation op(10'000);
        QTimer::singleShot(30, &op, [&op] { op.cancel(); });
        QVERIFY(!op.exec());
        QCOMPARE(op.error().kind, bd::ErrorKind::Cancelled);
        QCOMPARE(op.cancels, 1);
    }

    void execOnFinishedOperationReturnsAtOnce()
    {
        TimedOperation op(0, bd::Error(bd::ErrorKind::Io, QStringLiteral("disk")));
        QVERIFY(!op.exec());
        QSignalSpy spy(&op, &Operation::finished);
        QVERIFY(!op.exec());   // no second start, no second result
        QCOMPARE(spy.count(), 0);
        QCOMPARE(op.error().kind, bd::ErrorKind::Io);
    }

    void execSurvivesDeletionWhileWaiting()
    {
        auto *op = new TimedOperation(10'000);
        QTimer::singleShot(20, op, [op] { op->deleteLater(); });
        QVERIFY(!op->exec());   // returns instead of hanging; op is gone
    }

    void timeoutFinishesWithTimeout()
    {
        TimedOperation op(10'000);
        op.setTitle(QStringLiteral("Read the API key"));
        op.setTimeout(50);
        QSignalSpy spy(&op, &Operation::finished);
        QVERIFY(!op.exec());
        QCOMPARE(spy.count(), 1);
        QCOMPARE(op.error().kind, bd::ErrorKind::Timeout);
        QCOMPARE(op.cancels, 1);   // the work was told to stop
        QVERIFY2(op.error().message.contains(QStringLiteral("Read the API key")), qPrintable(op.error().message));
    }

    void timeoutDoesNotFireAfterSuccess()
    {
        TimedOperation op(10);
        op.setTimeout(100);
        QSignalSpy spy(&op, &Operation::finished);
        QVERIFY(op.exec());
        QTest::qWait(200);
        QCOMPARE(spy.count(), 1);
        QVERIFY(!op.error());
        QCOMPARE(op.cancels, 0);
    }

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
