#pragma once
// ConfinedDir: an open directory (the export's target) under which every file the export creates
// or opens is reached relative to the held fd with links refused at every component:
// openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS) where the kernel has it
// (checked at run time; ENOSYS falls back), else a component-by-component walk of
// openat(O_NOFOLLOW | O_DIRECTORY) from the held fd. Folders are made the same way (mkdirat under
// a held fd). A symlink planted anywhere below the target — by an archive or by another local
// user — makes the open fail (ELOOP) instead of redirecting the write.
//
// Relative paths given here must already be clean (pathguard::cleanRelative): no "..", no
// leading "/", no empty components. The fd-returning calls return -1 with errno set.
#include "core/Error.h"

#include <QByteArray>
#include <QString>

#include <sys/types.h>

#include <utility>

namespace bd {

class ConfinedDir
{
public:
    ConfinedDir() = default;
    ~ConfinedDir();
    ConfinedDir(ConfinedDir &&other) noexcept;
    ConfinedDir &operator=(ConfinedDir &&other) noexcept;
    ConfinedDir(const ConfinedDir &) = delete;
    ConfinedDir &operator=(const ConfinedDir &) = delete;

    // Opens (create: first makes) the folder the user chose. The chosen path itself is trusted
    // (following a link there is the user's decision); nothing below it is.
    static ConfinedDir open(const QString &absolutePath, bool create, Error *error);

    bool isValid() const { return m_fd >= 0; }
    int fd() const { return m_fd; }
    QString path() const { return m_path; }

    // open(2) of `rel` below this folder; O_NOFOLLOW and O_CLOEXEC are always added.
    int openFile(const QString &rel, int flags, mode_t mode = 0644) const;
    // Makes every folder of `rel` that is missing (each with mkdirat under the fd of its parent,
    // then opened with O_NOFOLLOW) and returns an fd of the last one (rel empty: a dup of ours).
    int makeDirs(const QString &rel) const;
    // The folder holding `rel` (made when create) and rel's last component.
    int openParent(const QString &rel, QByteArray *leaf, bool create) const;
    // renameat(2) of two names below this folder (their folders must exist).
    bool rename(const QString &fromRel, const QString &toRel) const;
    bool unlink(const QString &rel) const;

    // Sentence for an errno from the calls above ("a link is in the way", ...).
    static QString describe(int err);

    // Whether openat2 is used (false after ENOSYS, or when forced off for the fallback tests).
    static bool usesOpenat2();
    static void forceFallback(bool on);

private:
    explicit ConfinedDir(int fd, QString path) : m_fd(fd), m_path(std::move(path)) {}
    int m_fd = -1;
    QString m_path;
};

// Writes all `size` bytes to fd (retrying short writes and EINTR), adding what went to *written
// if given; false with errno set on failure.
bool writeAllTo(int fd, const char *data, qint64 size, qint64 *written = nullptr);

}  // namespace bd
