#include "cli/CliOutput.h"

#include "cli/CliContext.h"
#include "cli/TextTable.h"
#include "core/Redact.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

namespace bd::cli {

QString formatDate(const QDateTime &utc)
{
    return utc.isValid() ? utc.toLocalTime().toString(QStringLiteral("dd/MM/yyyy")) : QStringLiteral("-");
}

QString formatDateTime(const QDateTime &utc)
{
    return utc.isValid() ? utc.toLocalTime().toString(QStringLiteral("dd/MM/yyyy HH:mm:ss")) : QStringLiteral("-");
}

QString compactJson(const QJsonValue &value)
{
    if (value.isObject())
        return QString::fromUtf8(QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
    if (value.isArray())
        return QString::fromUtf8(QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact));
    if (value.isNull() || value.isUndefined())
        return QStringLiteral("-");
    return value.toVariant().toString();
}

bool writeJsonLines(const QString &path, const QVector<QJsonObject> &lines, Error *error)
{
    const QFileInfo info(path);
    if (!QDir().mkpath(info.absolutePath())) {
        *error = Error(ErrorKind::Io, QStringLiteral("Could not create the folder %1.").arg(info.absolutePath()));
        return false;
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        *error = Error(ErrorKind::Io, QStringLiteral("Could not write %1: %2").arg(path, file.errorString()));
        return false;
    }
    for (const QJsonObject &line : lines) {
        file.write(QJsonDocument(line).toJson(QJsonDocument::Compact));
        file.write("\n");
    }
    if (!file.commit()) {
        *error = Error(ErrorKind::Io, QStringLiteral("Could not write %1: %2").arg(path, file.errorString()));
        return false;
    }
    return true;
}

QJsonValue redactExcept(const QJsonValue &value, const QStringList &keepWhole)
{
    if (value.isString())
        return redact(value.toString());
    if (value.isArray()) {
        QJsonArray out;
        for (const QJsonValue &v : value.toArray())
            out.append(redactExcept(v, keepWhole));
        return out;
    }
    if (value.isObject()) {
        QJsonObject out;
        const QJsonObject in = value.toObject();
        for (auto it = in.constBegin(); it != in.constEnd(); ++it)
            out.insert(it.key(), keepWhole.contains(it.key()) && it.value().isString() ? it.value()
                                                                                       : redactExcept(it.value(), keepWhole));
        return out;
    }
    return value;
}

namespace detail {

int printListing(CliContext &ctx, const QList<QString> &headers, const QList<QStringList> &cells,
                 const QJsonArray &json, const QVector<QJsonObject> &lines, const QStringList &keepWhole,
                 const QString &outputFile, const QString &noRows, const QString &rowsWritten,
                 const QStringList &notes)
{
    QTextStream &out = ctx.out();
    if (!outputFile.isEmpty()) {
        QVector<QJsonObject> kept;
        for (const QJsonObject &line : lines)
            kept.append(redactExcept(line, keepWhole).toObject());
        Error error;
        if (!writeJsonLines(outputFile, kept, &error))
            return ctx.fail(error);
        if (ctx.isJson())
            ctx.printJson(QJsonObject{{QStringLiteral("outputFile"), outputFile},
                                      {QStringLiteral("entries"), qint64(lines.size())}});
        else
            out << "Written " << lines.size() << ' ' << rowsWritten << " to " << outputFile << Qt::endl;
        return 0;
    }
    if (ctx.isJson()) {
        // Not ctx.printJson(), which redacts the whole text: the requested URLs must stay usable.
        out << QString::fromUtf8(QJsonDocument(redactExcept(json, keepWhole).toArray()).toJson(QJsonDocument::Indented));
        out.flush();
        return 0;
    }
    if (cells.isEmpty() && !noRows.isEmpty()) {
        out << noRows << Qt::endl;
        return 0;
    }
    TextTable table(headers);
    for (const QStringList &row : cells) {
        QStringList shown;
        for (const QString &cell : row)
            shown << redact(cell);
        table.addRow(shown);
    }
    out << table.render();
    for (const QString &note : notes)
        out << note << '\n';
    out.flush();
    return 0;
}

}  // namespace detail

}  // namespace bd::cli
