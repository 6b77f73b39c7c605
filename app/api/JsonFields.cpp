#include "api/JsonFields.h"

#include "core/Format.h"

namespace bd::api {

Error decodeError(const QString &endpoint, const QString &field, bool missing)
{
    return Error(ErrorKind::BadResponse,
                 QStringLiteral("Could not decode Roboflow API response: %1 field '%2' %3")
                     .arg(endpoint, field, missing ? QStringLiteral("is missing") : QStringLiteral("has wrong type")));
}

void JsonFields::fail(const QString &field, bool missing)
{
    if (!m_error.isError())
        m_error = decodeError(m_endpoint, field, missing);
}

bool JsonFields::report(Error *out) const
{
    if (out && m_error.isError())
        *out = m_error;
    return ok();
}

QJsonValue JsonFields::value(const QString &field, bool required, bool *present)
{
    const auto it = m_obj.constFind(field);
    *present = false;
    if (it == m_obj.constEnd()) {
        if (required)
            fail(field, true);
        return {};
    }
    // An optional field may be null (Python None); a required null is a type error (caller).
    if (it->isNull() && !required)
        return {};
    *present = true;
    return *it;
}

QString JsonFields::string(const QString &field, bool required)
{
    bool present = false;
    const QJsonValue v = value(field, required, &present);
    if (!present)
        return {};
    if (!v.isString()) {
        fail(field, false);
        return {};
    }
    return v.toString();
}

QDateTime JsonFields::timestamp(const QString &field, bool required)
{
    bool present = false;
    const QJsonValue v = value(field, required, &present);
    if (!present)
        return {};
    const QDateTime dt = v.isString() ? parseApiTimestamp(v.toString()) : QDateTime();
    if (!dt.isValid())
        fail(field, false);  // not a string, not ISO-8601, or without a timezone offset
    return dt;
}

qint64 JsonFields::integer(const QString &field, bool required)
{
    bool present = false;
    const QJsonValue v = value(field, required, &present);
    if (!present)
        return 0;
    const double d = v.toDouble();
    if (!v.isDouble() || d != static_cast<double>(static_cast<qint64>(d))) {
        fail(field, false);
        return 0;
    }
    return static_cast<qint64>(d);
}

std::optional<double> JsonFields::nullableNumber(const QString &field)
{
    bool present = false;
    const QJsonValue v = value(field, false, &present);
    if (!present)
        return std::nullopt;
    if (!v.isDouble()) {
        fail(field, false);
        return std::nullopt;
    }
    return v.toDouble();
}

bool JsonFields::boolean(const QString &field, bool defaultValue)
{
    bool present = false;
    const QJsonValue v = value(field, false, &present);
    if (!present)
        return defaultValue;
    if (!v.isBool()) {
        fail(field, false);
        return defaultValue;
    }
    return v.toBool();
}

QJsonObject JsonFields::object(const QString &field, bool required)
{
    bool present = false;
    const QJsonValue v = value(field, required, &present);
    if (!present)
        return {};
    if (!v.isObject()) {
        fail(field, false);
        return {};
    }
    return v.toObject();
}

QJsonArray JsonFields::array(const QString &field, bool required)
{
    bool present = false;
    const QJsonValue v = value(field, required, &present);
    if (!present)
        return {};
    if (!v.isArray()) {
        fail(field, false);
        return {};
    }
    return v.toArray();
}

QStringList JsonFields::stringList(const QString &field, bool required)
{
    QStringList out;
    const QJsonArray items = array(field, required);
    for (const QJsonValue &item : items) {
        if (!item.isString()) {
            fail(field, false);
            return {};
        }
        out << item.toString();
    }
    return out;
}

QJsonValue JsonFields::anyValue(const QString &field, bool required, bool allowNull)
{
    const auto it = m_obj.constFind(field);
    if (it == m_obj.constEnd()) {
        if (required)
            fail(field, true);
        return QJsonValue(QJsonValue::Null);
    }
    if (it->isNull() && !allowNull)
        fail(field, false);
    return *it;
}

}  // namespace bd::api

namespace bd::api {

Error readNextPageToken(const QJsonObject &page, const QString &endpoint, bool required, std::optional<QString> *out)
{
    const QString key = QStringLiteral("nextPageToken");
    *out = std::nullopt;
    const auto it = page.constFind(key);
    if (it == page.constEnd())
        return required ? decodeError(endpoint, key, true) : Error();
    if (it->isNull())
        return {};
    if (!it->isString())
        return decodeError(endpoint, key, false);
    *out = it->toString();
    return {};
}

}  // namespace bd::api
