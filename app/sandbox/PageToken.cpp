#include "sandbox/PageToken.h"

#include <QByteArray>

namespace bd::sandbox {

namespace {
// 0xFB 0xFF encode to "+/" in standard base64: every token exercises the client's encoding.
const QByteArray kMagic = QByteArray::fromHex("fbff");
}

QString encodePageToken(int offset)
{
    return QString::fromLatin1((kMagic + "o=" + QByteArray::number(offset)).toBase64());
}

std::optional<int> decodePageToken(const QString &token)
{
    const auto decoded = QByteArray::fromBase64Encoding(token.toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded || !decoded.decoded.startsWith(kMagic + "o="))
        return std::nullopt;
    bool ok = false;
    const int offset = decoded.decoded.mid(kMagic.size() + 2).toInt(&ok);
    // Strict: a token mangled in transit (a '+' read as a space, lost padding) must not decode.
    if (!ok || offset < 0 || encodePageToken(offset) != token)
        return std::nullopt;
    return offset;
}

QString encodePageKey(qint64 position)
{
    return QString::fromLatin1((kMagic + "k=" + QByteArray::number(position)).toBase64());
}

std::optional<int> pageSize(const QMap<QString, QString> &query, QString *error, int defaultSize, int maxSize)
{
    if (!query.contains(QStringLiteral("pageSize")))
        return defaultSize;
    bool ok = false;
    const int size = query.value(QStringLiteral("pageSize")).toInt(&ok);
    if (!ok || size < 1) {
        *error = QStringLiteral("pageSize must be a positive integer");
        return std::nullopt;
    }
    return qMin(size, maxSize);
}

std::optional<qint64> pageKey(const QMap<QString, QString> &query, QString *error)
{
    const QString token = query.value(QStringLiteral("nextPageToken"));
    if (token.isEmpty())
        return 0;
    const auto decoded = QByteArray::fromBase64Encoding(token.toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
    bool ok = false;
    const qint64 position = decoded && decoded.decoded.startsWith(kMagic + "k=")
                                ? decoded.decoded.mid(kMagic.size() + 2).toLongLong(&ok)
                                : -1;
    // Strict, as offsets: a token mangled in transit must not decode.
    if (!ok || position < 0 || encodePageKey(position) != token) {
        *error = QStringLiteral("nextPageToken is not a token this server issued");
        return std::nullopt;
    }
    return position;
}

std::optional<PageWindow> pageWindow(const QMap<QString, QString> &query, int total, QString *error,
                                     int defaultSize, int maxSize)
{
    int size = defaultSize;
    if (query.contains(QStringLiteral("pageSize"))) {
        bool ok = false;
        size = query.value(QStringLiteral("pageSize")).toInt(&ok);
        if (!ok || size < 1) {
            *error = QStringLiteral("pageSize must be a positive integer");
            return std::nullopt;
        }
        size = qMin(size, maxSize);
    }
    int begin = 0;
    const QString token = query.value(QStringLiteral("nextPageToken"));
    if (!token.isEmpty()) {
        const auto offset = decodePageToken(token);
        if (!offset) {
            *error = QStringLiteral("nextPageToken is not a token this server issued");
            return std::nullopt;
        }
        begin = qMin(*offset, total);
    }
    PageWindow window;
    window.begin = begin;
    window.end = qMin(total, begin + size);
    if (window.end < total)
        window.nextPageToken = encodePageToken(window.end);
    return window;
}

}  // namespace bd::sandbox
