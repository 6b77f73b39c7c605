#include "core/Timeline.h"

#include <QFile>
#include <QMutex>
#include <QSet>

#include <cstdio>
#include <ctime>
#include <unistd.h>

namespace bd::timeline {
namespace {

// Milliseconds of CLOCK_MONOTONIC at which this process started (field 22 of /proc/self/stat,
// in clock ticks since boot, on the same clock as CLOCK_BOOTTIME; close enough to MONOTONIC
// when the machine never slept). 0 when unknown: then marks count from the first mark.
double processStartMs()
{
    QFile stat(QStringLiteral("/proc/self/stat"));
    if (!stat.open(QIODevice::ReadOnly))
        return 0;
    const QByteArray line = stat.readAll();
    const qsizetype close = line.lastIndexOf(')');   // the command name may hold spaces
    if (close < 0)
        return 0;
    const QList<QByteArray> fields = line.mid(close + 2).split(' ');
    // fields[0] is field 3 (state): starttime (field 22) is fields[19].
    if (fields.size() < 20)
        return 0;
    return double(fields.at(19).toLongLong()) * 1000.0 / double(sysconf(_SC_CLK_TCK));
}

double nowMs(clockid_t clock)
{
    timespec ts{};
    clock_gettime(clock, &ts);
    return double(ts.tv_sec) * 1000.0 + double(ts.tv_nsec) / 1e6;
}

}  // namespace

bool enabled()
{
    static const bool on = qEnvironmentVariableIntValue("BATCHDECK_TIMELINE") > 0;
    return on;
}

void mark(const QString &what, bool once)
{
    if (!enabled())
        return;
    static const double start = [] {
        const double s = processStartMs();
        return s > 0 ? s : nowMs(CLOCK_BOOTTIME);
    }();
    static QMutex mutex;
    static QSet<QString> seen;
    QMutexLocker lock(&mutex);
    if (once) {
        if (seen.contains(what))
            return;
        seen.insert(what);
    }
    std::fprintf(stderr, "timeline +%.1f ms %s\n", nowMs(CLOCK_BOOTTIME) - start, qPrintable(what));
}

}  // namespace bd::timeline
