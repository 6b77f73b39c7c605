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

QVector<PlannedShard> IngestPlanner::split(const QVector<ScannedFile> &images, int maxFiles, qint64 maxBytes)
{
    maxFiles = qMax(1, maxFiles);
    maxBytes = qMax<qint64>(1, maxBytes);
    QVector<PlannedShard> shards;
    for (const ScannedFile &f : images) {
        const bool full = shards.isEmpty() || shards.last().members.size() >= maxFiles
                          || (!shards.last().members.isEmpty() && shards.last().payloadBytes + f.size > maxBytes);
        if (full) {
            PlannedShard next;
            next.index = int(shards.size());
            shards.push_back(next);
        }
        PlannedShard &shard = shards.last();
        shard.members.push_back({ f.path, f.batchName, f.size, f.mtime.toSecsSinceEpoch() });
        shard.payloadBytes += f.size;
    }
    return shards;
}

IngestPlan IngestPlanner::plan(const ScanResult &scan, const PlanOptions &options)
{
    IngestPlan plan;
    QVector<ScannedFile> pendingImages;
    for (const ScannedFile &f : scan.accepted) {
        const bool done = options.alreadyUploaded.contains(f.path);
        if (f.kind == MediaKind::Image) {
            ++plan.imagesDiscovered;
            if (done)
                ++plan.imagesAlreadyUploaded;
            else
                pendingImages.push_back(f);
        } else if (done) {
            ++plan.videosAlreadyUploaded;
        } else {
            plan.videos.push_back(f);
        }
    }

    // Decide on all discovered images, as the CLI does, so a resumed run keeps its method.
    if (plan.imagesDiscovered > 0) {
        if (plan.imagesDiscovered <= options.simpleMaxImages) {
            plan.imageMethod = IngestPlan::ImageMethod::Simple;
            plan.simpleImages = pendingImages;
        } else {
            plan.imageMethod = IngestPlan::ImageMethod::Sharded;
            plan.shards = split(pendingImages, options.shardMaxFiles, options.shardMaxBytes);
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
