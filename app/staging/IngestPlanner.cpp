#include "staging/IngestPlan.h"

#include <QCoreApplication>

namespace bd::staging {

namespace {
QString tr(const char *text, int n = -1)
{
    return QCoreApplication::translate("bd::staging::IngestPlanner", text, nullptr, n);
}

// The CLI warns (but goes on) above this many videos in one batch (spec §6.4).
constexpr int kSuggestedMaxVideos = 1000;
}  // namespace

int IngestPlan::imagesToUpload() const
{
    int n = int(simpleImages.size());
    for (const PlannedShard &s : shards)
        n += int(s.members.size());
    return n;
}

qint64 IngestPlan::bytesToUpload() const
{
    qint64 total = 0;
    for (const ScannedFile &f : simpleImages)
        total += f.size;
    for (const PlannedShard &s : shards)
        total += s.payloadBytes;
    for (const ScannedFile &f : videos)
        total += f.size;
    return total;
}

QString IngestPlan::imageBatchType() const
{
    switch (imageMethod) {
    case ImageMethod::Simple: return QStringLiteral("simple-batch");
    case ImageMethod::Sharded: return QStringLiteral("sharded-batch");
    case ImageMethod::None: break;
    }
    return {};
}

namespace {
// Appends images to shards capped by file count and payload bytes (see IngestPlanner::split).
class ShardFiller
{
public:
    ShardFiller(QVector<PlannedShard> *shards, int maxFiles, qint64 maxBytes)
        : m_shards(shards), m_maxFiles(qMax(1, maxFiles)), m_maxBytes(qMax<qint64>(1, maxBytes))
    {
    }
    void add(const ScannedFile &f)
    {
        const bool full = m_shards->isEmpty() || m_shards->last().members.size() >= m_maxFiles
                          || (!m_shards->last().members.isEmpty() && m_shards->last().payloadBytes + f.size > m_maxBytes);
        if (full) {
            PlannedShard next;
            next.index = int(m_shards->size());
            next.members.reserve(qMin(m_maxFiles, 1024));   // no regrowth copies at 100k files
            m_shards->push_back(next);
        }
        PlannedShard &shard = m_shards->last();
        shard.members.push_back({ f.path, f.batchName, f.size, f.mtime.toSecsSinceEpoch() });
        shard.payloadBytes += f.size;
    }

private:
    QVector<PlannedShard> *m_shards;
    int m_maxFiles;
    qint64 m_maxBytes;
};
}  // namespace

QVector<PlannedShard> IngestPlanner::split(const QVector<ScannedFile> &images, int maxFiles, qint64 maxBytes)
{
    QVector<PlannedShard> shards;
    ShardFiller filler(&shards, maxFiles, maxBytes);
    for (const ScannedFile &f : images)
        filler.add(f);
    return shards;
}

IngestPlan IngestPlanner::plan(const ScanResult &scan, const PlanOptions &options)
{
    // Two passes over the scan instead of a copy of its pending images: the method depends on
    // the number of images discovered, and at 100k files a copy costs ~7 MB.
    IngestPlan plan;
    for (const ScannedFile &f : scan.accepted) {
        const bool done = options.alreadyUploaded.contains(f.path);
        if (f.kind == MediaKind::Image) {
            ++plan.imagesDiscovered;
            plan.imagesAlreadyUploaded += done ? 1 : 0;
        } else if (done) {
            ++plan.videosAlreadyUploaded;
        } else {
            plan.videos.push_back(f);
        }
    }

    // Decide on all discovered images, as the CLI does, so a resumed run keeps its method.
    if (plan.imagesDiscovered > 0) {
        const bool simple = plan.imagesDiscovered <= options.simpleMaxImages;
        plan.imageMethod = simple ? IngestPlan::ImageMethod::Simple : IngestPlan::ImageMethod::Sharded;
        ShardFiller filler(&plan.shards, options.shardMaxFiles, options.shardMaxBytes);
        for (const ScannedFile &f : scan.accepted) {
            if (f.kind != MediaKind::Image || options.alreadyUploaded.contains(f.path))
                continue;
            if (simple)
                plan.simpleImages.push_back(f);
            else
                filler.add(f);
        }
    }

    if (plan.imageMethod == IngestPlan::ImageMethod::Sharded && !plan.videos.isEmpty()) {
        plan.videosNeedSeparateBatch = true;
        plan.notes << tr("Videos cannot join a sharded image batch; they need a batch of their own.");
    }
    if (plan.videos.size() + plan.videosAlreadyUploaded > kSuggestedMaxVideos)
        plan.notes << tr("More than %1 videos in one batch; consider splitting it.").arg(kSuggestedMaxVideos);
    if (plan.imagesAlreadyUploaded + plan.videosAlreadyUploaded > 0)
        plan.notes << tr("%n file(s) already uploaded will be skipped.", plan.imagesAlreadyUploaded + plan.videosAlreadyUploaded);
    return plan;
}

}  // namespace bd::staging
