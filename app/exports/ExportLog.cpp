#include "exports/ExportLog.h"

#include "exports/ConfinedDir.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace bd {

namespace {
// Inner keys are camelCase, outer keys snake_case, exactly as the Python CLI writes them.
const QLatin1String kFileMetadata("file_metadata");
const QLatin1String kLocalPath("local_path");
const QLatin1String kDownloadUrl("downloadURL");
const QLatin1String kFileName("fileName");
const QLatin1String kPartName("partName");
const QLatin1String kShardId("shardId");
const QLatin1String kContentType("contentType");
const QLatin1String kNestedContentType("nestedContentType");

QJsonValue stringOrNull(const QString &value)
{
    return value.isNull() ? QJsonValue(QJsonValue::Null) : QJsonValue(value);
}

// null/missing -> null QString; a string (even "") -> a non-null QString.
bool readOptional(const QJsonObject &obj, QLatin1String key, QString *out, QString *why)
{
    const QJsonValue v = obj.value(key);
    if (v.isNull() || v.isUndefined()) {
        *out = QString();
        return true;
    }
    if (!v.isString()) {
        *why = QStringLiteral("'%1' is not a string").arg(key);
        return false;
    }
    const QString s = v.toString();
    *out = s.isNull() ? QStringLiteral("") : s;
    return true;
}

QString errnoText(int err)
{
    return QString::fromLocal8Bit(std::strerror(err));
}

}  // namespace

ExportLog::ExportLog(const QString &targetDir)
    : m_dir(QDir(targetDir).absolutePath()), m_path(QDir(targetDir).absoluteFilePath(fileName()))
{
}

ExportLog::~ExportLog()
{
    QMutexLocker lock(&m_mutex);
    syncLocked(nullptr);
    if (m_appendFd >= 0)
        ::close(m_appendFd);
}

// The log below its folder's fd with links refused (ConfinedDir); a log that is not a plain file
// with one name (a hard link planted to a file elsewhere, a FIFO) is refused, never written through.
int ExportLog::openConfined(int flags, Error *error) const
{
    const ConfinedDir dir = ConfinedDir::open(m_dir, false, nullptr);
    if (!dir.isValid()) {
        const int err = errno;
        if (error && err != ENOENT)
            *error = Error(ErrorKind::Io, QStringLiteral("Cannot open %1: %2").arg(m_path, ConfinedDir::describe(err)));
        errno = err;
        return -1;
    }
    const int fd = dir.openFile(fileName(), flags | O_NONBLOCK, 0644);
    if (fd < 0) {
        const int err = errno;
        if (error && err != ENOENT)
            *error = Error((err == ENOSPC || err == EDQUOT) ? ErrorKind::DiskFull
                                                           : (err == ELOOP ? ErrorKind::Unsafe : ErrorKind::Io),
                           QStringLiteral("Cannot open %1: %2").arg(m_path, ConfinedDir::describe(err)));
        errno = err;
        return -1;
    }
    struct stat st;
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1) {
        ::close(fd);
        if (error)
            *error = Error(ErrorKind::Unsafe, QStringLiteral("Refusing to use %1: it is not a plain file of this export "
                                                             "(a hard link or a special file); remove it and run again")
                                                  .arg(m_path));
        errno = EPERM;
        return -1;
    }
    ::fcntl(fd, F_SETFL, flags & O_APPEND);
    return fd;
}

QByteArray ExportLog::encodeLine(const ExportFileInfo &file, const QString &localPath)
{
    QJsonObject meta;
    meta.insert(kDownloadUrl, stringOrNull(file.downloadUrl));
    meta.insert(kFileName, stringOrNull(file.fileName));
    meta.insert(kPartName, stringOrNull(file.partName));
    meta.insert(kShardId, stringOrNull(file.shardId));
    meta.insert(kContentType, stringOrNull(file.contentType));
    meta.insert(kNestedContentType, stringOrNull(file.nestedContentType));
    QJsonObject line;
    line.insert(kFileMetadata, meta);
    line.insert(kLocalPath, localPath);
    return QJsonDocument(line).toJson(QJsonDocument::Compact);
}

bool ExportLog::decodeLine(const QByteArray &line, Entry *entry, QString *why)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(line, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        *why = parseError.errorString();
        return false;
    }
    if (!doc.isObject()) {
        *why = QStringLiteral("not a JSON object");
        return false;
    }
    const QJsonObject obj = doc.object();
    const QJsonValue meta = obj.value(kFileMetadata);
    if (!meta.isObject()) {
        *why = QStringLiteral("no 'file_metadata' object");
        return false;
    }
    const QJsonValue local = obj.value(kLocalPath);
    if (!local.isString()) {
        *why = QStringLiteral("no 'local_path' string");
        return false;
    }
    const QJsonObject m = meta.toObject();
    Entry e;
    e.localPath = local.toString();
    if (!readOptional(m, kDownloadUrl, &e.file.downloadUrl, why) || !readOptional(m, kFileName, &e.file.fileName, why)
        || !readOptional(m, kPartName, &e.file.partName, why) || !readOptional(m, kShardId, &e.file.shardId, why)
        || !readOptional(m, kContentType, &e.file.contentType, why)
        || !readOptional(m, kNestedContentType, &e.file.nestedContentType, why))
        return false;
    if (e.file.fileName.isNull()) {
        *why = QStringLiteral("'fileName' is missing");
        return false;
    }
    *entry = e;
    return true;
}

bool ExportLog::load(Error *error)
{
    QMutexLocker lock(&m_mutex);
    m_entries.clear();
    m_byKey.clear();
    m_problems.clear();
    Error openError;
    const int fd = openConfined(O_RDONLY, &openError);
    if (fd < 0) {
        if (!openError)
            return true;   // no log yet
        if (error)
            *error = openError;
        return false;
    }
    QFile file;
    if (!file.open(fd, QIODevice::ReadOnly, QFileDevice::AutoCloseHandle)) {
        ::close(fd);
        if (error)
            *error = Error(ErrorKind::Io, QStringLiteral("Cannot read %1: %2").arg(m_path, file.errorString()));
        return false;
    }
    int lineNumber = 0;
    while (!file.atEnd()) {
        const QByteArray line = file.readLine().trimmed();
        ++lineNumber;
        if (line.isEmpty())
            continue;
        Entry entry;
        QString why;
        if (!decodeLine(line, &entry, &why)) {
            m_problems << QStringLiteral("%1 line %2: %3").arg(m_path).arg(lineNumber).arg(why);
            continue;
        }
        m_byKey.insert(entry.file.identityKey(), m_entries.size());
        m_entries << entry;
    }
    return true;
}

QStringList ExportLog::problems() const
{
    QMutexLocker lock(&m_mutex);
    return m_problems;
}

QVector<ExportLog::Entry> ExportLog::entries() const
{
    QMutexLocker lock(&m_mutex);
    return m_entries;
}

bool ExportLog::append(const ExportFileInfo &file, const QString &localPath, Error *error)
{
    QByteArray line = encodeLine(file, localPath);
    line.append('\n');
    QMutexLocker lock(&m_mutex);
    auto fail = [&](const QString &what) {
        const int err = errno;
        if (error) {
            const ErrorKind kind = (err == ENOSPC || err == EDQUOT) ? ErrorKind::DiskFull : ErrorKind::Io;
            *error = Error(kind, QStringLiteral("Cannot %1 %2: %3").arg(what, m_path, errnoText(err)));
        }
        return false;
    };
    if (m_appendFd < 0) {
        Error openError;
        const int fd = openConfined(O_RDWR | O_APPEND | O_CREAT, &openError);
        if (fd < 0) {
            const int err = errno;
            if (error)
                *error = openError ? openError
                                   : Error(ErrorKind::Io, QStringLiteral("Cannot open %1: %2").arg(m_path, ConfinedDir::describe(err)));
            return false;
        }
        // A crash may have left a half-written last line; start ours on a fresh line so only the
        // broken one is lost. (Checked once: from here on every write is whole lines.)
        struct stat st;
        if (::fstat(fd, &st) == 0 && st.st_size > 0) {
            char last = '\n';
            if (::pread(fd, &last, 1, st.st_size - 1) == 1 && last != '\n')
                line.prepend('\n');
        }
        m_appendFd = fd;
    }
    if (!writeAllTo(m_appendFd, line.constData(), line.size()))
        return fail(QStringLiteral("append to"));
    ++m_unsynced;
    if (m_unsynced >= kSyncEveryLines && !syncLocked(error))
        return false;
    m_byKey.insert(file.identityKey(), m_entries.size());
    m_entries << Entry{ file, localPath };
    return true;
}

bool ExportLog::sync(Error *error)
{
    QMutexLocker lock(&m_mutex);
    return syncLocked(error);
}

bool ExportLog::syncLocked(Error *error)
{
    if (m_unsynced == 0 || m_appendFd < 0)
        return true;
    if (::fsync(m_appendFd) != 0) {
        const int err = errno;
        if (error)
            *error = Error((err == ENOSPC || err == EDQUOT) ? ErrorKind::DiskFull : ErrorKind::Io,
                           QStringLiteral("Cannot flush %1: %2").arg(m_path, errnoText(err)));
        return false;
    }
    m_unsynced = 0;
    return true;
}

int ExportLog::unsyncedLines() const
{
    QMutexLocker lock(&m_mutex);
    return m_unsynced;
}

bool ExportLog::contains(const QString &key) const
{
    QMutexLocker lock(&m_mutex);
    return m_byKey.contains(key);
}

QString ExportLog::localPath(const QString &key) const
{
    QMutexLocker lock(&m_mutex);
    const auto it = m_byKey.constFind(key);
    return it == m_byKey.constEnd() ? QString() : m_entries.at(*it).localPath;
}

bool ExportLog::isDone(const QString &key) const
{
    const QString local = localPath(key);
    return !local.isEmpty() && QFileInfo::exists(local);
}

}  // namespace bd
