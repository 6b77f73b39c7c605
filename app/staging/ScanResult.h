#pragma once
// What a folder scan hands to the planner: every entry it met is either accepted (with enough
// metadata to plan and stream it, but never its contents) or skipped with a stated reason.
#include "staging/MediaKind.h"

#include <QDateTime>
#include <QString>
#include <QStringList>
#include <QVector>

#include <array>
#include <memory>

namespace bd::staging {

struct ScanOptions {
    bool recursive = true;
    bool includeHidden = false;
    bool followSymlinks = true;
    MediaSelection media = MediaSelection::Images;
    // Write the entries to a scratch database (ScanStore) instead of memory: what a scan of a
    // million files needs. ScanResult then holds counts, a sample of the skipped entries and
    // the file; ScanStore reads the rest.
    bool toDatabase = false;
};

class ScanFile;   // ScanStore.h

struct ScannedFile {
    QString path;        // absolute, clean; as found (not resolved through symlinks)
    QString batchName;   // unique flat name in the batch (see BatchNaming)
    qint64 size = 0;
    QDateTime mtime;     // whole seconds, UTC
    MediaKind kind = MediaKind::Image;
};

enum class SkipReason {
    Hidden,                // dot-name met while walking a folder (includeHidden off)
    UnsupportedExtension,  // or a kind the scan was not asked for
    EmptyFile,
    TooLarge,              // image over kMaxImageBytes
    NotAnImage,            // image extension, but the bytes are no known image format
    Unreadable,            // permission or I/O error
    SymlinkLoop,
    BrokenSymlink,
    NotRegularFile,        // device, FIFO, socket
    SymlinkNotFollowed,    // followSymlinks off
    SubfolderNotScanned,   // recursive off
    Duplicate,             // same file (or folder) already reached by another path
    NotFound,              // an input path that does not exist
};
constexpr int kSkipReasonCount = int(SkipReason::NotFound) + 1;

// Short person-readable text for a reason, e.g. "larger than 20 MiB".
QString skipReasonText(SkipReason reason);
// Stable machine name for logs and the CLI, e.g. "too-large".
QString skipReasonName(SkipReason reason);

struct SkippedFile {
    QString path;
    SkipReason reason = SkipReason::UnsupportedExtension;
    QString detail;      // extra context (OS error, link target); may be empty
};

struct ScanResult {
    // Skipped entries kept in memory when the scan went to a database (the first, by path).
    static constexpr int kSkippedSample = 1000;

    QVector<ScannedFile> accepted;   // sorted by path; empty when `file` is set
    QVector<SkippedFile> skipped;    // sorted by path; at most kSkippedSample when `file` is set
    // ScanOptions::toDatabase: every entry, in a scratch file deleted with the last copy of
    // this result.
    std::shared_ptr<ScanFile> file;
    QString storeError;              // the scratch database failed (the scan is incomplete)
    int imageCount = 0;
    int videoCount = 0;
    qint64 totalBytes = 0;           // sum of accepted sizes
    std::array<int, kSkipReasonCount> skippedByReason{};
    bool cancelled = false;

    int skippedCount(SkipReason reason) const { return skippedByReason[std::size_t(reason)]; }
    int acceptedCount() const { return imageCount + videoCount; }
    int skippedTotal() const;
    // One-line human summary: "42 images (1.2 MB), 3 skipped: 2 hidden, 1 empty file".
    QString summary() const;
};

}  // namespace bd::staging
