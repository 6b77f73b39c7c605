#include "exports/ConfinedDir.h"

#include <QFile>
#include <QStringList>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace bd {

namespace {

std::atomic<bool> g_haveOpenat2{ true };
std::atomic<bool> g_forceFallback{ false };

struct Fd {
    int fd = -1;
    explicit Fd(int f = -1) : fd(f) {}
    ~Fd() { if (fd >= 0) ::close(fd); }
    Fd(const Fd &) = delete;
    Fd &operator=(const Fd &) = delete;
    int release() { const int f = fd; fd = -1; return f; }
    void reset(int f) { if (fd >= 0) ::close(fd); fd = f; }
};

QList<QByteArray> components(const QString &rel)
{
    QList<QByteArray> out;
    for (const QString &part : rel.split(QLatin1Char('/'), Qt::SkipEmptyParts))
        out << QFile::encodeName(part);
    return out;
}

bool unsafeComponent(const QByteArray &c)
{
    return c.isEmpty() || c == "." || c == "..";
}

// The fd of folder `parts` (all of them) below `root`, each opened with O_NOFOLLOW | O_DIRECTORY
// from the previous fd; made first when create.
int walkDirs(int root, const QList<QByteArray> &parts, qsizetype count, bool create)
{
    Fd cur(::fcntl(root, F_DUPFD_CLOEXEC, 0));
    if (cur.fd < 0)
        return -1;
    for (qsizetype i = 0; i < count; ++i) {
        const QByteArray &c = parts.at(i);
        if (unsafeComponent(c)) {
            errno = EINVAL;
            return -1;
        }
        if (create && ::mkdirat(cur.fd, c.constData(), 0755) != 0 && errno != EEXIST)
            return -1;
        const int next = ::openat(cur.fd, c.constData(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0) {
            // O_NOFOLLOW on a symlink: ELOOP, or ENOTDIR because of O_DIRECTORY. Say "link".
            if (errno == ENOTDIR) {
                struct stat st;
                if (::fstatat(cur.fd, c.constData(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
                    errno = ELOOP;
            }
            return -1;
        }
        cur.reset(next);
    }
    return cur.release();
}

int openat2Beneath(int root, const QByteArray &rel, int flags, mode_t mode)
{
    open_how how{};
    how.flags = quint64(flags);
    how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    return int(::syscall(SYS_openat2, root, rel.constData(), &how, sizeof how));
}

// The folder `parts[0..count)` below root: openat2 when the kernel has it (one call), else the walk;
// a missing folder is made by the walk (mkdirat under each held fd).
int openDirBeneath(int root, const QList<QByteArray> &parts, qsizetype count, bool create)
{
    if (count > 0 && g_haveOpenat2.load() && !g_forceFallback.load()) {
        QByteArray rel;
        for (qsizetype i = 0; i < count; ++i) {
            if (unsafeComponent(parts.at(i))) {
                errno = EINVAL;
                return -1;
            }
            rel += (i ? "/" : "") + parts.at(i);
        }
        const int fd = openat2Beneath(root, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
        if (fd >= 0 || (errno != ENOSYS && !(create && errno == ENOENT)))
            return fd;
        if (errno == ENOSYS)
            g_haveOpenat2 = false;
    }
    return walkDirs(root, parts, count, create);
}

}  // namespace

ConfinedDir::~ConfinedDir()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

ConfinedDir::ConfinedDir(ConfinedDir &&other) noexcept : m_fd(std::exchange(other.m_fd, -1)), m_path(other.m_path) {}

ConfinedDir &ConfinedDir::operator=(ConfinedDir &&other) noexcept
{
    if (this != &other) {
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = std::exchange(other.m_fd, -1);
        m_path = other.m_path;
    }
    return *this;
}

ConfinedDir ConfinedDir::open(const QString &absolutePath, bool create, Error *error)
{
    // mkdir per component so the message can name the real reason (e.g. "Not a directory").
    if (create) {
        QString built = absolutePath.startsWith(QLatin1Char('/')) ? QStringLiteral("/") : QString();
        for (const QString &part : absolutePath.split(QLatin1Char('/'), Qt::SkipEmptyParts)) {
            built += part;
            if (::mkdir(QFile::encodeName(built).constData(), 0755) != 0 && errno != EEXIST) {
                const int err = errno;
                if (error)
                    *error = Error(err == ENOSPC ? ErrorKind::DiskFull : ErrorKind::Io,
                                   QStringLiteral("Cannot create the folder %1: %2")
                                       .arg(built, QString::fromLocal8Bit(std::strerror(err))));
                errno = err;
                return {};
            }
            built += QLatin1Char('/');
        }
    }
    const int fd = ::open(QFile::encodeName(absolutePath).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        const int err = errno;
        if (error)
            *error = Error(ErrorKind::Io, QStringLiteral("Cannot open the folder %1: %2")
                                              .arg(absolutePath, QString::fromLocal8Bit(std::strerror(err))));
        errno = err;
        return {};
    }
    return ConfinedDir(fd, absolutePath);
}

int ConfinedDir::openFile(const QString &rel, int flags, mode_t mode) const
{
    flags |= O_NOFOLLOW | O_CLOEXEC;
    const QList<QByteArray> parts = components(rel);
    if (parts.isEmpty()) {
        errno = EINVAL;
        return -1;
    }
    if (g_haveOpenat2.load() && !g_forceFallback.load()) {
        const int fd = openat2Beneath(m_fd, QFile::encodeName(rel), flags, mode);
        if (fd >= 0 || errno != ENOSYS)
            return fd;
        g_haveOpenat2 = false;   // an old kernel: walk from now on
    }
    Fd parent(openDirBeneath(m_fd, parts, parts.size() - 1, false));
    if (parent.fd < 0)
        return -1;
    if (unsafeComponent(parts.last())) {
        errno = EINVAL;
        return -1;
    }
    return ::openat(parent.fd, parts.last().constData(), flags, mode);
}

int ConfinedDir::makeDirs(const QString &rel) const
{
    const QList<QByteArray> parts = components(rel);
    return openDirBeneath(m_fd, parts, parts.size(), true);
}

int ConfinedDir::openParent(const QString &rel, QByteArray *leaf, bool create) const
{
    const QList<QByteArray> parts = components(rel);
    if (parts.isEmpty() || unsafeComponent(parts.last())) {
        errno = EINVAL;
        return -1;
    }
    *leaf = parts.last();
    return openDirBeneath(m_fd, parts, parts.size() - 1, create);
}

bool ConfinedDir::rename(const QString &fromRel, const QString &toRel) const
{
    QByteArray fromLeaf, toLeaf;
    Fd from(openParent(fromRel, &fromLeaf, false));
    if (from.fd < 0)
        return false;
    Fd to(openParent(toRel, &toLeaf, false));
    if (to.fd < 0)
        return false;
    // renameat replaces a link planted under the new name instead of following it.
    return ::renameat(from.fd, fromLeaf.constData(), to.fd, toLeaf.constData()) == 0;
}

bool ConfinedDir::unlink(const QString &rel) const
{
    QByteArray leaf;
    Fd parent(openParent(rel, &leaf, false));
    return parent.fd >= 0 && ::unlinkat(parent.fd, leaf.constData(), 0) == 0;
}

QString ConfinedDir::describe(int err)
{
    switch (err) {
    case ELOOP:
        return QStringLiteral("a symlink is in the way (links below the target folder are never followed)");
    case EXDEV:
        return QStringLiteral("the path leads outside the target folder");
    case ENOTDIR:
        return QStringLiteral("a file is in the way where a folder is needed");
    default:
        return QString::fromLocal8Bit(std::strerror(err));
    }
}

bool ConfinedDir::usesOpenat2()
{
    return g_haveOpenat2.load() && !g_forceFallback.load();
}

void ConfinedDir::forceFallback(bool on)
{
    g_forceFallback = on;
}

bool writeAllTo(int fd, const char *data, qint64 size, qint64 *written)
{
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size_t(size));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        data += n;
        size -= n;
        if (written)
            *written += n;
    }
    return true;
}

}  // namespace bd
