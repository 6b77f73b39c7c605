#include "api/JobRequests.h"

#include "api/ApiClient.h"
#include "api/ApiError.h"
#include "api/JsonFields.h"

namespace bd::api {
namespace {

QString jobPath(const QString &jobId, const QString &rest = {})
{
    return QStringLiteral("/jobs/") + QString::fromLatin1(QUrl::toPercentEncoding(jobId)) + rest;
}

template <class Fn>
Error decodeThen(const QByteArray &body, const QString &operation, Fn parse)
{
    QJsonObject object;
    const Error error = decodeJsonObject(body, operation, &object);
    return error.isError() ? error : parse(object);
}

}  // namespace

// ---- B1 ----

ListJobsCall::ListJobsCall(ApiClient *client, int pageSize, const QString &pageToken)
    : PagedCall(client, QStringLiteral("list jobs"), pageSize, pageToken)
{
}

ApiCall::Request ListJobsCall::buildRequest()
{
    Request r;
    r.path = jobsPath(QStringLiteral("/jobs"));
    addPagingQuery(r);
    return r;
}

Error ListJobsCall::parsePage(const QJsonObject &page, std::optional<QString> *nextToken)
{
    const Error e = parseObjectArray(page, QStringLiteral("jobs"), requestName(), &m_items);
    return e.isError() ? e : readNextPageToken(page, requestName(), true, nextToken);
}

// ---- B2 ----

GetJobCall::GetJobCall(ApiClient *client, const QString &jobId)
    : ApiCall(client, QStringLiteral("get job metadata"), true), m_jobId(jobId)
{
}

ApiCall::Request GetJobCall::buildRequest()
{
    Request r;
    r.path = jobsPath(jobPath(m_jobId));
    return r;
}

Error GetJobCall::handleSuccess(const QByteArray &body)
{
    return decodeThen(body, requestName(), [this](const QJsonObject &o) {
        JsonFields f(o, requestName());
        const QJsonObject job = f.object(QStringLiteral("job"));
        if (!f.ok())
            return f.error();
        Error e;
        const auto parsed = Job::fromJson(job, requestName(), &e);
        if (parsed)
            m_job = *parsed;
        return e;
    });
}

// ---- B3 ----

CreateJobCall::CreateJobCall(ApiClient *client, const QString &jobId, const QString &name,
                             const QJsonObject &definition)
    : ApiCall(client, QStringLiteral("create job"), true), m_jobId(jobId), m_name(name), m_definition(definition)
{
}

ApiCall::Request CreateJobCall::buildRequest()
{
    Request r;
    r.verb = "POST";
    r.path = jobsPath(jobPath(m_jobId));
    if (!m_name.isEmpty())
        r.query.append({QStringLiteral("name"), m_name});
    r.hasBody = true;
    r.body = compactJson(m_definition);
    r.contentType = "application/json";
    r.idempotent = true;  // the job id is the key: the same definition again is answered "already exists"
    return r;
}

Error CreateJobCall::handleSuccess(const QByteArray &body)
{
    QJsonObject object;
    if (!decodeJsonObject(body, requestName(), &object).isError())
        m_response = object;  // any 2xx is success; the body is informational
    return {};
}

// ---- B4 ----

ListStagesCall::ListStagesCall(ApiClient *client, const QString &jobId)
    : ApiCall(client, QStringLiteral("list job stages"), true), m_jobId(jobId)
{
}

ApiCall::Request ListStagesCall::buildRequest()
{
    Request r;
    r.path = jobsPath(jobPath(m_jobId, QStringLiteral("/stages")));
    return r;
}

Error ListStagesCall::handleSuccess(const QByteArray &body)
{
    return decodeThen(body, requestName(), [this](const QJsonObject &o) {
        m_stages.clear();
        return parseObjectArray(o, QStringLiteral("stages"), requestName(), &m_stages);
    });
}

// ---- B5 ----

ListTasksCall::ListTasksCall(ApiClient *client, const QString &jobId, const QString &stageId,
                             const QString &pageToken)
    : PagedCall(client, QStringLiteral("list job stage tasks"), 0, pageToken), m_jobId(jobId), m_stageId(stageId)
{
}

ApiCall::Request ListTasksCall::buildRequest()
{
    Request r;
    r.path = jobsPath(jobPath(m_jobId, QStringLiteral("/stages/") +
                                           QString::fromLatin1(QUrl::toPercentEncoding(m_stageId)) +
                                           QStringLiteral("/tasks")));
    addPagingQuery(r);
    return r;
}

Error ListTasksCall::parsePage(const QJsonObject &page, std::optional<QString> *nextToken)
{
    const Error e = parseObjectArray(page, QStringLiteral("tasks"), requestName(), &m_items);
    return e.isError() ? e : readNextPageToken(page, requestName(), true, nextToken);
}

// ---- B6 / B7 ----

JobActionCall::JobActionCall(ApiClient *client, Action action, const QString &jobId, const QJsonObject &overrides)
    : ApiCall(client, action == Action::Abort ? QStringLiteral("abort job") : QStringLiteral("restart job"), true),
      m_action(action), m_jobId(jobId), m_overrides(overrides)
{
}

ApiCall::Request JobActionCall::buildRequest()
{
    Request r;
    r.verb = "POST";
    r.path = jobsPath(jobPath(m_jobId, m_action == Action::Abort ? QStringLiteral("/abort") : QStringLiteral("/restart")));
    // Aborting twice stops the same job; restarting twice could run it twice.
    r.idempotent = m_action == Action::Abort;
    if (m_action == Action::Restart && !m_overrides.isEmpty()) {
        r.hasBody = true;
        r.body = compactJson(m_overrides);
        r.contentType = "application/json";
    }
    return r;
}

Error JobActionCall::handleSuccess(const QByteArray &body)
{
    return decodeJsonObject(body, requestName(), &m_response);  // must be JSON (spec §9.7, §9.8)
}

// ---- B8 ----

JobLogsCall::JobLogsCall(ApiClient *client, const QString &jobId, std::optional<LogSeverity> severity,
                         const QString &pageToken)
    : PagedCall(client, QStringLiteral("get job logs"), 0, pageToken), m_jobId(jobId), m_severity(severity)
{
}

ApiCall::Request JobLogsCall::buildRequest()
{
    Request r;
    r.path = jobsPath(jobPath(m_jobId, QStringLiteral("/logs")));
    if (m_severity)
        r.query.append({QStringLiteral("severity"), logSeverityName(*m_severity)});
    addPagingQuery(r);
    return r;
}

Error JobLogsCall::parsePage(const QJsonObject &page, std::optional<QString> *nextToken)
{
    const Error e = parseObjectArray(page, QStringLiteral("logs"), requestName(), &m_items);
    return e.isError() ? e : readNextPageToken(page, requestName(), false, nextToken);
}

}  // namespace bd::api
