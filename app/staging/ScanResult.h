#pragma once
// What a folder scan hands to the planner: every entry it met is either accepted (with enough
// metadata to plan and stream it, but never its contents) or skipped with a stated reason.
#include "staging/MediaKind.h"

#include <QDateTime>
#include <QString>
#include <QStringList>
#include <QVector>

#include <array>

namespace bd::staging {

struct ScanOptions {
    bool recursive = true;
    bool includeHidden = false;
    bool followSymlinks = true;
    MediaSelection media = MediaSelection::Images;
};

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
    QVector<ScannedFile> accepted;   // sorted by path
    QVector<SkippedFile> skipped;    // sorted by path
    int imageCount = 0;
    int videoCount = 0;
    qint64 totalBytes = 0;           // sum of accepted sizes
    std::array<int, kSkipReasonCount> skippedByReason{};
    bool cancelled = false;

    int skippedCount(SkipReason reason) const { return skippedByReason[std::size_t(reason)]; }
    // One-line human summary: "42 images (1.2 MB), 3 skipped: 2 hidden, 1 empty file".
    QString summary() const;
};

}  // namespace bd::staging
