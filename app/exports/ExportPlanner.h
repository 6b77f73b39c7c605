#pragma once
// ExportPlanner: turns "export batch X" (or "export job J's outputs") into the list of files to
// download, walking the API the way the reference CLI does (docs/protocol.md §8.1):
//   D2 (type) -> multipart: D4 parts (optionally filtered) -> per part D3 (count) + every D5 page
//             -> otherwise:  D3 + every D5 page.
// A job id resolves through B4: the output batches of its `export` stage (or of every stage).
//
// It is an Operation that streams: the requests of different batches and parts run concurrently,
// each under a slot of the connection's NetworkGate (Request lane: the shared request cap and
// 429 hold) and at most maxRequests() of this planner at once; every D5 page is handed out as soon
// as it arrives (filesListed), so downloads start while the rest is still being listed. The pages
// of one part follow each other (each names the next). D3 feeds only the progress totals
// (declaredCount) and never delays a page. Suspendable: no new request starts while suspended.
//
// The planner also serves fresh signed URLs for files whose URL expired (a new D5 listing of that
// part, matched by identity key; concurrent requests for one part share one listing), also after
// it has finished.
#include "api/ApiClient.h"
#include "core/Error.h"
#include "core/Operation.h"
#include "exports/ExportFileInfo.h"

#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QPointer>
#include <QSet>
#include <QStringList>
#include <QVector>

#include <functional>
#include <vector>

namespace bd {

// One batch exported into one root folder (which holds its .export_log.jsonl).
struct ExportSource {
    QString batchId;
    QString targetRoot;
    bool multipart = false;
    qint64 declaredCount = 0;   // sum of D3 counts (progress totals only)
};

struct PlannedFile {
    ExportFileInfo file;
    QString batchId;
    QString targetRoot;   // the export root of the batch
    QString destDir;      // <root>/<partName> or <root>; archives are extracted here
    QString destPath;     // <destDir>/<fileName>
    bool isArchive = false;
    Error refusal;        // set when this one file cannot be exported safely (its name or URL)

    QString key() const { return file.identityKey(); }
};

// What to list. The folder layout (ExportLayout.h, "One layout"): with a jobId every batch lands
// in <targetDir>/<batchId>; without one, a single batch fills targetDir itself (as the reference
// CLI's export-batch does) and several batches each get <targetDir>/<batchId>.
struct ExportPlanRequest {
    QStringList batchIds;     // without jobId: the batches; with jobId: only these of its outputs
    QString jobId;            // B4: the job's output batches
    bool allStages = false;   // with jobId: every stage's outputs, not only `export`
    QString targetDir;
    QStringList partNames;    // filter for multipart batches (empty: all parts)
};

// BatchFile (API model) -> ExportFileInfo; absent optionals become null strings (JSON null).
ExportFileInfo exportFileInfoFrom(const api::BatchFile &file);

class ExportPlanner : public Operation
{
    Q_OBJECT
public:
    using UrlCallback = std::function<void(const QString &url, const Error &error)>;

    ExportPlanner(api::ApiClient *api, ExportPlanRequest request, QObject *parent = nullptr);
    ~ExportPlanner() override;

    // Listing requests in flight at once (default 4; at least 1). May change while running.
    void setMaxRequests(int requests);
    int maxRequests() const { return m_maxRequests; }
    int requestsInFlight() const { return m_inFlight; }

    // Valid once sourcesKnown() was emitted: every batch and the folder it lands in.
    const QVector<ExportSource> &sources() const { return m_sources; }
    bool areSourcesKnown() const { return m_sourcesKnown; }
    // Grows page by page (indexes never change); complete once the planner finished without error.
    const QVector<PlannedFile> &files() const { return m_files; }
    qint64 declaredCount() const;

    // A fresh download URL for `file` of `batchId` (re-lists its part). `done` runs in `context`'s
    // thread and not at all if `context` is destroyed first.
    void refreshUrl(const QString &batchId, const ExportFileInfo &file, QObject *context, UrlCallback done);

Q_SIGNALS:
    // Every batch and its target root is known (before any of their files).
    void sourcesKnown();
    // files()[first .. first + count) were appended (one D5 page).
    void filesListed(int first, int count);

protected:
    void doStart() override;
    void doCancel() override;
    bool doSuspend() override { return true; }   // dispatch() starts nothing new while suspended
    bool doResume() override;

private:
    struct Task {
        enum Kind { ResolveJob, GetBatch, ListParts, Count, ListPage } kind = GetBatch;
        int source = 0;
        QString partName;
        QString pageToken;
    };
    void resolveJob();
    void setSources(const QStringList &batchIds);
    void enqueue(const Task &task);
    void dispatch();
    void onSlot(api::NetworkGate::Slot slot);
    void stopRequests();
    void run(const Task &task);
    void onBatch(int source, bool multipart);
    void onParts(int source, const QVector<api::BatchPart> &parts);
    void onPage(const Task &task, const QVector<api::BatchFile> &page, const std::optional<QString> &nextToken);
    PlannedFile planFile(const ExportSource &source, const QString &taskPart, const api::BatchFile &bf) const;
    void taskDone();
    void fail(const Error &error);
    template <class Call>
    void track(std::function<Call *()> make, std::function<void(Call *)> onSuccess, int attempt = 1);

    struct Listing {
        bool inFlight = false;
        QElapsedTimer fetched;
        QHash<QString, QString> urlByKey;
        QVector<QPair<QPointer<QObject>, QPair<QString, UrlCallback>>> waiters;  // (context, (key, done))
    };
    void answerWaiters(const QString &listingKey, const Error &error);

    QPointer<api::ApiClient> m_api;
    const ExportPlanRequest m_request;
    int m_maxRequests = 4;
    int m_inFlight = 0;        // requests (or their retry waits) running now
    api::NetworkGate::Ticket m_ticket = 0;           // the one slot request waiting at the gate
    std::vector<api::NetworkGate::Slot> m_slots;     // one per request in flight (fungible)
    QList<Task> m_pages;       // GetBatch / ListParts / ListPage: what produces files, first
    QList<Task> m_counts;      // D3 (totals only), when nothing else waits
    QSet<QString> m_seenTokens;   // "<source>\n<part>\n<token>": a repeated token would loop
    QHash<QString, int> m_pagesByPart;   // "<source>\n<part>" -> pages followed
    QVector<ExportSource> m_sources;
    bool m_sourcesKnown = false;
    QVector<PlannedFile> m_files;
    QSet<api::ApiCall *> m_calls;  // in flight, aborted on cancel
    QHash<QString, Listing> m_listings;
};

}  // namespace bd
