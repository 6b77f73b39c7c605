#pragma once
// BatchReadiness: "is this batch ready?" - the one answer the local ingest, the references
// ingest, the New job dialog and the batch pane share. It reads D6 (the shards: in progress,
// failed, the service's failedFiles) and then D3 (the count), once or until a verdict:
//
//   Ready    no shard of ours is in progress and the count is complete: count + files the
//            service rejected >= expectedCount; with no expectedCount, count > 0 (waiting:
//            and unchanged since the previous look, so a batch the service is still filling
//            is not called ready between two shards).
//   Indexing (one look only) a shard of ours is in progress, or the count is still short.
//   Empty    (one look only) nothing in progress and nothing indexed (count 0).
//   Failed   no shard of ours is in progress (with shardsExpected: and at least one of ours
//            exists), the count is short, and it stayed the same for
//            settlePolls looks in a row: the service has finished with fewer files than
//            expected (failedFiles() says why, as far as the service said).
//   Stalled  still indexing, but neither the count nor the number of shards in progress moved
//            for stallTimeoutMs, or timeoutMs passed in all.
//   Gone     D3 answers 404 (a 404 from D6 alone only means "no shard listing": a simple
//            batch may have none). A batch that was seen earlier in this run is gone at once;
//            one never seen may still appear (the service creates a RoboQL / references batch
//            with its first shard), so it is Gone after stallTimeoutMs (at once on one look).
//
// Shard ownership: with ingestIds set, shards whose owner (raw or statusMetadata "ingestId")
// is another ingest are ignored - another ingest into the same batch neither delays nor fails
// ours. A shard without an owner always counts (the service does not always say).
//
// error() is set only when no verdict could be reached: maxPollErrors failed looks in a row
// (the last error is kept), a bad request (no batch id), or cancel(). A verdict other than
// Ready is an answer, not an error: the caller decides what it means for its work.
// Memory: O(failed files + shards of the last look) - a shard holds up to 256 files.
#include "api/ApiClient.h"
#include "core/Operation.h"

#include <QElapsedTimer>
#include <QHash>
#include <QPointer>
#include <QSet>
#include <QTimer>

namespace bd::staging {

struct ReadinessOptions {
    QString batchId;
    QString partName;            // D3 count of one part; empty: the whole batch
    QSet<QString> ingestIds;     // shards of these ingests only; empty: every shard counts
    qint64 expectedCount = -1;   // files that should end up indexed; -1: unknown
    bool once = false;           // one look (Ready / Indexing / Empty / Gone), no waiting
    int pollInitialMs = 1000;    // waiting: the first pause, growing by half up to pollMaxMs
    int pollMaxMs = 5000;
    qint64 timeoutMs = 10 * 60 * 1000;
    qint64 stallTimeoutMs = 60 * 1000;
    int settlePolls = 1;         // settled-but-short looks in a row before Failed
    // The service makes the shards (references, RoboQL): "settled" then also needs at least one
    // shard of ours, else a batch whose first shard is not there yet would look finished.
    bool shardsExpected = false;
    int maxPollErrors = 8;
};

class BatchReadiness : public Operation
{
    Q_OBJECT
public:
    enum class Verdict { Unknown, Ready, Indexing, Empty, Failed, Stalled, Gone };
    Q_ENUM(Verdict)

    BatchReadiness(api::ApiClient *api, ReadinessOptions options, QObject *parent = nullptr);
    ~BatchReadiness() override;

    const ReadinessOptions &options() const { return m_options; }
    Verdict verdict() const { return m_verdict; }
    static QString verdictName(Verdict verdict);   // "ready", "indexing", ...
    // One line for a person: "Ready · 120 files", "Indexing · 2 shards in progress", ...
    QString describe() const;

    // The last look's figures (-1: not known yet).
    qint64 count() const { return m_count; }
    int shardsSeen() const { return m_shardsSeen; }          // ours
    int shardsInProgress() const { return m_shardsInProgress; }
    int shardsFailed() const { return m_shardsFailed; }
    // The service's per-file verdicts in our shards (D6 failedFiles): batch name → reason.
    const QHash<QString, QString> &failedFiles() const { return m_failedFiles; }
    // Every shard of the last look (other ingests' too), for a display such as the batch pane.
    const QVector<api::Shard> &shards() const { return m_shards; }
    // Whether the shard (raw or statusMetadata "ingestId") belongs to one of ingestIds.
    static bool isOurs(const api::Shard &shard, const QSet<QString> &ingestIds);

Q_SIGNALS:
    // After every look that did not end the operation (for progress texts).
    void looked();

protected:
    void doStart() override;
    void doCancel() override;

private:
    void look();
    void onShards(api::ListShardsCall *call);
    void onCount(api::BatchCountCall *call);
    void onLookFailed(const Error &error);
    void decide();
    void schedule();
    void conclude(Verdict verdict);

    QPointer<api::ApiClient> m_api;
    ReadinessOptions m_options;
    Verdict m_verdict = Verdict::Unknown;
    QPointer<api::ApiCall> m_call;
    QTimer m_timer;
    QElapsedTimer m_clock;        // since start
    QElapsedTimer m_stallClock;   // since the figures last moved
    int m_delayMs = 0;
    int m_errors = 0;
    int m_settledShortLooks = 0;
    bool m_seen = false;          // the batch answered at least once
    bool m_notFound = false;
    qint64 m_count = -1;
    qint64 m_previousCount = -1;
    int m_shardsSeen = 0;
    int m_shardsInProgress = 0;
    int m_previousInProgress = -1;
    int m_shardsFailed = 0;
    QHash<QString, QString> m_failedFiles;
    QVector<api::Shard> m_shards;
};

}  // namespace bd::staging
