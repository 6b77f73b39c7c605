#pragma once
// Shows a bd::Operation's progress on stderr (stdout stays clean for --json). On a terminal: one
// live line redrawn with '\r' (percent, bytes, items, speed, ETA), at most ~10 times a second.
// Elsewhere (a pipe, a CI log): a plain line every few seconds. Always a last line at the end.
#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QTimer>

#include <cstdio>

namespace bd {
class Operation;
}

namespace bd::cli {

class ProgressPrinter : public QObject {
    Q_OBJECT
public:
    // Writes to `stream` (stderr by default); interactive when it is a terminal.
    explicit ProgressPrinter(Operation *operation, FILE *stream = stderr, QObject *parent = nullptr);
    ~ProgressPrinter() override;

    bool isInteractive() const { return m_interactive; }
    void setInteractive(bool interactive) { m_interactive = interactive; }
    // Minimum time between two printed updates: 100 ms on a terminal, 5 s otherwise by default.
    int intervalMs() const;
    void setPlainIntervalMs(int ms) { m_plainIntervalMs = ms; }

    // "Uploading  42% | 1.2 MB / 3.0 MB | 7/20 files | 850.0 kB/s | ETA 2s" (parts only when known).
    static QString describe(const Operation *operation);
    // How many lines / redraws were written so far (for tests).
    int updatesWritten() const { return m_updates; }

private:
    void onProgress();
    void onFinished();
    void print(bool final);

    QPointer<Operation> m_operation;
    FILE *m_stream;
    bool m_interactive = false;
    int m_plainIntervalMs = 5000;
    int m_updates = 0;
    int m_lastLength = 0;
    bool m_printedOnce = false;
    QElapsedTimer m_sinceLastPrint;
    QTimer m_pending;  // prints the latest state once the interval has passed
};

}  // namespace bd::cli
