// Job specifications against the wire examples of spec §9.4 / §9.8, validation, the CLI view and
// presets on disk.
#include "core/Redact.h"
#include "jobs/JobSpec.h"
#include "jobs/JobSpecPresets.h"
#include "jobs/JobSpecRestart.h"
#include "jobs/JobSpecTrt.h"
#include "jobs/JobSpecWorkflow.h"

#include <QFile>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace bd::jobs;

namespace {

// The two image examples of spec §9.4.1, verbatim.
const char kMinimalImageJob[] = R"({"type": "simple-image-processing-v1",
 "jobInput": {"type": "staging-batch-input-v1", "batchId": "my-batch"},
 "computeConfiguration": {"type": "compute-configuration-v2"},
 "processingSpecification": {"type": "workflows-processing-specification-v1",
   "workspace": "my-ws", "workflowId": "my-wf", "persistImagesOutputs": false}})";

const char kFullImageJob[] = R"({"type": "simple-image-processing-v1",
 "jobInput": {"type": "staging-batch-input-v1", "batchId": "in-batch", "partName": "images", "imagesMetadataPart": "meta"},
 "computeConfiguration": {"type": "compute-configuration-v2", "machineType": "gpu", "workersPerMachine": 2},
 "processingTimeoutSeconds": 14400, "maxParallelTasks": 8, "maxImageFailureRate": 0.05,
 "processingSpecification": {"type": "workflows-processing-specification-v1", "workspace": "my-ws",
   "workflowId": "my-wf", "workflowParameters": {"threshold": 0.4}, "imageInputName": "image",
   "persistImagesOutputs": true, "imagesOutputsToBePersisted": ["visualization"],
   "aggregationFormat": "jsonl", "imagesMetadataInputsMapping": {"camera": "camera_id"}},
 "notificationsURL": "https://example.com/hook", "inferenceBackend": "inference-models"})";

// The full image example turned into a video job as §9.4.1 describes (no image-only fields,
// maxVideoFPS added).
const char kFullVideoJob[] = R"({"type": "simple-video-processing-v1",
 "jobInput": {"type": "staging-batch-input-v1", "batchId": "in-batch", "partName": "images"},
 "computeConfiguration": {"type": "compute-configuration-v2", "machineType": "gpu", "workersPerMachine": 2},
 "processingTimeoutSeconds": 14400, "maxParallelTasks": 8,
 "processingSpecification": {"type": "workflows-processing-specification-v1", "workspace": "my-ws",
   "workflowId": "my-wf", "workflowParameters": {"threshold": 0.4}, "imageInputName": "image",
   "persistImagesOutputs": true, "imagesOutputsToBePersisted": ["visualization"],
   "aggregationFormat": "jsonl", "maxVideoFPS": 2.5},
 "notificationsURL": "https://example.com/hook", "inferenceBackend": "inference-models"})";

// At namespace scope: moc reads "//" inside a raw string in a class body as a comment.
const char kTrtJob[] = R"({"type": "trt-compilation-v1", "modelId": "my-project/3",
 "compilationDevices": ["nvidia-l4", "nvidia-t4"], "notificationsURL": "http://127.0.0.1:9000/trt"})";

QJsonObject json(const char *text)
{
    QJsonParseError e;
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray(text), &e);
    if (e.error != QJsonParseError::NoError)
        qFatal("test data is not JSON: %s", qPrintable(e.errorString()));
    return doc.object();
}

// Field by field first (a readable failure), then the whole document.
void compareJson(const QJsonObject &actual, const QJsonObject &expected, const QString &path = QString())
{
    for (auto it = expected.constBegin(); it != expected.constEnd(); ++it) {
        const QString at = path + QLatin1Char('/') + it.key();
        QVERIFY2(actual.contains(it.key()), qPrintable(at + " missing"));
        if (it.value().isObject())
            compareJson(actual.value(it.key()).toObject(), it.value().toObject(), at);
        else
            QVERIFY2(actual.value(it.key()) == it.value(), qPrintable(at + " differs"));
    }
    for (auto it = actual.constBegin(); it != actual.constEnd(); ++it)
        QVERIFY2(expected.contains(it.key()), qPrintable(path + "/" + it.key() + " unexpected"));
    QCOMPARE(QJsonDocument(actual), QJsonDocument(expected));
}

WorkflowJobSpec minimalSpec()
{
    WorkflowJobSpec s;
    s.batchId = QStringLiteral("my-batch");
    s.workspace = QStringLiteral("my-ws");
    s.workflowId = QStringLiteral("my-wf");
    return s;
}

WorkflowJobSpec fullSpec()
{
    WorkflowJobSpec s;
    s.batchId = QStringLiteral("in-batch");
    s.partName = QStringLiteral("images");
    s.imagesMetadataPart = QStringLiteral("meta");
    s.machineType = QStringLiteral("gpu");
    s.workersPerMachine = 2;
    s.processingTimeoutSeconds = 14400;
    s.maxParallelTasks = 8;
    s.maxImageFailureRate = 0.05;
    s.workspace = QStringLiteral("my-ws");
    s.workflowId = QStringLiteral("my-wf");
    s.workflowParameters = QJsonObject{{QStringLiteral("threshold"), 0.4}};
    s.imageInputName = QStringLiteral("image");
    s.persistImagesOutputs = true;
    s.imagesOutputsToBePersisted = {QStringLiteral("visualization")};
    s.aggregationFormat = QStringLiteral("jsonl");
    s.imagesMetadataInputsMapping = {{QStringLiteral("camera"), QStringLiteral("camera_id")}};
    s.notificationsURL = QStringLiteral("https://example.com/hook");
    s.inferenceBackend = QStringLiteral("inference-models");
    return s;
}

WorkflowJobSpec videoSpec()
{
    WorkflowJobSpec s = minimalSpec();
    s.input = WorkflowInput::Videos;
    s.batchId = QStringLiteral("clips");
    s.machineType = QStringLiteral("cpu");
    s.maxVideoFPS = 5;
    s.aggregationFormat = QStringLiteral("csv");
    s.jobId = QStringLiteral("vid_01");
    s.jobName = QStringLiteral("Night shift clips");
    return s;
}

TrtJobSpec trtSpec()
{
    TrtJobSpec t;
    t.modelId = QStringLiteral("my-project/3");
    t.compilationDevices = {QStringLiteral("nvidia-l4"), QStringLiteral("nvidia-t4"), QStringLiteral("nvidia-l4")};
    t.notificationsURL = QStringLiteral("http://127.0.0.1:9000/trt");
    t.jobId = QStringLiteral("trt-abc");
    t.jobName = QStringLiteral("compile it");
    return t;
}

}  // namespace

class TestJobSpec : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void minimalImageJobMatchesSpec()
    {
        const WorkflowJobSpec s = minimalSpec();
        QVERIFY(s.validate().isEmpty());
        compareJson(s.toWireJson(), json(kMinimalImageJob));
    }

    void fullImageJobMatchesSpec()
    {
        const WorkflowJobSpec s = fullSpec();
        QVERIFY2(s.validate().isEmpty(), qPrintable(describeProblems(s.validate())));
        compareJson(s.toWireJson(), json(kFullImageJob));
    }

    void videoJob()
    {
        WorkflowJobSpec s = videoSpec();
        QVERIFY2(s.validate().isEmpty(), qPrintable(describeProblems(s.validate())));
        compareJson(s.toWireJson(), json(R"({"type": "simple-video-processing-v1",
            "jobInput": {"type": "staging-batch-input-v1", "batchId": "clips"},
            "computeConfiguration": {"type": "compute-configuration-v2", "machineType": "cpu"},
            "processingSpecification": {"type": "workflows-processing-specification-v1",
              "workspace": "my-ws", "workflowId": "my-wf", "persistImagesOutputs": false,
              "aggregationFormat": "csv", "maxVideoFPS": 5}})"));

        // Image-only fields never reach a video job's wire JSON, and validation names them.
        s.maxImageFailureRate = 0.1;
        s.imagesMetadataPart = QStringLiteral("meta");
        s.imagesMetadataInputsMapping = {{QStringLiteral("a"), QStringLiteral("b")}};
        const QJsonObject wire = s.toWireJson();
        QVERIFY(!wire.contains(QStringLiteral("maxImageFailureRate")));
        QVERIFY(!wire.value(QStringLiteral("jobInput")).toObject().contains(QStringLiteral("imagesMetadataPart")));
        QVERIFY(!wire.value(QStringLiteral("processingSpecification")).toObject().contains(
            QStringLiteral("imagesMetadataInputsMapping")));
        const FieldProblems problems = s.validate();
        QVERIFY(hasProblem(problems, QStringLiteral("maxImageFailureRate")));
        QVERIFY(hasProblem(problems, QStringLiteral("imagesMetadataPart")));
        QVERIFY(hasProblem(problems, QStringLiteral("imagesMetadataInputsMapping")));

        // And the reverse: maxVideoFPS on an image job.
        WorkflowJobSpec image = minimalSpec();
        image.maxVideoFPS = 10;
        QVERIFY(!image.toWireJson().value(QStringLiteral("processingSpecification")).toObject().contains(
            QStringLiteral("maxVideoFPS")));
        QVERIFY(hasProblem(image.validate(), QStringLiteral("maxVideoFPS")));
    }

    // A fully populated video job: the full image example of §9.4.1 with the video type, every
    // image-only field left out (maxImageFailureRate, imagesMetadataPart,
    // imagesMetadataInputsMapping) and maxVideoFPS added, as the spec describes it.
    void fullVideoJobMatchesSpec()
    {
        WorkflowJobSpec s = fullSpec();
        s.input = WorkflowInput::Videos;
        s.maxImageFailureRate.reset();
        s.imagesMetadataPart.clear();
        s.imagesMetadataInputsMapping.clear();
        s.maxVideoFPS = 2.5;
        QVERIFY2(s.validate().isEmpty(), qPrintable(describeProblems(s.validate())));
        compareJson(s.toWireJson(), json(kFullVideoJob));
    }

    void machineSizeMapsToWorkers_data()
    {
        QTest::addColumn<QString>("size");
        QTest::addColumn<int>("workers");
        QTest::newRow("xs") << "xs" << 8;
        QTest::newRow("s") << "s" << 4;
        QTest::newRow("m") << "m" << 2;
        QTest::newRow("l") << "l" << 1;
        QTest::newRow("xl") << "xl" << 1;
    }
    void machineSizeMapsToWorkers()
    {
        QFETCH(QString, size);
        QFETCH(int, workers);
        WorkflowJobSpec s = minimalSpec();
        s.machineSize = size;
        const QJsonObject compute = s.toWireJson().value(QStringLiteral("computeConfiguration")).toObject();
        QCOMPARE(compute.value(QStringLiteral("workersPerMachine")).toInt(-1), workers);
        QVERIFY(!compute.contains(QStringLiteral("machineSize")));
        s.workersPerMachine = 3;  // the explicit option wins over the deprecated one
        QCOMPARE(s.toWireJson()[QStringLiteral("computeConfiguration")][QStringLiteral("workersPerMachine")].toInt(), 3);
    }

    void trtJob()
    {
        const TrtJobSpec t = trtSpec();
        QVERIFY2(t.validate().isEmpty(), qPrintable(describeProblems(t.validate())));
        compareJson(t.toWireJson(), json(kTrtJob));

        TrtJobSpec bad;
        FieldProblems p = bad.validate();
        QVERIFY(hasProblem(p, QStringLiteral("modelId")));
        QVERIFY(hasProblem(p, QStringLiteral("compilationDevices")));
        bad.modelId = QStringLiteral("m/1");
        bad.compilationDevices = {QStringLiteral("nvidia-a100")};
        p = bad.validate();
        QCOMPARE(p.size(), 1);
        QCOMPARE(p.at(0).field, QStringLiteral("compilationDevices"));
        QVERIFY(p.at(0).message.contains(QLatin1String("nvidia-a100")));
        QVERIFY(!bad.toWireJson().contains(QStringLiteral("notificationsURL")));
    }

    void restartOverrides()
    {
        RestartOverrides none;
        QVERIFY(none.isEmpty());
        QVERIFY(!none.toWireJson().has_value());
        QVERIFY(none.toWireBody().isEmpty());

        RestartOverrides zero;
        zero.workersPerMachine = 0;
        QVERIFY(zero.validate().isEmpty());
        compareJson(*zero.toWireJson(), json(R"({"type": "parameters-override-v1",
            "computeConfiguration": {"type": "compute-configuration-v2"}})"));

        RestartOverrides all;
        all.machineType = QStringLiteral("gpu");
        all.workersPerMachine = 4;
        all.maxParallelTasks = 2;
        all.processingTimeoutSeconds = 3600;
        all.maxImageFailureRate = 0.25;
        QVERIFY(all.validate().isEmpty());
        compareJson(*all.toWireJson(), json(R"({"type": "parameters-override-v1",
            "computeConfiguration": {"type": "compute-configuration-v2", "machineType": "gpu", "workersPerMachine": 4},
            "maxParallelTasks": 2, "processingTimeoutSeconds": 3600, "maxImageFailureRate": 0.25})"));
        QCOMPARE(QJsonDocument::fromJson(all.toWireBody()).object(), *all.toWireJson());

        RestartOverrides onlyTasks;
        onlyTasks.maxParallelTasks = 1;
        QVERIFY(!onlyTasks.toWireJson()->contains(QStringLiteral("computeConfiguration")));

        RestartOverrides bad;
        bad.workersPerMachine = -1;
        bad.maxImageFailureRate = 2;
        bad.machineType = QStringLiteral("tpu");
        bad.maxParallelTasks = 0;
        const FieldProblems p = bad.validate();
        QCOMPARE(p.size(), 4);
        for (const char *f : {"workersPerMachine", "maxImageFailureRate", "machineType", "maxParallelTasks"})
            QVERIFY2(hasProblem(p, QString::fromLatin1(f)), f);

        // CLI view and back.
        QString jobId;
        FieldProblems cliProblems;
        const RestartOverrides back = RestartOverrides::fromCliOptions(all.toCliInvocation(QStringLiteral("job-1")).arguments,
                                                                       &jobId, &cliProblems);
        QVERIFY2(cliProblems.isEmpty(), qPrintable(describeProblems(cliProblems)));
        QCOMPARE(jobId, QStringLiteral("job-1"));
        QVERIFY(back == all);
    }

    void validationErrors_data()
    {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("expectedField");
        QTest::newRow("batch id missing") << "batchId" << "" << "batchId";
        QTest::newRow("batch id upper case") << "batchId" << "My-Batch" << "batchId";
        QTest::newRow("batch id too long") << "batchId" << QString(65, QLatin1Char('a')) << "batchId";
        QTest::newRow("workspace missing") << "workspace" << "" << "workspace";
        QTest::newRow("workflow missing") << "workflowId" << " " << "workflowId";
        QTest::newRow("job id too long") << "jobId" << QString(21, QLatin1Char('a')) << "jobId";
        QTest::newRow("job id bad char") << "jobId" << "job.1" << "jobId";
        QTest::newRow("job id upper") << "jobId" << "Job-1" << "jobId";
        QTest::newRow("machine type") << "machineType" << "tpu" << "machineType";
        QTest::newRow("machine size") << "machineSize" << "xxl" << "machineSize";
        QTest::newRow("workers 0") << "workersPerMachine" << "0" << "workersPerMachine";
        QTest::newRow("timeout negative") << "processingTimeoutSeconds" << "-5" << "processingTimeoutSeconds";
        QTest::newRow("tasks 0") << "maxParallelTasks" << "0" << "maxParallelTasks";
        QTest::newRow("rate above 1") << "maxImageFailureRate" << "1.5" << "maxImageFailureRate";
        QTest::newRow("rate negative") << "maxImageFailureRate" << "-0.1" << "maxImageFailureRate";
        QTest::newRow("aggregation") << "aggregationFormat" << "parquet" << "aggregationFormat";
        QTest::newRow("backend") << "inferenceBackend" << "new-inference" << "inferenceBackend";
        QTest::newRow("url scheme") << "notificationsURL" << "ftp://example.com/x" << "notificationsURL";
        QTest::newRow("url no host") << "notificationsURL" << "https://" << "notificationsURL";
        QTest::newRow("url relative") << "notificationsURL" << "/hook" << "notificationsURL";
        QTest::newRow("empty output name") << "imagesOutputsToBePersisted" << "" << "imagesOutputsToBePersisted";
    }
    void validationErrors()
    {
        QFETCH(QString, field);
        QFETCH(QString, value);
        QFETCH(QString, expectedField);
        WorkflowJobSpec s = fullSpec();
        s.jobId = QStringLiteral("job-ok_1");
        QVERIFY(s.validate().isEmpty());
        if (field == QLatin1String("batchId")) s.batchId = value;
        else if (field == QLatin1String("workspace")) s.workspace = value;
        else if (field == QLatin1String("workflowId")) s.workflowId = value;
        else if (field == QLatin1String("jobId")) s.jobId = value;
        else if (field == QLatin1String("machineType")) s.machineType = value;
        else if (field == QLatin1String("machineSize")) s.machineSize = value;
        else if (field == QLatin1String("workersPerMachine")) s.workersPerMachine = value.toInt();
        else if (field == QLatin1String("processingTimeoutSeconds")) s.processingTimeoutSeconds = value.toInt();
        else if (field == QLatin1String("maxParallelTasks")) s.maxParallelTasks = value.toInt();
        else if (field == QLatin1String("maxImageFailureRate")) s.maxImageFailureRate = value.toDouble();
        else if (field == QLatin1String("aggregationFormat")) s.aggregationFormat = value;
        else if (field == QLatin1String("inferenceBackend")) s.inferenceBackend = value;
        else if (field == QLatin1String("notificationsURL")) s.notificationsURL = value;
        else if (field == QLatin1String("imagesOutputsToBePersisted")) s.imagesOutputsToBePersisted << value;
        else QFAIL("unknown field in test data");
        const FieldProblems p = s.validate();
        QCOMPARE(p.size(), 1);
        QCOMPARE(p.at(0).field, expectedField);
        QVERIFY(!p.at(0).message.isEmpty());
    }

    void rateBoundsAreInclusive()
    {
        WorkflowJobSpec s = minimalSpec();
        s.maxImageFailureRate = 0.0;
        QVERIFY(s.validate().isEmpty());
        s.maxImageFailureRate = 1.0;
        QVERIFY(s.validate().isEmpty());
        s.maxImageFailureRate = qQNaN();
        QVERIFY(hasProblem(s.validate(), QStringLiteral("maxImageFailureRate")));
    }

    void jobIds()
    {
        const QRegularExpression jobRe(QStringLiteral("^job-[a-z0-9]{12}$"));
        const QRegularExpression trtRe(QStringLiteral("^trt-[a-z0-9]{12}$"));
        const QString a = generateJobId(), b = generateJobId(), t = generateJobId(true);
        QVERIFY2(jobRe.match(a).hasMatch(), qPrintable(a));
        QVERIFY2(trtRe.match(t).hasMatch(), qPrintable(t));
        QCOMPARE(a.size(), 16);
        QVERIFY(a != b);
        QVERIFY(isValidJobId(a) && isValidJobId(t));
        QVERIFY(isValidJobId(QString(20, QLatin1Char('z'))));
        QVERIFY(!isValidJobId(QString()));
    }

    void metadataMapping()
    {
        FieldProblems p;
        const QMap<QString, QString> m = parseMetadataMapping(
            {QStringLiteral("camera=camera_id"), QStringLiteral("expr=a=b"), QStringLiteral("camera=cam2")}, &p);
        QVERIFY(p.isEmpty());
        QCOMPARE(m.size(), 2);
        QCOMPARE(m.value(QStringLiteral("camera")), QStringLiteral("cam2"));  // the last duplicate wins
        QCOMPARE(m.value(QStringLiteral("expr")), QStringLiteral("a=b"));    // split at the first '='

        for (const QString &bad : {QStringLiteral("=key"), QStringLiteral("input="), QStringLiteral("noequals"),
                                   QStringLiteral("=")}) {
            FieldProblems problems;
            QVERIFY2(parseMetadataMapping({bad}, &problems).isEmpty(), qPrintable(bad));
            QCOMPARE(problems.size(), 1);
            QCOMPARE(problems.at(0).field, QStringLiteral("imagesMetadataInputsMapping"));
            QVERIFY(problems.at(0).message.contains(bad));
        }
    }

    void workflowParameters()
    {
        QString error;
        const auto ok = parseWorkflowParameters(R"({"threshold": 0.4, "classes": ["a"]})", &error);
        QVERIFY(ok.has_value());
        QCOMPARE(ok->value(QStringLiteral("threshold")).toDouble(), 0.4);

        QVERIFY(!parseWorkflowParameters("{\n  \"a\": 1,\n  \"b\" 2\n}", &error).has_value());
        QVERIFY2(error.contains(QLatin1String("line 3")), qPrintable(error));
        QVERIFY2(error.contains(QLatin1String("offset")), qPrintable(error));

        QVERIFY(!parseWorkflowParameters("[1, 2]", &error).has_value());
        QVERIFY2(error.contains(QLatin1String("object")), qPrintable(error));
    }

    void cliRoundTrip_data()
    {
        QTest::addColumn<WorkflowJobSpec>("spec");
        WorkflowJobSpec full = fullSpec();
        full.jobId = QStringLiteral("job-x1");
        full.jobName = QStringLiteral("it's a \"test\" run");
        full.imagesOutputsToBePersisted << QStringLiteral("crops");
        full.imagesMetadataInputsMapping.insert(QStringLiteral("site"), QStringLiteral("location=x"));
        QTest::newRow("minimal") << minimalSpec();
        QTest::newRow("full image") << full;
        QTest::newRow("video") << videoSpec();
    }
    void cliRoundTrip()
    {
        QFETCH(WorkflowJobSpec, spec);
        QTemporaryDir dir;
        const QString paramsPath = dir.filePath(QStringLiteral("params.json"));
        const CliInvocation cli = spec.toCliInvocation(paramsPath);
        QCOMPARE(cli.arguments.mid(0, 2), (QStringList{QStringLiteral("batch-processing"), spec.cliCommand()}));
        QCOMPARE(cli.paramsFilePath.isEmpty(), !spec.workflowParameters.has_value());
        if (!cli.paramsFilePath.isEmpty()) {
            QFile f(cli.paramsFilePath);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(cli.paramsFileContent);
        }
        FieldProblems problems;
        const WorkflowJobSpec back = WorkflowJobSpec::fromCliArguments(cli.arguments, spec.workspace, &problems);
        QVERIFY2(problems.isEmpty(), qPrintable(describeProblems(problems)));
        QCOMPARE(back.toWireJson(), spec.toWireJson());
        QVERIFY(back == spec);
        QVERIFY(cli.commandLine().startsWith(QLatin1String("batchdeck-cli batch-processing ")));
    }

    void cliExactArguments()
    {
        WorkflowJobSpec s = minimalSpec();
        s.machineSize = QStringLiteral("s");  // deprecated: written as the workers it means
        s.maxImageFailureRate = 0.05;
        s.imagesMetadataInputsMapping.insert(QStringLiteral("camera"), QStringLiteral("camera_id"));
        s.workflowParameters = QJsonObject{{QStringLiteral("threshold"), 0.4}};
        s.jobName = QStringLiteral("Night run");
        const CliInvocation cli = s.toCliInvocation();
        QCOMPARE(cli.arguments,
                 (QStringList{"batch-processing", "process-images-with-workflow", "--batch-id", "my-batch",
                              "--workflow-id", "my-wf", "--workers-per-machine", "4", "--max-image-failure-rate", "0.05",
                              "--workflow-params", "workflow-params.json", "--metadata-mapping", "camera=camera_id",
                              "--job-name", "Night run"}));
        QCOMPARE(cli.commandLine(),
                 QStringLiteral("batchdeck-cli batch-processing process-images-with-workflow --batch-id my-batch "
                                "--workflow-id my-wf --workers-per-machine 4 --max-image-failure-rate 0.05 "
                                "--workflow-params workflow-params.json --metadata-mapping camera=camera_id "
                                "--job-name 'Night run'"));
        QCOMPARE(QJsonDocument::fromJson(cli.paramsFileContent).object(), *s.workflowParameters);
        QCOMPARE(shellQuote(QStringLiteral("it's")), QStringLiteral("'it'\\''s'"));
        QCOMPARE(shellQuote(QString()), QStringLiteral("''"));
    }

    void cliShortAliasesAndErrors()
    {
        FieldProblems p;
        const WorkflowJobSpec s = WorkflowJobSpec::fromCliOptions(
            WorkflowInput::Images,
            {"-b", "b1", "-w", "wf", "-mm", "k=v", "-j", "job-2", "-jn", "Name", "--machine-size=m",
             "--save-image-outputs", "--image-outputs-to-save", "a", "--image-outputs-to-save", "b"},
            QStringLiteral("ws"), &p);
        QVERIFY2(p.isEmpty(), qPrintable(describeProblems(p)));
        QCOMPARE(s.batchId, QStringLiteral("b1"));
        QCOMPARE(s.workflowId, QStringLiteral("wf"));
        QCOMPARE(s.imagesMetadataInputsMapping.value(QStringLiteral("k")), QStringLiteral("v"));
        QCOMPARE(s.jobId, QStringLiteral("job-2"));
        QCOMPARE(s.jobName, QStringLiteral("Name"));
        QCOMPARE(s.effectiveWorkersPerMachine(), std::optional<int>(2));
        QVERIFY(s.persistImagesOutputs);
        QCOMPARE(s.imagesOutputsToBePersisted, (QStringList{"a", "b"}));

        FieldProblems noSave;
        QVERIFY(!WorkflowJobSpec::fromCliOptions(WorkflowInput::Images, {"--save-image-outputs", "--no-save-image-outputs"},
                                                 QStringLiteral("ws"), &noSave).persistImagesOutputs);
        QVERIFY(noSave.isEmpty());

        FieldProblems bad;
        WorkflowJobSpec::fromCliOptions(WorkflowInput::Images,
                                        {"--bogus", "--workers-per-machine", "two", "stray", "-mm", "=x",
                                         "--workflow-params", "/nonexistent/params.json", "--job-id"},
                                        QStringLiteral("ws"), &bad);
        QVERIFY(hasProblem(bad, QStringLiteral("arguments")));           // --bogus, stray
        QVERIFY(hasProblem(bad, QStringLiteral("workersPerMachine")));   // "two"
        QVERIFY(hasProblem(bad, QStringLiteral("imagesMetadataInputsMapping")));
        QVERIFY(hasProblem(bad, QStringLiteral("workflowParameters")));  // unreadable file
        QVERIFY(hasProblem(bad, QStringLiteral("jobId")));               // no value
        QCOMPARE(bad.size(), 6);
    }

    void trtCliRoundTrip()
    {
        const TrtJobSpec t = trtSpec();
        const QStringList args = t.toCliArguments();
        QCOMPARE(args, (QStringList{"batch-processing", "trt-compile", "--model-id", "my-project/3", "--device",
                                    "nvidia-l4", "--device", "nvidia-t4", "--notifications-url",
                                    "http://127.0.0.1:9000/trt", "--job-id", "trt-abc", "--job-name", "compile it"}));
        FieldProblems p;
        const TrtJobSpec back = TrtJobSpec::fromCliOptions(args, &p);
        QVERIFY(p.isEmpty());
        QCOMPARE(back.toWireJson(), t.toWireJson());
        const TrtJobSpec aliases = TrtJobSpec::fromCliOptions({"-m", "p/1", "-d", "nvidia-l40s", "-j", "trt-1"}, &p);
        QVERIFY(p.isEmpty());
        QCOMPARE(aliases.modelId, QStringLiteral("p/1"));
        QCOMPARE(aliases.compilationDevices, QStringList{"nvidia-l40s"});
        QVERIFY(aliases.validate().isEmpty());
    }

    void presetsRoundTrip()
    {
        QTemporaryDir data;
        qputenv("BATCHDECK_DATA_DIR", QFile::encodeName(data.path()));
        JobSpecPresets presets;
        QCOMPARE(presets.directory(), data.path() + QStringLiteral("/presets"));
        QVERIFY(presets.names().isEmpty());

        JobPreset image{QStringLiteral("GPU run"), false, fullSpec(), {}};
        image.workflow.jobId = QStringLiteral("job-once");  // not kept: each run needs its own id
        image.workflow.jobName = QStringLiteral("nightly");
        JobPreset trt{QStringLiteral("compile"), true, {}, trtSpec()};
        QVERIFY(!presets.save(image));
        QVERIFY(!presets.save(trt));
        QVERIFY(!presets.save(JobPreset{QStringLiteral("clips"), false, videoSpec(), {}}));
        QCOMPARE(presets.names(), (QStringList{"GPU run", "clips", "compile"}));
        QVERIFY(QFile::exists(data.path() + QStringLiteral("/presets/GPU run.json")));

        // A fresh object reads the files back.
        JobSpecPresets again;
        bd::Error error;
        const auto loaded = again.load(QStringLiteral("GPU run"), &error);
        QVERIFY2(loaded.has_value(), qPrintable(error.message));
        QVERIFY(!loaded->isTrt);
        WorkflowJobSpec expected = image.workflow;
        expected.jobId.clear();
        QVERIFY(loaded->workflow == expected);
        QCOMPARE(loaded->workflow.toWireJson(), expected.toWireJson());
        const auto loadedTrt = again.load(QStringLiteral("compile"));
        QVERIFY(loadedTrt && loadedTrt->isTrt);
        TrtJobSpec expectedTrt = trtSpec();
        expectedTrt.jobId.clear();
        QVERIFY(loadedTrt->trt == expectedTrt);
        const auto loadedVideo = again.load(QStringLiteral("clips"));
        QVERIFY(loadedVideo && loadedVideo->workflow.isVideo());
        QCOMPARE(loadedVideo->workflow.maxVideoFPS, std::optional<double>(5));

        // Overwrite, remove, missing, bad names, damaged file.
        image.workflow.maxParallelTasks = 3;
        QVERIFY(!presets.save(image));
        QCOMPARE(again.load(QStringLiteral("GPU run"))->workflow.maxParallelTasks, std::optional<int>(3));
        QVERIFY(!presets.remove(QStringLiteral("clips")));
        QCOMPARE(presets.load(QStringLiteral("clips"), &error), std::nullopt);
        QCOMPARE(error.kind, bd::ErrorKind::NotFound);
        QCOMPARE(presets.remove(QStringLiteral("clips")).kind, bd::ErrorKind::NotFound);
        QCOMPARE(presets.save(JobPreset{QStringLiteral("../escape"), false, minimalSpec(), {}}).kind,
                 bd::ErrorKind::InvalidInput);
        QCOMPARE(presets.save(JobPreset{QStringLiteral(".hidden"), false, minimalSpec(), {}}).kind,
                 bd::ErrorKind::InvalidInput);
        QFile damaged(data.path() + QStringLiteral("/presets/broken.json"));
        QVERIFY(damaged.open(QIODevice::WriteOnly));
        damaged.write("{not json");
        damaged.close();
        QVERIFY(!presets.load(QStringLiteral("broken"), &error));
        QCOMPARE(error.kind, bd::ErrorKind::Io);
    }

    void presetsNeverHoldSecrets()
    {
        QTemporaryDir data;
        JobSpecPresets presets(data.path());
        const QString key = QStringLiteral("rf_presetSecret_12345");
        bd::registerSecret(key);
        WorkflowJobSpec s = minimalSpec();
        s.notificationsURL = QStringLiteral("https://example.com/hook?token=") + key;
        QCOMPARE(presets.save(JobPreset{QStringLiteral("leaky"), false, s, {}}).kind, bd::ErrorKind::Unsafe);
        s.notificationsURL = QStringLiteral("https://example.com/hook?api_key=abcdef123");
        QCOMPARE(presets.save(JobPreset{QStringLiteral("leaky"), false, s, {}}).kind, bd::ErrorKind::Unsafe);
        QVERIFY(!QFile::exists(data.filePath(QStringLiteral("leaky.json"))));
        QVERIFY(presets.names().isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestJobSpec)
#include "tst_jobspec.moc"
