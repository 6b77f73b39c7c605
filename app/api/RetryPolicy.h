#pragma once
// When and how long to wait before repeating a failed Roboflow API request. Pure functions only,
// so the policy is unit-testable without a network; ApiCall applies it.
#include "core/Error.h"

#include <QDateTime>
#include <QString>

#include <functional>
#include <optional>

namespace bd::api {

struct RetryPolicy {
    int maxAttempts = 5;          // attempts in total, the first one included; 1 = never retry
    int baseDelayMs = 500;        // first backoff ceiling
    double factor = 2.0;          // ceiling grows by this per attempt
    int maxDelayMs = 20000;       // ceiling of one backoff wait
    int maxRetryAfterMs = 60000;  // a server's Retry-After is honoured up to this
    int maxTotalMs = 120000;      // no retry is started once waiting would pass this total time
    double jitter = 1.0;          // random share of the ceiling: 1 = full jitter, 0.5 = half fixed

    // A policy that never retries (attempts = 1).
    static RetryPolicy none();
    // Signed-URL transfers (S1 PUT, S2 GET): `maxAttempts` attempts, the first wait about
    // `baseDelayMs` (half fixed, half jitter: never hammers, never waits for nothing), doubling
    // up to 30 s; no total-time cap (a large file may take long between failures).
    static RetryPolicy forTransfers(int maxAttempts, int baseDelayMs);

    // Delay before attempt `attempt + 1`, or nullopt to give up. `attempt` counts the attempts
    // made so far (1 after the first failure). `retryAfterHeader` is the raw Retry-After value
    // (delta-seconds or an HTTP-date, empty if absent); it replaces the backoff when present.
    // `elapsedMs` is the time since the first attempt started. `random` returns a number in
    // [0, 1) and drives the full jitter (wait = random * ceiling); it defaults to
    // QRandomGenerator::global(). `now` is only used to evaluate an HTTP-date.
    std::optional<int> nextDelayMs(int attempt, const Error &error, const QString &retryAfterHeader,
                                   qint64 elapsedMs, const std::function<double()> &random = {},
                                   const QDateTime &now = QDateTime::currentDateTimeUtc()) const;
    // The same wait, once the caller has decided the failure may be repeated (see mayRepeat):
    // nullopt only when the attempt or total-time cap is reached.
    std::optional<int> backoffDelayMs(int attempt, const QString &retryAfterHeader, qint64 elapsedMs,
                                      const std::function<double()> &random = {},
                                      const QDateTime &now = QDateTime::currentDateTimeUtc()) const;
};

// Retrying may help: HTTP 408/429/502/503/504, connection errors and timeouts. Never 500 or
// another 4xx, never a decode error.
bool isRetryable(const Error &error);

// Whether a failed attempt may be sent again, given what the request is. An idempotent request
// (a GET, or a POST the server de-duplicates by a key it carries: a job id, an ingest id, an
// idempotency key) is repeated on every transient failure (isRetryable) and also when a 2xx answer
// was unusable (`unusableAnswer`: cut short, not JSON, an HTML page), since a proxy or a dropped
// connection produced it, not the service's verdict. A request that is not idempotent may already
// have acted when its answer was lost, so it is repeated only after a 429, where the service says
// it did nothing.
bool mayRepeat(const Error &error, bool idempotent, bool unusableAnswer);

// The one Retry-After parser (ApiCall, uploads, downloads): delta-seconds ("120", digits only) or
// an HTTP-date ("Wed, 21 Oct 2026 07:28:00 GMT", RFC 9110 section 10.2.3) into milliseconds from `now`,
// at most `capMs` (a huge value cannot overflow). nullopt when absent or unparseable (garbage,
// negative, fractional). A date in the past gives 0.
constexpr qint64 kRetryAfterParseCapMs = 24LL * 3600 * 1000;
std::optional<qint64> parseRetryAfterMs(const QString &value,
                                        const QDateTime &now = QDateTime::currentDateTimeUtc(),
                                        qint64 capMs = kRetryAfterParseCapMs);

}  // namespace bd::api
