// data-staging create-batch-of-images / create-batch-of-videos: local folders into a staging
// batch through bd::staging::IngestOperation (scan, plan, upload queue, indexing wait), with a
// live progress line and a summary where every file is uploaded, skipped or failed with its
// reason. Running the same command again resumes an interrupted run (same ingest id, nothing
// sent twice) from the ingest journal in BATCHDECK_DATA_DIR / the app data folder.
#include "api/ApiClient.h"
#include "cli/CliCommand.h"
#include "cli/CliContext.h"
#include "cli/CommandOptions.h"
#include "cli/ProgressPrinter.h"
#include "staging/BatchNaming.h"
#include "staging/IngestOperation.h"

#include <QEventLoop>
#include <QJsonObject>

namespace bd::cli {
namespace {

int createBatch(CliContext &ctx, const QStringList &args, staging::MediaSelection media)
{
    const bool videos = media == staging::MediaSelection::Videos;
    const QString dirOption = videos ? QStringLiteral("videos-dir") : QStringLiteral("images-dir");
    CommandOptions opts(ctx);
    opts.addValue({ QStringLiteral("b"), QStringLiteral("batch-id") },
                  QStringLiteral("Identifier of the new batch (lower-case letters, digits, '-' and '_')."),
                  QStringLiteral("batch-id"), true);
    opts.addValue({ dirOption }, videos ? QStringLiteral("Folder with videos (repeatable).")
                                        : QStringLiteral("Folder with images (repeatable)."),
                  QStringLiteral("path"), true);
    opts.addValue({ QStringLiteral("bn"), QStringLiteral("batch-name") },
                  QStringLiteral("Display name of the batch (default: the batch id)."), QStringLiteral("name"));
    opts.addValue({ QStringLiteral("i"), QStringLiteral("ingest-id") },
                  QStringLiteral("Ingest identifier (default: reused from an interrupted run, else a new UUID)."),
                  QStringLiteral("id"));
    opts.addValue({ QStringLiteral("notifications-url") },
                  QStringLiteral("Webhook URL for ingest notifications (sharded image ingests)."), QStringLiteral("url"));
    opts.addValue({ QStringLiteral("concurrency") }, QStringLiteral("Transfers running at once."),
                  QStringLiteral("n"), false, QStringLiteral("4"));
    opts.addValue({ QStringLiteral("shard-max-files") }, QStringLiteral("Images per tar shard."),
                  QStringLiteral("n"), false, QStringLiteral("256"));
    opts.addValue({ QStringLiteral("index-timeout") },
                  QStringLiteral("Seconds to wait for the service to index the files."), QStringLiteral("s"), false,
                  QStringLiteral("600"));
    opts.addFlag({ QStringLiteral("no-recursive") }, QStringLiteral("Scan only the top level of each folder."));
    opts.addFlag({ QStringLiteral("no-wait") }, QStringLiteral("Do not wait for indexing after the upload."));
    if (auto rc = opts.parse(args))
        return *rc;
    const auto concurrency = opts.intValue(QStringLiteral("concurrency"), 1);
    const auto shardMaxFiles = opts.intValue(QStringLiteral("shard-max-files"), 1);
    const auto indexTimeout = opts.intValue(QStringLiteral("index-timeout"), 1);
    if (!concurrency || !shardMaxFiles || !indexTimeout)
        return 2;

    staging::IngestOptions options;
    options.batchId = opts.value(QStringLiteral("batch-id"));
    if (!staging::BatchNaming::isValidBatchId(options.batchId))
        return ctx.usage(QStringLiteral("Invalid batch id '%1': use at most 64 lower-case letters, digits, '-' and '_'.")
                             .arg(options.batchId));
    options.displayName = opts.value(QStringLiteral("batch-name"));
    options.inputs = opts.values(dirOption);
    for (const QString &input : std::as_const(options.inputs)) {
        if (input.contains(QLatin1String("://")))
            return ctx.usage(QStringLiteral("'%1' is not a local folder; cloud storage ingests use references.").arg(input));
    }
    options.media = media;
    options.recursive = !opts.isSet(QStringLiteral("no-recursive"));
    options.ingestId = opts.value(QStringLiteral("ingest-id"));
    options.notificationsUrl = opts.value(QStringLiteral("notifications-url"));
    options.concurrency = *concurrency;
    options.plan.shardMaxFiles = *shardMaxFiles;
    options.indexTimeoutMs = qint64(*indexTimeout) * 1000;
    options.waitForIndexing = !opts.isSet(QStringLiteral("no-wait"));

    Error error;
    api::ApiClient *client = ctx.api(&error);
    if (!client)
        return ctx.fail(error);

    staging::IngestOperation ingest(client, options);
    ProgressPrinter printer(&ingest);
    QObject::connect(&ingest, &Operation::statusTextChanged, &ingest, [&ctx, &ingest](const QString &text) {
        if (ctx.isDebug() && !text.isEmpty())
            ctx.err() << ingest.title() << ": " << text << Qt::endl;
    });
    QEventLoop loop;
    QObject::connect(&ingest, &Operation::finished, &loop, &QEventLoop::quit);
    ingest.start();
    loop.exec();

    const staging::IngestSummary &summary = ingest.summary();
    if (ctx.isJson()) {
        QJsonObject doc = summary.toJson();
        if (ingest.error())
            doc.insert(QStringLiteral("error"), QJsonObject{ { QStringLiteral("kind"), errorKindName(ingest.error().kind) },
                                                             { QStringLiteral("message"), ingest.error().message } });
        ctx.printJson(doc);
        return ingest.error() ? 1 : 0;
    }
    if (summary.resumed)
        ctx.err() << "Resumed ingest " << summary.ingestId << '.' << Qt::endl;
    ctx.out() << summary.toText() << Qt::endl;
    return ingest.error() ? ctx.fail(ingest.error()) : 0;
}

}  // namespace

QVector<CliCommand> ingestCommands()
{
    return {
        { QStringLiteral("data-staging"), QStringLiteral("create-batch-of-images"),
          QStringLiteral("Upload a folder of images into a new or existing staging batch (resumable)."),
          [](CliContext &ctx, const QStringList &args) { return createBatch(ctx, args, staging::MediaSelection::Images); } },
        { QStringLiteral("data-staging"), QStringLiteral("create-batch-of-videos"),
          QStringLiteral("Upload a folder of videos into a new or existing staging batch (resumable)."),
          [](CliContext &ctx, const QStringList &args) { return createBatch(ctx, args, staging::MediaSelection::Videos); } },
    };
}

}  // namespace bd::cli
