#pragma once
// Operation: one long piece of work with progress and exactly one result, in the spirit of
// KDE's KJob ("job" already means a Batch Processing job here). Uploads, shard transfers,
// downloads, ingests and exports are Operations; the UI watches them through signals only.
//
// Contract:
//  - start() only schedules doStart() (zero-delay timer), so connect signals after creating.
//  - finished() fires exactly once, after error() is final; never before start().
//  - cancel() ends the operation with ErrorKind::Cancelled via doCancel().
//  - suspend()/resume() work only if capabilities() has Suspendable; elapsed() excludes
//    suspended time; speed drops to 0 after 5 s without progress.
#include "core/Error.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QObject>
#include <QVector>

#include <array>

namespace bd {

class Operation : public QObject
{
    Q_OBJECT
public:
    enum class Unit { Bytes = 0, Files = 1, Items = 2 };
    Q_ENUM(Unit)
    enum class State { Created, Running, Suspended, Finished };
    Q_ENUM(State)
    enum Capability { NoCapability = 0, Cancellable = 1, Suspendable = 2 };
    Q_DECLARE_FLAGS(Capabilities, Capability)

    explicit Operation(QObject *parent = nullptr);
    ~Operation() override;

    void start();
    void cancel();
    bool suspend();
    bool resume();

    State state() const { return m_state; }
    bool isFinished() const { return m_state == State::Finished; }
    Capabilities capabilities() const { return m_capabilities; }
    const Error &error() const { return m_error; }
    QString title() const { return m_title; }
    void setTitle(const QString &title);

    qint64 totalAmount(Unit unit) const { return m_total[idx(unit)]; }
    qint64 processedAmount(Unit unit) const { return m_processed[idx(unit)]; }
    // Percent of the progress unit (Bytes when a byte total is known, else Files, else Items).
    int percent() const;
    // Bytes per second, averaged over the last few seconds; 0 after 5 s of silence.
    double speed() const;
    // Seconds left at the current speed, or -1 when unknown.
    qint64 etaSeconds() const;
    // Milliseconds spent running, excluding suspended time.
    qint64 elapsed() const;

    // For the UI and the journal: the last info line the operation reported.
    QString statusText() const { return m_statusText; }

Q_SIGNALS:
    void stateChanged(bd::Operation::State state);
    void progressChanged();
    void statusTextChanged(const QString &text);
    void finished(bd::Operation *operation);

protected:
    virtual void doStart() = 0;
    // Stop the work now; the base class then finishes with Cancelled unless the subclass has
    // already called emitResult(). Default: nothing to stop.
    virtual void doCancel() {}
    virtual bool doSuspend() { return false; }
    virtual bool doResume() { return false; }

    void setCapabilities(Capabilities caps) { m_capabilities = caps; }
    void setTotalAmount(Unit unit, qint64 amount);
    void setProcessedAmount(Unit unit, qint64 amount);
    void addProcessedAmount(Unit unit, qint64 delta) { setProcessedAmount(unit, processedAmount(unit) + delta); }
    void setStatusText(const QString &text);
    // Finish with this result (no error = success). Later calls are ignored.
    void emitResult(const Error &error = {});

private:
    static int idx(Unit u) { return static_cast<int>(u); }
    void setState(State s);
    void sampleSpeed();

    State m_state = State::Created;
    Capabilities m_capabilities = Cancellable;
    Error m_error;
    QString m_title;
    QString m_statusText;
    std::array<qint64, 3> m_total{ -1, -1, -1 };
    std::array<qint64, 3> m_processed{ 0, 0, 0 };
    QElapsedTimer m_clock;          // runs from start()
    qint64 m_suspendedMs = 0;       // total time spent suspended
    qint64 m_suspendedSince = -1;   // clock ms when the current suspension began
    struct Sample { qint64 ms; qint64 bytes; };
    QVector<Sample> m_samples;      // recent (time, bytes) points for the speed average
    qint64 m_lastProgressMs = 0;
};

}  // namespace bd

Q_DECLARE_OPERATORS_FOR_FLAGS(bd::Operation::Capabilities)
