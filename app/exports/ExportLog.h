#pragma once
// The export resume log of spec §8.3: <target>/.export_log.jsonl, one JSON object per completed
// file, shared with Roboflow's Python CLI in both directions:
//   {"file_metadata": {"downloadURL": ..., "fileName": ..., "partName": null, ...}, "local_path": "..."}
// Reading tolerates garbage lines (a crash mid-line, hand edits): they are reported, not fatal.
// Appends are crash-safe: O_APPEND, one whole line per write() before append() returns, so a
// killed process loses no line. fsync is grouped (group commit): sync() flushes every line
// appended since the last one — the export calls it at most every 100 ms and at its end — and
// append() itself syncs once kSyncEveryLines lines wait. The file is opened once, below its
// folder's fd with links refused (ConfinedDir): a planted symlink or hard link is an error.
#include "core/Error.h"
#include "exports/ExportFileInfo.h"

#include <QHash>
#include <QMutex>
#include <QString>
#include <QStringList>
#include <QVector>

namespace bd {

class ExportLog
{
public:
    struct Entry {
        ExportFileInfo file;
        QString localPath;   // for archives: the folder they were extracted into
    };

    static QString fileName() { return QStringLiteral(".export_log.jsonl"); }

    // The log of the export rooted at targetDir (shared by all parts).
    explicit ExportLog(const QString &targetDir);
    ~ExportLog();   // syncs what is pending and closes the file
    ExportLog(const ExportLog &) = delete;
    ExportLog &operator=(const ExportLog &) = delete;

    // Lines appended without an fsync before append() syncs by itself.
    static constexpr int kSyncEveryLines = 256;

    QString path() const { return m_path; }

    // Reads the whole log. A missing file is an empty log (true). Unparseable lines are kept out
    // of the entries and described in problems(); only an unreadable file returns false.
    bool load(Error *error = nullptr);
    QStringList problems() const;
    QVector<Entry> entries() const;

    // Appends one line for a completed file and remembers it. Thread-safe (the queue downloads
    // in parallel). On failure *error names the log file and nothing is remembered.
    bool append(const ExportFileInfo &file, const QString &localPath, Error *error = nullptr);
    // fsync of the lines appended since the last sync (nothing to do: true).
    bool sync(Error *error = nullptr);
    int unsyncedLines() const;

    bool contains(const QString &key) const;
    QString localPath(const QString &key) const;
    // Logged AND its local_path still exists: the file can be skipped (unless overriding).
    bool isDone(const QString &key) const;

    // One log line (without the newline) in the Python CLI's shape; exposed for tests.
    static QByteArray encodeLine(const ExportFileInfo &file, const QString &localPath);
    // Parses one line; false with *why when it is not a log entry.
    static bool decodeLine(const QByteArray &line, Entry *entry, QString *why);

private:
    int openConfined(int flags, Error *error) const;
    bool syncLocked(Error *error);

    QString m_dir;
    QString m_path;
    mutable QMutex m_mutex;
    QVector<Entry> m_entries;
    QHash<QString, qsizetype> m_byKey;   // identity key -> index in m_entries (last wins)
    QStringList m_problems;
    int m_appendFd = -1;      // open for appends since the first one
    int m_unsynced = 0;       // lines written since the last fsync
};

}  // namespace bd
