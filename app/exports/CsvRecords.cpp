#include "exports/CsvRecords.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>

#include <cmath>

namespace bd {

QStringList parseCsvRecord(QByteArrayView record)
{
    QStringList fields;
    QByteArray field;
    bool inQuotes = false;
    const qsizetype n = record.size();
    for (qsizetype i = 0; i < n; ++i) {
        const char c = record[i];
        if (inQuotes) {
            if (c == '"') {
                if (i + 1 < n && record[i + 1] == '"') {
                    field.append('"');
                    ++i;
                } else {
                    inQuotes = false;
                }
            } else {
                field.append(c);
            }
        } else if (c == '"') {
            inQuotes = true;
        } else if (c == ',') {
            fields << QString::fromUtf8(field);
            field.clear();
        } else {
            field.append(c);
        }
    }
    fields << QString::fromUtf8(field);
    return fields;
}

QString jsonCellText(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::String:
        return v.toString();
    case QJsonValue::Double: {
        const double d = v.toDouble();
        if (std::floor(d) == d && std::fabs(d) < 9.0e15)
            return QString::number(qint64(d));
        return QString::number(d, 'g', QLocale::FloatingPointShortest);
    }
    case QJsonValue::Bool:
        return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case QJsonValue::Array:
        return QString::fromUtf8(QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact));
    case QJsonValue::Object:
        return QString::fromUtf8(QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact));
    default:
        return {};
    }
}

// Top-level keys of a JSON object text in the order they appear (QJsonObject sorts them, but
// columns should follow the file). Returns nothing for text that is not an object.
QStringList jsonTopLevelKeys(QByteArrayView text)
{
    QStringList keys;
    int depth = 0;
    qsizetype stringStart = -1;   // index of the opening quote of the current depth-1 string
    qsizetype lastString = -1;
    qsizetype lastStringEnd = -1;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char c = text.at(i);
        if (stringStart >= 0) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                lastString = stringStart;
                lastStringEnd = i;
                stringStart = -1;
            }
            continue;
        }
        switch (c) {
        case '"':
            stringStart = i;
            break;
        case '{':
        case '[':
            ++depth;
            break;
        case '}':
        case ']':
            --depth;
            break;
        case ':':
            if (depth == 1 && lastString >= 0) {
                const QByteArray literal = '[' + text.sliced(lastString, lastStringEnd - lastString + 1).toByteArray() + ']';
                keys << QJsonDocument::fromJson(literal).array().at(0).toString();
            }
            break;
        default:
            break;
        }
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '"')
            lastString = -1;
    }
    return keys;
}

}  // namespace bd
