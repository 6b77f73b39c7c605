#pragma once
// IngestPlanner: turns a scan into the list of uploads that fill one staging batch.
//
// Images go either all "simple" (one D7 POST per image) or all "sharded" (tar shards sent by
// D9 + S1 PUT) - never both, because a batch filled one way cannot take the other (spec §4.1).
// Videos always go one by one through D8 + S1. A sharded batch is images-only ("sharded-batch"
// holds images), so videos next to sharded images need a batch of their own: the plan says so.
#include "staging/ScanResult.h"

#include <QSet>
#include <QString>
#include <QStringList>
#include <QVector>

namespace bd::staging {

struct PlanOptions {
    // Defaults follow the reference CLI (spec §6.3 / §12), proven against production:
    //  - simpleMaxImages 32 = MIN_IMAGES_TO_FORM_SHARD: up to 32 images one by one, above that
    //    tar shards. (The docs' "single uploads up to 5 000" would mean 5 000 POSTs where a
    //    sharded batch needs ~20 PUTs; the CLI threshold is both faster and tested.)
    //  - shardMaxFiles 256 = MAX_SHARD_SIZE: half the server's documented 500 per tar, so a
    //    retried shard costs little and server-side indexing stays within its tested range.
    //  - shardMaxBytes 256 MiB: the CLI has no byte cap, but 256 images of up to 20 MiB could
    //    make a 5 GiB PUT (the S3 single-PUT maximum). 256 MiB keeps a failed PUT cheap to
    //    repeat (seconds to a minute on common uplinks) while typical shards (256 photos of
    //    ~0.5-1 MB) never hit it, so the file cap stays the one that normally applies.
    int simpleMaxImages = 32;
    int shardMaxFiles = 256;
    qint64 shardMaxBytes = qint64(256) * 1024 * 1024;
    // Paths already uploaded (the resume log, §6.2). They count toward the simple/sharded
    // decision, as in the CLI, so a resumed run picks the same method, but are not planned again.
    QSet<QString> alreadyUploaded;
};

struct ShardMember {
    QString path;
    QString name;     // member name in the tar = file name in the batch
    qint64 size = 0;
    qint64 mtime = 0; // seconds since the epoch
};

struct PlannedShard {
    int index = 0;             // stable id within the plan: position, from 0
    QVector<ShardMember> members;
    qint64 payloadBytes = 0;   // sum of member sizes (the tar adds headers, see ShardTarDevice)
};

struct IngestPlan {
    enum class ImageMethod { None, Simple, Sharded };

    ImageMethod imageMethod = ImageMethod::None;
    QVector<ScannedFile> simpleImages;   // ImageMethod::Simple: one D7 each, in scan order
    QVector<PlannedShard> shards;        // ImageMethod::Sharded
    QVector<ScannedFile> videos;         // always one by one (D8 + S1 PUT)
    int imagesDiscovered = 0;            // including already uploaded ones
    int imagesAlreadyUploaded = 0;
    int videosAlreadyUploaded = 0;
    // True when sharded images and videos were both found: the videos need another batch.
    bool videosNeedSeparateBatch = false;
    QStringList notes;                   // person-readable remarks for the UI / CLI

    int imagesToUpload() const;
    qint64 bytesToUpload() const;
    bool isEmpty() const { return imagesToUpload() == 0 && videos.isEmpty(); }
    // The batchType the server will report for the images ("simple-batch" / "sharded-batch").
    QString imageBatchType() const;
};

class IngestPlanner
{
public:
    static IngestPlan plan(const ScanResult &scan, const PlanOptions &options = {});
    // Splits images (already in order) into shards capped by file count and payload bytes. A
    // single file larger than maxBytes still gets a shard of its own.
    static QVector<PlannedShard> split(const QVector<ScannedFile> &images, int maxFiles, qint64 maxBytes);
};

}  // namespace bd::staging
