#pragma once
// The blocking part of safe archive extraction (.tar, .tar.gz, .tgz, .zip; libarchive detects the
// format and filter). SafeExtractor runs it on a worker thread; nothing here touches Qt objects
// that live on other threads.
//
// Safety, in two layers: libarchive's ARCHIVE_EXTRACT_SECURE_{NODOTDOT,SYMLINKS,NOABSOLUTEPATHS},
// and our own check of every entry before it is written (absolute paths, "..", symlinks and hard
// links resolving outside the target, device/FIFO/socket entries, paths passing through a symlink
// already on disk that leads out, entries below a refused link). Refused entries are listed in
// the result with the reason; the rest are extracted.
#include "core/Error.h"

#include <QString>
#include <QVector>

#include <atomic>

namespace bd {

struct ExtractOptions {
    // Zip-bomb guard: refuse archives that expand to more than this (declared or actual bytes).
    qint64 maxExpandedBytes = qint64(64) * 1024 * 1024 * 1024;
    // Keep at least this much free on the target's file system after extracting.
    qint64 freeSpaceMarginBytes = qint64(256) * 1024 * 1024;
    // Delete the archive file after a successful extraction (refused entries do not count as failure).
    bool deleteArchiveOnSuccess = false;
};

struct RefusedEntry {
    QString path;     // the member name as stored in the archive
    QString reason;   // for a person: "path contains '..'", "symlink target leads outside ..."
};

struct ExtractResult {
    int filesExtracted = 0;        // non-directory entries written (files, symlinks, hard links)
    int directoriesCreated = 0;
    qint64 bytesWritten = 0;       // expanded bytes of regular files
    QVector<RefusedEntry> refused;
    bool archiveDeleted = false;
};

// Progress and cancellation shared with the thread that watches the extraction.
struct ExtractControl {
    std::atomic<bool> cancel{ false };
    std::atomic<qint64> totalBytes{ -1 };
    std::atomic<qint64> totalEntries{ -1 };
    std::atomic<qint64> bytesDone{ 0 };
    std::atomic<qint64> entriesDone{ 0 };
};

struct ExtractOutcome {
    ExtractResult result;
    Error error;   // None on success; Cancelled, DiskFull, Io, Unsafe (size cap) otherwise
};

// Extracts archivePath into targetDir (created if missing). Blocking; call off the GUI thread.
// Changes the working directory of the calling thread only (Linux unshare(CLONE_FS)), so run it
// on a thread that is not reused for unrelated work (SafeExtractor uses a private pool).
ExtractOutcome extractArchive(const QString &archivePath, const QString &targetDir, const ExtractOptions &options,
                              ExtractControl &control);

}  // namespace bd
