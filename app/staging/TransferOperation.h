#pragma once
// TransferOperation: one upload that moves some files into a staging batch (one image by D7,
// one tar shard by D9 + S1, one video by D8 + S1). Bytes and Files progress; the UploadQueue
// runs many of them. A transfer that has started cannot be resumed mid-body, so pausing a queue
// throws the running ones away and starts fresh copies (clone()) later.
#include "api/ApiClient.h"
#include "api/RetryPolicy.h"
#include "core/Operation.h"
#include "staging/IngestPlan.h"
#include "staging/ShardTarDevice.h"

#include <QElapsedTimer>
#include <QFuture>
#include <QPointer>
#include <QStringList>
#include <QTimer>

#include <functional>
#include <memory>
#include <optional>

class QIODevice;
class QNetworkReply;

namespace bd::staging {

class TransferOperation : public Operation
{
    Q_OBJECT
public:
    explicit TransferOperation(api::ApiClient *api, QObject *parent = nullptr);

    // Local paths carried by this transfer, in order (the journal keys on them).
    virtual QStringList filePaths() const = 0;
    // A new, unstarted transfer of the same files (used to restart after a pause).
    virtual TransferOperation *clone(QObject *parent = nullptr) const = 0;
    // Prepare what the transfer needs before its slot comes (a signed URL), so its body can
    // leave as soon as it starts; the queue calls it for the transfers next in line. No-op by
    // default, and once started.
    virtual void prefetch() {}

    int fileCount() const { return int(filePaths().size()); }
    // This attempt's whole body may have reached the service (see bodyLeaving()).
    bool bodyHasLeft() const { return m_bodyLeft; }
    qint64 byteCount() const { return totalAmount(Unit::Bytes); }
    // Attempts made so far (signed-URL transfers count each fresh URL as one attempt).
    int attempts() const { return m_attempts; }
    void setMaxAttempts(int attempts) { m_maxAttempts = qMax(1, attempts); }
    int maxAttempts() const { return m_maxAttempts; }
    // First retry waits about this long; each next one twice as long (jittered, capped at 30 s).
    void setBackoffBaseMs(int ms) { m_backoffBaseMs = qMax(0, ms); }
    // The waits between attempts (RetryPolicy::forTransfers of the two settings above).
    api::RetryPolicy retryPolicy() const { return api::RetryPolicy::forTransfers(m_maxAttempts, m_backoffBaseMs); }

    // For receivers of sending() and bodyLeaving(), on this thread: a record (the journal's,
    // JournalWriter) that must be durable before the bytes it speaks of go. Given during
    // sending(): a simple image's POST does not start before it finished; a signed PUT's body
    // starts at once and its last bytes wait for it (a PUT cut short stores nothing). During
    // bodyLeaving(): the body's last bytes wait for it. Nothing blocks this thread: a start is
    // deferred, and a body device waits on the transfer thread.
    void holdUntil(const QFuture<bool> &record);

Q_SIGNALS:
    // Bytes are about to leave for the service (the journal marks the files "sent").
    void sending();
    // The service said "slow down" (429 / Retry-After) on a transfer: hold new starts this long.
    void rateLimited(int waitMs);
    // The last bytes of this attempt's body are about to leave: from now on the files may land
    // on the service even if the answer never comes (the journal records it; a pause lets such
    // a transfer finish instead of aborting it).
    void bodyLeaving();
    // The storage host answered this attempt with an error status: it refused the body, the
    // files did not land (the attempt may be retried).
    void bodyRefused();

protected:
    // The records handed to holdUntil() while one of the signals above was being emitted.
    struct Holds;
    api::ApiClient *api() const { return m_api; }
    void finishFiles();   // success: every file processed, then emitResult()
    // Emits bodyLeaving() once per attempt; its receivers' records go to `holds` (or, if none,
    // to those of the signal being collected).
    void noteBodyLeaving();
    void resetBodyLeft() { m_bodyLeft = false; }
    // Emits sending(); returns the records its receivers asked to wait for.
    std::shared_ptr<Holds> emitSending();
    // Runs `then` on this thread once every record in `holds` finished: at once if none waits.
    void whenHeld(const std::shared_ptr<Holds> &holds, std::function<void()> then);
    // Blocks the calling thread (never this object's) until every record in `holds` finished.
    static void waitForHolds(const std::shared_ptr<Holds> &holds);

    std::shared_ptr<Holds> m_collecting;   // where holdUntil() puts records now (may be null)

    int m_attempts = 0;
    int m_maxAttempts = 5;
    int m_backoffBaseMs = 500;

private:
    QPointer<api::ApiClient> m_api;
    bool m_bodyLeft = false;
};

// D7: one image into a simple batch (the API call retries transient failures itself).
class ImageUploadOperation : public TransferOperation
{
    Q_OBJECT
public:
    ImageUploadOperation(api::ApiClient *api, QString batchId, QString displayName, QString path,
                         QString batchName, qint64 size, QObject *parent = nullptr);

    QStringList filePaths() const override { return { m_path }; }
    TransferOperation *clone(QObject *parent = nullptr) const override;
    QString batchName() const { return m_batchName; }

protected:
    void doStart() override;
    void doCancel() override;

private:
    void post();   // the D7 call, once the records of sending() and bodyLeaving() are durable

    QString m_batchId;
    QString m_displayName;
    QString m_path;
    QString m_batchName;
    qint64 m_size = 0;
    QPointer<api::ApiCall> m_call;
};

// D8/D9 then S1 PUT. Every attempt asks for a FRESH signed URL: a failed or expired (403) PUT
// is never repeated on the same URL. Attempts are capped and spaced by jittered backoff.
// prefetch() asks for the first attempt's URL while the transfer still waits for its slot: the
// D8/D9 round trip then overlaps the transfers running before it instead of leaving the slot
// idle between two PUTs. A prefetched URL older than kPrefetchMaxAgeMs is not used (URLs
// expire); a failed prefetch is forgotten (the start asks again, with the usual retries).
class SignedPutOperation : public TransferOperation
{
    Q_OBJECT
public:
    static constexpr qint64 kPrefetchMaxAgeMs = 5 * 60 * 1000;

    explicit SignedPutOperation(api::ApiClient *api, QObject *parent = nullptr);
    ~SignedPutOperation() override;

    void prefetch() override;
    // A URL is prefetched or being prefetched (for tests and diagnostics).
    bool hasPrefetch() const { return m_prefetchCall || m_prefetched.has_value(); }
    // How old a prefetched URL may be when the transfer starts (kPrefetchMaxAgeMs; tests lower it).
    void setPrefetchMaxAgeMs(qint64 ms) { m_prefetchMaxAgeMs = ms; }

protected:
    // Ask for the signed URL (D8 or D9).
    virtual api::SignedUploadCall *requestUpload() = 0;
    // A fresh body device for one attempt (opened for reading, unparented) and its exact size;
    // nullptr and *error when the local file cannot be read (not retried). The device is read on
    // the client's transfer thread (api::SignedTransfer) and calls beforeLastBytes there, once,
    // just before it hands out its last bytes (that call waits until bodyLeaving() was handled).
    virtual QIODevice *openBody(qint64 *size, Error *error, std::function<void()> beforeLastBytes) = 0;
    // Name of the step in messages, e.g. "upload shard".
    virtual QString operationName() const = 0;
    // True when openBody() can be called now; else false, and `ready` is called on this thread
    // once it can (a shard's tar size, computed off this thread).
    virtual bool bodyPrepared(std::function<void()> ready)
    {
        Q_UNUSED(ready);
        return true;
    }

    void doStart() override;
    void doCancel() override;
    // The body has wireBytes on the wire (a tar's headers and padding) for the totalAmount(Bytes)
    // the user counts (the files' own sizes): progress is scaled so "x of y" matches the scan.
    void setWireBytes(qint64 wireBytes) { m_wireBytes = wireBytes; }

private:
    void requestUrl();
    void onUrlCall(api::SignedUploadCall *call);
    void put(const api::SignedUpload &upload);
    void onPutFinished();
    // Waits (RetryPolicy, honouring a raw Retry-After value) and asks for a fresh URL, or fails.
    void retryOrFail(const Error &error, const QString &retryAfter);
    void dropAttempt();

    QPointer<api::SignedUploadCall> m_call;
    QPointer<api::SignedUploadCall> m_prefetchCall;   // asked before the start, still running
    std::optional<api::SignedUpload> m_prefetched;    // its URL, not used yet
    QElapsedTimer m_prefetchedAt;
    qint64 m_prefetchMaxAgeMs = kPrefetchMaxAgeMs;
    bool m_started = false;
    api::SignedTransfer *m_transfer = nullptr;   // this attempt's PUT (released, never deleted)
    int m_putSerial = 0;                         // which put() a body still being sized belongs to
    QTimer m_retryTimer;
    qint64 m_wireBytes = 0;   // 0: the body is totalAmount(Bytes) long
};

// One tar shard of images: D9, then the ShardTarDevice streamed straight into the PUT with its
// exact Content-Length (no temp file, never the whole tar in memory).
class ShardUploadOperation : public SignedPutOperation
{
    Q_OBJECT
public:
    ShardUploadOperation(api::ApiClient *api, QString batchId, QString displayName, PlannedShard shard,
                         NotificationConfig notification = {}, QObject *parent = nullptr);

    QStringList filePaths() const override;
    TransferOperation *clone(QObject *parent = nullptr) const override;
    const PlannedShard &shard() const { return m_shard; }
    // The current attempt's members as its body found them (ShardTarDevice::fingerprints):
    // complete from bodyLeaving() on; null before the first body.
    std::shared_ptr<const QVector<FileFingerprint>> bodyFingerprints() const { return m_bodyFingerprints; }

protected:
    api::SignedUploadCall *requestUpload() override;
    QIODevice *openBody(qint64 *size, Error *error, std::function<void()> beforeLastBytes) override;
    QString operationName() const override;
    bool bodyPrepared(std::function<void()> ready) override;

private:
    // A copy (clone()) shares the original's tar size, computed or on its way.
    ShardUploadOperation(api::ApiClient *api, QString batchId, QString displayName, PlannedShard shard,
                         NotificationConfig notification, QFuture<qint64> tarSize, QObject *parent);

    QString m_batchId;
    QString m_displayName;
    PlannedShard m_shard;
    NotificationConfig m_notification;
    // ShardTarDevice::exactSize, computed on a pool thread from construction on (a thousand
    // members cost the GUI thread up to 26 ms); m_tarSize once known (-1: unsuitable).
    QFuture<qint64> m_tarSizeFuture;
    qint64 m_tarSize = -1;
    std::shared_ptr<const QVector<FileFingerprint>> m_bodyFingerprints;
};

// One video: D8, then the file streamed from disk into the PUT.
class VideoUploadOperation : public SignedPutOperation
{
    Q_OBJECT
public:
    VideoUploadOperation(api::ApiClient *api, QString batchId, QString displayName, QString path,
                         QString batchName, qint64 size, QObject *parent = nullptr);

    QStringList filePaths() const override { return { m_path }; }
    TransferOperation *clone(QObject *parent = nullptr) const override;

protected:
    api::SignedUploadCall *requestUpload() override;
    QIODevice *openBody(qint64 *size, Error *error, std::function<void()> beforeLastBytes) override;
    QString operationName() const override;

private:
    QString m_batchId;
    QString m_displayName;
    QString m_path;
    QString m_batchName;
    qint64 m_size = 0;
};

}  // namespace bd::staging
