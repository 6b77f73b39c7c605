#pragma once
// Human-readable sizes, speeds and durations, shared by the GUI and the CLI.
#include <QDateTime>
#include <QString>

namespace bd {

QString formatBytes(qint64 bytes);          // "1.5 MB" (decimal units, as file managers show)
QString formatSpeed(double bytesPerSecond); // "12.3 MB/s"
QString formatDuration(qint64 seconds);     // "1h 02m", "3m 05s", "42s"; "--" when < 0
// ISO-8601 with offset, as the API sends; the result is invalid if the text has no offset.
QDateTime parseApiTimestamp(const QString &text);
QString toApiTimestamp(const QDateTime &utc); // "2026-11-29T10:00:00.123Z"

}  // namespace bd
