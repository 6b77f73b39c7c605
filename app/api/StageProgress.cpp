#include "api/StageProgress.h"

#include <QHash>
#include <QJsonDocument>

#include <algorithm>

namespace bd::api {
namespace {

bool containsCi(const QString &text, const char *needle)
{
    return text.contains(QLatin1String(needle), Qt::CaseInsensitive);
}

QString notificationText(const QJsonValue &notification)
{
    if (notification.isString())
        return notification.toString();
    if (notification.isObject())
        return QString::fromUtf8(QJsonDocument(notification.toObject()).toJson(QJsonDocument::Compact));
    if (notification.isArray())
        return QString::fromUtf8(QJsonDocument(notification.toArray()).toJson(QJsonDocument::Compact));
    return notification.toVariant().toString();
}

}  // namespace

StageProgress computeStageProgress(const Stage &stage, const QVector<Task> &tasks)
{
    StageProgress p;
    const double share = stage.tasksNumber > 0 ? 1.0 / stage.tasksNumber : 0.0;
    int withProgress = 0;
    QDateTime newestTask;
    for (const Task &task : tasks) {
        const bool info = task.statusType == QLatin1String("info");
        p.progress += info ? task.progress.value_or(0.0) * share : share;
        if (containsCi(task.statusType, "success"))
            ++p.succeeded;
        if (containsCi(task.statusType, "error"))
            ++p.failed;
        if (task.progress)
            ++withProgress;
        if (info && task.progress)
            ++p.running;
        if (!info)
            ++p.terminated;
        if (task.eventTimestamp.isValid() && (!newestTask.isValid() || task.eventTimestamp > newestTask))
            newestTask = task.eventTimestamp;
    }
    p.waiting = std::max(0, stage.tasksNumber - withProgress);
    p.isRunning = stage.statusType == QLatin1String("info");
    p.hasError = containsCi(stage.statusType, "error");
    p.lastUpdate = stage.lastEventTimestamp;
    if (newestTask.isValid() && (!p.lastUpdate.isValid() || newestTask > p.lastUpdate))
        p.lastUpdate = newestTask;
    return p;
}

QVector<QPair<QString, int>> errorSummary(const QVector<Task> &tasks)
{
    QVector<QPair<QString, int>> counts;
    QHash<QString, int> index;
    for (const Task &task : tasks) {
        if (!containsCi(task.statusType, "error"))
            continue;
        const QString text = notificationText(task.notification);
        const auto it = index.constFind(text);
        if (it == index.constEnd()) {
            index.insert(text, counts.size());
            counts.append({text, 1});
        } else {
            ++counts[*it].second;
        }
    }
    std::stable_sort(counts.begin(), counts.end(),
                     [](const auto &a, const auto &b) { return a.second > b.second; });
    return counts;
}

QVector<Stage> sortedStages(QVector<Stage> stages)
{
    std::stable_sort(stages.begin(), stages.end(), [](const Stage &a, const Stage &b) {
        if (a.startTimestamp != b.startTimestamp)
            return a.startTimestamp < b.startTimestamp;
        return a.processingStageId < b.processingStageId;
    });
    return stages;
}

QJsonObject stageProgressJson(const Stage &stage, const StageProgress &p)
{
    return QJsonObject{{QStringLiteral("stage"), stage.toJson()},
                       {QStringLiteral("progress"), p.progress},
                       {QStringLiteral("percent"), qRound(p.progress * 1000.0) / 10.0},
                       {QStringLiteral("tasksNumber"), stage.tasksNumber},
                       {QStringLiteral("waiting"), p.waiting},
                       {QStringLiteral("running"), p.running},
                       {QStringLiteral("succeeded"), p.succeeded},
                       {QStringLiteral("failed"), p.failed},
                       {QStringLiteral("terminated"), p.terminated},
                       {QStringLiteral("isRunning"), p.isRunning},
                       {QStringLiteral("hasError"), p.hasError},
                       {QStringLiteral("lastUpdate"), p.lastUpdate.toUTC().toString(Qt::ISODateWithMs)}};
}

QJsonArray errorSummaryJson(const QVector<QPair<QString, int>> &summary)
{
    QJsonArray errors;
    for (const auto &e : summary)
        errors.append(QJsonObject{{QStringLiteral("message"), e.first}, {QStringLiteral("count"), e.second}});
    return errors;
}

}  // namespace bd::api
