#include "sandbox/DemoData.h"

#include "sandbox/DemoMedia.h"
#include "sandbox/StagingStore.h"

#include <QFile>
#include <QJsonArray>
#include <QUuid>

namespace bd::sandbox {

namespace {

FileRecord storeBlob(StagingStore &store, const QString &fileName, const QString &contentType, const QByteArray &bytes,
                     const QString &shardId, qint64 when)
{
    FileRecord file{ fileName, {}, shardId, contentType, StagingStore::newBlobKey(), {}, bytes.size(), when };
    QFile out(store.blobPath(file.blobKey));
    if (out.open(QIODevice::WriteOnly))
        out.write(bytes);
    return file;
}

}  // namespace

int seedDemoBatches(StagingStore &store, const QString &workspace)
{
    int added = 0;
    const qint64 now = StagingStore::nowMs();
    if (!store.batch(workspace, QStringLiteral("demo-images"))) {
        store.prepareBatch(workspace, QStringLiteral("demo-images"), QStringLiteral("Demo images"), IngestMode::Simple,
                           QStringLiteral("images"));
        for (int i = 1; i <= 12; ++i) {
            const QString name = QStringLiteral("street-%1.jpg").arg(i, 2, 10, QLatin1Char('0'));
            store.addFile(workspace, QStringLiteral("demo-images"),
                          storeBlob(store, name, QStringLiteral("image/jpeg"), tinyJpeg(QStringLiteral("demo ") + name), {}, now));
        }
        ++added;
    }
    if (!store.batch(workspace, QStringLiteral("demo-sharded"))) {
        store.prepareBatch(workspace, QStringLiteral("demo-sharded"), QStringLiteral("Demo sharded images"), IngestMode::Bulk,
                           QStringLiteral("images"));
        const QString shardId = QUuid::createUuid().toString(QUuid::Id128);
        for (int i = 1; i <= 40; ++i) {
            const QString name = QStringLiteral("frame-%1.jpg").arg(i, 3, 10, QLatin1Char('0'));
            store.addFile(workspace, QStringLiteral("demo-sharded"),
                          storeBlob(store, name, QStringLiteral("image/jpeg"), tinyJpeg(QStringLiteral("demo ") + name), shardId, now));
        }
        store.addShard(workspace, QStringLiteral("demo-sharded"),
                       ShardRecord{ shardId, QStringLiteral("demo-ingest"), now, now, false, 40,
                                    QJsonObject{ { "ingestedFiles", 40 }, { "failedFiles", QJsonArray() } } });
        ++added;
    }
    if (!store.batch(workspace, QStringLiteral("demo-videos"))) {
        store.prepareBatch(workspace, QStringLiteral("demo-videos"), QStringLiteral("Demo videos"), IngestMode::Simple,
                           QStringLiteral("videos"));
        for (int i = 1; i <= 2; ++i) {
            const QString name = QStringLiteral("clip-%1.mp4").arg(i);
            store.addFile(workspace, QStringLiteral("demo-videos"),
                          storeBlob(store, name, QStringLiteral("video/mp4"), tinyVideo(QStringLiteral("demo ") + name), {}, now));
        }
        ++added;
    }
    return added;
}

}  // namespace bd::sandbox
