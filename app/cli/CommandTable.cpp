// The one explicit list of batchdeck-cli commands. To add commands: write a function returning
// QVector<CliCommand> in your own file, declare it in CliCommand.h, and append it here.
#include "cli/CliCommand.h"

namespace bd::cli {

QVector<CliCommand> allCommands()
{
    QVector<CliCommand> all;
    all += authCommands();
    all += stagingCommands();
    all += ingestCommands();  // create-batch-of-images / -videos
    all += exportCommands();  // export-batch
    all += jobCommands();
    all += jobCreateCommands();
    all += assetLibraryCommands();  // process-asset-library-with-workflow
    all += webhookCommands();  // listen-webhooks (WebhookCommands.cpp, automation GUI owner)
    all += watchCommands();   // watch-job
    return all;
}

QString groupSummary(const QString &group)
{
    if (group == QLatin1String("data-staging"))
        return QStringLiteral("Commands to manage Roboflow Data Staging (batches of input data).");
    if (group == QLatin1String("batch-processing"))
        return QStringLiteral("Commands to run and watch Roboflow Batch Processing jobs.");
    return {};
}

}  // namespace bd::cli
