#pragma once
// Background threads yield to the window. In the desktop app every worker (scan, journal, tar
// and transfers, extraction, the embedded sandbox) lowers its own scheduling weight once, so a
// GUI thread that wakes for a repaint or a timer is picked before them instead of waiting its
// turn behind them on a busy machine (bench_gui traced 1-4 ms repaints waiting 5-22 ms for a
// core). Linux gives each thread its own nice value; the main thread is never lowered (Qt may run
// a queued task on a thread that waits for it). The command-line tool sets nothing: there the
// workers are the point.
namespace bd::threads {

// How much workers raise their nice value above the process's (0, the default, leaves every
// thread alone). Set once at start-up, before the first worker runs.
void setBackgroundNice(int increment);
int backgroundNice();

// Raises the calling thread's nice value by backgroundNice() (at most to 19): once per thread,
// a thread-local check after. Relative, so a client started under `nice` stays below it too.
void lowerThisThread();

}  // namespace bd::threads
