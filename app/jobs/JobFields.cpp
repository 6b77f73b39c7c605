#include "jobs/JobFields.h"

#include "jobs/JobSpecWorkflow.h"

#include <QFile>
#include <QJsonDocument>
#include <QLocale>
#include <QRegularExpression>

namespace bd::jobs {
namespace {

QString s(const char *text) { return QString::fromUtf8(text); }
QString shortest(double v) { return QString::number(v, 'g', QLocale::FloatingPointShortest); }

constexpr JobKinds kWorkflow = JobKind::Images | JobKind::Videos;
constexpr JobKinds kWorkflowAndLibrary = kWorkflow | JobKind::AssetLibrary;
constexpr JobKinds kCompute = kWorkflowAndLibrary | JobKind::Restart;

QList<JobField> buildTable()
{
    using T = FieldType;
    using G = WireGroup;
    using F = FormSection;
    const QString idChars = s("a-z, 0-9, '-' and '_'");
    return {
        {.key = s("batchId"), .flags = {s("--batch-id"), s("-b")}, .metavar = s("batch-id"), .label = s("Input batch"),
         .tooltip = s("Staging batch to process."), .group = G::JobInput, .section = F::Input, .kinds = kWorkflow,
         .required = true, .pattern = s("[a-z0-9_-]{1,64}"), .patternDescription = s("1 to 64 of ") + idChars},
        {.key = s("modelId"), .flags = {s("--model-id"), s("-m")}, .metavar = s("model-id"), .label = s("Model ID"),
         .tooltip = s("Model to compile, e.g. project/3."), .placeholder = s("project/version"), .section = F::Trt,
         .kinds = JobKind::Trt, .required = true},
        {.key = s("compilationDevices"), .flags = {s("--device"), s("-d")}, .metavar = s("device"), .label = s("Devices"),
         .tooltip = s("Target device (repeatable)."), .type = T::ChoiceList, .section = F::Trt, .kinds = JobKind::Trt,
         .required = true, .choices = compilationDevices()},
        {.key = s("workspace"), .label = s("Workspace"), .tooltip = s("The workspace of the API key (W1)."),
         .group = G::Processing, .kinds = kWorkflow, .required = true},
        {.key = s("workflowId"), .flags = {s("--workflow-id"), s("-w")}, .metavar = s("workflow-id"),
         .label = s("Workflow ID"), .tooltip = s("Workflow to run."), .group = G::Processing, .section = F::Workflow,
         .kinds = kWorkflowAndLibrary, .required = true},
        {.key = s("partName"), .flags = {s("--part-name")}, .metavar = s("part"), .label = s("Part name"),
         .tooltip = s("Part of a multipart input batch."), .placeholder = s("for multipart batches"),
         .group = G::JobInput, .section = F::Input, .kinds = kWorkflow},
        {.key = s("imagesMetadataPart"), .flags = {s("--images-metadata-part-name")}, .metavar = s("part"),
         .label = s("Images metadata part"), .tooltip = s("Batch part carrying per-image metadata."),
         .placeholder = s("part with per-image metadata"), .group = G::JobInput, .section = F::Input,
         .kinds = JobKind::Images},
        {.key = s("machineType"), .flags = {s("--machine-type")}, .metavar = s("type"), .label = s("Machine type"),
         .tooltip = s("Machine type."), .placeholder = s("server default"), .type = T::Choice,
         .group = G::Compute, .section = F::Compute, .kinds = kCompute, .choices = machineTypes()},
        {.key = s("workersPerMachine"), .flags = {s("--workers-per-machine")}, .metavar = s("n"),
         .label = s("Workers per machine"), .tooltip = s("Workers per machine."), .placeholder = s("server default"),
         .type = T::Count, .group = G::Compute, .section = F::Compute, .kinds = kCompute, .minimum = 1,
         .restartMinimum = 0},
        {.key = s("machineSize"), .flags = {s("--machine-size")}, .metavar = s("size"),
         .label = s("Machine size (deprecated)"),
         .tooltip = s("Deprecated, used only when workers per machine is empty: xs 8, s 4, m 2, l 1, xl 1 "
                      "workers."),
         .placeholder = s("not used"), .type = T::Choice, .group = G::NotInBody, .section = F::Compute,
         .kinds = kWorkflow, .deprecated = true, .choices = machineSizes()},
        {.key = s("processingTimeoutSeconds"), .flags = {s("--max-runtime-seconds")}, .metavar = s("s"),
         .label = s("Runtime limit (s)"), .tooltip = s("Total machine time budget in seconds."),
         .placeholder = s("total machine seconds"), .type = T::Count, .section = F::Compute, .kinds = kCompute,
         .minimum = 1, .restartMinimum = 1},
        {.key = s("maxParallelTasks"), .flags = {s("--max-parallel-tasks")}, .metavar = s("n"),
         .label = s("Max parallel tasks"), .tooltip = s("Maximum tasks run in parallel."),
         .placeholder = s("server default"), .type = T::Count, .section = F::Compute, .kinds = kCompute,
         .minimum = 1, .restartMinimum = 1},
        {.key = s("maxImageFailureRate"), .flags = {s("--max-image-failure-rate")}, .metavar = s("rate"),
         .label = s("Image failure rate"), .tooltip = s("Tolerated fraction of failed images (0.0-1.0)."),
         .placeholder = s("0.0 – 1.0"), .type = T::Fraction, .section = F::Compute,
         .kinds = JobKind::Images | JobKind::AssetLibrary | JobKind::Restart, .minimum = 0, .maximum = 1},
        {.key = s("workflowParameters"), .flags = {s("--workflow-params")}, .metavar = s("path"),
         .label = s("Workflow parameters (JSON)"), .tooltip = s("JSON file with the workflow parameters."),
         .placeholder = s("{\"threshold\": 0.4}"), .type = T::JsonObject, .group = G::Processing,
         .section = F::Workflow, .kinds = kWorkflowAndLibrary},
        {.key = s("imageInputName"), .flags = {s("--image-input-name")}, .metavar = s("name"),
         .label = s("Image input name"), .tooltip = s("Name of the workflow's image input."), .placeholder = s("image"),
         .group = G::Processing, .section = F::Workflow, .kinds = kWorkflowAndLibrary},
        {.key = s("persistImagesOutputs"), .flags = {s("--save-image-outputs")},
         .negativeFlag = s("--no-save-image-outputs"), .label = s("Save image outputs"),
         .tooltip = s("Persist image outputs."), .type = T::Switch, .group = G::Processing,
         .section = F::Workflow, .kinds = kWorkflowAndLibrary,
         .negativeTooltip = s("Do not persist image outputs (the default).")},
        {.key = s("imagesOutputsToBePersisted"), .flags = {s("--image-outputs-to-save")}, .metavar = s("output"),
         .label = s("Outputs to save"), .tooltip = s("Image output to persist (repeatable)."),
         .placeholder = s("comma-separated, e.g. visualization"), .type = T::TextList, .group = G::Processing,
         .section = F::Workflow, .kinds = kWorkflowAndLibrary},
        {.key = s("aggregationFormat"), .flags = {s("--aggregation-format")}, .metavar = s("format"),
         .label = s("Aggregation format"), .tooltip = s("Format of the aggregated results."),
         .placeholder = s("server default"), .type = T::Choice, .group = G::Processing, .section = F::Workflow,
         .kinds = kWorkflowAndLibrary, .choices = aggregationFormats()},
        {.key = s("maxVideoFPS"), .flags = {s("--max-video-fps")}, .metavar = s("fps"), .label = s("Max video FPS"),
         .tooltip = s("Maximum frames per second to process."), .placeholder = s("server default"),
         .type = T::PositiveNumber, .group = G::Processing, .section = F::Compute, .kinds = JobKind::Videos},
        {.key = s("imagesMetadataInputsMapping"), .flags = {s("--metadata-mapping"), s("-mm")}, .metavar = s("mapping"),
         .label = s("Metadata mapping"), .tooltip = s("workflow_input=metadata_key (repeatable)."),
         .placeholder = s("workflow_input=metadata_key, one per line"), .type = T::Mapping, .group = G::Processing,
         .section = F::Workflow, .kinds = JobKind::Images},
        {.key = s("notificationsURL"), .flags = {s("--notifications-url")}, .metavar = s("url"),
         .label = s("Notifications URL"), .tooltip = s("Webhook for the job completion notification."),
         .placeholder = s("https://example.com/hook"), .type = T::Url, .section = F::Job,
         .kinds = kWorkflowAndLibrary | JobKind::Trt},
        {.key = s("inferenceBackend"), .flags = {s("--inference-backend")}, .metavar = s("backend"),
         .label = s("Inference backend"), .tooltip = s("Inference backend."),
         .placeholder = s("server default"), .type = T::Choice, .section = F::Compute, .kinds = kWorkflow,
         .choices = inferenceBackends()},
        {.key = s("jobId"), .flags = {s("--job-id"), s("-j")}, .metavar = s("job-id"), .label = s("Job ID"),
         .tooltip = s("Job id (default: generated)."), .group = G::NotInBody, .section = F::Job,
         .kinds = kWorkflow | JobKind::Trt, .pattern = s("[a-z0-9_-]{1,20}"),
         .patternDescription = s("1 to 20 of ") + idChars},
        {.key = s("jobName"), .flags = {s("--job-name"), s("-jn")}, .metavar = s("name"), .label = s("Name"),
         .tooltip = s("Job name."), .placeholder = s("optional"), .group = G::NotInBody, .section = F::Job,
         .kinds = kWorkflowAndLibrary | JobKind::Trt},
    };
}

QString kindName(JobKinds kinds)
{
    QStringList names;
    if (kinds & JobKind::Images)
        names << s("image");
    if (kinds & JobKind::Videos)
        names << s("video");
    if (kinds & JobKind::AssetLibrary)
        names << s("Asset Library");
    if (kinds & JobKind::Trt)
        names << s("TensorRT");
    return names.join(s(" and "));
}

QStringList uniqueStrings(const QJsonArray &array)
{
    QStringList out;
    for (const QJsonValue &v : array)
        if (!out.contains(v.toString()))
            out << v.toString();
    return out;
}

bool isEmptyValue(const QJsonValue &v)
{
    return v.isUndefined() || v.isNull() || (v.isString() && v.toString().trimmed().isEmpty()) ||
           (v.isArray() && v.toArray().isEmpty());
}

}  // namespace

const QList<JobField> &jobFields()
{
    static const QList<JobField> table = buildTable();
    return table;
}

const JobField *jobField(const QString &key)
{
    for (const JobField &f : jobFields())
        if (f.key == key)
            return &f;
    return nullptr;
}

QList<const JobField *> jobFieldsFor(JobKinds kinds)
{
    QList<const JobField *> out;
    for (const JobField &f : jobFields())
        if (f.kinds & kinds)
            out << &f;
    return out;
}

QString fieldValueProblem(const JobField &f, const QJsonValue &value, JobKind kind)
{
    if (isEmptyValue(value))
        return f.required && f.kinds.testFlag(kind) ? s("is required") : QString();
    switch (f.type) {
    case FieldType::Text: {
        const QRegularExpression re(QRegularExpression::anchoredPattern(f.pattern));
        if (!f.pattern.isEmpty() && !re.match(value.toString()).hasMatch())
            return s("must be %1 (got \"%2\")").arg(f.patternDescription, value.toString());
        return {};
    }
    case FieldType::Url:
        return isValidNotificationsUrl(value.toString()) ? QString() : s("must be an http:// or https:// URL");
    case FieldType::Choice:
        if (!f.choices.contains(value.toString()))
            return s("must be one of %1 (got \"%2\")").arg(f.choices.join(s(", ")), value.toString());
        return {};
    case FieldType::ChoiceList:
        for (const QString &v : uniqueStrings(value.toArray()))
            if (!f.choices.contains(v))
                return s("must be one of %1 (got \"%2\")").arg(f.choices.join(s(", ")), v.isEmpty() ? s("(empty)") : v);
        return {};
    case FieldType::Count: {
        const double minimum = kind == JobKind::Restart ? f.restartMinimum : f.minimum;
        const int v = value.toInt();
        if (v >= minimum)
            return {};
        return minimum == 1 ? s("must be a positive whole number (got %1)").arg(v)
                            : s("must be a whole number of at least %1 (got %2)").arg(minimum).arg(v);
    }
    case FieldType::Fraction: {
        const double v = value.toDouble();
        if (v >= f.minimum && v <= f.maximum)  // also rejects NaN
            return {};
        return s("must be a fraction between %1 and %2 (got %3)").arg(f.minimum).arg(f.maximum).arg(v);
    }
    case FieldType::PositiveNumber:
        return value.toDouble() > 0 ? QString() : s("must be a positive number (got %1)").arg(value.toDouble());
    case FieldType::TextList:
        for (const QJsonValue &v : value.toArray())
            if (v.toString().trimmed().isEmpty())
                return s("an entry is empty");
        return {};
    case FieldType::Mapping: {
        const QJsonObject map = value.toObject();
        for (auto it = map.constBegin(); it != map.constEnd(); ++it)
            if (it.key().isEmpty() || it.value().toString().isEmpty())
                return s("\"%1=%2\" has an empty side").arg(it.key(), it.value().toString());
        return {};
    }
    case FieldType::Switch:
    case FieldType::JsonObject:
        return {};
    }
    return {};
}

FieldProblems validateFieldValues(const QJsonObject &values, JobKind kind)
{
    FieldProblems problems;
    for (const JobField &f : jobFields()) {
        const QJsonValue v = values.value(f.key);
        const bool present = !isEmptyValue(v) && !(f.type == FieldType::Switch && !v.toBool());
        if (!f.kinds.testFlag(kind)) {
            // Only the other media kind is worth naming: the specs hold no other foreign field.
            if (present && (f.kinds & kWorkflow) && (kind == JobKind::Images || kind == JobKind::Videos))
                problems.append({f.key, s("applies to %1 jobs only").arg(kindName(f.kinds & kWorkflow))});
            continue;
        }
        const QString problem = fieldValueProblem(f, v, kind);
        if (!problem.isEmpty())
            problems.append({f.key, problem});
    }
    return problems;
}

QJsonValue parseFieldText(const JobField &f, const QString &raw, QString *problem)
{
    const QString text = f.type == FieldType::JsonObject || f.type == FieldType::Mapping ? raw : raw.trimmed();
    if (text.trimmed().isEmpty())
        return QJsonValue(QJsonValue::Undefined);
    const auto fail = [&](const QString &message) {
        if (problem)
            *problem = message;
        return QJsonValue(QJsonValue::Undefined);
    };
    switch (f.type) {
    case FieldType::Count: {
        bool ok = false;
        const int v = text.toInt(&ok);
        return ok ? QJsonValue(v) : fail(s("must be a whole number (got \"%1\")").arg(text));
    }
    case FieldType::Fraction:
    case FieldType::PositiveNumber: {
        bool ok = false;
        const double v = text.toDouble(&ok);
        return ok ? QJsonValue(v) : fail(s("must be a number (got \"%1\")").arg(text));
    }
    case FieldType::TextList:
    case FieldType::ChoiceList: {
        QStringList items;
        for (const QString &item : text.split(QLatin1Char(','), Qt::SkipEmptyParts))
            if (!item.trimmed().isEmpty())
                items << item.trimmed();
        return QJsonArray::fromStringList(items);
    }
    case FieldType::Mapping: {
        FieldProblems problems;
        const QMap<QString, QString> map = parseMetadataMapping(text.split(QLatin1Char('\n'), Qt::SkipEmptyParts), &problems);
        if (!problems.isEmpty())
            return fail(problems.constFirst().message);
        QJsonObject o;
        for (auto it = map.cbegin(); it != map.cend(); ++it)
            o.insert(it.key(), it.value());
        return o;
    }
    case FieldType::JsonObject: {
        QString error;
        const auto object = parseWorkflowParameters(text.toUtf8(), &error);
        return object ? QJsonValue(*object) : fail(error);
    }
    case FieldType::Switch:
        return text == QLatin1String("true") || text == QLatin1String("1");
    case FieldType::Text:
    case FieldType::Url:
    case FieldType::Choice:
        return text;
    }
    return text;
}

QString fieldText(const JobField &f, const QJsonValue &v)
{
    if (v.isUndefined() || v.isNull())
        return {};
    switch (f.type) {
    case FieldType::Count: return QString::number(v.toInt());
    case FieldType::Fraction:
    case FieldType::PositiveNumber: return shortest(v.toDouble());
    case FieldType::TextList:
    case FieldType::ChoiceList: {
        QStringList items;
        for (const QJsonValue &e : v.toArray())
            items << e.toString();
        return items.join(s(", "));
    }
    case FieldType::Mapping: {
        QStringList lines;
        const QJsonObject map = v.toObject();
        for (auto it = map.constBegin(); it != map.constEnd(); ++it)
            lines << it.key() + QLatin1Char('=') + it.value().toString();
        return lines.join(QLatin1Char('\n'));
    }
    case FieldType::JsonObject:
        return QString::fromUtf8(QJsonDocument(v.toObject()).toJson(QJsonDocument::Indented));
    case FieldType::Switch: return v.toBool() ? s("true") : s("false");
    default: return v.toString();
    }
}

void putWireFields(const QJsonObject &values, JobKind kind, QJsonObject *job, QJsonObject *jobInput,
                   QJsonObject *compute, QJsonObject *processing)
{
    for (const JobField &f : jobFields()) {
        if (!f.kinds.testFlag(kind) || f.group == WireGroup::NotInBody)
            continue;
        QJsonValue v = values.value(f.key);
        if (f.type == FieldType::Switch)
            v = v.toBool(false);  // always sent
        if (isEmptyValue(v))
            continue;
        if (f.type == FieldType::ChoiceList)
            v = QJsonArray::fromStringList(uniqueStrings(v.toArray()));
        QJsonObject *into = job;
        switch (f.group) {
        case WireGroup::JobInput: into = jobInput; break;
        case WireGroup::Compute: into = compute; break;
        case WireGroup::Processing: into = processing; break;
        default: break;
        }
        into->insert(f.key, v);
    }
}

QStringList fieldCliArguments(const QJsonObject &values, JobKind kind, const QString &jsonFilePath)
{
    QStringList a;
    for (const JobField &f : jobFields()) {
        const QJsonValue v = values.value(f.key);
        if (!f.kinds.testFlag(kind) || f.flags.isEmpty() || f.deprecated || isEmptyValue(v))
            continue;
        const QString flag = f.flags.constFirst();
        switch (f.type) {
        case FieldType::Switch:
            if (v.toBool())
                a << flag;
            break;
        case FieldType::TextList:
            for (const QJsonValue &e : v.toArray())
                a << flag << e.toString();
            break;
        case FieldType::ChoiceList:
            for (const QString &e : uniqueStrings(v.toArray()))
                a << flag << e;
            break;
        case FieldType::Mapping: {
            const QJsonObject map = v.toObject();
            for (auto it = map.constBegin(); it != map.constEnd(); ++it)
                a << flag << it.key() + QLatin1Char('=') + it.value().toString();
            break;
        }
        case FieldType::JsonObject:
            a << flag << jsonFilePath;
            break;
        default:
            a << flag << fieldText(f, v);
            break;
        }
    }
    return a;
}

QList<CliOptionReader::Option> fieldCliOptions(JobKinds kinds)
{
    QList<CliOptionReader::Option> options;
    for (const JobField *f : jobFieldsFor(kinds)) {
        if (f->flags.isEmpty())
            continue;
        options.append({f->flags, f->key, f->type != FieldType::Switch});
        if (!f->negativeFlag.isEmpty())
            options.append({{f->negativeFlag}, f->key, false});
    }
    return options;
}

QJsonObject readFieldCliValues(const CliOptionReader &r, JobKinds kinds, FieldProblems &problems)
{
    QJsonObject values;
    for (const JobField *f : jobFieldsFor(kinds)) {
        if (f->flags.isEmpty())
            continue;
        const QString name = f->flags.constFirst();
        if (f->type == FieldType::Switch) {
            // Like a Typer --x/--no-x pair: the later one wins; we only know which were given, so
            // the negative one wins when both are present.
            values.insert(f->key, r.isSet(name) && !(!f->negativeFlag.isEmpty() && r.isSet(f->negativeFlag)));
            continue;
        }
        if (!r.isSet(name))
            continue;
        QJsonValue v(QJsonValue::Undefined);
        switch (f->type) {
        case FieldType::Count:
            if (const auto i = r.intValue(name, problems))
                v = *i;
            break;
        case FieldType::Fraction:
        case FieldType::PositiveNumber:
            if (const auto d = r.doubleValue(name, problems))
                v = *d;
            break;
        case FieldType::TextList:
        case FieldType::ChoiceList:
            v = QJsonArray::fromStringList(r.values(name));
            break;
        case FieldType::Mapping: {
            const QMap<QString, QString> map = parseMetadataMapping(r.values(name), &problems);
            QJsonObject o;
            for (auto it = map.cbegin(); it != map.cend(); ++it)
                o.insert(it.key(), it.value());
            if (!o.isEmpty())
                v = o;
            break;
        }
        case FieldType::JsonObject: {
            const QString path = r.value(name);
            QFile file(path);
            QString error;
            if (!file.open(QIODevice::ReadOnly))
                problems.append({f->key, s("cannot read %1: %2").arg(path, file.errorString())});
            else if (auto object = parseWorkflowParameters(file.readAll(), &error))
                v = *object;
            else
                problems.append({f->key, path + s(": ") + error});
            break;
        }
        default:
            if (!r.value(name).isEmpty())
                v = r.value(name);
            break;
        }
        if (!v.isUndefined())
            values.insert(f->key, v);
    }
    return values;
}

}  // namespace bd::jobs
