#include "sandbox/JobRecord.h"

#include "core/Format.h"

namespace bd::sandbox {

namespace {

QString stamp(const QDateTime &t)
{
    return t.isValid() ? toApiTimestamp(t) : QString();
}

QDateTime unstamp(const QJsonValue &v)
{
    return v.isString() ? parseApiTimestamp(v.toString()) : QDateTime();
}

}  // namespace

bool JobRecord::isTrt() const
{
    return type() == QLatin1String("trt-compilation-v1");
}

bool JobRecord::isVideo() const
{
    return type() == QLatin1String("simple-video-processing-v1");
}

QJsonObject JobRecord::effectiveDefinition() const
{
    QJsonObject d = definition;
    for (const QJsonValue &v : overrides) {
        const QJsonObject o = v.toObject();
        for (auto it = o.begin(); it != o.end(); ++it) {
            if (it.key() == QLatin1String("type"))
                continue;
            if (it.key() == QLatin1String("computeConfiguration")) {
                // Merge, so an override of machineType keeps the submitted workersPerMachine.
                QJsonObject cc = d.value(it.key()).toObject();
                const QJsonObject over = it.value().toObject();
                for (auto c = over.begin(); c != over.end(); ++c)
                    cc.insert(c.key(), c.value());
                d.insert(it.key(), cc);
            } else {
                d.insert(it.key(), it.value());
            }
        }
    }
    return d;
}

QJsonObject JobRecord::toJson() const
{
    QJsonArray files;
    for (const JobInputFile &f : inputs)
        files.append(QJsonObject{ { QStringLiteral("fileName"), f.fileName },
                                  { QStringLiteral("path"), f.path },
                                  { QStringLiteral("contentType"), f.contentType },
                                  { QStringLiteral("size"), double(f.size) },
                                  { QStringLiteral("sha256"), f.sha256 } });
    return QJsonObject{
        { QStringLiteral("workspace"), workspace },
        { QStringLiteral("jobId"), jobId },
        { QStringLiteral("name"), name },
        { QStringLiteral("definition"), definition },
        { QStringLiteral("overrides"), overrides },
        { QStringLiteral("inputs"), files },
        { QStringLiteral("createdAt"), stamp(createdAt) },
        { QStringLiteral("runStartedAt"), stamp(runStartedAt) },
        { QStringLiteral("abortedAt"), stamp(abortedAt) },
        { QStringLiteral("runIndex"), runIndex },
        { QStringLiteral("pace"), pace },
        { QStringLiteral("pastLogs"), pastLogs },
        { QStringLiteral("processingOutputCreated"), processingOutputCreated },
        { QStringLiteral("exportOutputCreated"), exportOutputCreated },
        { QStringLiteral("webhookSent"), webhookSent },
    };
}

JobRecord JobRecord::fromJson(const QJsonObject &o)
{
    JobRecord r;
    r.workspace = o.value(QStringLiteral("workspace")).toString();
    r.jobId = o.value(QStringLiteral("jobId")).toString();
    r.name = o.value(QStringLiteral("name")).toString();
    r.definition = o.value(QStringLiteral("definition")).toObject();
    r.overrides = o.value(QStringLiteral("overrides")).toArray();
    for (const QJsonValue &v : o.value(QStringLiteral("inputs")).toArray()) {
        const QJsonObject f = v.toObject();
        r.inputs.append({ f.value(QStringLiteral("fileName")).toString(), f.value(QStringLiteral("path")).toString(),
                          f.value(QStringLiteral("contentType")).toString(),
                          qint64(f.value(QStringLiteral("size")).toDouble()),
                          f.value(QStringLiteral("sha256")).toString() });
    }
    r.createdAt = unstamp(o.value(QStringLiteral("createdAt")));
    r.runStartedAt = unstamp(o.value(QStringLiteral("runStartedAt")));
    r.abortedAt = unstamp(o.value(QStringLiteral("abortedAt")));
    r.runIndex = o.value(QStringLiteral("runIndex")).toInt();
    r.pace = o.value(QStringLiteral("pace")).toDouble(1.0);
    r.pastLogs = o.value(QStringLiteral("pastLogs")).toArray();
    r.processingOutputCreated = o.value(QStringLiteral("processingOutputCreated")).toBool();
    r.exportOutputCreated = o.value(QStringLiteral("exportOutputCreated")).toBool();
    r.webhookSent = o.value(QStringLiteral("webhookSent")).toBool();
    return r;
}

}  // namespace bd::sandbox
