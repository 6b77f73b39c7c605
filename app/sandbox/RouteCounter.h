#pragma once
// Requests seen per route id since start (Sandbox::requestCount); shared by both hosts.
#include <QHash>
#include <QMutex>
#include <QString>

namespace bd::sandbox {

class RouteCounter
{
public:
    void count(const QString &routeId)
    {
        QMutexLocker lock(&m_mutex);
        ++m_counts[routeId];
    }
    int value(const QString &routeId) const
    {
        QMutexLocker lock(&m_mutex);
        return m_counts.value(routeId);
    }

private:
    mutable QMutex m_mutex;
    QHash<QString, int> m_counts;
};

}  // namespace bd::sandbox
