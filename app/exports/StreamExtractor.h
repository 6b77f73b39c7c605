#pragma once
// StreamExtractor: extracts an archive while it downloads. The download (on the owner's thread)
// push()es the body's bytes into a bounded pipe; a worker thread reads them with libarchive
// (extractStream: the rules of ArchiveExtraction.h, sizes checked per member) and writes the
// members, so the archive itself never touches the disk. Memory stays bounded whatever the
// archive's size: when the pipe holds kCapacity bytes, room() is 0 and the download stops reading
// its reply (Qt's read buffer fills, TCP holds the sender) until drained() says to go on.
//
// A producer on another thread (the libcurl GET's worker) writes through writer() instead: its
// write() moves a chunk in and blocks while the pipe is full, until the worker drained half of it
// or the producer's abort flag is set (wake() makes it look).
//
// Resume: resumeOffset() is where a new run may start over with a Range request (see
// ExtractControl::resumeOffset); the owner records it in the export journal. Members are named
// only when complete, so a kill at any instant leaves whole members and no half ones, and the
// members written after the last recorded offset are written again, atomically replaced.
//
// One worker thread per running stream (its own pool: a stream waiting for bytes must not hold a
// thread the file extractions need). An Operation: finishes when the worker has (its error, or
// none); cancel() stops the worker within one block.
#include "core/Operation.h"
#include "exports/ArchiveExtraction.h"

#include <QByteArray>
#include <QFutureWatcher>

#include <atomic>
#include <memory>

namespace bd {

// The pipe's writing end for a producer on another thread. Thread-safe; outlives the extractor.
class StreamWriter
{
public:
    virtual ~StreamWriter() = default;
    // Moves the chunk in, waiting while the pipe holds kCapacity or more. False, with nothing
    // taken, once `abort` is set or the input was ended; true (bytes dropped) once the reader
    // stopped reading.
    virtual bool write(QByteArray chunk, const std::atomic<bool> &abort) = 0;
    // Wakes a write() that waits for room, so it looks at its abort flag again.
    virtual void wake() = 0;
    // Bytes taken so far by write() and push() (dropped ones included): where the stream stands.
    virtual qint64 taken() const = 0;
    // The whole archive's size, once the download knows it (before the first write()).
    virtual void setArchiveSize(qint64 bytes) = 0;
};

class StreamExtractor : public Operation
{
    Q_OBJECT
public:
    // The pipe's bound: what may wait between the download and the worker.
    static constexpr qint64 kCapacity = qint64(2) << 20;

    // archivePath: the archive's name in the target (reserved; used in messages). streamBase:
    // the byte of the archive the first push() holds (0, or a resume offset).
    StreamExtractor(const QString &archivePath, const QString &targetDir, const ExtractOptions &options,
                    qint64 streamBase, QObject *parent = nullptr);
    // Cancels and waits for the worker.
    ~StreamExtractor() override;

    qint64 streamBase() const { return m_streamBase; }
    // The whole archive's size, once the download knows it (before the first push()).
    void setArchiveSize(qint64 bytes);
    // Bytes push() takes now; unlimited once the worker stopped reading (what follows the
    // archive's end, or an archive that failed, is dropped).
    qint64 room() const;
    void push(QByteArray bytes);
    // The same pipe for a producer on another thread (see StreamWriter).
    std::shared_ptr<StreamWriter> writer() const;
    // The download has delivered every byte / stopped for good (the worker fails the archive as cut).
    void endInput();
    void abortInput();
    // Where a new run may start this archive over (-1: from the start); see ExtractControl.
    qint64 resumeOffset() const { return m_control->resumeOffset.load(); }
    // Valid once finished(); partial on error.
    const ExtractResult &result() const { return m_result; }

Q_SIGNALS:
    // room() went from 0 to at least half the capacity.
    void drained();

protected:
    void doStart() override;
    void doCancel() override;

private:
    struct Pipe;
    void startWorker();
    void workerDone();

    const QString m_archivePath;
    const QString m_targetDir;
    const ExtractOptions m_options;
    const qint64 m_streamBase;
    std::shared_ptr<ExtractControl> m_control;
    std::shared_ptr<Pipe> m_pipe;
    QFutureWatcher<ExtractOutcome> m_watcher;
    bool m_workerStarted = false;
    ExtractResult m_result;
};

}  // namespace bd
