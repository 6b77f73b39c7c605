#include "staging/IngestPlanCursor.h"

#include "staging/ScanStore.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

namespace bd::staging {

namespace {
QString tr(const char *text, int n = -1)
{
    return QCoreApplication::translate("bd::staging::IngestPlanner", text, nullptr, n);
}
constexpr int kSuggestedMaxVideos = 1000;   // as IngestPlanner (spec §6.4)

// The journal's row of each scanned file `s` as `f`, for a cursor that looks files up (its one
// placeholder: the ingest id); nothing for one that reads the scan alone. The lookup goes
// through a small page cache: one read per early row at least (their rows were written in walk
// order, not path order).
QString journalJoin(IngestPlanCursor::Lookup lookup)
{
    return lookup == IngestPlanCursor::Lookup::Journal
               ? QStringLiteral(" LEFT JOIN ingest_files f ON f.ingest_id = ? AND f.path = s.path")
               : QString();
}
}  // namespace

IngestPlanCursor::IngestPlanCursor(QSqlDatabase db, QString scanSchema, QString ingestId, PlanOptions options,
                                   Lookup lookup)
    : m_db(std::move(db)), m_schema(std::move(scanSchema)), m_ingestId(std::move(ingestId)), m_options(std::move(options)),
      m_lookup(lookup)
{
    m_options.alreadyUploaded.clear();
}

bool IngestPlanCursor::summarize()
{
    PlanCounts counts;
    if (!countFiles(m_db, m_schema, m_ingestId, &counts, &m_error, m_lookup))
        return false;
    useCounts(counts);
    return true;
}

bool IngestPlanCursor::countFiles(QSqlDatabase db, const QString &scanSchema, const QString &ingestId,
                                  PlanCounts *counts, QString *error, Lookup lookup)
{
    *counts = {};
    QSqlQuery q(db);
    q.setForwardOnly(true);
    const bool journal = lookup == Lookup::Journal;
    // The scan alone is grouped in the order of its files_pending index, which holds every
    // column read: no table look-up, no sort.
    q.prepare(QStringLiteral("SELECT s.kind, %2, s.early, COUNT(*), TOTAL(s.size) FROM %1.files s%3 GROUP BY %4")
                  .arg(scanSchema, journal ? QStringLiteral("COALESCE(f.state = 'confirmed', 0)") : QStringLiteral("0"),
                       journalJoin(lookup), journal ? QStringLiteral("1, 2, 3") : QStringLiteral("s.kind, s.early")));
    if (journal)
        q.addBindValue(ingestId);
    if (!q.exec()) {
        *error = q.lastError().text();
        return false;
    }
    PlanCounts &c = *counts;
    while (q.next()) {
        const bool image = MediaKind(q.value(0).toInt()) == MediaKind::Image;
        const bool done = q.value(1).toInt() != 0;
        const bool early = q.value(2).toInt() != 0;
        const int n = q.value(3).toInt();
        const qint64 bytes = qint64(q.value(4).toDouble());
        if (early) {   // handed out while the walk went on: images, never planned again
            c.imagesDiscovered += n;
            c.imagesHandedOut += n;
        } else if (image) {
            c.imagesDiscovered += n;
            (done ? c.imagesAlreadyUploaded : c.imagesPending) += n;
            if (!done)
                c.imageBytesPending += bytes;
        } else if (done) {
            c.videosAlreadyUploaded += n;
        } else {
            c.videosPending += n;
            c.videoBytesPending += bytes;
        }
    }
    return true;
}

void IngestPlanCursor::useCounts(const PlanCounts &counts)
{
    m_counts = counts;
    m_notes.clear();
    // The rules of IngestPlanner::plan.
    m_method = m_counts.imagesDiscovered == 0 ? IngestPlan::ImageMethod::None
               : m_counts.imagesDiscovered <= m_options.simpleMaxImages ? IngestPlan::ImageMethod::Simple
                                                                         : IngestPlan::ImageMethod::Sharded;
    m_videosNeedSeparateBatch = m_method == IngestPlan::ImageMethod::Sharded && m_counts.videosPending > 0;
    if (m_videosNeedSeparateBatch)
        m_notes << tr("Videos cannot join a sharded image batch; they need a batch of their own.");
    if (m_counts.videosPending + m_counts.videosAlreadyUploaded > kSuggestedMaxVideos)
        m_notes << tr("More than %1 videos in one batch; consider splitting it.").arg(kSuggestedMaxVideos);
    const int already = m_counts.imagesAlreadyUploaded + m_counts.videosAlreadyUploaded;
    if (already > 0)
        m_notes << tr("%n file(s) already uploaded will be skipped.", already);
    m_afterImage = m_afterVideo = QStringLiteral("");
    m_nextShardIndex = 0;
}

QString IngestPlanCursor::methodName() const
{
    QString images;
    if (m_method == IngestPlan::ImageMethod::Simple)
        images = QStringLiteral("simple");
    else if (m_method == IngestPlan::ImageMethod::Sharded)
        images = QStringLiteral("sharded");
    const bool videos = m_counts.videosPending > 0 || m_counts.videosAlreadyUploaded > 0;
    if (!images.isEmpty() && videos)
        return images + QStringLiteral("+videos");
    return videos ? QStringLiteral("videos") : images;
}

QVector<ScannedFile> IngestPlanCursor::page(MediaKind kind, const QString &after, int limit)
{
    QVector<ScannedFile> out;
    QSqlQuery q(m_db);
    q.setForwardOnly(true);
    const bool journal = m_lookup == Lookup::Journal;
    q.prepare(QStringLiteral("SELECT s.path, s.name, s.size, s.mtime, s.kind FROM %1.files s%2"
                             " WHERE s.path > ? AND s.kind = ? AND s.early = 0%3 ORDER BY s.path LIMIT ?")
                  .arg(m_schema, journalJoin(m_lookup),
                       journal ? QStringLiteral(" AND (f.state IS NULL OR f.state != 'confirmed')") : QString()));
    if (journal)
        q.addBindValue(m_ingestId);
    q.addBindValue(after);
    q.addBindValue(int(kind));
    q.addBindValue(limit);
    if (!q.exec()) {
        m_error = q.lastError().text();
        return out;
    }
    while (q.next())
        out.append(ScanStore::fileOfRow(q));
    return out;
}

std::optional<ScannedFile> IngestPlanCursor::nextOne(MediaKind kind, QString *after)
{
    QVector<ScannedFile> one = page(kind, *after, 1);
    if (one.isEmpty())
        return std::nullopt;
    *after = one.first().path;
    return one.takeFirst();
}

std::optional<ScannedFile> IngestPlanCursor::nextSimpleImage()
{
    if (m_method != IngestPlan::ImageMethod::Simple)
        return std::nullopt;
    return nextOne(MediaKind::Image, &m_afterImage);
}

std::optional<ScannedFile> IngestPlanCursor::nextVideo()
{
    return nextOne(MediaKind::Video, &m_afterVideo);
}

std::optional<PlannedShard> IngestPlanCursor::nextShard()
{
    if (m_method != IngestPlan::ImageMethod::Sharded)
        return std::nullopt;
    const int maxFiles = qMax(1, m_options.shardMaxFiles);
    const qint64 maxBytes = qMax<qint64>(1, m_options.shardMaxBytes);
    const QVector<ScannedFile> files = page(MediaKind::Image, m_afterImage, maxFiles);
    if (files.isEmpty())
        return std::nullopt;
    // ShardFiller's rule: full at maxFiles, or when the next file would pass maxBytes (a file
    // larger than maxBytes alone still gets a shard of its own).
    PlannedShard shard;
    shard.index = m_nextShardIndex++;
    shard.members.reserve(files.size());
    for (const ScannedFile &f : files) {
        if (!shard.members.isEmpty() && shard.payloadBytes + f.size > maxBytes)
            break;
        shard.members.push_back({ f.path, f.batchName, f.size, f.mtime.toSecsSinceEpoch() });
        shard.payloadBytes += f.size;
    }
    m_afterImage = shard.members.last().path;
    return shard;
}

}  // namespace bd::staging
