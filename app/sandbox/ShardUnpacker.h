#pragma once
// Unpacks an uploaded image shard (an uncompressed tar, §7.2) into blob files with libarchive,
// streaming member by member. notification_config.json is read, not stored; members over 20 MiB
// or not images by their magic bytes become failed files; more than 500 images fail the shard.
#include <QString>
#include <QVector>

#include <functional>

namespace bd::sandbox {

struct FailedFile {
    QString fileName;
    QString type;     // file-size-limit-exceeded | unsupported-file-type | ...
    QString reason;
};

struct UnpackedFile {
    QString fileName;
    QString blobKey;
    QString contentType;
    qint64 size = 0;
};

struct ShardContent {
    QString error;            // non-empty: the whole shard failed (and no file is kept)
    QString errorType;        // e.g. invalid-archive, too-many-files
    QVector<UnpackedFile> files;
    QVector<FailedFile> failed;
    QString ingestId;         // from notification_config.json
    QString notificationsURL; // from notification_config.json
};

// blobPathFor(key) says where the blob with that key is written.
ShardContent unpackShard(const QString &tarPath, const std::function<QString(const QString &)> &blobPathFor);

}  // namespace bd::sandbox
