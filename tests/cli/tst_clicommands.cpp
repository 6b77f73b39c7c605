// batchdeck-cli end to end: the real binary (QProcess) against an embedded sandbox over loopback.
// Every run also checks that the API key never shows up on stdout or stderr.
#include "sandbox/Sandbox.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QUrlQuery>

namespace {

const QString kKey = QStringLiteral("cli-test-secret-key-4711");

struct Run {
    int exitCode = -1;
    QString out;
    QString err;
    QJsonDocument json() const { return QJsonDocument::fromJson(out.toUtf8()); }
};

QStringList readJsonLines(const QString &path, QList<QJsonObject> *objects)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QStringList lines;
    for (const QByteArray &line : file.readAll().split('\n')) {
        if (line.isEmpty())
            continue;
        lines << QString::fromUtf8(line);
        objects->append(QJsonDocument::fromJson(line).object());
    }
    return lines;
}

}  // namespace

class TestCliCommands : public QObject {
    Q_OBJECT
private:
    std::unique_ptr<bd::sandbox::Sandbox> m_sandbox;
    QString m_cli;
    QTemporaryDir m_tmp;

    // Runs batchdeck-cli with --api-url and ROBOFLOW_API_KEY=key (none when key is empty).
    Run cli(const QStringList &args, const QString &key = kKey, const QByteArray &stdinData = {},
            bool withUrl = true)
    {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("ROBOFLOW_API_KEY"));
        env.remove(QStringLiteral("API_BASE_URL"));
        if (!key.isEmpty())
            env.insert(QStringLiteral("ROBOFLOW_API_KEY"), key);
        // No keychain for the child: a private HOME and an unreachable session bus.
        env.insert(QStringLiteral("HOME"), m_tmp.filePath(QStringLiteral("home")));
        env.insert(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"), QStringLiteral("unix:path=/nonexistent/bus"));
        p.setProcessEnvironment(env);
        QStringList all = args;
        if (withUrl)
            all << QStringLiteral("--api-url") << m_sandbox->apiUrl().toString();
        p.start(m_cli, all);
        if (!p.waitForStarted(10000))
            return {};
        if (!stdinData.isEmpty())
            p.write(stdinData);
        p.closeWriteChannel();
        if (!p.waitForFinished(60000)) {
            p.kill();
            p.waitForFinished();
        }
        Run r;
        r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        r.out = QString::fromUtf8(p.readAllStandardOutput());
        r.err = QString::fromUtf8(p.readAllStandardError());
        // The key must never be printed, whatever happened.
        if (r.out.contains(kKey) || r.err.contains(kKey))
            qWarning("API key leaked in the output of %s", qPrintable(args.join(QLatin1Char(' '))));
        r.exitCode = (r.out.contains(kKey) || r.err.contains(kKey)) ? 99 : r.exitCode;
        return r;
    }

    double processingProgress(const QString &jobId)
    {
        const Run r = cli({QStringLiteral("--json"), QStringLiteral("batch-processing"),
                           QStringLiteral("show-job-details"), QStringLiteral("-j"), jobId});
        if (r.exitCode != 0)
            return -1;
        double sum = 0;
        for (const QJsonValue &s : r.json().object().value(QStringLiteral("stages")).toArray())
            sum += s.toObject().value(QStringLiteral("progress")).toDouble();
        return sum;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        QDir().mkpath(m_tmp.filePath(QStringLiteral("home")));
        const QString binDir = qEnvironmentVariable("BATCHDECK_BIN_DIR");
        QVERIFY2(!binDir.isEmpty(), "BATCHDECK_BIN_DIR is not set (run through ctest)");
        m_cli = QDir(binDir).filePath(QStringLiteral("batchdeck-cli"));
        QVERIFY2(QFile::exists(m_cli), qPrintable(m_cli));
        bd::sandbox::SandboxOptions options;
        options.demo = true;
        options.timeScale = 30;
        options.apiKeys = {kKey};
        m_sandbox = std::make_unique<bd::sandbox::Sandbox>(options);
        QString error;
        QVERIFY2(m_sandbox->start(&error), qPrintable(error));
    }

    void cleanupTestCase()
    {
        if (m_sandbox)
            m_sandbox->stop();
    }

    void listBatchesHuman()
    {
        const int w1 = m_sandbox->requestCount(QStringLiteral("W1"));
        const int d1 = m_sandbox->requestCount(QStringLiteral("D1"));
        const Run r = cli({QStringLiteral("data-staging"), QStringLiteral("list-batches")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains(QStringLiteral("CONTENT TYPE")), qPrintable(r.out));
        QVERIFY(r.out.contains(QStringLiteral("demo-images")));
        QVERIFY(r.out.contains(QStringLiteral("sharded-batch")));
        QVERIFY(r.out.contains(QRegularExpression(QStringLiteral("\\b\\d\\d/\\d\\d/\\d{4}\\b"))));
        // W1 first, then one D1 page (§14).
        QCOMPARE(m_sandbox->requestCount(QStringLiteral("W1")), w1 + 1);
        QCOMPARE(m_sandbox->requestCount(QStringLiteral("D1")), d1 + 1);
    }

    void listBatchesJson()
    {
        const Run r = cli({QStringLiteral("--json"), QStringLiteral("data-staging"), QStringLiteral("list-batches"),
                           QStringLiteral("--page-size"), QStringLiteral("2"), QStringLiteral("-p"), QStringLiteral("10")});
        QCOMPARE(r.exitCode, 0);
        const QJsonArray batches = r.json().array();
        QVERIFY2(batches.size() >= 3, qPrintable(r.out));
        bool found = false;
        for (const QJsonValue &v : batches) {
            const QJsonObject b = v.toObject();
            QVERIFY(b.contains(QStringLiteral("batchId")));
            QVERIFY(b.contains(QStringLiteral("expiryDate")));
            if (b.value(QStringLiteral("batchId")).toString() == QLatin1String("demo-images")) {
                found = true;
                QCOMPARE(b.value(QStringLiteral("batchContentType")).toString(), QStringLiteral("images"));
            }
        }
        QVERIFY(found);
    }

    void showBatchDetails()
    {
        Run r = cli({QStringLiteral("--json"), QStringLiteral("data-staging"), QStringLiteral("show-batch-details"),
                     QStringLiteral("-b"), QStringLiteral("demo-images")});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.json().object().value(QStringLiteral("count")).toInt(), 12);

        r = cli({QStringLiteral("data-staging"), QStringLiteral("show-batch-details"), QStringLiteral("--batch-id"),
                 QStringLiteral("demo-finished-export-out")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains(QStringLiteral("multipart-batch")), qPrintable(r.out));
        QVERIFY(r.out.contains(QStringLiteral("PART")));
    }

    void listBatchContentToFile()
    {
        const QString path = m_tmp.filePath(QStringLiteral("nested/dir/content.jsonl"));
        Run r = cli({QStringLiteral("data-staging"), QStringLiteral("list-batch-content"), QStringLiteral("-b"),
                     QStringLiteral("demo-images"), QStringLiteral("-o"), path});
        QCOMPARE(r.exitCode, 0);
        QList<QJsonObject> objects;
        QCOMPARE(readJsonLines(path, &objects).size(), 12);
        for (const QJsonObject &o : objects) {
            QVERIFY(o.value(QStringLiteral("download_url")).toString().startsWith(QLatin1String("http")));
            QVERIFY(!o.value(QStringLiteral("file_name")).toString().isEmpty());
            QVERIFY(o.contains(QStringLiteral("content_type")));
            QVERIFY(o.contains(QStringLiteral("part_name")));
            QVERIFY(!o.contains(QStringLiteral("downloadURL")));
            QVERIFY(!o.contains(QStringLiteral("fileName")));
        }

        const QString limited = m_tmp.filePath(QStringLiteral("limited.jsonl"));
        r = cli({QStringLiteral("data-staging"), QStringLiteral("list-batch-content"), QStringLiteral("-b"),
                 QStringLiteral("demo-images"), QStringLiteral("-l"), QStringLiteral("3"), QStringLiteral("-o"), limited});
        QCOMPARE(r.exitCode, 0);
        objects.clear();
        QCOMPARE(readJsonLines(limited, &objects).size(), 3);

        // Parts of a multipart batch, filtered with the -pn short word.
        r = cli({QStringLiteral("--json"), QStringLiteral("data-staging"), QStringLiteral("show-batch-details"),
                 QStringLiteral("-b"), QStringLiteral("demo-finished-export-out")});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject part = r.json().object().value(QStringLiteral("parts")).toArray().first().toObject();
        const QString partName = part.value(QStringLiteral("partName")).toString();
        r = cli({QStringLiteral("--json"), QStringLiteral("data-staging"), QStringLiteral("list-batch-content"),
                 QStringLiteral("-b"), QStringLiteral("demo-finished-export-out"), QStringLiteral("-pn"), partName});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.json().array().size(), part.value(QStringLiteral("count")).toInt());

        // --part-name on a simple batch is refused by the client.
        r = cli({QStringLiteral("data-staging"), QStringLiteral("list-batch-content"), QStringLiteral("-b"),
                 QStringLiteral("demo-images"), QStringLiteral("-pn"), QStringLiteral("x")});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.err.startsWith(QStringLiteral("Command failed. Cause: ")));
    }

    // Machine output is the data asked for: the signed URLs of --json are whole and the storage
    // host serves them (they used to print as signature=***); the table stays without URLs.
    void listBatchContentJsonUrlsAreDownloadable()
    {
        Run r = cli({QStringLiteral("--json"), QStringLiteral("data-staging"), QStringLiteral("list-batch-content"),
                     QStringLiteral("-b"), QStringLiteral("demo-images"), QStringLiteral("-l"), QStringLiteral("3")});
        QCOMPARE(r.exitCode, 0);
        const QJsonArray entries = r.json().array();
        QCOMPARE(entries.size(), 3);
        QNetworkAccessManager network;
        for (const QJsonValue &entry : entries) {
            const QString url = entry.toObject().value(QStringLiteral("downloadURL")).toString();
            QVERIFY2(url.startsWith(QLatin1String("http")) && !url.contains(QLatin1String("***")), qPrintable(url));
            QVERIFY2(QUrlQuery(QUrl(url)).hasQueryItem(QStringLiteral("signature")), qPrintable(url));  // a signed URL
            std::unique_ptr<QNetworkReply> reply(network.get(QNetworkRequest(QUrl(url))));
            QEventLoop loop;
            connect(reply.get(), &QNetworkReply::finished, &loop, &QEventLoop::quit);
            QTimer::singleShot(20000, &loop, &QEventLoop::quit);
            loop.exec();
            QVERIFY(reply->isFinished());
            QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
            QVERIFY(!reply->readAll().isEmpty());
            // A tampered signature is refused: the test would pass with any URL otherwise.
            QUrl tampered(url);
            QUrlQuery query(tampered);
            query.removeQueryItem(QStringLiteral("signature"));
            query.addQueryItem(QStringLiteral("signature"), QStringLiteral("0000"));
            tampered.setQuery(query);
            std::unique_ptr<QNetworkReply> refused(network.get(QNetworkRequest(tampered)));
            connect(refused.get(), &QNetworkReply::finished, &loop, &QEventLoop::quit);
            QTimer::singleShot(20000, &loop, &QEventLoop::quit);
            loop.exec();
            QVERIFY(refused->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() >= 400);
        }
        // Human output: no URL at all.
        r = cli({QStringLiteral("data-staging"), QStringLiteral("list-batch-content"), QStringLiteral("-b"),
                 QStringLiteral("demo-images"), QStringLiteral("-l"), QStringLiteral("3")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(!r.out.contains(QLatin1String("http")), qPrintable(r.out));
        QVERIFY(r.out.contains(QLatin1String("3 entries")));
    }

    void listIngestDetails()
    {
        Run r = cli({QStringLiteral("--json"), QStringLiteral("data-staging"), QStringLiteral("list-ingest-details"),
                     QStringLiteral("-b"), QStringLiteral("demo-sharded"), QStringLiteral("--page-size"), QStringLiteral("5")});
        QCOMPARE(r.exitCode, 0);
        const QJsonArray shards = r.json().array();
        QVERIFY2(!shards.isEmpty(), qPrintable(r.out));
        QCOMPARE(shards.first().toObject().value(QStringLiteral("shardObjectsCount")).toInt(), 40);

        const QString path = m_tmp.filePath(QStringLiteral("shards.jsonl"));
        r = cli({QStringLiteral("data-staging"), QStringLiteral("list-ingest-details"), QStringLiteral("-b"),
                 QStringLiteral("demo-sharded"), QStringLiteral("-o"), path});
        QCOMPARE(r.exitCode, 0);
        QList<QJsonObject> objects;
        QCOMPARE(readJsonLines(path, &objects).size(), shards.size());
        QCOMPARE(objects.first().value(QStringLiteral("shard_objects_count")).toInt(), 40);
        QVERIFY(objects.first().contains(QStringLiteral("event_timestamp")));
        QVERIFY(objects.first().contains(QStringLiteral("status_type")));
    }

    void listJobs()
    {
        Run r = cli({QStringLiteral("batch-processing"), QStringLiteral("list-jobs")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains(QStringLiteral("demo-running")), qPrintable(r.out));
        r = cli({QStringLiteral("batch-processing"), QStringLiteral("list-jobs"), QStringLiteral("--max-pages"),
                 QStringLiteral("2"), QStringLiteral("--json")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.json().array().size() >= 2);
    }

    void showJobDetailsProgressMoves()
    {
        const Run human = cli({QStringLiteral("batch-processing"), QStringLiteral("show-job-details"),
                               QStringLiteral("-j"), QStringLiteral("demo-running")});
        QCOMPARE(human.exitCode, 0);
        QVERIFY2(human.out.contains(QStringLiteral("[processing]")) || human.out.contains(QStringLiteral("[export]")),
                 qPrintable(human.out));
        QVERIFY(human.out.contains(QStringLiteral("Progress:")));
        QVERIFY(human.out.contains(QStringLiteral("waiting")));
        QVERIFY(human.out.contains(QStringLiteral("All Good")) || human.out.contains(QStringLiteral("Nothing found"))
                || human.out.contains(QStringLiteral(" x ")));

        const double first = processingProgress(QStringLiteral("demo-running"));
        QVERIFY(first >= 0);
        double later = first;
        for (int i = 0; i < 40 && later == first; ++i) {
            QTest::qWait(250);
            later = processingProgress(QStringLiteral("demo-running"));
        }
        QVERIFY2(later != first, qPrintable(QStringLiteral("progress stuck at %1").arg(first)));
    }

    void createImageVideoAndTrtJobs()
    {
        Run r = cli({QStringLiteral("batch-processing"), QStringLiteral("process-images-with-workflow"),
                     QStringLiteral("-b"), QStringLiteral("demo-images"), QStringLiteral("-w"), QStringLiteral("wf-det"),
                     QStringLiteral("-j"), QStringLiteral("cli-img-1"), QStringLiteral("-jn"), QStringLiteral("CLI image job"),
                     QStringLiteral("-mm"), QStringLiteral("camera=camera_id"), QStringLiteral("--machine-type"),
                     QStringLiteral("gpu")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains(QStringLiteral("Triggered job with ID: cli-img-1")), qPrintable(r.out + r.err));
        r = cli({QStringLiteral("--json"), QStringLiteral("batch-processing"), QStringLiteral("show-job-details"),
                 QStringLiteral("-j"), QStringLiteral("cli-img-1")});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject job = r.json().object().value(QStringLiteral("job")).toObject();
        QCOMPARE(job.value(QStringLiteral("name")).toString(), QStringLiteral("CLI image job"));
        const QJsonObject def = job.value(QStringLiteral("jobDefinition")).toObject();
        QCOMPARE(def.value(QStringLiteral("type")).toString(), QStringLiteral("simple-image-processing-v1"));
        const QJsonObject spec = def.value(QStringLiteral("processingSpecification")).toObject();
        QCOMPARE(spec.value(QStringLiteral("workflowId")).toString(), QStringLiteral("wf-det"));
        QCOMPARE(spec.value(QStringLiteral("workspace")).toString(), m_sandbox->options().workspace);
        QCOMPARE(spec.value(QStringLiteral("imagesMetadataInputsMapping")).toObject().value(QStringLiteral("camera")).toString(),
                 QStringLiteral("camera_id"));

        r = cli({QStringLiteral("--json"), QStringLiteral("batch-processing"), QStringLiteral("process-videos-with-workflow"),
                 QStringLiteral("-b"), QStringLiteral("demo-videos"), QStringLiteral("-w"), QStringLiteral("wf-vid"),
                 QStringLiteral("--max-video-fps"), QStringLiteral("2")});
        QCOMPARE(r.exitCode, 0);
        const QString videoJob = r.json().object().value(QStringLiteral("jobId")).toString();
        QVERIFY2(videoJob.startsWith(QLatin1String("job-")), qPrintable(r.out));
        r = cli({QStringLiteral("--json"), QStringLiteral("batch-processing"), QStringLiteral("show-job-details"),
                 QStringLiteral("-j"), videoJob});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.json().object().value(QStringLiteral("job")).toObject().value(QStringLiteral("jobDefinition"))
                     .toObject().value(QStringLiteral("type")).toString(),
                 QStringLiteral("simple-video-processing-v1"));

        r = cli({QStringLiteral("batch-processing"), QStringLiteral("trt-compile"), QStringLiteral("-m"),
                 QStringLiteral("project/3"), QStringLiteral("-d"), QStringLiteral("nvidia-l4"), QStringLiteral("-d"),
                 QStringLiteral("nvidia-t4"), QStringLiteral("-j"), QStringLiteral("cli-trt-1")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains(QStringLiteral("Triggered job with ID: cli-trt-1")));
        r = cli({QStringLiteral("--json"), QStringLiteral("batch-processing"), QStringLiteral("show-job-details"),
                 QStringLiteral("-j"), QStringLiteral("cli-trt-1")});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject trt = r.json().object().value(QStringLiteral("job")).toObject()
                                    .value(QStringLiteral("jobDefinition")).toObject();
        QCOMPARE(trt.value(QStringLiteral("type")).toString(), QStringLiteral("trt-compilation-v1"));
        QCOMPARE(trt.value(QStringLiteral("compilationDevices")).toArray().size(), 2);
    }

    void abortRestartAndLogs()
    {
        Run r = cli({QStringLiteral("batch-processing"), QStringLiteral("process-images-with-workflow"),
                     QStringLiteral("-b"), QStringLiteral("demo-images"), QStringLiteral("-w"), QStringLiteral("wf"),
                     QStringLiteral("-j"), QStringLiteral("cli-abort-1")});
        QCOMPARE(r.exitCode, 0);
        const int b6 = m_sandbox->requestCount(QStringLiteral("B6"));
        r = cli({QStringLiteral("--json"), QStringLiteral("batch-processing"), QStringLiteral("abort-job"),
                 QStringLiteral("-j"), QStringLiteral("cli-abort-1")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.json().isObject());
        QCOMPARE(m_sandbox->requestCount(QStringLiteral("B6")), b6 + 1);

        // Wait until the abort is terminal, then restart with an override.
        bool terminal = false;
        for (int i = 0; i < 40 && !terminal; ++i) {
            r = cli({QStringLiteral("--json"), QStringLiteral("batch-processing"), QStringLiteral("show-job-details"),
                     QStringLiteral("-j"), QStringLiteral("cli-abort-1")});
            terminal = r.json().object().value(QStringLiteral("job")).toObject().value(QStringLiteral("isTerminal")).toBool();
            if (!terminal)
                QTest::qWait(250);
        }
        QVERIFY(terminal);
        r = cli({QStringLiteral("batch-processing"), QStringLiteral("restart-job"), QStringLiteral("-j"),
                 QStringLiteral("cli-abort-1"), QStringLiteral("--max-parallel-tasks"), QStringLiteral("2")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains(QStringLiteral("Restart requested")), qPrintable(r.out + r.err));
        r = cli({QStringLiteral("--json"), QStringLiteral("batch-processing"), QStringLiteral("show-job-details"),
                 QStringLiteral("-j"), QStringLiteral("cli-abort-1")});
        const QJsonArray overrides = r.json().object().value(QStringLiteral("job")).toObject()
                                         .value(QStringLiteral("restartParametersOverride")).toArray();
        QVERIFY2(!overrides.isEmpty(), qPrintable(r.out));
        QCOMPARE(overrides.last().toObject().value(QStringLiteral("maxParallelTasks")).toInt(), 2);

        const QString path = m_tmp.filePath(QStringLiteral("logs/job.jsonl"));
        r = cli({QStringLiteral("batch-processing"), QStringLiteral("fetch-logs"), QStringLiteral("-j"),
                 QStringLiteral("cli-abort-1"), QStringLiteral("-o"), path});
        QCOMPARE(r.exitCode, 0);
        QList<QJsonObject> logs;
        QVERIFY(!readJsonLines(path, &logs).isEmpty());
        for (const QJsonObject &l : logs) {
            QVERIFY(l.contains(QStringLiteral("created_at")));
            QVERIFY(l.contains(QStringLiteral("reporting_module")));
            QVERIFY(QStringList({QStringLiteral("info"), QStringLiteral("warning"), QStringLiteral("error")})
                        .contains(l.value(QStringLiteral("severity")).toString()));
        }
        r = cli({QStringLiteral("--json"), QStringLiteral("batch-processing"), QStringLiteral("fetch-logs"),
                 QStringLiteral("-j"), QStringLiteral("cli-abort-1"), QStringLiteral("--log-severity"), QStringLiteral("info")});
        QCOMPARE(r.exitCode, 0);
        for (const QJsonValue &v : r.json().array())
            QCOMPARE(v.toObject().value(QStringLiteral("severity")).toString(), QStringLiteral("info"));
    }

    void failuresExitWithOne()
    {
        Run r = cli({QStringLiteral("batch-processing"), QStringLiteral("show-job-details"), QStringLiteral("-j"),
                     QStringLiteral("no-such-job")});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.startsWith(QStringLiteral("Command failed. Cause: ")), qPrintable(r.err));
        QVERIFY(r.err.contains(QStringLiteral("404")));

        r = cli({QStringLiteral("--json"), QStringLiteral("batch-processing"), QStringLiteral("show-job-details"),
                 QStringLiteral("-j"), QStringLiteral("no-such-job")});
        QCOMPARE(r.exitCode, 1);
        QCOMPARE(r.json().object().value(QStringLiteral("error")).toObject().value(QStringLiteral("httpStatus")).toInt(), 404);

        r = cli({QStringLiteral("data-staging"), QStringLiteral("list-batches")}, QStringLiteral("wrong-key-0000000"));
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QStringLiteral("unauthori"), Qt::CaseInsensitive), qPrintable(r.err));
        QVERIFY(!r.err.contains(QStringLiteral("wrong-key-0000000")));
    }

    void missingKeyFailsBeforeAnyRequest()
    {
        const int w1 = m_sandbox->requestCount(QStringLiteral("W1"));
        const Run r = cli({QStringLiteral("data-staging"), QStringLiteral("list-batches")}, QString());
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QStringLiteral("ROBOFLOW_API_KEY")), qPrintable(r.err));
        QVERIFY(r.err.contains(QStringLiteral("login")));
        QCOMPARE(m_sandbox->requestCount(QStringLiteral("W1")), w1);
    }

    void keyInArgvWarnsAndIsNotPrinted()
    {
        const Run r = cli({QStringLiteral("-a"), kKey, QStringLiteral("data-staging"), QStringLiteral("list-batches"),
                           QStringLiteral("--debug")},
                          QString());
        QCOMPARE(r.exitCode, 0);  // 99 would mean the key leaked
        QVERIFY2(r.err.contains(QStringLiteral("visible to other local users")), qPrintable(r.err));
        QVERIFY(r.out.contains(QStringLiteral("demo-images")));
    }

    void usageErrorsExitWithTwo_data()
    {
        QTest::addColumn<QStringList>("args");
        const auto l = [](const char *text) { return QString::fromLatin1(text).split(QLatin1Char(' ')); };
        QTest::newRow("no command") << QStringList();
        QTest::newRow("unknown group") << l("nonsense");
        QTest::newRow("unknown command") << l("data-staging nonsense");
        QTest::newRow("unknown flag") << l("data-staging list-batches --bogus");
        QTest::newRow("missing required") << l("batch-processing show-job-details");
        QTest::newRow("missing value") << l("batch-processing show-job-details -j");
        QTest::newRow("bad number") << l("batch-processing list-jobs -p many");
        QTest::newRow("zero pages") << l("batch-processing list-jobs --max-pages 0");
        QTest::newRow("bad severity") << l("batch-processing fetch-logs -j x --log-severity loud");
        QTest::newRow("bad device") << l("batch-processing trt-compile -m p/1 -d nvidia-a100");
        QTest::newRow("bad rate") << l("batch-processing restart-job -j x --max-image-failure-rate 7");
        QTest::newRow("unexpected word") << l("data-staging list-batches extra");
        QTest::newRow("api-url without value") << l("data-staging list-batches --api-url");
    }

    void usageErrorsExitWithTwo()
    {
        QFETCH(QStringList, args);
        const int w1 = m_sandbox->requestCount(QStringLiteral("W1"));
        const bool noUrl = args.endsWith(QStringLiteral("--api-url"));
        const Run r = cli(args, kKey, {}, !noUrl);
        QCOMPARE(r.exitCode, 2);
        QVERIFY(!r.err.isEmpty());
        QCOMPARE(m_sandbox->requestCount(QStringLiteral("W1")), w1);
    }

    void helpOnEveryLevel()
    {
        Run r = cli({QStringLiteral("--help")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains(QStringLiteral("data-staging")));
        QVERIFY(r.out.contains(QStringLiteral("batch-processing")));
        QVERIFY(r.out.contains(QStringLiteral("login")));
        r = cli({QStringLiteral("batch-processing"), QStringLiteral("--help")});
        QCOMPARE(r.exitCode, 0);
        for (const char *c : {"list-jobs", "show-job-details", "process-images-with-workflow",
                              "process-videos-with-workflow", "trt-compile", "abort-job", "restart-job", "fetch-logs"})
            QVERIFY2(r.out.contains(QLatin1String(c)), c);
        r = cli({QStringLiteral("data-staging"), QStringLiteral("list-batch-content"), QStringLiteral("-h")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains(QStringLiteral("-pn, --part-name")));
        QVERIFY(r.out.contains(QStringLiteral("-o, --output-file")));
        QVERIFY(r.out.contains(QStringLiteral("--json")));
    }

    void loginWithoutKeychainChecksTheKeyFirst()
    {
        // A wrong key from stdin fails at W1, before the keychain is touched.
        Run r = cli({QStringLiteral("login")}, QString(), "wrong-key-1111111\n");
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QStringLiteral("unauthori"), Qt::CaseInsensitive), qPrintable(r.err));
        QVERIFY(!r.err.contains(QStringLiteral("wrong-key-1111111")));
        // login refuses a key in argv.
        r = cli({QStringLiteral("login"), QStringLiteral("--api-key"), QStringLiteral("whatever-key-22222")}, QString());
        QCOMPARE(r.exitCode, 2);
    }

    void cliDoesNotLinkGuiLibraries()
    {
        QProcess ldd;
        ldd.start(QStringLiteral("ldd"), {m_cli});
        QVERIFY(ldd.waitForFinished(30000));
        QCOMPARE(ldd.exitCode(), 0);
        const QString libs = QString::fromUtf8(ldd.readAllStandardOutput());
        QVERIFY2(libs.contains(QStringLiteral("libQt6Core")), qPrintable(libs));
        QVERIFY2(!libs.contains(QStringLiteral("libQt6Gui")), qPrintable(libs));
        QVERIFY2(!libs.contains(QStringLiteral("libQt6Widgets")), qPrintable(libs));
    }
};

QTEST_GUILESS_MAIN(TestCliCommands)
#include "tst_clicommands.moc"
