#pragma once
// IngestSummary: how an ingest ended, file by file. Every input file the scan met lands in
// exactly one list: uploaded (in the batch, this run or an earlier one), skipped (never sent,
// with the scan's reason) or failed (with the reason - ours or the service's).
//
// A local ingest of a million files does not keep a million outcomes: its counts are whole and
// each list holds the first kMaxListedUploads by path; IngestOperation::outcomes() reads the
// rest from the journal and the scan (the CLI's --json lists skipped and failed in full).
#include <QJsonObject>
#include <QtGlobal>
#include <QString>
#include <QVector>

namespace bd::staging {

struct IngestFileOutcome {
    QString path;
    QString name;     // name in the batch (may be empty for skipped files)
    QString reason;   // skipped / failed: machine name or message; uploaded: empty
    QString detail;   // person-readable text for the reason
};

struct IngestSummary {
    static constexpr int kMaxListedUploads = 1000;

    QString ingestId;
    QString batchId;
    QString method;                  // simple | sharded | videos
    bool resumed = false;            // the ingest id came from the journal
    int uploadedEarlier = 0;         // of `uploaded`: already in the batch before this run (the
                                     // service listed them and they are unchanged on disk)
    // Files an earlier run had sent that went up again, each with why: "changed" (on disk
    // since), "not-on-service" (the service does not list it) or "batch-gone" (the service has
    // no such batch: expired after 7 days, another workspace or region, a fresh sandbox).
    QVector<IngestFileOutcome> sentAgain;   // the first kMaxListedUploads
    int sentAgainCount = 0;          // 0: sentAgain is complete
    int sentAgainChanged = 0;        // of sentAgainCount: reason "changed"
    bool batchGone = false;
    qint64 batchCount = -1;          // last D3 count seen (-1: not read)
    qint64 bytesSent = 0;
    qint64 elapsedMs = 0;
    bool ready = false;              // every planned file is indexed: the batch can feed a job
    QVector<IngestFileOutcome> uploaded;
    QVector<IngestFileOutcome> skipped;
    QVector<IngestFileOutcome> failed;
    // Whole counts when the lists above are samples (0: the list is complete).
    int uploadedCount = 0;
    int skippedCount = 0;
    int failedCount = 0;

    int uploadedTotal() const { return qMax(uploadedCount, int(uploaded.size())); }
    int skippedTotal() const { return qMax(skippedCount, int(skipped.size())); }
    int failedTotal() const { return qMax(failedCount, int(failed.size())); }
    int sentAgainTotal() const { return qMax(sentAgainCount, int(sentAgain.size())); }
    int total() const { return uploadedTotal() + skippedTotal() + failedTotal(); }
    QJsonObject toJson() const;
    // A few lines for a terminal: counts, then each skipped / failed file with its reason.
    QString toText(int maxListed = 50) const;
};

}  // namespace bd::staging
