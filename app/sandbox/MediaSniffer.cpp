#include "sandbox/MediaSniffer.h"

#include <QFileInfo>

namespace bd::sandbox {

QString sniffImageType(const QByteArray &head)
{
    if (head.startsWith("\xFF\xD8\xFF"))
        return QStringLiteral("image/jpeg");
    if (head.startsWith("\x89PNG\r\n\x1A\n"))
        return QStringLiteral("image/png");
    if (head.startsWith("BM"))
        return QStringLiteral("image/bmp");
    if (head.startsWith("RIFF") && head.mid(8, 4) == "WEBP")
        return QStringLiteral("image/webp");
    if (head.startsWith(QByteArray::fromHex("0000000c6a5020200d0a870a")) || head.startsWith(QByteArray::fromHex("ff4fff51")))
        return QStringLiteral("image/jp2");
    if (head.startsWith("GIF87a") || head.startsWith("GIF89a"))
        return QStringLiteral("image/gif");
    return {};
}

QString videoTypeForName(const QString &fileName)
{
    const QString suffix = QFileInfo(fileName).suffix().toLower();
    if (suffix == QLatin1String("webm"))
        return QStringLiteral("video/webm");
    if (suffix == QLatin1String("mov"))
        return QStringLiteral("video/quicktime");
    if (suffix == QLatin1String("avi"))
        return QStringLiteral("video/x-msvideo");
    if (suffix == QLatin1String("mkv"))
        return QStringLiteral("video/x-matroska");
    return QStringLiteral("video/mp4");
}

QString contentTypeForName(const QString &fileName)
{
    const QString suffix = QFileInfo(fileName).suffix().toLower();
    if (suffix == QLatin1String("jpg") || suffix == QLatin1String("jpeg") || suffix == QLatin1String("jpe"))
        return QStringLiteral("image/jpeg");
    if (suffix == QLatin1String("png"))
        return QStringLiteral("image/png");
    if (suffix == QLatin1String("bmp") || suffix == QLatin1String("webp") || suffix == QLatin1String("jp2"))
        return QStringLiteral("image/") + suffix;
    if (suffix == QLatin1String("jsonl"))
        return QStringLiteral("application/jsonl");
    if (suffix == QLatin1String("csv"))
        return QStringLiteral("text/csv");
    if (suffix == QLatin1String("gz"))
        return QStringLiteral("application/gzip");
    if (suffix == QLatin1String("tar"))
        return QStringLiteral("application/x-tar");
    if (QStringList{ "mp4", "mov", "avi", "mkv", "webm" }.contains(suffix))
        return videoTypeForName(fileName);
    return QStringLiteral("application/octet-stream");
}

}  // namespace bd::sandbox
