#pragma once
// IngestPlanCursor: IngestPlanner's plan read from the database a shard at a time, for scans
// written to disk (ScanStore). The same rules - simple up to simpleMaxImages images discovered,
// else shards capped by shardMaxFiles and shardMaxBytes in path order; videos one by one; files
// confirmed in the journal counted but not planned - with the boundaries found while walking
// the scan by path (keyset pages), so memory holds one shard, never the plan.
//
// Works on one connection that has the scan attached (ScanStore::attach) next to the journal's
// ingest_files: the calling thread's database(). A file is pending unless this ingest's row
// says "confirmed" or the walk handed it out in an early shard (scan column early); only the
// transfers the cursor handed out change states, so the pages ahead of it stay what the
// counts saw.
#include "staging/IngestPlan.h"

#include <QSqlDatabase>
#include <QString>

#include <optional>

namespace bd::staging {

struct PlanCounts {
    int imagesDiscovered = 0;        // including confirmed ones
    int imagesAlreadyUploaded = 0;
    int imagesHandedOut = 0;         // sent in early shards while the walk went on (EarlyShards.h)
    int videosAlreadyUploaded = 0;
    int imagesPending = 0;
    qint64 imageBytesPending = 0;
    int videosPending = 0;
    qint64 videoBytesPending = 0;
};

class IngestPlanCursor
{
public:
    // The same choice for the whole cursor (pages and counts); see countFiles.
    enum class Lookup { Journal, ScanOnly };

    // scanSchema: the name the scan file is attached under; alreadyUploaded in options is
    // ignored (the journal's states decide, unless lookup is ScanOnly: then nothing is uploaded
    // but the scan's early rows).
    IngestPlanCursor(QSqlDatabase db, QString scanSchema, QString ingestId, PlanOptions options,
                     Lookup lookup = Lookup::Journal);

    // One aggregate pass: counts, method and notes. False with lastError() when the query fails.
    bool summarize();
    // The same in two halves: the aggregate query on any thread's connection with the scan
    // attached (a worker's: it reads every scanned file), then the method and notes from it.
    // ScanOnly: a fresh ingest whose only journalled uploads are its early shards (the scan's
    // `early` rows), so no file needs looking up in the journal: the count reads the scan alone.
    static bool countFiles(QSqlDatabase db, const QString &scanSchema, const QString &ingestId, PlanCounts *counts,
                           QString *error, Lookup lookup = Lookup::Journal);
    void useCounts(const PlanCounts &counts);
    const PlanCounts &counts() const { return m_counts; }
    IngestPlan::ImageMethod imageMethod() const { return m_method; }
    bool videosNeedSeparateBatch() const { return m_videosNeedSeparateBatch; }
    const QStringList &notes() const { return m_notes; }
    // "simple" | "sharded" | "videos" | "simple+videos" | "sharded+videos" | ""
    QString methodName() const;

    // Next unit of work in path order; nullopt when there is no more (or a query failed:
    // lastError() then says why). Shards are numbered from 0 like IngestPlanner's.
    std::optional<ScannedFile> nextSimpleImage();
    std::optional<PlannedShard> nextShard();
    std::optional<ScannedFile> nextVideo();

    QString lastError() const { return m_error; }

private:
    // Up to `limit` pending files of this kind after `after` (path order).
    QVector<ScannedFile> page(MediaKind kind, const QString &after, int limit);
    std::optional<ScannedFile> nextOne(MediaKind kind, QString *after);

    QSqlDatabase m_db;
    QString m_schema;
    QString m_ingestId;
    PlanOptions m_options;
    Lookup m_lookup = Lookup::Journal;
    PlanCounts m_counts;
    IngestPlan::ImageMethod m_method = IngestPlan::ImageMethod::None;
    bool m_videosNeedSeparateBatch = false;
    QStringList m_notes;
    QString m_afterImage = QStringLiteral("");
    QString m_afterVideo = QStringLiteral("");
    int m_nextShardIndex = 0;
    QString m_error;
};

}  // namespace bd::staging
