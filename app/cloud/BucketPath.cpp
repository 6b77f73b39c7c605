#include "cloud/BucketPath.h"

#include <QRegularExpression>

namespace bd::cloud {

namespace {
bool hasGlob(const QString &s)
{
    for (const QChar c : s)
        if (c == QLatin1Char('*') || c == QLatin1Char('?') || c == QLatin1Char('[') || c == QLatin1Char(']'))
            return true;
    return false;
}
}  // namespace

BucketPath BucketPath::parse(const QString &text, Error *error)
{
    auto fail = [error](const QString &why) {
        if (error)
            *error = Error(ErrorKind::InvalidInput, why);
        return BucketPath{};
    };
    BucketPath p;
    const int sep = text.indexOf(QStringLiteral("://"));
    if (sep <= 0)
        return fail(QStringLiteral("Bucket path \"%1\" needs a protocol such as s3://, gs:// or az://.").arg(text));
    p.protocol = text.left(sep).toLower();
    if (p.protocol == QLatin1String("s3"))
        p.provider = CloudProvider::S3;
    else if (p.protocol == QLatin1String("gs") || p.protocol == QLatin1String("gcs"))
        p.provider = CloudProvider::Gcs;
    else if (p.protocol == QLatin1String("az") || p.protocol == QLatin1String("abfs") || p.protocol == QLatin1String("azure"))
        p.provider = CloudProvider::Azure;
    else
        return fail(QStringLiteral("Unsupported cloud protocol \"%1\" (use s3, gs/gcs or az/abfs/azure).").arg(p.protocol));

    // Step 1: no glob character -> all base. Else the base ends after the right-most segment
    // free of glob characters (a glob left of it stays in the base, as in the reference CLI).
    if (!hasGlob(text)) {
        p.base = text;
    } else {
        const QStringList segments = text.split(QLatin1Char('/'));
        int lastLiteral = -1;
        for (int i = segments.size() - 1; i >= 0; --i)
            if (!hasGlob(segments.at(i))) {
                lastLiteral = i;
                break;
            }
        p.base = segments.mid(0, lastLiteral + 1).join(QLatin1Char('/')) + QLatin1Char('/');
        p.pattern = segments.mid(lastLiteral + 1).join(QLatin1Char('/'));
    }
    const QString rest = p.base.mid(sep + 3);
    const int slash = rest.indexOf(QLatin1Char('/'));
    p.bucket = slash < 0 ? rest : rest.left(slash);
    p.prefix = slash < 0 ? QString() : rest.mid(slash + 1);
    if (p.bucket.isEmpty())
        return fail(QStringLiteral("Bucket path \"%1\" names no bucket or container.").arg(text));
    return p;
}

QString BucketPath::relativeKey(const QString &key) const
{
    if (!key.startsWith(prefix))
        return {};
    QString rel = key.mid(prefix.size());
    // A base without trailing '/' ("s3://b/data") still lists "data/x.jpg": drop the joining '/'.
    if (!prefix.isEmpty() && !prefix.endsWith(QLatin1Char('/')) && rel.startsWith(QLatin1Char('/')))
        rel = rel.mid(1);
    return rel.isNull() ? QStringLiteral("") : rel;
}

bool BucketPath::matches(const QString &key) const
{
    const QString rel = relativeKey(key);
    if (rel.isNull())
        return false;
    return pattern.isEmpty() || globMatch(pattern, rel);
}

bool globMatch(const QString &pattern, const QString &path)
{
    QString rx;
    const QStringList segments = pattern.split(QLatin1Char('/'));
    for (int i = 0; i < segments.size(); ++i) {
        const QString &seg = segments.at(i);
        const bool last = i == segments.size() - 1;
        if (seg == QLatin1String("**") && i == 0 && !last) {
            rx += QStringLiteral("(?:.*/)?");   // optional directories, separator included
            continue;
        }
        if (seg == QLatin1String("**")) {
            rx += QStringLiteral(".*");
        } else {
            // "**" inside a segment also means any characters; a lone "*" stays within the segment.
            const QStringList stars = seg.split(QStringLiteral("**"));
            QStringList parts;
            for (const QString &s : stars) {
                QStringList pieces;
                for (const QString &lit : s.split(QLatin1Char('*')))
                    pieces.append(QRegularExpression::escape(lit));
                parts.append(pieces.join(QStringLiteral("[^/]*")));
            }
            rx += parts.join(QStringLiteral(".*"));
        }
        if (!last)
            rx += QLatin1Char('/');
    }
    const QRegularExpression re(QRegularExpression::anchoredPattern(rx), QRegularExpression::DotMatchesEverythingOption);
    return re.match(path).hasMatch();
}

QStringList mediaExtensions(MediaKind kind)
{
    if (kind == MediaKind::Images)
        return { "bmp", "dib", "jpeg", "jpg", "jpe", "jp2", "png", "webp" };
    return { "mp4", "m4a", "m4p", "m4b", "m4r", "m4v", "avi", "mov", "mkv", "flv", "wmv", "mpeg", "mpg", "3gp", "webm", "ogg" };
}

bool isMediaFile(const QString &key, MediaKind kind)
{
    const int dot = key.lastIndexOf(QLatin1Char('.'));
    if (dot < 0 || key.indexOf(QLatin1Char('/'), dot) >= 0)
        return false;
    return mediaExtensions(kind).contains(key.mid(dot + 1).toLower());
}

}  // namespace bd::cloud
