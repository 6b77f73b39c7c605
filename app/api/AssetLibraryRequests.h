#pragma once
// Asset Library jobs (docs/protocol.md §16): a Workflow job over images already in
// the workspace's Asset Library. Both calls authenticate with "Authorization: Bearer <key>"; the
// key is never in their URLs.
//   A1 create: POST /batch-processing/v1/external/{ws}/asset-library/jobs -> 202 {"status":
//      "queued", "jobId"}. The body carries an idempotencyKey, so the call is repeated on every
//      transient failure (a cut answer included): the service answers the same jobId again.
//   A2 count [INFERRED]: GET …/asset-library/count[?query=Q] -> {"count": N}, the live count of a
//      RoboQL query (or of the whole library without one).
// The job itself then follows the /jobs lifecycle (B2, B4-B8).
#include "api/ApiCall.h"

namespace bd::api {

class CreateAssetLibraryJobCall : public ApiCall {
    Q_OBJECT
public:
    // `body` as AssetLibraryJobSpec::toWireJson() builds it, idempotencyKey included.
    CreateAssetLibraryJobCall(ApiClient *client, const QJsonObject &body);
    // The job id the service answered.
    QString result() const { return m_jobId; }

protected:
    Request buildRequest() override;
    Error handleSuccess(const QByteArray &body) override;

private:
    QJsonObject m_body;
    QString m_jobId;
};

class AssetLibraryCountCall : public ApiCall {
    Q_OBJECT
public:
    // An empty query counts the whole library.
    AssetLibraryCountCall(ApiClient *client, const QString &query);
    qint64 result() const { return m_count; }
    QString query() const { return m_query; }

protected:
    Request buildRequest() override;
    Error handleSuccess(const QByteArray &body) override;

private:
    QString m_query;
    qint64 m_count = 0;
};

}  // namespace bd::api
