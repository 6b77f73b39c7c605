#include "jobs/JobSpecCliReader.h"

namespace bd::jobs {

CliOptionReader::CliOptionReader(QList<Option> options)
    : m_options(std::move(options))
{
}

const CliOptionReader::Option *CliOptionReader::find(const QString &name) const
{
    for (const Option &o : m_options)
        if (o.names.contains(name))
            return &o;
    return nullptr;
}

const CliOptionReader::Option *CliOptionReader::byCanonical(const QString &name) const
{
    for (const Option &o : m_options)
        if (o.names.constFirst() == name)
            return &o;
    return nullptr;
}

void CliOptionReader::read(const QStringList &args, FieldProblems &problems)
{
    const QString argumentsField = QStringLiteral("arguments");
    for (qsizetype i = 0; i < args.size(); ++i) {
        QString name = args.at(i);
        std::optional<QString> inlineValue;
        if (name.startsWith(QLatin1String("--"))) {
            const qsizetype eq = name.indexOf(QLatin1Char('='));
            if (eq > 0) {
                inlineValue = name.mid(eq + 1);
                name.truncate(eq);
            }
        }
        if (!name.startsWith(QLatin1Char('-')) || name == QLatin1String("-")) {
            problems.append({argumentsField, QStringLiteral("unexpected argument \"%1\"").arg(name)});
            continue;
        }
        const Option *option = find(name);
        if (!option) {
            problems.append({argumentsField, QStringLiteral("unknown option %1").arg(name)});
            continue;
        }
        QStringList &slot = m_values[option->names.constFirst()];
        if (!option->takesValue) {
            if (inlineValue)
                problems.append({option->field, QStringLiteral("%1 takes no value").arg(name)});
            slot.append(QString());
            continue;
        }
        if (inlineValue) {
            slot.append(*inlineValue);
        } else if (i + 1 < args.size()) {
            slot.append(args.at(++i));
        } else {
            problems.append({option->field, QStringLiteral("%1 needs a value").arg(name)});
        }
    }
}

QString CliOptionReader::value(const QString &name) const
{
    const QStringList v = m_values.value(name);
    return v.isEmpty() ? QString() : v.constLast();
}

QStringList CliOptionReader::values(const QString &name) const
{
    return m_values.value(name);
}

std::optional<int> CliOptionReader::intValue(const QString &name, FieldProblems &problems) const
{
    if (!isSet(name))
        return std::nullopt;
    bool ok = false;
    const int v = value(name).toInt(&ok);
    if (!ok) {
        const Option *o = byCanonical(name);
        problems.append({o ? o->field : name,
                         QStringLiteral("%1 expects a whole number (got \"%2\")").arg(name, value(name))});
        return std::nullopt;
    }
    return v;
}

std::optional<double> CliOptionReader::doubleValue(const QString &name, FieldProblems &problems) const
{
    if (!isSet(name))
        return std::nullopt;
    bool ok = false;
    const double v = value(name).toDouble(&ok);
    if (!ok) {
        const Option *o = byCanonical(name);
        problems.append({o ? o->field : name,
                         QStringLiteral("%1 expects a number (got \"%2\")").arg(name, value(name))});
        return std::nullopt;
    }
    return v;
}

}  // namespace bd::jobs
