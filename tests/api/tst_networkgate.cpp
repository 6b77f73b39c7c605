// NetworkGate: lane caps, FIFO grants, cancellation of waiting requests, the 429 hold (also from
// a real 429 with Retry-After in seconds and as an HTTP-date, over loopback), and the adaptive
// ConcurrencyController fed synthetic windows (no timing).
#include "TestServer.h"
#include "api/ApiClient.h"
#include "api/NetworkGate.h"
#include "api/RetryPolicy.h"

#include <QElapsedTimer>
#include <QLocale>
#include <QSignalSpy>
#include <QTest>

#include <memory>
#include <vector>

using namespace bd::api;
using namespace bdtest;
using Lane = NetworkGate::Lane;
using Outcome = NetworkGate::Outcome;

namespace {

ApiConfig configFor(const TestServer &server)
{
    ApiConfig c;
    c.baseUrl = QUrl(QString::fromStdString(server.base()));
    c.apiKey = QStringLiteral("gate-test-key-0123456789");
    c.timeoutSeconds = 10;
    return c;
}

// Asks for `count` slots in `lane`; grants land in `order` (request index) and `held`.
struct Requests {
    std::vector<int> order;
    std::vector<NetworkGate::Slot> held;
    std::vector<NetworkGate::Ticket> tickets;

    void ask(NetworkGate &gate, Lane lane, int count, QObject *context)
    {
        for (int i = 0; i < count; ++i) {
            const int index = int(tickets.size());
            tickets.push_back(gate.acquire(lane, context, [this, index](NetworkGate::Slot slot) {
                order.push_back(index);
                held.push_back(std::move(slot));
            }));
        }
    }
};

void settle()
{
    for (int i = 0; i < 5; ++i)
        QCoreApplication::processEvents();
}

// A window of a link whose every request takes `latencyMs` whatever the concurrency (a WAN with
// spare bandwidth): throughput grows with the limit.
ConcurrencySample delayLinkWindow(int limit, double latencyMs = 150)
{
    ConcurrencySample s;
    s.succeeded = limit * 4;
    s.bytes = qint64(s.succeeded) * 100000;
    s.elapsedMs = qint64(4 * latencyMs);
    s.meanLatencyMs = latencyMs;
    s.saturated = true;
    return s;
}

// A window of a link that moves `capacity` bytes/s in total: more concurrency only queues.
ConcurrencySample fullLinkWindow(int limit, double capacityBytesPerS = 4e6, qint64 fileBytes = 1000000)
{
    ConcurrencySample s;
    s.succeeded = limit * 2;
    s.bytes = qint64(s.succeeded) * fileBytes;
    s.elapsedMs = qint64(1000.0 * double(s.bytes) / capacityBytesPerS);
    s.meanLatencyMs = 1000.0 * double(fileBytes) * limit / capacityBytesPerS;
    s.saturated = true;
    return s;
}

}  // namespace

class TestNetworkGate : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void capHonouredAndFifo()
    {
        NetworkGate gate;
        gate.setRequestLimit(2);
        QObject owner;
        Requests r;
        r.ask(gate, Lane::Request, 5, &owner);
        QVERIFY(r.order.empty());   // never granted inside acquire()
        settle();
        QCOMPARE(r.order, (std::vector<int>{0, 1}));
        QCOMPARE(gate.inFlight(Lane::Request), 2);
        QCOMPARE(gate.waiting(Lane::Request), 3);
        r.held[1].release();
        r.held[1].release();   // idempotent: frees one slot only
        settle();
        QCOMPARE(r.order, (std::vector<int>{0, 1, 2}));
        QCOMPARE(gate.inFlight(Lane::Request), 2);
        r.held[0] = {};         // dropping a slot frees it too
        settle();
        QCOMPARE(r.order, (std::vector<int>{0, 1, 2, 3}));
        r.held.clear();
        settle();
        QCOMPARE(r.order, (std::vector<int>{0, 1, 2, 3, 4}));
        r.held.clear();
        settle();
        QCOMPARE(gate.inFlight(Lane::Request), 0);
        QCOMPARE(gate.peakInFlight(Lane::Request), 2);
    }

    void lanesAreIndependent()
    {
        NetworkGate gate;
        gate.setRequestLimit(1);
        gate.setTransferLimits({1, 3, 3, false});
        QObject owner;
        Requests requests, transfers;
        requests.ask(gate, Lane::Request, 3, &owner);
        transfers.ask(gate, Lane::Transfer, 5, &owner);
        settle();
        QCOMPARE(requests.order.size(), size_t(1));
        QCOMPARE(transfers.order.size(), size_t(3));
        QCOMPARE(gate.limit(Lane::Transfer), 3);
    }

    void waitingRequestsCancelled()
    {
        NetworkGate gate;
        gate.setRequestLimit(1);
        QObject owner;
        Requests r;
        r.ask(gate, Lane::Request, 4, &owner);
        settle();
        QCOMPARE(r.order, (std::vector<int>{0}));
        QVERIFY(gate.cancel(r.tickets[1]));
        QVERIFY(!gate.cancel(r.tickets[1]));   // already withdrawn
        QVERIFY(!gate.cancel(r.tickets[0]));   // granted: not a waiting request
        QVERIFY(!gate.cancel(0));
        // A request whose context dies is dropped, and does not keep its place.
        auto doomed = std::make_unique<QObject>();
        bool doomedGranted = false;
        gate.acquire(Lane::Request, doomed.get(), [&doomedGranted](NetworkGate::Slot) { doomedGranted = true; });
        doomed.reset();
        r.held.clear();
        settle();
        QCOMPARE(r.order, (std::vector<int>{0, 2}));
        r.held.clear();
        settle();
        QCOMPARE(r.order, (std::vector<int>{0, 2, 3}));
        r.held.clear();
        settle();
        QVERIFY(!doomedGranted);
        QCOMPARE(gate.inFlight(Lane::Request), 0);
        QCOMPARE(gate.waiting(Lane::Request), 0);
    }

    void slotOutlivingTheGateIsHarmless()
    {
        NetworkGate::Slot kept;
        {
            NetworkGate gate;
            gate.acquire(Lane::Request, nullptr, [&kept](NetworkGate::Slot slot) { kept = std::move(slot); });
            settle();
            QVERIFY(kept.isValid());
        }
        kept.addBytes(10);
        kept.release();
        QVERIFY(!kept.isValid());
    }

    void holdDelaysGrantsOnTheMonotonicClock()
    {
        NetworkGate gate;
        QSignalSpy holding(&gate, &NetworkGate::holding);
        gate.holdFor(400);
        gate.holdFor(100);   // shorter: the longest hold wins, no new signal
        QCOMPARE(holding.size(), 1);
        QVERIFY(gate.holdRemainingMs() > 300);
        QObject owner;
        Requests r;
        QElapsedTimer clock;
        clock.start();
        r.ask(gate, Lane::Transfer, 2, &owner);
        QTest::qWait(200);
        QVERIFY(r.order.empty());
        QTRY_COMPARE_WITH_TIMEOUT(r.order.size(), size_t(2), 3000);
        QVERIFY(clock.elapsed() >= 350);
        QCOMPARE(gate.holdRemainingMs(), 0);
    }

    void holdAfter429WithRetryAfterSeconds()
    {
        TestServer server;
        const std::string path = "/batch-processing/v1/external/ws/jobs/j1/stages";
        Reply limited = Reply::json(R"({"error":"slow down"})", 429);
        limited.headers.insert({"Retry-After", "1"});
        server.enqueue(path, limited);
        server.setDefault(path, Reply::json(R"({"stages":[]})"));
        ApiClient api(configFor(server));
        NetworkGate *gate = api.networkGate();
        QSignalSpy holding(gate, &NetworkGate::holding);
        auto *call = api.listStages(QStringLiteral("j1"));
        call->setAutoDelete(false);
        call->start();
        QTRY_COMPARE_WITH_TIMEOUT(holding.size(), 1, 5000);
        QCOMPARE(holding.first().first().toInt(), 1000);
        QVERIFY(gate->holdRemainingMs() > 500);
        // A transfer asked for now starts only when the hold ends.
        QObject owner;
        Requests r;
        QElapsedTimer clock;
        clock.start();
        r.ask(*gate, Lane::Transfer, 1, &owner);
        QTRY_COMPARE_WITH_TIMEOUT(r.order.size(), size_t(1), 5000);
        QVERIFY2(clock.elapsed() >= 400, qPrintable(QString::number(clock.elapsed())));
        QTRY_VERIFY_WITH_TIMEOUT(call->isFinished(), 5000);
        QVERIFY2(!call->error(), qPrintable(call->error().fullText()));
        delete call;
    }

    void holdAfter429WithRetryAfterDate()
    {
        TestServer server;
        const std::string path = "/batch-processing/v1/external/ws/jobs/j2/stages";
        Reply limited = Reply::json(R"({"error":"slow down"})", 429);
        // Two seconds ahead, whole seconds only (the header has no fractions): 1–2 s from now.
        const QDateTime when = QDateTime::currentDateTimeUtc().addSecs(2);
        const QString date = QLocale::c().toString(when, QStringLiteral("ddd, dd MMM yyyy HH:mm:ss 'GMT'"));
        limited.headers.insert({"Retry-After", date.toStdString()});
        server.enqueue(path, limited);
        server.setDefault(path, Reply::json(R"({"stages":[]})"));
        ApiClient api(configFor(server));
        QSignalSpy holding(api.networkGate(), &NetworkGate::holding);
        auto *call = api.listStages(QStringLiteral("j2"));
        call->setAutoDelete(false);
        call->start();
        QTRY_COMPARE_WITH_TIMEOUT(holding.size(), 1, 5000);
        const int ms = holding.first().first().toInt();
        QVERIFY2(ms >= 900 && ms <= 2100, qPrintable(QString::number(ms)));
        QVERIFY(api.networkGate()->holdRemainingMs() > 0);
        QTRY_VERIFY_WITH_TIMEOUT(call->isFinished(), 6000);
        QVERIFY2(!call->error(), qPrintable(call->error().fullText()));
        delete call;
    }

    void retryAfterParser()
    {
        const QDateTime now(QDate(2026, 10, 21), QTime(7, 28, 0), Qt::UTC);
        QCOMPARE(*parseRetryAfterMs(QStringLiteral("120"), now), 120000);
        QCOMPARE(*parseRetryAfterMs(QStringLiteral(" 0 "), now), 0);
        QCOMPARE(*parseRetryAfterMs(QStringLiteral("Wed, 21 Oct 2026 07:28:30 GMT"), now), 30000);
        QCOMPARE(*parseRetryAfterMs(QStringLiteral("Wed, 21 Oct 2026 07:00:00 GMT"), now), 0);   // past
        // Garbage, negative, fractional, signs: not a Retry-After.
        for (const char *bad : {"soon", "-5", "1.5", "+3", "12abc", "0x10", "", "   "})
            QVERIFY2(!parseRetryAfterMs(QString::fromLatin1(bad), now), bad);
        // Huge: capped, never overflowing (delta-seconds and date alike).
        QCOMPARE(*parseRetryAfterMs(QStringLiteral("99999999999999999999999"), now), kRetryAfterParseCapMs);
        QCOMPARE(*parseRetryAfterMs(QStringLiteral("9223372036854775807"), now), kRetryAfterParseCapMs);
        QCOMPARE(*parseRetryAfterMs(QStringLiteral("Fri, 21 Oct 2095 07:28:00 GMT"), now), kRetryAfterParseCapMs);
        QCOMPARE(*parseRetryAfterMs(QStringLiteral("3600"), now, 60000), 60000);
        // A policy caps what it waits at maxRetryAfterMs.
        RetryPolicy policy;
        QCOMPARE(*policy.backoffDelayMs(1, QStringLiteral("99999"), 0, {}, now), policy.maxRetryAfterMs);
    }

    void transferPolicyWaitsHalfFixed()
    {
        const RetryPolicy p = RetryPolicy::forTransfers(5, 1000);
        QCOMPARE(*p.backoffDelayMs(1, {}, 0, [] { return 0.0; }), 500);
        QCOMPARE(*p.backoffDelayMs(1, {}, 0, [] { return 0.999; }), 999);
        QCOMPARE(*p.backoffDelayMs(3, {}, 0, [] { return 0.0; }), 2000);
        QVERIFY(!p.backoffDelayMs(20, {}, 0, [] { return 0.0; }));   // attempts used up
        const RetryPolicy many = RetryPolicy::forTransfers(40, 1000);
        QCOMPARE(*many.backoffDelayMs(30, {}, 10'000'000, [] { return 0.0; }), 15000);   // capped at 30 s, no total cap
    }

    // ---- the adaptive controller, on synthetic windows ----

    void controllerGrowsOnALatencyBoundLink()
    {
        ConcurrencyController c(1, 4, 32);
        QVERIFY(c.inSlowStart());
        QVector<int> limits;
        for (int i = 0; i < 8; ++i)
            limits << c.update(delayLinkWindow(c.limit()));
        QCOMPARE(limits.first(), 8);   // slow start doubles
        QCOMPARE(limits.at(1), 16);
        QCOMPARE(c.limit(), 32);        // and stops at the user's cap
        c.update(delayLinkWindow(c.limit()));
        QCOMPARE(c.limit(), 32);
    }

    void controllerSettlesOnAFullLink()
    {
        // The link carries 4 MB/s whatever the concurrency: beyond a few, requests only queue.
        ConcurrencyController c(1, 4, 64);
        int peak = 0;
        for (int i = 0; i < 40; ++i) {
            c.update(fullLinkWindow(c.limit()));
            peak = std::max(peak, c.limit());
        }
        // The latency doubles past 8 (2× the first window's at 4): at most one probe beyond.
        QVERIFY2(c.limit() >= 4 && c.limit() <= 9, qPrintable(QString::number(c.limit())));
        QVERIFY2(peak <= 16, qPrintable(QString::number(peak)));
        QVERIFY(!c.inSlowStart());
    }

    void controllerBacksOffOn429AndErrors()
    {
        ConcurrencyController c(2, 16, 32);
        ConcurrencySample limited = delayLinkWindow(16);
        limited.rateLimited = true;
        QCOMPARE(c.update(limited), 8);
        QCOMPARE(c.update(limited), 4);
        QCOMPARE(c.update(limited), 2);
        QCOMPARE(c.update(limited), 2);   // never below the minimum
        ConcurrencyController d(1, 16, 32);
        ConcurrencySample failing = delayLinkWindow(16);
        failing.failed = failing.succeeded / 2;
        QCOMPARE(d.update(failing), 12);
        QVERIFY(!d.inSlowStart());
        ConcurrencySample rare = delayLinkWindow(12);
        rare.failed = 1;   // one failure in 49 slots: not a signal
        QCOMPARE(d.update(rare), 13);
    }

    void controllerIgnoresWindowsWithoutDemand()
    {
        ConcurrencyController c(1, 4, 32);
        ConcurrencySample idle = delayLinkWindow(4);
        idle.saturated = false;
        QCOMPARE(c.update(idle), 4);
        QCOMPARE(c.update(idle), 4);
        ConcurrencySample empty;
        QCOMPARE(c.update(empty), 4);
        QVERIFY(c.inSlowStart());
    }

    void controllerShrinksOnLatencyInflation()
    {
        ConcurrencyController c(1, 8, 32);
        c.update(delayLinkWindow(8, 100));   // baseline 100 ms, grows to 16
        QCOMPARE(c.limit(), 16);
        ConcurrencySample congested = delayLinkWindow(16, 300);
        congested.bytes = delayLinkWindow(8, 100).bytes;   // the same bytes in 3× the time: no gain
        congested.elapsedMs = 1200;
        QCOMPARE(c.update(congested), 12);
    }

    void fixedLimitsDoNotAdapt()
    {
        NetworkGate gate;
        gate.setTransferLimits({1, 4, 4, false});
        QObject owner;
        Requests r;
        r.ask(gate, Lane::Transfer, 40, &owner);
        for (int round = 0; round < 9; ++round) {
            settle();
            QCOMPARE(gate.inFlight(Lane::Transfer), 4);
            for (auto &slot : r.held) {
                slot.addBytes(1000);
                slot.release(Outcome::Succeeded);
            }
            r.held.clear();
        }
        QCOMPARE(gate.limit(Lane::Transfer), 4);
        QCOMPARE(gate.peakInFlight(Lane::Transfer), 4);
    }
};

QTEST_GUILESS_MAIN(TestNetworkGate)
#include "tst_networkgate.moc"
