#include "core/CompositeOperation.h"

#include <utility>

namespace bd {

CompositeOperation::CompositeOperation(QObject *parent) : Operation(parent) {}

CompositeOperation::~CompositeOperation()
{
    // Children are QObject children and die with us; their finished() must not reach a
    // half-destroyed composite.
    for (Operation *child : std::as_const(m_children))
        disconnect(child, nullptr, this, nullptr);
}

bool CompositeOperation::addChild(Operation *child)
{
    if (!child || child == this || m_children.contains(child) || child->isFinished() || isFinished())
        return false;
    child->setParent(this);
    m_children.append(child);
    connect(child, &Operation::finished, this, &CompositeOperation::onChildFinished);
    if (state() == State::Running || state() == State::Suspended) {
        child->start();
        if (state() == State::Suspended)
            child->suspend();
    }
    return true;
}

bool CompositeOperation::removeChild(Operation *child)
{
    if (!m_children.removeOne(child))
        return false;
    disconnect(child, nullptr, this, nullptr);
    return true;
}

void CompositeOperation::doStart()
{
    if (m_children.isEmpty()) {
        emitResult();
        return;
    }
    // A copy: a child may finish (and be removed) while we start the others.
    const QList<Operation *> children = m_children;
    for (Operation *child : children)
        child->start();
}

void CompositeOperation::doCancel()
{
    const QList<Operation *> children = std::exchange(m_children, {});
    for (Operation *child : children) {
        disconnect(child, nullptr, this, nullptr);
        child->cancel();
    }
}

bool CompositeOperation::doSuspend()
{
    // All or nothing: a half-suspended composite would report Running while children wait.
    QList<Operation *> suspended;
    for (Operation *child : std::as_const(m_children)) {
        if (child->state() != State::Running || !(child->capabilities() & Suspendable))
            continue;   // nothing to pause (not started, or work that cannot wait)
        if (!child->suspend()) {
            for (Operation *done : std::as_const(suspended))
                done->resume();
            return false;
        }
        suspended.append(child);
    }
    return true;
}

bool CompositeOperation::doResume()
{
    bool all = true;
    for (Operation *child : std::as_const(m_children))
        if (child->state() == State::Suspended)
            all = child->resume() && all;
    return all;
}

void CompositeOperation::onChildFinished(Operation *child)
{
    if (!removeChild(child))
        return;
    childFinished(child);
}

void CompositeOperation::childFinished(Operation *child)
{
    if (isFinished())
        return;
    if (child->error().isError()) {
        const Error error = child->error();
        doCancel();   // the siblings' results no longer matter
        emitResult(error);
        return;
    }
    if (m_children.isEmpty())
        emitResult();
}

}  // namespace bd
