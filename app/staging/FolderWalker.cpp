#include "staging/FolderWalker.h"

#include "core/Timeline.h"
#include "staging/BatchNaming.h"
#include "staging/ScanStore.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <unistd.h>

namespace bd::staging {

namespace {

QByteArray native(const QString &path)
{
    return QFile::encodeName(path);
}

QString errnoText(int err)
{
    return QString::fromLocal8Bit(std::strerror(err));
}

QString childPath(const QString &dir, const QString &name)
{
    return dir.endsWith(QLatin1Char('/')) ? dir + name : dir + QLatin1Char('/') + name;
}

QString canonical(const QString &path)
{
    char *resolved = ::realpath(native(path).constData(), nullptr);
    if (!resolved)
        return {};
    const QString out = QFile::decodeName(resolved);
    ::free(resolved);
    return out;
}

// What a suspect names as the file it may duplicate: its canonical path, never null (a null
// detail is how the store tells other files).
QString suspectDetail(const QString &path)
{
    const QString resolved = canonical(path);
    return resolved.isEmpty() ? path : resolved;
}

bool isAncestorOrSelf(const QString &ancestor, const QString &path)
{
    if (ancestor == QLatin1String("/"))
        return true;
    return path == ancestor || path.startsWith(ancestor + QLatin1Char('/'));
}

// Reads the first bytes of a file (through the entry's fd opened ahead, if any). Empty result
// with *err set when it cannot be opened or read.
QByteArray readHead(EntryAt at, int bytes, int *err)
{
    *err = 0;
    if (at.headBytes >= 0 && bytes <= kImageMagicBytes)   // read ahead (a shorter file: all of it)
        return QByteArray(at.head, qMin(bytes, at.headBytes));
    const int fd = at.openFd >= 0 ? at.openFd : ::openat(at.dirFd, at.name, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        *err = errno;
        return {};
    }
    QByteArray head(bytes, Qt::Uninitialized);
    const ssize_t n = ::pread(fd, head.data(), size_t(bytes), 0);
    if (n < 0)
        *err = errno;
    if (fd != at.openFd)
        ::close(fd);
    head.resize(n < 0 ? 0 : int(n));
    return head;
}

// The walk's read-ahead: the regular files among the next entries of a folder are opened and
// their first kReadAheadBytes asked of the disk at once (posix_fadvise WILLNEED starts the
// reads and returns), so the head each file's check reads, and the bytes the upload reads next,
// are found in memory. On a cold folder the walk otherwise waited for one small read per file,
// one at a time (10 000 images: 1.4 s of walk, the upload starved; twice curl's time reading
// pre-built tars); now up to readAheadFiles() reads are in flight, and one read per small file
// brings it whole instead of its head first and the rest later (20 000 reads -> 10 000).
constexpr int kReadAheadFiles = 64;
constexpr off_t kReadAheadBytes = 256 * 1024;

// The window, held to a sixteenth of the process's open-file limit (64 of the usual 1 024), so
// that the files it holds open never leave the walk's own opens, or the upload's, without one.
int readAheadFiles()
{
    static const int files = [] {
        struct rlimit limit {};
        if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
            return kReadAheadFiles;
        return int(std::clamp<rlim_t>(limit.rlim_cur / 16, 1, kReadAheadFiles));
    }();
    return files;
}

struct AheadEntry {
    QByteArray raw;   // the name as the folder holds it
    QString name;
    int fd = -1;
    char head[kImageMagicBytes];
    int headBytes = -1;   // read (<= kImageMagicBytes: the file may be shorter), or -1
};

// The head of a file opened ahead, read only if the page cache holds it (RWF_NOWAIT: no wait
// for the disk). A file found there needs no read-ahead: asking for it anyway was one
// posix_fadvise per file for nothing (~1.3 us each, 100 000 files of a folder just written).
// A file not found (EAGAIN), or a kernel or file system without RWF_NOWAIT, is read ahead,
// and its head read later as before.
bool readHeadIfCached(AheadEntry *entry)
{
    iovec io{ entry->head, sizeof entry->head };
    const ssize_t n = ::preadv2(entry->fd, &io, 1, 0, RWF_NOWAIT);
    if (n < 0)
        return false;
    entry->headBytes = int(n);
    return true;
}

bool worthReadingAhead(const dirent *ent, const QString &name, bool includeHidden)
{
    // Only what readdir says is a regular file (never a FIFO, device or link: opening one may
    // block, have effects or go elsewhere), with a media extension and not skipped as hidden.
    MediaKind kind;
    return ent->d_type == DT_REG && (includeHidden || ent->d_name[0] != '.') && mediaKindForName(name, &kind);
}

}  // namespace

FolderWalker::FolderWalker(const ScanOptions &options, const std::atomic<bool> *cancel,
                           std::atomic<qint64> *progress)
    : m_options(options), m_cancel(cancel), m_progress(progress)
{
}

FolderWalker::~FolderWalker() = default;

ScanResult FolderWalker::scan(const QStringList &inputs)
{
    m_result = {};
    m_store.reset();
    if (m_options.toDatabase) {
        QString error;
        std::shared_ptr<ScanFile> file = ScanStore::create(&error);
        if (file)
            m_store = std::make_unique<ScanStore>(std::move(file));
        if (!m_store || !m_store->isOpen()) {
            m_result.storeError = m_store ? m_store->lastError() : error;
            m_store.reset();
            return std::move(m_result);
        }
        m_early.reset();
        if (m_earlyOptions.enabled && m_earlyOptions.waiting && m_earlyOptions.handOut) {
            NameCertainty certainty;
            timeline::mark(QStringLiteral("scan: names pre-pass starts"));
            const bool prepared = certainty.prepare(inputs, m_options, m_cancel);
            timeline::mark(QStringLiteral("scan: names pre-pass done"));
            if (prepared)
                m_early = std::make_unique<EarlyShardBuilder>(m_earlyOptions, std::move(certainty));
        }
    }
    for (const QString &input : inputs) {
        if (cancelled())
            break;
        const QString path = QDir::cleanPath(QFileInfo(input).absoluteFilePath());
        visitEntry(path, QFileInfo(path).fileName(), true);
        drainFolders();
    }
    while (!m_deferredLinks.isEmpty() && !cancelled()) {
        const QString link = m_deferredLinks.takeFirst();
        struct stat target;
        const QByteArray full = native(link);
        if (followLink(link, &target))
            classify(link, QFileInfo(link).fileName(), target, true, false, EntryAt{ AT_FDCWD, full.constData() });
        drainFolders();
    }
    m_result.cancelled = m_cancel && m_cancel->load(std::memory_order_relaxed);
    m_pendingFolders.clear();
    m_deferredLinks.clear();
    if (m_store) {
        finishStore();
        return std::move(m_result);
    }

    auto byPath = [](const auto &a, const auto &b) { return a.path < b.path; };
    std::sort(m_result.accepted.begin(), m_result.accepted.end(), byPath);
    m_result.accepted.squeeze();   // growth slack is ~30 % of the largest per-file array
    std::sort(m_result.skipped.begin(), m_result.skipped.end(), byPath);
    BatchNaming::assign(m_result.accepted);
    m_visitedFolders.clear();
    m_acceptedFiles.clear();
    return std::move(m_result);
}

void FolderWalker::finishStore()
{
    m_visitedFolders.clear();
    timeline::mark(QStringLiteral("scan: walk done"));
    if (m_early && m_result.storeError.isEmpty())
        m_early->walkEnded(m_store.get(), m_result.imageCount);
    m_early.reset();
    qint64 duplicates = 0;
    const bool settled = m_result.storeError.isEmpty()
                         && m_store->resolveSuspects(
                             [this](MediaKind kind, qint64 size) {
                                 m_result.totalBytes += size;
                                 ++(kind == MediaKind::Image ? m_result.imageCount : m_result.videoCount);
                             },
                             &duplicates);
    m_result.skippedByReason[std::size_t(SkipReason::Duplicate)] += int(duplicates);
    timeline::mark(QStringLiteral("scan: suspects settled"));
    if (!settled || !m_store->finishWriting())
        storeFailed();
    if (m_result.storeError.isEmpty())
        m_result.skipped = m_store->skipped(0, ScanResult::kSkippedSample);
    m_result.file = m_store->file();
    m_store.reset();   // the connection belongs to this thread: closed here
}

void FolderWalker::storeFailed()
{
    if (m_result.storeError.isEmpty())
        m_result.storeError = m_store->lastError();
}

bool FolderWalker::cancelled() const
{
    return (m_cancel && m_cancel->load(std::memory_order_relaxed)) || !m_result.storeError.isEmpty();
}

void FolderWalker::tick()
{
    if (m_progress)
        m_progress->fetch_add(1, std::memory_order_relaxed);
}

void FolderWalker::drainFolders()
{
    while (!m_pendingFolders.isEmpty() && !cancelled())
        walk(m_pendingFolders.takeLast());
}

void FolderWalker::walk(const QString &folder)
{
    DIR *dir = ::opendir(native(folder).constData());
    if (!dir) {
        skip(folder, SkipReason::Unreadable, errnoText(errno));
        return;
    }
    const int dirFd = ::dirfd(dir);
    std::deque<AheadEntry> ahead;   // read, not visited yet
    bool listed = false;
    while (!cancelled()) {
        while (!listed && ahead.size() < std::size_t(readAheadFiles())) {
            errno = 0;
            const dirent *ent = ::readdir(dir);
            if (!ent) {
                if (errno != 0)
                    skip(folder, SkipReason::Unreadable, errnoText(errno));
                listed = true;
                break;
            }
            if (std::strcmp(ent->d_name, ".") == 0 || std::strcmp(ent->d_name, "..") == 0)
                continue;
            AheadEntry next{ QByteArray(ent->d_name), QFile::decodeName(ent->d_name), -1 };
            if (worthReadingAhead(ent, next.name, m_options.includeHidden)) {
                next.fd = ::openat(dirFd, ent->d_name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
                if (next.fd >= 0 && !readHeadIfCached(&next))
                    ::posix_fadvise(next.fd, 0, kReadAheadBytes, POSIX_FADV_WILLNEED);
            }
            ahead.push_back(std::move(next));
        }
        if (ahead.empty())
            break;
        const AheadEntry entry = std::move(ahead.front());
        ahead.pop_front();
        const QString &name = entry.name;
        // A name that is not valid in the system's encoding (UTF-8) decodes with replacement
        // characters and cannot be opened again by its path, as everything after the walk does:
        // said so here, rather than as a file that vanished.
        if (QFile::encodeName(name) != QByteArrayView(entry.raw)) {
            skip(childPath(folder, name), SkipReason::Unreadable,
                 QStringLiteral("its name is not valid UTF-8 (rename it to upload it)"));
        } else {
            visitEntry(childPath(folder, name), name, false,
                       EntryAt{ dirFd, entry.raw.constData(), entry.fd, entry.head, entry.headBytes });
        }
        if (entry.fd >= 0)
            ::close(entry.fd);
    }
    for (const AheadEntry &left : ahead) {   // (a cancel)
        if (left.fd >= 0)
            ::close(left.fd);
    }
    ::closedir(dir);
}

void FolderWalker::visitEntry(const QString &path, const QString &name, bool topLevel, EntryAt at)
{
    if (!topLevel && !m_options.includeHidden && name.startsWith(QLatin1Char('.'))) {
        skip(path, SkipReason::Hidden);
        return;
    }
    QByteArray full;
    if (!at.name) {
        full = native(path);
        at.name = full.constData();
    }
    // An entry the read-ahead opened (O_NOFOLLOW: never through a link) is stat'ed through its
    // descriptor, the same file its head is read from, without a second look-up of its name.
    struct stat st;
    if ((at.openFd >= 0 ? ::fstat(at.openFd, &st) : ::fstatat(at.dirFd, at.name, &st, AT_SYMLINK_NOFOLLOW)) != 0) {
        const int err = errno;
        skip(path, err == ENOENT ? SkipReason::NotFound : SkipReason::Unreadable, errnoText(err));
        return;
    }
    const bool isLink = S_ISLNK(st.st_mode);
    if (isLink && !topLevel) {
        if (m_options.followSymlinks)
            m_deferredLinks.push_back(path);
        else
            skip(path, SkipReason::SymlinkNotFollowed);
        return;
    }
    if (isLink && !followLink(path, &st))
        return;
    classify(path, name, st, isLink, topLevel, at);
}

void FolderWalker::classify(const QString &path, const QString &name, const struct stat &st, bool isLink,
                            bool topLevel, EntryAt at)
{
    if (S_ISDIR(st.st_mode)) {
        if (!topLevel && !m_options.recursive)
            skip(path, SkipReason::SubfolderNotScanned);
        else
            enterFolder(path, st, isLink);
        return;
    }
    if (!S_ISREG(st.st_mode)) {
        skip(path, SkipReason::NotRegularFile);
        return;
    }
    considerFile(path, name, st, at);
}

bool FolderWalker::followLink(const QString &path, struct stat *target)
{
    if (::stat(native(path).constData(), target) == 0)
        return true;
    const int err = errno;
    const QString linkTarget = QFileInfo(path).symLinkTarget();
    if (err == ELOOP)
        skip(path, SkipReason::SymlinkLoop, linkTarget);
    else if (err == ENOENT || err == ENOTDIR)
        skip(path, SkipReason::BrokenSymlink, linkTarget);
    else
        skip(path, SkipReason::Unreadable, errnoText(err));
    return false;
}

void FolderWalker::enterFolder(const QString &path, const struct stat &st, bool viaSymlink)
{
    if (viaSymlink) {
        // A link to one of its own ancestors would walk forever; report it as the loop it is,
        // even when the ancestor lies outside what the user asked to scan.
        const QString target = canonical(path);
        const QString linkParent = canonical(QFileInfo(path).path());
        if (!target.isEmpty() && !linkParent.isEmpty() && isAncestorOrSelf(target, linkParent)) {
            skip(path, SkipReason::SymlinkLoop, target);
            return;
        }
    }
    const FileId id{ quint64(st.st_dev), quint64(st.st_ino) };
    if (m_visitedFolders.contains(id)) {
        skip(path, SkipReason::Duplicate, viaSymlink ? canonical(path) : QString());
        return;
    }
    m_visitedFolders.insert(id);
    tick();
    m_pendingFolders.push_back(path);
}

void FolderWalker::considerFile(const QString &path, const QString &name, const struct stat &st, EntryAt at)
{
    MediaKind kind = MediaKind::Image;
    if (!mediaKindForName(name, &kind)) {
        skip(path, SkipReason::UnsupportedExtension);
        return;
    }
    const bool wanted = m_options.media == MediaSelection::Both
                        || (kind == MediaKind::Image) == (m_options.media == MediaSelection::Images);
    if (!wanted) {
        skip(path, SkipReason::UnsupportedExtension,
             kind == MediaKind::Image ? QStringLiteral("images not selected") : QStringLiteral("videos not selected"));
        return;
    }
    const ScanStore::InodeSeen seen = m_store ? m_store->checkInode(quint64(st.st_dev), quint64(st.st_ino))
                                      : m_acceptedFiles.contains({ quint64(st.st_dev), quint64(st.st_ino) })
                                          ? ScanStore::InodeSeen::Yes
                                          : ScanStore::InodeSeen::No;
    if (seen == ScanStore::InodeSeen::Yes) {
        skip(path, SkipReason::Duplicate, canonical(path));
        return;
    }
    if (st.st_size == 0) {
        skip(path, SkipReason::EmptyFile);
        return;
    }
    if (kind == MediaKind::Image && st.st_size > kMaxImageBytes) {
        skip(path, SkipReason::TooLarge);
        return;
    }
    // Open it now: a file we cannot read would fail the upload much later.
    int err = 0;
    const QByteArray head = readHead(at, kImageMagicBytes, &err);
    if (err != 0) {
        skip(path, SkipReason::Unreadable, errnoText(err));
        return;
    }
    if (kind == MediaKind::Image && !looksLikeImage(head)) {
        skip(path, SkipReason::NotAnImage);
        return;
    }
    accept(path, st, kind, seen == ScanStore::InodeSeen::Maybe);
}

void FolderWalker::skip(const QString &path, SkipReason reason, const QString &detail)
{
    if (m_store) {
        if (!m_store->addSkipped(path, reason, detail))
            storeFailed();
    } else {
        m_result.skipped.push_back({ path, reason, detail });
    }
    ++m_result.skippedByReason[std::size_t(reason)];
    tick();
}

void FolderWalker::accept(const QString &path, const struct stat &st, MediaKind kind, bool suspect)
{
    if (m_store) {
        const QString base = BatchNaming::baseName(path);
        // A suspect (maybe another name of a file already accepted) is counted, and may go in
        // a shard, only once the store has settled it (finishStore).
        if (!m_store->addAccepted(path, qint64(st.st_size), qint64(st.st_mtime), kind, quint64(st.st_dev),
                                  quint64(st.st_ino), base, BatchNaming::collisionKey(base),
                                  suspect ? suspectDetail(path) : QString()))
            storeFailed();
        if (suspect) {
            tick();
            return;
        }
        m_result.totalBytes += qint64(st.st_size);
        ++(kind == MediaKind::Image ? m_result.imageCount : m_result.videoCount);
        if (m_early && m_result.storeError.isEmpty()) {
            ScannedFile file;
            file.path = path;
            file.batchName = base;
            file.size = qint64(st.st_size);
            file.mtime = QDateTime::fromSecsSinceEpoch(qint64(st.st_mtime), Qt::UTC);
            file.kind = kind;
            const int slash = path.lastIndexOf(QLatin1Char('/'));
            m_early->accepted(m_store.get(), file, base, NameCertainty::keyOfFileName(path.mid(slash + 1)),
                              m_result.imageCount);
        }
        tick();
        return;
    }
    m_acceptedFiles.insert({ quint64(st.st_dev), quint64(st.st_ino) });
    ScannedFile file;
    file.path = path;
    file.size = qint64(st.st_size);
    file.mtime = QDateTime::fromSecsSinceEpoch(qint64(st.st_mtime), Qt::UTC);
    file.kind = kind;
    m_result.totalBytes += file.size;
    m_result.accepted.push_back(std::move(file));
    ++(kind == MediaKind::Image ? m_result.imageCount : m_result.videoCount);
    tick();
}

}  // namespace bd::staging
