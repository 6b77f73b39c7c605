#include "sandbox/LargeBatchSeed.h"

#include "sandbox/DemoMedia.h"
#include "sandbox/StagingStore.h"

#include <QFile>
#include <QJsonArray>
#include <QUuid>

namespace bd::sandbox {

int seedLargeBatch(StagingStore &store, const QString &workspace, const QString &batchId, int files)
{
    if (files <= 0 || store.batch(workspace, batchId))
        return 0;
    constexpr int kShardFiles = 500;
    const qint64 now = StagingStore::nowMs();
    const QString jpeg = QStringLiteral("image/jpeg");
    store.prepareBatch(workspace, batchId, QStringLiteral("Large batch (%1 files)").arg(files), IngestMode::Bulk,
                       QStringLiteral("images"));
    // One blob for every file: the listing and the Files view never read the bytes.
    const QByteArray bytes = tinyJpeg(QStringLiteral("large batch"));
    const QString blobKey = StagingStore::newBlobKey();
    QFile blob(store.blobPath(blobKey));
    if (!blob.open(QIODevice::WriteOnly) || blob.write(bytes) != bytes.size())
        return 0;
    blob.close();
    for (int first = 0; first < files; first += kShardFiles) {
        const int count = std::min(kShardFiles, files - first);
        const QString shardId = QUuid::createUuid().toString(QUuid::Id128);
        for (int i = first; i < first + count; ++i) {
            const QString name = QStringLiteral("img-%1.jpg").arg(i + 1, 7, 10, QLatin1Char('0'));
            // urlName given: no UUID per file (the store would make one for every second file).
            store.addFile(workspace, batchId, FileRecord{ name, {}, shardId, jpeg, blobKey, name, bytes.size(), now });
        }
        store.addShard(workspace, batchId,
                       ShardRecord{ shardId, QStringLiteral("large-batch-seed"), now, now, false, count,
                                    QJsonObject{ { "ingestedFiles", count }, { "failedFiles", QJsonArray() } } });
    }
    return files;
}

}  // namespace bd::sandbox
