#pragma once
// Small output helpers shared by the commands: dates as rf-cloud shows them, JSONL files
// (§8.4: parent directories created, written atomically), compact JSON for table cells.
#include "core/Error.h"

#include <QDateTime>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <QVector>

namespace bd::cli {

QString formatDate(const QDateTime &utc);      // "29/11/2026" in local time; "-" when invalid
QString formatDateTime(const QDateTime &utc);  // "29/11/2026 10:00:00" in local time
QString compactJson(const QJsonValue &value);  // objects/arrays as compact JSON, strings as is

// One JSON object per line into `path`; false with `error` (Io) when it cannot be written.
bool writeJsonLines(const QString &path, const QVector<QJsonObject> &lines, Error *error);

}  // namespace bd::cli
