#pragma once
// ExportRunJournal: one ExportOperation's use of the SQLite export journal (ExportJournal.h) — the
// export row of each (batch, target folder), the file rows as this run moves them along (started,
// bytes on disk, Complete, Extracted, Failed), the rows as they were before this run (one read per
// export, for "already done?"), and the first journal failure, which ends the export (without its
// journal an export cannot promise a resume). Inactive (every call a no-op) when the export runs
// without a journal. Main thread only.
#include "core/Error.h"
#include "exports/ExportJournal.h"
#include "exports/ExportPlanner.h"

#include <QHash>
#include <QString>

#include <memory>
#include <optional>

namespace bd {

class ExportRunJournal
{
public:
    // Creates the schema; false with *error when the database cannot hold a journal.
    bool open(Error *error);
    bool isOpen() const { return bool(m_journal); }

    // The export row of this batch into this root: the unfinished one of an earlier run, else a
    // new one; marked Running. 0 when inactive or on a failure (noted in error()).
    qint64 exportIdFor(const QString &batchId, const QString &root);
    // The file's state before this run started, if the journal had a row for it.
    std::optional<ExportFileState> stateBeforeRun(const PlannedFile &file);
    // Where an earlier run left this archive's streamed extraction (state Extracting), else 0.
    qint64 streamOffsetBeforeRun(const PlannedFile &file);

    // The file's GET starts with `bytesOnDisk` already in its .part (Partial when > 0, else Pending).
    void started(const PlannedFile &file, qint64 bytesOnDisk);
    // The GET ended without the file: what is on disk stays for a resume (Partial).
    void progress(const PlannedFile &file, qint64 bytesOnDisk);
    void setState(const PlannedFile &file, ExportFileState state);
    // A streamed extraction may start over at `offset` (state Extracting).
    void streamCheckpoint(const PlannedFile &file, qint64 offset);
    // Upsert, not update: a file refused at planning never had a row.
    void failed(const PlannedFile &file, qint64 bytesOnDisk, const QString &errorText);
    // Every export row of this run gets `state`; failures are noted unless `quiet`.
    void finishExports(ExportState state, bool quiet = false);

    // The first journal failure (none while everything was recorded).
    const Error &error() const { return m_error; }
    void noteError(const Error &error);

private:
    ExportFileRecord recordFor(const PlannedFile &file, qint64 bytesOnDisk, ExportFileState state) const;
    const ExportFileRecord *rowBeforeRun(const PlannedFile &file);

    std::unique_ptr<ExportJournal> m_journal;
    QHash<QString, qint64> m_exportIds;                             // by batch + root
    QHash<qint64, QHash<QString, ExportFileRecord>> m_rowsBeforeRun; // per export id, by key
    Error m_error;
};

}  // namespace bd
