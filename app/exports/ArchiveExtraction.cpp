#include "exports/ArchiveExtraction.h"

#include "core/Format.h"
#include "exports/ConfinedDir.h"
#include "exports/ExportLayout.h"
#include "exports/ExportLog.h"
#include "exports/PathGuard.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <archive.h>
#include <archive_entry.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>

namespace bd {

namespace {

constexpr size_t kReadBlock = 256 * 1024;
constexpr qint64 kGrowStep = qint64(64) << 20;   // reservation added when an archive under-declares
const QLatin1String kTempPrefix(".bd-extract-");
std::atomic<quint64> g_tempCounter{ 0 };   // unique temp names across parallel extractions

struct ArchiveReadDeleter { void operator()(archive *a) const { archive_read_free(a); } };
using ReadArchive = std::unique_ptr<archive, ArchiveReadDeleter>;

struct FdCloser {
    int fd;
    ~FdCloser() { if (fd >= 0) ::close(fd); }
};

QString archiveText(archive *a)
{
    const char *s = archive_error_string(a);
    return s ? QString::fromLocal8Bit(s) : QStringLiteral("unknown error");
}

QString textOf(const char *utf8, const char *raw)
{
    if (utf8)
        return QString::fromUtf8(utf8);
    return raw ? QFile::decodeName(raw) : QString();
}

la_ssize_t readStream(archive *a, void *client, const void **buffer)
{
    const qint64 n = static_cast<ArchiveStream *>(client)->read(buffer);
    if (n < 0) {
        archive_set_error(a, EIO, "the download stopped");
        return -1;
    }
    return la_ssize_t(n);
}

ReadArchive openStreamReader(ArchiveStream *stream, const QString &name, Error *error)
{
    ReadArchive a(archive_read_new());
    archive_read_support_format_all(a.get());
    archive_read_support_filter_all(a.get());
    if (archive_read_open(a.get(), stream, nullptr, readStream, nullptr) != ARCHIVE_OK) {
        *error = Error(ErrorKind::Io, QStringLiteral("Cannot read archive %1: %2").arg(name, archiveText(a.get())));
        return {};
    }
    return a;
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

// A link target read lexically: absolute, or climbing above the folder it sits in.
bool leadsOutside(const QString &linkName, const QString &target)
{
    if (target.startsWith(QLatin1Char('/')))
        return true;
    int depth = int(linkName.count(QLatin1Char('/')));
    for (const QString &part : target.split(QLatin1Char('/'), Qt::SkipEmptyParts)) {
        if (part == QLatin1String(".."))
            --depth;
        else if (part != QLatin1String("."))
            ++depth;
        if (depth < 0)
            return true;
    }
    return false;
}

class Extraction
{
public:
    Extraction(const QString &archivePath, const QString &targetDir, const ExtractOptions &options,
               ExtractControl &control, ArchiveStream *stream = nullptr, qint64 streamBase = 0)
        : m_archivePath(archivePath), m_targetDir(targetDir), m_options(options), m_control(control)
        , m_budget(options.budget ? *options.budget : ExtractionBudget::shared())
        , m_stream(stream), m_streamBase(streamBase)
    {
    }

    ~Extraction()
    {
        if (m_ticket > 0)
            m_budget.release(m_ticket);
    }

    ExtractOutcome run()
    {
        ExtractOutcome out;
        // A stream cannot be read twice: no prescan, each member is checked as its header comes.
        if (prepareTarget(&out.error) && (m_stream || prescan(&out.error)) && reserveSpace(&out.error))
            extract(&out.error);
        out.result = m_result;
        if (!out.error && !m_stream && m_options.deleteArchiveOnSuccess)
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

    QString archiveName() const { return QFileInfo(m_archivePath).fileName(); }

    bool prepareTarget(Error *error)
    {
        const QFileInfo info(m_archivePath);
        if (!m_stream && !info.isFile()) {
            *error = Error(ErrorKind::InvalidInput, QStringLiteral("Archive %1 does not exist").arg(m_archivePath));
            return false;
        }
        m_dir = ConfinedDir::open(m_targetDir, true, error);
        if (!m_dir.isValid())
            return false;
        // The archive itself usually sits in the target: no member may take its name.
        const QString rel = QDir(m_targetDir).relativeFilePath(m_archivePath);
        if (!rel.startsWith(QLatin1String("../")) && rel != QLatin1String(".."))
            m_reserved.insert(rel);
        if (!m_stream)
            setLimit(info.size());
        else
            m_limit = m_options.maxExpandedBytes;   // until the stream tells the archive's size
        return true;
    }

    void setLimit(qint64 archiveSize)
    {
        m_archiveSize = archiveSize;
        m_limit = m_options.maxExpandedBytes;
        // An unknown size (no Content-Length) leaves the absolute cap only.
        if (m_options.maxExpansionRatio > 0 && archiveSize >= 0)
            m_limit = qMin(m_limit, qMax(m_options.ratioFloorBytes, archiveSize * m_options.maxExpansionRatio));
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
            if (bytes > m_limit)
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
        const qint64 size = m_archiveSize;
        QString rule = QStringLiteral("the cap is %1").arg(formatBytes(m_options.maxExpandedBytes));
        if (m_options.maxExpansionRatio > 0 && m_limit < m_options.maxExpandedBytes)
            rule = QStringLiteral("the cap is %1× its size of %2, at least %3")
                       .arg(m_options.maxExpansionRatio)
                       .arg(formatBytes(size), formatBytes(m_options.ratioFloorBytes));
        *error = Error(ErrorKind::Unsafe,
                       QStringLiteral("Archive %1 expands to more than %2 (at least %3; %4); refusing it as a "
                                      "possible decompression bomb")
                           .arg(m_archivePath, formatBytes(m_limit), formatBytes(bytes), rule));
        return false;
    }

    bool reserveSpace(Error *error)
    {
        const qint64 declared = qMax<qint64>(0, m_control.totalBytes.load());   // streamed: grows per member
        m_ticket = m_budget.reserve(m_targetDir, declared, m_options.freeSpaceMarginBytes, archiveName(), error);
        m_reservedBytes = declared;
        return m_ticket > 0;
    }

    // The names an export keeps for itself, and members below a refused link.
    QString collision(const QString &clean) const
    {
        const QString leaf = clean.section(QLatin1Char('/'), -1);
        if (leaf == ExportLog::fileName())
            return QStringLiteral("takes the name of the export log");
        if (leaf.endsWith(QLatin1String(".part")))
            return QStringLiteral("takes a name the export uses for partial downloads (*.part)");
        if (leaf.startsWith(kTempPrefix))
            return QStringLiteral("takes a name the extraction uses for its temporary files");
        // Every ancestor and the name itself: O(depth) hashed lookups, whatever came before.
        qsizetype slash = -1;
        do {
            slash = clean.indexOf(QLatin1Char('/'), slash + 1);
            const QString prefix = slash < 0 ? clean : clean.left(slash);
            if (slash >= 0 && m_refusedLinks.contains(prefix))
                return QStringLiteral("lies below the refused link '%1'").arg(prefix);
            if (m_reserved.contains(prefix) || m_options.reservedPaths.contains(prefix))
                return QStringLiteral("collides with '%1', a file of this export").arg(prefix);
        } while (slash >= 0);
        return {};
    }

    void refuse(const QString &name, const QString &reason, const QString &clean = {}, bool isLink = false)
    {
        m_result.refused.append({ name, reason });
        if (isLink && !clean.isEmpty())
            m_refusedLinks.insert(clean);
    }

    // An errno while writing a member: a full disk or a refused write stops everything (naming
    // the member); a link or a file in the way refuses that member only.
    bool writeFailed(int err, const QString &name, const QString &clean, Error *error)
    {
        if (err == ENOSPC || err == EDQUOT) {
            *error = Error(ErrorKind::DiskFull, QStringLiteral("Disk full while writing %1 in %2: %3")
                                                    .arg(name, m_targetDir, QString::fromLocal8Bit(std::strerror(err))));
            return false;
        }
        if (err == EACCES || err == EPERM || err == EROFS || err == EFBIG || err == EIO || err == EMFILE
            || err == ENFILE) {
            *error = Error(ErrorKind::Io, QStringLiteral("Cannot write %1 in %2: %3")
                                              .arg(name, m_targetDir, QString::fromLocal8Bit(std::strerror(err))));
            return false;
        }
        refuse(name, QStringLiteral("cannot be written at '%1': %2").arg(clean, ConfinedDir::describe(err)));
        return true;
    }

    bool extract(Error *error)
    {
        ReadArchive reader = m_stream ? openStreamReader(m_stream, m_archivePath, error) : openReader(m_archivePath, error);
        if (!reader)
            return false;
        archive_entry *entry = nullptr;
        int r;
        while ((r = archive_read_next_header(reader.get(), &entry)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
            if (m_stream)
                noteStreamPosition(reader.get());
            if (cancelled(error) || !extractEntry(reader.get(), entry, error))
                return false;
            m_control.entriesDone.fetch_add(1);
        }
        if (r != ARCHIVE_EOF) {
            *error = Error(ErrorKind::Io,
                           QStringLiteral("Archive %1 is damaged: %2").arg(m_archivePath, archiveText(reader.get())));
            return false;
        }
        return true;
    }

    // A new header was read: every member before it is done, so a later run may start over at
    // this header with a Range request — in an uncompressed tar (no decoder state to rebuild), and
    // only while no link was refused (a new reader would not know to refuse what lies below it).
    void noteStreamPosition(archive *reader)
    {
        if (m_limitPending) {
            m_limitPending = false;
            setLimit(m_stream->archiveSize());
        }
        const bool resumable = archive_filter_code(reader, 0) == ARCHIVE_FILTER_NONE
            && (archive_format(reader) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_TAR && m_refusedLinks.isEmpty();
        if (resumable)
            m_control.resumeOffset = m_streamBase + archive_read_header_position(reader);
    }

    // Streamed: the member's declared size is checked against the caps and added to the
    // free-space reservation before any of its bytes is written.
    bool admitDeclaredSize(archive_entry *entry, Error *error)
    {
        if (!m_stream || !archive_entry_size_is_set(entry))
            return true;
        const qint64 after = m_result.bytesWritten + qMax<qint64>(0, archive_entry_size(entry));
        if (after > m_limit)
            return tooLarge(after, error);
        if (after > m_reservedBytes) {
            if (!m_budget.grow(m_ticket, after - m_reservedBytes, error))
                return false;
            m_reservedBytes = after;
        }
        return true;
    }

    bool extractEntry(archive *reader, archive_entry *entry, Error *error)
    {
        const QString name = textOf(archive_entry_pathname_utf8(entry), archive_entry_pathname(entry));
        const mode_t type = archive_entry_filetype(entry);
        // "./" and "." are the target folder itself, which exists.
        if (type == AE_IFDIR && QDir::cleanPath(name.isEmpty() ? QStringLiteral(".") : name) == QLatin1String("."))
            return true;
        QString reason;
        const QString clean = pathguard::cleanRelative(name, &reason);
        if (clean.isNull()) {
            refuse(name, reason);
            return true;
        }
        // Hard links first: tar readers may report them without a file type.
        const QString hardlink = textOf(archive_entry_hardlink_utf8(entry), archive_entry_hardlink(entry));
        if (!hardlink.isEmpty()) {
            refuse(name, QStringLiteral("hard link to '%1' is not extracted (links in archives are never created)")
                             .arg(hardlink), clean, true);
            return true;
        }
        if (type == AE_IFLNK) {
            const QString target = textOf(archive_entry_symlink_utf8(entry), archive_entry_symlink(entry));
            refuse(name, QStringLiteral("symlink to '%1' is not extracted (links in archives are never created%2)")
                             .arg(target, leadsOutside(clean, target)
                                              ? QStringLiteral("; this one leads outside the target folder")
                                              : QString()), clean, true);
            return true;
        }
        if (type != AE_IFREG && type != AE_IFDIR) {
            refuse(name, QStringLiteral("device, FIFO and socket entries are not extracted"));
            return true;
        }
        const QString clash = collision(clean);
        if (!clash.isNull()) {
            refuse(name, clash);
            return true;
        }
        if (type == AE_IFDIR) {
            const int fd = m_dir.makeDirs(clean);
            if (fd < 0)
                return writeFailed(errno, name, clean, error);
            ::close(fd);
            ++m_result.directoriesCreated;
            return true;
        }
        return admitDeclaredSize(entry, error) && writeFile(reader, entry, name, clean, error);
    }

    // Data goes to an anonymous file (O_TMPFILE; a crash leaves nothing behind) in the member's
    // folder, or to a fresh temp name (O_EXCL) where the file system has no O_TMPFILE; it gets its
    // name only when complete: linked in when the name is free, else linked to a temp name and
    // renamed over it, so whatever was planted under that name is replaced, never written through.
    bool writeFile(archive *reader, archive_entry *entry, const QString &name, const QString &clean, Error *error)
    {
        QByteArray leaf;
        FdCloser parent{ m_dir.openParent(clean, &leaf, true) };
        if (parent.fd < 0)
            return writeFailed(errno, name, clean, error);
        const QByteArray temp = (kTempPrefix + QString::number(::getpid()) + QLatin1Char('-')
                                 + QString::number(g_tempCounter.fetch_add(1) + 1)).toLatin1();
        int fd = ::openat(parent.fd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
        const bool anonymous = fd >= 0;
        if (!anonymous)
            fd = ::openat(parent.fd, temp.constData(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0)
            return writeFailed(errno, name, clean, error);
        FdCloser file{ fd };
        bool named = !anonymous;
        auto dropTemp = [&] {
            if (named)
                ::unlinkat(parent.fd, temp.constData(), 0);
        };
        if (!copyData(reader, fd, name, error)) {
            dropTemp();
            return false;
        }
        if (m_writeErrno != 0) {
            const int err = std::exchange(m_writeErrno, 0);
            dropTemp();
            return writeFailed(err, name, clean, error);
        }
        const timespec times[2] = { { archive_entry_mtime(entry), 0 }, { archive_entry_mtime(entry), 0 } };
        ::futimens(fd, times);
        if (anonymous) {
            const QByteArray self = "/proc/self/fd/" + QByteArray::number(fd);
            if (::linkat(AT_FDCWD, self.constData(), parent.fd, leaf.constData(), AT_SYMLINK_FOLLOW) == 0) {
                ++m_result.filesExtracted;
                m_result.written << clean;
                return true;
            }
            if (errno != EEXIST || ::linkat(AT_FDCWD, self.constData(), parent.fd, temp.constData(), AT_SYMLINK_FOLLOW) != 0)
                return writeFailed(errno, name, clean, error);
            named = true;
        }
        if (::renameat(parent.fd, temp.constData(), parent.fd, leaf.constData()) != 0) {
            const int err = errno;
            dropTemp();
            return writeFailed(err, name, clean, error);
        }
        ++m_result.filesExtracted;
        m_result.written << clean;
        return true;
    }

    // False (with *error) stops the extraction; a local write errno is left in m_writeErrno.
    bool copyData(archive *reader, int fd, const QString &name, Error *error)
    {
        const void *buf = nullptr;
        size_t size = 0;
        la_int64_t offset = 0;
        qint64 fileBytes = 0;
        int r;
        while ((r = archive_read_data_block(reader, &buf, &size, &offset)) == ARCHIVE_OK) {
            if (cancelled(error))
                return false;
            const qint64 after = m_result.bytesWritten + qint64(size);
            if (after > m_limit)
                return tooLarge(after, error);
            if (after > m_reservedBytes) {
                const qint64 extra = qMax(kGrowStep, after - m_reservedBytes);
                if (!m_budget.grow(m_ticket, extra, error))
                    return false;
                m_reservedBytes += extra;
            }
            // Sparse members give offsets past what was written: a hole, not a jump.
            if (offset > fileBytes && ::ftruncate(fd, offset) != 0) {
                m_writeErrno = errno;
                return true;
            }
            const char *data = static_cast<const char *>(buf);
            qint64 left = qint64(size);
            while (left > 0) {
                const ssize_t n = ::pwrite(fd, data, size_t(left), offset);
                if (n < 0) {
                    if (errno == EINTR)
                        continue;
                    m_writeErrno = errno;
                    return true;
                }
                data += n;
                left -= n;
                offset += n;
            }
            fileBytes = qMax<qint64>(fileBytes, offset);
            m_result.bytesWritten = after;
            m_control.bytesDone = after;
            m_budget.consumed(m_ticket, after);
        }
        if (r != ARCHIVE_EOF) {
            *error = Error(ErrorKind::Io, QStringLiteral("Archive %1 is damaged at %2: %3")
                                              .arg(m_archivePath, name, archiveText(reader)));
            return false;
        }
        return true;
    }

    const QString m_archivePath;
    const QString m_targetDir;
    const ExtractOptions m_options;
    ExtractControl &m_control;
    ExtractionBudget &m_budget;
    ArchiveStream *const m_stream;   // null: the archive is the file at m_archivePath
    const qint64 m_streamBase;       // the stream's first byte is this byte of the archive
    bool m_limitPending = true;      // streamed: the size (and so the ratio cap) comes with the bytes
    qint64 m_archiveSize = -1;
    ConfinedDir m_dir;
    qint64 m_limit = 0;              // expanded bytes allowed for this archive
    qint64 m_ticket = 0;             // free-space reservation
    qint64 m_reservedBytes = 0;
    QSet<QString> m_refusedLinks;    // cleaned names of refused symlinks / hard links
    QSet<QString> m_reserved;        // the archive's own name (relative to the target)
    int m_writeErrno = 0;
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

ExtractOutcome extractStream(ArchiveStream &stream, qint64 streamBase, const QString &archivePath,
                             const QString &targetDir, const ExtractOptions &options, ExtractControl &control)
{
    return Extraction(QFileInfo(archivePath).absoluteFilePath(), QDir::cleanPath(QDir(targetDir).absolutePath()),
                      options, control, &stream, streamBase)
        .run();
}

}  // namespace bd
