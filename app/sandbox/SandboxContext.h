#pragma once
// The seam between the sandbox's HTTP front (routing, auth, faults, storage host, data staging)
// and its job simulator (JobService). JobService is transport-agnostic: it receives parsed
// requests and returns replies, and reaches batches only through BatchStore.
#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QPair>
#include <QString>
#include <QVector>

#include <functional>
#include <optional>

namespace bd::sandbox {

struct StoredFile {
    QString fileName;      // name inside the batch (authoritative, as D5 reports it)
    QString partName;      // empty for simple / sharded batches
    QString shardId;       // empty for simple uploads
    QString contentType;   // MIME type, e.g. image/jpeg
    QString path;          // where the bytes are on the sandbox's disk
    qint64 size = 0;
};

struct OutputFile {
    QString fileName;
    QByteArray data;
    QString contentType = QStringLiteral("application/octet-stream");
};

struct OutputPart {
    QString partName;
    QString partType = QStringLiteral("simple-batch");
    QString contentType;        // images | videos | metadata | archives | mixed
    QString nestedContentType;  // optional
    QString description;        // optional
    QVector<OutputFile> files;
};

class BatchStore
{
public:
    virtual ~BatchStore() = default;
    // Indexed files of a batch (one part, or all parts when partName is empty), stable order.
    // nullopt when the batch does not exist in the workspace.
    virtual std::optional<QVector<StoredFile>> batchFiles(const QString &workspace, const QString &batchId,
                                                          const QString &partName = {}) = 0;
    // Create (or replace) a system-made multipart batch, e.g. a job stage's output.
    virtual void createMultipartBatch(const QString &workspace, const QString &batchId,
                                      const QString &displayName, const QVector<OutputPart> &parts) = 0;
};

class WebhookSender
{
public:
    virtual ~WebhookSender() = default;
    // POST payload to url with the publishable key, retrying with delivery_attempt counting.
    virtual void post(const QString &url, const QJsonObject &payload) = 0;
};

struct SandboxClock {
    // Real now; the simulator scales elapsed time by timeScale itself.
    std::function<QDateTime()> now = [] { return QDateTime::currentDateTimeUtc(); };
    double timeScale = 1.0;
};

struct ApiRequest {
    QString method;                   // GET / POST
    QString workspace;
    QStringList path;                 // segments after /batch-processing/v1/external/{ws}/
    QMap<QString, QString> query;     // decoded, api_key removed
    QByteArray body;
};

struct ApiReply {
    int status = 200;
    QByteArray body;                  // JSON unless contentType says otherwise
    QString contentType = QStringLiteral("application/json");
    QList<QPair<QString, QString>> headers;

    static ApiReply json(const QJsonObject &o, int status = 200);
    static ApiReply error(int status, const QString &message);   // {"error": message}
};

}  // namespace bd::sandbox
