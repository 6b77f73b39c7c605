#include "api/StagingRequests.h"

#include "api/ApiClient.h"
#include "api/ApiError.h"
#include "api/JsonFields.h"

#include <QFile>
#include <QHttpMultiPart>
#include <QNetworkAccessManager>
#include <QNetworkReply>

namespace bd::api {
namespace {

QString batchPath(const QString &batchId, const QString &rest = {})
{
    return QStringLiteral("/batches/") + QString::fromLatin1(QUrl::toPercentEncoding(batchId)) + rest;
}

// Decode a JSON object body, then hand it to `parse`.
template <class Fn>
Error decodeThen(const QByteArray &body, const QString &operation, Fn parse)
{
    QJsonObject object;
    const Error error = decodeJsonObject(body, operation, &object);
    return error.isError() ? error : parse(object);
}

ApiCall::Request jsonPost(const QString &path, const QByteArray &body)
{
    ApiCall::Request r;
    r.verb = "POST";
    r.path = path;
    r.hasBody = true;
    r.body = body;
    r.contentType = "application/json";
    return r;
}

}  // namespace

// ---- D1 ----

ListBatchesCall::ListBatchesCall(ApiClient *client, int pageSize, const QString &pageToken)
    : PagedCall(client, QStringLiteral("list batches"), pageSize, pageToken)
{
}

ApiCall::Request ListBatchesCall::buildRequest()
{
    Request r;
    r.path = stagingPath(QStringLiteral("/batches"));
    addPagingQuery(r);
    return r;
}

Error ListBatchesCall::parsePage(const QJsonObject &page, std::optional<QString> *nextToken)
{
    const Error e = parseObjectArray(page, QStringLiteral("batches"), requestName(), &m_items);
    return e.isError() ? e : readNextPageToken(page, requestName(), false, nextToken);
}

// ---- D2 ----

GetBatchCall::GetBatchCall(ApiClient *client, const QString &batchId)
    : ApiCall(client, QStringLiteral("get batch details"), true), m_batchId(batchId)
{
}

ApiCall::Request GetBatchCall::buildRequest()
{
    Request r;
    r.path = stagingPath(batchPath(m_batchId));
    return r;
}

Error GetBatchCall::handleSuccess(const QByteArray &body)
{
    return decodeThen(body, requestName(), [this](const QJsonObject &o) {
        JsonFields f(o, requestName());
        const QJsonObject batch = f.object(QStringLiteral("batch"));
        if (!f.ok())
            return f.error();
        Error e;
        const auto parsed = Batch::fromJson(batch, requestName(), &e);
        if (parsed)
            m_batch = *parsed;
        return e;
    });
}

// ---- D3 ----

BatchCountCall::BatchCountCall(ApiClient *client, const QString &batchId, const QString &partName)
    : ApiCall(client, QStringLiteral("get batch count"), true), m_batchId(batchId), m_partName(partName)
{
}

ApiCall::Request BatchCountCall::buildRequest()
{
    Request r;
    r.path = stagingPath(batchPath(m_batchId, QStringLiteral("/count")));
    if (!m_partName.isEmpty())
        r.query.append({QStringLiteral("partName"), m_partName});
    return r;
}

Error BatchCountCall::handleSuccess(const QByteArray &body)
{
    return decodeThen(body, requestName(), [this](const QJsonObject &o) {
        JsonFields f(o, requestName());
        m_count = f.integer(QStringLiteral("count"));
        return f.error();
    });
}

// ---- D4 ----

ListPartsCall::ListPartsCall(ApiClient *client, const QString &batchId)
    : ApiCall(client, QStringLiteral("list multipart batch parts"), true), m_batchId(batchId)
{
}

ApiCall::Request ListPartsCall::buildRequest()
{
    Request r;
    r.path = stagingPath(batchPath(m_batchId, QStringLiteral("/parts")));
    return r;
}

Error ListPartsCall::handleSuccess(const QByteArray &body)
{
    return decodeThen(body, requestName(), [this](const QJsonObject &o) {
        m_parts.clear();
        return parseObjectArray(o, QStringLiteral("batchParts"), requestName(), &m_parts);
    });
}

// ---- D5 ----

ListBatchFilesCall::ListBatchFilesCall(ApiClient *client, const QString &batchId, const QString &partName,
                                       int pageSize, const QString &pageToken)
    : PagedCall(client, QStringLiteral("list batch content"), pageSize, pageToken), m_batchId(batchId),
      m_partName(partName)
{
}

ApiCall::Request ListBatchFilesCall::buildRequest()
{
    Request r;
    r.path = stagingPath(batchPath(m_batchId, QStringLiteral("/list")));
    if (!m_partName.isEmpty())
        r.query.append({QStringLiteral("partName"), m_partName});
    addPagingQuery(r);
    return r;
}

Error ListBatchFilesCall::parsePage(const QJsonObject &page, std::optional<QString> *nextToken)
{
    const Error e = parseObjectArray(page, QStringLiteral("filesMetadata"), requestName(), &m_items);
    return e.isError() ? e : readNextPageToken(page, requestName(), false, nextToken);
}

// ---- D6 ----

ListShardsCall::ListShardsCall(ApiClient *client, const QString &batchId, int pageSize, const QString &pageToken)
    : PagedCall(client, QStringLiteral("list batch shards"), pageSize, pageToken), m_batchId(batchId)
{
}

ApiCall::Request ListShardsCall::buildRequest()
{
    Request r;
    r.path = stagingPath(batchPath(m_batchId, QStringLiteral("/shards")));
    addPagingQuery(r);
    return r;
}

Error ListShardsCall::parsePage(const QJsonObject &page, std::optional<QString> *nextToken)
{
    const Error e = parseObjectArray(page, QStringLiteral("shards"), requestName(), &m_items);
    return e.isError() ? e : readNextPageToken(page, requestName(), false, nextToken);
}

// ---- D7 ----

UploadImageCall::UploadImageCall(ApiClient *client, const QString &batchId, const QString &filePath,
                                 const QString &fileName, const QString &displayName)
    : ApiCall(client, QStringLiteral("upload image"), true), m_batchId(batchId), m_filePath(filePath),
      m_fileName(fileName), m_displayName(displayName)
{
}

ApiCall::Request UploadImageCall::buildRequest()
{
    Request r;
    r.verb = "POST";
    r.path = stagingPath(batchPath(m_batchId, QStringLiteral("/upload/image")));
    r.query.append({QStringLiteral("displayName"), m_displayName});
    r.query.append({QStringLiteral("fileName"), m_fileName});
    r.hasBody = true;  // the multipart form is built in send()
    r.idempotent = true;  // the file name is the key: the same name again replaces the same file
    return r;
}

QNetworkReply *UploadImageCall::send(QNetworkAccessManager *nam, QNetworkRequest request, const Request &,
                                     Error *error)
{
    // Re-opened for every attempt: a retry re-posts the whole file, streamed from disk.
    auto *file = new QFile(m_filePath);
    if (!file->open(QIODevice::ReadOnly)) {
        *error = Error(ErrorKind::Io,
                       QStringLiteral("Could not upload image: cannot read %1: %2").arg(m_filePath, file->errorString()));
        delete file;
        return nullptr;
    }
    auto *form = new QHttpMultiPart(QHttpMultiPart::FormDataType);
    QString quoted = m_fileName;
    quoted.replace(QLatin1Char('"'), QStringLiteral("\\\""));
    QHttpPart part;
    // The reference CLI uses the basename as both field name and filename (spec §4.8).
    part.setRawHeader("Content-Disposition",
                      QStringLiteral("form-data; name=\"%1\"; filename=\"%1\"").arg(quoted).toUtf8());
    part.setBodyDevice(file);
    file->setParent(form);
    form->append(part);
    QNetworkReply *reply = nam->post(request, form);
    form->setParent(reply);
    connect(reply, &QNetworkReply::uploadProgress, this, &UploadImageCall::uploadProgress);
    return reply;
}

Error UploadImageCall::handleSuccess(const QByteArray &body)
{
    // The answer's fields are ignored (spec §4.8), and an empty 200 is accepted; but a body that is
    // not a JSON object (cut short, a proxy's HTML page) says nothing about whether the file was
    // stored, so it is an unusable answer, repeated like any other (the name makes D7 idempotent).
    if (body.trimmed().isEmpty())
        return {};
    return decodeJsonObject(body, requestName(), nullptr);
}

// ---- D8 / D9 ----

SignedUploadCall::SignedUploadCall(ApiClient *client, Kind kind, const QString &batchId, const QString &fileName,
                                   const QString &displayName)
    : ApiCall(client, kind == Kind::Video ? QStringLiteral("upload video") : QStringLiteral("register images shard"),
              true),
      m_kind(kind), m_batchId(batchId), m_fileName(fileName), m_displayName(displayName)
{
}

ApiCall::Request SignedUploadCall::buildRequest()
{
    Request r;
    r.verb = "POST";
    if (m_kind == Kind::Video) {
        r.path = stagingPath(batchPath(m_batchId, QStringLiteral("/upload/video")));
        r.query.append({QStringLiteral("fileName"), m_fileName});
    } else {
        r.path = stagingPath(batchPath(m_batchId, QStringLiteral("/bulk-upload/image-files")));
    }
    r.query.append({QStringLiteral("displayName"), m_displayName});
    r.idempotent = true;  // only hands out a signed URL; nothing is stored until the PUT
    return r;
}

Error SignedUploadCall::handleSuccess(const QByteArray &body)
{
    return decodeThen(body, requestName(), [this](const QJsonObject &o) {
        Error e;
        const auto parsed = SignedUpload::fromResponse(o, requestName(), &e);
        if (parsed)
            m_upload = *parsed;
        return e;
    });
}

// ---- D10 / D11 ----

QJsonObject ReferencesIngest::toJson(bool videos) const
{
    QJsonObject body;
    if (!referencesUrl.isEmpty())
        body.insert(videos ? QStringLiteral("videoReferencesURL") : QStringLiteral("imageReferencesURL"), referencesUrl);
    else
        body.insert(videos ? QStringLiteral("videoReferences") : QStringLiteral("imageReferences"), references);
    if (!ingestId.isEmpty())
        body.insert(QStringLiteral("ingestId"), ingestId);
    if (!notificationsUrl.isEmpty())
        body.insert(QStringLiteral("notificationsURL"), notificationsUrl);
    if (!notificationCategories.isEmpty()) {
        QStringList unique = notificationCategories;
        unique.removeDuplicates();
        body.insert(QStringLiteral("notificationCategories"), QJsonArray::fromStringList(unique));
    }
    return body;
}

IngestReferencesCall::IngestReferencesCall(ApiClient *client, Kind kind, const QString &batchId,
                                           const QString &displayName, const QJsonObject &body)
    : ApiCall(client,
              kind == Kind::Images ? QStringLiteral("trigger images ingest") : QStringLiteral("trigger videos ingest"),
              true),
      m_kind(kind), m_batchId(batchId), m_displayName(displayName), m_body(body)
{
}

ApiCall::Request IngestReferencesCall::buildRequest()
{
    const QString suffix = m_kind == Kind::Images ? QStringLiteral("/bulk-upload/image-references")
                                                  : QStringLiteral("/bulk-upload/video-references");
    Request r = jsonPost(stagingPath(batchPath(m_batchId, suffix)), compactJson(m_body));
    r.query.append({QStringLiteral("displayName"), m_displayName});
    r.timeoutMultiplier = 2;  // spec §2.6: reference ingests get twice the request timeout
    // The ingest id is the key: a chunk sent again is answered "duplicated" (spec §7.1).
    r.idempotent = m_body.contains(QStringLiteral("ingestId"));
    return r;
}

Error IngestReferencesCall::handleSuccess(const QByteArray &body)
{
    return decodeThen(body, requestName(), [this](const QJsonObject &o) {
        Error e;
        const auto parsed = IngestResponse::fromJson(o, requestName(), &e);
        if (parsed)
            m_response = *parsed;
        return e;
    });
}

// ---- D12 ----

RoboqlIngestCall::RoboqlIngestCall(ApiClient *client, const QString &batchId, const QJsonObject &body)
    : ApiCall(client, QStringLiteral("trigger RoboQL ingest"), true), m_batchId(batchId), m_body(body)
{
}

ApiCall::Request RoboqlIngestCall::buildRequest()
{
    Request r = jsonPost(stagingPath(batchPath(m_batchId, QStringLiteral("/roboql-ingest"))), compactJson(m_body));
    r.idempotent = m_body.contains(QStringLiteral("ingestId"));  // de-duplicated by the ingest id
    return r;
}

Error RoboqlIngestCall::handleSuccess(const QByteArray &body)
{
    QJsonObject object;
    if (!decodeJsonObject(body, requestName(), &object).isError())
        m_response = object;  // informational only; any 2xx is success
    return {};
}

}  // namespace bd::api
