// ExportOperation's target folders: each locked for the run (one export at a time per folder),
// its export log read before any file is admitted and synced in groups, the names an extraction
// into it must leave alone, and the files a previous run already exported there.
#include "core/Database.h"
#include "core/Timeline.h"
#include "exports/ConfinedDir.h"
#include "exports/ExportLayout.h"
#include "exports/ExportLog.h"
#include "exports/ExportOperation.h"

#include <QDir>
#include <QFileInfo>
#include <QTimer>

#include <cerrno>
#include <sys/file.h>

namespace bd {

namespace {
constexpr int kTargetLockPollMs = 250;   // another export holds a folder: look again this often
}

// One export at a time per target folder: an flock on the folder itself (no extra file in the
// tree), held until this operation is destroyed. Another export into it (a second command, one
// left running by a killed parent, the GUI) is waited for, so two never append to one .part and
// race to rename it ("Could not move <name>.part into place: No such file or directory").
// Folders are locked in sorted order, so two exports sharing several folders cannot deadlock.
void ExportOperation::lockTargets()
{
    if (isFinished())
        return;
    QStringList roots;
    for (const ExportSource &source : m_planner->sources())
        roots << source.targetRoot;
    roots.sort();
    roots.removeDuplicates();
    for (const QString &root : std::as_const(roots)) {
        if (m_targetLocks.contains(root))
            continue;
        Error error;
        auto dir = std::make_shared<ConfinedDir>(ConfinedDir::open(root, true, &error));
        if (!dir->isValid())
            return emitResult(Error(error.kind, tr("Could not create the target folder %1: %2").arg(root, error.message)));
        if (::flock(dir->fd(), LOCK_EX | LOCK_NB) != 0) {
            if (errno != EWOULDBLOCK)
                return emitResult(Error(ErrorKind::Io, tr("Could not lock the target folder %1: %2")
                                                           .arg(root, ConfinedDir::describe(errno))));
            if (!m_waitingFor.contains(root)) {
                m_waitingFor.insert(root);
                Q_EMIT waitingForTarget(root);
            }
            setStatusText(tr("Waiting for another export into %1 to finish").arg(root));
            QTimer::singleShot(kTargetLockPollMs, this, &ExportOperation::lockTargets);
            return;
        }
        m_targetLocks.insert(root, dir);
    }
    startLocked();
}

void ExportOperation::startLocked()
{
    for (const ExportSource &source : m_planner->sources()) {
        Error error;
        ExportLog *log = logFor(source.targetRoot);
        if (!log->load(&error)) {
            stopWork(ExportState::Failed);
            return emitResult(error);
        }
        m_journal.exportIdFor(source.batchId, source.targetRoot);
        if (m_journal.error()) {
            stopWork(ExportState::Failed);
            return emitResult(m_journal.error());
        }
    }
    m_ready = true;
    timeline::mark(QStringLiteral("export: target folders locked, logs read"));
    if (!m_planning)
        return announcePlanned();
    admitListed();
}

// Done before this run: in the export log with its file present, or — after a crash between
// the journal's state and the log line — marked done in the journal with its file present; then
// the missing log line is written now, so the log names every exported file exactly once.
bool ExportOperation::alreadyDone(const PlannedFile &file)
{
    ExportLog *log = logFor(file.targetRoot);
    if (log->isDone(file.key()))
        return true;
    const std::optional<ExportFileState> state = m_journal.stateBeforeRun(file);
    if (!state)
        return false;
    const bool done = file.isArchive
        ? *state == ExportFileState::Extracted && QFileInfo::exists(file.destDir)
        : (*state == ExportFileState::Complete || *state == ExportFileState::Extracted) && QFileInfo::exists(file.destPath);
    if (!done)
        return false;
    Error error;
    if (!log->contains(file.key()) && log->append(file.file, file.isArchive ? file.destDir : file.destPath, &error)
        && !m_logSyncTimer.isActive())
        m_logSyncTimer.start();
    return true;
}

void ExportOperation::syncLogs()
{
    m_logSyncTimer.stop();
    for (const auto &log : std::as_const(m_logs)) {
        Error error;
        if (!log->sync(&error))
            m_journal.noteError(error);
    }
}

ExportLog *ExportOperation::logFor(const QString &root)
{
    auto &log = m_logs[root];
    if (!log)
        log = std::make_shared<ExportLog>(root);
    return log.get();
}

// Names an extraction into `dir` must not take: every planned download below it (and its .part),
// and the local database if someone keeps it there. Built once per folder.
QSet<QString> ExportOperation::reservedPathsIn(const QString &dir)
{
    auto it = m_reservedByDir.find(dir);
    if (it != m_reservedByDir.end())
        return it.value();
    QSet<QString> names;
    const QDir base(dir);
    auto add = [&names, &base](const QString &path) {
        const QString rel = base.relativeFilePath(path);
        if (!rel.isEmpty() && rel != QLatin1String("..") && !rel.startsWith(QLatin1String("../")))
            names << rel << ExportLayout::partPath(rel);
    };
    for (const PlannedFile &f : std::as_const(m_files))
        if (!f.destPath.isEmpty())
            add(f.destPath);
    for (const char *suffix : { "", "-wal", "-shm", "-journal" })
        add(databasePath() + QLatin1String(suffix));
    return m_reservedByDir.insert(dir, names).value();
}

}  // namespace bd
