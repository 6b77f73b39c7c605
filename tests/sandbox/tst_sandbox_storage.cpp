// The storage host and the bulk ingests over real loopback HTTP: D9 + a signed PUT of a real tar
// (built with libarchive), indexing delay and shard statuses, extension headers, signatures and
// expiry, Range downloads, video uploads, reference ingests (own storage host, unsafe hosts,
// de-duplication), RoboQL, and webhooks with retries.
#include "sandbox/DemoMedia.h"
#include "sandbox/SandboxHttp.h"

#include <QFile>
#include <QRandomGenerator>
#include <QTemporaryDir>

#include <archive.h>
#include <archive_entry.h>

using namespace bd::sandbox;
using namespace bd::sandbox::testing;

namespace {

struct Member {
    QString name;
    QByteArray data;
};

QByteArray buildTar(const QVector<Member> &members)
{
    QTemporaryDir dir;
    const QString path = dir.filePath("shard.tar");
    archive *a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    archive_write_open_filename(a, QFile::encodeName(path).constData());
    for (const Member &m : members) {
        archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, m.name.toUtf8().constData());
        archive_entry_set_size(e, m.data.size());
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_write_header(a, e);
        archive_write_data(a, m.data.constData(), size_t(m.data.size()));
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
    QFile file(path);
    file.open(QIODevice::ReadOnly);
    return file.readAll();
}

struct SignedUpload {
    QString url;
    httplib::Headers headers;
};

}  // namespace

class TestSandboxStorage : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<Sandbox> m_sandbox;
    std::unique_ptr<HookReceiver> m_hooks;

    httplib::Client api() const { return clientFor(m_sandbox->apiUrl()); }

    SignedUpload askUpload(const QString &batchId, const QString &route, const QString &query = {})
    {
        auto client = api();
        auto r = client.Post(stagingPath(QStringLiteral("batches/%1/%2").arg(batchId, route), query), "", "");
        SignedUpload upload;
        if (!r || r->status != 200)
            return upload;
        const QJsonObject details = jsonOf(r).value("signedURLDetails").toObject();
        upload.url = details.value("uploadURL").toString();
        const QJsonObject headers = details.value("extensionHeaders").toObject();
        for (auto it = headers.begin(); it != headers.end(); ++it)
            upload.headers.emplace(it.key().toStdString(), it.value().toString().toStdString());
        return upload;
    }

    static httplib::Result put(const SignedUpload &upload, const QByteArray &body, httplib::Headers headers)
    {
        auto storage = clientFor(QUrl(upload.url));
        return storage.Put(pathOf(upload.url), headers, body.toStdString(), "application/octet-stream");
    }

    int count(const QString &batchId)
    {
        auto client = api();
        return jsonOf(client.Get(stagingPath("batches/" + batchId + "/count"))).value("count").toInt(-1);
    }

    QJsonArray shards(const QString &batchId)
    {
        auto client = api();
        return jsonOf(client.Get(stagingPath("batches/" + batchId + "/shards"))).value("shards").toArray();
    }

    QJsonArray listing(const QString &batchId)
    {
        auto client = api();
        return jsonOf(client.Get(stagingPath("batches/" + batchId + "/list"))).value("filesMetadata").toArray();
    }

    httplib::Result postJson(const QString &tail, const QJsonObject &body)
    {
        auto client = api();
        return client.Post(stagingPath(tail), QJsonDocument(body).toJson().toStdString(), "application/json");
    }

private slots:
    void initTestCase()
    {
        SandboxOptions options;
        options.indexDelayMs = 1500;
        m_sandbox = std::make_unique<Sandbox>(options);
        QVERIFY(m_sandbox->start());
        m_hooks = std::make_unique<HookReceiver>();
    }

    void cleanupTestCase()
    {
        m_sandbox->stop();
        m_hooks.reset();
    }

    void tarShardIsUnpackedAndIndexed()
    {
        const SignedUpload upload = askUpload("shards", "bulk-upload/image-files", "displayName=Shards");
        QVERIFY(upload.url.startsWith(m_sandbox->storageUrl().toString() + "/signed/put/"));
        QCOMPARE(QString::fromStdString(upload.headers.find("X-Goog-Content-Length-Range")->second), "0,5368709120");
        QVERIFY(upload.headers.count("x-goog-meta-ingest"));
        const QJsonObject config{ { "ingestId", "tar-ingest-7" }, { "notificationsURL", m_hooks->url("/tar") } };
        const QByteArray tar = buildTar({ { "a.jpg", tinyJpeg("a") }, { "b.jpg", tinyJpeg("b") }, { "c.jpg", tinyJpeg("c") },
                                          { "readme.jpg", "plain text pretending" },
                                          { "notification_config.json", QJsonDocument(config).toJson() } });
        auto r = put(upload, tar, upload.headers);
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QCOMPARE(m_sandbox->requestCount("S1"), 1);

        // Indexing is asynchronous: right after the PUT nothing counts yet and the shard is "info".
        QCOMPARE(count("shards"), 0);
        QJsonObject shard = shards("shards").first().toObject();
        QCOMPARE(shard.value("statusType").toString(), "info");
        QCOMPARE(shard.value("statusName").toString(), "indexing");
        QVERIFY(shard.value("eventTimestamp").toString().endsWith('Z'));

        QTRY_COMPARE_WITH_TIMEOUT(count("shards"), 3, 15000);
        shard = shards("shards").first().toObject();
        QCOMPARE(shard.value("statusType").toString(), "success");
        QCOMPARE(shard.value("statusName").toString(), "ingest-complete");
        QCOMPARE(shard.value("shardObjectsCount").toInt(), 3);
        const QJsonArray failed = shard.value("statusMetadata").toObject().value("failedFiles").toArray();
        QCOMPARE(failed.size(), 1);
        QCOMPARE(failed.first().toObject().value("file_name").toString(), "readme.jpg");
        QCOMPARE(failed.first().toObject().value("type").toString(), "unsupported-file-type");

        QStringList names;
        for (const QJsonValue &v : listing("shards")) {
            names << v.toObject().value("fileName").toString();
            QCOMPARE(v.toObject().value("shardId").toString(), shard.value("shardId").toString());
        }
        names.sort();
        QCOMPARE(names, QStringList({ "a.jpg", "b.jpg", "c.jpg" }));   // the config member is not stored

        QTRY_VERIFY_WITH_TIMEOUT(m_hooks->ofType("ingest-files-status-notification-v1").size() == 1, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(m_hooks->ofType("ingest-status-notification-v1").size() == 1, 10000);
        const ReceivedHook hook = m_hooks->ofType("ingest-files-status-notification-v1").first();
        QCOMPARE(hook.authorization, "Bearer rf_sandbox_publishable");
        QCOMPARE(hook.path, "/tar");
        QCOMPARE(hook.payload.value("type").toString(), "roboflow-data-staging-notification-v1");
        QCOMPARE(hook.payload.value("ingest_id").toString(), "tar-ingest-7");
        QCOMPARE(hook.payload.value("batch_id").toString(), "shards");
        QCOMPARE(hook.payload.value("delivery_attempt").toInt(), 1);
        QCOMPARE(hook.payload.value("notification").toObject().value("ingested_files").toArray().size(), 3);

        // the URL is single-use
        auto again = put(upload, tar, upload.headers);
        QCOMPARE(again->status, 403);
    }

    void oversizedAndTooManyImages()
    {
        const SignedUpload big = askUpload("limits", "bulk-upload/image-files");
        QByteArray huge = tinyJpeg("huge");
        huge.append(QByteArray(20 * 1024 * 1024, 'x'));
        QCOMPARE(put(big, buildTar({ { "huge.jpg", huge }, { "ok.jpg", tinyJpeg("ok") } }), big.headers)->status, 200);
        QTRY_COMPARE_WITH_TIMEOUT(count("limits"), 1, 15000);
        const QJsonArray failed = shards("limits").first().toObject().value("statusMetadata").toObject().value("failedFiles").toArray();
        QCOMPARE(failed.first().toObject().value("type").toString(), "file-size-limit-exceeded");

        QVector<Member> many;
        for (int i = 0; i < 501; ++i)
            many.append({ QStringLiteral("m%1.jpg").arg(i), tinyJpeg(QString::number(i)) });
        const SignedUpload crowded = askUpload("crowded", "bulk-upload/image-files");
        QCOMPARE(put(crowded, buildTar(many), crowded.headers)->status, 200);
        QTRY_COMPARE_WITH_TIMEOUT(shards("crowded").first().toObject().value("statusType").toString(), "error", 15000);
        QCOMPARE(shards("crowded").first().toObject().value("statusName").toString(), "ingest-failed");
        QCOMPARE(count("crowded"), 0);
    }

    void putNeedsHeadersAndSignature()
    {
        const SignedUpload upload = askUpload("guarded", "bulk-upload/image-files");
        const QByteArray tar = buildTar({ { "a.jpg", tinyJpeg("a") } });
        httplib::Headers partial = upload.headers;
        partial.erase("x-goog-meta-ingest");
        auto missing = put(upload, tar, partial);
        QCOMPARE(missing->status, 403);
        QVERIFY(QString::fromStdString(missing->body).contains("MissingSecurityHeader"));

        SignedUpload forged = upload;
        const QChar last = forged.url.back();
        forged.url.back() = last == QLatin1Char('0') ? QLatin1Char('1') : QLatin1Char('0');   // flip one hex digit
        auto bad = put(forged, tar, upload.headers);
        QCOMPARE(bad->status, 403);
        QVERIFY(QString::fromStdString(bad->body).contains("SignatureDoesNotMatch"));

        QCOMPARE(put(upload, tar, upload.headers)->status, 200);   // the genuine request still works
    }

    void expiredUrlsAreRefused()
    {
        m_sandbox->setSignedUrlTtlSeconds(-5);
        const SignedUpload upload = askUpload("expiring", "bulk-upload/image-files");
        auto r = put(upload, buildTar({ { "a.jpg", tinyJpeg("a") } }), upload.headers);
        QCOMPARE(r->status, 403);
        QVERIFY(QString::fromStdString(r->body).contains("ExpiredToken"));
        const QString url = listing("shards").first().toObject().value("downloadURL").toString();
        auto storage = clientFor(QUrl(url));
        auto get = storage.Get(pathOf(url));
        QCOMPARE(get->status, 403);
        QVERIFY(QString::fromStdString(get->body).contains("expired"));
        m_sandbox->setSignedUrlTtlSeconds(86400);
        const QString fresh = listing("shards").first().toObject().value("downloadURL").toString();
        QCOMPARE(storage.Get(pathOf(fresh))->status, 200);
    }

    void videoUploadAndRangeDownload()
    {
        QByteArray video = tinyVideo("range test");
        QByteArray noise(300000, Qt::Uninitialized);
        for (char &c : noise)
            c = char(QRandomGenerator::global()->bounded(256));
        video += noise;
        const SignedUpload upload = askUpload("clips", "upload/video", "fileName=clip%201.mp4");
        QVERIFY(!upload.url.isEmpty());
        QCOMPARE(put(upload, video, upload.headers)->status, 200);
        QCOMPARE(count("clips"), 1);   // videos count as soon as the PUT succeeds
        auto client = api();
        QCOMPARE(jsonOf(client.Get(stagingPath("batches/clips"))).value("batch").toObject().value("batchContentType").toString(), "videos");

        const QJsonObject file = listing("clips").first().toObject();
        QCOMPARE(file.value("fileName").toString(), "clip 1.mp4");
        const QString url = file.value("downloadURL").toString();
        auto storage = clientFor(QUrl(url));
        auto whole = storage.Get(pathOf(url));
        QCOMPARE(whole->status, 200);
        QCOMPARE(QByteArray::fromStdString(whole->body), video);

        auto tail = storage.Get(pathOf(url), { { "Range", "bytes=1000-" } });
        QCOMPARE(tail->status, 206);
        QCOMPARE(QString::fromStdString(tail->get_header_value("Content-Range")),
                 QStringLiteral("bytes 1000-%1/%2").arg(video.size() - 1).arg(video.size()));
        QCOMPARE(QByteArray::fromStdString(tail->body), video.mid(1000));
        auto middle = storage.Get(pathOf(url), { { "Range", "bytes=10-19" } });
        QCOMPARE(middle->status, 206);
        QCOMPARE(QByteArray::fromStdString(middle->body), video.mid(10, 10));
    }

    void referenceIngestFromOwnStorage()
    {
        auto client = api();
        QJsonArray references;
        for (int i = 0; i < 3; ++i) {
            const QByteArray jpeg = tinyJpeg(QStringLiteral("ref %1").arg(i));
            const httplib::MultipartFormDataItems items{ { "file", jpeg.toStdString(), "x.jpg", "" } };
            QCOMPARE(client.Post(stagingPath("batches/ref-source/upload/image", QStringLiteral("fileName=src%1.jpg").arg(i)), items)->status, 200);
        }
        for (const QJsonValue &v : listing("ref-source"))
            references.append(QJsonObject{ { "name", "copy-" + v.toObject().value("fileName").toString() },
                                           { "url", v.toObject().value("downloadURL").toString() } });
        references.append(QJsonObject{ { "name", "outside.jpg" }, { "url", "https://example.com/outside.jpg" } });
        const QJsonObject body{ { "imageReferences", references }, { "ingestId", "refs-1" },
                                { "notificationsURL", m_hooks->url("/refs") },
                                { "notificationCategories", QJsonArray{ "files-status", "ingest-status" } } };
        auto first = postJson("batches/ref-target/bulk-upload/image-references", body);
        QCOMPARE(first->status, 200);
        QCOMPARE(jsonOf(first).value("ingestId").toString(), "refs-1");
        QCOMPARE(jsonOf(first).value("duplicated").toBool(), false);
        const QJsonArray shardIds = jsonOf(first).value("shardIds").toArray();
        QCOMPARE(shardIds.size(), 1);

        QTRY_COMPARE_WITH_TIMEOUT(count("ref-target"), 3, 15000);
        const QJsonObject shard = shards("ref-target").first().toObject();
        QCOMPARE(shard.value("shardId"), shardIds.first());
        QCOMPARE(shard.value("statusType").toString(), "success");
        const QJsonArray failed = shard.value("statusMetadata").toObject().value("failedFiles").toArray();
        QCOMPARE(failed.size(), 1);
        QCOMPARE(failed.first().toObject().value("type").toString(), "unsafe-url-detected");

        auto again = postJson("batches/ref-target/bulk-upload/image-references", body);
        QCOMPARE(jsonOf(again).value("duplicated").toBool(), true);
        QCOMPARE(jsonOf(again).value("shardIds").toArray(), shardIds);
        QCOMPARE(shards("ref-target").size(), 1);
        QCOMPARE(count("ref-target"), 3);

        QTRY_VERIFY_WITH_TIMEOUT(!m_hooks->ofType("ingest-files-status-notification-v1").isEmpty()
                                     && m_hooks->hooks().last().path == "/refs", 10000);
        bool sawUnsafe = false;
        for (const ReceivedHook &h : m_hooks->ofType("ingest-files-status-notification-v1"))
            for (const QJsonValue &f : h.payload.value("notification").toObject().value("failed_files").toArray())
                sawUnsafe |= f.toObject().value("type").toString() == "unsafe-url-detected";
        QVERIFY(sawUnsafe);
    }

    void referencesFileUrl()
    {
        // Put a JSONL references file on the storage host (a video upload stores bytes as they are).
        QByteArray jsonl;
        for (const QJsonValue &v : listing("ref-source"))
            jsonl += QJsonDocument(QJsonObject{ { "name", "listed-" + v.toObject().value("fileName").toString() },
                                                { "url", v.toObject().value("downloadURL").toString() } }).toJson(QJsonDocument::Compact) + "\n\n";
        const SignedUpload upload = askUpload("ref-lists", "upload/video", "fileName=refs.jsonl");
        QCOMPARE(put(upload, jsonl, upload.headers)->status, 200);
        const QString listUrl = listing("ref-lists").first().toObject().value("downloadURL").toString();
        auto r = postJson("batches/ref-by-url/bulk-upload/image-references", { { "imageReferencesURL", listUrl } });
        QCOMPARE(r->status, 200);
        QCOMPARE(jsonOf(r).value("ingestId").toString().size(), 32);   // assigned by the server
        QTRY_COMPARE_WITH_TIMEOUT(count("ref-by-url"), 3, 15000);

        auto unsafe = postJson("batches/ref-unsafe/bulk-upload/image-references",
                               { { "imageReferencesURL", "https://storage.example.com/refs.jsonl" },
                                 { "notificationsURL", m_hooks->url("/unsafe") } });
        QCOMPARE(unsafe->status, 200);
        const QJsonObject shard = shards("ref-unsafe").first().toObject();
        QCOMPARE(shard.value("statusType").toString(), "error");
        QCOMPARE(shard.value("statusMetadata").toObject().value("error").toObject().value("type").toString(), "unsafe-url-detected");
        QTRY_VERIFY_WITH_TIMEOUT(!m_hooks->hooks().isEmpty() && m_hooks->hooks().last().path == "/unsafe", 10000);
        const QJsonObject notification = m_hooks->hooks().last().payload.value("notification").toObject();
        QCOMPARE(notification.value("success").toBool(), false);
        QCOMPARE(notification.value("error_details").toObject().value("type").toString(), "unsafe-url-detected");

        QCOMPARE(postJson("batches/ref-bad/bulk-upload/image-references", { { "ingestId", "x" } })->status, 400);
    }

    void roboqlIngestAndWebhookRetries()
    {
        HookReceiver flaky(2);   // the first two deliveries get HTTP 500
        auto r = postJson("batches/from-roboql/roboql-ingest",
                          { { "query", "tag:cars AND NOT tag:night" }, { "displayName", "Cars by day" },
                            { "notificationsURL", flaky.url() } });
        QCOMPARE(r->status, 200);
        QCOMPARE(count("from-roboql"), 0);   // built asynchronously
        QTRY_COMPARE_WITH_TIMEOUT(count("from-roboql"), 7, 15000);   // multiples of 3 in 1..40 that are odd
        auto client = api();
        QCOMPARE(jsonOf(client.Get(stagingPath("batches/from-roboql"))).value("batch").toObject().value("displayName").toString(),
                 "Cars by day");
        QTRY_COMPARE_WITH_TIMEOUT(flaky.hooks().size(), 1, 15000);
        QCOMPARE(flaky.hooks().first().payload.value("delivery_attempt").toInt(), 3);
        QCOMPARE(postJson("batches/from-roboql-bad/roboql-ingest", { { "query", "colour:red" } })->status, 400);
    }
};

QTEST_GUILESS_MAIN(TestSandboxStorage)
#include "tst_sandbox_storage.moc"
