#pragma once
// Pipelined ingest: shards that go while the folder walk still runs (IngestOperation, fresh
// sharded ingests).
//
// A file's batch name depends on every other file of the scan (BatchNaming: all members of a
// colliding basename group are raised), so it is final before the walk ends only when nothing
// can collide with it. NameCertainty decides that from a quick pre-pass over the same inputs
// (readdir only: no stat of regular entries, no open): every path the walk can accept is a
// candidate of the pre-pass, so a basename whose collision key no other candidate shares keeps
// its basename in the final naming - unless a raised name of another group could equal it (it
// contains "__", ends in a hash tag, or is too long): such files wait for the end of the scan.
// Keys are counted as hashes in two fixed bitsets (a false collision only makes a file wait),
// so memory does not grow with the folder. An input the pre-pass cannot walk cheaply (a
// symlink to a folder) turns early shards off: the ingest is then scan-then-upload.
//
// EarlyShardBuilder runs on the walker's thread: once more than simpleMaxImages images were
// accepted the batch is sharded whatever follows (the method counts every image discovered),
// so each full shard (shardMaxFiles / shardMaxBytes) of images with final names is marked in
// the scan (ScanStore::markEarly: the plan after the scan skips them) and handed out, at most
// `window` handed out and not yet started at once; images met while the window is full are
// left to the plan after the scan. When the walk ends, up to `tailShards` more of those go at
// once (walkEnded), read back from the scan in the walk's order, so that the upload does not
// run dry while the scan is settled, sorted and named.
#include "staging/IngestPlan.h"
#include "staging/ScanResult.h"

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

namespace bd::staging {

class ScanStore;

struct EarlyShardOptions {
    bool enabled = false;
    int simpleMaxImages = 32;
    int shardMaxFiles = 256;
    qint64 shardMaxBytes = qint64(256) * 1024 * 1024;
    int window = 8;
    // Handed out at the walk's end beyond the window (walkEnded), from the images it left to
    // the plan: they keep the upload busy while the scan is sorted and named.
    int tailShards = 0;
    // Shards handed out and not started yet (the receiver decrements it when one starts).
    std::shared_ptr<std::atomic<int>> waiting;
    // Called on the walker's thread, after the members were marked in the scan.
    std::function<void(PlannedShard shard)> handOut;
};

class NameCertainty
{
public:
    // False when some input cannot be pre-walked cheaply (then no file is certain).
    bool prepare(const QStringList &inputs, const ScanOptions &options, const std::atomic<bool> *cancel);
    // base: BatchNaming::baseName of the file; key: BatchNaming::collisionKey(base).
    bool isFinal(const QString &base, const QString &key) const;

    // The collision key of a file name as BatchNaming computes it (ASCII names without the
    // full Unicode pass). Public for the tests.
    static QString keyOfFileName(const QString &fileName);

private:
    bool walk(const QString &folder, const ScanOptions &options, const std::atomic<bool> *cancel, int depth);
    void count(const QString &key);
    static size_t bitOf(const QString &key);

    std::vector<quint64> m_seen;
    std::vector<quint64> m_twice;
};

class EarlyShardBuilder
{
public:
    EarlyShardBuilder(EarlyShardOptions options, NameCertainty certainty);
    // An accepted file (already added to `store`); imagesAccepted counts it.
    void accepted(ScanStore *store, const ScannedFile &file, const QString &base, const QString &key,
                  int imagesAccepted);
    // The walk is over (before the store settles its suspects): the shard being filled and up to
    // tailShards more, of the images left to the plan with final names, are handed out at once.
    void walkEnded(ScanStore *store, int imagesAccepted);

private:
    enum class Window { Respect, Ignore };
    bool flush(ScanStore *store, int imagesAccepted, Window window = Window::Respect);
    // Adds a file under its final name to the shard being filled; false when the shard was full
    // and could not go (the window).
    bool add(ScanStore *store, const ScannedFile &file, const QString &name, qint64 row, int imagesAccepted,
             Window window);

    EarlyShardOptions m_options;
    NameCertainty m_certainty;
    PlannedShard m_shard;   // filling, or full and waiting for the window
    QVector<qint64> m_rows;   // its members' rows in the scan (ScanStore::lastAcceptedRow)
    bool m_full = false;
    int m_handedOut = 0;
};

}  // namespace bd::staging
