#pragma once
// Output shared by the commands: dates as rf-cloud shows them, JSONL files (§8.4: parent
// directories created, written atomically), compact JSON for table cells, and the one printer of
// every list-* command (Listing: its table, --json and -o JSONL described once).
//
// Redaction: human output (tables, messages) and logs are redacted. Machine output (--json, -o)
// is the data the user asked for: a listing's requested URLs (signed download URLs) are printed
// whole so a script can fetch them; every other string is still redacted, so a server echoing
// the API key back in a free-form field does not leak it.
#include "core/Error.h"

#include <QJsonArray>
#include <QStringList>

#include <functional>

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

class CliContext;

// Every string in `value` redacted, except the values of keys in `keepWhole` (at any depth).
QJsonValue redactExcept(const QJsonValue &value, const QStringList &keepWhole);

template <class Row>
struct Listing {
    struct Column {
        QString header;                          // the table's header: "FILE NAME"
        std::function<QString(const Row &)> cell;
    };
    QList<Column> columns;                       // the human table
    std::function<QJsonObject(const Row &)> json;      // --json: one object per row
    std::function<QJsonObject(const Row &)> jsonLine;  // -o FILE: one JSONL line per row (snake_case)
    QStringList requestedUrlKeys;                // printed whole in machine output ("downloadURL")
    QString noRows;                              // "No batches found." (empty: print the empty table)
    QString rowsWritten;                         // "entries", "log entries": "Written 3 entries to x"
};

namespace detail {
int printListing(CliContext &ctx, const QList<QString> &headers, const QList<QStringList> &cells,
                 const QJsonArray &json, const QVector<QJsonObject> &lines, const QStringList &keepWhole,
                 const QString &outputFile, const QString &noRows, const QString &rowsWritten,
                 const QStringList &notes);
}

// Prints `rows` as `listing` says: a JSONL file when `outputFile` is set (and a one-line summary,
// or {"outputFile", "entries"} with --json), else the JSON array with --json, else the table and
// `notes` under it. Returns the exit code (1 when the file cannot be written).
template <class Row>
int printListing(CliContext &ctx, const Listing<Row> &listing, const QVector<Row> &rows,
                 const QString &outputFile = {}, const QStringList &notes = {})
{
    QList<QString> headers;
    for (const auto &c : listing.columns)
        headers << c.header;
    QList<QStringList> cells;
    QJsonArray json;
    QVector<QJsonObject> lines;
    for (const Row &row : rows) {
        if (!outputFile.isEmpty()) {
            lines.append(listing.jsonLine(row));
            continue;
        }
        json.append(listing.json(row));
        QStringList line;
        for (const auto &c : listing.columns)
            line << c.cell(row);
        cells << line;
    }
    return detail::printListing(ctx, headers, cells, json, lines, listing.requestedUrlKeys, outputFile,
                                listing.noRows, listing.rowsWritten, notes);
}

}  // namespace bd::cli
