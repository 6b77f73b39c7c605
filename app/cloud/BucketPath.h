#pragma once
// `--bucket-path` as the reference CLI reads it (spec §7.3): protocol, bucket, base prefix and an
// optional glob pattern, plus the small glob dialect used to filter listed keys and the
// image/video extension filter (§6.1 lists, compared case-insensitively).
#include "core/Error.h"

#include <QString>
#include <QStringList>

namespace bd::cloud {

enum class CloudProvider { S3, Gcs, Azure };

struct BucketPath {
    CloudProvider provider = CloudProvider::S3;
    QString protocol;   // as written: s3, gs, gcs, az, abfs, azure
    QString base;       // "s3://b/path/" (the whole string when there is no pattern)
    QString pattern;    // "**/*.jpg", empty when none
    QString bucket;     // bucket or container
    QString prefix;     // key prefix inside the bucket ("path/"), possibly empty

    // Parses "proto://bucket[/prefix][/pattern]". InvalidInput for unknown protocols or no bucket.
    static BucketPath parse(const QString &text, Error *error = nullptr);

    // Key relative to the base prefix, or a null string when the key is outside the base.
    QString relativeKey(const QString &key) const;
    // The key passes the pattern (if any). The extension filter is separate (isMediaFile).
    bool matches(const QString &key) const;
};

// §7.3 step 4 glob: leading "**/" = optional directories, "**" elsewhere = anything incl. '/',
// "*" = anything but '/', every other character literal (also ? and [ ]); anchored.
bool globMatch(const QString &pattern, const QString &path);

enum class MediaKind { Images, Videos };
QStringList mediaExtensions(MediaKind kind);
bool isMediaFile(const QString &key, MediaKind kind);

}  // namespace bd::cloud
