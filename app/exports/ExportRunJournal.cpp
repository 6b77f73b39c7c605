#include "exports/ExportRunJournal.h"

#include <QObject>

namespace bd {

bool ExportRunJournal::open(Error *error)
{
    m_journal = std::make_unique<ExportJournal>();
    if (m_journal->ensureSchema(error))
        return true;
    m_journal.reset();
    return false;
}

qint64 ExportRunJournal::exportIdFor(const QString &batchId, const QString &root)
{
    if (!m_journal)
        return 0;
    const QString key = batchId + QLatin1Char('\n') + root;
    const auto it = m_exportIds.constFind(key);
    if (it != m_exportIds.cend())
        return it.value();
    qint64 id = 0;
    Error error;
    if (const auto unfinished = m_journal->findUnfinished(batchId, root, &error))
        id = unfinished->id;
    else if (!error)
        id = m_journal->createExport(batchId, root, &error);
    if (id > 0)
        m_journal->setExportState(id, ExportState::Running, &error);
    if (error || id <= 0)
        noteError(error ? error : Error(ErrorKind::Io, QObject::tr("Export journal: no record for batch %1").arg(batchId)));
    m_exportIds.insert(key, id);
    return id;
}

const ExportFileRecord *ExportRunJournal::rowBeforeRun(const PlannedFile &file)
{
    const qint64 id = exportIdFor(file.batchId, file.targetRoot);
    if (id <= 0)
        return nullptr;
    auto rows = m_rowsBeforeRun.find(id);
    if (rows == m_rowsBeforeRun.end()) {
        // One read of the export's rows instead of a query per listed file.
        QHash<QString, ExportFileRecord> records;
        Error error;
        for (const ExportFileRecord &record : m_journal->files(id, &error))
            records.insert(record.key, record);
        if (error)
            noteError(error);
        rows = m_rowsBeforeRun.insert(id, records);
    }
    const auto row = rows->constFind(file.key());
    return row == rows->cend() ? nullptr : &row.value();
}

std::optional<ExportFileState> ExportRunJournal::stateBeforeRun(const PlannedFile &file)
{
    const ExportFileRecord *row = rowBeforeRun(file);
    if (!row)
        return std::nullopt;
    return row->state;
}

qint64 ExportRunJournal::streamOffsetBeforeRun(const PlannedFile &file)
{
    const ExportFileRecord *row = rowBeforeRun(file);
    return row && row->state == ExportFileState::Extracting ? qMax<qint64>(0, row->bytesDone) : 0;
}

ExportFileRecord ExportRunJournal::recordFor(const PlannedFile &file, qint64 bytesOnDisk, ExportFileState state) const
{
    ExportFileRecord record;
    record.exportId = m_exportIds.value(file.batchId + QLatin1Char('\n') + file.targetRoot);
    record.key = file.key();
    record.partName = file.file.partName;
    record.fileName = file.file.fileName;
    record.bytesDone = bytesOnDisk;
    record.state = state;
    return record;
}

void ExportRunJournal::started(const PlannedFile &file, qint64 bytesOnDisk)
{
    if (!m_journal || exportIdFor(file.batchId, file.targetRoot) <= 0)
        return;
    Error error;
    if (!m_journal->upsertFile(recordFor(file, bytesOnDisk, bytesOnDisk > 0 ? ExportFileState::Partial
                                                                            : ExportFileState::Pending),
                               &error))
        noteError(error);
}

void ExportRunJournal::progress(const PlannedFile &file, qint64 bytesOnDisk)
{
    const qint64 id = exportIdFor(file.batchId, file.targetRoot);
    Error error;
    if (id > 0 && !m_journal->markProgress(id, file.key(), bytesOnDisk, &error))
        noteError(error);
}

void ExportRunJournal::setState(const PlannedFile &file, ExportFileState state)
{
    const qint64 id = exportIdFor(file.batchId, file.targetRoot);
    Error error;
    if (id > 0 && !m_journal->markFileState(id, file.key(), state, QString(), &error))
        noteError(error);
}

void ExportRunJournal::streamCheckpoint(const PlannedFile &file, qint64 offset)
{
    if (!m_journal || exportIdFor(file.batchId, file.targetRoot) <= 0)
        return;
    Error error;
    if (!m_journal->upsertFile(recordFor(file, qMax<qint64>(0, offset), ExportFileState::Extracting), &error))
        noteError(error);
}

void ExportRunJournal::failed(const PlannedFile &file, qint64 bytesOnDisk, const QString &errorText)
{
    if (!m_journal || exportIdFor(file.batchId, file.targetRoot) <= 0)
        return;
    ExportFileRecord record = recordFor(file, bytesOnDisk, ExportFileState::Failed);
    record.errorText = errorText;
    Error error;
    if (!m_journal->upsertFile(record, &error))
        noteError(error);
}

void ExportRunJournal::finishExports(ExportState state, bool quiet)
{
    if (!m_journal)
        return;
    for (auto it = m_exportIds.cbegin(); it != m_exportIds.cend(); ++it) {
        Error error;
        if (it.value() > 0 && !m_journal->setExportState(it.value(), state, &error) && !quiet)
            noteError(error);
    }
}

void ExportRunJournal::noteError(const Error &error)
{
    if (!m_error)
        m_error = error ? error : Error(ErrorKind::Io, QObject::tr("Export journal: unknown database error"));
}

}  // namespace bd
