#pragma once
// Internal helper for ApiModels.cpp: reads typed fields from a server object and records the
// first missing or mistyped one as a decode error naming the endpoint and the field.
#include "api/ApiModels.h"

namespace bd::api {

class JsonFields {
public:
    JsonFields(const QJsonObject &object, const QString &endpoint) : m_obj(object), m_endpoint(endpoint) {}

    QString string(const QString &field, bool required = true);
    QDateTime timestamp(const QString &field, bool required = true);
    qint64 integer(const QString &field, bool required = true);
    std::optional<double> nullableNumber(const QString &field);
    bool boolean(const QString &field, bool defaultValue = false);
    QJsonObject object(const QString &field, bool required = true);
    QJsonArray array(const QString &field, bool required = true);
    QStringList stringList(const QString &field, bool required = true);
    // Present (object, string or, when allowNull, null) – free-form fields such as notification.
    QJsonValue anyValue(const QString &field, bool required, bool allowNull);
    // A nullable optional string: "" when absent or null.
    QString optionalString(const QString &field) { return string(field, false); }

    bool ok() const { return !m_error.isError(); }
    const Error &error() const { return m_error; }
    // Pass the first error out; returns ok().
    bool report(Error *out) const;

private:
    QJsonValue value(const QString &field, bool required, bool *present);
    void fail(const QString &field, bool missing);

    const QJsonObject &m_obj;
    QString m_endpoint;
    Error m_error;
};

}  // namespace bd::api

namespace bd::api {

// Parse page[key] as an array of T (T::fromJson); a missing key, a non-array or a non-object
// item is a decode error naming `key`.
template <class T>
Error parseObjectArray(const QJsonObject &page, const QString &key, const QString &endpoint, QVector<T> *out)
{
    const auto it = page.constFind(key);
    if (it == page.constEnd())
        return decodeError(endpoint, key, true);
    if (!it->isArray())
        return decodeError(endpoint, key, false);
    const QJsonArray items = it->toArray();
    for (const QJsonValue &v : items) {
        if (!v.isObject())
            return decodeError(endpoint, key, false);
        Error error;
        const std::optional<T> item = T::fromJson(v.toObject(), endpoint, &error);
        if (!item)
            return error;
        out->append(*item);
    }
    return {};
}

// nextPageToken: nullopt when null or absent (absent is an error when `required`, as for B1/B5).
Error readNextPageToken(const QJsonObject &page, const QString &endpoint, bool required, std::optional<QString> *out);

}  // namespace bd::api
