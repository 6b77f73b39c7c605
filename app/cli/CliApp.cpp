#include "cli/CliApp.h"

#include "batchdeck/Version.h"
#include "cli/CliCommand.h"
#include "cli/CliContext.h"
#include "core/Redact.h"

#include <QLoggingCategory>
#include <QSet>

namespace bd::cli {
namespace {

bool isHelpWord(const QString &arg)
{
    return arg == QLatin1String("--help") || arg == QLatin1String("-h") || arg == QLatin1String("help");
}

QStringList groupsInOrder(const QVector<CliCommand> &commands)
{
    QStringList groups;
    for (const CliCommand &c : commands)
        if (!c.group.isEmpty() && !groups.contains(c.group))
            groups << c.group;
    return groups;
}

QString line(const QString &name, const QString &summary)
{
    return QStringLiteral("  ") + name.leftJustified(32) + QLatin1Char(' ') + summary + QLatin1Char('\n');
}

QString topHelp(const QVector<CliCommand> &commands)
{
    QString text = QStringLiteral(
        "Usage: batchdeck-cli [global options] <group> <command> [options]\n\n"
        "Command-line client for Roboflow Batch Processing and Data Staging, with the command\n"
        "tree of `inference rf-cloud`.\n\nGroups:\n");
    for (const QString &g : groupsInOrder(commands))
        text += line(g, groupSummary(g));
    text += QStringLiteral("\nCommands:\n");
    for (const CliCommand &c : commands)
        if (c.group.isEmpty())
            text += line(c.name, c.summary);
    return text + QLatin1Char('\n') + globalOptionsHelp();
}

QString groupHelp(const QVector<CliCommand> &commands, const QString &group)
{
    QString text = QStringLiteral("Usage: batchdeck-cli %1 <command> [options]\n\n%2\n\nCommands:\n")
                       .arg(group, groupSummary(group));
    for (const CliCommand &c : commands)
        if (c.group == group)
            text += line(c.name, c.summary);
    return text + QLatin1Char('\n') + globalOptionsHelp();
}

const CliCommand *findCommand(const QVector<CliCommand> &commands, const QString &group, const QString &name)
{
    for (const CliCommand &c : commands)
        if (c.group == group && c.name == name)
            return &c;
    return nullptr;
}

}  // namespace

int runCli(const QStringList &arguments)
{
    installRedactingMessageHandler();
    QStringList args = arguments.mid(1);
    GlobalOptions globals;
    QString globalsError;
    const bool globalsOk = extractGlobalOptions(&args, &globals, &globalsError);
    CliContext ctx(globals);
    if (!globalsOk)
        return ctx.usage(globalsError);
    if (globals.debug)
        QLoggingCategory::setFilterRules(QStringLiteral("batchdeck.*.debug=true"));
    if (!globals.apiKey.isEmpty())
        ctx.err() << "Warning: an API key given with --api-key is visible to other local users (for "
                     "example in `ps`). Prefer the ROBOFLOW_API_KEY environment variable or "
                     "`batchdeck-cli login`."
                  << Qt::endl;

    const QVector<CliCommand> commands = allCommands();
    if (args.isEmpty()) {
        ctx.err() << topHelp(commands);
        return 2;
    }
    const QString first = args.takeFirst();
    if (isHelpWord(first)) {
        ctx.out() << topHelp(commands);
        return 0;
    }
    if (first == QLatin1String("--version")) {
        ctx.out() << "batchdeck-cli " << BATCHDECK_VERSION << Qt::endl;
        return 0;
    }
    if (const CliCommand *top = findCommand(commands, QString(), first)) {
        ctx.setCommand(top);
        return top->run(ctx, args);
    }
    if (!groupsInOrder(commands).contains(first))
        return ctx.usage(QStringLiteral("No such command '%1'.").arg(first));
    if (args.isEmpty()) {
        ctx.err() << groupHelp(commands, first);
        return 2;
    }
    const QString name = args.takeFirst();
    if (isHelpWord(name)) {
        ctx.out() << groupHelp(commands, first);
        return 0;
    }
    const CliCommand *command = findCommand(commands, first, name);
    if (!command) {
        ctx.err() << "Usage error: No such command '" << name << "' in '" << first << "'." << Qt::endl
                  << "Try 'batchdeck-cli " << first << " --help' for help." << Qt::endl;
        return 2;
    }
    ctx.setCommand(command);
    // Group commands may run long: Ctrl-C / SIGTERM stop them cleanly (see CliContext). The
    // top-level ones (login reads standard input) keep the default: the signal ends them.
    ctx.catchInterrupts();
    const int code = command->run(ctx, args);
    if (ctx.isInterrupted())
        return ctx.interrupted(QStringLiteral("Run the same command again to continue where it stopped."));
    return code;
}

}  // namespace bd::cli
