// The background half of reference ingests (D10/D11): the sandbox fetches every referenced URL
// itself, but only from loopback hosts (its own storage host or local cloud emulators); any other
// host fails with "unsafe-url-detected", as the real service rejects untrusted domains.
#include "sandbox/StagingService.h"

#include "sandbox/MediaSniffer.h"
#include "sandbox/StagingStore.h"
#include "sandbox/WebhookDispatcher.h"

#include <QFile>
#include <QJsonDocument>
#include <QUrl>

#include <httplib.h>

namespace bd::sandbox {

namespace {

bool isLoopbackUrl(const QUrl &url)
{
    const QString host = url.host().toLower();
    return (url.scheme() == QLatin1String("http") || url.scheme() == QLatin1String("https"))
        && (host == QLatin1String("127.0.0.1") || host == QLatin1String("localhost") || host == QLatin1String("::1"));
}

struct Fetch {
    bool ok = false;
    QString errorType;
    QString reason;
};

// GETs url into `sink` chunk by chunk; refuses non-loopback hosts and bodies over `limit`.
Fetch fetch(const QUrl &url, qint64 limit, const std::function<bool(const char *, size_t)> &sink)
{
    if (!url.isValid() || !isLoopbackUrl(url))
        return { false, QStringLiteral("unsafe-url-detected"),
                 QStringLiteral("The URL host '%1' is not trusted by the sandbox (only 127.0.0.1 / localhost)").arg(url.host()) };
    httplib::Client client(url.toString(QUrl::RemovePath | QUrl::RemoveQuery | QUrl::RemoveFragment).toStdString());
    client.set_connection_timeout(5);
    client.set_read_timeout(30);
    client.enable_server_certificate_verification(false);
    QString target = url.path(QUrl::FullyEncoded);
    if (url.hasQuery())
        target += QLatin1Char('?') + url.query(QUrl::FullyEncoded);
    qint64 received = 0;
    bool tooBig = false;
    int status = 0;
    const auto result = client.Get(
        target.toStdString(),
        [&](const httplib::Response &response) { status = response.status; return true; },
        [&](const char *data, size_t length) {
            received += qint64(length);
            if (received > limit) {
                tooBig = true;
                return false;
            }
            return status >= 400 || sink(data, length);
        });
    if (tooBig)
        return { false, QStringLiteral("file-size-limit-exceeded"), QStringLiteral("The file is larger than %1 B").arg(limit) };
    if (!result)
        return { false, QStringLiteral("download-failed"), QString::fromStdString(httplib::to_string(result.error())) };
    if (result->status >= 400)
        return { false, QStringLiteral("download-failed"), QStringLiteral("The URL answered HTTP %1").arg(result->status) };
    return { true, {}, {} };
}

}  // namespace

std::optional<QJsonArray> StagingService::fetchReferenceList(const QString &url, QString *errorType, QString *error) const
{
    QByteArray text;
    const Fetch result = fetch(QUrl(url), 256LL * 1024 * 1024, [&](const char *data, size_t length) {
        text.append(data, qsizetype(length));
        return true;
    });
    if (!result.ok) {
        *errorType = result.errorType;
        *error = result.reason;
        return std::nullopt;
    }
    QJsonArray references;
    for (const QByteArray &line : text.split('\n')) {
        if (line.trimmed().isEmpty())
            continue;
        const QJsonDocument doc = QJsonDocument::fromJson(line);
        if (!doc.isObject()) {
            *errorType = QStringLiteral("invalid-references-file");
            *error = QStringLiteral("A line of the references file is not a JSON object");
            return std::nullopt;
        }
        references.append(doc.object());
    }
    return references;
}

void StagingService::runReferenceJob(const ReferenceJob &job)
{
    QStringList ingested;
    QJsonArray failed;
    QVector<FileRecord> files;
    for (const QJsonValue &value : job.references) {
        const QJsonObject reference = value.toObject();
        const QString name = reference.value(QStringLiteral("name")).toString();
        const QString url = reference.value(QStringLiteral("url")).toString();
        auto fail = [&](const QString &type, const QString &reason) {
            failed.append(QJsonObject{ { "type", type }, { "file_name", name }, { "reason", reason } });
        };
        if (name.isEmpty() || url.isEmpty() || name.contains(QLatin1Char('/'))) {
            fail(QStringLiteral("invalid-reference"), QStringLiteral("Each reference needs a plain \"name\" and a \"url\""));
            continue;
        }
        FileRecord file;
        file.fileName = name;
        file.shardId = job.shardId;
        file.blobKey = StagingStore::newBlobKey();
        QFile out(m_env.store->blobPath(file.blobKey));
        if (!out.open(QIODevice::WriteOnly)) {
            fail(QStringLiteral("internal-error"), out.errorString());
            continue;
        }
        QByteArray head;
        const Fetch result = fetch(QUrl(url), job.videos ? (qint64(5) << 30) : kMaxImageBytes,
                                   [&](const char *data, size_t length) {
            if (head.size() < 16)
                head.append(data, qsizetype(qMin<size_t>(length, 16)));
            return out.write(data, qint64(length)) == qint64(length);
        });
        out.close();
        file.size = out.size();
        file.contentType = job.videos ? videoTypeForName(name) : sniffImageType(head);
        if (result.ok && file.contentType.isEmpty())
            fail(QStringLiteral("unsupported-file-type"), QStringLiteral("Not a supported image (by content)"));
        else if (!result.ok)
            fail(result.errorType, result.reason);
        if (!result.ok || file.contentType.isEmpty()) {
            QFile::remove(out.fileName());
            continue;
        }
        ingested << name;
        files.append(file);
    }

    const qint64 done = StagingStore::nowMs() + m_env.indexDelayMs;
    for (FileRecord &file : files) {
        file.indexedAtMs = done;
        m_env.store->addFile(job.workspace, job.batchId, file);
    }
    const bool shardFailed = ingested.isEmpty() && !job.references.isEmpty();
    m_env.store->updateShard(job.workspace, job.batchId, job.shardId, [&](ShardRecord &shard) {
        shard.completeMs = done;
        shard.failed = shardFailed;
        shard.objectsCount = int(ingested.size());
        shard.metadata = QJsonObject{ { "ingestedFiles", int(ingested.size()) }, { "failedFiles", failed } };
    });
    if (m_env.changed)
        m_env.changed();

    if (job.notificationsURL.isEmpty())
        return;
    if (job.categories.contains(QStringLiteral("files-status")))
        m_env.webhooks->postLater(job.notificationsURL,
                                  WebhookDispatcher::filesStatus(job.ingestId, job.batchId, job.shardId, ingested, failed),
                                  m_env.indexDelayMs);
    if (!job.categories.contains(QStringLiteral("ingest-status")))
        return;
    const QJsonObject firstFailure = failed.isEmpty() ? QJsonObject() : failed.first().toObject();
    m_env.webhooks->postLater(job.notificationsURL,
                              WebhookDispatcher::ingestStatus(job.ingestId, job.batchId, job.shardId, !shardFailed,
                                                              firstFailure.value(QStringLiteral("type")).toString(),
                                                              firstFailure.value(QStringLiteral("reason")).toString()),
                              m_env.indexDelayMs);
    if (--*job.shardsLeft == 0)   // the ingest as a whole (shard_id null), after its last shard
        m_env.webhooks->postLater(job.notificationsURL,
                                  WebhookDispatcher::ingestStatus(job.ingestId, job.batchId, QString(), true),
                                  m_env.indexDelayMs);
}

}  // namespace bd::sandbox
