#pragma once
// One process at a time per ingest: the same ingest (service, workspace, batch, folders, media)
// started twice at once would upload everything twice. An flock(2) on a file in the data dir
// (locks/ingest-<hash>.lock, 0600): the kernel drops it when the process ends, however it ends,
// so a SIGKILLed run never leaves a stale lock. The file holds the owner's pid for the message.
#include "core/Error.h"

#include <QString>

namespace bd::staging {

class IngestLock
{
public:
    IngestLock() = default;
    ~IngestLock();
    IngestLock(const IngestLock &) = delete;
    IngestLock &operator=(const IngestLock &) = delete;

    // Non-blocking. `key` identifies the ingest; `what` names it in the refusal, e.g.
    // "batch my-batch from /photos". False with a Conflict error when another process (or
    // another ingest in this one) holds it.
    bool acquire(const QString &key, const QString &what, Error *error);
    void release();
    bool isHeld() const { return m_fd >= 0; }
    QString path() const { return m_path; }

private:
    int m_fd = -1;
    QString m_path;
};

}  // namespace bd::staging
