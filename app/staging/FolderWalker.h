#pragma once
// The synchronous part of a folder scan: walks the inputs on the calling thread and sorts every
// entry into accepted or skipped. FolderScanner runs it on the thread pool; the CLI and tests
// may call it directly. POSIX calls (lstat/opendir) give inode-based loop detection cheaply.
#include "staging/EarlyShards.h"
#include "staging/ScanResult.h"

#include <QHash>
#include <QSet>
#include <QStringList>

#include <atomic>
#include <fcntl.h>
#include <memory>
#include <sys/stat.h>

namespace bd::staging {

class ScanStore;

// Where the walker's system calls find an entry: its name relative to the open folder being read
// (one path component for the kernel to resolve instead of the whole path, per call), or the
// full path when `name` is null (inputs, followed links: visitEntry fills it in).
struct EntryAt {
    int dirFd = AT_FDCWD;
    const char *name = nullptr;
    int openFd = -1;   // the entry opened ahead by the walk's read-ahead (walk() closes it), if any
    // Its first bytes, when the read-ahead found them in memory (headBytes < 0: not read yet).
    const char *head = nullptr;
    int headBytes = -1;
};

class FolderWalker
{
public:
    // cancel and progress may be null; progress counts examined entries (Operation Items).
    explicit FolderWalker(const ScanOptions &options, const std::atomic<bool> *cancel = nullptr,
                          std::atomic<qint64> *progress = nullptr);
    ~FolderWalker();

    // Inputs are folders and/or files. A symlink given as an input is always followed (like
    // `find -H`), and a hidden input is taken: the user named it. With options.toDatabase the
    // entries go to a ScanStore on this thread (result.file) and memory holds only folders.
    ScanResult scan(const QStringList &inputs);
    // Database scans only: hand out shards of images with final names while walking
    // (EarlyShards.h). Set before scan().
    void setEarlyShards(EarlyShardOptions options) { m_earlyOptions = std::move(options); }

private:
    struct FileId {
        quint64 dev;
        quint64 ino;
        bool operator==(const FileId &o) const { return dev == o.dev && ino == o.ino; }
    };
    friend size_t qHash(const FileId &id, size_t seed) { return qHashMulti(seed, id.dev, id.ino); }

    void walk(const QString &root);
    void drainFolders();
    // One entry met inside a folder (topLevel false) or given as input (topLevel true).
    void visitEntry(const QString &path, const QString &name, bool topLevel, EntryAt at = {});
    // The entry after lstat (and, for a followed link, stat of its target).
    void classify(const QString &path, const QString &name, const struct stat &st, bool isLink, bool topLevel,
                  EntryAt at);
    void considerFile(const QString &path, const QString &name, const struct stat &st, EntryAt at);
    void enterFolder(const QString &path, const struct stat &st, bool viaSymlink);
    // Resolves a symlink; false (and the entry skipped) when broken, looping or unreadable.
    bool followLink(const QString &path, struct stat *target);
    void skip(const QString &path, SkipReason reason, const QString &detail = {});
    void accept(const QString &path, const struct stat &st, MediaKind kind, bool suspect = false);
    bool cancelled() const;
    void tick();
    void storeFailed();
    // The database scan's result: counts, the skipped sample, the file (names assigned).
    void finishStore();

    ScanOptions m_options;
    const std::atomic<bool> *m_cancel;
    std::atomic<qint64> *m_progress;
    ScanResult m_result;
    QSet<FileId> m_visitedFolders;
    QSet<FileId> m_acceptedFiles;   // in-memory scans only; a database scan asks its store
    std::unique_ptr<ScanStore> m_store;
    EarlyShardOptions m_earlyOptions;
    std::unique_ptr<EarlyShardBuilder> m_early;
    QStringList m_pendingFolders;   // depth-first stack; holds only folders not yet opened
    // Symlinks met inside folders wait until every real path has been walked, so the real path
    // of a file or folder wins and the link is the one reported as a duplicate, whatever order
    // readdir returns.
    QStringList m_deferredLinks;
};

}  // namespace bd::staging
