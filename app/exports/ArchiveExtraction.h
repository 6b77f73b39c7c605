#pragma once
// The blocking part of safe archive extraction (.tar, .tar.gz, .tgz, .zip; libarchive detects the
// format and filter). SafeExtractor runs it on a worker thread; the fuzz target calls
// extractArchive() directly.
//
// Safety by construction, not by checking paths against the disk:
//  - every member is written through ConfinedDir: relative to an fd of the target, links refused
//    at every component (openat2 RESOLVE_BENEATH|NO_SYMLINKS, or an O_NOFOLLOW walk), folders made
//    with mkdirat under held fds; a file is written as an anonymous O_TMPFILE (or a fresh O_EXCL
//    temp name) and only linked / renamed to its name when complete, so a link planted under that
//    name is replaced, never written through, and a crash leaves no half file under a real name;
//  - links inside archives are never materialised: every symlink and hard link is reported as
//    refused with its reason, as are members below a refused link's name (O(1) hashed lookups);
//  - one bad name refuses that member only ("..", absolute, empty, NUL, control characters,
//    over-long); device/FIFO/socket members are refused;
//  - members that would take the name of the export's own files are refused (.part files,
//    .export_log.jsonl, our temp names, the archive itself, names in ExtractOptions::reservedPaths);
//  - expansion is capped by ratio to the archive's size, by an absolute cap, and by one shared
//    free-space reservation for every extraction running in the process (ExtractionBudget).
#include "core/Error.h"

#include <QHash>
#include <QMutex>
#include <QSet>
#include <QString>
#include <QStringList>
#include <QVector>

#include <atomic>
#include <functional>

namespace bd {

// Free space shared by parallel extractions: each reserves what its archive declares before
// writing (and more if it turns out bigger), so two extractions that each fit alone cannot
// together fill the disk. Thread-safe.
class ExtractionBudget
{
public:
    using FreeSpaceProbe = std::function<qint64(const QString &dir)>;   // -1: unknown
    explicit ExtractionBudget(FreeSpaceProbe probe = {});
    static ExtractionBudget &shared();

    // A ticket (> 0) for `bytes` in `dir`, or 0 with a DiskFull *error naming the archive.
    qint64 reserve(const QString &dir, qint64 bytes, qint64 marginBytes, const QString &archiveName, Error *error);
    bool grow(qint64 ticket, qint64 extraBytes, Error *error);
    void consumed(qint64 ticket, qint64 writtenBytes);   // bytes of the reservation now on disk
    void release(qint64 ticket);
    // Reserved and not yet written, over every running extraction.
    qint64 outstanding() const;

private:
    struct Ticket { QString dir; QString archive; qint64 margin = 0; qint64 reserved = 0; qint64 written = 0; };
    qint64 outstandingLocked() const;
    bool fits(const Ticket &t, qint64 extra, qint64 otherOutstanding, Error *error) const;

    FreeSpaceProbe m_probe;
    mutable QMutex m_mutex;
    QHash<qint64, Ticket> m_tickets;
    qint64 m_next = 1;
};

struct ExtractOptions {
    // Absolute cap on the expanded bytes of one archive (declared or actual).
    qint64 maxExpandedBytes = qint64(64) * 1024 * 1024 * 1024;
    // Ratio cap: an archive may expand to at most this many times its own size, or to
    // ratioFloorBytes, whichever is larger (0 disables the ratio cap).
    int maxExpansionRatio = 100;
    qint64 ratioFloorBytes = qint64(64) * 1024 * 1024;
    // Keep at least this much free on the target's file system after extracting.
    qint64 freeSpaceMarginBytes = qint64(256) * 1024 * 1024;
    // Delete the archive file after a successful extraction (refused entries do not count as failure).
    bool deleteArchiveOnSuccess = false;
    // Names (relative to the target, clean) that belong to the export: other downloads and their
    // .part files. A member taking one of them, or making a folder of one, is refused.
    QSet<QString> reservedPaths;
    // Null: ExtractionBudget::shared().
    ExtractionBudget *budget = nullptr;
};

struct RefusedEntry {
    QString path;     // the member name as stored in the archive
    QString reason;   // for a person: "path contains '..'", "symlink ... is not extracted"
};

struct ExtractResult {
    int filesExtracted = 0;        // regular files written
    int directoriesCreated = 0;
    qint64 bytesWritten = 0;       // expanded bytes of regular files
    QStringList written;           // relative paths of the files written, in archive order
    QVector<RefusedEntry> refused;
    bool archiveDeleted = false;
};

// Progress and cancellation shared with the thread that watches the extraction.
struct ExtractControl {
    std::atomic<bool> cancel{ false };
    // Streamed extraction of an uncompressed tar: where in the archive a new run may start over
    // (the header of the first member not yet complete; every member before it is extracted).
    // -1 while unknown or when the stream cannot be resumed there (compressed, not a tar, or a
    // link was refused since: members below it must be judged by a reader that saw it).
    std::atomic<qint64> resumeOffset{ -1 };
    std::atomic<qint64> totalBytes{ -1 };
    std::atomic<qint64> totalEntries{ -1 };
    std::atomic<qint64> bytesDone{ 0 };
    std::atomic<qint64> entriesDone{ 0 };
};

struct ExtractOutcome {
    ExtractResult result;
    Error error;   // None on success; Cancelled, DiskFull, Io, Unsafe (size caps) otherwise
};

// An archive arriving from elsewhere (a download), read by the extraction thread.
class ArchiveStream
{
public:
    virtual ~ArchiveStream() = default;
    // Blocks until bytes arrive: their count (*data valid until the next call), 0 at the end of
    // the stream, -1 when it broke or the extraction was cancelled.
    virtual qint64 read(const void **data) = 0;
    // The whole archive's size (Content-Length), -1 if unknown; valid once read() returned bytes.
    virtual qint64 archiveSize() const = 0;
};

// Extracts the archive read from `stream`, whose first byte is byte `streamBase` of the archive
// (a resume starts at ExtractControl::resumeOffset of an earlier run), into targetDir with the
// same rules as extractArchive. Without the whole file up front, sizes are checked per member as
// its header arrives (declared size against the caps and the free-space reservation) and while
// its bytes are written. `archivePath` is the name the archive would have (reserved, and used in
// messages); nothing is read from or deleted there.
ExtractOutcome extractStream(ArchiveStream &stream, qint64 streamBase, const QString &archivePath,
                             const QString &targetDir, const ExtractOptions &options, ExtractControl &control);

// Extracts archivePath into targetDir (created if missing) and tells what was written and what
// was refused (and why). Blocking; call off the GUI thread. Thread-safe: several may run at once.
ExtractOutcome extractArchive(const QString &archivePath, const QString &targetDir, const ExtractOptions &options,
                              ExtractControl &control);

}  // namespace bd
