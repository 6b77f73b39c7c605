#include "exports/ExportJournal.h"

#include "core/Database.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

namespace bd {

namespace {
const char *const kExportStates[] = { "pending", "running", "completed", "failed", "cancelled" };
const char *const kFileStates[] = { "pending", "partial", "complete", "extracted", "failed", "extracting" };

template <typename E, size_t N>
E fromName(const char *const (&names)[N], const QString &name, E fallback)
{
    for (size_t i = 0; i < N; ++i) {
        if (name == QLatin1String(names[i]))
            return E(i);
    }
    return fallback;
}

bool fail(Error *error, const QSqlQuery &q, const QString &what)
{
    if (error)
        *error = Error(ErrorKind::Io, QStringLiteral("Export journal: cannot %1: %2").arg(what, q.lastError().text()));
    return false;
}

QString nowText()
{
    return QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
}

QVariant nullable(const QString &s)
{
    return s.isEmpty() ? QVariant() : QVariant(s);
}

ExportRecord readExport(const QSqlQuery &q)
{
    ExportRecord r;
    r.id = q.value(0).toLongLong();
    r.batchId = q.value(1).toString();
    r.targetDir = q.value(2).toString();
    r.created = QDateTime::fromString(q.value(3).toString(), Qt::ISODateWithMs);
    r.state = exportStateFromName(q.value(4).toString());
    return r;
}

ExportFileRecord readFile(const QSqlQuery &q)
{
    ExportFileRecord f;
    f.exportId = q.value(0).toLongLong();
    f.key = q.value(1).toString();
    f.partName = q.value(2).toString();
    f.fileName = q.value(3).toString();
    f.sizeExpected = q.value(4).isNull() ? -1 : q.value(4).toLongLong();
    f.bytesDone = q.value(5).toLongLong();
    f.state = exportFileStateFromName(q.value(6).toString());
    f.errorText = q.value(7).toString();
    return f;
}

const QString kExportColumns = QStringLiteral("id, batch_id, target_dir, created_at, state");
const QString kFileColumns =
    QStringLiteral("export_id, file_key, part_name, file_name, size_expected, bytes_done, state, error_text");
}  // namespace

QString exportStateName(ExportState state) { return QLatin1String(kExportStates[int(state)]); }
ExportState exportStateFromName(const QString &name) { return fromName(kExportStates, name, ExportState::Failed); }
QString exportFileStateName(ExportFileState state) { return QLatin1String(kFileStates[int(state)]); }
ExportFileState exportFileStateFromName(const QString &name)
{
    return fromName(kFileStates, name, ExportFileState::Pending);
}

bool ExportJournal::ensureSchema(Error *error)
{
    // The tables come from the one schema (core/Schema.cpp), migrated when the database opens.
    if (!database().isOpen()) {
        if (error)
            *error = databaseError();
        return false;
    }
    m_schemaReady = true;
    return true;
}

bool ExportJournal::ready(Error *error)
{
    return m_schemaReady || ensureSchema(error);
}

qint64 ExportJournal::createExport(const QString &batchId, const QString &targetDir, Error *error)
{
    if (!ready(error))
        return 0;
    QSqlQuery q(database());
    q.prepare(QStringLiteral("INSERT INTO exports (batch_id, target_dir, created_at, updated_at, state)"
                             " VALUES (?, ?, ?, ?, ?)"));
    const QString now = nowText();
    q.addBindValue(batchId);
    q.addBindValue(targetDir);
    q.addBindValue(now);
    q.addBindValue(now);
    q.addBindValue(exportStateName(ExportState::Pending));
    if (!q.exec()) {
        fail(error, q, QStringLiteral("record the export"));
        return 0;
    }
    return q.lastInsertId().toLongLong();
}

std::optional<ExportRecord> ExportJournal::findUnfinished(const QString &batchId, const QString &targetDir, Error *error)
{
    if (!ready(error))
        return std::nullopt;
    QSqlQuery q(database());
    q.prepare(QStringLiteral("SELECT %1 FROM exports WHERE batch_id = ? AND target_dir = ? AND state != ?"
                             " ORDER BY id DESC LIMIT 1").arg(kExportColumns));
    q.addBindValue(batchId);
    q.addBindValue(targetDir);
    q.addBindValue(exportStateName(ExportState::Completed));
    if (!q.exec()) {
        fail(error, q, QStringLiteral("look up the export"));
        return std::nullopt;
    }
    if (!q.next())
        return std::nullopt;
    return readExport(q);
}

std::optional<ExportRecord> ExportJournal::exportById(qint64 id, Error *error)
{
    if (!ready(error))
        return std::nullopt;
    QSqlQuery q(database());
    q.prepare(QStringLiteral("SELECT %1 FROM exports WHERE id = ?").arg(kExportColumns));
    q.addBindValue(id);
    if (!q.exec()) {
        fail(error, q, QStringLiteral("read the export"));
        return std::nullopt;
    }
    if (!q.next())
        return std::nullopt;
    return readExport(q);
}

bool ExportJournal::setExportState(qint64 id, ExportState state, Error *error)
{
    if (!ready(error))
        return false;
    QSqlQuery q(database());
    q.prepare(QStringLiteral("UPDATE exports SET state = ?, updated_at = ? WHERE id = ?"));
    q.addBindValue(exportStateName(state));
    q.addBindValue(nowText());
    q.addBindValue(id);
    return q.exec() || fail(error, q, QStringLiteral("update the export"));
}

QVector<ExportRecord> ExportJournal::unfinishedExports(Error *error)
{
    QVector<ExportRecord> out;
    if (!ready(error))
        return out;
    QSqlQuery q(database());
    q.prepare(QStringLiteral("SELECT %1 FROM exports WHERE state != ? ORDER BY id DESC").arg(kExportColumns));
    q.addBindValue(exportStateName(ExportState::Completed));
    if (!q.exec()) {
        fail(error, q, QStringLiteral("list exports"));
        return out;
    }
    while (q.next())
        out << readExport(q);
    return out;
}

bool ExportJournal::removeExport(qint64 id, Error *error)
{
    if (!ready(error))
        return false;
    QSqlDatabase db = database();
    QString text;
    // Explicit file delete too: foreign_keys may be off on connections opened elsewhere.
    const QString sid = QString::number(id);
    if (!execAll(db, { QStringLiteral("DELETE FROM export_files WHERE export_id = ") + sid,
                       QStringLiteral("DELETE FROM exports WHERE id = ") + sid }, &text)) {
        if (error)
            *error = Error(ErrorKind::Io, QStringLiteral("Export journal: cannot remove the export: %1").arg(text));
        return false;
    }
    return true;
}

bool ExportJournal::upsertFile(const ExportFileRecord &file, Error *error)
{
    if (!ready(error))
        return false;
    QSqlQuery q(database());
    q.prepare(QStringLiteral(
        "INSERT INTO export_files (export_id, file_key, part_name, file_name, size_expected, bytes_done, state,"
        " error_text, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(export_id, file_key) DO UPDATE SET part_name = excluded.part_name,"
        " file_name = excluded.file_name, size_expected = excluded.size_expected, bytes_done = excluded.bytes_done,"
        " state = excluded.state, error_text = excluded.error_text, updated_at = excluded.updated_at"));
    q.addBindValue(file.exportId);
    q.addBindValue(file.key);
    q.addBindValue(nullable(file.partName));
    q.addBindValue(file.fileName);
    q.addBindValue(file.sizeExpected < 0 ? QVariant() : QVariant(file.sizeExpected));
    q.addBindValue(file.bytesDone);
    q.addBindValue(exportFileStateName(file.state));
    q.addBindValue(nullable(file.errorText));
    q.addBindValue(nowText());
    return q.exec() || fail(error, q, QStringLiteral("record file %1").arg(file.fileName));
}

bool ExportJournal::markProgress(qint64 exportId, const QString &key, qint64 bytesDone, Error *error)
{
    if (!ready(error))
        return false;
    QSqlQuery q(database());
    q.prepare(QStringLiteral("UPDATE export_files SET bytes_done = ?, state = ?, updated_at = ?"
                             " WHERE export_id = ? AND file_key = ?"));
    q.addBindValue(bytesDone);
    q.addBindValue(exportFileStateName(ExportFileState::Partial));
    q.addBindValue(nowText());
    q.addBindValue(exportId);
    q.addBindValue(key);
    if (!q.exec())
        return fail(error, q, QStringLiteral("record progress of %1").arg(key));
    if (q.numRowsAffected() == 0) {
        if (error)
            *error = Error(ErrorKind::Internal, QStringLiteral("Export journal: no file %1 in export %2").arg(key).arg(exportId));
        return false;
    }
    return true;
}

bool ExportJournal::markFileState(qint64 exportId, const QString &key, ExportFileState state,
                                  const QString &errorText, Error *error)
{
    if (!ready(error))
        return false;
    QSqlQuery q(database());
    q.prepare(QStringLiteral("UPDATE export_files SET state = ?, error_text = ?, updated_at = ?"
                             " WHERE export_id = ? AND file_key = ?"));
    q.addBindValue(exportFileStateName(state));
    q.addBindValue(nullable(errorText));
    q.addBindValue(nowText());
    q.addBindValue(exportId);
    q.addBindValue(key);
    if (!q.exec())
        return fail(error, q, QStringLiteral("update file %1").arg(key));
    if (q.numRowsAffected() == 0) {
        if (error)
            *error = Error(ErrorKind::Internal, QStringLiteral("Export journal: no file %1 in export %2").arg(key).arg(exportId));
        return false;
    }
    return true;
}

std::optional<ExportFileRecord> ExportJournal::file(qint64 exportId, const QString &key, Error *error)
{
    if (!ready(error))
        return std::nullopt;
    QSqlQuery q(database());
    q.prepare(QStringLiteral("SELECT %1 FROM export_files WHERE export_id = ? AND file_key = ?").arg(kFileColumns));
    q.addBindValue(exportId);
    q.addBindValue(key);
    if (!q.exec()) {
        fail(error, q, QStringLiteral("read file %1").arg(key));
        return std::nullopt;
    }
    if (!q.next())
        return std::nullopt;
    return readFile(q);
}

QVector<ExportFileRecord> ExportJournal::files(qint64 exportId, Error *error)
{
    QVector<ExportFileRecord> out;
    if (!ready(error))
        return out;
    QSqlQuery q(database());
    q.prepare(QStringLiteral("SELECT %1 FROM export_files WHERE export_id = ? ORDER BY rowid").arg(kFileColumns));
    q.addBindValue(exportId);
    if (!q.exec()) {
        fail(error, q, QStringLiteral("list files"));
        return out;
    }
    while (q.next())
        out << readFile(q);
    return out;
}

QVector<ExportFileRecord> ExportJournal::unfinishedFiles(qint64 exportId, Error *error)
{
    QVector<ExportFileRecord> out;
    const QVector<ExportFileRecord> all = files(exportId, error);
    for (const ExportFileRecord &f : all) {
        if (f.state != ExportFileState::Complete && f.state != ExportFileState::Extracted)
            out << f;
    }
    return out;
}

}  // namespace bd
