#include "sandbox/DemoMedia.h"

namespace bd::sandbox {

namespace {
// 8x8 blue JPEG (ImageMagick, -strip -quality 40), 287 bytes.
const char kJpegHex[] =
    "ffd8ffe000104a46494600010100000100010000ffdb004300140e0f120f0d14121012171514181e32211e1c1c1e3d2c"
    "2e243249404c4b47404645505a736250556d5645466488656d777b8182814e608d978c7d96737e817cffdb0043011517"
    "171e1a1e3b21213b7c5346537c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c"
    "7c7c7c7c7c7c7c7c7c7c7c7c7c7cffc00011080008000803012200021101031101ffc400150001010000000000000000"
    "0000000000000004ffc40014100100000000000000000000000000000000ffc400150101010000000000000000000000"
    "0000000405ffc40014110100000000000000000000000000000000ffda000c03010002110311003f008c05709fffd9";
}

QByteArray tinyJpeg(const QString &comment)
{
    const QByteArray base = QByteArray::fromHex(kJpegHex);
    const QByteArray text = comment.toUtf8().left(60000);
    QByteArray segment("\xFF\xFE", 2);   // COM marker right after SOI
    const int length = text.size() + 2;
    segment.append(char((length >> 8) & 0xFF));
    segment.append(char(length & 0xFF));
    segment.append(text);
    return base.left(2) + segment + base.mid(2);
}

QByteArray tinyVideo(const QString &comment)
{
    // An ISO-BMFF "ftyp" box followed by a "free" box carrying the comment.
    QByteArray video = QByteArray::fromHex("00000018667479706973366d0000020069736f6d69736f32");
    const QByteArray text = comment.toUtf8();
    const int size = text.size() + 8;
    video.append(char((size >> 24) & 0xFF)).append(char((size >> 16) & 0xFF));
    video.append(char((size >> 8) & 0xFF)).append(char(size & 0xFF));
    video.append("free").append(text);
    return video;
}

}  // namespace bd::sandbox
