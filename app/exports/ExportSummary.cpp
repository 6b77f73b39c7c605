#include "exports/ExportSummary.h"

#include "core/Format.h"

#include <QJsonArray>
#include <QObject>
#include <QStringList>

namespace bd {

QJsonObject ExportSummary::toJson() const
{
    QJsonArray failureList;
    for (const Failure &f : failures)
        failureList.append(QJsonObject{ { QStringLiteral("key"), f.key },
                                        { QStringLiteral("fileName"), f.fileName },
                                        { QStringLiteral("path"), f.destPath },
                                        { QStringLiteral("kind"), errorKindName(f.error.kind) },
                                        { QStringLiteral("message"), f.error.message } });
    QJsonArray refusedList;
    for (const Refusal &r : refused)
        refusedList.append(QJsonObject{ { QStringLiteral("archive"), r.archive },
                                        { QStringLiteral("entry"), r.entry.path },
                                        { QStringLiteral("reason"), r.entry.reason } });
    return QJsonObject{ { QStringLiteral("planned"), planned },
                        { QStringLiteral("downloaded"), downloaded },
                        { QStringLiteral("skipped"), skipped },
                        { QStringLiteral("failed"), failed() },
                        { QStringLiteral("extracted"), extracted },
                        { QStringLiteral("extractedFiles"), extractedFiles },
                        { QStringLiteral("resumed"), resumed },
                        { QStringLiteral("urlRefreshes"), urlRefreshes },
                        { QStringLiteral("bytesDownloaded"), bytesDownloaded },
                        { QStringLiteral("failures"), failureList },
                        { QStringLiteral("refusedEntries"), refusedList } };
}

QString ExportSummary::toText() const
{
    QStringList lines;
    lines << QObject::tr("%1 files listed: %2 downloaded (%3), %4 skipped as already exported, %5 failed.")
                 .arg(planned).arg(downloaded).arg(formatBytes(bytesDownloaded)).arg(skipped).arg(failed());
    if (extracted > 0)
        lines << QObject::tr("%1 archives extracted (%2 files).").arg(extracted).arg(extractedFiles);
    if (resumed > 0)
        lines << QObject::tr("%1 files resumed from partial downloads.").arg(resumed);
    for (const Failure &f : failures)
        lines << QObject::tr("Failed: %1: %2").arg(f.fileName, f.error.message);
    for (const Refusal &r : refused)
        lines << QObject::tr("Refused archive entry %1 in %2: %3").arg(r.entry.path, r.archive, r.entry.reason);
    return lines.join(QLatin1Char('\n'));
}

}  // namespace bd
