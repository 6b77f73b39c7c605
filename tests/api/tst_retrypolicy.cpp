// The pure retry decision: which errors retry, backoff with full jitter and caps, Retry-After.
#include "api/RetryPolicy.h"

#include <QtTest>

using namespace bd;
using namespace bd::api;

namespace {
Error status(int code, ErrorKind kind)
{
    return Error(kind, QStringLiteral("x"), code);
}
const auto one = [] { return 0.999999; };
const auto half = [] { return 0.5; };
}  // namespace

class TestRetryPolicy : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void retryableStatuses()
    {
        QVERIFY(isRetryable(status(408, ErrorKind::BadRequest)));
        QVERIFY(isRetryable(status(429, ErrorKind::RateLimited)));
        QVERIFY(isRetryable(status(502, ErrorKind::Server)));
        QVERIFY(isRetryable(status(503, ErrorKind::Server)));
        QVERIFY(isRetryable(status(504, ErrorKind::Server)));
        QVERIFY(isRetryable(Error(ErrorKind::Network, QStringLiteral("reset"))));
        QVERIFY(isRetryable(Error(ErrorKind::Timeout, QStringLiteral("slow"))));
        QVERIFY(!isRetryable(status(500, ErrorKind::Server)));
        QVERIFY(!isRetryable(status(400, ErrorKind::BadRequest)));
        QVERIFY(!isRetryable(status(401, ErrorKind::Unauthorized)));
        QVERIFY(!isRetryable(status(404, ErrorKind::NotFound)));
        QVERIFY(!isRetryable(Error(ErrorKind::BadResponse, QStringLiteral("json"))));
    }

    void noRetryOn500Or400()
    {
        RetryPolicy p;
        QVERIFY(!p.nextDelayMs(1, status(500, ErrorKind::Server), {}, 0, half));
        QVERIFY(!p.nextDelayMs(1, status(400, ErrorKind::BadRequest), {}, 0, half));
        QVERIFY(p.nextDelayMs(1, status(503, ErrorKind::Server), {}, 0, half).has_value());
    }

    void exponentialBackoffWithFullJitter()
    {
        RetryPolicy p;
        const Error e = status(503, ErrorKind::Server);
        QCOMPARE(*p.nextDelayMs(1, e, {}, 0, half), 250);   // 0.5 × 500
        QCOMPARE(*p.nextDelayMs(2, e, {}, 0, half), 500);   // 0.5 × 1000
        QCOMPARE(*p.nextDelayMs(3, e, {}, 0, half), 1000);  // 0.5 × 2000
        QCOMPARE(*p.nextDelayMs(1, e, {}, 0, [] { return 0.0; }), 0);
        p.maxAttempts = 20;
        QCOMPARE(*p.nextDelayMs(12, e, {}, 0, one), 19999);  // capped at 20 s
    }

    void maxAttemptsAndTotalTime()
    {
        RetryPolicy p;  // 5 attempts
        const Error e = Error(ErrorKind::Network, QStringLiteral("reset"));
        QVERIFY(p.nextDelayMs(4, e, {}, 0, half));
        QVERIFY(!p.nextDelayMs(5, e, {}, 0, half));
        QVERIFY(!p.nextDelayMs(1, e, {}, 119900, half));  // 250 ms more would pass 120 s
        QVERIFY(!RetryPolicy::none().nextDelayMs(1, e, {}, 0, half));
    }

    void retryAfterSeconds()
    {
        RetryPolicy p;
        const Error e = status(429, ErrorKind::RateLimited);
        QCOMPARE(*p.nextDelayMs(1, e, QStringLiteral("3"), 0, half), 3000);
        QCOMPARE(*p.nextDelayMs(1, e, QStringLiteral("600"), 0, half), 60000);  // capped at 60 s
        QCOMPARE(*p.nextDelayMs(1, e, QStringLiteral("soon"), 0, half), 250);   // unparseable → backoff
    }

    void retryAfterHttpDate()
    {
        const QDateTime now(QDate(2026, 10, 21), QTime(7, 28, 0), Qt::UTC);
        QCOMPARE(*parseRetryAfterMs(QStringLiteral("Wed, 21 Oct 2026 07:28:10 GMT"), now), 10000);
        QCOMPARE(*parseRetryAfterMs(QStringLiteral("Wed, 21 Oct 2026 07:27:00 GMT"), now), 0);
        QVERIFY(!parseRetryAfterMs(QString(), now));
        RetryPolicy p;
        QCOMPARE(*p.nextDelayMs(1, status(503, ErrorKind::Server), QStringLiteral("Wed, 21 Oct 2026 07:28:05 GMT"), 0, half, now), 5000);
    }
};

QTEST_GUILESS_MAIN(TestRetryPolicy)
#include "tst_retrypolicy.moc"
