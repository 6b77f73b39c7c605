#include "jobs/AssetLibraryLauncher.h"

#include "api/ApiClient.h"
#include "core/Database.h"

#include <QDateTime>
#include <QSqlError>
#include <QSqlQuery>

namespace bd::jobs {

namespace AssetLibraryJournal {

namespace {
bool open(QSqlDatabase *db, Error *error)
{
    // asset_library_requests comes from the one schema (core/Schema.cpp, migration 3).
    *db = bd::database();
    if (db->isOpen())
        return true;
    if (error)
        *error = Error(ErrorKind::Io, QStringLiteral("Could not use the local journal for the idempotency key (%1); "
                                                     "nothing was sent")
                                          .arg(bd::databaseError().message));
    return false;
}
}  // namespace

QString keyFor(const QString &service, const QString &workspace, const QString &fingerprint,
               const QString &explicitKey, bool *reused, Error *error)
{
    *reused = false;
    QSqlDatabase db;
    if (!open(&db, error))
        return {};
    QSqlQuery q(db);
    if (explicitKey.isEmpty()) {
        q.prepare(QStringLiteral("SELECT idempotency_key FROM asset_library_requests WHERE service = ? AND workspace = ? "
                                 "AND fingerprint = ? AND job_id IS NULL ORDER BY created_at DESC LIMIT 1"));
        q.addBindValue(service);
        q.addBindValue(workspace);
        q.addBindValue(fingerprint);
        if (q.exec() && q.next()) {
            *reused = true;
            return q.value(0).toString();
        }
    }
    const QString key = explicitKey.isEmpty() ? generateIdempotencyKey() : explicitKey;
    q.prepare(QStringLiteral("INSERT OR IGNORE INTO asset_library_requests "
                             "(service, workspace, fingerprint, idempotency_key, job_id, created_at) VALUES (?, ?, ?, ?, NULL, ?)"));
    q.addBindValue(service);
    q.addBindValue(workspace);
    q.addBindValue(fingerprint);
    q.addBindValue(key);
    q.addBindValue(QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs));
    if (!q.exec()) {
        if (error)
            *error = Error(ErrorKind::Io, QStringLiteral("Could not write the idempotency key to the local journal (%1); "
                                                         "nothing was sent").arg(q.lastError().text()));
        return {};
    }
    return key;
}

bool markAnswered(const QString &service, const QString &workspace, const QString &key, const QString &jobId)
{
    QSqlDatabase db;
    if (!open(&db, nullptr))
        return false;
    QSqlQuery q(db);
    q.prepare(QStringLiteral("UPDATE asset_library_requests SET job_id = ? WHERE service = ? AND workspace = ? "
                             "AND idempotency_key = ?"));
    q.addBindValue(jobId);
    q.addBindValue(service);
    q.addBindValue(workspace);
    q.addBindValue(key);
    return q.exec();
}

QString answeredJobId(const QString &service, const QString &workspace, const QString &key)
{
    QSqlDatabase db;
    if (!open(&db, nullptr))
        return {};
    QSqlQuery q(db);
    q.prepare(QStringLiteral("SELECT job_id FROM asset_library_requests WHERE service = ? AND workspace = ? "
                             "AND idempotency_key = ?"));
    q.addBindValue(service);
    q.addBindValue(workspace);
    q.addBindValue(key);
    return q.exec() && q.next() ? q.value(0).toString() : QString();
}

}  // namespace AssetLibraryJournal

namespace {
QString serviceOf(const api::ApiClient *api)
{
    return api->config().baseUrl.toString(QUrl::RemoveQuery | QUrl::RemoveUserInfo | QUrl::StripTrailingSlash);
}
}  // namespace

AssetLibraryLauncher::AssetLibraryLauncher(api::ApiClient *api, QObject *parent) : Operation(parent), m_api(api)
{
    setTitle(tr("Start an Asset Library job"));
}

void AssetLibraryLauncher::start(const AssetLibraryJobSpec &spec)
{
    setSpec(spec);
    start();
}

void AssetLibraryLauncher::doStart()
{
    const FieldProblems problems = m_spec.validate();
    if (!problems.isEmpty()) {
        emitResult(Error(ErrorKind::InvalidInput, QStringLiteral("The Asset Library job is not valid:\n") + describeProblems(problems)));
        return;
    }
    if (!m_api) {
        emitResult(Error(ErrorKind::Internal, QStringLiteral("No API client")));
        return;
    }
    if (!m_api->workspace().isEmpty()) {
        sendWithWorkspace();
        return;
    }
    // The journal is per workspace, so W1 first.
    auto *resolve = m_api->resolveWorkspace();
    m_call = resolve;
    connect(resolve, &api::ApiCall::finished, this, [this, resolve] {
        if (resolve->error().isError())
            emitResult(resolve->error());
        else
            sendWithWorkspace();
    });
}

void AssetLibraryLauncher::doCancel()
{
    // The key (if already journalled) stays pending: a re-run of the same request reuses it.
    if (m_call) {
        m_call->disconnect(this);
        m_call->cancel();
    }
}

void AssetLibraryLauncher::sendWithWorkspace()
{
    if (!m_api) {
        emitResult(Error(ErrorKind::Internal, QStringLiteral("No API client")));
        return;
    }
    const QString service = serviceOf(m_api), workspace = m_api->workspace();
    Error error;
    m_key = AssetLibraryJournal::keyFor(service, workspace, m_spec.fingerprint(), m_spec.idempotencyKey, &m_reused, &error);
    if (m_key.isEmpty()) {
        emitResult(error);
        return;
    }
    auto *call = m_api->createAssetLibraryJob(m_spec.toWireJson(m_key));
    m_call = call;
    connect(call, &api::ApiCall::finished, this, [this, call, service, workspace] {
        m_attempts = call->attempts();
        if (call->error().isError()) {
            emitResult(call->error());
            return;
        }
        m_jobId = call->result();
        AssetLibraryJournal::markAnswered(service, workspace, m_key, m_jobId);
        emitResult();
    });
}

}  // namespace bd::jobs
