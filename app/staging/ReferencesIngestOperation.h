#pragma once
// ReferencesIngestOperation: a staging batch built from references - {"name", "url"} pairs the
// service fetches itself (D10 images / D11 videos, spec §4.11-4.12, §7.1). Used by the CLI's
// `--data-source references-file | cloud-storage` and by the GUI's "Ingest from references".
//
//   ReferencesIngestOptions o;
//   o.batchId = "my-batch";
//   o.references = ReferencesIngestOperation::readReferencesFile(path, &error);  // or CloudIngestPlanner
//   // or: o.referencesUrl = "https://.../refs.jsonl" (passed through, never fetched by us)
//   auto *op = new ReferencesIngestOperation(api, o, parent);
//   connect(op, &Operation::finished, ...);   // then op->summary()
//   op->start();
//
// Inline image references go in chunks of `chunkSize` (default 20 000, §7.1), one D10 each; video
// references in one D11. Every chunk carries a stable ingest id (chunkIngestId()), so a retried or
// re-run request is recognised by the service as a duplicate (`duplicated: true`) instead of
// ingesting twice. Then, when waitForIndexing, BatchReadiness polls the batch (D6 shards of our
// ingest ids, D3 count) until every reference is indexed, the shards have settled short, or
// nothing moved for `stallTimeoutMs`; finally the listing (D5) decides which names made it and D6's failedFiles say
// why the others did not.
//
// With options.roboqlQuery the same operation runs a RoboQL ingest (D12) and waits the same way.
//
// Progress: Items = references sent / total, Files = indexed / expected.
// Signed URLs are credentials: they never appear in the summary, status texts or errors.
#include "api/ApiClient.h"
#include "core/Operation.h"
#include "staging/BatchReadiness.h"
#include "staging/IngestSummary.h"

#include <QElapsedTimer>
#include <QHash>
#include <QPointer>
#include <QSet>
#include <QStringList>
#include <QTimer>
#include <QVector>

namespace bd::staging {

// §7.1 MAX_IMAGE_REFERENCES_IN_INGEST_REQUEST.
inline constexpr int kDefaultReferencesChunkSize = 20000;

struct ReferenceEntry {
    QString name;   // the file's identity in the batch; must be unique
    QString url;    // http(s) URL the service fetches (usually signed)
    int line = 0;   // 1-based line in the references file, 0 when not read from a file
};

struct ReferenceProblem {
    enum class Kind { EmptyName, DuplicateName, NameWithSlash, EmptyUrl, MalformedUrl, UnsupportedScheme };
    int index = -1;   // index into the validated entries
    int line = 0;     // the entry's file line (0: unknown)
    Kind kind = Kind::MalformedUrl;
    QString message;  // person-readable; mentions the name, never the URL's query
};

struct ReferencesIngestOptions {
    QString batchId;
    QString displayName;                  // empty: the batch id (sent as displayName on D10/D11)
    bool videos = false;                  // D11 (never chunked) instead of D10
    QVector<ReferenceEntry> references;   // inline references, or ...
    QString referencesUrl;                // ... an https JSONL URL passed to the service (§7.1)
    int chunkSize = kDefaultReferencesChunkSize;
    QString ingestId;                     // base id; empty: stableIngestId() (a re-run reuses it)
    QString notificationsUrl;
    QStringList notificationCategories;   // ingest-status, files-status (de-duplicated)
    bool waitForIndexing = true;
    int pollInitialMs = 1000;
    int pollMaxMs = 5000;
    qint64 indexTimeoutMs = 10 * 60 * 1000;
    qint64 stallTimeoutMs = 60 * 1000;    // give up waiting when the count does not move this long
    int maxPollErrors = 8;
    QString method;                       // summary's method; empty: "references" / "references-url" / "roboql"
    // RoboQL (D12, §4.13): when set, the batch is built by the service from this query instead of
    // references (images only; displayName is sent only when given; no categories). The number
    // of files is unknown ahead, so indexing waits until the count is positive and settles.
    QString roboqlQuery;
};

class ReferencesIngestOperation : public Operation
{
    Q_OBJECT
public:
    enum class Phase { Idle, Sending, Indexing, Reconciling, Done };
    Q_ENUM(Phase)

    ReferencesIngestOperation(api::ApiClient *api, ReferencesIngestOptions options, QObject *parent = nullptr);
    ~ReferencesIngestOperation() override;

    const ReferencesIngestOptions &options() const { return m_options; }
    Phase phase() const { return m_phase; }
    // Complete once finished() was emitted; partially filled while running.
    const IngestSummary &summary() const { return m_summary; }
    // The ingest ids sent, one per chunk, and how many chunks the service called duplicates.
    QStringList chunkIngestIds() const { return m_chunkIds; }
    int duplicatedChunks() const { return m_duplicatedChunks; }

    // The static helpers are pure and thread-safe: for big files call them from a worker thread
    // (QtConcurrent::run), not from the GUI thread: reading and validating 100 000 lines (34 MB)
    // took about 2 s (measured through `batchdeck-cli ... --list-only`, busy 2-core machine).
    // A §7.1 JSONL file: one {"name", "url"} object per line, blank lines ignored. Errors
    // (InvalidInput) name the file and the line: unreadable, empty, not a JSON object, missing or
    // non-string "name"/"url". Validation of the values is separate (validate()).
    static QVector<ReferenceEntry> readReferencesFile(const QString &path, Error *error = nullptr);
    // Per-entry problems for a preview: empty names, names containing '/', duplicate names (each
    // repeat after the first), empty / malformed / non-http(s) URLs. Empty when all is well.
    static QVector<ReferenceProblem> validate(const QVector<ReferenceEntry> &entries);
    // Summary line of validate()'s result for an error message ("3 problems: line 4: ...").
    static QString describeProblems(const QVector<ReferenceProblem> &problems, int maxListed = 5);
    // Deterministic base ingest id from the batch, the media and the reference *names* (signed
    // URLs change on every signing, so they are left out) or the references URL without its query.
    static QString stableIngestId(const ReferencesIngestOptions &options);
    // §7.1: one chunk -> the base id unchanged; several -> cumulative "X-0", "X-0-1", "X-0-1-2".
    static QString chunkIngestId(const QString &base, int chunkIndex, int chunkCount);

Q_SIGNALS:
    void phaseChanged(bd::staging::ReferencesIngestOperation::Phase phase);

protected:
    void doStart() override;
    void doCancel() override;

private:
    void setPhase(Phase phase, const QString &status);
    void sendChunk(int index);
    void startIndexWait();
    void showIndexed(qint64 count);
    void reconcile();
    void finish(const Error &error = {});

    QPointer<api::ApiClient> m_api;
    ReferencesIngestOptions m_options;
    Phase m_phase = Phase::Idle;
    IngestSummary m_summary;
    QElapsedTimer m_clock;
    QStringList m_chunkIds;
    QSet<QString> m_serviceIngestIds;        // as echoed by the service
    int m_chunkCount = 0;
    int m_duplicatedChunks = 0;
    qint64 m_expected = 0;                   // files we wait for (-1: unknown, e.g. a references URL)
    QPointer<api::ApiCall> m_call;

    QPointer<BatchReadiness> m_readiness;   // Indexing: is the batch ready?
    QHash<QString, QString> m_serviceFailed;  // name -> the service's reason (D6)
};

}  // namespace bd::staging
