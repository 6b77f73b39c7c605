#include "sandbox/TaskRunner.h"

namespace bd::sandbox {

TaskRunner::TaskRunner() : m_thread([this] { run(); }) {}

TaskRunner::~TaskRunner() { stop(); }

void TaskRunner::post(std::function<void()> task, int delayMs)
{
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping)
            return;
        m_tasks.emplace(Clock::now() + std::chrono::milliseconds(delayMs), std::move(task));
    }
    m_wake.notify_one();
}

void TaskRunner::stop()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
        m_tasks.clear();
    }
    m_wake.notify_all();
    if (m_thread.joinable() && m_thread.get_id() != std::this_thread::get_id())
        m_thread.join();
}

void TaskRunner::waitIdle()
{
    std::unique_lock lock(m_mutex);
    m_idle.wait(lock, [this] { return m_stopping || (m_tasks.empty() && !m_busy); });
}

void TaskRunner::run()
{
    std::unique_lock lock(m_mutex);
    while (!m_stopping) {
        if (m_tasks.empty()) {
            m_idle.notify_all();
            m_wake.wait(lock);
            continue;
        }
        const auto due = m_tasks.begin()->first;
        if (Clock::now() < due) {
            m_wake.wait_until(lock, due);
            continue;
        }
        auto task = std::move(m_tasks.begin()->second);
        m_tasks.erase(m_tasks.begin());
        m_busy = true;
        lock.unlock();
        task();
        lock.lock();
        m_busy = false;
    }
    m_idle.notify_all();
}

}  // namespace bd::sandbox
