#include "cli/CommandOptions.h"

#include "cli/CliCommand.h"
#include "cli/CliContext.h"

namespace bd::cli {

QString displayOptionNames(const QStringList &names)
{
    QStringList shown;
    for (const QString &n : names)
        shown << (n.size() <= 2 ? QLatin1String("-") : QLatin1String("--")) + n;
    return shown.join(QStringLiteral(", "));
}

CommandOptions::CommandOptions(CliContext &ctx)
    : m_ctx(ctx)
{
    m_parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    m_parser.setOptionsAfterPositionalArgumentsMode(QCommandLineParser::ParseAsOptions);
    addFlag({QStringLiteral("h"), QStringLiteral("help")}, QStringLiteral("Show this help."));
}

void CommandOptions::addValue(const QStringList &names, const QString &description, const QString &valueName,
                              bool required, const QString &defaultValue)
{
    QCommandLineOption option(names, description, valueName, defaultValue);
    m_parser.addOption(option);
    m_options.append(option);
    if (required)
        m_required.insert(names.constFirst());
}

void CommandOptions::addFlag(const QStringList &names, const QString &description)
{
    QCommandLineOption option(names, description);
    m_parser.addOption(option);
    m_options.append(option);
}

void CommandOptions::addJobFields(jobs::JobKind kind)
{
    const auto names = [](const QStringList &flags) {
        QStringList out;
        for (const QString &flag : flags) {
            QString name = flag;
            while (name.startsWith(QLatin1Char('-')))
                name.remove(0, 1);
            out << name;
        }
        std::stable_sort(out.begin(), out.end(), [](const QString &a, const QString &b) { return a.size() < b.size(); });
        return out;
    };
    for (const jobs::JobField *f : jobs::jobFieldsFor(kind)) {
        if (f->flags.isEmpty())
            continue;
        if (f->type == jobs::FieldType::Switch) {
            addFlag(names(f->flags), f->tooltip);
            if (!f->negativeFlag.isEmpty())
                addFlag(names({f->negativeFlag}), f->negativeTooltip);
            continue;
        }
        QString help = f->tooltip;
        if (f->type == jobs::FieldType::Choice || f->type == jobs::FieldType::ChoiceList)
            help += QStringLiteral(" One of: %1.").arg(f->choices.join(QStringLiteral(", ")));
        addValue(names(f->flags), help, f->metavar, f->required);
    }
}

std::optional<int> CommandOptions::parse(const QStringList &args)
{
    // QCommandLineParser treats the first element as the program name.
    if (!m_parser.parse(QStringList{m_ctx.commandLinePrefix()} + args))
        return m_ctx.usage(m_parser.errorText());
    if (m_parser.isSet(QStringLiteral("help"))) {
        m_ctx.out() << helpText();
        m_ctx.out().flush();
        return 0;
    }
    if (!m_parser.positionalArguments().isEmpty())
        return m_ctx.usage(QStringLiteral("Unexpected argument '%1'.").arg(m_parser.positionalArguments().constFirst()));
    for (const QCommandLineOption &o : std::as_const(m_options)) {
        if (m_required.contains(o.names().constFirst()) && !m_parser.isSet(o.names().constFirst()))
            return m_ctx.usage(QStringLiteral("Missing option '%1'.").arg(displayOptionNames(o.names())));
    }
    return std::nullopt;
}

std::optional<int> CommandOptions::intValue(const QString &name, int minimum)
{
    bool ok = false;
    const QString text = m_parser.value(name);
    const int v = text.toInt(&ok);
    if (!ok || v < minimum) {
        m_ctx.usage(QStringLiteral("Invalid value '%1' for '--%2': expected a whole number >= %3.")
                        .arg(text, name)
                        .arg(minimum));
        return std::nullopt;
    }
    return v;
}

std::optional<QString> CommandOptions::choiceValue(const QString &name, const QStringList &choices)
{
    if (!m_parser.isSet(name))
        return QString();
    const QString v = m_parser.value(name);
    if (!choices.contains(v)) {
        m_ctx.usage(QStringLiteral("Invalid value '%1' for '--%2': expected one of %3.")
                        .arg(v, name, choices.join(QStringLiteral(", "))));
        return std::nullopt;
    }
    return v;
}

QString CommandOptions::helpText() const
{
    QString text = QStringLiteral("Usage: %1 [options]\n\n").arg(m_ctx.commandLinePrefix());
    if (const CliCommand *c = m_ctx.command())
        text += c->summary + QStringLiteral("\n\n");
    text += QStringLiteral("Options:\n");
    for (const QCommandLineOption &o : m_options) {
        QString left = QStringLiteral("  ") + displayOptionNames(o.names());
        if (!o.valueName().isEmpty())
            left += QStringLiteral(" <%1>").arg(o.valueName());
        QString right = o.description();
        if (m_required.contains(o.names().constFirst()))
            right += QStringLiteral(" [required]");
        if (!o.defaultValues().isEmpty())
            right += QStringLiteral(" [default: %1]").arg(o.defaultValues().join(QLatin1Char(',')));
        text += left.leftJustified(34) + QLatin1Char(' ') + right + QLatin1Char('\n');
    }
    return text + QLatin1Char('\n') + globalOptionsHelp();
}

}  // namespace bd::cli
