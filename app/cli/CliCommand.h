#pragma once
// One command of batchdeck-cli and the explicit table of all of them. Commands live in small
// per-topic files, each exporting one list function (stagingCommands(), jobCommands(), ...);
// CommandTable.cpp concatenates those lists. There is deliberately no static self-registration:
// the linker drops unreferenced objects of a static library, and with them such registrars.
#include <QString>
#include <QStringList>
#include <QVector>

#include <functional>

namespace bd::cli {

class CliContext;

struct CliCommand {
    QString group;    // "data-staging", "batch-processing", or empty for a top-level command
    QString name;     // e.g. "list-batches"
    QString summary;  // one line, shown in the group's --help
    // Runs the command with the arguments after its name (global options already removed).
    // Returns the exit code: 0 success, 1 failure (ctx.fail), 2 usage error (ctx.usage).
    std::function<int(CliContext &ctx, const QStringList &args)> run;

    // "data-staging list-batches" / "login".
    QString path() const { return group.isEmpty() ? name : group + QLatin1Char(' ') + name; }
};

// Every command, in help order (CommandTable.cpp).
QVector<CliCommand> allCommands();

// The per-file lists.
QVector<CliCommand> authCommands();     // AuthCommands.cpp: login, logout
QVector<CliCommand> stagingCommands();  // StagingCommands.cpp: list/show staging batches
QVector<CliCommand> jobCommands();      // JobCommands.cpp: list/show/abort/restart jobs, logs
QVector<CliCommand> jobCreateCommands(); // JobCreateCommands.cpp: workflow and TRT jobs
QVector<CliCommand> webhookCommands();  // WebhookCommands.cpp: listen-webhooks
QVector<CliCommand> ingestCommands();   // IngestCommands.cpp: create-batch-of-images / -videos (every data source)
QVector<CliCommand> exportCommands();   // ExportCommands.cpp: export-batch
QVector<CliCommand> watchCommands();    // WatchCommands.cpp: watch-job
QVector<CliCommand> assetLibraryCommands(); // AssetLibraryCommands.cpp: process-asset-library-with-workflow

// The group's one-line description for the top-level --help; empty for unknown groups.
QString groupSummary(const QString &group);

}  // namespace bd::cli
