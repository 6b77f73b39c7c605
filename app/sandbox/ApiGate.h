#pragma once
// What the sandbox's API host decides before it reads a request body (issue 14: "limits before
// auth"): which route a raw request target names, which credential it carries, whether that
// credential is valid (compared in constant time), and how large a body the route may have.
// httplib calls the pre-routing handler after the headers and before the body, so a request
// refused here never has its body read, let alone decompressed.
#include <QByteArray>
#include <QDateTime>
#include <QMutex>
#include <QString>
#include <QStringList>
#include <QVector>

#include <map>
#include <string>

namespace bd::sandbox {

// A request target split into the service family, the workspace and the path segments after it.
// Segments are percent-decoded one by one, so "jobs/bad%2Fid" is two segments, "jobs" and
// "bad/id" (an encoded slash belongs to the id, it does not separate).
struct RouteTarget {
    QString family;           // the "/data-staging/v1/external/" or "/batch-processing/v1/external/" marker, or empty
    QString workspace;
    QStringList segments;     // after the workspace
    QString routeId;          // W1, D1..D12, B1..B8, A1 (asset-library create), A2 (asset-library count); empty: none
    bool underService = false;  // the path names a service (a known marker or its prefix) but no route
};

RouteTarget parseRouteTarget(const QString &method, const std::string &rawTarget);

// The asset-library routes take the key only as "Authorization: Bearer"; the classic routes take
// either that or the api_key query parameter (spec §2.2).
bool routeRequiresBearer(const QString &routeId);

// Largest request body a route accepts, in bytes: D7 carries one image (≤ 20 MiB), D10/D11 up to
// 20 000 inline references, A1 a list of image ids; every other route a small JSON object.
qint64 bodyLimitFor(const QString &routeId);
// A body this small with a known length is read even when the request is refused, so the
// refusal reaches a well-behaved client intact; anything larger is refused unread.
constexpr qint64 kDrainableBodyBytes = 64 * 1024;
// httplib's own bound (chunked bodies of authenticated requests): the largest route limit.
constexpr qint64 kPayloadCapBytes = 64 * 1024 * 1024;

enum class AuthScheme { None, Bearer, Query };

struct Credential {
    AuthScheme scheme = AuthScheme::None;
    QString key;
};

// The Bearer token of an Authorization header, else the api_key query value.
Credential credentialOf(const std::string &authorizationHeader, const std::string &queryKey);

// Constant-time membership: compares SHA-256 digests with CRYPTO_memcmp against every key.
bool isKnownKey(const QString &key, const QStringList &keys);

// One line of the API host's request log (in memory only, for tests: it is how a test proves
// that no URL carried the key).
struct LoggedRequest {
    QString method;
    QString target;       // raw, as received (path + query)
    QString routeId;
    AuthScheme scheme = AuthScheme::None;
    int status = 0;       // the answer, 0 when it was refused before routing
};

class RequestLog
{
public:
    int append(LoggedRequest entry);   // the entry's index
    void setStatus(int index, int status);
    QVector<LoggedRequest> entries() const;

private:
    static constexpr int kMaxEntries = 20000;   // older entries are dropped
    mutable QMutex m_mutex;
    QVector<LoggedRequest> m_entries;
    int m_dropped = 0;
};

}  // namespace bd::sandbox
