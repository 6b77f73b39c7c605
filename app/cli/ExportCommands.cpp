// data-staging export-batch: a batch (or a job's export-stage outputs) into a local folder through
// bd::ExportOperation (plan, skip what is done, concurrent resumable downloads, safe extraction of
// archives, .export_log.jsonl), with a live progress line and a summary. Running the same command
// again resumes: finished files are skipped via the log and journal, partial ones continue from
// their .part bytes with a Range request.
#include "api/ApiClient.h"
#include "cli/CliCommand.h"
#include "cli/CliContext.h"
#include "cli/CommandOptions.h"
#include "cli/ProgressPrinter.h"
#include "core/Format.h"
#include "exports/ExportOperation.h"

#include <QDir>
#include <QJsonObject>

#include <csignal>

namespace bd::cli {
namespace {

int exportBatch(CliContext &ctx, const QStringList &args)
{
    // The reference CLI reads its thread count from MAX_DOWNLOAD_THREADS (default 8).
    bool envOk = false;
    const int envThreads = qEnvironmentVariableIntValue("MAX_DOWNLOAD_THREADS", &envOk);
    const QString defaultConcurrency = QString::number(envOk && envThreads > 0 ? envThreads : 8);

    CommandOptions opts(ctx);
    opts.addValue({ QStringLiteral("b"), QStringLiteral("batch-id") },
                  QStringLiteral("Batch to export (with --job-id: only this output batch of the job)."),
                  QStringLiteral("batch-id"));
    opts.addValue({ QStringLiteral("job-id") },
                  QStringLiteral("Export the output batches of this job's export stage instead (each into <target>/<batch-id>)."),
                  QStringLiteral("job-id"));
    opts.addFlag({ QStringLiteral("all-stages") }, QStringLiteral("With --job-id: the outputs of every stage."));
    opts.addValue({ QStringLiteral("t"), QStringLiteral("target-dir") }, QStringLiteral("Folder to download into."),
                  QStringLiteral("path"), true);
    opts.addValue({ QStringLiteral("pn"), QStringLiteral("part-name") },
                  QStringLiteral("Only this part of a multipart batch (repeatable)."), QStringLiteral("name"));
    opts.addFlag({ QStringLiteral("override-existing") },
                  QStringLiteral("Download again files the export log lists as done."));
    opts.addValue({ QStringLiteral("concurrency") },
                  QStringLiteral("Downloads at once (default: MAX_DOWNLOAD_THREADS or 8)."), QStringLiteral("n"), false,
                  defaultConcurrency);
    opts.addFlag({ QStringLiteral("keep-archives") }, QStringLiteral("Keep .tar/.tar.gz/.tgz/.zip files after extracting them."));
    const ExtractOptions defaults;
    opts.addValue({ QStringLiteral("max-expansion-ratio") },
                  QStringLiteral("Refuse an archive that expands to more than N times its size (at least %1 allowed; "
                                 "0: no ratio cap).").arg(formatBytes(defaults.ratioFloorBytes)),
                  QStringLiteral("n"), false, QString::number(defaults.maxExpansionRatio));
    opts.addValue({ QStringLiteral("max-expanded-mib") },
                  QStringLiteral("Refuse an archive that expands to more than this many MiB."), QStringLiteral("mib"), false,
                  QString::number(defaults.maxExpandedBytes >> 20));
    if (auto rc = opts.parse(args))
        return *rc;
    const auto concurrency = opts.intValue(QStringLiteral("concurrency"), 1);
    if (!concurrency)
        return 2;
    const auto ratio = opts.intValue(QStringLiteral("max-expansion-ratio"), 0);
    const auto expandedMib = opts.intValue(QStringLiteral("max-expanded-mib"), 1);
    if (!ratio || !expandedMib)
        return 2;
    const QString batchId = opts.value(QStringLiteral("batch-id"));
    const QString jobId = opts.value(QStringLiteral("job-id"));
    if (batchId.isEmpty() && jobId.isEmpty())
        return ctx.usage(QStringLiteral("Give --batch-id, --job-id, or both (one output batch of a job)."));
    if (opts.isSet(QStringLiteral("all-stages")) && jobId.isEmpty())
        return ctx.usage(QStringLiteral("--all-stages needs --job-id."));

    ExportOptions options;
    if (!batchId.isEmpty())
        options.batchIds = { batchId };
    options.jobId = jobId;
    options.allStages = opts.isSet(QStringLiteral("all-stages"));
    options.targetDir = QDir(opts.value(QStringLiteral("target-dir"))).absolutePath();
    options.partNames = opts.values(QStringLiteral("part-name"));
    options.overrideExisting = opts.isSet(QStringLiteral("override-existing"));
    options.concurrency = *concurrency;
    options.keepArchives = opts.isSet(QStringLiteral("keep-archives"));
    options.extract.maxExpansionRatio = *ratio;
    options.extract.maxExpandedBytes = qint64(*expandedMib) << 20;

    Error error;
    api::ApiClient *client = ctx.api(&error);
    if (!client)
        return ctx.fail(error);

    // The connection's gate starts at --concurrency transfers (it lowers that when the link is
    // overloaded or the service says 429); the export itself never runs more than --concurrency.
    api::NetworkGate::TransferLimits limits = client->networkGate()->transferLimits();
    limits.initial = *concurrency;
    limits.maximum = qMax(limits.maximum, *concurrency);
    client->networkGate()->setTransferLimits(limits);

    // A write past RLIMIT_FSIZE must fail with EFBIG (reported as a full disk), not kill us.
    std::signal(SIGXFSZ, SIG_IGN);

    ExportOperation exportOp(client, options);
    ProgressPrinter printer(&exportOp);
    QObject::connect(&exportOp, &Operation::statusTextChanged, &exportOp, [&ctx, &exportOp](const QString &text) {
        if (ctx.isDebug() && !text.isEmpty())
            ctx.err() << exportOp.title() << ": " << text << Qt::endl;
    });
    QObject::connect(&exportOp, &ExportOperation::planned, &exportOp, [&ctx](int total, int toDownload) {
        if (!ctx.isJson())
            ctx.err() << total << " files listed, " << toDownload << " to download." << Qt::endl;
    });
    QObject::connect(&exportOp, &ExportOperation::waitingForTarget, &exportOp, [&ctx](const QString &root) {
        ctx.err() << "Another export is writing into " << root << "; waiting for it to finish." << Qt::endl;
    });
    ctx.runToEnd(exportOp);   // Ctrl-C / SIGTERM cancel it; finished files and the export log stay

    const ExportSummary &summary = exportOp.summary();
    if (ctx.isJson()) {
        QJsonObject doc = summary.toJson();
        doc.insert(QStringLiteral("targetDir"), options.targetDir);
        QJsonObject folders;
        const QMap<QString, QString> byBatch = exportOp.targetFolders();
        for (auto it = byBatch.cbegin(); it != byBatch.cend(); ++it)
            folders.insert(it.key(), it.value());
        doc.insert(QStringLiteral("batchFolders"), folders);
        if (exportOp.error())
            doc.insert(QStringLiteral("error"), QJsonObject{ { QStringLiteral("kind"), errorKindName(exportOp.error().kind) },
                                                             { QStringLiteral("message"), exportOp.error().message } });
        ctx.printJson(doc);
        return exportOp.error() ? 1 : 0;
    }
    ctx.out() << summary.toText() << Qt::endl;
    const QMap<QString, QString> byBatch = exportOp.targetFolders();
    if (byBatch.size() > 1 || (!byBatch.isEmpty() && byBatch.first() != options.targetDir))
        for (auto it = byBatch.cbegin(); it != byBatch.cend(); ++it)
            ctx.out() << "Batch " << it.key() << " -> " << it.value() << Qt::endl;
    return exportOp.error() ? ctx.fail(exportOp.error()) : 0;
}

}  // namespace

QVector<CliCommand> exportCommands()
{
    return {
        { QStringLiteral("data-staging"), QStringLiteral("export-batch"),
          QStringLiteral("Download a batch (or a job's export outputs) into a folder, extracting archives (resumable)."),
          exportBatch },
    };
}

}  // namespace bd::cli
