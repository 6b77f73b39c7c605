#pragma once
// Which files Batchdeck uploads: the image and video extensions of the reference CLI (spec §6.1),
// matched in any letter case, plus a magic-byte check for images so a renamed text file is
// caught before the server rejects it.
#include <QByteArray>
#include <QString>

namespace bd::staging {

enum class MediaKind { Image, Video };

// What a scan looks for.
enum class MediaSelection { Images, Videos, Both };

// Sets *kind from the file name's extension; false when the extension is unsupported.
// Extensions compare case-insensitively ("IMG.JpG" is an image).
bool mediaKindForName(const QString &fileName, MediaKind *kind);
bool isImageExtension(const QString &suffix);
bool isVideoExtension(const QString &suffix);

// True when the leading bytes are a JPEG, PNG, BMP, WebP or JPEG 2000 (JP2 box or raw
// codestream) signature. 16 bytes are enough for every format checked.
bool looksLikeImage(const QByteArray &head);
constexpr int kImageMagicBytes = 16;

// Largest image the service accepts (spec §12: 20 971 520 B).
constexpr qint64 kMaxImageBytes = 20 * 1024 * 1024;

QString mediaKindName(MediaKind kind);

}  // namespace bd::staging
