#pragma once
// ExportPlanner: turns "export batch X" (or "export job J's outputs") into the full list of files
// to download, the way the reference CLI walks the API (spec §8.1):
//   D2 (type) -> multipart: D4 parts (optionally filtered) -> per part D3 (count) + every D5 page
//             -> otherwise:  D3 + every D5 page.
// A job id resolves through B4: the output batches of its `export` stage (or of every stage).
// The planner also serves fresh signed URLs for files whose URL expired (a new D5 listing of that
// part, matched by identity key; concurrent requests for one part share one listing).
#include "api/ApiClient.h"
#include "core/Error.h"
#include "exports/ExportFileInfo.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QStringList>
#include <QVector>

#include <functional>

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

// BatchFile (API model) -> ExportFileInfo; absent optionals become null strings (JSON null).
ExportFileInfo exportFileInfoFrom(const api::BatchFile &file);

class ExportPlanner : public QObject
{
    Q_OBJECT
public:
    using UrlCallback = std::function<void(const QString &url, const Error &error)>;

    explicit ExportPlanner(api::ApiClient *api, QObject *parent = nullptr);
    ~ExportPlanner() override;

    // One or more batches. One batch lands in targetDir itself; several in targetDir/<batchId>.
    // partNames filters the parts of multipart batches (an unknown name, or any name for a
    // non-multipart batch, is an InvalidInput error).
    void planBatches(const QStringList &batchIds, const QString &targetDir, const QStringList &partNames = {});
    // The output batches of a job's `export` stage (allStages: of every stage), each into
    // targetDir/<batchId>. partNames filters the parts where they exist.
    void planJob(const QString &jobId, const QString &targetDir, const QStringList &partNames = {},
                 bool allStages = false);
    void cancel();

    bool isFinished() const { return m_finished; }
    const Error &error() const { return m_error; }
    const QVector<ExportSource> &sources() const { return m_sources; }
    const QVector<PlannedFile> &files() const { return m_files; }
    qint64 declaredCount() const;

    // A fresh download URL for `file` of `batchId` (re-lists its part). `done` runs in `context`'s
    // thread and not at all if `context` is destroyed first.
    void refreshUrl(const QString &batchId, const ExportFileInfo &file, QObject *context, UrlCallback done);

Q_SIGNALS:
    void statusChanged(const QString &text);
    void finished();

private:
    struct PartTask { int source; QString partName; };
    void resolveJob(const QString &jobId, bool allStages);
    void nextSource();
    void planParts(int source);
    void nextPart();
    void finish(const Error &error = {});
    template <class Call>
    bool track(std::function<Call *()> make, std::function<void(Call *)> onSuccess, int attempt = 1);

    struct Listing {
        bool inFlight = false;
        QElapsedTimer fetched;
        QHash<QString, QString> urlByKey;
        QVector<QPair<QPointer<QObject>, QPair<QString, UrlCallback>>> waiters;  // (context, (key, done))
    };
    void answerWaiters(const QString &listingKey, const Error &error);

    QPointer<api::ApiClient> m_api;
    QString m_targetDir;
    QStringList m_partNames;
    bool m_strictParts = true;
    QStringList m_batchIds;
    int m_nextSource = 0;
    QVector<PartTask> m_partTasks;
    QVector<ExportSource> m_sources;
    QVector<PlannedFile> m_files;
    QPointer<api::ApiCall> m_call;
    Error m_error;
    bool m_finished = false;
    bool m_cancelled = false;
    QHash<QString, Listing> m_listings;
};

}  // namespace bd
