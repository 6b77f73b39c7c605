// data-staging create-batch-of-images / create-batch-of-videos, with rf-cloud's data sources
// (spec §7, §14):
//   --data-source local-directory (default): folders through bd::staging::IngestOperation (scan,
//       plan, upload queue, indexing wait; resumable from the ingest journal);
//   --data-source references-file -r FILE|URL: a §7.1 JSONL file sent inline in chunks (D10/D11),
//       or an https URL passed to the service untouched;
//   --data-source cloud-storage -bp s3://|gs://|az://...: listed and signed locally
//       (CloudIngestPlanner), then sent like a references file; --save-references keeps the list;
//   --data-source roboql -q QUERY (images only): D12.
// The last three run bd::staging::ReferencesIngestOperation. Every run prints the same summary
// (IngestSummary) as text or, with --json, as one document.
#include "api/ApiClient.h"
#include "cli/CliCommand.h"
#include "cli/CliContext.h"
#include "cli/CommandOptions.h"
#include "cli/ProgressPrinter.h"
#include "core/Timeline.h"
#include "staging/BatchNaming.h"
#include "staging/CloudIngestPlanner.h"
#include "staging/IngestOperation.h"
#include "staging/ReferencesIngestOperation.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>

#include <tuple>

namespace bd::cli {
namespace {

const QString kLocal = QStringLiteral("local-directory");
const QString kReferences = QStringLiteral("references-file");
const QString kCloud = QStringLiteral("cloud-storage");
const QString kRoboql = QStringLiteral("roboql");
constexpr int kSuggestedMaxVideos = 1000;   // §6.4 / §7.3: a warning above this

// Runs an operation to its end with the shared progress line (and --debug status lines).
void runToEnd(CliContext &ctx, Operation &operation)
{
    ProgressPrinter printer(&operation);
    QObject::connect(&operation, &Operation::statusTextChanged, &operation, [&ctx, &operation](const QString &text) {
        if (ctx.isDebug() && !text.isEmpty())
            ctx.err() << operation.title() << ": " << text << Qt::endl;
    });
    ctx.runToEnd(operation);   // Ctrl-C / SIGTERM cancel it; the journal keeps what was done
}

int reportSummary(CliContext &ctx, const staging::IngestSummary &summary, const Error &error, QJsonObject extra = {})
{
    if (ctx.isJson()) {
        QJsonObject doc = summary.toJson();
        for (auto it = extra.begin(); it != extra.end(); ++it)
            doc.insert(it.key(), it.value());
        if (error)
            doc.insert(QStringLiteral("error"), QJsonObject{ { QStringLiteral("kind"), errorKindName(error.kind) },
                                                             { QStringLiteral("message"), error.message } });
        ctx.printJson(doc);
        return error ? 1 : 0;
    }
    if (summary.resumed)
        ctx.err() << "Resumed ingest " << summary.ingestId << '.' << Qt::endl;
    ctx.out() << summary.toText() << Qt::endl;
    return error ? ctx.fail(error) : 0;
}

void declareOptions(CommandOptions &opts, bool videos)
{
    opts.addValue({ QStringLiteral("b"), QStringLiteral("batch-id") },
                  QStringLiteral("Identifier of the new batch (lower-case letters, digits, '-' and '_')."),
                  QStringLiteral("batch-id"), true);
    opts.addValue({ QStringLiteral("ds"), QStringLiteral("data-source") },
                  QStringLiteral("Where the data comes from: local-directory, references-file, cloud-storage%1.")
                      .arg(videos ? QString() : QStringLiteral(" or roboql")),
                  QStringLiteral("source"), false, kLocal);
    opts.addValue({ videos ? QStringLiteral("videos-dir") : QStringLiteral("images-dir") },
                  videos ? QStringLiteral("Folder with videos (repeatable; local-directory).")
                         : QStringLiteral("Folder with images (repeatable; local-directory)."),
                  QStringLiteral("path"));
    opts.addValue({ QStringLiteral("r"), QStringLiteral("references") },
                  QStringLiteral("JSONL file of {\"name\", \"url\"} lines, or an https URL of one (references-file)."),
                  QStringLiteral("file-or-url"));
    opts.addValue({ QStringLiteral("bp"), QStringLiteral("bucket-path") },
                  QStringLiteral("s3://, gs:// or az:// path, optionally with a glob such as **/*.jpg (cloud-storage)."),
                  QStringLiteral("path"));
    if (!videos)
        opts.addValue({ QStringLiteral("q"), QStringLiteral("query") }, QStringLiteral("RoboQL query (roboql)."),
                      QStringLiteral("query"));
    opts.addValue({ QStringLiteral("bn"), QStringLiteral("batch-name") },
                  QStringLiteral("Display name of the batch (default: the batch id)."), QStringLiteral("name"));
    opts.addValue({ QStringLiteral("i"), QStringLiteral("ingest-id") },
                  QStringLiteral("Ingest identifier (default: reused from an interrupted run, else derived or a new UUID)."),
                  QStringLiteral("id"));
    opts.addValue({ QStringLiteral("notifications-url") },
                  QStringLiteral("Webhook URL for ingest notifications."), QStringLiteral("url"));
    opts.addValue({ QStringLiteral("notification-category") },
                  QStringLiteral("ingest-status (default) or files-status; repeatable (references-file, cloud-storage)."),
                  QStringLiteral("category"));
    opts.addValue({ QStringLiteral("save-references") },
                  QStringLiteral("cloud-storage: also write the signed references to this JSONL file."),
                  QStringLiteral("file"));
    opts.addFlag({ QStringLiteral("list-only") },
                  QStringLiteral("references-file, cloud-storage: preview the names (and problems), ingest nothing."));
    opts.addValue({ QStringLiteral("chunk-size") },
                  QStringLiteral("References per ingest request (images; default MAX_IMAGE_REFERENCES_IN_INGEST_REQUEST or 20000)."),
                  QStringLiteral("n"));
    opts.addValue({ QStringLiteral("concurrency") },
                  QStringLiteral("Exactly this many transfers at once (local-directory; default: adapt to the link)."),
                  QStringLiteral("n"));
    opts.addValue({ QStringLiteral("max-concurrency") },
                  QStringLiteral("Most transfers at once while adapting (local-directory; default: the setting "
                                 "transfers/maxConcurrency or 16)."),
                  QStringLiteral("n"));
    opts.addValue({ QStringLiteral("shard-max-files") }, QStringLiteral("Images per tar shard (local-directory)."),
                  QStringLiteral("n"), false, QStringLiteral("256"));
    opts.addValue({ QStringLiteral("index-timeout") },
                  QStringLiteral("Seconds to wait for the service to index the files."), QStringLiteral("s"), false,
                  QStringLiteral("600"));
    opts.addFlag({ QStringLiteral("no-recursive") }, QStringLiteral("Scan only the top level of each folder (local-directory)."));
    opts.addFlag({ QStringLiteral("no-wait") }, QStringLiteral("Do not wait for indexing after the upload."));
}

int runLocal(CliContext &ctx, CommandOptions &opts, staging::MediaSelection media, const QString &batchId)
{
    const bool videos = media == staging::MediaSelection::Videos;
    const QString dirOption = videos ? QStringLiteral("videos-dir") : QStringLiteral("images-dir");
    // Unset: 0, the gate adapts (NetworkGate).
    const auto concurrency = opts.isSet(QStringLiteral("concurrency")) ? opts.intValue(QStringLiteral("concurrency"), 1)
                                                                       : std::optional<int>(0);
    const auto maxConcurrency = opts.isSet(QStringLiteral("max-concurrency"))
        ? opts.intValue(QStringLiteral("max-concurrency"), 1) : std::optional<int>(0);
    const auto shardMaxFiles = opts.intValue(QStringLiteral("shard-max-files"), 1);
    const auto indexTimeout = opts.intValue(QStringLiteral("index-timeout"), 1);
    if (!concurrency || !maxConcurrency || !shardMaxFiles || !indexTimeout)
        return 2;
    if (!opts.isSet(dirOption))
        return ctx.usage(QStringLiteral("Missing '--%1' (required with --data-source local-directory).").arg(dirOption));
    if (opts.isSet(QStringLiteral("notification-category")))
        ctx.err() << "Notification categories apply only to references and cloud-storage ingests; ignored." << Qt::endl;

    staging::IngestOptions options;
    options.batchId = batchId;
    options.displayName = opts.value(QStringLiteral("batch-name"));
    options.inputs = opts.values(dirOption);
    for (const QString &input : std::as_const(options.inputs)) {
        if (input.contains(QLatin1String("://")))
            return ctx.usage(QStringLiteral("'%1' is not a local folder; use --data-source cloud-storage --bucket-path %1.")
                                 .arg(input));
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
    if (*concurrency > 0 || *maxConcurrency > 0) {
        api::NetworkGate::TransferLimits limits = client->networkGate()->transferLimits();
        limits.adaptive = *concurrency == 0;
        limits.maximum = *concurrency > 0 ? *concurrency : *maxConcurrency;
        limits.initial = std::min(limits.initial, limits.maximum);
        client->networkGate()->setTransferLimits(limits);
    }
    staging::IngestOperation ingest(client, options);
    runToEnd(ctx, ingest);
    timeline::mark(QStringLiteral("cli: ingest ended"));
    // The summary keeps the first of each list; --json lists skipped and failed in full, read
    // from the scan and the journal one row at a time.
    QJsonObject full;
    if (ctx.isJson()) {
        using List = staging::IngestOperation::OutcomeList;
        const staging::IngestSummary &summary = ingest.summary();
        for (const auto &[list, key, total, sample] :
             { std::tuple{ List::Skipped, QStringLiteral("skipped"), summary.skippedTotal(), summary.skipped.size() },
               std::tuple{ List::Failed, QStringLiteral("failed"), summary.failedTotal(), summary.failed.size() } }) {
            if (total <= sample)
                continue;
            QJsonArray items;
            ingest.forEachOutcome(list, [&items](const staging::IngestFileOutcome &o) {
                items.append(QJsonObject{ { QStringLiteral("path"), o.path }, { QStringLiteral("name"), o.name },
                                          { QStringLiteral("reason"), o.reason }, { QStringLiteral("detail"), o.detail } });
                return true;
            });
            full.insert(key, items);
        }
    }
    const int code = reportSummary(ctx, ingest.summary(), ingest.error(), full);
    timeline::mark(QStringLiteral("cli: summary printed"));
    return code;
}

// Which credentials signed a cloud listing: shown by --list-only (and in --json), never a secret.
struct CredentialSource {
    QString kind;
    QString description;
    QDateTime expiration;
    QJsonObject toJson() const
    {
        QJsonObject o{ { QStringLiteral("kind"), kind }, { QStringLiteral("description"), description } };
        if (expiration.isValid())
            o.insert(QStringLiteral("expiration"), expiration.toString(Qt::ISODate));
        return o;
    }
};

// Lists and signs a bucket path (CloudIngestPlanner); nullopt with `*rc` set on failure.
std::optional<QVector<staging::ReferenceEntry>> planCloud(CliContext &ctx, CommandOptions &opts, bool videos, int *rc,
                                                          CredentialSource *source)
{
    staging::CloudIngestPlanner::Request request;
    request.bucketPath = opts.value(QStringLiteral("bucket-path"));
    request.videos = videos;
    staging::CloudIngestPlanner planner(request);
    runToEnd(ctx, planner);
    if (planner.error()) {
        *rc = ctx.fail(planner.error());
        return std::nullopt;
    }
    const staging::CloudCredentials &credentials = planner.credentials();
    *source = { credentials.sourceKind, credentials.source, credentials.expiration };
    ctx.err() << "Found " << planner.references().size() << (videos ? " videos" : " images") << " under "
              << planner.bucketPath().base << " (credentials: " << credentials.source << ")." << Qt::endl;
    if (credentials.expiration.isValid())
        ctx.err() << "These are temporary credentials: the signed URLs stop working when they expire ("
                  << credentials.expiration.toString(Qt::ISODate) << ")." << Qt::endl;
    if (opts.isSet(QStringLiteral("save-references"))) {
        Error error;
        const QString path = opts.value(QStringLiteral("save-references"));
        if (!planner.saveReferences(path, &error)) {
            *rc = ctx.fail(error);
            return std::nullopt;
        }
        ctx.err() << "Saved " << planner.references().size() << " signed references to " << path
                  << " (valid " << request.expirySeconds / 3600 << " h)." << Qt::endl;
    }
    return planner.references();
}

// --list-only: the names that would be ingested (never the URLs) and the problems found.
int preview(CliContext &ctx, const QString &batchId, const QVector<staging::ReferenceEntry> &refs,
            const QVector<staging::ReferenceProblem> &problems, const CredentialSource *source = nullptr)
{
    constexpr int kListedInText = 20;
    QStringList names;
    for (const staging::ReferenceEntry &r : refs)
        names << r.name;
    QStringList messages;
    for (const staging::ReferenceProblem &p : problems)
        messages << p.message;
    if (ctx.isJson()) {
        QJsonObject o{ { QStringLiteral("batchId"), batchId }, { QStringLiteral("references"), int(refs.size()) },
                       { QStringLiteral("names"), QJsonArray::fromStringList(names) },
                       { QStringLiteral("problems"), QJsonArray::fromStringList(messages) } };
        if (source)
            o.insert(QStringLiteral("credentialSource"), source->toJson());
        ctx.printJson(o);
    } else {
        if (source)
            ctx.out() << "Credentials: " << source->description << Qt::endl;
        ctx.out() << refs.size() << " references; nothing ingested (--list-only)." << Qt::endl;
        for (int i = 0; i < names.size() && i < kListedInText; ++i)
            ctx.out() << "  " << names.at(i) << Qt::endl;
        if (names.size() > kListedInText)
            ctx.out() << "  ... and " << names.size() - kListedInText << " more" << Qt::endl;
        for (const QString &m : std::as_const(messages))
            ctx.err() << "Problem: " << m << Qt::endl;
    }
    return problems.isEmpty() ? 0 : 1;
}

int runRemote(CliContext &ctx, CommandOptions &opts, const QString &source, bool videos, const QString &batchId)
{
    const auto indexTimeout = opts.intValue(QStringLiteral("index-timeout"), 1);
    if (!indexTimeout)
        return 2;
    int chunkSize = staging::kDefaultReferencesChunkSize;
    const QString envChunk = qEnvironmentVariable("MAX_IMAGE_REFERENCES_IN_INGEST_REQUEST");
    if (!envChunk.isEmpty() && envChunk.toInt() > 0)
        chunkSize = envChunk.toInt();
    if (opts.isSet(QStringLiteral("chunk-size"))) {
        const auto parsed = opts.intValue(QStringLiteral("chunk-size"), 1);
        if (!parsed)
            return 2;
        chunkSize = *parsed;
    }
    QStringList categories = opts.values(QStringLiteral("notification-category"));
    for (const QString &c : std::as_const(categories)) {
        if (c != QLatin1String("ingest-status") && c != QLatin1String("files-status"))
            return ctx.usage(QStringLiteral("Invalid value '%1' for '--notification-category': expected ingest-status or files-status.").arg(c));
    }
    categories.removeDuplicates();

    staging::ReferencesIngestOptions options;
    options.batchId = batchId;
    options.displayName = opts.value(QStringLiteral("batch-name"));
    options.videos = videos;
    options.chunkSize = chunkSize;
    options.ingestId = opts.value(QStringLiteral("ingest-id"));
    options.notificationsUrl = opts.value(QStringLiteral("notifications-url"));
    options.notificationCategories = categories;
    options.waitForIndexing = !opts.isSet(QStringLiteral("no-wait"));
    options.indexTimeoutMs = qint64(*indexTimeout) * 1000;

    CredentialSource credentialSource;   // cloud-storage: which credentials signed the URLs
    if (source == kReferences) {
        const QString references = opts.value(QStringLiteral("references"));
        if (references.isEmpty())
            return ctx.usage(QStringLiteral("Missing '--references' (required with --data-source references-file)."));
        if (references.startsWith(QLatin1String("https://")) || references.startsWith(QLatin1String("http://"))) {
            options.referencesUrl = references;
        } else {
            Error error;
            options.references = staging::ReferencesIngestOperation::readReferencesFile(references, &error);
            if (error)
                return ctx.fail(error);
            const auto problems = staging::ReferencesIngestOperation::validate(options.references);
            if (opts.isSet(QStringLiteral("list-only")))
                return preview(ctx, batchId, options.references, problems);
            if (!problems.isEmpty())
                return ctx.fail(Error(ErrorKind::InvalidInput, staging::ReferencesIngestOperation::describeProblems(problems)));
        }
    } else if (source == kCloud) {
        if (opts.value(QStringLiteral("bucket-path")).isEmpty())
            return ctx.usage(QStringLiteral("Missing '--bucket-path' (required with --data-source cloud-storage)."));
        int rc = 0;
        auto planned = planCloud(ctx, opts, videos, &rc, &credentialSource);
        if (!planned)
            return rc;
        if (opts.isSet(QStringLiteral("list-only")))
            return preview(ctx, batchId, *planned, {}, &credentialSource);
        options.references = *planned;
        options.method = QStringLiteral("cloud-storage");
    } else {
        options.roboqlQuery = opts.value(QStringLiteral("query"));
        if (options.roboqlQuery.isEmpty())
            return ctx.usage(QStringLiteral("Missing '--query' (required with --data-source roboql)."));
        if (!categories.isEmpty())
            ctx.err() << "RoboQL ingests send one webhook at the end; --notification-category is ignored." << Qt::endl;
        options.notificationCategories.clear();
    }
    if (videos && options.references.size() > kSuggestedMaxVideos)
        ctx.err() << "Warning: " << options.references.size() << " videos in one batch (more than "
                  << kSuggestedMaxVideos << " is not recommended)." << Qt::endl;

    Error error;
    api::ApiClient *client = ctx.api(&error);
    if (!client)
        return ctx.fail(error);
    staging::ReferencesIngestOperation ingest(client, options);
    runToEnd(ctx, ingest);
    if (ingest.duplicatedChunks() > 0 && !ctx.isJson())
        ctx.err() << "The service already had " << ingest.duplicatedChunks() << " of " << ingest.chunkIngestIds().size()
                  << " ingest request(s) (same ingest id): not ingested twice." << Qt::endl;
    QJsonObject extra{ { QStringLiteral("dataSource"), source },
                       { QStringLiteral("chunkIngestIds"), QJsonArray::fromStringList(ingest.chunkIngestIds()) },
                       { QStringLiteral("duplicatedChunks"), ingest.duplicatedChunks() } };
    if (source == kCloud)
        extra.insert(QStringLiteral("credentialSource"), credentialSource.toJson());
    return reportSummary(ctx, ingest.summary(), ingest.error(), extra);
}

int createBatch(CliContext &ctx, const QStringList &args, staging::MediaSelection media)
{
    const bool videos = media == staging::MediaSelection::Videos;
    CommandOptions opts(ctx);
    declareOptions(opts, videos);
    if (auto rc = opts.parse(args))
        return *rc;
    QStringList sources{ kLocal, kReferences, kCloud };
    if (!videos)
        sources << kRoboql;   // §4.13: the videos command has no roboql branch
    const auto source = opts.choiceValue(QStringLiteral("data-source"), sources);
    if (!source)
        return 2;
    const QString batchId = opts.value(QStringLiteral("batch-id"));
    if (!staging::BatchNaming::isValidBatchId(batchId))
        return ctx.usage(QStringLiteral("Invalid batch id '%1': use at most 64 lower-case letters, digits, '-' and '_'.")
                             .arg(batchId));
    if (source->isEmpty() || *source == kLocal)
        return runLocal(ctx, opts, media, batchId);
    return runRemote(ctx, opts, *source, videos, batchId);
}

}  // namespace

QVector<CliCommand> ingestCommands()
{
    return {
        { QStringLiteral("data-staging"), QStringLiteral("create-batch-of-images"),
          QStringLiteral("Create a staging batch of images from a folder, a references file, a cloud bucket or a RoboQL query."),
          [](CliContext &ctx, const QStringList &args) { return createBatch(ctx, args, staging::MediaSelection::Images); } },
        { QStringLiteral("data-staging"), QStringLiteral("create-batch-of-videos"),
          QStringLiteral("Create a staging batch of videos from a folder, a references file or a cloud bucket."),
          [](CliContext &ctx, const QStringList &args) { return createBatch(ctx, args, staging::MediaSelection::Videos); } },
    };
}

}  // namespace bd::cli
