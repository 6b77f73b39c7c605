#include "staging/BatchReadiness.h"

#include "api/StagingRequests.h"

#include <QJsonArray>
#include <QJsonObject>

namespace bd::staging {

namespace {
// The service's per-file failures in a shard's statusMetadata: [{type, file_name, reason}]
// (older answers: plain names).
void collectFailedFiles(const QJsonObject &metadata, QHash<QString, QString> *out)
{
    for (const QJsonValue &v : metadata.value(QLatin1String("failedFiles")).toArray()) {
        const QJsonObject o = v.toObject();
        QString name = o.value(QLatin1String("file_name")).toString(o.value(QLatin1String("fileName")).toString());
        if (name.isEmpty())
            name = v.toString();
        if (!name.isEmpty())
            out->insert(name, o.value(QLatin1String("reason")).toString(o.value(QLatin1String("type")).toString()));
    }
}
}  // namespace

BatchReadiness::BatchReadiness(api::ApiClient *api, ReadinessOptions options, QObject *parent)
    : Operation(parent), m_api(api), m_options(std::move(options))
{
    setCapabilities(Cancellable);
    setTitle(tr("Is %1 ready?").arg(m_options.batchId));
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &BatchReadiness::look);
}

BatchReadiness::~BatchReadiness()
{
    if (m_call)
        m_call->cancel();
}

QString BatchReadiness::verdictName(Verdict verdict)
{
    switch (verdict) {
    case Verdict::Unknown: break;
    case Verdict::Ready: return QStringLiteral("ready");
    case Verdict::Indexing: return QStringLiteral("indexing");
    case Verdict::Empty: return QStringLiteral("empty");
    case Verdict::Failed: return QStringLiteral("failed");
    case Verdict::Stalled: return QStringLiteral("stalled");
    case Verdict::Gone: return QStringLiteral("gone");
    }
    return QStringLiteral("unknown");
}

bool BatchReadiness::isOurs(const api::Shard &shard, const QSet<QString> &ingestIds)
{
    if (ingestIds.isEmpty())
        return true;
    QString owner = shard.raw.value(QLatin1String("ingestId")).toString();
    if (owner.isEmpty())
        owner = shard.statusMetadata.value(QLatin1String("ingestId")).toString();
    return owner.isEmpty() || ingestIds.contains(owner);
}

QString BatchReadiness::describe() const
{
    const qint64 count = qMax<qint64>(0, m_count);
    switch (m_verdict) {
    case Verdict::Ready:
        return m_shardsFailed > 0 ? tr("Ready · %n file(s) · %1 shard(s) failed", nullptr, int(count)).arg(m_shardsFailed)
                                  : tr("Ready · %n file(s)", nullptr, int(count));
    case Verdict::Indexing:
        return m_shardsInProgress > 0
                   ? tr("Indexing · %n shard(s) in progress · %1 file(s) so far", nullptr, m_shardsInProgress).arg(count)
                   : tr("Indexing · %n file(s) so far", nullptr, int(count));
    case Verdict::Empty:
        return tr("Empty");
    case Verdict::Failed:
        return m_options.expectedCount >= 0
                   ? tr("Indexing ended with %1 of %2 file(s) (%3 rejected by the service)")
                         .arg(count).arg(m_options.expectedCount).arg(m_failedFiles.size())
                   : tr("Indexing ended with %n file(s)", nullptr, int(count));
    case Verdict::Stalled:
        return tr("Indexing stalled at %n file(s)", nullptr, int(count));
    case Verdict::Gone:
        return tr("Batch %1 does not exist").arg(m_options.batchId);
    case Verdict::Unknown:
        break;
    }
    return error() ? error().message : tr("Checking %1").arg(m_options.batchId);
}

void BatchReadiness::doStart()
{
    if (!m_api) {
        emitResult(Error(ErrorKind::Internal, tr("No API client")));
        return;
    }
    if (m_options.batchId.isEmpty()) {
        emitResult(Error(ErrorKind::InvalidInput, tr("Which batch? No batch id given")));
        return;
    }
    if (m_options.expectedCount >= 0)
        setTotalAmount(Unit::Files, m_options.expectedCount);
    m_clock.start();
    m_stallClock.start();
    m_delayMs = qMax(1, m_options.pollInitialMs);
    look();
}

void BatchReadiness::look()
{
    if (isFinished())
        return;
    // D6 first (our shards' states and the service's failed files), then D3 (the count): a
    // shard that finishes in between then shows as a count that is already complete.
    auto *shards = m_api->listShards(m_options.batchId, 100);
    shards->setMaxPages(0);
    m_call = shards;
    connect(shards, &api::ApiCall::finished, this, [this, shards] { onShards(shards); });
}

void BatchReadiness::onShards(api::ListShardsCall *call)
{
    m_call = nullptr;
    if (isFinished())
        return;
    // A 404 from D6 alone does not mean the batch is gone: a service may have no shard listing for
    // a simple batch (images sent one by one). The count (D3) decides; only its 404 is "gone".
    const bool noShardListing = call->error().kind == ErrorKind::NotFound;
    if (call->error() && !noShardListing) {
        onLookFailed(call->error());
        return;
    }
    m_shardsSeen = m_shardsInProgress = m_shardsFailed = 0;
    m_failedFiles.clear();
    m_shards = noShardListing ? QVector<api::Shard>() : call->result();
    for (const api::Shard &s : std::as_const(m_shards)) {
        if (!isOurs(s, m_options.ingestIds))
            continue;   // another ingest into the same batch
        ++m_shardsSeen;
        m_shardsInProgress += s.isInProgress() ? 1 : 0;
        m_shardsFailed += s.isFailed() ? 1 : 0;
        collectFailedFiles(s.statusMetadata, &m_failedFiles);
    }
    auto *count = m_api->batchCount(m_options.batchId, m_options.partName);
    m_call = count;
    connect(count, &api::ApiCall::finished, this, [this, count] { onCount(count); });
}

void BatchReadiness::onCount(api::BatchCountCall *call)
{
    m_call = nullptr;
    if (isFinished())
        return;
    if (call->error()) {
        if (call->error().kind == ErrorKind::NotFound) {
            m_notFound = true;
            decide();
        } else {
            onLookFailed(call->error());
        }
        return;
    }
    m_errors = 0;
    m_seen = true;
    m_notFound = false;
    m_previousCount = m_count;
    m_count = call->result();
    setProcessedAmount(Unit::Files, m_count);
    decide();
}

void BatchReadiness::onLookFailed(const Error &error)
{
    // A bad answer (503, malformed JSON) is not the end: look again, a few times.
    if (m_options.once || ++m_errors >= m_options.maxPollErrors || m_clock.elapsed() > m_options.timeoutMs) {
        emitResult(error);
        return;
    }
    schedule();
}

void BatchReadiness::decide()
{
    if (m_notFound) {
        if (m_seen || m_options.once || m_stallClock.elapsed() > m_options.stallTimeoutMs)
            conclude(Verdict::Gone);
        else
            schedule();   // not there yet: the service may create it with its first shard
        return;
    }
    const qint64 expected = m_options.expectedCount;
    const bool complete = expected >= 0 ? m_count + m_failedFiles.size() >= expected : m_count > 0;
    const bool settled = m_shardsInProgress == 0 && (!m_options.shardsExpected || m_shardsSeen > 0);
    if (m_options.once) {
        if (settled && complete)
            conclude(Verdict::Ready);
        else if (settled && m_count == 0)
            conclude(Verdict::Empty);
        else if (settled && expected >= 0)
            conclude(Verdict::Failed);
        else
            conclude(Verdict::Indexing);
        return;
    }
    const bool moved = m_count != m_previousCount || m_shardsInProgress != m_previousInProgress;
    m_previousInProgress = m_shardsInProgress;
    if (moved)
        m_stallClock.restart();
    if (settled && complete && (expected >= 0 || !moved)) {
        conclude(Verdict::Ready);
        return;
    }
    // Settled but short: the service has nothing left to index for us. With no expected count a
    // batch at 0 has not started (RoboQL), which is a stall, not a failure.
    if (settled && !complete && (expected >= 0 || m_count > 0)) {
        m_settledShortLooks = moved ? 1 : m_settledShortLooks + 1;
        if (m_settledShortLooks >= qMax(1, m_options.settlePolls)) {
            conclude(Verdict::Failed);
            return;
        }
    } else {
        m_settledShortLooks = 0;
    }
    if (m_stallClock.elapsed() > m_options.stallTimeoutMs || m_clock.elapsed() > m_options.timeoutMs) {
        conclude(Verdict::Stalled);
        return;
    }
    setStatusText(expected >= 0 ? tr("Indexed %1 of %2 files").arg(m_count).arg(expected)
                                : tr("Indexed %1 files").arg(m_count));
    Q_EMIT looked();
    schedule();
}

void BatchReadiness::schedule()
{
    m_timer.start(m_delayMs);
    m_delayMs = qMin(qMax(1, m_options.pollMaxMs), m_delayMs * 3 / 2 + 1);
}

void BatchReadiness::conclude(Verdict verdict)
{
    m_verdict = verdict;
    m_timer.stop();
    setStatusText(describe());
    emitResult();
}

void BatchReadiness::doCancel()
{
    m_timer.stop();
    if (m_call)
        m_call->cancel();
}

}  // namespace bd::staging
