// The sandbox's API host over real loopback HTTP: auth, W1, data-staging uploads, counts,
// listings with signed download URLs, paging tokens, conflicts and restart persistence.
#include "sandbox/DemoMedia.h"
#include "sandbox/SandboxHttp.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QTemporaryDir>

using namespace bd::sandbox;
using namespace bd::sandbox::testing;

class TestSandboxApi : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<Sandbox> m_sandbox;

    httplib::Client api() const { return clientFor(m_sandbox->apiUrl()); }

    static httplib::Result upload(httplib::Client &client, const QString &batchId, const QString &fileName,
                                  const QByteArray &bytes, const QString &field = {})
    {
        const httplib::MultipartFormDataItems items{
            { (field.isEmpty() ? fileName : field).toStdString(), bytes.toStdString(), fileName.toStdString(), "" } };
        return client.Post(stagingPath(QStringLiteral("batches/%1/upload/image").arg(batchId),
                                       QStringLiteral("displayName=My%20batch&fileName=") + QString::fromLatin1(QUrl::toPercentEncoding(fileName))),
                           items);
    }

private slots:
    void initTestCase()
    {
        SandboxOptions options;
        options.indexDelayMs = 200;
        m_sandbox = std::make_unique<Sandbox>(options);
        QString error;
        QVERIFY2(m_sandbox->start(&error), qPrintable(error));
        QVERIFY(m_sandbox->isRunning());
        QVERIFY(m_sandbox->apiUrl().port() > 0);
        QVERIFY(m_sandbox->storageUrl().port() != m_sandbox->apiUrl().port());
    }

    void cleanupTestCase() { m_sandbox->stop(); QVERIFY(!m_sandbox->isRunning()); }

    void unauthorized_data()
    {
        QTest::addColumn<QString>("path");
        QTest::newRow("W1") << "/";
        QTest::newRow("D1") << "/data-staging/v1/external/sandbox-ws/batches";
        QTest::newRow("D5") << "/data-staging/v1/external/sandbox-ws/batches/x/list";
        QTest::newRow("B1") << "/batch-processing/v1/external/sandbox-ws/jobs";
    }
    void unauthorized()
    {
        QFETCH(QString, path);
        auto client = api();
        auto missing = client.Get(path.toStdString());
        QVERIFY(missing);
        QCOMPARE(missing->status, 401);
        QVERIFY(!jsonOf(missing).value("error").toString().isEmpty());
        auto wrong = client.Get((path + "?api_key=not-a-key").toStdString());
        QVERIFY(wrong);
        QCOMPARE(wrong->status, 401);
        QVERIFY(jsonOf(wrong).contains("error"));
    }

    void workspaceLookup()
    {
        auto client = api();
        for (const char *path : { "/?api_key=sandbox-key", "/emu?api_key=sandbox-key", "/emu/v2?api_key=sandbox-key" }) {
            auto r = client.Get(path);
            QVERIFY(r);
            QCOMPARE(r->status, 200);
            QCOMPARE(jsonOf(r).value("workspace").toString(), kWs);
        }
        // a base URL with a path prefix also carries the service routes
        auto prefixed = client.Get("/emu/data-staging/v1/external/sandbox-ws/batches?api_key=sandbox-key");
        QVERIFY(prefixed);
        QCOMPARE(prefixed->status, 200);
        QVERIFY(jsonOf(prefixed).value("batches").isArray());
        QVERIFY(m_sandbox->requestCount("W1") >= 3);
    }

    void otherWorkspaceIsNotFound()
    {
        auto client = api();
        auto r = client.Get("/data-staging/v1/external/someone-else/batches?api_key=sandbox-key");
        QVERIFY(r);
        QCOMPARE(r->status, 404);
    }

    void invalidBatchIds()
    {
        auto client = api();
        for (const QString &id : { QStringLiteral("Upper"), QString(65, QLatin1Char('a')), QStringLiteral("sp%20ace") }) {
            auto r = client.Get(stagingPath("batches/" + id));
            QVERIFY(r);
            QCOMPARE(r->status, 400);
        }
        auto missing = client.Get(stagingPath("batches/no-such-batch"));
        QCOMPARE(missing->status, 404);
    }

    void simpleUploadCountAndDownload()
    {
        auto client = api();
        const QByteArray a = tinyJpeg("a"), b = tinyJpeg("b-longer");
        auto r1 = upload(client, "simple-one", "cat 1.jpg", a);   // field name = file name, as the CLI sends
        QVERIFY(r1);
        QCOMPARE(r1->status, 200);
        auto r2 = upload(client, "simple-one", "dog.jpg", b, "file");   // the swagger's field name
        QCOMPARE(r2->status, 200);

        auto count = client.Get(stagingPath("batches/simple-one/count"));
        QCOMPARE(count->status, 200);
        QCOMPARE(jsonOf(count).value("count").toInt(), 2);

        const QJsonObject batch = jsonOf(client.Get(stagingPath("batches/simple-one"))).value("batch").toObject();
        QCOMPARE(batch.value("batchType").toString(), "simple-batch");
        QCOMPARE(batch.value("batchContentType").toString(), "images");
        QCOMPARE(batch.value("displayName").toString(), "My batch");
        const QString created = batch.value("createdDate").toString(), expiry = batch.value("expiryDate").toString();
        QVERIFY2(created.endsWith('Z') && expiry.endsWith('Z'), qPrintable(created));
        QCOMPARE(QDateTime::fromString(created, Qt::ISODateWithMs).daysTo(QDateTime::fromString(expiry, Qt::ISODateWithMs)), 7);

        const QJsonArray files = jsonOf(client.Get(stagingPath("batches/simple-one/list"))).value("filesMetadata").toArray();
        QCOMPARE(files.size(), 2);
        QMap<QString, QByteArray> expected{ { "cat 1.jpg", a }, { "dog.jpg", b } };
        int uuidNames = 0;
        for (const QJsonValue &v : files) {
            const QJsonObject f = v.toObject();
            const QString url = f.value("downloadURL").toString();
            QVERIFY(url.startsWith(m_sandbox->storageUrl().toString() + "/signed/get/"));
            QVERIFY(!url.contains("api_key"));
            if (!QUrl(url).fileName().contains(f.value("fileName").toString()))
                ++uuidNames;
            QCOMPARE(f.value("contentType").toString(), "image/jpeg");
            auto storage = clientFor(QUrl(url));
            auto got = storage.Get(pathOf(url));
            QVERIFY(got);
            QCOMPARE(got->status, 200);
            QCOMPARE(QByteArray::fromStdString(got->body), expected.value(f.value("fileName").toString()));
        }
        QCOMPARE(uuidNames, 1);   // one of two URL basenames is a UUID, not the file name
    }

    void nonImageUploadIsRefused()
    {
        auto client = api();
        auto r = upload(client, "simple-two", "notes.jpg", "just text, not a JPEG");
        QVERIFY(r);
        QCOMPARE(r->status, 400);
        QVERIFY(jsonOf(r).value("error").toString().contains("unsupported-file-type"));
    }

    void mixingUploadKindsConflicts()
    {
        auto client = api();
        QCOMPARE(upload(client, "mixed-a", "x.jpg", tinyJpeg("x"))->status, 200);
        auto bulk = client.Post(stagingPath("batches/mixed-a/bulk-upload/image-files"), "", "");
        QVERIFY(bulk);
        QCOMPARE(bulk->status, 409);
        QVERIFY(jsonOf(bulk).value("error").toString().contains("simple-batch"));

        QCOMPARE(client.Post(stagingPath("batches/mixed-b/bulk-upload/image-files"), "", "")->status, 200);
        auto simple = upload(client, "mixed-b", "y.jpg", tinyJpeg("y"));
        QCOMPARE(simple->status, 409);
        QVERIFY(jsonOf(simple).value("error").toString().contains("sharded-batch"));
    }

    void pagingTokens()
    {
        auto client = api();
        for (int i = 0; i < 7; ++i)
            QCOMPARE(upload(client, "paged", QStringLiteral("p%1.jpg").arg(i), tinyJpeg(QString::number(i)))->status, 200);
        QStringList names;
        QString token;
        int pages = 0;
        for (;;) {
            QString query = "pageSize=3";
            if (!token.isEmpty())
                query += "&nextPageToken=" + QString::fromLatin1(QUrl::toPercentEncoding(token));
            const QJsonObject page = jsonOf(client.Get(stagingPath("batches/paged/list", query)));
            ++pages;
            const QJsonArray files = page.value("filesMetadata").toArray();
            QVERIFY(files.size() <= 3);
            for (const QJsonValue &v : files)
                names << v.toObject().value("fileName").toString();
            QVERIFY(page.contains("nextPageToken"));
            if (page.value("nextPageToken").isNull())
                break;
            token = page.value("nextPageToken").toString();
            QVERIFY(!token.isEmpty());
            QVERIFY2(token.contains('+') || token.contains('/'), qPrintable(token));
            QVERIFY(pages < 10);
        }
        QCOMPARE(pages, 3);
        QCOMPARE(names.size(), 7);
        names.removeDuplicates();
        QCOMPARE(names.size(), 7);

        // A token sent without percent-encoding ('+' turns into a space) is refused, not misread.
        const QString first = jsonOf(client.Get(stagingPath("batches/paged/list", "pageSize=3"))).value("nextPageToken").toString();
        auto raw = client.Get(stagingPath("batches/paged/list", "pageSize=3&nextPageToken=" + first));
        QCOMPARE(raw->status, 400);
        QCOMPARE(client.Get(stagingPath("batches/paged/list", "pageSize=0"))->status, 400);

        // D1 pages too, and ends with null
        const QJsonObject batches = jsonOf(client.Get(stagingPath("batches", "pageSize=1000")));
        QVERIFY(batches.value("nextPageToken").isNull());
        QVERIFY(batches.value("batches").toArray().size() >= 3);
    }

    void restartKeepsState()
    {
        QTemporaryDir dir;
        SandboxOptions options;
        options.dataDir = dir.path();
        options.indexDelayMs = 0;
        QByteArray bytes = tinyJpeg("persisted");
        QString ingestId = "persist-ingest-1";
        {
            Sandbox first(options);
            QVERIFY(first.start());
            auto client = clientFor(first.apiUrl());
            QCOMPARE(upload(client, "kept", "kept.jpg", bytes)->status, 200);
            const QJsonObject body{ { "imageReferences", QJsonArray{} }, { "ingestId", ingestId } };
            auto ingest = client.Post(stagingPath("batches/kept-refs/bulk-upload/image-references"),
                                      QJsonDocument(body).toJson().toStdString(), "application/json");
            QCOMPARE(ingest->status, 200);
            QCOMPARE(jsonOf(ingest).value("duplicated").toBool(), false);
            first.stop();
        }
        Sandbox second(options);
        QVERIFY(second.start());
        auto client = clientFor(second.apiUrl());
        QCOMPARE(jsonOf(client.Get(stagingPath("batches/kept/count"))).value("count").toInt(), 1);
        const QJsonArray files = jsonOf(client.Get(stagingPath("batches/kept/list"))).value("filesMetadata").toArray();
        QCOMPARE(files.size(), 1);
        const QString url = files.first().toObject().value("downloadURL").toString();
        auto storage = clientFor(QUrl(url));
        QCOMPARE(QByteArray::fromStdString(storage.Get(pathOf(url))->body), bytes);
        const QJsonObject body{ { "imageReferences", QJsonArray{} }, { "ingestId", ingestId } };
        auto again = client.Post(stagingPath("batches/kept-refs/bulk-upload/image-references"),
                                 QJsonDocument(body).toJson().toStdString(), "application/json");
        QCOMPARE(jsonOf(again).value("duplicated").toBool(), true);
        QCOMPARE(jsonOf(client.Get(stagingPath("batches/kept-refs"))).value("batch").toObject().value("batchType").toString(),
                 "sharded-batch");
    }

    // --data-dir writes a change log line per change (not the whole state): the files as a crash
    // would leave them (the sandbox never stopped) are enough to restart with every change, and
    // the restart folds the log into a new snapshot.
    void changeLogSurvivesACrash()
    {
        QTemporaryDir live, crashed;
        SandboxOptions options;
        options.dataDir = live.path();
        options.indexDelayMs = 0;
        Sandbox first(options);
        QVERIFY(first.start());
        auto client = clientFor(first.apiUrl());
        for (int i = 0; i < 3; ++i) {
            const QString name = QStringLiteral("logged-%1.jpg").arg(i);
            QCOMPARE(upload(client, "logged", name, tinyJpeg(name))->status, 200);
        }
        const QJsonObject body{ { "imageReferences", QJsonArray{} }, { "ingestId", "logged-ingest" } };
        QCOMPARE(client.Post(stagingPath("batches/logged-refs/bulk-upload/image-references"),
                             QJsonDocument(body).toJson().toStdString(), "application/json")->status, 200);
        auto logText = [&] {
            QFile log(QDir(live.path()).filePath("state.log"));
            return log.open(QIODevice::ReadOnly) ? log.readAll() : QByteArray();
        };
        QTRY_VERIFY_WITH_TIMEOUT(logText().contains("logged-ingest"), 5000);
        const QByteArray log = logText();
        QVERIFY2(log.contains("logged-2.jpg"), log.constData());
        QFile snapshot(QDir(live.path()).filePath("state.json"));
        QVERIFY(snapshot.open(QIODevice::ReadOnly));
        QVERIFY2(!snapshot.readAll().contains("logged-0.jpg"), "a change rewrote the whole state file");

        // Copy the data folder while the first sandbox still runs: what a kill -9 would leave.
        QVERIFY(QFile::copy(QDir(live.path()).filePath("state.json"), QDir(crashed.path()).filePath("state.json")));
        QVERIFY(QFile::copy(QDir(live.path()).filePath("state.log"), QDir(crashed.path()).filePath("state.log")));
        QDir().mkpath(QDir(crashed.path()).filePath("blobs"));
        const QDir blobs(QDir(live.path()).filePath("blobs"));
        for (const QString &blob : blobs.entryList(QDir::Files))
            QVERIFY(QFile::copy(blobs.filePath(blob), QDir(crashed.path()).filePath("blobs/" + blob)));

        SandboxOptions again = options;
        again.dataDir = crashed.path();
        Sandbox second(again);
        QVERIFY(second.start());
        auto restarted = clientFor(second.apiUrl());
        QCOMPARE(jsonOf(restarted.Get(stagingPath("batches/logged/count"))).value("count").toInt(), 3);
        const QJsonArray files = jsonOf(restarted.Get(stagingPath("batches/logged/list"))).value("filesMetadata").toArray();
        QCOMPARE(files.size(), 3);
        for (const QJsonValue &f : files) {
            const QString url = f.toObject().value("downloadURL").toString();
            auto storage = clientFor(QUrl(url));
            QCOMPARE(QByteArray::fromStdString(storage.Get(pathOf(url))->body),
                     tinyJpeg(f.toObject().value("fileName").toString()));
        }
        auto duplicate = restarted.Post(stagingPath("batches/logged-refs/bulk-upload/image-references"),
                                        QJsonDocument(body).toJson().toStdString(), "application/json");
        QCOMPARE(jsonOf(duplicate).value("duplicated").toBool(), true);
        // The restart folded the log into the snapshot and started an empty log.
        QFile folded(QDir(crashed.path()).filePath("state.json"));
        QVERIFY(folded.open(QIODevice::ReadOnly));
        QVERIFY(folded.readAll().contains("logged-2.jpg"));
        first.stop();
        second.stop();
    }

    void demoDataAndJobs()
    {
        SandboxOptions options;
        options.demo = true;
        Sandbox demo(options);
        QVERIFY(demo.start());
        auto client = clientFor(demo.apiUrl());
        QCOMPARE(jsonOf(client.Get(stagingPath("batches/demo-images/count"))).value("count").toInt(), 12);
        QCOMPARE(jsonOf(client.Get(stagingPath("batches/demo-sharded/count"))).value("count").toInt(), 40);
        QCOMPARE(jsonOf(client.Get(stagingPath("batches/demo-videos"))).value("batch").toObject().value("batchContentType").toString(),
                 "videos");
        auto jobs = client.Get("/batch-processing/v1/external/sandbox-ws/jobs?api_key=sandbox-key&pageSize=10");
        QCOMPARE(jobs->status, 200);
        QVERIFY(jsonOf(jobs).value("jobs").toArray().size() >= 2);
        QVERIFY(demo.requestCount("B1") == 1);
        // a demo JPEG is a real JPEG (SOI ... EOI)
        const QString url = jsonOf(client.Get(stagingPath("batches/demo-images/list", "pageSize=1")))
                                .value("filesMetadata").toArray().first().toObject().value("downloadURL").toString();
        auto storage = clientFor(QUrl(url));
        const QByteArray jpeg = QByteArray::fromStdString(storage.Get(pathOf(url))->body);
        QVERIFY(jpeg.startsWith("\xFF\xD8\xFF") && jpeg.endsWith("\xFF\xD9"));
    }
};

QTEST_GUILESS_MAIN(TestSandboxApi)
#include "tst_sandbox_api.moc"
