#include "jobs/JobSpecAssetLibrary.h"

#include "jobs/JobSpecCliReader.h"
#include "jobs/JobSpecWorkflow.h"

#include <QCryptographicHash>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>
#include <QRegularExpression>
#include <QSet>
#include <QUuid>

namespace bd::jobs {
namespace {

QList<CliOptionReader::Option> assetLibraryOptions()
{
    using O = CliOptionReader::Option;
    const auto s = [](const char *v) { return QString::fromLatin1(v); };
    return {
        O{{s("--image-ids")}, s("imageIds")},
        O{{s("--query"), s("-q")}, s("query")},
        O{{s("--all-images")}, s("allImages"), false},
        O{{s("--confirm")}, s("allImages"), false},
        O{{s("--idempotency-key")}, s("idempotencyKey")},
        O{{s("--workflow-id"), s("-w")}, s("workflowId")},
        O{{s("--machine-type")}, s("machineType")},
        O{{s("--workers-per-machine")}, s("workersPerMachine")},
        O{{s("--max-runtime-seconds")}, s("processingTimeoutSeconds")},
        O{{s("--max-parallel-tasks")}, s("maxParallelTasks")},
        O{{s("--max-image-failure-rate")}, s("maxImageFailureRate")},
        O{{s("--workflow-params")}, s("workflowParameters")},
        O{{s("--image-input-name")}, s("imageInputName")},
        O{{s("--save-image-outputs")}, s("persistImagesOutputs"), false},
        O{{s("--no-save-image-outputs")}, s("persistImagesOutputs"), false},
        O{{s("--image-outputs-to-save")}, s("imagesOutputsToBePersisted")},
        O{{s("--aggregation-format")}, s("aggregationFormat")},
        O{{s("--notifications-url")}, s("notificationsURL")},
        O{{s("--job-name"), s("-jn")}, s("jobName")},
    };
}

QString shortest(double v) { return QString::number(v, 'g', QLocale::FloatingPointShortest); }

}  // namespace

QStringList parseImageIds(const QByteArray &text, FieldProblems *problems)
{
    static const QRegularExpression separators(QStringLiteral("[\\s,;]+"));
    static const QRegularExpression idPattern(QStringLiteral("^[^\\x00-\\x1f\"'<>\\\\]{1,256}$"));
    QStringList ids;
    QSet<QString> seen;
    const QList<QByteArray> lines = text.split('\n');
    for (int i = 0; i < lines.size(); ++i) {
        QString line = QString::fromUtf8(lines.at(i));
        const int hash = int(line.indexOf(QLatin1Char('#')));
        if (hash >= 0)
            line.truncate(hash);
        for (const QString &word : line.split(separators, Qt::SkipEmptyParts)) {
            if (!idPattern.match(word).hasMatch()) {
                if (problems)
                    problems->append({QStringLiteral("imageIds"),
                                      QStringLiteral("line %1: \"%2\" is not an image id").arg(i + 1).arg(word.left(40))});
                continue;
            }
            if (!seen.contains(word)) {
                seen.insert(word);
                ids << word;
            }
        }
    }
    return ids;
}

QString generateIdempotencyKey()
{
    return QStringLiteral("bd-") + QUuid::createUuid().toString(QUuid::WithoutBraces);
}

bool isValidIdempotencyKey(const QString &key)
{
    static const QRegularExpression pattern(QStringLiteral("^[A-Za-z0-9._:-]{8,128}$"));
    return pattern.match(key).hasMatch();
}

FieldProblems AssetLibraryJobSpec::validate() const
{
    FieldProblems problems;
    if (workflowId.trimmed().isEmpty())
        problems.append({QStringLiteral("workflowId"), QStringLiteral("is required")});
    switch (selection) {
    case AssetSelection::ImageIds:
        if (imageIds.isEmpty())
            problems.append({QStringLiteral("imageIds"), QStringLiteral("name at least one image id")});
        else if (imageIds.size() > kMaxAssetImageIds)
            problems.append({QStringLiteral("imageIds"), QStringLiteral("at most %1 image ids per job (got %2)")
                                                             .arg(kMaxAssetImageIds).arg(imageIds.size())});
        for (const QString &id : imageIds)
            if (id.trimmed().isEmpty() || id != id.trimmed()) {
                problems.append({QStringLiteral("imageIds"), QStringLiteral("an image id is empty or has spaces")});
                break;
            }
        break;
    case AssetSelection::Query:
        if (query.trimmed().isEmpty())
            problems.append({QStringLiteral("query"), QStringLiteral("type a RoboQL query")});
        break;
    case AssetSelection::AllImages:
        if (!allImagesConfirmed)
            problems.append({QStringLiteral("allImages"),
                             QStringLiteral("running over the whole Asset Library must be confirmed (--confirm)")});
        break;
    }
    if (!idempotencyKey.isEmpty() && !isValidIdempotencyKey(idempotencyKey))
        problems.append({QStringLiteral("idempotencyKey"),
                         QStringLiteral("must be 8 to 128 of A-Z, a-z, 0-9, '.', '_', ':' and '-'")});
    checkChoice(problems, QStringLiteral("machineType"), machineType, machineTypes());
    checkPositive(problems, QStringLiteral("workersPerMachine"), workersPerMachine);
    checkPositive(problems, QStringLiteral("processingTimeoutSeconds"), processingTimeoutSeconds);
    checkPositive(problems, QStringLiteral("maxParallelTasks"), maxParallelTasks);
    checkRate(problems, QStringLiteral("maxImageFailureRate"), maxImageFailureRate);
    checkChoice(problems, QStringLiteral("aggregationFormat"), aggregationFormat, aggregationFormats());
    for (const QString &name : imagesOutputsToBePersisted)
        if (name.trimmed().isEmpty())
            problems.append({QStringLiteral("imagesOutputsToBePersisted"), QStringLiteral("an output name is empty")});
    if (!notificationsURL.isEmpty() && !isValidNotificationsUrl(notificationsURL))
        problems.append({QStringLiteral("notificationsURL"), QStringLiteral("must be an http:// or https:// URL")});
    return problems;
}

QJsonObject AssetLibraryJobSpec::toWireJson(const QString &key) const
{
    QJsonObject o{{QStringLiteral("workflowId"), workflowId}};
    if (!key.isEmpty())
        o.insert(QStringLiteral("idempotencyKey"), key);
    switch (selection) {
    case AssetSelection::ImageIds: o.insert(QStringLiteral("imageIds"), QJsonArray::fromStringList(imageIds)); break;
    case AssetSelection::Query: o.insert(QStringLiteral("query"), query.trimmed()); break;
    case AssetSelection::AllImages: o.insert(QStringLiteral("allImages"), true); break;
    }
    const auto putString = [&o](const char *k, const QString &v) {
        if (!v.isEmpty())
            o.insert(QLatin1String(k), v);
    };
    if (!machineType.isEmpty() || workersPerMachine) {
        QJsonObject compute{{QStringLiteral("type"), QStringLiteral("compute-configuration-v2")}};
        if (!machineType.isEmpty())
            compute.insert(QStringLiteral("machineType"), machineType);
        if (workersPerMachine)
            compute.insert(QStringLiteral("workersPerMachine"), *workersPerMachine);
        o.insert(QStringLiteral("computeConfiguration"), compute);
    }
    if (processingTimeoutSeconds)
        o.insert(QStringLiteral("processingTimeoutSeconds"), *processingTimeoutSeconds);
    if (maxParallelTasks)
        o.insert(QStringLiteral("maxParallelTasks"), *maxParallelTasks);
    if (maxImageFailureRate)
        o.insert(QStringLiteral("maxImageFailureRate"), *maxImageFailureRate);
    if (workflowParameters)
        o.insert(QStringLiteral("workflowParameters"), *workflowParameters);
    putString("imageInputName", imageInputName);
    o.insert(QStringLiteral("persistImagesOutputs"), persistImagesOutputs);
    if (!imagesOutputsToBePersisted.isEmpty())
        o.insert(QStringLiteral("imagesOutputsToBePersisted"), QJsonArray::fromStringList(imagesOutputsToBePersisted));
    putString("aggregationFormat", aggregationFormat);
    putString("notificationsURL", notificationsURL);
    putString("jobName", jobName);
    return o;
}

QString AssetLibraryJobSpec::fingerprint() const
{
    const QByteArray canonical = QJsonDocument(toWireJson(QString())).toJson(QJsonDocument::Compact);
    return QString::fromLatin1(QCryptographicHash::hash(canonical, QCryptographicHash::Sha256).toHex());
}

QString AssetLibraryJobSpec::selectionSummary() const
{
    switch (selection) {
    case AssetSelection::ImageIds:
        return QStringLiteral("%1 image id%2").arg(imageIds.size()).arg(imageIds.size() == 1 ? "" : "s");
    case AssetSelection::Query: return QStringLiteral("RoboQL %1").arg(query.trimmed());
    case AssetSelection::AllImages: return QStringLiteral("the whole Asset Library");
    }
    return {};
}

QStringList AssetLibraryJobSpec::toCliArguments(const QString &imageIdsFilePath, const QString &paramsFilePath) const
{
    QStringList a{QStringLiteral("batch-processing"), QStringLiteral("process-asset-library-with-workflow")};
    const auto opt = [&a](const char *flag, const QString &value) {
        if (!value.isEmpty())
            a << QString::fromLatin1(flag) << value;
    };
    opt("--workflow-id", workflowId);
    switch (selection) {
    case AssetSelection::ImageIds: opt("--image-ids", imageIdsFilePath); break;
    case AssetSelection::Query: opt("--query", query.trimmed()); break;
    case AssetSelection::AllImages: a << QStringLiteral("--all-images") << QStringLiteral("--confirm"); break;
    }
    opt("--machine-type", machineType);
    if (workersPerMachine)
        opt("--workers-per-machine", QString::number(*workersPerMachine));
    if (processingTimeoutSeconds)
        opt("--max-runtime-seconds", QString::number(*processingTimeoutSeconds));
    if (maxParallelTasks)
        opt("--max-parallel-tasks", QString::number(*maxParallelTasks));
    if (maxImageFailureRate)
        opt("--max-image-failure-rate", shortest(*maxImageFailureRate));
    if (workflowParameters)
        opt("--workflow-params", paramsFilePath);
    opt("--image-input-name", imageInputName);
    if (persistImagesOutputs)
        a << QStringLiteral("--save-image-outputs");
    for (const QString &name : imagesOutputsToBePersisted)
        opt("--image-outputs-to-save", name);
    opt("--aggregation-format", aggregationFormat);
    opt("--notifications-url", notificationsURL);
    opt("--job-name", jobName);
    opt("--idempotency-key", idempotencyKey);
    return a;
}

QString AssetLibraryJobSpec::commandLine(const QString &imageIdsFilePath) const
{
    return QStringLiteral("batchdeck-cli ") + shellJoin(toCliArguments(imageIdsFilePath));
}

AssetLibraryJobSpec AssetLibraryJobSpec::fromCliOptions(const QStringList &options, FieldProblems *problemsOut)
{
    FieldProblems problems;
    CliOptionReader r(assetLibraryOptions());
    r.read(options, problems);
    AssetLibraryJobSpec s;
    const bool byIds = r.isSet(QStringLiteral("--image-ids"));
    const bool byQuery = r.isSet(QStringLiteral("--query"));
    const bool all = r.isSet(QStringLiteral("--all-images"));
    if (int(byIds) + int(byQuery) + int(all) != 1)
        problems.append({QStringLiteral("selection"),
                         QStringLiteral("choose exactly one of --image-ids FILE, --query Q or --all-images --confirm")});
    if (byIds) {
        s.selection = AssetSelection::ImageIds;
        const QString path = r.value(QStringLiteral("--image-ids"));
        QFile file(path);
        if (path == QLatin1String("-") ? file.open(stdin, QIODevice::ReadOnly) : file.open(QIODevice::ReadOnly))
            s.imageIds = parseImageIds(file.readAll(), &problems);
        else
            problems.append({QStringLiteral("imageIds"), QStringLiteral("cannot read %1: %2").arg(path, file.errorString())});
    } else if (byQuery) {
        s.selection = AssetSelection::Query;
        s.query = r.value(QStringLiteral("--query"));
    } else if (all) {
        s.selection = AssetSelection::AllImages;
    }
    s.allImagesConfirmed = r.isSet(QStringLiteral("--confirm"));
    s.idempotencyKey = r.value(QStringLiteral("--idempotency-key"));
    s.workflowId = r.value(QStringLiteral("--workflow-id"));
    s.machineType = r.value(QStringLiteral("--machine-type"));
    s.workersPerMachine = r.intValue(QStringLiteral("--workers-per-machine"), problems);
    s.processingTimeoutSeconds = r.intValue(QStringLiteral("--max-runtime-seconds"), problems);
    s.maxParallelTasks = r.intValue(QStringLiteral("--max-parallel-tasks"), problems);
    s.maxImageFailureRate = r.doubleValue(QStringLiteral("--max-image-failure-rate"), problems);
    if (r.isSet(QStringLiteral("--workflow-params"))) {
        const QString path = r.value(QStringLiteral("--workflow-params"));
        QFile file(path);
        QString error;
        if (!file.open(QIODevice::ReadOnly))
            problems.append({QStringLiteral("workflowParameters"), QStringLiteral("cannot read %1: %2").arg(path, file.errorString())});
        else if (auto params = parseWorkflowParameters(file.readAll(), &error))
            s.workflowParameters = *params;
        else
            problems.append({QStringLiteral("workflowParameters"), path + QStringLiteral(": ") + error});
    }
    s.imageInputName = r.value(QStringLiteral("--image-input-name"));
    s.persistImagesOutputs = r.isSet(QStringLiteral("--save-image-outputs")) &&
                             !r.isSet(QStringLiteral("--no-save-image-outputs"));
    s.imagesOutputsToBePersisted = r.values(QStringLiteral("--image-outputs-to-save"));
    s.aggregationFormat = r.value(QStringLiteral("--aggregation-format"));
    s.notificationsURL = r.value(QStringLiteral("--notifications-url"));
    s.jobName = r.value(QStringLiteral("--job-name"));
    if (problemsOut)
        *problemsOut += problems;
    return s;
}

}  // namespace bd::jobs
