#include "staging/FileFingerprint.h"

#include <QCryptographicHash>
#include <QFile>

#include <sys/stat.h>
#include <time.h>

namespace bd::staging {

namespace {
bool statFile(const QString &path, qint64 *size, qint64 *mtimeNs, qint64 *mtimeS)
{
    struct stat st;
    if (::stat(QFile::encodeName(path).constData(), &st) != 0 || !S_ISREG(st.st_mode))
        return false;
    *size = qint64(st.st_size);
    *mtimeNs = qint64(st.st_mtim.tv_sec) * 1000000000 + qint64(st.st_mtim.tv_nsec);
    *mtimeS = qint64(st.st_mtim.tv_sec);
    return true;
}

qint64 nowNs()
{
    struct timespec ts;
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return qint64(ts.tv_sec) * 1000000000 + qint64(ts.tv_nsec);
}
}  // namespace

QString sha256OfFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QCryptographicHash hash(QCryptographicHash::Sha256);
    if (!hash.addData(&file))
        return {};
    return QString::fromLatin1(hash.result().toHex());
}

FileFingerprint takeFingerprint(const QString &path)
{
    FileFingerprint f;
    f.takenAtNs = nowNs();   // before the stat: a write after it makes the record racy, not wrong
    qint64 seconds = 0;
    if (!statFile(path, &f.size, &f.mtimeNs, &seconds)) {
        f.size = -1;
        return f;
    }
    if (f.isRacy())
        f.sha256 = sha256OfFile(path);
    return f;
}

FileChange compareWithDisk(const QString &path, const FileFingerprint &recorded, qint64 legacySize, qint64 legacyMtimeS)
{
    qint64 size = 0, mtimeNs = 0, mtimeS = 0;
    if (!statFile(path, &size, &mtimeNs, &mtimeS))
        return FileChange::Gone;
    if (!recorded.isValid())
        return size == legacySize && mtimeS == legacyMtimeS ? FileChange::Unchanged : FileChange::Changed;
    if (size != recorded.size || mtimeNs != recorded.mtimeNs)
        return FileChange::Changed;
    if (!recorded.isRacy())
        return FileChange::Unchanged;
    // Same size and mtime, but a write in the same tick would look the same: the content decides.
    if (recorded.sha256.isEmpty())
        return FileChange::Changed;   // cannot tell: sending again is the safe side
    return sha256OfFile(path) == recorded.sha256 ? FileChange::Unchanged : FileChange::Changed;
}

}  // namespace bd::staging
