// Every endpoint (W1, D1–D12, S1, S2, B1–B8) once, through ApiClient, against the real embedded
// sandbox on loopback.
#include "api/ApiClient.h"
#include "api/ApiError.h"
#include "api/StageProgress.h"

#include <QBuffer>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "sandbox/Sandbox.h"

using namespace bd;
using namespace bd::api;

namespace {

// A valid 1×1 PNG, so the sandbox's media sniffing accepts it.
QByteArray tinyPng()
{
    return QByteArray::fromBase64(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");
}

// A one-member ustar archive (the shard format of spec §7.2).
QByteArray tarOf(const QByteArray &name, const QByteArray &data)
{
    QByteArray header(512, '\0');
    auto put = [&header](int offset, const QByteArray &value) { header.replace(offset, value.size(), value); };
    put(0, name);
    put(100, "0000644");
    put(108, "0000000");
    put(116, "0000000");
    put(124, QByteArray::number(data.size(), 8).rightJustified(11, '0'));
    put(136, "00000000000");
    put(148, "        ");
    header[156] = '0';
    put(257, QByteArray("ustar\0", 6));
    put(263, "00");
    unsigned sum = 0;
    for (char c : header)
        sum += static_cast<unsigned char>(c);
    put(148, QByteArray::number(sum, 8).rightJustified(6, '0') + QByteArray("\0 ", 2));
    QByteArray out = header + data;
    out.append(QByteArray((512 - data.size() % 512) % 512, '\0'));
    out.append(QByteArray(1024, '\0'));
    return out;
}

template <class Call>
Call *ok(Call *call)
{
    call->exec();
    if (call->error())
        qWarning().noquote() << call->requestName() << "failed:" << call->error().fullText();
    return call;
}

}  // namespace

class TestApiSandbox : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void everyEndpointOnce();
};

void TestApiSandbox::everyEndpointOnce()
{
    bd::sandbox::SandboxOptions options;
    options.timeScale = 500;
    options.indexDelayMs = 0;
    bd::sandbox::Sandbox sandbox(options);
    QString startError;
    QVERIFY2(sandbox.start(&startError), qPrintable(startError));

    ApiConfig config;
    config.baseUrl = sandbox.apiUrl();
    config.apiKey = options.apiKeys.first();
    config.timeoutSeconds = 20;
    ApiClient api(config);
    QNetworkAccessManager *nam = api.networkAccessManager();
    Q_UNUSED(nam);

    // W1
    auto *ws = ok(api.resolveWorkspace());
    QVERIFY(!ws->error());
    QCOMPARE(ws->result(), options.workspace);
    QCOMPARE(api.workspace(), options.workspace);

    // D7: a simple batch from one image file.
    QTemporaryDir dir;
    const QString imagePath = dir.filePath(QStringLiteral("dot.png"));
    {
        QFile f(imagePath);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(tinyPng());
    }
    QVERIFY(!ok(api.uploadImage(QStringLiteral("img-batch"), imagePath))->error());

    // D1, D2, D3
    auto *batches = api.listBatches(1);
    batches->setMaxPages(0);
    QVERIFY(!ok(batches)->error());
    bool listed = false;
    for (const Batch &b : batches->result())
        listed = listed || b.batchId == QLatin1String("img-batch");
    QVERIFY(listed);
    auto *batch = ok(api.getBatch(QStringLiteral("img-batch")));
    QVERIFY(!batch->error());
    QCOMPARE(batch->result().batchType, QStringLiteral("simple-batch"));
    QVERIFY(batch->result().expiryDate > QDateTime::currentDateTimeUtc());
    QTRY_COMPARE_WITH_TIMEOUT(ok(api.batchCount(QStringLiteral("img-batch")))->result(), 1, 10000);

    // D5 + S2
    auto *files = api.listBatchFiles(QStringLiteral("img-batch"));
    files->setMaxPages(0);
    QVERIFY(!ok(files)->error());
    QCOMPARE(files->result().size(), 1);
    const BatchFile file = files->result().first();
    QCOMPARE(file.fileName, QStringLiteral("dot.png"));
    QNetworkReply *download = api.getSigned(file.downloadUrl);
    QSignalSpy downloaded(download, &QNetworkReply::finished);
    QVERIFY(downloaded.wait(10000));
    QVERIFY(!errorFromSignedReply(download, QStringLiteral("download dot.png")));
    QCOMPARE(download->readAll(), tinyPng());
    delete download;

    // D9 + S1, then D6
    auto *shardUrl = ok(api.requestShardUpload(QStringLiteral("shard-batch")));
    QVERIFY(!shardUrl->error());
    QByteArray tar = tarOf("a.png", tinyPng());
    QBuffer tarBody(&tar);
    tarBody.open(QIODevice::ReadOnly);
    QNetworkReply *put = api.putSigned(shardUrl->result(), &tarBody, tar.size());
    QSignalSpy putDone(put, &QNetworkReply::finished);
    QVERIFY(putDone.wait(10000));
    const Error putError = errorFromSignedReply(put, QStringLiteral("upload shard"));
    QVERIFY2(!putError, qPrintable(putError.fullText()));
    delete put;
    QTRY_VERIFY_WITH_TIMEOUT(!ok(api.listShards(QStringLiteral("shard-batch")))->result().isEmpty(), 10000);
    QTRY_COMPARE_WITH_TIMEOUT(ok(api.batchCount(QStringLiteral("shard-batch")))->result(), 1, 10000);

    // D8 + S1 (a video upload URL; the bytes are accepted as they are)
    auto *videoUrl = ok(api.requestVideoUpload(QStringLiteral("vid-batch"), QStringLiteral("clip.mp4")));
    QVERIFY(!videoUrl->error());
    QVERIFY(!videoUrl->result().uploadUrl.isEmpty());

    // D10 / D11: references to the file the storage host already serves.
    ReferencesIngest refs;
    refs.references.append(QJsonObject{{QStringLiteral("name"), QStringLiteral("ref.png")},
                                       {QStringLiteral("url"), file.downloadUrl.toString(QUrl::FullyEncoded)}});
    refs.ingestId = QStringLiteral("ingest-1");
    auto *images = ok(api.ingestImageReferences(QStringLiteral("ref-batch"), QStringLiteral("Refs"), refs.toJson(false)));
    QVERIFY(!images->error());
    QCOMPARE(images->result().ingestId, QStringLiteral("ingest-1"));
    auto *again = ok(api.ingestImageReferences(QStringLiteral("ref-batch"), QStringLiteral("Refs"), refs.toJson(false)));
    QVERIFY(!again->error());
    QVERIFY(again->result().duplicated);
    refs.ingestId = QStringLiteral("ingest-2");
    auto *videos = ok(api.ingestVideoReferences(QStringLiteral("vref-batch"), {}, refs.toJson(true)));
    QVERIFY(!videos->error());
    QVERIFY(!videos->result().ingestId.isEmpty());

    // D12
    QVERIFY(!ok(api.roboqlIngest(QStringLiteral("roboql-batch"),
                                 QJsonObject{{QStringLiteral("query"), QStringLiteral("*")}}))->error());

    // B3, B1, B2
    const QJsonObject definition{
        {QStringLiteral("type"), QStringLiteral("simple-image-processing-v1")},
        {QStringLiteral("jobInput"), QJsonObject{{QStringLiteral("type"), QStringLiteral("staging-batch-input-v1")},
                                                 {QStringLiteral("batchId"), QStringLiteral("img-batch")}}},
        {QStringLiteral("computeConfiguration"), QJsonObject{{QStringLiteral("type"), QStringLiteral("compute-configuration-v2")}}},
        {QStringLiteral("processingSpecification"),
         QJsonObject{{QStringLiteral("type"), QStringLiteral("workflows-processing-specification-v1")},
                     {QStringLiteral("workspace"), options.workspace},
                     {QStringLiteral("workflowId"), QStringLiteral("wf")},
                     {QStringLiteral("persistImagesOutputs"), false}}}};
    QVERIFY(!ok(api.createJob(QStringLiteral("job-api-1"), QStringLiteral("API test"), definition))->error());
    auto *jobs = ok(api.listJobs());
    QVERIFY(!jobs->error());
    QVERIFY(std::any_of(jobs->result().begin(), jobs->result().end(),
                        [](const Job &j) { return j.jobId == QLatin1String("job-api-1"); }));
    QTRY_VERIFY_WITH_TIMEOUT(ok(api.getJob(QStringLiteral("job-api-1")))->result().isTerminal, 60000);
    auto *job = ok(api.getJob(QStringLiteral("job-api-1")));
    QCOMPARE(job->result().name, QStringLiteral("API test"));

    // B4, B5, B8, then D4 on the export stage's output batch.
    auto *stages = ok(api.listStages(QStringLiteral("job-api-1")));
    QVERIFY(!stages->error());
    QVERIFY(!stages->result().isEmpty());
    QString exportBatch;
    for (const Stage &stage : sortedStages(stages->result())) {
        auto *tasks = api.listTasks(QStringLiteral("job-api-1"), stage.processingStageId);
        tasks->setMaxPages(0);
        QVERIFY(!ok(tasks)->error());
        QVERIFY(!tasks->result().isEmpty());
        const StageProgress progress = computeStageProgress(stage, tasks->result());
        QVERIFY(!progress.isRunning);
        QVERIFY(progress.progress > 0.999);
        if (stage.processingStageName == QLatin1String("export") && !stage.outputBatches.isEmpty())
            exportBatch = stage.outputBatches.first();
    }
    auto *logs = api.jobLogs(QStringLiteral("job-api-1"));
    logs->setMaxPages(0);
    QVERIFY(!ok(logs)->error());
    QVERIFY(!logs->result().isEmpty());
    QVERIFY(!exportBatch.isEmpty());
    auto *parts = ok(api.listParts(exportBatch));
    QVERIFY(!parts->error());
    QVERIFY(!parts->result().isEmpty());

    // B6, B7 on a second job.
    QVERIFY(!ok(api.createJob(QStringLiteral("job-api-2"), {}, definition))->error());
    auto *aborted = ok(api.abortJob(QStringLiteral("job-api-2")));
    QVERIFY(!aborted->error());
    QTRY_VERIFY_WITH_TIMEOUT(ok(api.getJob(QStringLiteral("job-api-2")))->result().isTerminal, 30000);
    const QJsonObject overrides{{QStringLiteral("type"), QStringLiteral("parameters-override-v1")},
                                {QStringLiteral("maxParallelTasks"), 2}};
    QVERIFY(!ok(api.restartJob(QStringLiteral("job-api-2"), overrides))->error());

    // A wrong key is refused with 401 → Unauthorized, and the key never shows.
    ApiConfig wrong = config;
    wrong.apiKey = QStringLiteral("not-the-sandbox-key");
    ApiClient stranger(wrong);
    auto *refused = ok(stranger.listJobs());
    QCOMPARE(refused->error().kind, ErrorKind::Unauthorized);
    QVERIFY(!refused->error().fullText().contains(wrong.apiKey));
}

QTEST_GUILESS_MAIN(TestApiSandbox)
#include "tst_api_sandbox.moc"
