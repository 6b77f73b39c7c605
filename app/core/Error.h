#pragma once
// One error type for the whole core: a kind a program can branch on, and a message a person can
// act on. Messages never contain the API key (see Redact.h).
#include <QMetaType>
#include <QString>

namespace bd {

enum class ErrorKind {
    None = 0,
    Cancelled,        // the user or caller stopped the work
    InvalidInput,     // bad id, bad flag, bad file: caught before any request
    Unauthorized,     // 401: wrong or missing API key
    PlanLimit,        // 402: the workspace plan lacks the feature
    Forbidden,        // 403 (also: a signed URL that expired or whose signature failed)
    NotFound,         // 404
    Conflict,         // 409
    BadRequest,       // other 4xx
    RateLimited,      // 429 after the retries ran out
    Server,           // 5xx
    Network,          // connection refused, reset, DNS, TLS
    Timeout,          // no answer within the request timeout
    BadResponse,      // 2xx whose body is not what the spec says (not JSON, missing field...)
    Io,               // local disk: read, write, permission
    DiskFull,         // local disk has no space left
    Unsafe,           // refused for safety (archive entry escaping its target, unsafe URL)
    Internal,
};

QString errorKindName(ErrorKind kind);

struct Error {
    ErrorKind kind = ErrorKind::None;
    QString message;      // for a person; already redacted
    int httpStatus = 0;   // 0 when no HTTP status applies
    QString detail;       // the server's body or other untranslated detail; already redacted

    Error() = default;
    Error(ErrorKind k, QString msg, int status = 0, QString det = {});

    bool isError() const { return kind != ErrorKind::None; }
    explicit operator bool() const { return isError(); }
    // "message" or "message\n\nResponse:\n<detail>" as the reference CLI prints it.
    QString fullText() const;
    // Retrying may help: rate limits, 408/502/503/504, network and timeout.
    bool isTransient() const;
};

}  // namespace bd

Q_DECLARE_METATYPE(bd::Error)
