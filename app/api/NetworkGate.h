#pragma once
// NetworkGate: the one policy object per connection (ApiClient::networkGate()) that decides when a
// request or a transfer may go out. It replaces the concurrency caps and 429 holds each queue used
// to keep for itself (UploadQueue, ExportOperation, JobMonitor).
//
//  - two lanes with their own concurrency limit: Transfer (signed-URL PUT/GET and the D7/D8/D9
//    calls that start an upload; adaptive, see ConcurrencyController) and Request (API polling,
//    e.g. JobMonitor's B2/B4/B5; a fixed limit, default 4);
//  - one 429 hold for both lanes (holdFor; the gate also listens to ApiClient::rateLimited), on
//    one monotonic clock (QDeadlineTimer): no new slot is granted until it ends; a slot already
//    granted is not taken back;
//  - FIFO per lane: slots are granted in the order they were asked for;
//  - a waiting request is withdrawn by cancel(ticket), or dropped when its context QObject dies;
//  - grants are always delivered from the event loop, never inside acquire().
//
// Usage (the caller keeps the Slot while its request runs; dropping it frees the slot):
//
// \code
//     bd::api::NetworkGate *gate = api->networkGate();
//     m_ticket = gate->acquire(bd::api::NetworkGate::Lane::Transfer, this,
//                              [this](bd::api::NetworkGate::Slot slot) {
//         m_slot = std::move(slot);                 // member: NetworkGate::Slot m_slot;
//         startDownload();
//     });
//     ...
//     // on progress:  m_slot.addBytes(newBytes);
//     // on a 429:     gate->holdFor(retryAfterMs); m_slot.release(NetworkGate::Outcome::RateLimited);
//     // on the end:   m_slot.release(error ? NetworkGate::Outcome::Failed : NetworkGate::Outcome::Succeeded);
//     // on cancel before the grant:  gate->cancel(m_ticket);
// \endcode
//
// Outcomes feed the Transfer lane's controller: Succeeded (bytes and duration are a throughput /
// latency sample), Failed (a transient network error: the link may be overloaded), RateLimited,
// Abandoned (cancelled or paused by the caller; no sample). A Slot destroyed without release()
// counts as Abandoned.
#include "core/Error.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <deque>
#include <functional>

namespace bd {
class AppSettings;
}

namespace bd::api {

// One observation window of the Transfer lane, as the gate measured it.
struct ConcurrencySample {
    qint64 bytes = 0;            // payload bytes moved by the slots that succeeded in the window
    int succeeded = 0;           // slots that ended with Succeeded
    int failed = 0;              // slots that ended with Failed
    bool rateLimited = false;    // a 429 / hold happened in the window
    double meanLatencyMs = 0;    // mean grant-to-release time of the succeeded slots
    qint64 elapsedMs = 0;        // length of the window
    bool saturated = false;      // the limit was used up with requests waiting at some point
};

// Adapts a concurrency limit to the link from windowed samples (pure: deterministic, no clock).
//  - slow start: doubles the limit while throughput rises by > 10 % per window and the lane is
//    saturated (more work than slots);
//  - then additive: +1 per rising window; after three flat windows one +1 probe (the link may
//    have become faster);
//  - latency inflation (mean latency > 2× the lowest seen) without a throughput gain: −25 %
//    (a link that is full queues requests instead of moving them faster);
//  - transient failures in ≥ 20 % of the window's slots: −25 %; a 429: halved;
//  - always within [minimum, maximum].
// A window that is not saturated changes nothing (there was no demand to learn from).
class ConcurrencyController
{
public:
    ConcurrencyController(int minimum = 1, int initial = 4, int maximum = 16);

    int limit() const { return m_limit; }
    int minimum() const { return m_min; }
    int maximum() const { return m_max; }
    bool inSlowStart() const { return m_slowStart; }
    // Feed one window; returns the new limit.
    int update(const ConcurrencySample &sample);

private:
    int shrinkTo(double factor);

    int m_min;
    int m_max;
    int m_limit;
    bool m_slowStart = true;
    double m_lastThroughput = -1;  // units/s of the previous window; < 0: none yet
    double m_minLatencyMs = 0;     // lowest window mean seen (0: none yet)
    int m_flatWindows = 0;
};

class NetworkGate : public QObject
{
    Q_OBJECT
public:
    enum class Lane { Transfer, Request };
    enum class Outcome { Succeeded, Failed, RateLimited, Abandoned };
    using Ticket = quint64;   // 0 is never a valid ticket

    struct TransferLimits {
        int minimum = 1;
        int initial = 4;
        int maximum = 16;      // the user's cap (AppSettings::maxConcurrency, --max-concurrency)
        bool adaptive = true;  // false: always `maximum` at once (a fixed number, like rclone)
        bool operator==(const TransferLimits &) const = default;
    };

    // A granted slot. Move-only; releasing (or destroying) it frees the slot in its lane.
    class Slot
    {
    public:
        Slot() = default;
        Slot(Slot &&other) noexcept;
        Slot &operator=(Slot &&other) noexcept;
        Slot(const Slot &) = delete;
        Slot &operator=(const Slot &) = delete;
        ~Slot();

        bool isValid() const { return m_id != 0; }
        // Payload bytes this slot moved (cumulative; only the Transfer lane uses them).
        void addBytes(qint64 bytes);
        // Idempotent; a no-op on an invalid slot.
        void release(Outcome outcome = Outcome::Succeeded);

    private:
        friend class NetworkGate;
        QPointer<NetworkGate> m_gate;
        quint64 m_id = 0;
    };

    // How a request that ended with `error` counts: none → Succeeded, 429 → RateLimited,
    // connection / timeout / 5xx → Failed, anything else (a cancel, a refusal, a local error) →
    // Abandoned (it says nothing about the link).
    static Outcome outcomeFor(const Error &error);

    // The user's cap and mode (AppSettings::maxConcurrency / adaptiveConcurrency).
    static TransferLimits transferLimitsFrom(const AppSettings &settings);

    explicit NetworkGate(QObject *parent = nullptr);
    ~NetworkGate() override;

    // Ask for a slot in `lane`; `granted` runs later from the event loop, in FIFO order, when the
    // lane has room and no hold is on. Dropped without a call if `context` is destroyed first.
    Ticket acquire(Lane lane, QObject *context, std::function<void(Slot)> granted);
    // Withdraw a waiting request; true if it was still waiting (a granted one is not affected).
    bool cancel(Ticket ticket);

    // The service asked to slow down: grant nothing new for `ms` (the longest hold wins).
    void holdFor(qint64 ms);
    qint64 holdRemainingMs() const;

    void setRequestLimit(int limit);
    void setTransferLimits(const TransferLimits &limits);
    TransferLimits transferLimits() const { return m_transferLimits; }
    int limit(Lane lane) const;

    int inFlight(Lane lane) const;
    int waiting(Lane lane) const;
    int peakInFlight(Lane lane) const;

    // The Transfer lane's controller (tests, the status line).
    const ConcurrencyController &controller() const { return m_controller; }

Q_SIGNALS:
    // A hold started or was extended (ms from now).
    void holding(int ms);
    // The Transfer lane's limit changed (adaptive control or setTransferLimits).
    void transferLimitChanged(int limit);

private:
    struct Waiter {
        Ticket ticket = 0;
        QPointer<QObject> context;
        bool hasContext = false;
        std::function<void(Slot)> granted;
    };
    struct LaneState {
        std::deque<Waiter> waiting;
        int inFlight = 0;
        int peak = 0;
    };
    struct Active {
        quint64 id = 0;
        Lane lane = Lane::Request;
        qint64 bytes = 0;
        qint64 grantedAtMs = 0;
    };

    LaneState &state(Lane lane) { return lane == Lane::Transfer ? m_transfer : m_request; }
    const LaneState &state(Lane lane) const { return lane == Lane::Transfer ? m_transfer : m_request; }
    void schedulePump();
    void pump();
    void noteSaturation();
    void addBytes(quint64 id, qint64 bytes);
    void release(quint64 id, Outcome outcome);
    void closeWindowIfDue();

    LaneState m_transfer;
    LaneState m_request;
    int m_requestLimit = 4;
    TransferLimits m_transferLimits;
    ConcurrencyController m_controller;
    std::vector<Active> m_active;
    Ticket m_nextTicket = 1;
    quint64 m_nextSlotId = 1;
    QDeadlineTimer m_holdUntil{0};
    QTimer m_holdTimer;
    bool m_pumpScheduled = false;

    // The Transfer lane's current observation window (one monotonic clock for everything).
    QElapsedTimer m_clock;
    qint64 m_windowStartMs = -1;
    ConcurrencySample m_window;
    double m_windowLatencySumMs = 0;
};

}  // namespace bd::api
