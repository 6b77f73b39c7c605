#pragma once
// Asset Library jobs (routes A1, A2; docs/protocol.md §16): a Workflow job over a
// selection of the workspace's Asset Library, which the platform stages itself.
//
//   A1 POST /batch-processing/v1/external/{ws}/asset-library/jobs   (Bearer only)
//      {"workflowId", "idempotencyKey", one of "imageIds": [..] | "query": "RoboQL" |
//       "allImages": true, optional B3 settings} -> 202 {"status": "queued", "jobId": "al-…"}
//   A2 GET  /batch-processing/v1/external/{ws}/asset-library/count[?query=Q]  (Bearer only)
//      -> {"status": "ok", "count": N}  (the live count; no query = the whole library)
//
// Idempotency: the first request with a key creates the job; the same key with the same body
// answers the same jobId again (202) however often it comes; the same key with another body is a
// 409. The key map is kept in the sandbox state, so it survives a restart. Creation is serialised,
// so two concurrent requests with one key still make one job.
// Staging [INFERRED]: the selection becomes a bulk batch "<jobId>-input" (files indexed at once),
// then a B3-shaped job over it runs in the JobService like any other job.
// Errors use the nested shape {"error": {"message": "…"}} (the classic routes send the flat one),
// so clients meet both shapes.
#include "sandbox/SandboxContext.h"

#include <QHash>
#include <QJsonObject>
#include <QMutex>
#include <QString>

namespace bd::sandbox {

class AssetLibrary;
class JobService;
class StagingStore;

class AssetLibraryJobs
{
public:
    AssetLibraryJobs(StagingStore *store, const AssetLibrary *assets, JobService *jobs);

    ApiReply handle(const ApiRequest &request);

    QJsonObject save() const;
    void load(const QJsonObject &state);

private:
    ApiReply create(const ApiRequest &request);
    ApiReply count(const ApiRequest &request) const;

    struct Created {
        QByteArray request;   // the canonical (key-sorted, compact) body
        QString jobId;
    };
    StagingStore *m_store;
    const AssetLibrary *m_assets;
    JobService *m_jobs;
    mutable QMutex m_mutex;
    QHash<QString, Created> m_byKey;   // workspace + '/' + idempotencyKey
};

// {"error": {"message": message}}
ApiReply nestedError(int status, const QString &message);

}  // namespace bd::sandbox
