#include "cli/ProgressPrinter.h"

#include "core/Format.h"
#include "core/Operation.h"
#include "core/Redact.h"

#include <QStringList>

#include <unistd.h>

namespace bd::cli {

namespace {
constexpr int kInteractiveIntervalMs = 100;  // ~10 redraws per second at most
}

ProgressPrinter::ProgressPrinter(Operation *operation, FILE *stream, QObject *parent)
    : QObject(parent)
    , m_operation(operation)
    , m_stream(stream)
    , m_interactive(stream && ::isatty(::fileno(stream)))
{
    m_pending.setSingleShot(true);
    connect(&m_pending, &QTimer::timeout, this, [this] { print(false); });
    if (operation) {
        connect(operation, &Operation::progressChanged, this, &ProgressPrinter::onProgress);
        connect(operation, &Operation::finished, this, &ProgressPrinter::onFinished);
    }
}

ProgressPrinter::~ProgressPrinter() = default;

int ProgressPrinter::intervalMs() const
{
    return m_interactive ? kInteractiveIntervalMs : m_plainIntervalMs;
}

QString ProgressPrinter::describe(const Operation *op)
{
    using U = Operation::Unit;
    QStringList parts;
    QString head = op->title().isEmpty() ? QStringLiteral("Progress") : op->title();
    parts << head + QStringLiteral(" %1%").arg(op->percent(), 3);
    const qint64 bytesTotal = op->totalAmount(U::Bytes);
    const qint64 bytesDone = op->processedAmount(U::Bytes);
    if (bytesTotal > 0)
        parts << formatBytes(bytesDone) + QStringLiteral(" / ") + formatBytes(bytesTotal);
    else if (bytesDone > 0)
        parts << formatBytes(bytesDone);
    const auto count = [&](U unit, const char *label) {
        const qint64 total = op->totalAmount(unit);
        const qint64 done = op->processedAmount(unit);
        if (total > 0)
            parts << QStringLiteral("%1/%2 %3").arg(done).arg(total).arg(QLatin1String(label));
        else if (done > 0)
            parts << QStringLiteral("%1 %2").arg(done).arg(QLatin1String(label));
    };
    count(U::Files, "files");
    count(U::Items, "items");
    if (bytesTotal > 0 || bytesDone > 0) {
        parts << formatSpeed(op->speed());
        if (!op->isFinished())
            parts << QStringLiteral("ETA ") + formatDuration(op->etaSeconds());
    }
    return parts.join(QStringLiteral(" | "));
}

void ProgressPrinter::onProgress()
{
    if (!m_printedOnce || (m_sinceLastPrint.isValid() && m_sinceLastPrint.elapsed() >= intervalMs())) {
        print(false);
        return;
    }
    // Too soon: show the latest state when the interval is over (one pending redraw at most).
    if (!m_pending.isActive())
        m_pending.start(int(qMax<qint64>(0, intervalMs() - m_sinceLastPrint.elapsed())));
}

void ProgressPrinter::onFinished()
{
    m_pending.stop();
    print(true);
}

void ProgressPrinter::print(bool final)
{
    if (!m_operation || !m_stream)
        return;
    QString text = redact(describe(m_operation));
    if (final && m_operation->error())
        text += QStringLiteral(" | stopped: ") + redact(m_operation->error().message);
    QByteArray bytes;
    if (m_interactive) {
        // Pad over the previous, possibly longer, line; the newline only at the end.
        const int length = int(text.size());
        bytes = '\r' + text.leftJustified(qMax(length, m_lastLength)).toUtf8();
        m_lastLength = length;
        if (final)
            bytes += '\n';
    } else {
        bytes = text.toUtf8() + '\n';
    }
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), m_stream);
    std::fflush(m_stream);
    ++m_updates;
    m_printedOnce = true;
    m_sinceLastPrint.start();
}

}  // namespace bd::cli
