// bench_gui: does the desktop window ever stall, and how fast does it start?
//
// 1. Cold start: launches `batchdeck --sandbox --print-startup-time` (offscreen, a fresh home) a
//    few times and measures from the launch to the line the app prints after its first painted
//    main window (the first run also creates the data folder and the demo data).
// 2. In this process: the main window on the embedded sandbox while a 10 ms heartbeat QTimer
//    records how late each tick fires (event-loop lateness), per phase:
//      connect   the session starts the sandbox (Session::startSandbox: on a worker thread, as
//                `batchdeck --sandbox` does) and the tabs load their lists,
//      drop      a folder of N tiny JPEGs (default 100 000) dropped on the drop zone: the dialog
//                scans it,
//      upload    Upload clicked: the ingest runs to a ready batch,
//      open      a batch of M files (default 1 000 000, seeded in the sandbox outside the
//                measurement) selected, its Files view opened and scrolled to the end and back.
//    Goals: max ≤ 50 ms and p99 ≤ 16 ms in every phase; cold start ≤ 0.5 s (Release build).
//    Each phase prints max / p99 / median lateness, "max busy" (the largest lateness the GUI
//    thread spent running, from its CPU time: the rest it waited for a core or in a blocking call)
//    and the load average (a loaded machine delays timers by itself: read the figures with it).
//
//   bench_gui [--files N] [--batch-files M] [--cold-runs K] [--skip-cold] [--skip-window]
//             [--trace-stalls MS] [--background-nice N]
// --trace-stalls prints every event delivery on the GUI thread that took MS ms or more (wall and
// CPU ms, the ms it waited for a core (Linux schedstat), receiver class, object name, event type, the innermost of nested deliveries, and the
// innermost bd:: functions of a stack sampled MS ms into it) and, per phase, a summary by side:
// "ui" (widgets, bd::ui, bd::session: the window's own work) or "core" (staging, api, exports, ...).
// Needs batchdeck in the same bin folder (BATCHDECK_BIN_DIR or ../bin next to this program).
#include "AppSession.h"
#include "BatchDetailPane.h"
#include "DropZone.h"
#include "IngestDialog.h"
#include "ListModels.h"
#include "MainWindow.h"
#include "StagingTab.h"
#include "TransferList.h"
#include "core/ThreadPriority.h"
#include "sandbox/Sandbox.h"
#include "staging/IngestOperation.h"

#include <QAbstractItemView>
#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QDragEnterEvent>
#include <QElapsedTimer>
#include <QFile>
#include <QMimeData>
#include <QProcess>
#include <QPushButton>
#include <QScrollBar>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTextStream>
#include <QThread>
#include <QTimer>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <ctime>
#include <cxxabi.h>
#include <execinfo.h>
#include <pthread.h>
#include <thread>
#include <functional>
#include <map>
#include <vector>
#include <unistd.h>

using namespace bd;

namespace {

QTextStream &out()
{
    static QTextStream s(stdout);
    return s;
}

QString loadAverage()
{
    QFile f(QStringLiteral("/proc/loadavg"));
    return f.open(QIODevice::ReadOnly) ? QString::fromLatin1(f.readAll()).section(QLatin1Char(' '), 0, 2) : QStringLiteral("?");
}

// An 8x8 grey JPEG after a COM segment that makes each file unique (≈ 200 bytes).
QByteArray tinyJpeg(const QByteArray &tag)
{
    static const QByteArray body = QByteArray::fromHex(
        "ffe000104a46494600010100000100010000ffdb004300100b0c0e0c0a100e0d0e1211101318281a181616183123251d283a"
        "333d3c3933383740485c4e404457453738506d51575f626768673e4d71797064785c656763ffc0000b080008000801011100"
        "ffc40014000100000000000000000000000000000001ffc40014100100000000000000000000000000000000ffda00080101"
        "00003f001fffd9");
    const int len = int(tag.size()) + 2;
    QByteArray b("\xFF\xD8\xFF\xFE", 4);
    b.append(char(len >> 8)).append(char(len & 0xFF)).append(tag).append(body);
    return b;
}

// Writes `count` images into `dir` in sub-folders of 1 000; false on the first write error.
bool writeImages(const QString &dir, int count)
{
    for (int i = 0; i < count; ++i) {
        const QString sub = QStringLiteral("%1/part-%2").arg(dir).arg(i / 1000, 4, 10, QLatin1Char('0'));
        if (i % 1000 == 0 && !QDir().mkpath(sub))
            return false;
        QFile f(QStringLiteral("%1/img-%2.jpg").arg(sub).arg(i, 7, 10, QLatin1Char('0')));
        if (!f.open(QIODevice::WriteOnly) || f.write(tinyJpeg(QByteArray::number(i))) <= 0)
            return false;
    }
    return true;
}

// Thread CPU time in ms: a delivery's own work, apart from the time the loaded machine took the
// core away from it (the wall time minus this is waiting).
double threadCpuMs()
{
    timespec ts {};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

// Time this thread spent runnable but not running (Linux's schedstat run_delay), in ms: of a
// delivery's wall time, what it waited for a core; the rest beyond its CPU time it was blocked
// (a lock, a page fault, I/O). -1 where the kernel does not tell.
double threadRunQueueWaitMs()
{
    QFile f(QStringLiteral("/proc/thread-self/schedstat"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QList<QByteArray> fields = f.readAll().simplified().split(' ');
    return fields.size() >= 2 ? fields.at(1).toDouble() / 1e6 : -1;
}

// Whose work a slow delivery was: "core" when the receiver or one of its ancestors is a core
// object (staging, api, exports, jobs, sandbox, ...: the other helpers' side), "ui" when it is a
// widget or a bd::ui / bd::session object, else "unattributed" (an unparented watcher or timer).
QString sideOf(const QObject *receiver)
{
    bool widget = false;
    for (const QObject *o = receiver; o; o = o->parent()) {
        const QString cls = QString::fromLatin1(o->metaObject()->className());
        if (cls.startsWith(QLatin1String("bd::ui::")) || cls.startsWith(QLatin1String("bd::session::")))
            return QStringLiteral("ui");
        if (cls.startsWith(QLatin1String("bd::")))
            return QStringLiteral("core");
        widget = widget || o->isWidgetType() || o->isWindowType();   // a QWidgetWindow: expose, first paint
    }
    return widget ? QStringLiteral("ui") : QStringLiteral("unattributed");
}

// Where a slow delivery spends its time: a watchdog thread interrupts the GUI thread (SIGPROF)
// once a delivery has run traceMs, and the handler records its stack. The innermost bd:: frames
// of that stack name the code (a receiver alone says little: an unparented future watcher, a
// lambda's context object), and decide the side when the receiver does not.
class StackSampler
{
public:
    static constexpr int kMaxFrames = 48;

    void start(int afterMs)
    {
        m_afterNs = qint64(afterMs) * 1000000;
        m_guiThread = pthread_self();
        void *warm[2];
        backtrace(warm, 2);   // loads libgcc now, not inside the handler
        struct sigaction action {};
        action.sa_handler = &StackSampler::onSignal;
        sigemptyset(&action.sa_mask);
        action.sa_flags = SA_RESTART;
        sigaction(SIGPROF, &action, nullptr);
        s_self = this;
        m_watchdog = std::thread([this] { watch(); });
    }
    void stop()
    {
        m_stopping = true;
        if (m_watchdog.joinable())
            m_watchdog.join();
    }
    // A top-level delivery starts / ends (GUI thread).
    void begin()
    {
        m_sampled.store(false);
        m_frames = 0;
        m_startNs.store(nowNs());
    }
    void end() { m_startNs.store(0); }
    // The bd:: frames of the stack sampled during the delivery that just ended, innermost first.
    QStringList ownFrames(int max) const
    {
        QStringList names;
        if (!m_sampled.load() || m_frames <= 0)
            return names;
        char **symbols = backtrace_symbols(m_stack, m_frames);
        for (int i = 0; symbols && i < m_frames && names.size() < max; ++i) {
            // "binary(mangled+0x12) [0x...]"
            const QByteArray line(symbols[i]);
            const int open = int(line.indexOf('(')), plus = int(line.indexOf('+', open));
            if (open < 0 || plus <= open + 1)
                continue;
            const QByteArray mangled = line.mid(open + 1, plus - open - 1);
            int status = -1;
            char *demangled = abi::__cxa_demangle(mangled.constData(), nullptr, nullptr, &status);
            QString name = status == 0 ? QString::fromLatin1(demangled) : QString::fromLatin1(mangled);
            std::free(demangled);
            const qsizetype own = name.indexOf(QLatin1String("bd::"));
            if (own < 0 || name.contains(QLatin1String("StackSampler")) || name.contains(QLatin1String("TimedApplication")))
                continue;
            name = name.mid(own).section(QLatin1Char('('), 0, 0);   // the function, not its argument types
            if (names.isEmpty() || names.last() != name)
                names << name;
        }
        std::free(symbols);
        return names;
    }

private:
    static qint64 nowNs()
    {
        timespec ts {};
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return qint64(ts.tv_sec) * 1000000000 + ts.tv_nsec;
    }
    static void onSignal(int)
    {
        StackSampler *self = s_self;
        if (!self || self->m_sampled.load())
            return;
        self->m_frames = backtrace(self->m_stack, kMaxFrames);
        self->m_sampled.store(true);
    }
    void watch()
    {
        while (!m_stopping) {
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
            const qint64 started = m_startNs.load();
            if (started > 0 && !m_sampled.load() && nowNs() - started >= m_afterNs)
                pthread_kill(m_guiThread, SIGPROF);
        }
    }

    static inline StackSampler *s_self = nullptr;
    qint64 m_afterNs = 0;
    pthread_t m_guiThread {};
    std::thread m_watchdog;
    std::atomic<bool> m_stopping { false };
    std::atomic<qint64> m_startNs { 0 };
    std::atomic<bool> m_sampled { false };
    void *m_stack[kMaxFrames] {};
    int m_frames = 0;
};

struct Stall
{
    double wallMs;
    double cpuMs;
    double waitMs;   // runnable, waiting for a core (threadRunQueueWaitMs)
    QString side;
    QString what;   // receiver class "name" (child of parent class) event type
    QStringList frames;   // the innermost bd:: frames sampled in it (StackSampler)
};

// A QApplication that times each event delivery on the GUI thread (--trace-stalls).
class TimedApplication : public QApplication
{
public:
    using QApplication::QApplication;
    int traceMs = 0;
    QString phase;
    StackSampler sampler;
    std::map<QString, std::vector<Stall>> stalls;   // per phase

    bool notify(QObject *receiver, QEvent *event) override
    {
        if (traceMs <= 0 || QThread::currentThread() != thread())
            return QApplication::notify(receiver, event);
        QElapsedTimer t;
        t.start();
        const double cpuBefore = threadCpuMs();
        const double waitBefore = threadRunQueueWaitMs();
        const int depth = ++m_depth;
        if (depth == 1)
            sampler.begin();
        const qint64 innerBefore = m_innerReported;
        // The receiver may be deleted by its own event (DeferredDelete): describe it first.
        const int type = int(event->type());
        const QString what = describe(receiver, type);
        const QString side = sideOf(receiver);
        const bool result = QApplication::notify(receiver, event);
        --m_depth;
        if (depth == 1)
            sampler.end();
        const double ms = t.nsecsElapsed() / 1e6;
        // Report the innermost slow delivery only (its callers contain it).
        if (ms >= traceMs && m_innerReported == innerBefore) {
            m_innerReported++;
            record(Stall { ms, threadCpuMs() - cpuBefore, threadRunQueueWaitMs() - waitBefore, side, what, {} }, depth);
        }
        return result;
    }

    // Work the benchmark itself runs on the GUI thread (show(), a click): timed like a delivery.
    void direct(const QString &what, const std::function<void()> &work)
    {
        QElapsedTimer t;
        t.start();
        const double cpuBefore = threadCpuMs();
        const double waitBefore = threadRunQueueWaitMs();
        const qint64 innerBefore = m_innerReported;
        if (traceMs > 0)
            sampler.begin();
        work();
        if (traceMs > 0)
            sampler.end();
        const double ms = t.nsecsElapsed() / 1e6;
        if (traceMs > 0 && ms >= traceMs && m_innerReported == innerBefore)
            record(Stall { ms, threadCpuMs() - cpuBefore, threadRunQueueWaitMs() - waitBefore, QStringLiteral("ui"), QStringLiteral("direct call ") + what, {} }, 0);
    }

    // Per phase: the slow deliveries by side (count, wall and CPU maxima) and the receivers that
    // stalled most, so what is left to fix, and whose it is, reads at a glance.
    void printStallSummary(const QString &ofPhase) const
    {
        if (traceMs <= 0)
            return;
        const auto it = stalls.find(ofPhase);
        const std::vector<Stall> none;
        const std::vector<Stall> &list = it == stalls.end() ? none : it->second;
        QStringList sides;
        for (const QString &side : { QStringLiteral("ui"), QStringLiteral("core"), QStringLiteral("unattributed") }) {
            int count = 0;
            double wall = 0, cpu = 0;
            for (const Stall &s : list)
                if (s.side == side) {
                    ++count;
                    wall = std::max(wall, s.wallMs);
                    cpu = std::max(cpu, s.cpuMs);
                }
            sides << QStringLiteral("%1 %2 (max %3 ms wall, %4 ms CPU)").arg(side).arg(count)
                         .arg(wall, 0, 'f', 1).arg(cpu, 0, 'f', 1);
        }
        out() << QStringLiteral("  %1: deliveries of %2 ms or more: %3").arg(ofPhase).arg(traceMs).arg(sides.join(QStringLiteral(", ")))
              << Qt::endl;
        std::map<QString, std::pair<int, double>> byWhat;   // count, max CPU
        for (const Stall &s : list) {
            auto &entry = byWhat[QStringLiteral("[%1] %2").arg(s.side, s.what)];
            entry.first++;
            entry.second = std::max(entry.second, s.cpuMs);
        }
        std::vector<std::pair<QString, std::pair<int, double>>> sorted(byWhat.begin(), byWhat.end());
        std::sort(sorted.begin(), sorted.end(), [](const auto &a, const auto &b) { return a.second.second > b.second.second; });
        for (size_t i = 0; i < sorted.size() && i < 8; ++i)
            out() << QStringLiteral("    %1 x%2, max %3 ms CPU").arg(sorted[i].first).arg(sorted[i].second.first)
                         .arg(sorted[i].second.second, 0, 'f', 1)
                  << Qt::endl;
    }

private:
    static QString describe(const QObject *receiver, int type)
    {
        const QObject *parent = receiver->parent();
        return QStringLiteral("%1 \"%2\" (child of %3) event %4")
            .arg(QString::fromLatin1(receiver->metaObject()->className()), receiver->objectName(),
                 parent ? QString::fromLatin1(parent->metaObject()->className()) : QStringLiteral("-"))
            .arg(type);
    }

    void record(Stall stall, int depth)
    {
        // A nested slow delivery's sample is its outermost delivery's: only the top level's is
        // its own (and the innermost bd:: frame decides an unattributed receiver's side).
        if (depth <= 1) {
            stall.frames = sampler.ownFrames(3);
            if (stall.side == QLatin1String("unattributed") && !stall.frames.isEmpty())
                stall.side = stall.frames.first().startsWith(QLatin1String("bd::ui::"))
                                     || stall.frames.first().startsWith(QLatin1String("bd::session::"))
                                 ? QStringLiteral("ui")
                                 : QStringLiteral("core");
            if (!stall.frames.isEmpty())
                stall.what += QStringLiteral(" in ") + stall.frames.join(QStringLiteral(" < "));
        }
        stalls[phase].push_back(stall);
        out() << QStringLiteral("  stall %1 ms (%2 ms CPU, %3 ms waiting for a core) in %4 [%5]: %6 (depth %7)")
                     .arg(stall.wallMs, 0, 'f', 1).arg(stall.cpuMs, 0, 'f', 1).arg(stall.waitMs, 0, 'f', 1)
                     .arg(phase, stall.side, stall.what).arg(depth)
              << Qt::endl;
    }

    int m_depth = 0;
    qint64 m_innerReported = 0;
};

TimedApplication *timedApp()
{
    return static_cast<TimedApplication *>(QCoreApplication::instance());
}

// A 10 ms heartbeat on the GUI thread: how late each tick fires, recorded per phase.
class Heartbeat
{
public:
    static constexpr int kIntervalMs = 10;

    Heartbeat()
    {
        m_timer.setTimerType(Qt::PreciseTimer);
        m_timer.setInterval(kIntervalMs);
        QObject::connect(&m_timer, &QTimer::timeout, [this] { tick(); });
    }
    void begin(const QString &phase)
    {
        m_phase = phase;
        timedApp()->phase = phase;
        m_order.push_back(phase);
        m_phaseClock.start();
        m_clock.start();
        m_cpuAtTick = threadCpuMs();
        m_timer.start();
    }
    // Ends the phase and prints its line at once (a later phase may never end).
    void end()
    {
        m_timer.stop();
        tick();
        m_durations[m_phase] = m_phaseClock.elapsed();
        bool met = true;
        printPhase(m_phase, &met);
        timedApp()->printStallSummary(m_phase);
    }
    static void printHeader()
    {
        out() << QStringLiteral("%1 %2 %3 %4 %5 %6 %7  %8").arg(QStringLiteral("phase"), -9).arg(QStringLiteral("seconds"), 8)
                     .arg(QStringLiteral("ticks"), 7).arg(QStringLiteral("max ms"), 8).arg(QStringLiteral("p99 ms"), 8)
                     .arg(QStringLiteral("med ms"), 8).arg(QStringLiteral("max busy"), 9)
                     .arg(QStringLiteral("goal (max ≤ 50, p99 ≤ 16)"))
              << Qt::endl;
    }
    void printPhase(const QString &phase, bool *allMet) const
    {
        std::vector<double> late = m_lateness.count(phase) ? m_lateness.at(phase) : std::vector<double>();
        std::sort(late.begin(), late.end());
        const double max = late.empty() ? 0 : late.back();
        const double p99 = late.empty() ? 0 : late[std::min(late.size() - 1, size_t(late.size() * 0.99))];
        const double median = late.empty() ? 0 : late[late.size() / 2];
        const std::vector<double> &busy = m_busy.count(phase) ? m_busy.at(phase) : std::vector<double>();
        const double maxBusy = busy.empty() ? 0 : *std::max_element(busy.begin(), busy.end());
        const bool met = max <= 50 && p99 <= 16;
        *allMet = *allMet && met;
        out() << QStringLiteral("%1 %2 %3 %4 %5 %6 %7  %8  (load %9)").arg(phase, -9)
                     .arg(m_durations.at(phase) / 1000.0, 8, 'f', 1).arg(late.size(), 7)
                     .arg(max, 8, 'f', 1).arg(p99, 8, 'f', 1).arg(median, 8, 'f', 1).arg(maxBusy, 9, 'f', 1)
                     .arg(met ? QStringLiteral("met") : QStringLiteral("MISSED"))
                     .arg(loadAverage())
              << Qt::endl;
    }
    void report(bool *allMet) const
    {
        out() << "Summary:" << Qt::endl;
        printHeader();
        for (const QString &phase : m_order)
            printPhase(phase, allMet);
    }

private:
    void tick()
    {
        const qint64 ns = m_clock.nsecsElapsed();
        m_clock.start();
        const double late = std::max(0.0, ns / 1e6 - kIntervalMs);
        const double cpu = threadCpuMs();
        m_lateness[m_phase].push_back(late);
        // The part of the lateness the GUI thread spent running (its CPU time in the interval):
        // the rest it waited, for a core (load) or in a blocking call.
        m_busy[m_phase].push_back(m_cpuAtTick < 0 ? 0 : std::min(late, cpu - m_cpuAtTick));
        m_cpuAtTick = cpu;
    }

    QTimer m_timer;
    QElapsedTimer m_clock;
    QElapsedTimer m_phaseClock;
    QString m_phase;
    std::vector<QString> m_order;
    std::map<QString, std::vector<double>> m_lateness;
    std::map<QString, std::vector<double>> m_busy;
    double m_cpuAtTick = -1;
    std::map<QString, qint64> m_durations;
};

// Runs the event loop until `done` holds (checked every 20 ms) or `timeoutMs` passes.
bool waitFor(const std::function<bool()> &done, int timeoutMs)
{
    QElapsedTimer t;
    t.start();
    while (!done()) {
        if (t.elapsed() > timeoutMs)
            return false;
        QEventLoop loop;
        QTimer::singleShot(20, &loop, &QEventLoop::quit);
        loop.exec();
    }
    return true;
}

void dropOn(QWidget *target, const QString &path)
{
    QMimeData mime;
    mime.setUrls({ QUrl::fromLocalFile(path) });
    const QPoint pos = target->rect().center();
    QDragEnterEvent enter(pos, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(target, &enter);
    QDropEvent drop(QPointF(pos), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(target, &drop);
}

QString binDir()
{
    const QString env = qEnvironmentVariable("BATCHDECK_BIN_DIR");
    if (!env.isEmpty())
        return env;
    QDir d(QCoreApplication::applicationDirPath());
    if (QFile::exists(d.filePath(QStringLiteral("batchdeck"))))
        return d.path();
    return QDir(d.filePath(QStringLiteral("../bin"))).canonicalPath();
}

// One `batchdeck --sandbox --print-startup-time` launch: ms from start to the first-paint line
// (-1 on failure), and the app's own figure (from main()) in *inside.
qint64 coldStart(const QString &home, qint64 *inside)
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    env.insert(QStringLiteral("BATCHDECK_DATA_DIR"), home + QStringLiteral("/data"));
    env.insert(QStringLiteral("BATCHDECK_CONFIG_FILE"), home + QStringLiteral("/batchdeck.ini"));
    p.setProcessEnvironment(env);
    p.setProcessChannelMode(QProcess::SeparateChannels);
    QElapsedTimer t;
    t.start();
    p.start(binDir() + QStringLiteral("/batchdeck"), { QStringLiteral("--sandbox"), QStringLiteral("--print-startup-time") });
    QByteArray line;
    qint64 ms = -1;
    while (p.waitForReadyRead(20000)) {
        line += p.readAllStandardOutput();
        if (line.contains('\n')) {
            ms = t.elapsed();
            break;
        }
    }
    p.waitForFinished(20000);
    if (p.state() != QProcess::NotRunning) {
        p.kill();
        p.waitForFinished();
    }
    const QList<QByteArray> words = line.trimmed().split(' ');
    *inside = words.size() == 2 && words.first() == "first-paint-ms" ? words.last().toLongLong() : -1;
    if (*inside < 0)
        out() << "  launch failed: " << line << p.readAllStandardError().left(2000) << Qt::endl;
    return *inside < 0 ? -1 : ms;
}

bool coldStarts(int runs)
{
    out() << "Cold start: batchdeck --sandbox to its first painted main window (offscreen), load average "
          << loadAverage() << Qt::endl;
    QTemporaryDir home;
    std::vector<qint64> warm;
    for (int i = 0; i < runs; ++i) {
        qint64 inside = -1;
        const qint64 ms = coldStart(home.path(), &inside);
        if (ms < 0)
            return false;
        out() << QStringLiteral("  run %1%2: %3 ms from launch (%4 ms from main())")
                     .arg(i + 1).arg(i == 0 ? QStringLiteral(" (new data folder)") : QString()).arg(ms).arg(inside)
              << Qt::endl;
        if (i > 0)
            warm.push_back(ms);
    }
    if (!warm.empty()) {
        std::sort(warm.begin(), warm.end());
        const qint64 median = warm[warm.size() / 2];
        out() << QStringLiteral("  median of the later runs: %1 ms (goal ≤ 500: %2)")
                     .arg(median).arg(median <= 500 ? QStringLiteral("met") : QStringLiteral("MISSED"))
              << Qt::endl;
        return median <= 500;
    }
    return true;
}

// The files view of the batch pane: the item view on its Files tab.
QAbstractItemView *filesView(ui::BatchDetailPane *pane)
{
    return pane->filesTable();
}

bool windowPhases(int files, int batchFiles)
{
    QTemporaryDir home, input;
    qputenv("BATCHDECK_DATA_DIR", home.filePath(QStringLiteral("data")).toUtf8());
    qputenv("BATCHDECK_CONFIG_FILE", home.filePath(QStringLiteral("batchdeck.ini")).toUtf8());
    const QString folder = input.filePath(QStringLiteral("bench-photos"));
    QElapsedTimer t;
    t.start();
    if (!writeImages(folder, files)) {
        out() << "could not write the images" << Qt::endl;
        return false;
    }
    // Flushed before any phase, as bench_ingest and bench_export do: otherwise the first fsync of
    // the ingest journal (ext4 orders it after every dirty block just written) writes these
    // 100 000 files back inside the upload phase, whose length then swung from 10 to 60 s.
    ::sync();
    out() << QStringLiteral("Window: %1 images written (and synced) in %2 s; load average %3")
                 .arg(files).arg(t.elapsed() / 1000.0, 0, 'f', 1).arg(loadAverage())
          << Qt::endl;

    Heartbeat heartbeat;
    out() << QStringLiteral("Event-loop lateness of a %1 ms heartbeat, per phase:").arg(Heartbeat::kIntervalMs) << Qt::endl;
    Heartbeat::printHeader();
    ui::AppSession session;
    ui::MainWindow window(&session);
    window.resize(1280, 800);
    ui::StagingTab *staging = window.stagingTab();

    heartbeat.begin(QStringLiteral("connect"));
    timedApp()->direct(QStringLiteral("MainWindow::show()"), [&] { window.show(); });
    timedApp()->direct(QStringLiteral("Session::startSandbox()"), [&] { session.startSandbox(1.0); });
    bool ok = waitFor([&] { return staging->model()->rowOfKey(QStringLiteral("demo-images")) >= 0; }, 60000);
    heartbeat.end();
    if (!ok) {
        out() << "the demo batches never appeared" << Qt::endl;
        return false;
    }

    heartbeat.begin(QStringLiteral("drop"));
    dropOn(staging->dropZone(), folder);
    ui::IngestDialog *dialog = staging->ingestDialog();
    // The scan, then the plan preview (a worker thread): Upload is enabled once both are shown.
    ok = dialog && waitFor([&] { return !dialog->isScanning() && dialog->uploadButton()->isEnabled(); }, 600000);
    heartbeat.end();
    if (!ok || dialog->scanResult().imageCount != files) {
        out() << "the scan did not find the images: " << (dialog ? dialog->scanResult().imageCount : -1) << Qt::endl;
        return false;
    }

    heartbeat.begin(QStringLiteral("upload"));
    timedApp()->direct(QStringLiteral("Upload clicked"), [&] { dialog->uploadButton()->click(); });
    ok = waitFor([&] { return !staging->transferLists().isEmpty() && staging->transferLists().first()->isFinished(); },
                 1800000);
    heartbeat.end();
    if (!ok) {
        out() << "the upload did not finish" << Qt::endl;
        return false;
    }

    // Seeding is the sandbox's work, not the window's: off the GUI thread, outside any phase.
    const QString largeBatch = QStringLiteral("large-batch");
    t.restart();
    QFuture<int> seeded = QtConcurrent::run([&] { return session.sandbox()->seedLargeBatch(largeBatch, batchFiles); });
    waitFor([&] { return seeded.isFinished(); }, 1800000);
    out() << QStringLiteral("  (a %1-file batch seeded in %2 s)").arg(seeded.result()).arg(t.elapsed() / 1000.0, 0, 'f', 1)
          << Qt::endl;

    heartbeat.begin(QStringLiteral("open"));
    timedApp()->direct(QStringLiteral("StagingTab::refresh()"), [&] { staging->refresh(); });
    ok = waitFor([&] { return staging->model()->rowOfKey(largeBatch) >= 0; }, 120000);
    ui::BatchDetailPane *pane = staging->detailPane();
    if (ok) {
        timedApp()->direct(QStringLiteral("StagingTab::selectBatch()"), [&] { staging->selectBatch(largeBatch); });
        ok = waitFor([&] { return pane->batchId() == largeBatch && pane->count() == batchFiles; }, 120000);
    }
    QAbstractItemView *view = filesView(pane);
    if (ok) {
        timedApp()->direct(QStringLiteral("BatchDetailPane::showFilesTab()"), [&] { pane->showFilesTab(); });
        ok = waitFor([&] { return view->model() && view->model()->rowCount() > 0; }, 120000);
    }
    // Scroll: to the end (a lazy view then fetches the pages it shows), and back to the top.
    for (int i = 0; ok && i < 20; ++i) {
        timedApp()->direct(QStringLiteral("Files view scrolled to the end"),
                           [&] { view->verticalScrollBar()->setValue(view->verticalScrollBar()->maximum()); });
        waitFor([] { return false; }, 100);
    }
    if (ok)
        timedApp()->direct(QStringLiteral("Files view scrolled to the top"), [&] { view->scrollToTop(); });
    waitFor([] { return false; }, 500);
    heartbeat.end();
    if (!ok) {
        out() << "the large batch's files never showed" << Qt::endl;
        return false;
    }
    out() << QStringLiteral("  (the Files view holds %1 rows after scrolling)").arg(view->model()->rowCount()) << Qt::endl;

    bool allMet = true;
    heartbeat.report(&allMet);
    return allMet;
}

}  // namespace

int main(int argc, char **argv)
{
    TimedApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Event-loop lateness and cold start of the desktop window"));
    parser.addHelpOption();
    const QCommandLineOption files(QStringLiteral("files"), QStringLiteral("Images in the dropped folder."),
                                   QStringLiteral("n"), QStringLiteral("100000"));
    const QCommandLineOption batchFiles(QStringLiteral("batch-files"), QStringLiteral("Files of the batch opened."),
                                        QStringLiteral("n"), QStringLiteral("1000000"));
    const QCommandLineOption coldRuns(QStringLiteral("cold-runs"), QStringLiteral("Cold-start launches."),
                                      QStringLiteral("n"), QStringLiteral("5"));
    const QCommandLineOption skipCold(QStringLiteral("skip-cold"), QStringLiteral("No cold-start launches."));
    const QCommandLineOption skipWindow(QStringLiteral("skip-window"), QStringLiteral("No in-process phases."));
    const QCommandLineOption traceStalls(QStringLiteral("trace-stalls"),
                                         QStringLiteral("Print GUI-thread event deliveries of at least this many ms."),
                                         QStringLiteral("ms"), QStringLiteral("0"));
    const QCommandLineOption backgroundNice(QStringLiteral("background-nice"),
                                            QStringLiteral("How much the worker threads raise their nice value (5, as batchdeck; 0, as the CLI)."),
                                            QStringLiteral("n"), QStringLiteral("5"));
    parser.addOptions({ files, batchFiles, coldRuns, skipCold, skipWindow, traceStalls, backgroundNice });
    parser.process(app);
    bd::threads::setBackgroundNice(parser.value(backgroundNice).toInt());
    app.traceMs = parser.value(traceStalls).toInt();
    if (app.traceMs > 0)
        app.sampler.start(app.traceMs);

    out() << "bench_gui: " << QThread::idealThreadCount() << " CPUs, load average " << loadAverage() << Qt::endl;
    bool met = true;
    if (!parser.isSet(skipCold))
        met = coldStarts(std::max(1, parser.value(coldRuns).toInt())) && met;
    if (!parser.isSet(skipWindow))
        met = windowPhases(std::max(1, parser.value(files).toInt()), std::max(1, parser.value(batchFiles).toInt())) && met;
    out() << (met ? "All goals met." : "Some goals MISSED.") << " Load average " << loadAverage() << Qt::endl;
    app.sampler.stop();
    return met ? 0 : 1;
}
