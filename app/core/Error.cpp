#include "core/Error.h"

#include "core/Redact.h"

namespace bd {

QString errorKindName(ErrorKind kind)
{
    switch (kind) {
    case ErrorKind::None: return QStringLiteral("none");
    case ErrorKind::Cancelled: return QStringLiteral("cancelled");
    case ErrorKind::InvalidInput: return QStringLiteral("invalid-input");
    case ErrorKind::Unauthorized: return QStringLiteral("unauthorized");
    case ErrorKind::PlanLimit: return QStringLiteral("plan-limit");
    case ErrorKind::Forbidden: return QStringLiteral("forbidden");
    case ErrorKind::NotFound: return QStringLiteral("not-found");
    case ErrorKind::Conflict: return QStringLiteral("conflict");
    case ErrorKind::BadRequest: return QStringLiteral("bad-request");
    case ErrorKind::RateLimited: return QStringLiteral("rate-limited");
    case ErrorKind::Server: return QStringLiteral("server");
    case ErrorKind::Network: return QStringLiteral("network");
    case ErrorKind::Timeout: return QStringLiteral("timeout");
    case ErrorKind::BadResponse: return QStringLiteral("bad-response");
    case ErrorKind::Io: return QStringLiteral("io");
    case ErrorKind::DiskFull: return QStringLiteral("disk-full");
    case ErrorKind::Unsafe: return QStringLiteral("unsafe");
    case ErrorKind::Internal: return QStringLiteral("internal");
    }
    return QStringLiteral("unknown");
}

Error::Error(ErrorKind k, QString msg, int status, QString det)
    : kind(k), message(redact(msg)), httpStatus(status), detail(redact(det))
{
}

QString Error::fullText() const
{
    if (detail.isEmpty())
        return message;
    return message + QStringLiteral("\n\nResponse:\n") + detail;
}

bool Error::isTransient() const
{
    switch (kind) {
    case ErrorKind::RateLimited:
    case ErrorKind::Network:
    case ErrorKind::Timeout:
        return true;
    case ErrorKind::Server:
    case ErrorKind::BadRequest:
        return httpStatus == 408 || httpStatus == 502 || httpStatus == 503 || httpStatus == 504;
    default:
        return false;
    }
}

}  // namespace bd
