#include "api/AssetLibraryRequests.h"

#include "api/ApiClient.h"
#include "api/ApiError.h"
#include "api/JsonFields.h"

namespace bd::api {

CreateAssetLibraryJobCall::CreateAssetLibraryJobCall(ApiClient *client, const QJsonObject &body)
    : ApiCall(client, QStringLiteral("create Asset Library job"), true), m_body(body)
{
}

ApiCall::Request CreateAssetLibraryJobCall::buildRequest()
{
    Request r;
    r.verb = "POST";
    r.path = jobsPath(QStringLiteral("/asset-library/jobs"));
    r.hasBody = true;
    r.body = compactJson(m_body);
    r.contentType = "application/json";
    r.bearerAuth = true;
    // The idempotency key makes a repeat safe: the service answers the first job's id again.
    r.idempotent = m_body.contains(QStringLiteral("idempotencyKey"));
    return r;
}

Error CreateAssetLibraryJobCall::handleSuccess(const QByteArray &body)
{
    QJsonObject object;
    Error error = decodeJsonObject(body, requestName(), &object);
    if (error.isError())
        return error;
    JsonFields fields(object, requestName());
    m_jobId = fields.string(QStringLiteral("jobId"));
    if (!fields.ok())
        return fields.error();
    if (m_jobId.isEmpty())
        return decodeError(requestName(), QStringLiteral("jobId"), true);
    return {};
}

AssetLibraryCountCall::AssetLibraryCountCall(ApiClient *client, const QString &query)
    : ApiCall(client, QStringLiteral("count Asset Library images"), true), m_query(query.trimmed())
{
}

ApiCall::Request AssetLibraryCountCall::buildRequest()
{
    Request r;
    r.path = jobsPath(QStringLiteral("/asset-library/count"));
    if (!m_query.isEmpty())
        r.query.append({QStringLiteral("query"), m_query});
    r.bearerAuth = true;
    return r;
}

Error AssetLibraryCountCall::handleSuccess(const QByteArray &body)
{
    QJsonObject object;
    Error error = decodeJsonObject(body, requestName(), &object);
    if (error.isError())
        return error;
    JsonFields fields(object, requestName());
    m_count = fields.integer(QStringLiteral("count"));
    return fields.error();
}

}  // namespace bd::api
