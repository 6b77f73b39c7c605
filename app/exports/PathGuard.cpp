#include "exports/PathGuard.h"

#include <QDir>
#include <QFileInfo>
#include <QStringList>

#include <sys/stat.h>
#include <unistd.h>

namespace bd::pathguard {

namespace {
constexpr int kMaxSymlinkHops = 40;   // the kernel's own limit (MAXSYMLINKS)
constexpr int kMaxNameBytes = 255;    // NAME_MAX
constexpr int kMaxPathBytes = 4000;   // below PATH_MAX once joined to the target folder

bool isSymlink(const QString &path)
{
    struct stat st;
    const QByteArray native = QFile::encodeName(path);
    return ::lstat(native.constData(), &st) == 0 && S_ISLNK(st.st_mode);
}

QString readLink(const QString &path)
{
    const QByteArray native = QFile::encodeName(path);
    QByteArray buf(4096, Qt::Uninitialized);
    const ssize_t n = ::readlink(native.constData(), buf.data(), size_t(buf.size()));
    if (n < 0)
        return {};
    buf.truncate(int(n));
    return QFile::decodeName(buf);
}

QString parentOf(const QString &path)
{
    const qsizetype slash = path.lastIndexOf(QLatin1Char('/'));
    return slash <= 0 ? QStringLiteral("/") : path.left(slash);
}

QString join(const QString &dir, const QString &name)
{
    return dir.endsWith(QLatin1Char('/')) ? dir + name : dir + QLatin1Char('/') + name;
}
}  // namespace

QString cleanRelative(const QString &path, QString *reason)
{
    auto refuse = [reason](const QString &why) {
        if (reason)
            *reason = why;
        return QString();
    };
    if (path.contains(QChar(0)))
        return refuse(QStringLiteral("name contains a NUL character"));
    // Newlines and other control characters in a name end up in logs, shells and scripts.
    for (const QChar c : path)
        if (c.unicode() < 0x20 || c.unicode() == 0x7f)
            return refuse(QStringLiteral("name contains a control character"));
    if (QFile::encodeName(path).size() > kMaxPathBytes)
        return refuse(QStringLiteral("name is longer than %1 bytes").arg(kMaxPathBytes));
    if (path.startsWith(QLatin1Char('/')) || path.startsWith(QLatin1Char('\\')))
        return refuse(QStringLiteral("absolute path"));
    if (path.size() >= 2 && path.at(1) == QLatin1Char(':') && path.at(0).isLetter())
        return refuse(QStringLiteral("absolute path (drive letter)"));
    QStringList kept;
    const QStringList parts = path.split(QLatin1Char('/'));
    for (const QString &part : parts) {
        if (part.isEmpty() || part == QLatin1String("."))
            continue;
        // Backslash-separated ".." would escape once the file reaches a Windows share.
        if (part == QLatin1String("..") || part.split(QLatin1Char('\\')).contains(QLatin1String("..")))
            return refuse(QStringLiteral("path contains '..'"));
        if (QFile::encodeName(part).size() > kMaxNameBytes)
            return refuse(QStringLiteral("a path component is longer than %1 bytes").arg(kMaxNameBytes));
        kept << part;
    }
    if (kept.isEmpty())
        return refuse(QStringLiteral("empty path"));
    return kept.join(QLatin1Char('/'));
}

QString resolveOnDisk(const QString &absolutePath, bool followLast)
{
    QStringList pending = absolutePath.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    QString resolved = QStringLiteral("/");
    int hops = 0;
    while (!pending.isEmpty()) {
        const QString part = pending.takeFirst();
        if (part == QLatin1String("."))
            continue;
        if (part == QLatin1String("..")) {
            resolved = parentOf(resolved);
            continue;
        }
        const QString candidate = join(resolved, part);
        const bool last = pending.isEmpty();
        if ((followLast || !last) && isSymlink(candidate)) {
            if (++hops > kMaxSymlinkHops)
                return {};
            const QString target = readLink(candidate);
            if (target.startsWith(QLatin1Char('/')))
                resolved = QStringLiteral("/");
            pending = target.split(QLatin1Char('/'), Qt::SkipEmptyParts) + pending;
            continue;
        }
        resolved = candidate;
    }
    return resolved;
}

bool isInside(const QString &root, const QString &path)
{
    if (root.isEmpty() || path.isEmpty())
        return false;
    if (path == root || root == QLatin1String("/"))
        return true;
    return path.startsWith(root) && path.at(root.size()) == QLatin1Char('/');
}

QString canonicalDir(const QString &dir)
{
    const QFileInfo info(dir);
    if (!info.isDir())
        return {};
    return info.canonicalFilePath();
}

}  // namespace bd::pathguard
