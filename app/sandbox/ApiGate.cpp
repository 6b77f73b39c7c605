#include "sandbox/ApiGate.h"

#include "sandbox/StagingService.h"

#include <QCryptographicHash>
#include <QUrl>

#include <openssl/crypto.h>

namespace bd::sandbox {

namespace {
const QString kStagingMarker = QStringLiteral("/data-staging/v1/external/");
const QString kJobsMarker = QStringLiteral("/batch-processing/v1/external/");

QString jobRouteId(const QString &method, const QStringList &p)
{
    const bool get = method == QLatin1String("GET"), post = method == QLatin1String("POST");
    if (p.size() == 2 && p.at(0) == QLatin1String("asset-library") && p.at(1) == QLatin1String("jobs"))
        return post ? QStringLiteral("A1") : QString();
    if (p.size() == 2 && p.at(0) == QLatin1String("asset-library") && p.at(1) == QLatin1String("count"))
        return get ? QStringLiteral("A2") : QString();
    if (p.isEmpty() || p.first() != QLatin1String("jobs"))
        return {};
    if (p.size() == 1) return get ? QStringLiteral("B1") : QString();
    if (p.size() == 2) return get ? QStringLiteral("B2") : post ? QStringLiteral("B3") : QString();
    if (p.size() == 3 && p.at(2) == QLatin1String("stages")) return get ? QStringLiteral("B4") : QString();
    if (p.size() == 5 && p.at(2) == QLatin1String("stages") && p.at(4) == QLatin1String("tasks"))
        return get ? QStringLiteral("B5") : QString();
    if (p.size() == 3 && p.at(2) == QLatin1String("abort")) return post ? QStringLiteral("B6") : QString();
    if (p.size() == 3 && p.at(2) == QLatin1String("restart")) return post ? QStringLiteral("B7") : QString();
    if (p.size() == 3 && p.at(2) == QLatin1String("logs")) return get ? QStringLiteral("B8") : QString();
    return {};
}
}  // namespace

RouteTarget parseRouteTarget(const QString &method, const std::string &rawTarget)
{
    RouteTarget t;
    const QString target = QString::fromStdString(rawTarget);
    const QString rawPath = target.left(target.indexOf(QLatin1Char('?')) < 0 ? target.size() : target.indexOf(QLatin1Char('?')));
    // A base URL may carry a path prefix (http://h:p/emu), so the service marker is searched.
    for (const QString &marker : { kStagingMarker, kJobsMarker }) {
        const int at = int(rawPath.indexOf(marker));
        if (at < 0)
            continue;
        t.family = marker;
        const QStringList raw = rawPath.mid(at + marker.size()).split(QLatin1Char('/'), Qt::SkipEmptyParts);
        for (const QString &segment : raw)
            t.segments << QUrl::fromPercentEncoding(segment.toUtf8());
        t.workspace = t.segments.isEmpty() ? QString() : t.segments.takeFirst();
        break;
    }
    const bool get = method == QLatin1String("GET"), post = method == QLatin1String("POST");
    if (t.family.isEmpty()) {
        // W1 is the base URL itself; a path that names a service ("/data-staging…") is not.
        t.underService = rawPath.contains(QLatin1String("/data-staging")) || rawPath.contains(QLatin1String("/batch-processing"));
        if (!t.underService && (get || post))
            t.routeId = QStringLiteral("W1");   // POST / answers like GET / (issue 13)
        return t;
    }
    t.underService = true;
    t.routeId = t.family == kStagingMarker ? stagingRouteId(method, t.segments) : jobRouteId(method, t.segments);
    return t;
}

bool routeRequiresBearer(const QString &routeId)
{
    return routeId.startsWith(QLatin1Char('A'));
}

qint64 bodyLimitFor(const QString &routeId)
{
    if (routeId == QLatin1String("D7"))
        return 24 * 1024 * 1024;
    if (routeId == QLatin1String("D10") || routeId == QLatin1String("D11"))
        return kPayloadCapBytes;
    if (routeId == QLatin1String("A1"))
        return 16 * 1024 * 1024;
    return 1024 * 1024;
}

Credential credentialOf(const std::string &authorizationHeader, const std::string &queryKey)
{
    const QString header = QString::fromStdString(authorizationHeader).trimmed();
    if (header.startsWith(QLatin1String("Bearer "), Qt::CaseInsensitive))
        return { AuthScheme::Bearer, header.mid(7).trimmed() };
    if (!queryKey.empty())
        return { AuthScheme::Query, QString::fromStdString(queryKey) };
    return {};
}

bool isKnownKey(const QString &key, const QStringList &keys)
{
    if (key.isEmpty())
        return false;
    // Digests have one length, so neither the comparison nor its length leaks the key.
    const QByteArray given = QCryptographicHash::hash(key.toUtf8(), QCryptographicHash::Sha256);
    int matches = 0;
    for (const QString &known : keys) {
        const QByteArray expected = QCryptographicHash::hash(known.toUtf8(), QCryptographicHash::Sha256);
        matches |= int(CRYPTO_memcmp(given.constData(), expected.constData(), size_t(given.size())) == 0);
    }
    return matches != 0;
}

int RequestLog::append(LoggedRequest entry)
{
    QMutexLocker lock(&m_mutex);
    if (m_entries.size() >= kMaxEntries) {
        m_entries.removeFirst();
        ++m_dropped;
    }
    m_entries.append(std::move(entry));
    return m_dropped + int(m_entries.size()) - 1;
}

void RequestLog::setStatus(int index, int status)
{
    QMutexLocker lock(&m_mutex);
    const int at = index - m_dropped;
    if (at >= 0 && at < m_entries.size())
        m_entries[at].status = status;
}

QVector<LoggedRequest> RequestLog::entries() const
{
    QMutexLocker lock(&m_mutex);
    return m_entries;
}

}  // namespace bd::sandbox
