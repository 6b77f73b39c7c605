#include "staging/MediaKind.h"

#include <QCoreApplication>

#include <algorithm>
#include <array>

namespace bd::staging {

namespace {
// Spec §6.1. Kept lower-case; lookups lower-case the suffix first.
constexpr std::array<const char *, 8> kImageExtensions{ "bmp", "dib", "jpeg", "jpg",
                                                        "jpe", "jp2", "png", "webp" };
constexpr std::array<const char *, 16> kVideoExtensions{ "mp4", "m4a", "m4p", "m4b", "m4r", "m4v",
                                                         "avi", "mov", "mkv", "flv", "wmv", "mpeg",
                                                         "mpg", "3gp", "webm", "ogg" };

template<std::size_t N>
bool contains(const std::array<const char *, N> &list, const QString &suffix)
{
    const QString lower = suffix.toLower();
    return std::any_of(list.begin(), list.end(),
                       [&](const char *ext) { return lower == QLatin1String(ext); });
}

bool startsWith(const QByteArray &head, const char *sig, int len, int offset = 0)
{
    return head.size() >= offset + len && head.mid(offset, len) == QByteArray(sig, len);
}

QString suffixOf(const QString &fileName)
{
    const int dot = fileName.lastIndexOf(QLatin1Char('.'));
    // A leading dot alone (".jpg") names a hidden file without a suffix.
    if (dot <= 0 || dot == fileName.size() - 1)
        return {};
    return fileName.mid(dot + 1);
}
}  // namespace

bool isImageExtension(const QString &suffix)
{
    return contains(kImageExtensions, suffix);
}

bool isVideoExtension(const QString &suffix)
{
    return contains(kVideoExtensions, suffix);
}

bool mediaKindForName(const QString &fileName, MediaKind *kind)
{
    const QString suffix = suffixOf(fileName);
    if (suffix.isEmpty())
        return false;
    if (isImageExtension(suffix)) {
        *kind = MediaKind::Image;
        return true;
    }
    if (isVideoExtension(suffix)) {
        *kind = MediaKind::Video;
        return true;
    }
    return false;
}

bool looksLikeImage(const QByteArray &head)
{
    return startsWith(head, "\xFF\xD8\xFF", 3)                                  // JPEG
        || startsWith(head, "\x89PNG\r\n\x1A\n", 8)                            // PNG
        || startsWith(head, "BM", 2)                                           // BMP / DIB
        || (startsWith(head, "RIFF", 4) && startsWith(head, "WEBP", 4, 8))     // WebP
        || startsWith(head, "\x00\x00\x00\x0CjP  \r\n\x87\n", 12)              // JP2 box
        || startsWith(head, "\xFF\x4F\xFF\x51", 4);                            // J2K codestream
}

QString mediaKindName(MediaKind kind)
{
    return kind == MediaKind::Image ? QCoreApplication::translate("bd::staging", "image")
                                    : QCoreApplication::translate("bd::staging", "video");
}

}  // namespace bd::staging
