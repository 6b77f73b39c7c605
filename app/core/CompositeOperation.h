#pragma once
// CompositeOperation: an Operation made of child Operations (KCompositeJob's idea). It forwards
// cancel(), suspend() and resume() to every child and finishes exactly once.
//
// Rules:
//  - addChild() takes the child (QObject parent = the composite) and starts it when the composite
//    is already running; children added before start() are started by the default doStart().
//  - A finished child is removed from childOperations() before childFinished() runs, and is
//    deleted (deleteLater) after that if it has autoDelete(); otherwise it lives until the
//    composite is destroyed (or the subclass deletes it in childFinished()).
//  - Failure policy (default childFinished()): the first child that fails (any error, Cancelled
//    included) cancels its remaining siblings and the composite finishes with that child's error.
//    When the last child succeeded and no other is left, the composite finishes with success.
//    Subclasses that tolerate failures, run children one after another or have work of their own
//    override childFinished() (and may call the base for the default).
//  - cancel(): every child is cancelled (their results are ignored), then the composite finishes
//    with Cancelled. suspend() is forwarded to every running Suspendable child, all or nothing
//    (if one refuses, those already suspended are resumed and suspend() returns false); resume()
//    resumes every suspended child. A composite is Suspendable only when the subclass says so
//    with setCapabilities() (default: Cancellable only, as for every Operation).
//
// Usage:
// \code
//     // Parallel work, fail fast (the default policy):
//     auto *all = new bd::CompositeOperation(this);
//     for (const QString &file : files)
//         all->addChild(new UploadOperation(file));
//     connect(all, &bd::Operation::finished, this, [](bd::Operation *op) { report(op->error()); });
//     all->start();
//
//     // One after another, tolerating failures: override childFinished().
//     class Pipeline : public bd::CompositeOperation {
//     protected:
//         void doStart() override { addChild(new ScanOperation(m_folder)); }
//         void childFinished(bd::Operation *child) override {
//             if (qobject_cast<ScanOperation *>(child))
//                 addChild(new UploadOperation(...));   // started at once: we are running
//             else
//                 emitResult(child->error());
//         }
//     };
// \endcode
#include "core/Operation.h"

#include <QList>

namespace bd {

class CompositeOperation : public Operation
{
    Q_OBJECT
public:
    explicit CompositeOperation(QObject *parent = nullptr);
    ~CompositeOperation() override;

    // Adds a running or not yet started child; false (and nothing changes) for nullptr, a child
    // already added, a finished child, or when the composite itself has finished.
    bool addChild(Operation *child);
    // Stops watching `child` (it is neither cancelled nor deleted; its parent stays the composite
    // until the caller reparents it). False when it was not a child.
    bool removeChild(Operation *child);
    const QList<Operation *> &childOperations() const { return m_children; }
    bool hasChildren() const { return !m_children.isEmpty(); }

protected:
    // Starts every child added so far (a composite without children finishes at once).
    void doStart() override;
    // Cancels every child; the base then finishes with Cancelled.
    void doCancel() override;
    bool doSuspend() override;
    bool doResume() override;
    // `child` has finished and is already removed; see the failure policy above.
    virtual void childFinished(Operation *child);

private:
    void onChildFinished(Operation *child);

    QList<Operation *> m_children;
};

}  // namespace bd
