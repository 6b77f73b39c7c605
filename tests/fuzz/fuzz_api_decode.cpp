// Fuzz target: bytes -> JSON -> every model decoder of app/api/ApiModels (batches, batch parts,
// files, shards, signed uploads, ingest responses, jobs, stages, tasks, logs), for the document
// itself and for every object inside its top-level arrays (the listings' "data"-like arrays).
// Asserts: no crash; a refusal always carries a BadResponse error with a message; an accepted
// model can be written back (toJson / toSnakeJson / identityKey) without crashing.
#include "FuzzSupport.h"

#include "api/ApiModels.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace {

using namespace bd::api;

template <class Model, class Write>
void decode(const QJsonObject &json, Write write)
{
    bd::Error error;
    const std::optional<Model> model = Model::fromJson(json, QStringLiteral("fuzz"), &error);
    if (model) {
        write(*model);
    } else {
        fuzzsupport::check(error.kind == bd::ErrorKind::BadResponse, "a refusal that is not BadResponse",
                           qPrintable(error.message));
        fuzzsupport::check(!error.message.isEmpty(), "a refusal without a message");
    }
}

void decodeAll(const QJsonObject &json)
{
    decode<Batch>(json, [](const Batch &m) { (void)m.toJson(); (void)m.isMultipart(); });
    decode<BatchPart>(json, [](const BatchPart &m) { (void)m.toJson(); });
    decode<BatchFile>(json, [](const BatchFile &m) { (void)m.toJson(); (void)m.toSnakeJson(); (void)m.identityKey(); });
    decode<Shard>(json, [](const Shard &m) { (void)m.toJson(); (void)m.toSnakeJson(); (void)m.isFailed(); });
    decode<SignedUpload>(json, [](const SignedUpload &m) { (void)m.toJson(); });
    decode<IngestResponse>(json, [](const IngestResponse &m) { (void)m.toJson(); });
    decode<Job>(json, [](const Job &m) { (void)m.toJson(); });
    decode<Stage>(json, [](const Stage &m) { (void)m.toJson(); });
    decode<Task>(json, [](const Task &m) { (void)m.toJson(); });
    decode<LogEntry>(json, [](const LogEntry &m) { (void)m.toJson(); (void)m.toSnakeJson(); });

    bd::Error error;   // the whole D8/D9 answer ({"signedURLDetails": {...}})
    if (!SignedUpload::fromResponse(json, QStringLiteral("fuzz"), &error))
        fuzzsupport::check(!error.message.isEmpty(), "a D8/D9 refusal without a message");
    const QString severity = json.value(QStringLiteral("severity")).toString();
    if (const auto parsed = logSeverityFromName(severity))
        fuzzsupport::check(logSeverityName(*parsed) == severity, "a severity that does not round-trip");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(
        QByteArray::fromRawData(reinterpret_cast<const char *>(data), qsizetype(size)), &parseError);
    if (doc.isNull())
        return 0;
    QJsonArray arrays;
    if (doc.isObject()) {
        const QJsonObject object = doc.object();
        decodeAll(object);
        for (const QJsonValue &value : object)
            if (value.isArray())
                for (const QJsonValue &item : value.toArray())
                    arrays.append(item);
    } else {
        arrays = doc.array();
    }
    for (const QJsonValue &item : std::as_const(arrays))
        if (item.isObject())
            decodeAll(item.toObject());
    return 0;
}
