#include "core/Operation.h"

#include <QCoreApplication>
#include <QEvent>
#include <QEventLoop>
#include <QPointer>
#include <QTimer>

namespace bd {

namespace {
constexpr qint64 kSpeedWindowMs = 5000;   // average speed over this window
constexpr qint64 kSilenceMs = 5000;       // no progress for this long: speed reads 0
}  // namespace

Operation::Operation(QObject *parent) : QObject(parent) {}

Operation::~Operation() = default;

void Operation::start()
{
    if (m_state != State::Created)
        return;
    m_clock.start();
    m_samples = { { 0, processedAmount(Unit::Bytes) } };   // speed is measured from here
    setState(State::Running);
    if (m_timeoutMs > 0) {
        m_deadline = new QTimer(this);
        m_deadline->setSingleShot(true);
        connect(m_deadline, &QTimer::timeout, this, &Operation::onTimeout);
        m_deadline->start(m_timeoutMs);
    }
    QTimer::singleShot(0, this, [this] {
        if (m_state == State::Running || m_state == State::Suspended)
            doStart();
    });
}

void Operation::cancel()
{
    if (m_state == State::Finished)
        return;
    if (!(m_capabilities & Cancellable) && m_state != State::Created)
        return;
    if (m_state == State::Created)
        m_clock.start();
    doCancel();
    emitResult(Error(ErrorKind::Cancelled, tr("Cancelled")));
}

void Operation::onTimeout()
{
    if (m_state == State::Finished)
        return;
    // The caller's deadline overrides the Cancellable capability: the work is abandoned.
    doCancel();
    const QString what = m_title.isEmpty() ? tr("The operation") : m_title;
    emitResult(Error(ErrorKind::Timeout, tr("%1 timed out after %2 s").arg(what).arg(m_timeoutMs / 1000.0)));
}

bool Operation::exec()
{
    // Switched off first (withdrawing a deletion already posted if it finished before): the
    // caller reads error() afterwards, and a deleteLater() posted outside any loop would run
    // inside the next nested loop, i.e. the next exec().
    setAutoDelete(false);
    QPointer<Operation> self(this);
    if (m_state == State::Created)
        start();
    if (self && m_state != State::Finished) {
        QEventLoop loop;
        connect(this, &Operation::finished, &loop, &QEventLoop::quit);
        connect(this, &QObject::destroyed, &loop, &QEventLoop::quit);
        loop.exec(QEventLoop::ExcludeUserInputEvents);
    }
    return self && !m_error.isError();
}

bool Operation::suspend()
{
    if (m_state != State::Running || !(m_capabilities & Suspendable))
        return false;
    if (!doSuspend())
        return false;
    m_suspendedSince = m_clock.elapsed();
    m_samples.clear();
    setState(State::Suspended);
    Q_EMIT progressChanged();
    return true;
}

bool Operation::resume()
{
    if (m_state != State::Suspended)
        return false;
    if (!doResume())
        return false;
    m_suspendedMs += m_clock.elapsed() - m_suspendedSince;
    m_suspendedSince = -1;
    m_lastProgressMs = m_clock.elapsed();
    m_samples = { { m_lastProgressMs, processedAmount(Unit::Bytes) } };
    setState(State::Running);
    return true;
}

void Operation::setAutoDelete(bool autoDelete)
{
    m_autoDelete = autoDelete;
    if (!autoDelete && m_deletePosted) {
        // Finished already and the deleteLater() is pending: withdraw it (a caller that now
        // owns the object, e.g. exec() on a finished call, would otherwise hold a dangling one).
        QCoreApplication::removePostedEvents(this, QEvent::DeferredDelete);
        m_deletePosted = false;
    }
}

void Operation::setTitle(const QString &title)
{
    m_title = title;
}

int Operation::percent() const
{
    for (Unit u : { Unit::Bytes, Unit::Files, Unit::Items }) {
        const qint64 total = totalAmount(u);
        if (total > 0)
            return int(qBound(qint64(0), processedAmount(u) * 100 / total, qint64(100)));
    }
    return isFinished() && !m_error ? 100 : 0;
}

double Operation::speed() const
{
    if (m_state != State::Running || m_samples.size() < 2 || !m_clock.isValid())
        return 0.0;
    const qint64 now = m_clock.elapsed();
    if (now - m_lastProgressMs > kSilenceMs)
        return 0.0;
    const Sample &first = m_samples.front();
    const qint64 spanMs = qMax<qint64>(now - first.ms, 1);
    return double(m_samples.back().bytes - first.bytes) * 1000.0 / double(spanMs);
}

qint64 Operation::etaSeconds() const
{
    const qint64 total = totalAmount(Unit::Bytes);
    const double s = speed();
    if (total <= 0 || s <= 0.0)
        return -1;
    return qint64(double(qMax<qint64>(0, total - processedAmount(Unit::Bytes))) / s + 0.5);
}

qint64 Operation::elapsed() const
{
    if (!m_clock.isValid())
        return 0;
    qint64 suspended = m_suspendedMs;
    if (m_suspendedSince >= 0)
        suspended += m_clock.elapsed() - m_suspendedSince;
    return m_clock.elapsed() - suspended;
}

void Operation::setTotalAmount(Unit unit, qint64 amount)
{
    if (m_total[idx(unit)] == amount)
        return;
    m_total[idx(unit)] = amount;
    Q_EMIT progressChanged();
}

void Operation::setProcessedAmount(Unit unit, qint64 amount)
{
    if (m_processed[idx(unit)] == amount)
        return;
    m_processed[idx(unit)] = amount;
    if (unit == Unit::Bytes)
        sampleSpeed();
    Q_EMIT progressChanged();
}

void Operation::sampleSpeed()
{
    if (!m_clock.isValid())
        return;
    const qint64 now = m_clock.elapsed();
    m_lastProgressMs = now;
    m_samples.append({ now, m_processed[idx(Unit::Bytes)] });
    while (m_samples.size() > 2 && now - m_samples.front().ms > kSpeedWindowMs)
        m_samples.removeFirst();
}

void Operation::setStatusText(const QString &text)
{
    if (m_statusText == text)
        return;
    m_statusText = text;
    Q_EMIT statusTextChanged(text);
}

void Operation::emitResult(const Error &error)
{
    if (m_state == State::Finished)
        return;
    m_error = error;
    if (m_suspendedSince >= 0) {
        m_suspendedMs += m_clock.elapsed() - m_suspendedSince;
        m_suspendedSince = -1;
    }
    if (m_deadline) {
        m_deadline->stop();
        m_deadline->deleteLater();
        m_deadline = nullptr;
    }
    setState(State::Finished);
    Q_EMIT finished(this, QPrivateSignal());
    if (m_autoDelete) {
        m_deletePosted = true;
        deleteLater();
    }
}

void Operation::setState(State s)
{
    if (m_state == s)
        return;
    m_state = s;
    Q_EMIT stateChanged(s);
}

}  // namespace bd
