#include "core/ThreadPriority.h"

#include <algorithm>
#include <atomic>
#include <cerrno>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace bd::threads {

namespace {
std::atomic<int> g_nice{ 0 };
}

void setBackgroundNice(int increment)
{
    g_nice = increment;
}

int backgroundNice()
{
    return g_nice.load(std::memory_order_relaxed);
}

void lowerThisThread()
{
    thread_local bool done = false;
    const int increment = backgroundNice();
    if (done || increment <= 0)
        return;
    done = true;
    const pid_t tid = pid_t(::syscall(SYS_gettid));
    if (tid == ::getpid())
        return;   // the main (GUI) thread
    // PRIO_PROCESS with a thread id reads and sets that thread alone (Linux). getpriority may
    // return -1 as a value: errno tells. Failure only means no effect.
    errno = 0;
    const int now = ::getpriority(PRIO_PROCESS, id_t(tid));
    if (errno != 0)
        return;
    ::setpriority(PRIO_PROCESS, id_t(tid), std::min(19, now + increment));
}

}  // namespace bd::threads
