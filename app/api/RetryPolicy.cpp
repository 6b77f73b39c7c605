#include "api/RetryPolicy.h"

#include <QLocale>
#include <QRandomGenerator>

#include <algorithm>
#include <cmath>
#include <limits>

namespace bd::api {

RetryPolicy RetryPolicy::none()
{
    RetryPolicy p;
    p.maxAttempts = 1;
    return p;
}

RetryPolicy RetryPolicy::forTransfers(int maxAttempts, int baseDelayMs)
{
    RetryPolicy p;
    p.maxAttempts = std::max(1, maxAttempts);
    p.baseDelayMs = std::max(0, baseDelayMs);
    p.maxDelayMs = 30000;
    p.maxTotalMs = std::numeric_limits<int>::max();
    p.jitter = 0.5;
    return p;
}

bool isRetryable(const Error &error)
{
    switch (error.kind) {
    case ErrorKind::Network:
    case ErrorKind::Timeout:
    case ErrorKind::RateLimited:
        return true;
    default:
        break;
    }
    const int s = error.httpStatus;
    return s == 408 || s == 429 || s == 502 || s == 503 || s == 504;
}

std::optional<qint64> parseRetryAfterMs(const QString &value, const QDateTime &now, qint64 capMs)
{
    const QString text = value.trimmed();
    if (text.isEmpty())
        return std::nullopt;
    capMs = std::max<qint64>(0, capMs);
    if (std::all_of(text.begin(), text.end(), [](QChar c) { return c >= u'0' && c <= u'9'; })) {
        // delta-seconds; more digits than fit are simply "longer than the cap".
        bool ok = false;
        const qint64 seconds = text.toLongLong(&ok);
        if (!ok || seconds > capMs / 1000)
            return capMs;
        return seconds * 1000;
    }
    // HTTP-date (RFC 7231 IMF-fixdate), e.g. "Wed, 21 Oct 2026 07:28:00 GMT".
    QDateTime when = QLocale::c().toDateTime(text, QStringLiteral("ddd, dd MMM yyyy HH:mm:ss 'GMT'"));
    if (!when.isValid())
        when = QDateTime::fromString(text, Qt::RFC2822Date);
    if (!when.isValid())
        return std::nullopt;
    when = QDateTime(when.date(), when.time(), Qt::UTC);
    return std::clamp<qint64>(now.msecsTo(when), 0, capMs);
}

bool mayRepeat(const Error &error, bool idempotent, bool unusableAnswer)
{
    if (!idempotent)
        return error.kind == ErrorKind::RateLimited || error.httpStatus == 429;
    return unusableAnswer || isRetryable(error);
}

std::optional<int> RetryPolicy::nextDelayMs(int attempt, const Error &error, const QString &retryAfterHeader,
                                            qint64 elapsedMs, const std::function<double()> &random,
                                            const QDateTime &now) const
{
    if (!isRetryable(error))
        return std::nullopt;
    return backoffDelayMs(attempt, retryAfterHeader, elapsedMs, random, now);
}

std::optional<int> RetryPolicy::backoffDelayMs(int attempt, const QString &retryAfterHeader, qint64 elapsedMs,
                                               const std::function<double()> &random, const QDateTime &now) const
{
    if (attempt >= maxAttempts)
        return std::nullopt;
    qint64 delay = 0;
    if (const auto retryAfter = parseRetryAfterMs(retryAfterHeader, now)) {
        delay = std::min<qint64>(*retryAfter, maxRetryAfterMs);
    } else {
        // Jitter: the random share of a ceiling that grows exponentially (full jitter by default:
        // uniformly random in [0, ceiling)).
        const double ceiling = std::min<double>(maxDelayMs, baseDelayMs * std::pow(factor, std::clamp(attempt - 1, 0, 30)));
        const double r = random ? random() : QRandomGenerator::global()->generateDouble();
        const double share = std::clamp(jitter, 0.0, 1.0);
        delay = static_cast<qint64>(ceiling * (1.0 - share) + std::clamp(r, 0.0, 1.0) * ceiling * share);
    }
    if (elapsedMs + delay > maxTotalMs)
        return std::nullopt;
    return static_cast<int>(delay);
}

}  // namespace bd::api
