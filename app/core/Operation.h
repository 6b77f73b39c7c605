#pragma once
// Operation: one long piece of work with progress and exactly one result, in the spirit of
// KDE's KJob ("job" already means a Batch Processing job here). Uploads, shard transfers,
// downloads, ingests, exports and every API request (api::ApiCall) are Operations; the UI
// watches them through signals only, the CLI and tests wait with exec().
//
// Contract:
//  - start() only schedules doStart() (zero-delay timer), so connect signals after creating.
//  - finished() fires exactly once, after error() is final; never before start() or cancel().
//    It is a private signal: only this base class emits it, from emitResult(), so a subclass
//    cannot finish twice and no other class can fake a result. (Qt 6.4's QPrivateSignal tag can
//    still be forged as `{}`; never do that — Qt 6.5 closes the gap.)
//  - cancel() ends the operation with ErrorKind::Cancelled via doCancel().
//  - suspend()/resume() work only if capabilities() has Suspendable; elapsed() excludes
//    suspended time; speed drops to 0 after 5 s without progress.
//  - Lifetime: autoDelete() is false by default, because most Operations have an owner (a queue,
//    a model row, a composite) that reads their result after finished() and deletes them itself.
//    With setAutoDelete(true) the base calls deleteLater() right after finished(); fire-and-forget
//    work (ApiCall turns it on in its constructor) needs no owner then.
//  - exec() blocks in a local event loop until the result is known and returns true on success.
//    It is the one way to wait (CLI, tests); it switches auto-delete off first (also withdrawing
//    the deletion posted when it had already finished), so the caller reads error() afterwards
//    and deletes the object (or leaves it to its QObject parent).
//  - setTimeout(ms): a deadline counted from start(); when it passes the operation is cancelled
//    (doCancel()) and finishes with ErrorKind::Timeout.
//
// Usage:
// \code
//     class CopyOperation : public bd::Operation {
//     protected:
//         void doStart() override { ...; setProcessedAmount(Unit::Bytes, n); ...; emitResult(); }
//         void doCancel() override { m_reply->abort(); }   // base then finishes with Cancelled
//     };
//
//     // GUI: asynchronous, the operation deletes itself after finished()
//     auto *op = new CopyOperation(this);
//     op->setAutoDelete(true);
//     connect(op, &bd::Operation::finished, this, [](bd::Operation *done) {
//         if (done->error())
//             qWarning() << done->error().fullText();
//     });
//     op->start();
//
//     // CLI / tests: blocking
//     CopyOperation copy;
//     if (!copy.exec())
//         return fail(copy.error());
// \endcode
#include "core/Error.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QObject>
#include <QVector>

#include <array>

class QTimer;

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
    // Start if not started, then wait in a local event loop (user input excluded) until
    // finished(); true when it finished without error. Switches auto-delete off (see above).
    // Returns false at once if the operation is deleted while waiting (do not touch it then).
    bool exec();

    // Delete itself (deleteLater) right after finished(). Default: false. Switching it off after
    // finished() withdraws the deletion already posted, so the object stays valid.
    void setAutoDelete(bool autoDelete);
    bool autoDelete() const { return m_autoDelete; }
    // Finish with ErrorKind::Timeout when not finished `ms` after start() (0 = no deadline,
    // the default). Set before start(); suspended time counts, too.
    void setTimeout(int ms) { m_timeoutMs = ms; }
    int timeout() const { return m_timeoutMs; }

    State state() const { return m_state; }
    bool isFinished() const { return m_state == State::Finished; }
    Capabilities capabilities() const { return m_capabilities; }
    // ErrorKind::None after a success; final once finished() was emitted.
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
    // Exactly once; only emitResult() emits it (QPrivateSignal: no one else can).
    void finished(bd::Operation *operation, QPrivateSignal);

protected:
    virtual void doStart() = 0;
    // Stop the work now; the base class then finishes with Cancelled (or Timeout) unless the
    // subclass has already called emitResult(). Default: nothing to stop.
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
    void onTimeout();

    State m_state = State::Created;
    Capabilities m_capabilities = Cancellable;
    bool m_autoDelete = false;
    bool m_deletePosted = false;    // emitResult() called deleteLater()
    int m_timeoutMs = 0;
    QTimer *m_deadline = nullptr;   // only while a timeout is armed
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
