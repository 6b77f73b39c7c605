#pragma once
// The export journal: what each export (one batch into one target folder) has downloaded so a
// restart resumes instead of starting over. Lives in the shared SQLite database (core/Database.h);
// every method is one short statement or transaction on the calling thread's connection.
#include "core/Error.h"

#include <QDateTime>
#include <QString>
#include <QVector>

#include <optional>

namespace bd {

enum class ExportState { Pending, Running, Completed, Failed, Cancelled };
// Extracting: a .tar extracted as it downloads (no .part); bytesDone is where a new run starts it
// over (every member before that byte is on disk).
enum class ExportFileState { Pending, Partial, Complete, Extracted, Failed, Extracting };

QString exportStateName(ExportState state);
ExportState exportStateFromName(const QString &name);
QString exportFileStateName(ExportFileState state);
ExportFileState exportFileStateFromName(const QString &name);

struct ExportRecord {
    qint64 id = 0;
    QString batchId;
    QString targetDir;
    QDateTime created;   // UTC
    ExportState state = ExportState::Pending;
};

struct ExportFileRecord {
    qint64 exportId = 0;
    QString key;             // identity key of spec §8.3 (ExportFileInfo::identityKey)
    QString partName;
    QString fileName;
    qint64 sizeExpected = -1;   // -1: unknown (signed URLs rarely tell before the GET)
    qint64 bytesDone = 0;
    ExportFileState state = ExportFileState::Pending;
    QString errorText;
};

class ExportJournal
{
public:
    ExportJournal() = default;

    // Creates the tables if needed; the other methods call it once per journal object.
    bool ensureSchema(Error *error = nullptr);

    // A new export row (state Pending); returns its id, or 0 with *error.
    qint64 createExport(const QString &batchId, const QString &targetDir, Error *error = nullptr);
    // The newest export of this batch into this folder that has not completed, if any.
    std::optional<ExportRecord> findUnfinished(const QString &batchId, const QString &targetDir, Error *error = nullptr);
    std::optional<ExportRecord> exportById(qint64 id, Error *error = nullptr);
    bool setExportState(qint64 id, ExportState state, Error *error = nullptr);
    // Exports not Completed (Pending, Running, Failed, Cancelled), newest first.
    QVector<ExportRecord> unfinishedExports(Error *error = nullptr);
    // Deletes the export and its files.
    bool removeExport(qint64 id, Error *error = nullptr);

    // Inserts or replaces the file row (key = exportId + key).
    bool upsertFile(const ExportFileRecord &file, Error *error = nullptr);
    // Records bytes received so far; the state becomes Partial.
    bool markProgress(qint64 exportId, const QString &key, qint64 bytesDone, Error *error = nullptr);
    // Sets the state (and error text, cleared when empty).
    bool markFileState(qint64 exportId, const QString &key, ExportFileState state,
                       const QString &errorText = {}, Error *error = nullptr);
    std::optional<ExportFileRecord> file(qint64 exportId, const QString &key, Error *error = nullptr);
    QVector<ExportFileRecord> files(qint64 exportId, Error *error = nullptr);
    // Files not yet Complete/Extracted (Pending, Partial, Failed).
    QVector<ExportFileRecord> unfinishedFiles(qint64 exportId, Error *error = nullptr);

private:
    bool ready(Error *error);
    bool m_schemaReady = false;
};

}  // namespace bd
