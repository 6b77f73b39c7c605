#pragma once
// Batch Processing endpoints B1–B8 (spec §9). Create them with the ApiClient factories; see
// ApiCall.h for the shared contract (finished(), error(), auto-delete, retries, cancel(), exec()).
#include "api/ApiCall.h"
#include "api/ApiModels.h"

namespace bd::api {

// B1 "list jobs". The server must send the nextPageToken key (possibly null).
class ListJobsCall : public PagedCall {
    Q_OBJECT
public:
    ListJobsCall(ApiClient *client, int pageSize, const QString &pageToken);
    const QVector<Job> &result() const { return m_items; }

protected:
    Request buildRequest() override;
    Error parsePage(const QJsonObject &page, std::optional<QString> *nextToken) override;

private:
    QVector<Job> m_items;
};

// B2 "get job metadata".
class GetJobCall : public ApiCall {
    Q_OBJECT
public:
    GetJobCall(ApiClient *client, const QString &jobId);
    const Job &result() const { return m_job; }

protected:
    Request buildRequest() override;
    Error handleSuccess(const QByteArray &body) override;

private:
    QString m_jobId;
    Job m_job;
};

// B3 "create job": POST the job definition (built by app/jobs) under jobId; `name` is sent as a
// query parameter when non-empty. Any 2xx is success; result() holds a JSON object body if any.
class CreateJobCall : public ApiCall {
    Q_OBJECT
public:
    CreateJobCall(ApiClient *client, const QString &jobId, const QString &name, const QJsonObject &definition);
    const QJsonObject &result() const { return m_response; }

protected:
    Request buildRequest() override;
    Error handleSuccess(const QByteArray &body) override;

private:
    QString m_jobId;
    QString m_name;
    QJsonObject m_definition;
    QJsonObject m_response;
};

// B4 "list job stages" (not paginated).
class ListStagesCall : public ApiCall {
    Q_OBJECT
public:
    ListStagesCall(ApiClient *client, const QString &jobId);
    const QVector<Stage> &result() const { return m_stages; }

protected:
    Request buildRequest() override;
    Error handleSuccess(const QByteArray &body) override;

private:
    QString m_jobId;
    QVector<Stage> m_stages;
};

// B5 "list job stage tasks". The server must send the nextPageToken key (possibly null).
// setMaxPages(0) to fetch every page, as show-job-details does.
class ListTasksCall : public PagedCall {
    Q_OBJECT
public:
    ListTasksCall(ApiClient *client, const QString &jobId, const QString &stageId, const QString &pageToken);
    const QVector<Task> &result() const { return m_items; }

protected:
    Request buildRequest() override;
    Error parsePage(const QJsonObject &page, std::optional<QString> *nextToken) override;

private:
    QString m_jobId;
    QString m_stageId;
    QVector<Task> m_items;
};

// B6 "abort job" / B7 "restart job". The response must be a JSON object (result()).
// B7 sends `overrides` as the body ({"type": "parameters-override-v1", ...}) only when non-empty.
class JobActionCall : public ApiCall {
    Q_OBJECT
public:
    enum class Action { Abort, Restart };
    JobActionCall(ApiClient *client, Action action, const QString &jobId, const QJsonObject &overrides = {});
    const QJsonObject &result() const { return m_response; }

protected:
    Request buildRequest() override;
    Error handleSuccess(const QByteArray &body) override;

private:
    Action m_action;
    QString m_jobId;
    QJsonObject m_overrides;
    QJsonObject m_response;
};

// B8 "get job logs", optionally filtered by severity. (Retried here, unlike the reference CLI.)
class JobLogsCall : public PagedCall {
    Q_OBJECT
public:
    JobLogsCall(ApiClient *client, const QString &jobId, std::optional<LogSeverity> severity, const QString &pageToken);
    const QVector<LogEntry> &result() const { return m_items; }

protected:
    Request buildRequest() override;
    Error parsePage(const QJsonObject &page, std::optional<QString> *nextToken) override;

private:
    QString m_jobId;
    std::optional<LogSeverity> m_severity;
    QVector<LogEntry> m_items;
};

}  // namespace bd::api
