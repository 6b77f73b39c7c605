#pragma once
// What a file looked like when an ingest sent it, to tell on a later run whether it changed.
//
// Size and modification time decide in almost every case. They cannot when the file was written
// within the file system's timestamp granularity of the moment the fingerprint was taken (the
// "racy" case: a second write in the same tick keeps size and mtime). Only then is a SHA-256 of
// the content taken as well, so large unchanged folders cost one stat() per file.
#include <QString>

struct stat;
struct evp_md_ctx_st;

namespace bd::staging {

struct FileFingerprint {
    // mtime this close to (or after) the moment of the fingerprint cannot rule out a later
    // write with the same mtime: 2 s covers FAT's 2 s, ext3's 1 s and the kernel's coarse clock.
    static constexpr qint64 kRacyWindowNs = qint64(2) * 1000 * 1000 * 1000;

    qint64 size = -1;        // -1: no fingerprint (file missing, or a journal row from before)
    qint64 mtimeNs = 0;      // nanoseconds since the epoch
    qint64 takenAtNs = 0;    // wall clock (CLOCK_REALTIME, the clock of mtimes) when taken
    QString sha256;          // hex; only for racy fingerprints

    bool isValid() const { return size >= 0; }
    bool isRacy() const { return mtimeNs >= takenAtNs - kRacyWindowNs; }
    bool operator==(const FileFingerprint &) const = default;
};

enum class FileChange { Unchanged, Changed, Gone };

// stat() now, plus a SHA-256 when racy. Invalid (size -1) if the file cannot be read.
FileFingerprint takeFingerprint(const QString &path);
// The clock of takenAtNs (and of mtimes): CLOCK_REALTIME, nanoseconds.
qint64 fingerprintClockNs();
// Size and mtime of a file stat'ed (fstat, stat) after takenAtNs; no SHA-256.
FileFingerprint fingerprintOfStat(const struct stat &st, qint64 takenAtNs);

// SHA-256 of bytes given in pieces (OpenSSL: the CPU's SHA extensions where there are any).
class Sha256Stream
{
public:
    Sha256Stream();
    ~Sha256Stream();
    Sha256Stream(const Sha256Stream &) = delete;
    Sha256Stream &operator=(const Sha256Stream &) = delete;

    bool restart();   // false when OpenSSL cannot start one
    bool add(const char *bytes, qint64 n);
    QString finishHex();   // hex; empty when a step failed

private:
    evp_md_ctx_st *m_ctx = nullptr;
    bool m_ok = false;
};
// SHA-256 of the file's content, hex; empty if it cannot be read.
QString sha256OfFile(const QString &path);
// Compares the file on disk with what was recorded. An invalid record compares size and whole
// seconds (`legacySize`, `legacyMtimeS`: the columns journals had before fingerprints).
FileChange compareWithDisk(const QString &path, const FileFingerprint &recorded, qint64 legacySize = -1,
                           qint64 legacyMtimeS = 0);

}  // namespace bd::staging
