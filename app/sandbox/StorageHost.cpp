#include "sandbox/StorageHost.h"
#include "core/ThreadPriority.h"

#include "sandbox/FaultPlan.h"
#include "sandbox/MediaSniffer.h"
#include "sandbox/RouteCounter.h"
#include "sandbox/ShardUnpacker.h"
#include "sandbox/StagingStore.h"
#include "sandbox/UrlSigner.h"
#include "sandbox/WebhookDispatcher.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QThread>
#include <QUuid>

#include <httplib.h>

#include <cstdio>

namespace bd::sandbox {

namespace {
constexpr qint64 kMaxUploadBytes = 5368709120LL;   // X-Goog-Content-Length-Range upper bound
const char kRange[] = "0,5368709120";

void xmlError(httplib::Response &response, int status, const char *code, const QString &message)
{
    response.status = status;
    response.set_header("Connection", "close");   // the unread body of a refused PUT must not be parsed
    response.set_content("<?xml version='1.0' encoding='UTF-8'?><Error><Code>" + std::string(code) + "</Code><Message>"
                             + message.toHtmlEscaped().toStdString() + "</Message></Error>",
                         "application/xml; charset=UTF-8");
}

QString param(const httplib::Request &request, const char *name)
{
    return QString::fromStdString(request.get_param_value(name));
}
}  // namespace

StorageHost::StorageHost(StagingStore *store, const UrlSigner *signer, FaultPlan *faults, RouteCounter *counter,
                         WebhookDispatcher *webhooks, int indexDelayMs, QString incomingDir)
    : m_store(store), m_signer(signer), m_faults(faults), m_counter(counter), m_webhooks(webhooks),
      m_indexDelayMs(indexDelayMs), m_incomingDir(std::move(incomingDir)), m_server(std::make_unique<httplib::Server>())
{
    QDir().mkpath(m_incomingDir);
    m_server->new_task_queue = [] { return new httplib::ThreadPool(kSandboxServerThreads); };
    m_server->Put(R"(/signed/put/(.+))", [this](const httplib::Request &req, httplib::Response &res,
                                                const httplib::ContentReader &reader) { handlePut(req, res, reader); });
    m_server->Get(R"(/signed/get/(.+))", [this](const httplib::Request &req, httplib::Response &res) { handleGet(req, res); });
    m_server->set_error_handler([](const httplib::Request &, httplib::Response &res) {
        if (res.body.empty())
            xmlError(res, res.status, "InvalidRequest", QStringLiteral("Not a signed URL of this sandbox"));
    });
}

StorageHost::~StorageHost() { stop(); }

bool StorageHost::listen(const QString &host, quint16 port, QString *error)
{
    const std::string h = host.toStdString();
    const int bound = port == 0 ? m_server->bind_to_any_port(h) : (m_server->bind_to_port(h, port) ? port : -1);
    if (bound <= 0) {
        if (error)
            *error = QStringLiteral("The storage host could not listen on %1:%2").arg(host).arg(port);
        return false;
    }
    m_url = QUrl(QStringLiteral("http://%1:%2").arg(host).arg(bound));
    m_thread = std::thread([this] {
        threads::lowerThisThread();   // and the request threads it starts, which inherit it
        m_server->listen_after_bind();
    });
    while (!m_server->is_running())   // so that stop() cannot race the start of the accept loop
        QThread::msleep(1);
    return true;
}

void StorageHost::stop()
{
    if (m_server)
        m_server->stop();
    if (m_thread.joinable())
        m_thread.join();
}

bool StorageHost::checkSignature(const QString &op, const QString &token, const httplib::Request &request,
                                 httplib::Response &response, bool forceExpired)
{
    const auto check = m_signer->check(op, token, param(request, "expires"), param(request, "signature"),
                                       QDateTime::currentSecsSinceEpoch());
    if (check == UrlSigner::Check::BadSignature) {
        xmlError(response, 403, "SignatureDoesNotMatch", QStringLiteral("The request signature does not match."));
        return false;
    }
    if (forceExpired || check == UrlSigner::Check::Expired) {
        xmlError(response, 403, "ExpiredToken", QStringLiteral("The signed URL has expired. Request a new one."));
        return false;
    }
    return true;
}

void StorageHost::handlePut(const httplib::Request &request, httplib::Response &response, const httplib::ContentReader &reader)
{
    m_counter->count(QStringLiteral("S1"));
    const QString uploadId = QString::fromStdString(request.matches[1]);
    const auto fault = m_faults->take(QStringLiteral("S1"), QStringLiteral("PUT"), QString::fromStdString(request.path));
    if (fault && fault->delayMs > 0)
        QThread::msleep(ulong(fault->delayMs));
    const bool expire = fault && fault->action == QLatin1String("expire-url");
    if (fault && !fault->action.isEmpty() && !expire) {
        writeFault(*fault, response);
        response.set_header("Connection", "close");
        return;
    }
    if (!checkSignature(QStringLiteral("put"), uploadId, request, response, expire))
        return;
    const auto upload = m_store->upload(uploadId);
    if (!upload) {
        xmlError(response, 403, "AccessDenied", QStringLiteral("This upload URL is unknown or was already used."));
        return;
    }
    if (request.get_header_value("X-Goog-Content-Length-Range") != kRange
        || QString::fromStdString(request.get_header_value("x-goog-meta-ingest")) != uploadId) {
        xmlError(response, 403, "MissingSecurityHeader",
                 QStringLiteral("Every extension header handed out with the URL (X-Goog-Content-Length-Range, "
                                "x-goog-meta-ingest) must be sent with the same value."));
        return;
    }
    if (request.get_header_value<uint64_t>("Content-Length") > uint64_t(kMaxUploadBytes)) {
        xmlError(response, 400, "EntityTooLarge", QStringLiteral("The body exceeds X-Goog-Content-Length-Range."));
        return;
    }

    // Stream to disk: memory stays flat whatever the body size.
    const QString temp = QDir(m_incomingDir).filePath(QUuid::createUuid().toString(QUuid::Id128) + QStringLiteral(".part"));
    FILE *out = std::fopen(QFile::encodeName(temp).constData(), "wb");
    if (!out) {
        xmlError(response, 500, "InternalError", QStringLiteral("The sandbox cannot write %1").arg(temp));
        return;
    }
    qint64 received = 0;
    bool writeFailed = false;
    const bool complete = reader([&](const char *data, size_t length) {
        received += qint64(length);
        if (received > kMaxUploadBytes || std::fwrite(data, 1, length, out) != length) {
            writeFailed = true;
            return false;
        }
        return true;
    });
    std::fclose(out);
    if (!complete || writeFailed) {
        QFile::remove(temp);
        xmlError(response, 400, "IncompleteBody", QStringLiteral("The upload body could not be received completely."));
        return;
    }
    if (upload->kind == QLatin1String("video"))
        storeVideo(uploadId, temp);
    else
        storeShard(uploadId, temp);
    QFile::remove(temp);
    m_store->consumeUpload(uploadId);
    if (changed)
        changed();
    response.status = 200;
    response.set_content("", "text/plain");
}

void StorageHost::storeVideo(const QString &uploadId, const QString &tempPath)
{
    const auto upload = m_store->upload(uploadId);
    FileRecord file;
    file.fileName = upload->fileName;
    file.contentType = videoTypeForName(upload->fileName);
    file.blobKey = StagingStore::newBlobKey();
    file.size = QFileInfo(tempPath).size();
    file.indexedAtMs = StagingStore::nowMs();   // videos are ready once the PUT succeeds [DOCS]
    QFile::rename(tempPath, m_store->blobPath(file.blobKey));
    m_store->addFile(upload->workspace, upload->batchId, file);
}

void StorageHost::storeShard(const QString &uploadId, const QString &tempPath)
{
    const auto upload = m_store->upload(uploadId);
    const ShardContent content = unpackShard(tempPath, [this](const QString &key) { return m_store->blobPath(key); });
    const qint64 now = StagingStore::nowMs();
    const qint64 done = now + m_indexDelayMs;
    ShardRecord shard;
    shard.shardId = QUuid::createUuid().toString(QUuid::Id128);
    shard.ingestId = content.ingestId;
    shard.createdMs = now;
    shard.completeMs = done;
    shard.failed = !content.error.isEmpty();
    shard.objectsCount = int(content.files.size());
    QJsonArray failed;
    for (const FailedFile &f : content.failed)
        failed.append(QJsonObject{ { "type", f.type }, { "file_name", f.fileName }, { "reason", f.reason } });
    shard.metadata = QJsonObject{ { "ingestedFiles", int(content.files.size()) }, { "failedFiles", failed } };
    if (shard.failed)
        shard.metadata.insert(QStringLiteral("error"), QJsonObject{ { "type", content.errorType }, { "reason", content.error } });
    QStringList names;
    for (const UnpackedFile &f : content.files) {
        m_store->addFile(upload->workspace, upload->batchId,
                         FileRecord{ f.fileName, {}, shard.shardId, f.contentType, f.blobKey, {}, f.size, done });
        names << f.fileName;
    }
    m_store->addShard(upload->workspace, upload->batchId, shard);
    if (content.notificationsURL.isEmpty())
        return;
    // Tar shards carry their webhook config inside; both categories are sent [INFERRED].
    m_webhooks->postLater(content.notificationsURL,
                          WebhookDispatcher::filesStatus(content.ingestId, upload->batchId, shard.shardId, names, failed),
                          m_indexDelayMs);
    m_webhooks->postLater(content.notificationsURL,
                          WebhookDispatcher::ingestStatus(content.ingestId, upload->batchId, shard.shardId, !shard.failed,
                                                          content.errorType, content.error),
                          m_indexDelayMs);
}

void StorageHost::handleGet(const httplib::Request &request, httplib::Response &response)
{
    m_counter->count(QStringLiteral("S2"));
    const QString token = QString::fromStdString(request.matches[1]);
    const auto fault = m_faults->take(QStringLiteral("S2"), QStringLiteral("GET"), QString::fromStdString(request.path));
    if (fault && fault->delayMs > 0)
        QThread::msleep(ulong(fault->delayMs));
    const bool expire = fault && fault->action == QLatin1String("expire-url");
    const bool cut = fault && fault->action == QLatin1String("cut");
    if (fault && !fault->action.isEmpty() && !expire && !cut) {
        writeFault(*fault, response);
        return;
    }
    if (!checkSignature(QStringLiteral("get"), token, request, response, expire))
        return;
    const QString blobKey = token.section(QLatin1Char('/'), 0, 0);
    const QString path = m_store->blobPath(blobKey);
    if (!StagingStore::isValidBlobKey(blobKey) || !QFile::exists(path)) {
        xmlError(response, 404, "NoSuchKey", QStringLiteral("The file no longer exists."));
        return;
    }
    const qint64 size = QFileInfo(path).size();
    std::shared_ptr<FILE> file(std::fopen(QFile::encodeName(path).constData(), "rb"), [](FILE *f) { if (f) std::fclose(f); });
    if (!file) {
        xmlError(response, 500, "InternalError", QStringLiteral("The file cannot be read."));
        return;
    }
    const size_t cutAt = cut ? size_t(size / 2) : size_t(size);
    if (fault && fault->retryAfter >= 0)
        response.set_header("Retry-After", std::to_string(fault->retryAfter));
    response.set_header("Accept-Ranges", "bytes");
    response.set_content_provider(
        size_t(size), contentTypeForName(token.section(QLatin1Char('/'), -1)).toStdString(),
        [file, cutAt](size_t offset, size_t length, httplib::DataSink &sink) {
            if (offset >= cutAt)
                return false;   // "cut" fault: stop mid-body, httplib drops the connection
            char buffer[64 * 1024];
            const size_t want = std::min({ length, sizeof buffer, cutAt - offset });
            if (fseeko(file.get(), off_t(offset), SEEK_SET) != 0)
                return false;
            const size_t got = std::fread(buffer, 1, want, file.get());
            return got > 0 && sink.write(buffer, got);
        });
}

}  // namespace bd::sandbox
