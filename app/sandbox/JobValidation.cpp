#include "sandbox/JobValidation.h"

#include <QJsonArray>
#include <QRegularExpression>
#include <QStringList>
#include <QUrl>

#include <cmath>

namespace bd::sandbox {

namespace {

// Small checkers over one object; each returns an error text or an empty string.
class FieldCheck
{
public:
    FieldCheck(const QJsonObject &o, QString where) : m_o(o), m_where(std::move(where)) { }

    QString requiredString(const QString &key) const
    {
        const QJsonValue v = m_o.value(key);
        if (!v.isString() || v.toString().trimmed().isEmpty())
            return QStringLiteral("%1 is required and must be a non-empty string").arg(path(key));
        return {};
    }
    QString optionalString(const QString &key) const
    {
        if (m_o.contains(key) && !m_o.value(key).isString())
            return QStringLiteral("%1 must be a string").arg(path(key));
        return {};
    }
    QString exactType(const QString &expected) const
    {
        if (m_o.value(QStringLiteral("type")).toString() != expected)
            return QStringLiteral("%1 must be \"%2\"").arg(path(QStringLiteral("type")), expected);
        return {};
    }
    QString oneOf(const QString &key, const QStringList &allowed) const
    {
        if (!m_o.contains(key))
            return {};
        if (!allowed.contains(m_o.value(key).toString()))
            return QStringLiteral("%1 must be one of: %2").arg(path(key), allowed.join(QStringLiteral(", ")));
        return {};
    }
    QString positiveInt(const QString &key) const
    {
        if (!m_o.contains(key))
            return {};
        const QJsonValue v = m_o.value(key);
        const double d = v.toDouble(-1);
        if (!v.isDouble() || d < 1 || std::floor(d) != d || d > 2147483647.0)
            return QStringLiteral("%1 must be a positive integer").arg(path(key));
        return {};
    }
    QString positiveNumber(const QString &key) const
    {
        if (!m_o.contains(key))
            return {};
        if (!m_o.value(key).isDouble() || m_o.value(key).toDouble() <= 0)
            return QStringLiteral("%1 must be a positive number").arg(path(key));
        return {};
    }
    QString fraction(const QString &key) const
    {
        if (!m_o.contains(key))
            return {};
        const double d = m_o.value(key).toDouble(-1);
        if (!m_o.value(key).isDouble() || d < 0.0 || d > 1.0)
            return QStringLiteral("%1 must be a number between 0.0 and 1.0").arg(path(key));
        return {};
    }
    QString optionalBool(const QString &key) const
    {
        if (m_o.contains(key) && !m_o.value(key).isBool())
            return QStringLiteral("%1 must be a boolean").arg(path(key));
        return {};
    }
    QString optionalObject(const QString &key) const
    {
        if (m_o.contains(key) && !m_o.value(key).isObject())
            return QStringLiteral("%1 must be an object").arg(path(key));
        return {};
    }
    QString stringArray(const QString &key, bool required) const
    {
        if (!m_o.contains(key))
            return required ? QStringLiteral("%1 is required").arg(path(key)) : QString();
        if (!m_o.value(key).isArray())
            return QStringLiteral("%1 must be an array of strings").arg(path(key));
        for (const QJsonValue &v : m_o.value(key).toArray())
            if (!v.isString())
                return QStringLiteral("%1 must be an array of strings").arg(path(key));
        return {};
    }
    QString stringMap(const QString &key) const
    {
        if (!m_o.contains(key))
            return {};
        if (!m_o.value(key).isObject())
            return QStringLiteral("%1 must be an object of strings").arg(path(key));
        const QJsonObject map = m_o.value(key).toObject();
        for (auto it = map.begin(); it != map.end(); ++it)
            if (it.key().isEmpty() || !it.value().isString() || it.value().toString().isEmpty())
                return QStringLiteral("%1 must map non-empty names to non-empty strings").arg(path(key));
        return {};
    }
    QString forbidden(const QString &key, const QString &why) const
    {
        if (m_o.contains(key))
            return QStringLiteral("%1 is not allowed %2").arg(path(key), why);
        return {};
    }
    QString httpUrl(const QString &key) const
    {
        if (!m_o.contains(key))
            return {};
        const QUrl url(m_o.value(key).toString(), QUrl::StrictMode);
        if (!m_o.value(key).isString() || !url.isValid() || url.host().isEmpty()
            || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")))
            return QStringLiteral("%1 must be an http(s) URL").arg(path(key));
        return {};
    }

private:
    QString path(const QString &key) const { return m_where.isEmpty() ? key : m_where + QLatin1Char('.') + key; }

    QJsonObject m_o;
    QString m_where;
};

// The first non-empty message of a list of checks.
QString firstError(std::initializer_list<QString> errors)
{
    for (const QString &e : errors)
        if (!e.isEmpty())
            return e;
    return {};
}

QString objectField(const QJsonObject &o, const QString &key)
{
    if (!o.value(key).isObject())
        return QStringLiteral("%1 is required and must be an object").arg(key);
    return {};
}

QString validateCompute(const QJsonObject &cc, const QString &where)
{
    const FieldCheck c(cc, where);
    return firstError({ c.exactType(QStringLiteral("compute-configuration-v2")),
                        c.oneOf(QStringLiteral("machineType"), { QStringLiteral("cpu"), QStringLiteral("gpu") }),
                        c.positiveInt(QStringLiteral("workersPerMachine")) });
}

QString validateWorkflowJob(const QJsonObject &d, bool video)
{
    if (QString e = firstError({ objectField(d, QStringLiteral("jobInput")),
                                 objectField(d, QStringLiteral("computeConfiguration")),
                                 objectField(d, QStringLiteral("processingSpecification")) });
        !e.isEmpty())
        return e;
    const FieldCheck job(d, {});
    const FieldCheck input(d.value(QStringLiteral("jobInput")).toObject(), QStringLiteral("jobInput"));
    const FieldCheck spec(d.value(QStringLiteral("processingSpecification")).toObject(),
                          QStringLiteral("processingSpecification"));
    const QString videoOnly = QStringLiteral("for image jobs");
    const QString imageOnly = QStringLiteral("for video jobs");
    return firstError({
        input.exactType(QStringLiteral("staging-batch-input-v1")),
        input.requiredString(QStringLiteral("batchId")),
        input.optionalString(QStringLiteral("partName")),
        video ? input.forbidden(QStringLiteral("imagesMetadataPart"), imageOnly)
              : input.optionalString(QStringLiteral("imagesMetadataPart")),
        validateCompute(d.value(QStringLiteral("computeConfiguration")).toObject(),
                        QStringLiteral("computeConfiguration")),
        job.positiveInt(QStringLiteral("processingTimeoutSeconds")),
        job.positiveInt(QStringLiteral("maxParallelTasks")),
        video ? job.forbidden(QStringLiteral("maxImageFailureRate"), imageOnly)
              : job.fraction(QStringLiteral("maxImageFailureRate")),
        job.httpUrl(QStringLiteral("notificationsURL")),
        job.oneOf(QStringLiteral("inferenceBackend"), { QStringLiteral("old-inference"), QStringLiteral("inference-models") }),
        spec.exactType(QStringLiteral("workflows-processing-specification-v1")),
        spec.requiredString(QStringLiteral("workspace")),
        spec.requiredString(QStringLiteral("workflowId")),
        spec.optionalObject(QStringLiteral("workflowParameters")),
        spec.optionalString(QStringLiteral("imageInputName")),
        spec.optionalBool(QStringLiteral("persistImagesOutputs")),
        spec.stringArray(QStringLiteral("imagesOutputsToBePersisted"), false),
        spec.oneOf(QStringLiteral("aggregationFormat"), { QStringLiteral("csv"), QStringLiteral("jsonl") }),
        video ? spec.positiveNumber(QStringLiteral("maxVideoFPS"))
              : spec.forbidden(QStringLiteral("maxVideoFPS"), videoOnly),
        video ? spec.forbidden(QStringLiteral("imagesMetadataInputsMapping"), imageOnly)
              : spec.stringMap(QStringLiteral("imagesMetadataInputsMapping")),
    });
}

QString validateTrtJob(const QJsonObject &d)
{
    const FieldCheck job(d, {});
    if (QString e = firstError({ job.requiredString(QStringLiteral("modelId")),
                                 job.stringArray(QStringLiteral("compilationDevices"), true),
                                 job.httpUrl(QStringLiteral("notificationsURL")) });
        !e.isEmpty())
        return e;
    const QJsonArray devices = d.value(QStringLiteral("compilationDevices")).toArray();
    if (devices.isEmpty())
        return QStringLiteral("compilationDevices must list at least one device");
    const QStringList known{ QStringLiteral("nvidia-l4"), QStringLiteral("nvidia-t4"), QStringLiteral("nvidia-l40s") };
    for (const QJsonValue &v : devices)
        if (!known.contains(v.toString()))
            return QStringLiteral("compilationDevices: unknown device \"%1\" (known: %2)")
                .arg(v.toString(), known.join(QStringLiteral(", ")));
    return {};
}

}  // namespace

QString validateJobId(const QString &jobId)
{
    static const QRegularExpression pattern(QStringLiteral("^[a-z0-9_-]{1,20}$"));
    if (!pattern.match(jobId).hasMatch())
        return QStringLiteral("Invalid job id \"%1\": use 1 to 20 lower-case letters, digits, '-' or '_'").arg(jobId);
    return {};
}

QString validateJobDefinition(const QJsonObject &d)
{
    const QString type = d.value(QStringLiteral("type")).toString();
    if (type == QLatin1String("simple-image-processing-v1"))
        return validateWorkflowJob(d, false);
    if (type == QLatin1String("simple-video-processing-v1"))
        return validateWorkflowJob(d, true);
    if (type == QLatin1String("trt-compilation-v1"))
        return validateTrtJob(d);
    return QStringLiteral("type must be one of: simple-image-processing-v1, simple-video-processing-v1, "
                          "trt-compilation-v1");
}

QString validateRestartOverride(const QJsonObject &body)
{
    const FieldCheck o(body, {});
    if (QString e = o.exactType(QStringLiteral("parameters-override-v1")); !e.isEmpty())
        return e;
    if (body.contains(QStringLiteral("computeConfiguration"))) {
        if (!body.value(QStringLiteral("computeConfiguration")).isObject())
            return QStringLiteral("computeConfiguration must be an object");
        if (QString e = validateCompute(body.value(QStringLiteral("computeConfiguration")).toObject(),
                                        QStringLiteral("computeConfiguration"));
            !e.isEmpty())
            return e;
    }
    return firstError({ o.positiveInt(QStringLiteral("maxParallelTasks")),
                        o.positiveNumber(QStringLiteral("processingTimeoutSeconds")),
                        o.fraction(QStringLiteral("maxImageFailureRate")) });
}

}  // namespace bd::sandbox
