#include "core/Format.h"
#include "exports/ArchiveExtraction.h"

#include <QFileInfo>
#include <QStorageInfo>

namespace bd {

ExtractionBudget::ExtractionBudget(FreeSpaceProbe probe) : m_probe(std::move(probe))
{
    if (!m_probe)
        m_probe = [](const QString &dir) -> qint64 {
            const QStorageInfo storage(dir);
            return storage.isValid() ? storage.bytesAvailable() : -1;
        };
}

ExtractionBudget &ExtractionBudget::shared()
{
    static ExtractionBudget budget;
    return budget;
}

qint64 ExtractionBudget::outstandingLocked() const
{
    qint64 sum = 0;
    for (const Ticket &t : m_tickets)
        sum += qMax<qint64>(0, t.reserved - t.written);
    return sum;
}

qint64 ExtractionBudget::outstanding() const
{
    QMutexLocker lock(&m_mutex);
    return outstandingLocked();
}

// Free space already counts what the running extractions wrote; what they reserved and have not
// written yet is taken off it.
bool ExtractionBudget::fits(const Ticket &t, qint64 extra, qint64 otherOutstanding, Error *error) const
{
    const qint64 free = m_probe(t.dir);
    if (free < 0)
        return true;   // unknown file system: the write errors will tell
    const qint64 usable = free - t.margin - otherOutstanding;
    if (extra <= usable)
        return true;
    if (error) {
        QString others;
        if (otherOutstanding > 0)
            others = QStringLiteral(", %1 reserved by other extractions running now").arg(formatBytes(otherOutstanding));
        *error = Error(ErrorKind::DiskFull,
                       QStringLiteral("Not enough free space in %1 to extract %2: it needs %3 more, %4 is available "
                                      "(keeping %5 free%6)")
                           .arg(t.dir, t.archive, formatBytes(extra), formatBytes(qMax<qint64>(0, free)),
                                formatBytes(t.margin), others));
    }
    return false;
}

qint64 ExtractionBudget::reserve(const QString &dir, qint64 bytes, qint64 marginBytes, const QString &archiveName,
                                 Error *error)
{
    QMutexLocker lock(&m_mutex);
    Ticket t{ dir, archiveName, marginBytes, bytes, 0 };
    if (!fits(t, bytes, outstandingLocked(), error))
        return 0;
    const qint64 id = m_next++;
    m_tickets.insert(id, t);
    return id;
}

bool ExtractionBudget::grow(qint64 ticket, qint64 extraBytes, Error *error)
{
    QMutexLocker lock(&m_mutex);
    auto it = m_tickets.find(ticket);
    if (it == m_tickets.end())
        return false;
    // This ticket's own unwritten rest is still reserved for it: count only the others'.
    const qint64 mine = qMax<qint64>(0, it->reserved - it->written);
    if (!fits(*it, mine + extraBytes, outstandingLocked() - mine, error))
        return false;
    it->reserved += extraBytes;
    return true;
}

void ExtractionBudget::consumed(qint64 ticket, qint64 writtenBytes)
{
    QMutexLocker lock(&m_mutex);
    auto it = m_tickets.find(ticket);
    if (it != m_tickets.end())
        it->written = writtenBytes;
}

void ExtractionBudget::release(qint64 ticket)
{
    QMutexLocker lock(&m_mutex);
    m_tickets.remove(ticket);
}

}  // namespace bd
