#include "staging/IngestSummary.h"

#include "core/Format.h"

#include <QCoreApplication>
#include <QJsonArray>

namespace bd::staging {

namespace {
QString tr(const char *text, int n = -1)
{
    return QCoreApplication::translate("bd::staging::IngestSummary", text, nullptr, n);
}

QJsonArray outcomes(const QVector<IngestFileOutcome> &list, bool withReason, int limit = -1)
{
    QJsonArray a;
    for (const IngestFileOutcome &o : list) {
        if (limit >= 0 && a.size() >= limit)
            break;
        QJsonObject j{ { QStringLiteral("path"), o.path }, { QStringLiteral("name"), o.name } };
        if (withReason) {
            j.insert(QStringLiteral("reason"), o.reason);
            j.insert(QStringLiteral("detail"), o.detail);
        }
        a.append(j);
    }
    return a;
}
}  // namespace

QJsonObject IngestSummary::toJson() const
{
    return QJsonObject{
        { QStringLiteral("ingestId"), ingestId },
        { QStringLiteral("batchId"), batchId },
        { QStringLiteral("method"), method },
        { QStringLiteral("resumed"), resumed },
        { QStringLiteral("ready"), ready },
        { QStringLiteral("batchCount"), double(batchCount) },
        { QStringLiteral("bytesSent"), double(bytesSent) },
        { QStringLiteral("elapsedMs"), double(elapsedMs) },
        { QStringLiteral("uploadedCount"), uploadedTotal() },
        { QStringLiteral("uploadedEarlier"), uploadedEarlier },
        { QStringLiteral("sentAgainCount"), sentAgainTotal() },
        { QStringLiteral("sentAgain"), outcomes(sentAgain, true, kMaxListedUploads) },
        { QStringLiteral("batchGone"), batchGone },
        { QStringLiteral("skippedCount"), skippedTotal() },
        { QStringLiteral("failedCount"), failedTotal() },
        // Uploaded files are listed up to kMaxListedUploads (a 100k-file JSON would be huge);
        // skipped and failed ones in full (the CLI reads what a sample leaves out).
        { QStringLiteral("uploaded"), outcomes(uploaded, false, kMaxListedUploads) },
        { QStringLiteral("uploadedListTruncated"), uploadedTotal() > kMaxListedUploads },
        { QStringLiteral("skipped"), outcomes(skipped, true) },
        { QStringLiteral("failed"), outcomes(failed, true) },
    };
}

QString IngestSummary::toText(int maxListed) const
{
    QStringList lines;
    lines << tr("Batch %1 (ingest %2): %3 uploaded, %4 skipped, %5 failed")
                 .arg(batchId, ingestId)
                 .arg(uploadedTotal())
                 .arg(skippedTotal())
                 .arg(failedTotal());
    if (uploadedEarlier > 0)
        lines << tr("  %n file(s) were already in the batch from an earlier run (checked with the service)",
                    uploadedEarlier);
    int changed = 0, missing = 0;
    for (const IngestFileOutcome &o : sentAgain)
        ++(o.reason == QLatin1String("changed") ? changed : missing);
    if (sentAgainCount > 0) {
        changed = sentAgainChanged;
        missing = sentAgainCount - sentAgainChanged;
    }
    if (batchGone)
        lines << tr("  The service has no batch %1 any more (expired after 7 days, another workspace or region, or a "
                    "fresh sandbox): everything an earlier run had sent went up again")
                     .arg(batchId);
    else if (missing > 0)
        lines << tr("  %n file(s) an earlier run had sent were not in the batch on the service: sent again", missing);
    if (changed > 0)
        lines << tr("  %n file(s) changed on disk since an earlier run sent them: sent again", changed);
    int listed = 0;
    for (const IngestFileOutcome &o : sentAgain) {
        if (o.reason == QLatin1String("changed") && (maxListed < 0 || listed++ < maxListed))
            lines << QStringLiteral("    %1").arg(o.path);
    }
    if (bytesSent > 0 && elapsedMs > 0)
        lines << tr("  sent %1 in %2 (%3)")
                     .arg(formatBytes(bytesSent), formatDuration(elapsedMs / 1000),
                          formatSpeed(double(bytesSent) * 1000.0 / double(elapsedMs)));
    auto list = [&](const QString &title, const QVector<IngestFileOutcome> &items, int total) {
        if (items.isEmpty())
            return;
        lines << title;
        int shown = 0;
        for (const IngestFileOutcome &o : items) {
            if (maxListed >= 0 && shown >= maxListed)
                break;
            ++shown;
            lines << QStringLiteral("  %1: %2").arg(o.path, o.detail.isEmpty() ? o.reason : o.detail);
        }
        if (total > shown)
            lines << tr("  ... and %n more", total - shown);
    };
    list(tr("Skipped:"), skipped, skippedTotal());
    list(tr("Failed:"), failed, failedTotal());
    lines << (ready ? tr("The batch is ready for a job.") : tr("The batch is not ready for a job yet."));
    return lines.join(QLatin1Char('\n'));
}

}  // namespace bd::staging
