#pragma once
// Data Staging endpoints D1–D12 (spec §4). Create them with the ApiClient factories; see
// ApiCall.h for the shared contract (finished(), error(), auto-delete, retries, cancel(), exec()).
#include "api/ApiCall.h"
#include "api/ApiModels.h"

#include <QJsonArray>
#include <QStringList>

namespace bd::api {

// D1 "list batches".
class ListBatchesCall : public PagedCall {
    Q_OBJECT
public:
    ListBatchesCall(ApiClient *client, int pageSize, const QString &pageToken);
    const QVector<Batch> &result() const { return m_items; }

protected:
    Request buildRequest() override;
    Error parsePage(const QJsonObject &page, std::optional<QString> *nextToken) override;

private:
    QVector<Batch> m_items;
};

// D2 "get batch details".
class GetBatchCall : public ApiCall {
    Q_OBJECT
public:
    GetBatchCall(ApiClient *client, const QString &batchId);
    const Batch &result() const { return m_batch; }

protected:
    Request buildRequest() override;
    Error handleSuccess(const QByteArray &body) override;

private:
    QString m_batchId;
    Batch m_batch;
};

// D3 "get batch count": files in a batch, or in one part when partName is given.
class BatchCountCall : public ApiCall {
    Q_OBJECT
public:
    BatchCountCall(ApiClient *client, const QString &batchId, const QString &partName);
    qint64 result() const { return m_count; }

protected:
    Request buildRequest() override;
    Error handleSuccess(const QByteArray &body) override;

private:
    QString m_batchId;
    QString m_partName;
    qint64 m_count = 0;
};

// D4 "list multipart batch parts" (not paginated).
class ListPartsCall : public ApiCall {
    Q_OBJECT
public:
    ListPartsCall(ApiClient *client, const QString &batchId);
    const QVector<BatchPart> &result() const { return m_parts; }

protected:
    Request buildRequest() override;
    Error handleSuccess(const QByteArray &body) override;

private:
    QString m_batchId;
    QVector<BatchPart> m_parts;
};

// D5 "list batch content": files with their signed download URLs.
class ListBatchFilesCall : public PagedCall {
    Q_OBJECT
public:
    ListBatchFilesCall(ApiClient *client, const QString &batchId, const QString &partName,
                       int pageSize, const QString &pageToken);
    const QVector<BatchFile> &result() const { return m_items; }

protected:
    Request buildRequest() override;
    Error parsePage(const QJsonObject &page, std::optional<QString> *nextToken) override;

private:
    QString m_batchId;
    QString m_partName;
    QVector<BatchFile> m_items;
};

// D6 "list batch shards": ingest status per shard. (Retried here, unlike the reference CLI: it
// is an idempotent GET.)
class ListShardsCall : public PagedCall {
    Q_OBJECT
public:
    ListShardsCall(ApiClient *client, const QString &batchId, int pageSize, const QString &pageToken);
    const QVector<Shard> &result() const { return m_items; }

protected:
    Request buildRequest() override;
    Error parsePage(const QJsonObject &page, std::optional<QString> *nextToken) override;

private:
    QString m_batchId;
    QVector<Shard> m_items;
};

// D7 "upload image": one file into a simple batch, as multipart/form-data whose field name and
// filename are both `fileName`; streamed from disk and re-opened for every attempt. A file that
// cannot be opened fails with ErrorKind::Io before anything is sent.
class UploadImageCall : public ApiCall {
    Q_OBJECT
public:
    UploadImageCall(ApiClient *client, const QString &batchId, const QString &filePath,
                    const QString &fileName, const QString &displayName);
    QString filePath() const { return m_filePath; }

Q_SIGNALS:
    // Bytes of the current attempt's request body sent so far.
    void uploadProgress(qint64 bytesSent, qint64 bytesTotal);

protected:
    Request buildRequest() override;
    QNetworkReply *send(QNetworkAccessManager *nam, QNetworkRequest request, const Request &spec,
                        Error *error) override;
    Error handleSuccess(const QByteArray &body) override;

private:
    QString m_batchId;
    QString m_filePath;
    QString m_fileName;
    QString m_displayName;
};

// D8 "upload video" / D9 "register images shard": ask for a signed upload URL. PUT the bytes
// with ApiClient::putSigned(result(), ...) afterwards (S1, not retried).
class SignedUploadCall : public ApiCall {
    Q_OBJECT
public:
    enum class Kind { Video, ImageShard };
    SignedUploadCall(ApiClient *client, Kind kind, const QString &batchId, const QString &fileName,
                     const QString &displayName);
    const SignedUpload &result() const { return m_upload; }

protected:
    Request buildRequest() override;
    Error handleSuccess(const QByteArray &body) override;

private:
    Kind m_kind;
    QString m_batchId;
    QString m_fileName;
    QString m_displayName;
    SignedUpload m_upload;
};

// The body of a D10/D11 reference ingest: exactly one of `references` (inline objects, usually
// {"name", "url"}) or `referencesUrl` (an https URL of a JSONL file). Empty optionals are omitted.
struct ReferencesIngest {
    QJsonArray references;
    QString referencesUrl;
    QString ingestId;
    QString notificationsUrl;
    QStringList notificationCategories;  // ingest-status, files-status; de-duplicated

    QJsonObject toJson(bool videos) const;
};

// D10 "trigger images ingest" / D11 "trigger videos ingest" (timeout 2 × the request timeout).
class IngestReferencesCall : public ApiCall {
    Q_OBJECT
public:
    enum class Kind { Images, Videos };
    IngestReferencesCall(ApiClient *client, Kind kind, const QString &batchId,
                         const QString &displayName, const QJsonObject &body);
    const IngestResponse &result() const { return m_response; }

protected:
    Request buildRequest() override;
    Error handleSuccess(const QByteArray &body) override;

private:
    Kind m_kind;
    QString m_batchId;
    QString m_displayName;
    QJsonObject m_body;
    IngestResponse m_response;
};

// D12 "trigger RoboQL ingest". Body: {"query", "displayName"?, "ingestId"?, "notificationsURL"?}.
// The response body is ignored; result() holds it if it was a JSON object.
class RoboqlIngestCall : public ApiCall {
    Q_OBJECT
public:
    RoboqlIngestCall(ApiClient *client, const QString &batchId, const QJsonObject &body);
    const QJsonObject &result() const { return m_response; }

protected:
    Request buildRequest() override;
    Error handleSuccess(const QByteArray &body) override;

private:
    QString m_batchId;
    QJsonObject m_body;
    QJsonObject m_response;
};

}  // namespace bd::api
