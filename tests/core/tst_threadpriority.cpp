// Worker threads give way to the GUI thread: each lowers itself once by the configured increment,
// the main thread never, and nothing changes when no increment is set (the CLI).
#include "core/ThreadPriority.h"

#include <QDir>
#include <QFile>
#include <QTest>
#include <QThreadPool>

#include <cerrno>
#include <future>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>

namespace {

int niceOf(pid_t tid)
{
    errno = 0;
    const int value = ::getpriority(PRIO_PROCESS, id_t(tid));
    return errno == 0 ? value : -100;
}

pid_t currentTid()
{
    return pid_t(::syscall(SYS_gettid));
}

// The nice value a fresh thread has, and the one it has after lowerThisThread() (twice).
std::pair<int, int> lowerFreshThread()
{
    int before = -100;
    int after = -100;
    std::thread t([&] {
        before = niceOf(currentTid());
        bd::threads::lowerThisThread();
        bd::threads::lowerThisThread();   // once per thread, not once per call
        after = niceOf(currentTid());
    });
    t.join();
    return { before, after };
}

}  // namespace

class TstThreadPriority : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void cleanup() { bd::threads::setBackgroundNice(0); }

    void noIncrementLeavesThreadsAlone()
    {
        bd::threads::setBackgroundNice(0);
        const auto [before, after] = lowerFreshThread();
        QVERIFY(before != -100);
        QCOMPARE(after, before);
    }

    void aWorkerLowersItselfOnceByTheIncrement()
    {
        bd::threads::setBackgroundNice(5);
        const auto [before, after] = lowerFreshThread();
        QVERIFY(before != -100);
        QCOMPARE(after, qMin(19, before + 5));
    }

    void neverBeyondNineteen()
    {
        bd::threads::setBackgroundNice(40);
        const auto [before, after] = lowerFreshThread();
        QCOMPARE(after, 19);
        QVERIFY(after >= before);
    }

    void theMainThreadIsNeverLowered()
    {
        bd::threads::setBackgroundNice(5);
        const int before = niceOf(currentTid());
        bd::threads::lowerThisThread();
        QCOMPARE(niceOf(currentTid()), before);
    }

    // A pooled task (as the scan, the journal copy and the extractions run) leaves its pool thread
    // lowered: it is seen from outside, in /proc/self/task/<tid>/stat (field 19: nice).
    void aPooledWorkerIsSeenLoweredFromOutside()
    {
        bd::threads::setBackgroundNice(5);
        QThreadPool pool;
        const int base = niceOf(currentTid());
        std::promise<pid_t> ran;
        pool.start([&ran] {
            bd::threads::lowerThisThread();
            ran.set_value(currentTid());
        });
        const pid_t tid = ran.get_future().get();
        QFile stat(QStringLiteral("/proc/self/task/%1/stat").arg(tid));
        QVERIFY(stat.open(QIODevice::ReadOnly));
        const QByteArray line = stat.readAll();
        // Fields after the command name (which may hold spaces) start after the last ')'.
        const QList<QByteArray> fields = line.mid(line.lastIndexOf(')') + 2).split(' ');
        QVERIFY(fields.size() > 16);
        QCOMPARE(fields.at(16).toInt(), qMin(19, base + 5));   // field 19 overall: nice
    }
};

QTEST_GUILESS_MAIN(TstThreadPriority)
#include "tst_threadpriority.moc"
