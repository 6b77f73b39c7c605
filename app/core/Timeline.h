#pragma once
// Timeline: where the wall time of a run goes, for benchmarks and slow-run reports. With
// BATCHDECK_TIMELINE=1 each mark() prints "timeline +<ms since the process started> <what>" to
// stderr; otherwise a mark costs one relaxed load. The clock is the process's own start (from
// /proc/self/stat), so the time before main() - loading libraries - is counted too.
#include <QString>

namespace bd::timeline {

bool enabled();
// Prints the mark (once per distinct `what` when `once` is set: the first shard, the first body).
void mark(const QString &what, bool once = false);

}  // namespace bd::timeline
