// CompositeOperation: children started with it, cancel/suspend/resume forwarded to every child,
// the fail-fast policy, and exactly one result.
#include "core/CompositeOperation.h"

#include <QPointer>
#include <QSignalSpy>
#include <QTest>
#include <QTimer>

using bd::CompositeOperation;
using bd::Operation;

// A child that finishes when told to, counts what was forwarded to it and can refuse to suspend.
class ChildOperation : public Operation
{
public:
    explicit ChildOperation(bool suspendable = true)
    {
        setCapabilities(suspendable ? Cancellable | Suspendable : Capabilities(Cancellable));
    }
    using Operation::emitResult;
    int starts = 0;
    int cancels = 0;
    int suspends = 0;
    int resumes = 0;
    bool refuseSuspend = false;

protected:
    void doStart() override { ++starts; }
    void doCancel() override { ++cancels; }
    bool doSuspend() override
    {
        if (refuseSuspend)
            return false;
        ++suspends;
        return true;
    }
    bool doResume() override
    {
        ++resumes;
        return true;
    }
};

class SuspendableComposite : public CompositeOperation
{
public:
    SuspendableComposite() { setCapabilities(Cancellable | Suspendable); }
};

// Runs its children one after another and tolerates failures: counts them instead.
class SequentialComposite : public CompositeOperation
{
public:
    QList<ChildOperation *> pending;
    int failures = 0;

protected:
    void doStart() override { next(); }
    void childFinished(Operation *child) override
    {
        if (child->error())
            ++failures;
        next();
    }

private:
    void next()
    {
        if (pending.isEmpty())
            emitResult();
        else
            addChild(pending.takeFirst());
    }
};

class TstCompositeOperation : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void startsChildrenAndSucceedsWhenAllDo()
    {
        CompositeOperation all;
        auto *a = new ChildOperation;
        auto *b = new ChildOperation;
        QVERIFY(all.addChild(a));
        QVERIFY(all.addChild(b));
        QVERIFY(!all.addChild(a));   // once only
        QCOMPARE(a->parent(), &all);
        QSignalSpy spy(&all, &Operation::finished);
        all.start();
        QTRY_COMPARE(a->starts, 1);
        QTRY_COMPARE(b->starts, 1);
        a->emitResult();
        QCOMPARE(spy.count(), 0);
        QCOMPARE(all.childOperations(), QList<Operation *>{b});
        b->emitResult();
        QCOMPARE(spy.count(), 1);
        QVERIFY(!all.error());
        QVERIFY(!all.hasChildren());
    }

    void childAddedWhileRunningStartsAtOnce()
    {
        CompositeOperation all;
        auto *first = new ChildOperation;
        all.addChild(first);
        all.start();
        QTRY_COMPARE(first->starts, 1);
        auto *late = new ChildOperation;
        QVERIFY(all.addChild(late));
        QCOMPARE(late->state(), Operation::State::Running);
        QTRY_COMPARE(late->starts, 1);
    }

    void emptyCompositeSucceeds()
    {
        CompositeOperation none;
        QVERIFY(none.exec());
    }

    void cancelReachesEveryChildAndFinishesOnce()
    {
        CompositeOperation all;
        QList<QPointer<ChildOperation>> children;
        for (int i = 0; i < 3; ++i) {
            children.append(new ChildOperation);
            all.addChild(children.last());
        }
        QSignalSpy spy(&all, &Operation::finished);
        all.start();
        QTRY_COMPARE(children[2]->starts, 1);
        all.cancel();
        QCOMPARE(spy.count(), 1);
        QCOMPARE(all.error().kind, bd::ErrorKind::Cancelled);
        for (const auto &child : children) {
            QVERIFY(child);
            QCOMPARE(child->cancels, 1);
            QCOMPARE(child->error().kind, bd::ErrorKind::Cancelled);
        }
        all.cancel();
        QCOMPARE(spy.count(), 1);
    }

    void firstFailureCancelsSiblingsAndIsTheResult()
    {
        CompositeOperation all;
        auto *ok = new ChildOperation;
        auto *failing = new ChildOperation;
        auto *sibling = new ChildOperation;
        all.addChild(ok);
        all.addChild(failing);
        all.addChild(sibling);
        QSignalSpy spy(&all, &Operation::finished);
        all.start();
        QTRY_COMPARE(sibling->starts, 1);
        ok->emitResult();
        failing->emitResult(bd::Error(bd::ErrorKind::DiskFull, QStringLiteral("no space left")));
        QCOMPARE(spy.count(), 1);
        QCOMPARE(all.error().kind, bd::ErrorKind::DiskFull);
        QCOMPARE(all.error().message, QStringLiteral("no space left"));
        QCOMPARE(sibling->cancels, 1);
        QCOMPARE(ok->cancels, 0);      // already done: not cancelled again
        QCOMPARE(failing->cancels, 0);
        sibling->emitResult();         // a late result changes nothing
        QCOMPARE(spy.count(), 1);
        QCOMPARE(all.error().kind, bd::ErrorKind::DiskFull);
    }

    void suspendAndResumeReachEveryRunningChild()
    {
        SuspendableComposite all;
        auto *a = new ChildOperation;
        auto *b = new ChildOperation;
        auto *fixed = new ChildOperation(false);   // cannot wait: left running
        all.addChild(a);
        all.addChild(b);
        all.addChild(fixed);
        all.start();
        QTRY_COMPARE(b->starts, 1);
        QVERIFY(all.suspend());
        QCOMPARE(all.state(), Operation::State::Suspended);
        QCOMPARE(a->state(), Operation::State::Suspended);
        QCOMPARE(b->state(), Operation::State::Suspended);
        QCOMPARE(fixed->state(), Operation::State::Running);
        auto *late = new ChildOperation;   // joins a suspended composite: suspended too
        all.addChild(late);
        QCOMPARE(late->state(), Operation::State::Suspended);
        QVERIFY(all.resume());
        for (ChildOperation *child : {a, b, late})
            QCOMPARE(child->state(), Operation::State::Running);
        QCOMPARE(a->suspends, 1);
        QCOMPARE(a->resumes, 1);
        QCOMPARE(fixed->suspends, 0);
    }

    void suspendIsAllOrNothing()
    {
        SuspendableComposite all;
        auto *willing = new ChildOperation;
        auto *refusing = new ChildOperation;
        refusing->refuseSuspend = true;
        all.addChild(willing);
        all.addChild(refusing);
        all.start();
        QTRY_COMPARE(refusing->starts, 1);
        QVERIFY(!all.suspend());
        QCOMPARE(all.state(), Operation::State::Running);
        QCOMPARE(willing->state(), Operation::State::Running);   // suspended, then resumed
        QCOMPARE(willing->suspends, 1);
        QCOMPARE(willing->resumes, 1);
    }

    void plainCompositeIsNotSuspendable()
    {
        CompositeOperation all;
        auto *child = new ChildOperation;
        all.addChild(child);
        all.start();
        QVERIFY(!all.suspend());
        QCOMPARE(child->suspends, 0);
    }

    void overriddenPolicyRunsChildrenInTurnAndToleratesFailures()
    {
        SequentialComposite seq;
        auto *a = new ChildOperation;
        auto *b = new ChildOperation;
        seq.pending = {a, b};
        QSignalSpy spy(&seq, &Operation::finished);
        seq.start();
        QTRY_COMPARE(a->starts, 1);
        QCOMPARE(b->state(), Operation::State::Created);   // not yet
        a->emitResult(bd::Error(bd::ErrorKind::Server, QStringLiteral("500")));
        QTRY_COMPARE(b->starts, 1);
        QCOMPARE(spy.count(), 0);
        b->emitResult();
        QCOMPARE(spy.count(), 1);
        QVERIFY(!seq.error());
        QCOMPARE(seq.failures, 1);
    }

    void autoDeleteChildIsFreedAfterItFinishes()
    {
        CompositeOperation all;
        auto *keep = new ChildOperation;
        auto *drop = new ChildOperation;
        drop->setAutoDelete(true);
        QPointer<ChildOperation> keepGuard(keep), dropGuard(drop);
        all.addChild(keep);
        all.addChild(drop);
        all.start();
        QTRY_COMPARE(drop->starts, 1);
        drop->emitResult();
        keep->emitResult();
        QVERIFY(all.isFinished());
        QTRY_VERIFY(!dropGuard);
        QVERIFY(keepGuard);   // an owned child lives as long as the composite
    }

    void execWaitsForTheChildren()
    {
        CompositeOperation all;
        auto *child = new ChildOperation;
        all.addChild(child);
        QTimer::singleShot(30, child, [child] { child->emitResult(); });
        QVERIFY(all.exec());
        QVERIFY(child->isFinished());
    }

    void removedChildNoLongerCounts()
    {
        CompositeOperation all;
        auto *stays = new ChildOperation;
        auto *leaves = new ChildOperation;
        all.addChild(stays);
        all.addChild(leaves);
        all.start();
        QTRY_COMPARE(leaves->starts, 1);
        QVERIFY(all.removeChild(leaves));
        QVERIFY(!all.removeChild(leaves));
        leaves->emitResult(bd::Error(bd::ErrorKind::Server, QStringLiteral("ignored")));
        QVERIFY(!all.isFinished());
        stays->emitResult();
        QVERIFY(all.isFinished());
        QVERIFY(!all.error());
        delete leaves;
    }
};

QTEST_MAIN(TstCompositeOperation)
#include "tst_compositeoperation.moc"
