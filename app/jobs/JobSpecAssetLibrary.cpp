#include "jobs/JobSpecAssetLibrary.h"

#include "jobs/JobFields.h"
#include "jobs/JobSpecWorkflow.h"

#include <QCryptographicHash>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSet>
#include <QUuid>

namespace bd::jobs {
namespace {

// The selection and the idempotency key: not job fields of the table (no other kind has them).
QList<CliOptionReader::Option> selectionOptions()
{
    using O = CliOptionReader::Option;
    const auto s = [](const char *v) { return QString::fromLatin1(v); };
    return {
        O{{s("--image-ids")}, s("imageIds")},
        O{{s("--query"), s("-q")}, s("query")},
        O{{s("--all-images")}, s("allImages"), false},
        O{{s("--confirm")}, s("allImages"), false},
        O{{s("--idempotency-key")}, s("idempotencyKey")},
    };
}

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

const QList<FieldBinding<AssetLibraryJobSpec>> &AssetLibraryJobSpec::fieldBindings()
{
    using S = AssetLibraryJobSpec;
    static const QList<FieldBinding<S>> bindings{
        {"workflowId", &S::workflowId},
        {"machineType", &S::machineType},
        {"workersPerMachine", &S::workersPerMachine},
        {"processingTimeoutSeconds", &S::processingTimeoutSeconds},
        {"maxParallelTasks", &S::maxParallelTasks},
        {"maxImageFailureRate", &S::maxImageFailureRate},
        {"workflowParameters", &S::workflowParameters},
        {"imageInputName", &S::imageInputName},
        {"persistImagesOutputs", &S::persistImagesOutputs},
        {"imagesOutputsToBePersisted", &S::imagesOutputsToBePersisted},
        {"aggregationFormat", &S::aggregationFormat},
        {"notificationsURL", &S::notificationsURL},
        {"jobName", &S::jobName},
    };
    return bindings;
}

QJsonObject AssetLibraryJobSpec::fieldValues() const
{
    return jobs::fieldValues(*this, fieldBindings());
}

void AssetLibraryJobSpec::setFieldValues(const QJsonObject &values)
{
    jobs::setFieldValues(*this, fieldBindings(), values);
}

FieldProblems AssetLibraryJobSpec::validate() const
{
    FieldProblems problems = validateFieldValues(fieldValues(), JobKind::AssetLibrary);
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
    return problems;
}

QJsonObject AssetLibraryJobSpec::toWireJson(const QString &key) const
{
    QJsonObject o{{QStringLiteral("workflowId"), workflowId}};  // required: sent even when empty
    if (!key.isEmpty())
        o.insert(QStringLiteral("idempotencyKey"), key);
    switch (selection) {
    case AssetSelection::ImageIds: o.insert(QStringLiteral("imageIds"), QJsonArray::fromStringList(imageIds)); break;
    case AssetSelection::Query: o.insert(QStringLiteral("query"), query.trimmed()); break;
    case AssetSelection::AllImages: o.insert(QStringLiteral("allImages"), true); break;
    }
    // The body is flat but for computeConfiguration, sent only when it has a value.
    QJsonObject compute{{QStringLiteral("type"), QStringLiteral("compute-configuration-v2")}};
    putWireFields(fieldValues(), JobKind::AssetLibrary, &o, &o, &compute, &o);
    if (compute.size() > 1)
        o.insert(QStringLiteral("computeConfiguration"), compute);
    if (!jobName.isEmpty())  // the service names the job from the body (no ?name= here)
        o.insert(QStringLiteral("jobName"), jobName);
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
    // The workflow first, then the selection, then the other fields (the order of --help).
    const QStringList fields = fieldCliArguments(fieldValues(), JobKind::AssetLibrary, paramsFilePath);
    const qsizetype afterWorkflow = fields.indexOf(QStringLiteral("--workflow-id")) == 0 ? 2 : 0;
    a << fields.mid(0, afterWorkflow);
    switch (selection) {
    case AssetSelection::ImageIds: opt("--image-ids", imageIdsFilePath); break;
    case AssetSelection::Query: opt("--query", query.trimmed()); break;
    case AssetSelection::AllImages: a << QStringLiteral("--all-images") << QStringLiteral("--confirm"); break;
    }
    a << fields.mid(afterWorkflow);
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
    CliOptionReader r(selectionOptions() + fieldCliOptions(JobKind::AssetLibrary));
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
    s.setFieldValues(readFieldCliValues(r, JobKind::AssetLibrary, problems));
    if (problemsOut)
        *problemsOut += problems;
    return s;
}

}  // namespace bd::jobs
