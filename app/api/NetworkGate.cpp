#include "api/NetworkGate.h"

#include "core/AppSettings.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace bd::api {

namespace {
constexpr double kRiseFactor = 1.10;        // throughput must grow by > 10 % to count as rising
constexpr double kLatencyInflation = 2.0;   // mean latency above 2× the lowest seen is inflated
constexpr double kFailureShare = 0.20;      // this share of failed slots in a window shrinks
constexpr int kFlatWindowsBeforeProbe = 3;
constexpr qint64 kMinWindowMs = 100;        // shorter windows measure noise
}  // namespace

// ---- ConcurrencyController ----

ConcurrencyController::ConcurrencyController(int minimum, int initial, int maximum)
    : m_min(std::max(1, minimum)), m_max(std::max(m_min, maximum)), m_limit(std::clamp(initial, m_min, m_max))
{
}

int ConcurrencyController::shrinkTo(double factor)
{
    m_slowStart = false;
    m_flatWindows = 0;
    m_limit = std::max(m_min, std::min(m_limit - 1, int(std::floor(m_limit * factor))));
    m_lastThroughput = -1;   // the next window measures the new limit afresh
    return m_limit;
}

int ConcurrencyController::update(const ConcurrencySample &sample)
{
    if (sample.rateLimited)
        return shrinkTo(0.5);
    const int ended = sample.succeeded + sample.failed;
    if (sample.failed > 0 && sample.failed >= kFailureShare * ended)
        return shrinkTo(0.75);
    if (sample.succeeded == 0 || sample.elapsedMs <= 0)
        return m_limit;

    // Bytes when the slots report them, else completed slots: either way "work per second".
    const double units = sample.bytes > 0 ? double(sample.bytes) : double(sample.succeeded);
    const double throughput = units * 1000.0 / double(sample.elapsedMs);
    const bool rising = m_lastThroughput <= 0 || throughput > m_lastThroughput * kRiseFactor;
    if (sample.meanLatencyMs > 0 && (m_minLatencyMs <= 0 || sample.meanLatencyMs < m_minLatencyMs))
        m_minLatencyMs = sample.meanLatencyMs;
    const bool inflated = m_minLatencyMs > 0 && sample.meanLatencyMs > kLatencyInflation * m_minLatencyMs;

    if (inflated && !rising) {
        shrinkTo(0.75);
        m_lastThroughput = throughput;
        return m_limit;
    }
    if (!sample.saturated) {
        m_lastThroughput = std::max(m_lastThroughput, throughput);
        return m_limit;
    }
    if (rising) {
        m_flatWindows = 0;
        m_limit = std::min(m_max, m_slowStart ? m_limit * 2 : m_limit + 1);
    } else {
        m_slowStart = false;
        if (++m_flatWindows >= kFlatWindowsBeforeProbe) {
            m_flatWindows = 0;
            m_limit = std::min(m_max, m_limit + 1);
        }
    }
    m_lastThroughput = throughput;
    return m_limit;
}

// ---- NetworkGate::Slot ----

NetworkGate::Slot::Slot(Slot &&other) noexcept : m_gate(std::move(other.m_gate)), m_id(std::exchange(other.m_id, 0)) {}

NetworkGate::Slot &NetworkGate::Slot::operator=(Slot &&other) noexcept
{
    if (this != &other) {
        release(Outcome::Abandoned);
        m_gate = std::move(other.m_gate);
        m_id = std::exchange(other.m_id, 0);
    }
    return *this;
}

NetworkGate::Slot::~Slot()
{
    release(Outcome::Abandoned);
}

void NetworkGate::Slot::addBytes(qint64 bytes)
{
    if (m_id != 0 && m_gate)
        m_gate->addBytes(m_id, bytes);
}

void NetworkGate::Slot::release(Outcome outcome)
{
    const quint64 id = std::exchange(m_id, 0);
    if (id != 0 && m_gate)
        m_gate->release(id, outcome);
    m_gate = nullptr;
}

// ---- NetworkGate ----

NetworkGate::Outcome NetworkGate::outcomeFor(const Error &error)
{
    if (!error)
        return Outcome::Succeeded;
    if (error.kind == ErrorKind::RateLimited || error.httpStatus == 429)
        return Outcome::RateLimited;
    if (error.kind == ErrorKind::Network || error.kind == ErrorKind::Timeout || error.kind == ErrorKind::Server
        || error.httpStatus >= 500)
        return Outcome::Failed;
    return Outcome::Abandoned;
}

NetworkGate::TransferLimits NetworkGate::transferLimitsFrom(const AppSettings &settings)
{
    TransferLimits limits;
    limits.maximum = settings.maxConcurrency();
    limits.adaptive = settings.adaptiveConcurrency();
    limits.initial = std::min(limits.initial, limits.maximum);
    return limits;
}

NetworkGate::NetworkGate(QObject *parent)
    : QObject(parent), m_controller(m_transferLimits.minimum, m_transferLimits.initial, m_transferLimits.maximum)
{
    m_holdTimer.setSingleShot(true);
    connect(&m_holdTimer, &QTimer::timeout, this, &NetworkGate::pump);
    m_clock.start();
}

NetworkGate::~NetworkGate() = default;

NetworkGate::Ticket NetworkGate::acquire(Lane lane, QObject *context, std::function<void(Slot)> granted)
{
    Waiter waiter;
    waiter.ticket = m_nextTicket++;
    waiter.context = context;
    waiter.hasContext = context != nullptr;
    waiter.granted = std::move(granted);
    state(lane).waiting.push_back(std::move(waiter));
    schedulePump();
    return m_nextTicket - 1;
}

bool NetworkGate::cancel(Ticket ticket)
{
    if (ticket == 0)
        return false;
    for (LaneState *lane : {&m_transfer, &m_request}) {
        auto it = std::find_if(lane->waiting.begin(), lane->waiting.end(),
                               [ticket](const Waiter &w) { return w.ticket == ticket; });
        if (it != lane->waiting.end()) {
            lane->waiting.erase(it);
            return true;
        }
    }
    return false;
}

void NetworkGate::holdFor(qint64 ms)
{
    if (ms <= 0)
        return;
    if (m_transfer.inFlight > 0)
        m_window.rateLimited = true;   // a hold while no transfer runs says nothing about the link
    if (holdRemainingMs() >= ms)
        return;
    m_holdUntil = QDeadlineTimer(ms);
    m_holdTimer.start(int(std::min<qint64>(ms, std::numeric_limits<int>::max())));
    Q_EMIT holding(int(std::min<qint64>(ms, std::numeric_limits<int>::max())));
}

qint64 NetworkGate::holdRemainingMs() const
{
    return m_holdUntil.hasExpired() ? 0 : m_holdUntil.remainingTime();
}

void NetworkGate::setRequestLimit(int limit)
{
    m_requestLimit = std::max(1, limit);
    schedulePump();
}

void NetworkGate::setTransferLimits(const TransferLimits &limits)
{
    m_transferLimits = limits;
    m_transferLimits.minimum = std::max(1, limits.minimum);
    m_transferLimits.maximum = std::max(m_transferLimits.minimum, limits.maximum);
    const int initial = limits.adaptive ? limits.initial : m_transferLimits.maximum;
    m_controller = ConcurrencyController(m_transferLimits.minimum, initial, m_transferLimits.maximum);
    m_window = {};
    m_windowLatencySumMs = 0;
    m_windowStartMs = -1;
    Q_EMIT transferLimitChanged(m_controller.limit());
    schedulePump();
}

int NetworkGate::limit(Lane lane) const
{
    return lane == Lane::Transfer ? m_controller.limit() : m_requestLimit;
}

int NetworkGate::inFlight(Lane lane) const
{
    return state(lane).inFlight;
}

int NetworkGate::waiting(Lane lane) const
{
    return int(state(lane).waiting.size());
}

int NetworkGate::peakInFlight(Lane lane) const
{
    return state(lane).peak;
}

void NetworkGate::schedulePump()
{
    if (m_pumpScheduled)
        return;
    m_pumpScheduled = true;
    QMetaObject::invokeMethod(this, &NetworkGate::pump, Qt::QueuedConnection);
}

void NetworkGate::pump()
{
    m_pumpScheduled = false;
    if (const qint64 left = holdRemainingMs(); left > 0) {
        if (!m_holdTimer.isActive())
            m_holdTimer.start(int(left));
        return;
    }
    for (const Lane lane : {Lane::Request, Lane::Transfer}) {
        LaneState &s = state(lane);
        while (!s.waiting.empty() && s.inFlight < limit(lane)) {
            Waiter waiter = std::move(s.waiting.front());
            s.waiting.pop_front();
            if (waiter.hasContext && !waiter.context)
                continue;   // its owner is gone
            Active active;
            active.id = m_nextSlotId++;
            active.lane = lane;
            active.grantedAtMs = m_clock.elapsed();
            m_active.push_back(active);
            ++s.inFlight;
            s.peak = std::max(s.peak, s.inFlight);
            if (lane == Lane::Transfer && m_windowStartMs < 0)
                m_windowStartMs = active.grantedAtMs;
            Slot slot;
            slot.m_gate = this;
            slot.m_id = active.id;
            waiter.granted(std::move(slot));   // may acquire or release: no iterator is held
        }
    }
    noteSaturation();
}

void NetworkGate::noteSaturation()
{
    if (!m_transfer.waiting.empty() && m_transfer.inFlight >= m_controller.limit())
        m_window.saturated = true;
}

void NetworkGate::addBytes(quint64 id, qint64 bytes)
{
    for (Active &a : m_active)
        if (a.id == id) {
            a.bytes += bytes;
            return;
        }
}

void NetworkGate::release(quint64 id, Outcome outcome)
{
    auto it = std::find_if(m_active.begin(), m_active.end(), [id](const Active &a) { return a.id == id; });
    if (it == m_active.end())
        return;
    const Active active = *it;
    m_active.erase(it);
    --state(active.lane).inFlight;
    if (active.lane == Lane::Transfer) {
        switch (outcome) {
        case Outcome::Succeeded:
            ++m_window.succeeded;
            m_window.bytes += active.bytes;
            m_windowLatencySumMs += double(m_clock.elapsed() - active.grantedAtMs);
            break;
        case Outcome::Failed:
            ++m_window.failed;
            break;
        case Outcome::RateLimited:
            m_window.rateLimited = true;
            break;
        case Outcome::Abandoned:
            break;
        }
        closeWindowIfDue();
    }
    schedulePump();
}

void NetworkGate::closeWindowIfDue()
{
    if (m_windowStartMs < 0)
        return;
    const qint64 now = m_clock.elapsed();
    const int ended = m_window.succeeded + m_window.failed;
    const bool due = m_window.rateLimited
        || (ended >= std::max(2, m_controller.limit()) && now - m_windowStartMs >= kMinWindowMs);
    if (!due)
        return;
    ConcurrencySample sample = m_window;
    sample.elapsedMs = std::max<qint64>(1, now - m_windowStartMs);
    sample.meanLatencyMs = m_window.succeeded > 0 ? m_windowLatencySumMs / m_window.succeeded : 0;
    m_window = {};
    m_windowLatencySumMs = 0;
    m_windowStartMs = m_transfer.inFlight > 0 ? now : -1;
    if (!m_transferLimits.adaptive)
        return;
    const int before = m_controller.limit();
    if (m_controller.update(sample) != before)
        Q_EMIT transferLimitChanged(m_controller.limit());
}

}  // namespace bd::api
