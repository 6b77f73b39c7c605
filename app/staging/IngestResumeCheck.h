#pragma once
// IngestResumeCheck: the working set of a resume's check with the service (IngestVerify.cpp),
// kept in two temporary tables of this thread's journal connection instead of in memory, so a
// million-file resume decides by joins in flat memory:
//
//   temp.resume_claims   what earlier runs claim, per path: confirmed by an earlier run and
//                        unchanged on disk (Earlier), left "sent" by a killed run of this ingest
//                        (Sent, with when it was sent and whether its whole body left), or
//                        changed on disk since it was confirmed or sent (Changed)
//   temp.resume_listed   the batch's file names as the service lists them (D5), a page at a
//                        time as the pages arrive
//
// The scan is attached to the same connection as `scanSchema` (ScanStore); a path's batch name
// is the scan's. Temporary tables live as long as the connection: reset() empties them for the
// next check. Claims are written in batched transactions (kBatchRows a transaction).
#include "staging/IngestJournal.h"

#include <QString>
#include <QStringList>
#include <QVector>

#include <functional>

namespace bd::staging {

class IngestResumeCheck
{
public:
    enum class Claim { Earlier = 0, Sent = 1, Changed = 2 };
    static constexpr int kBatchRows = 2000;

    IngestResumeCheck(QString ingestId, IngestTarget target, QString batchId, QString scanSchema);
    ~IngestResumeCheck();   // flushes what add() buffered

    // Creates (once per connection) and empties both tables.
    bool reset();

    // Buffered: written kBatchRows at a time, and by flush().
    bool add(const QString &path, Claim kind, qint64 sentAtMs = 0, bool bodyLeft = false);
    bool flush();
    // Claims of these kinds (Earlier and Sent: what the service is asked about).
    qint64 count(std::initializer_list<Claim> kinds);

    // Changed claims: forgotten as confirmed by any ingest into this batch on this target, this
    // ingest's rows planned again; each path visited (path order), then the claims dropped.
    bool resolveChanged(const QString &reason, const std::function<void(const QString &path)> &visit);

    // The listing (creates the tables when reset() did not yet).
    bool clearListing();
    bool addListedNames(const QStringList &names);   // one page, one transaction

    // The verdict of one listing (`nowMs`, `sentSettleMs`: a Sent claim whose whole body left is
    // waited for until sentAtMs + sentSettleMs):
    //   listed            → this ingest's row confirmed (presentCount)
    //   Earlier, unlisted → forgotten as confirmed (reason), planned again, visited
    //   Sent, unlisted    → planned again, unless still waited for
    // Every claim decided is dropped: what stays is what is waited for (waitingCount, and the
    // longest wait in waitMs).
    struct Verdict {
        qint64 presentCount = 0;
        qint64 missingEarlierCount = 0;
        qint64 waitingCount = 0;
        qint64 waitMs = 0;
    };
    bool applyListing(qint64 nowMs, qint64 sentSettleMs, const QString &missingReason,
                      const std::function<void(const QString &path)> &visitMissingEarlier, Verdict *verdict);

    // This ingest's confirmed files whose batch name the listing lacks (reconcileMissing).
    bool forEachConfirmedUnlisted(const std::function<void(const QString &name)> &visit);

    QString lastError() const { return m_lastError; }

private:
    bool createTables();
    bool exec(const QString &sql, const QVariantList &values = {});
    bool fail(const QString &text);

    QString m_ingestId;
    IngestTarget m_target;
    QString m_batchId;
    QString m_scanSchema;
    struct Row {
        QString path;
        int kind;
        qint64 sentAtMs;
        bool bodyLeft;
    };
    QVector<Row> m_pending;
    QString m_lastError;
};

}  // namespace bd::staging
