#include "ActivityModel.h"

#include "StatusTone.h"
#include "notify/WebhookStore.h"

#include <QGuiApplication>
#include <QLocale>
#include <QSet>

namespace bd::ui {

using notify::WebhookEvent;
using notify::WebhookKind;

namespace {

QString kindText(const WebhookEvent &e)
{
    switch (e.kind) {
    case WebhookKind::IngestStatus: return QObject::tr("Ingest status");
    case WebhookKind::FilesStatus: return QObject::tr("Files status");
    case WebhookKind::JobCompletion: return QObject::tr("Job finished");
    case WebhookKind::Unknown: break;
    }
    return e.type.isEmpty() ? QObject::tr("Unknown") : e.type;
}

}  // namespace

// Each column's header, value, sort value and extra roles in one place, chosen by its enum
// value (the order of the enum is the order of the columns; -Wswitch flags a missing one).
static RecordTableModel<WebhookEvent>::Column activityColumn(ActivityModel::Column column)
{
    using M = ActivityModel;
    switch (column) {
    case M::Received:
        return { M::tr("Received"),
                 [](const WebhookEvent &e) {
                     // Today's notifications by time only: the column stays narrow and readable.
                     const QDateTime local = e.receivedAt.toLocalTime();
                     return local.date() == QDate::currentDate() ? QLocale().toString(local.time(), QLocale::ShortFormat)
                                                                  : QLocale().toString(local, QLocale::ShortFormat);
                 },
                 [](const WebhookEvent &e) { return e.receivedAt; }, {} };
    case M::Kind: return { M::tr("Notification"), [](const WebhookEvent &e) { return kindText(e); }, {}, {} };
    case M::Subject: return { M::tr("Concerns"), [](const WebhookEvent &e) { return M::subjectText(e); }, {}, {} };
    case M::Outcome:
        return { M::tr("Outcome"), [](const WebhookEvent &e) { return M::outcomeText(e); }, {},
                 [](const WebhookEvent &e, int role) -> QVariant {
                     if (role != Qt::ForegroundRole)
                         return {};
                     return statusColour(M::isFailure(e) ? StatusTone::Bad : StatusTone::Good, QGuiApplication::palette());
                 } };
    case M::Details:
        return { M::tr("Details"), [](const WebhookEvent &e) { return M::detailsText(e); }, {},
                 [](const WebhookEvent &e, int role) -> QVariant {
                     if (role == Qt::ToolTipRole)
                         return M::detailsText(e);
                     return {};
                 } };
    case M::ColumnCount:
        break;
    }
    return {};
}

ActivityModel::ActivityModel(QObject *parent)
    : RecordTableModel<WebhookEvent>(columnsOf<Column>(activityColumn), [](const WebhookEvent &e) { return e.eventId; }, parent)
{
    m_window.setSingleShot(true);
    m_window.setInterval(kCoalesceMs);
    connect(&m_window, &QTimer::timeout, this, [this] {
        if (m_queued.isEmpty())
            return;   // the window closes quietly: the next notification shows at once
        flushQueued();
    });
}

void ActivityModel::loadHistory(int limit)
{
    m_queued.clear();
    setRows(notify::WebhookStore::recent(limit));
    ++m_updatesSent;
}

void ActivityModel::addEvent(const WebhookEvent &event)
{
    flushQueued();   // keeps the order of arrival
    prepend({ event });
}

void ActivityModel::queueEvent(const WebhookEvent &event)
{
    m_queued.append(event);
    if (!m_window.isActive())
        flushQueued();
}

void ActivityModel::flushQueued()
{
    if (m_queued.isEmpty())
        return;
    QVector<WebhookEvent> oldestFirst = std::move(m_queued);
    m_queued.clear();
    prepend(std::move(oldestFirst));
    m_window.start();
}

void ActivityModel::prepend(QVector<WebhookEvent> oldestFirst)
{
    QSet<QString> listed;
    for (const WebhookEvent &e : rows())
        listed.insert(e.eventId);
    QVector<WebhookEvent> fresh;   // in order of arrival; a repeated delivery keeps the first
    for (WebhookEvent &e : oldestFirst) {
        if (listed.contains(e.eventId))
            continue;
        listed.insert(e.eventId);
        fresh.append(std::move(e));
    }
    if (fresh.isEmpty())
        return;
    QVector<WebhookEvent> all;
    all.reserve(qMin<qsizetype>(kMaxRows, fresh.size() + rows().size()));
    for (auto it = fresh.rbegin(); it != fresh.rend() && all.size() < kMaxRows; ++it)
        all.append(std::move(*it));
    for (qsizetype i = 0; i < rows().size() && all.size() < kMaxRows; ++i)
        all.append(rows().at(i));
    setRows(std::move(all));
    ++m_updatesSent;
}

QString ActivityModel::subjectText(const WebhookEvent &e)
{
    if (e.kind == WebhookKind::JobCompletion)
        return tr("Job %1").arg(e.jobId);
    if (e.kind == WebhookKind::Unknown)
        return e.jobId.isEmpty() ? e.batchId : e.jobId;
    QString text = tr("Batch %1").arg(e.batchId);
    if (!e.shardId.isEmpty())
        text += tr(" · shard %1").arg(e.shardId);
    return text;
}

bool ActivityModel::isFailure(const WebhookEvent &e)
{
    switch (e.kind) {
    case WebhookKind::JobCompletion: return e.jobState != QLatin1String("success");
    case WebhookKind::IngestStatus: return !e.success;
    case WebhookKind::FilesStatus: return !e.failedFiles.isEmpty();
    case WebhookKind::Unknown: break;
    }
    return false;
}

QString ActivityModel::outcomeText(const WebhookEvent &e)
{
    switch (e.kind) {
    case WebhookKind::JobCompletion:
        return e.jobState == QLatin1String("success") ? tr("Succeeded") : tr("Failed");
    case WebhookKind::IngestStatus:
        return e.success ? tr("Ingested") : tr("Failed");
    case WebhookKind::FilesStatus:
        if (e.failedFiles.isEmpty())
            return tr("%n file(s) in", nullptr, int(e.ingestedFiles.size()));
        return tr("%1 in, %2 failed").arg(e.ingestedFiles.size()).arg(e.failedFiles.size());
    case WebhookKind::Unknown: break;
    }
    return {};
}

QString ActivityModel::detailsText(const WebhookEvent &e)
{
    QStringList parts;
    if (!e.ingestId.isEmpty())
        parts << tr("ingest %1").arg(e.ingestId);
    if (!e.errorType.isEmpty() || !e.errorReason.isEmpty())
        parts << QStringLiteral("%1: %2").arg(e.errorType, e.errorReason);
    for (int i = 0; i < e.failedFiles.size() && i < 3; ++i)
        parts << QStringLiteral("%1 (%2)").arg(e.failedFiles.at(i).fileName, e.failedFiles.at(i).reason);
    if (e.failedFiles.size() > 3)
        parts << tr("%n more failed", nullptr, int(e.failedFiles.size() - 3));
    if (e.contentTruncated)
        parts << tr("list truncated by the sender");
    if (e.deliveryAttempt > 1)
        parts << tr("delivery attempt %1").arg(e.deliveryAttempt);
    return parts.join(QStringLiteral(" · "));
}

}  // namespace bd::ui
