// The job field table (app/jobs/JobFields.h) drives every spec: each field of each kind that has
// it round-trips wire <-> CLI <-> restart <-> preset, and an out-of-range value gets the
// table's message from validate() and from the CLI reader.
#include "jobs/JobFields.h"
#include "jobs/JobSpecAssetLibrary.h"
#include "jobs/JobSpecRestart.h"
#include "jobs/JobSpecTrt.h"
#include "jobs/JobSpecWorkflow.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>

using namespace bd::jobs;

namespace {

// A valid, non-default value of the field's type.
QJsonValue sampleValue(const JobField &f)
{
    switch (f.type) {
    case FieldType::Text:
        return f.key == QLatin1String("jobId") ? QStringLiteral("job-sample_1") : QStringLiteral("sample-1");
    case FieldType::Url: return QStringLiteral("https://example.com/hook?x=1");
    case FieldType::Choice: return f.choices.constLast();
    case FieldType::ChoiceList: return QJsonArray{f.choices.at(0), f.choices.at(1)};
    case FieldType::Count: return 3;
    case FieldType::Fraction: return 0.25;
    case FieldType::PositiveNumber: return 2.5;
    case FieldType::Switch: return true;
    case FieldType::TextList: return QJsonArray{QStringLiteral("visualization"), QStringLiteral("mask")};
    case FieldType::Mapping: return QJsonObject{{QStringLiteral("camera"), QStringLiteral("camera_id")}};
    case FieldType::JsonObject: return QJsonObject{{QStringLiteral("threshold"), 0.4}};
    }
    return {};
}

// Values no field accepts, one per row, with the table's own message for it.
QJsonValue outOfRange(const JobField &f, JobKind kind)
{
    switch (f.type) {
    case FieldType::Count: return int(kind == JobKind::Restart ? f.restartMinimum : f.minimum) - 1;
    case FieldType::Fraction: return f.maximum + 0.5;
    case FieldType::PositiveNumber: return 0;
    case FieldType::Choice: return QStringLiteral("not-a-choice");
    case FieldType::ChoiceList: return QJsonArray{QStringLiteral("not-a-device")};
    case FieldType::Url: return QStringLiteral("ftp://example.com/x");
    case FieldType::Text: return f.pattern.isEmpty() ? QJsonValue(QJsonValue::Undefined) : QStringLiteral("Upper.Case");
    default: return QJsonValue(QJsonValue::Undefined);
    }
}

// Where the wire body of `kind` carries `field` (null object: not in the body).
QJsonValue wireValue(const QJsonObject &body, const JobField &f, JobKind kind)
{
    if (f.group == WireGroup::NotInBody)
        return QJsonValue(QJsonValue::Undefined);
    if (f.group == WireGroup::Compute)
        return body.value(QStringLiteral("computeConfiguration")).toObject().value(f.key);
    if (kind == JobKind::Images || kind == JobKind::Videos) {
        if (f.group == WireGroup::JobInput)
            return body.value(QStringLiteral("jobInput")).toObject().value(f.key);
        if (f.group == WireGroup::Processing)
            return body.value(QStringLiteral("processingSpecification")).toObject().value(f.key);
    }
    return body.value(f.key);
}

QString kindName(JobKind kind)
{
    switch (kind) {
    case JobKind::Images: return QStringLiteral("images");
    case JobKind::Videos: return QStringLiteral("videos");
    case JobKind::AssetLibrary: return QStringLiteral("asset-library");
    case JobKind::Restart: return QStringLiteral("restart");
    case JobKind::Trt: return QStringLiteral("trt");
    }
    return {};
}

const QList<JobKind> kAllKinds{JobKind::Images, JobKind::Videos, JobKind::AssetLibrary, JobKind::Restart, JobKind::Trt};

// The minimal valid values of a kind, plus `extra`.
QJsonObject baseValues(JobKind kind)
{
    switch (kind) {
    case JobKind::Images:
    case JobKind::Videos:
        return {{QStringLiteral("batchId"), QStringLiteral("in-batch")},
                {QStringLiteral("workspace"), QStringLiteral("ws")},
                {QStringLiteral("workflowId"), QStringLiteral("wf")}};
    case JobKind::AssetLibrary: return {{QStringLiteral("workflowId"), QStringLiteral("wf")}};
    case JobKind::Trt:
        return {{QStringLiteral("modelId"), QStringLiteral("p/1")},
                {QStringLiteral("compilationDevices"), QJsonArray{QStringLiteral("nvidia-l4")}}};
    case JobKind::Restart: return {};
    }
    return {};
}

// What one kind's spec does with a values object: its validation, wire body, values after a
// CLI round trip and after a preset round trip.
struct Trip {
    FieldProblems problems;
    QJsonObject wire;
    QJsonObject afterCli;
    FieldProblems cliProblems;
    QJsonObject afterPreset;  // empty for restart (no presets)
};

Trip trip(JobKind kind, const QJsonObject &values, const QString &dir)
{
    Trip t;
    const QString paramsPath = dir + QStringLiteral("/params.json");
    const auto writeParams = [&](const CliInvocation &cli) {
        if (cli.paramsFilePath.isEmpty())
            return;
        QFile f(cli.paramsFilePath);
        if (f.open(QIODevice::WriteOnly))
            f.write(cli.paramsFileContent);
    };
    switch (kind) {
    case JobKind::Images:
    case JobKind::Videos: {
        WorkflowJobSpec s;
        s.input = kind == JobKind::Videos ? WorkflowInput::Videos : WorkflowInput::Images;
        s.setFieldValues(values);
        t.problems = s.validate();
        t.wire = s.toWireJson();
        const CliInvocation cli = s.toCliInvocation(paramsPath);
        writeParams(cli);
        t.afterCli = WorkflowJobSpec::fromCliArguments(cli.arguments, s.workspace, &t.cliProblems).fieldValues();
        t.afterPreset = WorkflowJobSpec::fromPresetJson(
                            QJsonDocument::fromJson(QJsonDocument(s.toPresetJson()).toJson()).object())
                            .fieldValues();
        break;
    }
    case JobKind::AssetLibrary: {
        AssetLibraryJobSpec s;
        s.selection = AssetSelection::Query;
        s.query = QStringLiteral("tag:cars");
        s.setFieldValues(values);
        t.problems = s.validate();
        t.wire = s.toWireJson(QStringLiteral("key-12345678"));
        const QStringList args = s.toCliArguments(QStringLiteral("unused-ids.txt"), paramsPath);
        if (s.workflowParameters) {
            QFile f(paramsPath);
            if (f.open(QIODevice::WriteOnly))
                f.write(QJsonDocument(*s.workflowParameters).toJson());
        }
        t.afterCli = AssetLibraryJobSpec::fromCliOptions(args.mid(2), &t.cliProblems).fieldValues();
        t.afterPreset = t.afterCli;  // Asset Library jobs have no presets: the CLI trip stands in
        break;
    }
    case JobKind::Restart: {
        RestartOverrides o;
        o.setFieldValues(values);
        t.problems = o.validate();
        t.wire = o.toWireJson().value_or(QJsonObject());
        QString jobId;
        t.afterCli = RestartOverrides::fromCliOptions(o.toCliInvocation(QStringLiteral("job-1")).arguments, &jobId,
                                                      &t.cliProblems)
                         .fieldValues();
        t.afterPreset = o.fieldValues();
        break;
    }
    case JobKind::Trt: {
        TrtJobSpec s;
        s.setFieldValues(values);
        t.problems = s.validate();
        t.wire = s.toWireJson();
        t.afterCli = TrtJobSpec::fromCliOptions(s.toCliArguments(), &t.cliProblems).fieldValues();
        t.afterPreset = TrtJobSpec::fromPresetJson(s.toPresetJson()).fieldValues();
        break;
    }
    }
    return t;
}

}  // namespace

class TestJobFields : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void tableIsWellFormed()
    {
        QSet<QString> keys, flags;
        for (const JobField &f : jobFields()) {
            QVERIFY2(!keys.contains(f.key), qPrintable(f.key));
            keys.insert(f.key);
            QVERIFY2(f.kinds, qPrintable(f.key));
            QVERIFY2(!f.label.isEmpty() && !f.tooltip.isEmpty(), qPrintable(f.key));
            for (const QString &flag : f.flags + QStringList{f.negativeFlag}) {
                if (flag.isEmpty())
                    continue;
                QVERIFY2(flag.startsWith(QLatin1Char('-')), qPrintable(flag));
                QVERIFY2(!flags.contains(flag), qPrintable(flag));
                flags.insert(flag);
            }
            if (f.type == FieldType::Choice || f.type == FieldType::ChoiceList)
                QVERIFY2(f.choices.size() >= 2, qPrintable(f.key));
            if (f.type == FieldType::Fraction)
                QVERIFY2(f.maximum > f.minimum, qPrintable(f.key));
            QCOMPARE(f.negativeFlag.isEmpty(), f.negativeTooltip.isEmpty());
        }
        // The rf-cloud names that scripts use.
        QCOMPARE(jobField(QStringLiteral("maxParallelTasks"))->flags, QStringList{"--max-parallel-tasks"});
        QCOMPARE(jobField(QStringLiteral("processingTimeoutSeconds"))->flags, QStringList{"--max-runtime-seconds"});
        QCOMPARE(jobField(QStringLiteral("imagesMetadataInputsMapping"))->flags, (QStringList{"--metadata-mapping", "-mm"}));
    }

    // Every field, in every kind that has it, alone on top of the kind's required fields.
    void everyFieldRoundTrips_data()
    {
        QTest::addColumn<QString>("key");
        QTest::addColumn<int>("kind");
        for (const JobField &f : jobFields())
            for (JobKind kind : kAllKinds)
                if (f.kinds.testFlag(kind) && f.key != QLatin1String("workspace"))
                    QTest::addRow("%s/%s", qPrintable(f.key), qPrintable(kindName(kind))) << f.key << int(kind);
    }
    void everyFieldRoundTrips()
    {
        QFETCH(QString, key);
        QFETCH(int, kind);
        const JobKind k = JobKind(kind);
        const JobField &f = *jobField(key);
        QTemporaryDir dir;
        QJsonObject values = baseValues(k);
        const QJsonValue value = sampleValue(f);
        values.insert(key, value);
        const Trip t = trip(k, values, dir.path());
        QVERIFY2(t.problems.isEmpty(), qPrintable(describeProblems(t.problems)));
        QVERIFY2(t.cliProblems.isEmpty(), qPrintable(describeProblems(t.cliProblems)));

        if (f.deprecated) {
            // Written as what it stands for: machine size "xl" is 1 worker per machine.
            QCOMPARE(key, QStringLiteral("machineSize"));
            QCOMPARE(t.afterCli.value(QStringLiteral("workersPerMachine")).toInt(), *workersForMachineSize(value.toString()));
            QCOMPARE(wireValue(t.wire, *jobField(QStringLiteral("workersPerMachine")), k).toInt(),
                     *workersForMachineSize(value.toString()));
            QVERIFY(!t.afterCli.contains(key));
        } else {
            QCOMPARE(t.afterCli.value(key), value);
            if (f.group != WireGroup::NotInBody || (k == JobKind::AssetLibrary && key == QLatin1String("jobName")))
                QCOMPARE(key == QLatin1String("jobName") ? t.wire.value(key) : wireValue(t.wire, f, k), value);
            else
                QVERIFY2(!QJsonDocument(t.wire).toJson().contains(key.toUtf8()), "a path/query field in the body");
        }
        QCOMPARE(t.afterPreset.value(key), value);
    }

    // A field set on a kind that does not have it is reported, never silently sent.
    void foreignFieldsAreProblems()
    {
        QTemporaryDir dir;
        for (const JobField &f : jobFields()) {
            for (JobKind k : {JobKind::Images, JobKind::Videos}) {
                if (f.kinds.testFlag(k) || !(f.kinds & (JobKind::Images | JobKind::Videos)))
                    continue;
                QJsonObject values = baseValues(k);
                values.insert(f.key, sampleValue(f));
                const Trip t = trip(k, values, dir.path());
                QVERIFY2(hasProblem(t.problems, f.key), qPrintable(f.key));
                QVERIFY2(!QJsonDocument(t.wire).toJson().contains(f.key.toUtf8()), qPrintable(f.key));
            }
        }
    }

    void outOfRangeGetsTheTablesMessage_data()
    {
        QTest::addColumn<QString>("key");
        QTest::addColumn<int>("kind");
        for (const JobField &f : jobFields())
            for (JobKind kind : kAllKinds)
                if (f.kinds.testFlag(kind) && !outOfRange(f, kind).isUndefined())
                    QTest::addRow("%s/%s", qPrintable(f.key), qPrintable(kindName(kind))) << f.key << int(kind);
    }
    void outOfRangeGetsTheTablesMessage()
    {
        QFETCH(QString, key);
        QFETCH(int, kind);
        const JobKind k = JobKind(kind);
        const JobField &f = *jobField(key);
        QTemporaryDir dir;
        QJsonObject values = baseValues(k);
        const QJsonValue bad = outOfRange(f, k);
        values.insert(key, bad);
        const QString expected = fieldValueProblem(f, bad, k);
        QVERIFY(!expected.isEmpty());
        const Trip t = trip(k, values, dir.path());
        QCOMPARE(t.problems.size(), 1);
        QCOMPARE(t.problems.at(0).field, key);
        QCOMPARE(t.problems.at(0).message, expected);
    }

    void messagesSayTheRange()
    {
        const JobField &tasks = *jobField(QStringLiteral("maxParallelTasks"));
        QCOMPARE(fieldValueProblem(tasks, 0, JobKind::Images), QStringLiteral("must be a positive whole number (got 0)"));
        const JobField &workers = *jobField(QStringLiteral("workersPerMachine"));
        QVERIFY(fieldValueProblem(workers, 0, JobKind::Restart).isEmpty());  // dropped by the restart body
        QCOMPARE(fieldValueProblem(workers, -1, JobKind::Restart),
                 QStringLiteral("must be a whole number of at least 0 (got -1)"));
        const JobField &rate = *jobField(QStringLiteral("maxImageFailureRate"));
        QCOMPARE(fieldValueProblem(rate, 1.5, JobKind::Images),
                 QStringLiteral("must be a fraction between 0 and 1 (got 1.5)"));
        QVERIFY(fieldValueProblem(rate, 1.0, JobKind::Images).isEmpty());
        QVERIFY(!fieldValueProblem(rate, qQNaN(), JobKind::Images).isEmpty());
    }

    // The form's text and the CLI's text parse the same way.
    void textParsing()
    {
        QString problem;
        const JobField &tasks = *jobField(QStringLiteral("maxParallelTasks"));
        QCOMPARE(parseFieldText(tasks, QStringLiteral(" 4 "), &problem), QJsonValue(4));
        QVERIFY(parseFieldText(tasks, QStringLiteral("four"), &problem).isUndefined());
        QCOMPARE(problem, QStringLiteral("must be a whole number (got \"four\")"));
        QVERIFY(parseFieldText(tasks, QString(), nullptr).isUndefined());
        for (const JobField &f : jobFields()) {
            const QJsonValue v = sampleValue(f);
            if (f.type == FieldType::Switch)
                continue;
            QString p;
            QCOMPARE(parseFieldText(f, fieldText(f, v), &p), v);
            QVERIFY2(p.isEmpty(), qPrintable(f.key + QStringLiteral(": ") + p));
        }
    }

    // A wrong number on the command line names the option and the field.
    void cliReportsUnparsableNumbers()
    {
        FieldProblems problems;
        RestartOverrides::fromCliOptions({"-j", "job-1", "--max-parallel-tasks", "many"}, nullptr, &problems);
        QCOMPARE(problems.size(), 1);
        QCOMPARE(problems.at(0).field, QStringLiteral("maxParallelTasks"));
        QVERIFY(problems.at(0).message.contains(QLatin1String("--max-parallel-tasks")));
    }
};

QTEST_GUILESS_MAIN(TestJobFields)
#include "tst_jobfields.moc"
