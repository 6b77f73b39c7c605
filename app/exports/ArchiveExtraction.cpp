#include "exports/ArchiveExtraction.h"

#include "core/Format.h"
#include "exports/PathGuard.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStorageInfo>

#include <archive.h>
#include <archive_entry.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

namespace bd {

namespace {

constexpr size_t kReadBlock = 256 * 1024;

struct ArchiveReadDeleter { void operator()(archive *a) const { archive_read_free(a); } };
struct ArchiveWriteDeleter { void operator()(archive *a) const { archive_write_free(a); } };
using ReadArchive = std::unique_ptr<archive, ArchiveReadDeleter>;
using WriteArchive = std::unique_ptr<archive, ArchiveWriteDeleter>;

QString archiveText(archive *a)
{
    const char *s = archive_error_string(a);
    return s ? QString::fromLocal8Bit(s) : QStringLiteral("unknown error");
}

QString entryName(archive_entry *entry)
{
    if (const char *utf8 = archive_entry_pathname_utf8(entry))
        return QString::fromUtf8(utf8);
    const char *raw = archive_entry_pathname(entry);
    return raw ? QFile::decodeName(raw) : QString();
}

QString linkText(const char *utf8, const char *raw)
{
    if (utf8)
        return QString::fromUtf8(utf8);
    return raw ? QFile::decodeName(raw) : QString();
}

ReadArchive openReader(const QString &path, Error *error)
{
    ReadArchive a(archive_read_new());
    archive_read_support_format_all(a.get());
    archive_read_support_filter_all(a.get());
    const QByteArray native = QFile::encodeName(path);
    if (archive_read_open_filename(a.get(), native.constData(), kReadBlock) != ARCHIVE_OK) {
        *error = Error(ErrorKind::Io, QStringLiteral("Cannot open archive %1: %2").arg(path, archiveText(a.get())));
        return {};
    }
    return a;
}

// Gives this thread its own working directory and moves it into the target, so libarchive's
// relative-path extraction (required by SECURE_NOABSOLUTEPATHS) lands there without touching
// the rest of the process. Restores the previous directory when done.
class ThreadWorkingDir
{
public:
    bool enter(const QString &dir)
    {
        if (::unshare(CLONE_FS) != 0)
            return false;
        m_saved = ::open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        const QByteArray native = QFile::encodeName(dir);
        if (::chdir(native.constData()) != 0) {
            leave();
            return false;
        }
        return true;
    }
    void leave()
    {
        if (m_saved >= 0) {
            if (::fchdir(m_saved) != 0) { /* nothing sensible left to do; the thread is private */ }
            ::close(m_saved);
            m_saved = -1;
        }
    }
    ~ThreadWorkingDir() { leave(); }

private:
    int m_saved = -1;
};

class Extraction
{
public:
    Extraction(const QString &archivePath, const QString &targetDir, const ExtractOptions &options,
               ExtractControl &control)
        : m_archivePath(archivePath), m_targetDir(targetDir), m_options(options), m_control(control)
    {
    }

    ExtractOutcome run()
    {
        ExtractOutcome out;
        if (prepareTarget(&out.error) && prescan(&out.error) && checkSpace(&out.error))
            extract(&out.error);
        out.result = m_result;
        if (!out.error && m_options.deleteArchiveOnSuccess)
            out.result.archiveDeleted = QFile::remove(m_archivePath);
        return out;
    }

private:
    bool cancelled(Error *error)
    {
        if (!m_control.cancel.load())
            return false;
        *error = Error(ErrorKind::Cancelled, QStringLiteral("Extraction cancelled"));
        return true;
    }

    bool prepareTarget(Error *error)
    {
        if (!QFileInfo(m_archivePath).isFile()) {
            *error = Error(ErrorKind::InvalidInput, QStringLiteral("Archive %1 does not exist").arg(m_archivePath));
            return false;
        }
        // mkpath per component so the message can name the real reason (e.g. "Not a directory").
        QString built = m_targetDir.startsWith(QLatin1Char('/')) ? QStringLiteral("/") : QString();
        for (const QString &part : m_targetDir.split(QLatin1Char('/'), Qt::SkipEmptyParts)) {
            built += part;
            const QByteArray b = QFile::encodeName(built);
            if (::mkdir(b.constData(), 0755) != 0 && errno != EEXIST) {
                const int err = errno;
                *error = Error(err == ENOSPC ? ErrorKind::DiskFull : ErrorKind::Io,
                               QStringLiteral("Cannot create the folder %1: %2")
                                   .arg(built, QString::fromLocal8Bit(std::strerror(err))));
                return false;
            }
            built += QLatin1Char('/');
        }
        m_root = pathguard::canonicalDir(m_targetDir);
        if (m_root.isNull()) {
            *error = Error(ErrorKind::Io, QStringLiteral("Cannot extract into %1: not a folder").arg(m_targetDir));
            return false;
        }
        return true;
    }

    // Reads only the headers to learn the expanded size before anything is written.
    bool prescan(Error *error)
    {
        ReadArchive reader = openReader(m_archivePath, error);
        if (!reader)
            return false;
        qint64 bytes = 0, entries = 0;
        archive_entry *entry = nullptr;
        int r;
        while ((r = archive_read_next_header(reader.get(), &entry)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
            if (cancelled(error))
                return false;
            ++entries;
            if (archive_entry_filetype(entry) == AE_IFREG && archive_entry_size_is_set(entry))
                bytes += qMax<qint64>(0, archive_entry_size(entry));
            if (bytes > m_options.maxExpandedBytes)
                return tooLarge(bytes, error);
        }
        if (r != ARCHIVE_EOF) {
            *error = Error(ErrorKind::Io,
                           QStringLiteral("Archive %1 is damaged: %2").arg(m_archivePath, archiveText(reader.get())));
            return false;
        }
        m_control.totalBytes = bytes;
        m_control.totalEntries = entries;
        return true;
    }

    bool tooLarge(qint64 bytes, Error *error)
    {
        *error = Error(ErrorKind::Unsafe,
                       QStringLiteral("Archive %1 expands to more than %2 (at least %3); refusing to extract it")
                           .arg(m_archivePath, formatBytes(m_options.maxExpandedBytes), formatBytes(bytes)));
        return false;
    }

    bool checkSpace(Error *error)
    {
        const QStorageInfo storage(m_root);
        const qint64 total = m_control.totalBytes.load();
        if (!storage.isValid())
            return true;   // unknown file system: the write errors will tell
        const qint64 usable = storage.bytesAvailable() - m_options.freeSpaceMarginBytes;
        if (total > usable) {
            *error = Error(ErrorKind::DiskFull,
                           QStringLiteral("Not enough free space in %1 to extract %2: it needs %3, %4 is available "
                                          "(keeping %5 free)")
                               .arg(m_targetDir, QFileInfo(m_archivePath).fileName(), formatBytes(total),
                                    formatBytes(qMax<qint64>(0, storage.bytesAvailable())),
                                    formatBytes(m_options.freeSpaceMarginBytes)));
            return false;
        }
        return true;
    }

    // Why this entry must not be written, or a null string when it is safe. Also produces the
    // cleaned names to give libarchive.
    QString refusal(archive_entry *entry, const QString &name, QString *clean, QString *cleanLink)
    {
        QString reason;
        *clean = pathguard::cleanRelative(name, &reason);
        if (clean->isNull())
            return reason;
        for (const QString &link : std::as_const(m_refusedLinks)) {
            if (clean->startsWith(link + QLatin1Char('/')))
                return QStringLiteral("lies below the refused link '%1'").arg(link);
        }
        const QString dest = pathguard::resolveOnDisk(m_root + QLatin1Char('/') + *clean, false);
        if (dest.isNull() || !pathguard::isInside(m_root, dest))
            return QStringLiteral("path passes through a symlink that leads outside the target folder");

        const QString hardlink = linkText(archive_entry_hardlink_utf8(entry), archive_entry_hardlink(entry));
        if (!hardlink.isEmpty()) {
            *cleanLink = pathguard::cleanRelative(hardlink, &reason);
            if (cleanLink->isNull())
                return QStringLiteral("hard link to '%1': %2").arg(hardlink, reason);
            const QString linked = pathguard::resolveOnDisk(m_root + QLatin1Char('/') + *cleanLink);
            if (linked.isNull() || !pathguard::isInside(m_root, linked))
                return QStringLiteral("hard link target '%1' lies outside the target folder").arg(hardlink);
            return {};
        }
        // Hard links are checked first: tar readers may report them without a file type.
        const mode_t type = archive_entry_filetype(entry);
        if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK)
            return QStringLiteral("device, FIFO and socket entries are not extracted");
        if (type == AE_IFLNK) {
            const QString target = linkText(archive_entry_symlink_utf8(entry), archive_entry_symlink(entry));
            if (target.isEmpty())
                return QStringLiteral("symlink without a target");
            const QString base = target.startsWith(QLatin1Char('/'))
                ? target
                : QFileInfo(dest).path() + QLatin1Char('/') + target;
            const QString resolved = pathguard::resolveOnDisk(base);
            if (resolved.isNull() || !pathguard::isInside(m_root, resolved))
                return QStringLiteral("symlink target '%1' leads outside the target folder").arg(target);
        }
        return {};
    }

    void refuse(archive_entry *entry, const QString &name, const QString &reason)
    {
        m_result.refused.append({ name, reason });
        const bool isLink = archive_entry_filetype(entry) == AE_IFLNK || archive_entry_hardlink(entry);
        QString ignored;
        const QString clean = pathguard::cleanRelative(name, &ignored);
        if (isLink && !clean.isNull())
            m_refusedLinks << clean;
    }

    // A write failure: disk full and permission problems stop everything (naming the file);
    // anything else libarchive refused (its own security checks) is a refused entry.
    bool writeFailed(archive *disk, archive_entry *entry, const QString &name, int code, Error *error)
    {
        const int err = archive_errno(disk);
        const QString text = archiveText(disk);
        if (err == ENOSPC || err == EDQUOT) {
            *error = Error(ErrorKind::DiskFull, QStringLiteral("Disk full while writing %1 in %2: %3")
                                                    .arg(name, m_targetDir, text));
            return false;
        }
        if (code == ARCHIVE_FATAL || err == EACCES || err == EPERM || err == EROFS || err == EFBIG || err == EIO) {
            *error = Error(ErrorKind::Io, QStringLiteral("Cannot write %1 in %2: %3").arg(name, m_targetDir, text));
            return false;
        }
        refuse(entry, name, text);
        return true;
    }

    bool copyData(archive *reader, archive *disk, archive_entry *entry, const QString &name, Error *error)
    {
        const void *buf = nullptr;
        size_t size = 0;
        la_int64_t offset = 0;
        int r;
        while ((r = archive_read_data_block(reader, &buf, &size, &offset)) == ARCHIVE_OK) {
            if (cancelled(error))
                return false;
            if (m_result.bytesWritten + qint64(size) > m_options.maxExpandedBytes)
                return tooLarge(m_result.bytesWritten + qint64(size), error);
            if (archive_write_data_block(disk, buf, size, offset) < ARCHIVE_OK)
                return writeFailed(disk, entry, name, ARCHIVE_FATAL, error);
            m_result.bytesWritten += qint64(size);
            m_control.bytesDone = m_result.bytesWritten;
        }
        if (r != ARCHIVE_EOF) {
            *error = Error(ErrorKind::Io, QStringLiteral("Archive %1 is damaged at %2: %3")
                                              .arg(m_archivePath, name, archiveText(reader)));
            return false;
        }
        return true;
    }

    bool extract(Error *error)
    {
        ThreadWorkingDir cwd;
        const bool relative = cwd.enter(m_root);
        ReadArchive reader = openReader(m_archivePath, error);
        if (!reader)
            return false;
        WriteArchive disk(archive_write_disk_new());
        int flags = ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS;
        // Without a private working directory the names are made absolute below, so libarchive's
        // absolute-path check cannot apply; our own check has refused absolute members already.
        if (relative)
            flags |= ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS;
        archive_write_disk_set_options(disk.get(), flags);
        archive_write_disk_set_standard_lookup(disk.get());

        archive_entry *entry = nullptr;
        int r;
        while ((r = archive_read_next_header(reader.get(), &entry)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
            if (cancelled(error))
                return false;
            if (!extractEntry(reader.get(), disk.get(), entry, relative, error)) {
                // Closing the writer pads a half-written file to its declared size; remove it so
                // nothing incomplete looks complete.
                disk.reset();
                if (!m_partialFile.isEmpty())
                    QFile::remove(m_partialFile);
                return false;
            }
            m_control.entriesDone.fetch_add(1);
        }
        if (r != ARCHIVE_EOF) {
            *error = Error(ErrorKind::Io,
                           QStringLiteral("Archive %1 is damaged: %2").arg(m_archivePath, archiveText(reader.get())));
            return false;
        }
        if (archive_write_close(disk.get()) != ARCHIVE_OK) {
            *error = Error(ErrorKind::Io, QStringLiteral("Cannot finish extracting into %1: %2")
                                              .arg(m_targetDir, archiveText(disk.get())));
            return false;
        }
        return true;
    }

    bool extractEntry(archive *reader, archive *disk, archive_entry *entry, bool relative, Error *error)
    {
        const QString name = entryName(entry);
        // "./" and "." are the target folder itself, which exists.
        if (archive_entry_filetype(entry) == AE_IFDIR
            && QDir::cleanPath(name.isEmpty() ? QStringLiteral(".") : name) == QLatin1String("."))
            return true;
        QString clean, cleanLink;
        const QString reason = refusal(entry, name, &clean, &cleanLink);
        if (!reason.isNull()) {
            refuse(entry, name, reason);
            return true;
        }
        const QString prefix = relative ? QString() : m_root + QLatin1Char('/');
        archive_entry_copy_pathname(entry, QFile::encodeName(prefix + clean).constData());
        if (!cleanLink.isNull())
            archive_entry_copy_hardlink(entry, QFile::encodeName(prefix + cleanLink).constData());

        int r = archive_write_header(disk, entry);
        if (r < ARCHIVE_WARN)
            return writeFailed(disk, entry, name, r, error);
        if (archive_entry_filetype(entry) == AE_IFREG && archive_entry_size(entry) > 0 && cleanLink.isNull()) {
            m_partialFile = m_root + QLatin1Char('/') + clean;
            if (!copyData(reader, disk, entry, name, error))
                return false;
        }
        r = archive_write_finish_entry(disk);
        if (r < ARCHIVE_WARN)
            return writeFailed(disk, entry, name, r, error);
        m_partialFile.clear();
        if (archive_entry_filetype(entry) == AE_IFDIR)
            ++m_result.directoriesCreated;
        else
            ++m_result.filesExtracted;
        return true;
    }

    const QString m_archivePath;
    const QString m_targetDir;
    const ExtractOptions m_options;
    ExtractControl &m_control;
    QString m_root;                 // canonical target folder
    QStringList m_refusedLinks;     // cleaned names of refused symlinks/hard links
    QString m_partialFile;          // regular file being written, removed if the write stops
    ExtractResult m_result;
};

}  // namespace

ExtractOutcome extractArchive(const QString &archivePath, const QString &targetDir, const ExtractOptions &options,
                              ExtractControl &control)
{
    return Extraction(QFileInfo(archivePath).absoluteFilePath(), QDir::cleanPath(QDir(targetDir).absolutePath()),
                      options, control)
        .run();
}

}  // namespace bd
