// data-staging commands that read batches: list-batches, show-batch-details, list-batch-content,
// list-ingest-details (spec §4, call sequences §14). The ingest and export commands live in
// IngestCommands.cpp / ExportCommands.cpp.
#include "api/ApiClient.h"
#include "cli/CliCommand.h"
#include "cli/CliContext.h"
#include "cli/CliOutput.h"
#include "cli/CommandOptions.h"
#include "cli/TextTable.h"

#include <QJsonArray>

namespace bd::cli {
namespace {


const QString kBatchId = QStringLiteral("batch-id");

void addBatchIdOption(CommandOptions &opts)
{
    opts.addValue({QStringLiteral("b"), kBatchId}, QStringLiteral("Identifier of the batch."),
                  QStringLiteral("batch-id"), true);
}

// --page-size: at least 1 when given, 0 (the server's default) when not; nullopt after a usage
// error was reported.
std::optional<int> pageSizeValue(CommandOptions &opts)
{
    if (!opts.isSet(QStringLiteral("page-size")))
        return 0;
    return opts.intValue(QStringLiteral("page-size"), 1);
}

// Fewer than 3 days left: rf-cloud shows these in red.
bool expiresSoon(const api::Batch &batch)
{
    return batch.expiryDate.isValid() && QDateTime::currentDateTimeUtc().secsTo(batch.expiryDate) < 3 * 24 * 3600;
}

// The listings: columns of the table, and the JSON of --json and of -o, described once each.
const Listing<api::Batch> &batchListing()
{
    static const Listing<api::Batch> listing{
        {{QStringLiteral("ID"), [](const api::Batch &b) { return b.batchId; }},
         {QStringLiteral("NAME"), [](const api::Batch &b) { return b.displayName; }},
         {QStringLiteral("CONTENT TYPE"), [](const api::Batch &b) { return b.batchContentType; }},
         {QStringLiteral("EXPIRY"),
          [](const api::Batch &b) { return formatDate(b.expiryDate) + (expiresSoon(b) ? QStringLiteral(" (!)") : QString()); }},
         {QStringLiteral("TYPE"), [](const api::Batch &b) { return b.batchType; }}},
        [](const api::Batch &b) { return b.toJson(); },
        [](const api::Batch &b) { return b.toJson(); },
        {},
        QStringLiteral("No batches found."),
        QStringLiteral("batches"),
    };
    return listing;
}

const Listing<api::BatchFile> &batchFileListing()
{
    static const Listing<api::BatchFile> listing{
        {{QStringLiteral("FILE NAME"), [](const api::BatchFile &f) { return f.fileName; }},
         {QStringLiteral("PART"), [](const api::BatchFile &f) { return f.partName; }},
         {QStringLiteral("SHARD"), [](const api::BatchFile &f) { return f.shardId; }},
         {QStringLiteral("CONTENT TYPE"), [](const api::BatchFile &f) { return f.contentType; }}},
        [](const api::BatchFile &f) { return f.toJson(); },
        [](const api::BatchFile &f) { return f.toSnakeJson(); },
        // The signed URLs are what this command is for: machine output carries them whole.
        {QStringLiteral("downloadURL"), QStringLiteral("download_url")},
        {},
        QStringLiteral("entries"),
    };
    return listing;
}

const Listing<api::Shard> &shardListing()
{
    static const Listing<api::Shard> listing{
        {{QStringLiteral("SHARD ID"), [](const api::Shard &s) { return s.shardId; }},
         {QStringLiteral("STATUS"), [](const api::Shard &s) { return s.statusName; }},
         {QStringLiteral("STATUS TYPE"), [](const api::Shard &s) { return s.statusType; }},
         {QStringLiteral("OBJECTS"), [](const api::Shard &s) { return QString::number(s.shardObjectsCount); }},
         {QStringLiteral("EVENT TIME"), [](const api::Shard &s) { return formatDateTime(s.eventTimestamp); }},
         {QStringLiteral("METADATA"),
          [](const api::Shard &s) { return s.statusMetadata.isEmpty() ? QStringLiteral("-") : compactJson(s.statusMetadata); }}},
        [](const api::Shard &s) { return s.toJson(); },
        [](const api::Shard &s) { return s.toSnakeJson(); },
        {},
        QStringLiteral("No ingest details found."),
        QStringLiteral("shard statuses"),
    };
    return listing;
}

int listBatches(CliContext &ctx, const QStringList &args)
{
    CommandOptions opts(ctx);
    opts.addValue({QStringLiteral("p"), QStringLiteral("pages")}, QStringLiteral("Number of pages to fetch."),
                  QStringLiteral("n"), false, QStringLiteral("1"));
    opts.addValue({QStringLiteral("page-size")}, QStringLiteral("Batches per page (server default if not given)."),
                  QStringLiteral("size"));
    if (auto rc = opts.parse(args))
        return *rc;
    const auto pages = opts.intValue(QStringLiteral("pages"), 1);
    if (!pages)
        return 2;
    const auto pageSize = pageSizeValue(opts);
    if (!pageSize)
        return 2;

    Error error;
    api::ApiClient *client = ctx.api(&error);
    if (!client)
        return ctx.fail(error);
    auto *call = client->listBatches(*pageSize);
    call->setMaxPages(*pages);
    if (!call->exec())
        return ctx.fail(call->error());

    QStringList notes;
    for (const api::Batch &b : call->result())
        if (expiresSoon(b)) {
            notes << QStringLiteral("(!) expires in less than 3 days");
            break;
        }
    if (call->nextPageToken())
        notes << QStringLiteral("More batches available: use --pages to fetch more pages.");
    return printListing(ctx, batchListing(), call->result(), {}, notes);
}

int showBatchDetails(CliContext &ctx, const QStringList &args)
{
    CommandOptions opts(ctx);
    addBatchIdOption(opts);
    if (auto rc = opts.parse(args))
        return *rc;
    const QString batchId = opts.value(kBatchId);

    Error error;
    api::ApiClient *client = ctx.api(&error);
    if (!client)
        return ctx.fail(error);
    auto *batchCall = client->getBatch(batchId);
    if (!batchCall->exec())
        return ctx.fail(batchCall->error());
    const api::Batch batch = batchCall->result();

    QVector<api::BatchPart> parts;
    QVector<qint64> counts;  // one per part, or one for the whole batch
    if (batch.isMultipart()) {
        auto *partsCall = client->listParts(batchId);
        if (!partsCall->exec())
            return ctx.fail(partsCall->error());
        parts = partsCall->result();
        for (const api::BatchPart &part : std::as_const(parts)) {
            auto *count = client->batchCount(batchId, part.partName);
            if (!count->exec())
                return ctx.fail(count->error());
            counts.append(count->result());
        }
    } else {
        auto *count = client->batchCount(batchId);
        if (!count->exec())
            return ctx.fail(count->error());
        counts.append(count->result());
    }

    if (ctx.isJson()) {
        QJsonObject doc{{QStringLiteral("batch"), batch.toJson()}};
        if (batch.isMultipart()) {
            QJsonArray partsJson;
            for (qsizetype i = 0; i < parts.size(); ++i) {
                QJsonObject p = parts.at(i).toJson();
                p.insert(QStringLiteral("count"), counts.at(i));
                partsJson.append(p);
            }
            doc.insert(QStringLiteral("parts"), partsJson);
        } else {
            doc.insert(QStringLiteral("count"), counts.value(0));
        }
        ctx.printJson(doc);
        return 0;
    }
    QTextStream &out = ctx.out();
    out << "Batch ID:     " << batch.batchId << '\n'
        << "Name:         " << batch.displayName << '\n'
        << "Type:         " << batch.batchType << '\n'
        << "Content type: " << batch.batchContentType << '\n'
        << "Created:      " << formatDateTime(batch.createdDate) << '\n'
        << "Expiry:       " << formatDate(batch.expiryDate)
        << (expiresSoon(batch) ? " (expires in less than 3 days)" : "") << '\n';
    if (!batch.isMultipart()) {
        out << "Files:        " << counts.value(0) << Qt::endl;
        return 0;
    }
    out << "Parts:        " << parts.size() << "\n\n";
    TextTable table({QStringLiteral("PART"), QStringLiteral("TYPE"), QStringLiteral("CONTENT TYPE"),
                     QStringLiteral("FILES"), QStringLiteral("DESCRIPTION")});
    for (qsizetype i = 0; i < parts.size(); ++i) {
        const api::BatchPart &p = parts.at(i);
        QString content = p.contentType;
        if (!p.nestedContentType.isEmpty())
            content += QStringLiteral(" (%1)").arg(p.nestedContentType);
        table.addRow({p.partName, p.partType, content, QString::number(counts.at(i)),
                      p.partDescription.isEmpty() ? QStringLiteral("Not Available") : p.partDescription});
    }
    out << table.render();
    out.flush();
    return 0;
}

int listBatchContent(CliContext &ctx, const QStringList &args)
{
    CommandOptions opts(ctx);
    addBatchIdOption(opts);
    opts.addValue({QStringLiteral("pn"), QStringLiteral("part-name")},
                  QStringLiteral("Part of a multipart batch to list (repeatable; default: all parts)."),
                  QStringLiteral("part"));
    opts.addValue({QStringLiteral("l"), QStringLiteral("limit")}, QStringLiteral("Maximum number of entries."),
                  QStringLiteral("n"));
    opts.addValue({QStringLiteral("o"), QStringLiteral("output-file")},
                  QStringLiteral("Write the entries as JSONL (snake_case keys) to this file."), QStringLiteral("path"));
    if (auto rc = opts.parse(args))
        return *rc;
    const QString batchId = opts.value(kBatchId);
    const QStringList wantedParts = opts.values(QStringLiteral("part-name"));
    qint64 limit = -1;
    if (opts.isSet(QStringLiteral("limit"))) {
        const auto l = opts.intValue(QStringLiteral("limit"), 0);
        if (!l)
            return 2;
        limit = *l;
    }

    Error error;
    api::ApiClient *client = ctx.api(&error);
    if (!client)
        return ctx.fail(error);
    auto *batchCall = client->getBatch(batchId);
    if (!batchCall->exec())
        return ctx.fail(batchCall->error());
    QStringList partsToList{QString()};  // one pass without partName for a non-multipart batch
    if (batchCall->result().isMultipart()) {
        auto *partsCall = client->listParts(batchId);
        if (!partsCall->exec())
            return ctx.fail(partsCall->error());
        partsToList.clear();
        for (const api::BatchPart &p : partsCall->result())
            if (wantedParts.isEmpty() || wantedParts.contains(p.partName))
                partsToList << p.partName;
        for (const QString &wanted : wantedParts)
            if (!partsToList.contains(wanted))
                return ctx.fail(Error(ErrorKind::InvalidInput,
                                      QStringLiteral("Batch %1 has no part named '%2'.").arg(batchId, wanted)));
    } else if (!wantedParts.isEmpty()) {
        return ctx.fail(Error(ErrorKind::InvalidInput,
                              QStringLiteral("--part-name only applies to multipart batches; %1 is a %2.")
                                  .arg(batchId, batchCall->result().batchType)));
    }

    // Page by page, so that --limit stops early.
    QVector<api::BatchFile> files;
    for (const QString &part : std::as_const(partsToList)) {
        QString token;
        while (limit < 0 || files.size() < limit) {
            auto *page = client->listBatchFiles(batchId, part, 0, token);
            page->setMaxPages(1);
            if (!page->exec())
                return ctx.fail(page->error());
            files += page->result();
            if (!page->nextPageToken())
                break;
            token = *page->nextPageToken();
        }
    }
    if (limit >= 0 && files.size() > limit)
        files.resize(limit);

    return printListing(ctx, batchFileListing(), files, opts.value(QStringLiteral("output-file")),
                        {QStringLiteral("%1 entries (use -o FILE for the download URLs)").arg(files.size())});
}

int listIngestDetails(CliContext &ctx, const QStringList &args)
{
    CommandOptions opts(ctx);
    addBatchIdOption(opts);
    opts.addValue({QStringLiteral("page-size")}, QStringLiteral("Shards per page."), QStringLiteral("size"));
    opts.addValue({QStringLiteral("o"), QStringLiteral("output-file")},
                  QStringLiteral("Write the shard statuses as JSONL (snake_case keys) to this file."),
                  QStringLiteral("path"));
    if (auto rc = opts.parse(args))
        return *rc;
    const auto pageSize = pageSizeValue(opts);
    if (!pageSize)
        return 2;

    Error error;
    api::ApiClient *client = ctx.api(&error);
    if (!client)
        return ctx.fail(error);
    auto *call = client->listShards(opts.value(kBatchId), *pageSize);
    call->setMaxPages(0);
    if (!call->exec())
        return ctx.fail(call->error());
    const QVector<api::Shard> &shards = call->result();

    return printListing(ctx, shardListing(), shards, opts.value(QStringLiteral("output-file")));
}

}  // namespace

QVector<CliCommand> stagingCommands()
{
    const QString g = QStringLiteral("data-staging");
    return {
        {g, QStringLiteral("list-batches"), QStringLiteral("List staging batches in your workspace."), listBatches},
        {g, QStringLiteral("show-batch-details"), QStringLiteral("Show the details of a batch (parts, file counts)."),
         showBatchDetails},
        {g, QStringLiteral("list-batch-content"), QStringLiteral("List the files of a batch with download URLs."),
         listBatchContent},
        {g, QStringLiteral("list-ingest-details"), QStringLiteral("Show the ingest status of each shard of a batch."),
         listIngestDetails},
    };
}

}  // namespace bd::cli
