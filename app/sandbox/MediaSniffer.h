#pragma once
// What the sandbox accepts as an image: decided by magic bytes, never by the file name, as the
// real ingest does (a renamed text file is "unsupported-file-type").
#include <QByteArray>
#include <QString>

namespace bd::sandbox {

constexpr qint64 kMaxImageBytes = 20LL * 1024 * 1024;   // 20 MiB, as in the docs' notification example
constexpr int kMaxImagesPerShard = 500;

// The image MIME type for these leading bytes, or an empty string when they are not an image.
QString sniffImageType(const QByteArray &head);
// A video MIME type guessed from the file name (videos are stored without inspection).
QString videoTypeForName(const QString &fileName);
// A MIME type for a download, guessed from the URL basename's extension.
QString contentTypeForName(const QString &fileName);

}  // namespace bd::sandbox
