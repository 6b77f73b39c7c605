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

    if (ctx.isJson()) {
        QJsonArray batches;
        for (const api::Batch &b : call->result())
            batches.append(b.toJson());
        ctx.printJson(batches);
        return 0;
    }
    if (call->result().isEmpty()) {
        ctx.out() << "No batches found." << Qt::endl;
        return 0;
    }
    TextTable table({QStringLiteral("ID"), QStringLiteral("NAME"), QStringLiteral("CONTENT TYPE"),
                     QStringLiteral("EXPIRY"), QStringLiteral("TYPE")});
    bool anySoon = false;
    for (const api::Batch &b : call->result()) {
        QString expiry = formatDate(b.expiryDate);
        if (expiresSoon(b)) {
            expiry += QStringLiteral(" (!)");
            anySoon = true;
        }
        table.addRow({b.batchId, b.displayName, b.batchContentType, expiry, b.batchType});
    }
    ctx.out() << table.render();
    if (anySoon)
        ctx.out() << "(!) expires in less than 3 days" << Qt::endl;
    if (call->nextPageToken())
        ctx.out() << "More batches available: use --pages to fetch more pages." << Qt::endl;
    ctx.out().flush();
    return 0;
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

    if (opts.isSet(QStringLiteral("output-file"))) {
        const QString path = opts.value(QStringLiteral("output-file"));
        QVector<QJsonObject> lines;
        for (const api::BatchFile &f : std::as_const(files))
            lines.append(f.toSnakeJson());
        if (!writeJsonLines(path, lines, &error))
            return ctx.fail(error);
        if (ctx.isJson())
            ctx.printJson(QJsonObject{{QStringLiteral("outputFile"), path},
                                      {QStringLiteral("entries"), qint64(files.size())}});
        else
            ctx.out() << "Written " << files.size() << " entries to " << path << Qt::endl;
        return 0;
    }
    if (ctx.isJson()) {
        QJsonArray array;
        for (const api::BatchFile &f : std::as_const(files))
            array.append(f.toJson());
        ctx.printJson(array);
        return 0;
    }
    TextTable table({QStringLiteral("FILE NAME"), QStringLiteral("PART"), QStringLiteral("SHARD"),
                     QStringLiteral("CONTENT TYPE")});
    for (const api::BatchFile &f : std::as_const(files))
        table.addRow({f.fileName, f.partName, f.shardId, f.contentType});
    ctx.out() << table.render() << files.size() << " entries (use -o FILE for the download URLs)" << Qt::endl;
    return 0;
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

    if (opts.isSet(QStringLiteral("output-file"))) {
        const QString path = opts.value(QStringLiteral("output-file"));
        QVector<QJsonObject> lines;
        for (const api::Shard &s : shards)
            lines.append(s.toSnakeJson());
        if (!writeJsonLines(path, lines, &error))
            return ctx.fail(error);
        if (ctx.isJson())
            ctx.printJson(QJsonObject{{QStringLiteral("outputFile"), path},
                                      {QStringLiteral("entries"), qint64(shards.size())}});
        else
            ctx.out() << "Written " << shards.size() << " shard statuses to " << path << Qt::endl;
        return 0;
    }
    if (ctx.isJson()) {
        QJsonArray array;
        for (const api::Shard &s : shards)
            array.append(s.toJson());
        ctx.printJson(array);
        return 0;
    }
    if (shards.isEmpty()) {
        ctx.out() << "No ingest details found." << Qt::endl;
        return 0;
    }
    TextTable table({QStringLiteral("SHARD ID"), QStringLiteral("STATUS"), QStringLiteral("STATUS TYPE"),
                     QStringLiteral("OBJECTS"), QStringLiteral("EVENT TIME"), QStringLiteral("METADATA")});
    for (const api::Shard &s : shards)
        table.addRow({s.shardId, s.statusName, s.statusType, QString::number(s.shardObjectsCount),
                      formatDateTime(s.eventTimestamp),
                      s.statusMetadata.isEmpty() ? QStringLiteral("-") : compactJson(s.statusMetadata)});
    ctx.out() << table.render();
    ctx.out().flush();
    return 0;
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
