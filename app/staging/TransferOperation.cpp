#include "staging/TransferOperation.h"
#include "core/ThreadPriority.h"

#include "api/ApiClient.h"
#include "api/ApiError.h"
#include "api/RetryPolicy.h"

#include <QFile>
#include <QFutureWatcher>
#include <QMutex>
#include <QNetworkReply>
#include <QThreadPool>
#include <QtConcurrent/QtConcurrentRun>

#include <functional>
#include <utility>

namespace bd::staging {

namespace {
// S1 errors worth a fresh URL: everything but a local problem, a cancel or a bad API key.
bool worthRetrying(const Error &error)
{
    switch (error.kind) {
    case ErrorKind::Io:
    case ErrorKind::InvalidInput:
    case ErrorKind::Cancelled:
    case ErrorKind::Unauthorized:
    case ErrorKind::PlanLimit:
    case ErrorKind::DiskFull:
    case ErrorKind::Unsafe:
        return false;
    default:
        return true;
    }
}

// Tar sizes (ShardUploadOperation): one thread of their own, so they do not wait behind the
// global pool's long jobs (the journal copy, an ingest's finishing passes).
Q_GLOBAL_STATIC(QThreadPool, tarSizingPool)

QThreadPool *tarSizing()
{
    QThreadPool *pool = tarSizingPool();
    pool->setMaxThreadCount(1);
    return pool;
}

// A video file read into a PUT that reports, before handing out its last bytes, that the whole
// body is about to leave (ShardTarDevice does the same for shards).
class LastBytesFile : public QFile
{
public:
    LastBytesFile(const QString &path, std::function<void()> beforeLastBytes)
        : QFile(path), m_beforeLastBytes(std::move(beforeLastBytes))
    {
    }

protected:
    qint64 readData(char *data, qint64 maxSize) override
    {
        const qint64 n = QFile::readData(data, maxSize);
        if (n > 0 && m_beforeLastBytes && (m_read += n) >= size())
            std::exchange(m_beforeLastBytes, {})();
        return n;
    }

private:
    std::function<void()> m_beforeLastBytes;
    qint64 m_read = 0;   // bytes read from the file (QIODevice's pos() counts its own buffer)
};
}  // namespace

// ---- TransferOperation ----

struct TransferOperation::Holds {
    QMutex mutex;   // filled on the owner's thread, waited for on the transfer thread
    QList<QFuture<bool>> records;

    std::optional<QFuture<bool>> firstPending()
    {
        QMutexLocker lock(&mutex);
        for (const QFuture<bool> &r : std::as_const(records)) {
            if (!r.isFinished())
                return r;
        }
        return std::nullopt;
    }
};

TransferOperation::TransferOperation(api::ApiClient *api, QObject *parent) : Operation(parent), m_api(api) {}

void TransferOperation::holdUntil(const QFuture<bool> &record)
{
    if (!m_collecting)
        return;   // not asked during sending() / bodyLeaving(): nothing waits for it
    QMutexLocker lock(&m_collecting->mutex);
    m_collecting->records.append(record);
}

std::shared_ptr<TransferOperation::Holds> TransferOperation::emitSending()
{
    auto holds = std::make_shared<Holds>();
    std::shared_ptr<Holds> outer = std::exchange(m_collecting, holds);
    Q_EMIT sending();
    m_collecting = std::move(outer);
    return holds;
}

void TransferOperation::whenHeld(const std::shared_ptr<Holds> &holds, std::function<void()> then)
{
    const std::optional<QFuture<bool>> pending = holds->firstPending();
    if (!pending) {
        then();
        return;
    }
    auto *watcher = new QFutureWatcher<bool>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, holds, then = std::move(then)]() mutable {
        watcher->deleteLater();
        whenHeld(holds, std::move(then));
    });
    watcher->setFuture(*pending);
}

void TransferOperation::waitForHolds(const std::shared_ptr<Holds> &holds)
{
    for (std::optional<QFuture<bool>> pending = holds->firstPending(); pending; pending = holds->firstPending())
        pending->waitForFinished();
}

void TransferOperation::noteBodyLeaving()
{
    if (m_bodyLeft)
        return;
    m_bodyLeft = true;
    Q_EMIT bodyLeaving();
}

void TransferOperation::finishFiles()
{
    setProcessedAmount(Unit::Bytes, totalAmount(Unit::Bytes));
    setProcessedAmount(Unit::Files, totalAmount(Unit::Files));
    emitResult();
}

// ---- ImageUploadOperation ----

ImageUploadOperation::ImageUploadOperation(api::ApiClient *api, QString batchId, QString displayName, QString path,
                                           QString batchName, qint64 size, QObject *parent)
    : TransferOperation(api, parent), m_batchId(std::move(batchId)), m_displayName(std::move(displayName)),
      m_path(std::move(path)), m_batchName(std::move(batchName)), m_size(size)
{
    setTitle(tr("Upload %1").arg(m_batchName));
    setTotalAmount(Unit::Bytes, m_size);
    setTotalAmount(Unit::Files, 1);
}

TransferOperation *ImageUploadOperation::clone(QObject *parent) const
{
    auto *copy = new ImageUploadOperation(api(), m_batchId, m_displayName, m_path, m_batchName, m_size, parent);
    copy->setMaxAttempts(m_maxAttempts);
    copy->setBackoffBaseMs(m_backoffBaseMs);
    return copy;
}

void ImageUploadOperation::doStart()
{
    if (!api()) {
        emitResult(Error(ErrorKind::Internal, tr("No API client")));
        return;
    }
    ++m_attempts;
    // The multipart POST is built and sent by the API client, out of our sight: count its body
    // as possibly delivered from the start (a pause lets it finish; a resume asks the service).
    // Both records are durable before it goes.
    const std::shared_ptr<Holds> holds = emitSending();
    m_collecting = holds;
    noteBodyLeaving();
    m_collecting.reset();
    whenHeld(holds, [this] {
        if (!isFinished())
            post();
    });
}

void ImageUploadOperation::post()
{
    if (!api()) {
        emitResult(Error(ErrorKind::Internal, tr("No API client")));
        return;
    }
    api::UploadImageCall *call = api()->uploadImage(m_batchId, m_path, m_batchName, m_displayName);
    api::RetryPolicy policy = call->retryPolicy();
    policy.maxAttempts = m_maxAttempts;
    call->setRetryPolicy(policy);
    m_call = call;
    connect(call, &api::UploadImageCall::uploadProgress, this, [this](qint64 sent, qint64 total) {
        // The multipart form adds a few hundred bytes; report in file bytes.
        if (total > 0)
            setProcessedAmount(Unit::Bytes, qMin(m_size, sent * m_size / total));
    });
    connect(call, &api::ApiCall::finished, this, [this, call] {
        m_attempts = qMax(m_attempts, call->attempts());
        if (call->error())
            emitResult(call->error());
        else
            finishFiles();
    });
}

void ImageUploadOperation::doCancel()
{
    if (m_call) {
        m_call->disconnect(this);
        m_call->cancel();
    }
}

// ---- SignedPutOperation ----

SignedPutOperation::SignedPutOperation(api::ApiClient *api, QObject *parent) : TransferOperation(api, parent)
{
    m_backoffBaseMs = 1000;
    m_retryTimer.setSingleShot(true);
    connect(&m_retryTimer, &QTimer::timeout, this, &SignedPutOperation::requestUrl);
}

SignedPutOperation::~SignedPutOperation()
{
    dropAttempt();
}

void SignedPutOperation::prefetch()
{
    if (m_started || isFinished() || hasPrefetch() || !api())
        return;
    api::SignedUploadCall *call = requestUpload();
    m_prefetchCall = call;
    connect(call, &api::ApiCall::finished, this, [this, call] {
        m_prefetchCall = nullptr;
        if (m_started) {
            onUrlCall(call);   // the start is waiting for this URL
            return;
        }
        if (!call->error()) {
            m_prefetched = call->result();
            m_prefetchedAt.start();
        }
    });
}

void SignedPutOperation::doStart()
{
    m_started = true;
    if (m_prefetched && m_prefetchedAt.elapsed() < m_prefetchMaxAgeMs) {
        ++m_attempts;
        put(*std::exchange(m_prefetched, std::nullopt));
        return;
    }
    m_prefetched.reset();
    if (m_prefetchCall) {
        ++m_attempts;   // its answer continues in onUrlCall
        m_call = std::exchange(m_prefetchCall, nullptr);
        return;
    }
    requestUrl();
}

void SignedPutOperation::doCancel()
{
    m_retryTimer.stop();
    dropAttempt();
}

void SignedPutOperation::dropAttempt()
{
    m_prefetched.reset();
    for (QPointer<api::SignedUploadCall> *call : { &m_call, &m_prefetchCall }) {
        if (*call) {
            (*call)->disconnect(this);
            (*call)->cancel();
            *call = nullptr;
        }
    }
    ++m_putSerial;   // a start still waiting for its body (the tar's size) does not happen
    m_collecting.reset();
    if (m_transfer)
        std::exchange(m_transfer, nullptr)->release();   // aborts the PUT on the transfer thread
}

void SignedPutOperation::requestUrl()
{
    if (isFinished())
        return;
    if (!api()) {
        emitResult(Error(ErrorKind::Internal, tr("No API client")));
        return;
    }
    ++m_attempts;
    setProcessedAmount(Unit::Bytes, 0);   // a new attempt sends the whole body again
    api::SignedUploadCall *call = requestUpload();
    m_call = call;
    connect(call, &api::ApiCall::finished, this, [this, call] { onUrlCall(call); });
}

void SignedPutOperation::onUrlCall(api::SignedUploadCall *call)
{
    m_call = nullptr;
    if (isFinished())
        return;
    if (call->error()) {
        // The call already retried transient failures (and honoured Retry-After) itself.
        retryOrFail(call->error(), {});
        return;
    }
    put(call->result());
}

void SignedPutOperation::put(const api::SignedUpload &upload)
{
    if (!api()) {
        emitResult(Error(ErrorKind::Internal, tr("No API client")));
        return;
    }
    const int serial = ++m_putSerial;
    if (!bodyPrepared([this, serial, upload] {
            if (!isFinished() && serial == m_putSerial)
                put(upload);
        }))
        return;
    api::SignedTransfer *transfer = api()->newSignedTransfer();
    qint64 size = -1;
    Error error;
    // The device reads on the transfer thread. Before its last bytes: bodyLeaving() on this
    // thread (its receivers only queue their record and hold the bytes for it), then the wait
    // for those records, there.
    auto lastBytes = std::make_shared<Holds>();
    QIODevice *body = openBody(&size, &error, [transfer, lastBytes] {
        transfer->announceBodyLeaving();
        waitForHolds(lastBytes);
    });
    if (!body) {
        transfer->release();
        emitResult(error.isError() ? error : Error(ErrorKind::Io, tr("Could not %1").arg(operationName())));
        return;
    }
    resetBodyLeft();
    // What sending()'s receivers record (the "sent" record) holds the body's last bytes, with
    // what bodyLeaving()'s receivers give then: a body cut short is no object on the service
    // (a signed PUT stores nothing until its announced length arrived), so its first bytes go
    // at once instead of waiting for the journal (5-35 ms a shard, the slot idle meanwhile).
    const std::shared_ptr<Holds> sent = emitSending();
    lastBytes->records = sent->records;   // (neither is shared yet)
    m_collecting = lastBytes;
    m_transfer = transfer;
    connect(transfer, &api::SignedTransfer::bodyLeaving, this, &SignedPutOperation::noteBodyLeaving);
    connect(transfer, &api::SignedTransfer::uploadProgress, this, [this](qint64 sent, qint64) {
        const qint64 total = totalAmount(Unit::Bytes);
        setProcessedAmount(Unit::Bytes, m_wireBytes > 0 ? qMin(total, sent * total / m_wireBytes) : qMin(sent, total));
    });
    connect(transfer, &api::SignedTransfer::finished, this, &SignedPutOperation::onPutFinished);
    transfer->start(upload, body, size, operationName());
}

void SignedPutOperation::onPutFinished()
{
    api::SignedTransfer *transfer = std::exchange(m_transfer, nullptr);
    if (!transfer)
        return;
    Error error = transfer->error();
    // A local read failure (a file changed since planning) surfaces as a transport error; the
    // device knows the real cause, and it is not worth a retry. (It is no longer read.)
    if (auto *tar = qobject_cast<ShardTarDevice *>(transfer->body()); tar && tar->error())
        error = tar->error();
    const QString retryAfter = QString::fromLatin1(transfer->retryAfter());
    transfer->release();
    if (!error) {
        finishFiles();
        return;
    }
    if (error.httpStatus >= 400 && bodyHasLeft()) {
        // An explicit refusal (403, 429, 503 ...): nothing was stored, whatever had left.
        resetBodyLeft();
        Q_EMIT bodyRefused();
    }
    const api::RetryPolicy policy = retryPolicy();
    const std::optional<qint64> retryAfterMs =
        api::parseRetryAfterMs(retryAfter, QDateTime::currentDateTimeUtc(), policy.maxRetryAfterMs);
    // The whole connection holds new starts (NetworkGate) for the server's wait, else one base wait.
    if (error.kind == ErrorKind::RateLimited || retryAfterMs)
        Q_EMIT rateLimited(int(retryAfterMs.value_or(policy.baseDelayMs)));
    retryOrFail(error, retryAfter);
}

void SignedPutOperation::retryOrFail(const Error &error, const QString &retryAfter)
{
    if (isFinished())
        return;
    const std::optional<int> waitMs = retryPolicy().backoffDelayMs(m_attempts, retryAfter, 0);
    if (!worthRetrying(error) || !waitMs) {
        Error final = error;
        if (m_attempts > 1)
            final.message += tr(" (after %1 attempts)").arg(m_attempts);
        emitResult(final);
        return;
    }
    setStatusText(tr("Retrying: %1").arg(error.message));
    m_retryTimer.start(*waitMs);
}

// ---- ShardUploadOperation ----

ShardUploadOperation::ShardUploadOperation(api::ApiClient *api, QString batchId, QString displayName,
                                           PlannedShard shard, NotificationConfig notification, QObject *parent)
    : SignedPutOperation(api, parent), m_batchId(std::move(batchId)), m_displayName(std::move(displayName)),
      m_shard(std::move(shard)), m_notification(std::move(notification))
{
    setTitle(tr("Upload shard %1").arg(m_shard.index + 1));
    m_tarSizeFuture = QtConcurrent::run(tarSizing(), [members = m_shard.members, config = m_notification] {
        threads::lowerThisThread();
        return ShardTarDevice::exactSize(members, config);
    });
    // Counted in the images' bytes, as the scan and the ingest's total are (a shard of tiny
    // images is mostly tar headers: 40 kB of photos were shown as 86 kB sent).
    setTotalAmount(Unit::Bytes, m_shard.payloadBytes);
    setTotalAmount(Unit::Files, m_shard.members.size());
}

ShardUploadOperation::ShardUploadOperation(api::ApiClient *api, QString batchId, QString displayName,
                                           PlannedShard shard, NotificationConfig notification,
                                           QFuture<qint64> tarSize, QObject *parent)
    : SignedPutOperation(api, parent), m_batchId(std::move(batchId)), m_displayName(std::move(displayName)),
      m_shard(std::move(shard)), m_notification(std::move(notification)), m_tarSizeFuture(std::move(tarSize))
{
    setTitle(tr("Upload shard %1").arg(m_shard.index + 1));
    setTotalAmount(Unit::Bytes, m_shard.payloadBytes);
    setTotalAmount(Unit::Files, m_shard.members.size());
}

bool ShardUploadOperation::bodyPrepared(std::function<void()> ready)
{
    if (!m_tarSizeFuture.isFinished()) {
        auto *watcher = new QFutureWatcher<qint64>(this);
        connect(watcher, &QFutureWatcherBase::finished, this, [watcher, ready = std::move(ready)] {
            watcher->deleteLater();
            ready();
        });
        watcher->setFuture(m_tarSizeFuture);
        return false;
    }
    m_tarSize = m_tarSizeFuture.result();
    setWireBytes(m_tarSize);
    return true;
}

QStringList ShardUploadOperation::filePaths() const
{
    QStringList paths;
    paths.reserve(m_shard.members.size());
    for (const ShardMember &m : m_shard.members)
        paths << m.path;
    return paths;
}

TransferOperation *ShardUploadOperation::clone(QObject *parent) const
{
    auto *copy = new ShardUploadOperation(api(), m_batchId, m_displayName, m_shard, m_notification, m_tarSizeFuture,
                                          parent);
    copy->setMaxAttempts(m_maxAttempts);
    copy->setBackoffBaseMs(m_backoffBaseMs);
    return copy;
}

api::SignedUploadCall *ShardUploadOperation::requestUpload()
{
    return api()->requestShardUpload(m_batchId, m_displayName);
}

QIODevice *ShardUploadOperation::openBody(qint64 *size, Error *error, std::function<void()> beforeLastBytes)
{
    if (m_tarSize < 0) {
        *error = Error(ErrorKind::InvalidInput, tr("Shard %1 has a file that cannot go into a tar").arg(m_shard.index + 1));
        return nullptr;
    }
    auto *device = new ShardTarDevice(m_shard.members, m_notification, m_tarSize);
    device->setBeforeLastBytes(std::move(beforeLastBytes));
    m_bodyFingerprints = device->fingerprints();
    if (!device->open(QIODevice::ReadOnly)) {
        *error = device->error().isError() ? device->error() : Error(ErrorKind::Io, device->errorString());
        delete device;
        return nullptr;
    }
    *size = m_tarSize;
    return device;
}

QString ShardUploadOperation::operationName() const
{
    return QStringLiteral("upload shard %1").arg(m_shard.index + 1);
}

// ---- VideoUploadOperation ----

VideoUploadOperation::VideoUploadOperation(api::ApiClient *api, QString batchId, QString displayName, QString path,
                                           QString batchName, qint64 size, QObject *parent)
    : SignedPutOperation(api, parent), m_batchId(std::move(batchId)), m_displayName(std::move(displayName)),
      m_path(std::move(path)), m_batchName(std::move(batchName)), m_size(size)
{
    setTitle(tr("Upload %1").arg(m_batchName));
    setTotalAmount(Unit::Bytes, m_size);
    setTotalAmount(Unit::Files, 1);
}

TransferOperation *VideoUploadOperation::clone(QObject *parent) const
{
    auto *copy = new VideoUploadOperation(api(), m_batchId, m_displayName, m_path, m_batchName, m_size, parent);
    copy->setMaxAttempts(m_maxAttempts);
    copy->setBackoffBaseMs(m_backoffBaseMs);
    return copy;
}

api::SignedUploadCall *VideoUploadOperation::requestUpload()
{
    return api()->requestVideoUpload(m_batchId, m_batchName, m_displayName);
}

QIODevice *VideoUploadOperation::openBody(qint64 *size, Error *error, std::function<void()> beforeLastBytes)
{
    auto *file = new LastBytesFile(m_path, std::move(beforeLastBytes));
    if (!file->open(QIODevice::ReadOnly)) {
        *error = Error(ErrorKind::Io, tr("Cannot read %1: %2").arg(m_path, file->errorString()));
        delete file;
        return nullptr;
    }
    if (file->size() != m_size) {
        *error = Error(ErrorKind::Io, tr("%1 changed size since it was scanned").arg(m_path));
        delete file;
        return nullptr;
    }
    *size = m_size;
    return file;
}

QString VideoUploadOperation::operationName() const
{
    return QStringLiteral("upload video %1").arg(m_batchName);
}

}  // namespace bd::staging
