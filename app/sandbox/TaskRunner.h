#pragma once
// One worker thread running posted tasks in due-time order. The sandbox uses it for work that must
// not run on an HTTP request thread: webhook deliveries (with retry back-off) and reference fetches.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace bd::sandbox {

class TaskRunner
{
public:
    TaskRunner();
    ~TaskRunner();
    TaskRunner(const TaskRunner &) = delete;
    TaskRunner &operator=(const TaskRunner &) = delete;

    // Runs task on the worker after delayMs (0: as soon as possible). Ignored once stopped.
    void post(std::function<void()> task, int delayMs = 0);
    // Drops pending tasks and joins the worker; idempotent.
    void stop();
    // Blocks until no task is pending or running (tests and orderly shutdown).
    void waitIdle();

private:
    void run();

    using Clock = std::chrono::steady_clock;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::condition_variable m_idle;
    std::multimap<Clock::time_point, std::function<void()>> m_tasks;
    bool m_stopping = false;
    bool m_busy = false;
    std::thread m_thread;
};

}  // namespace bd::sandbox
