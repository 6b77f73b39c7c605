#pragma once
// Starts an Asset Library job so that an uncertain network can never start two:
//  1. the request's idempotency key is taken from the local journal (table
//     asset_library_requests) or generated and written there BEFORE the first attempt;
//  2. A1 is sent with it; every retry of the call re-sends the same key;
//  3. the answer's job id is written next to the key.
// A run that ends without an answer (killed, offline, retries exhausted) leaves the key pending:
// the same request run again - same service, workspace and body - reuses it, and the service
// answers the first job's id instead of starting another. Once a request has its job id, the same
// request again is a new user request and gets a new key (a second job, on purpose). A key given
// by the user (--idempotency-key) is used as it is.
// Used by batchdeck-cli process-asset-library-with-workflow (exec()) and the New job dialog.
// An Operation: finished() once, error(), cancel() (stops W1 or A1 in flight; the key stays
// pending, so a re-run reuses it), exec().
#include "core/Error.h"
#include "core/Operation.h"
#include "jobs/JobSpecAssetLibrary.h"

#include <QPointer>

namespace bd::api { class ApiCall; class ApiClient; }

namespace bd::jobs {

// The journal (one SQLite table in the shared database, bd::database()).
namespace AssetLibraryJournal {
// The key for this request: a pending one of an earlier run of the same request, else a new one
// (journalled before returning). `explicitKey` non-empty: that key, journalled. Empty + *error
// when the journal cannot be written (the request must then not be sent).
QString keyFor(const QString &service, const QString &workspace, const QString &fingerprint,
               const QString &explicitKey, bool *reused, Error *error);
// The job id the service answered for `key`.
bool markAnswered(const QString &service, const QString &workspace, const QString &key, const QString &jobId);
// The job id recorded for `key`, empty when pending or unknown.
QString answeredJobId(const QString &service, const QString &workspace, const QString &key);
}  // namespace AssetLibraryJournal

class AssetLibraryLauncher : public Operation
{
    Q_OBJECT
public:
    explicit AssetLibraryLauncher(api::ApiClient *api, QObject *parent = nullptr);

    // The job to start; set before start().
    void setSpec(const AssetLibraryJobSpec &spec) { m_spec = spec; }
    const AssetLibraryJobSpec &spec() const { return m_spec; }
    // start() validates, journals the key and sends A1; finished() follows exactly once (also
    // for a spec that does not validate: InvalidInput with every problem).
    using Operation::start;
    // setSpec(spec) + start().
    void start(const AssetLibraryJobSpec &spec);

    QString jobId() const { return m_jobId; }
    QString idempotencyKey() const { return m_key; }
    bool reusedPendingKey() const { return m_reused; }   // an earlier run's key was reused
    int attempts() const { return m_attempts; }          // A1 attempts this run

protected:
    void doStart() override;
    void doCancel() override;

private:
    void sendWithWorkspace();

    QPointer<api::ApiClient> m_api;
    QPointer<api::ApiCall> m_call;   // W1 or A1 in flight
    AssetLibraryJobSpec m_spec;
    bool m_reused = false;
    int m_attempts = 0;
    QString m_jobId;
    QString m_key;
};

}  // namespace bd::jobs
