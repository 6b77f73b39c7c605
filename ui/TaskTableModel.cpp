#include "TaskTableModel.h"

#include "ListModels.h"
#include "StageTimeline.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace bd::ui {

QString notificationText(const QJsonValue &notification)
{
    if (notification.isString())
        return notification.toString();
    if (notification.isObject()) {
        // The usual {"message": ..., ...}: the message is what a person reads (the state and stage
        // are shown beside it already); any other shape is shown as compact JSON.
        const QJsonObject object = notification.toObject();
        const QJsonValue message = object.value(QStringLiteral("message"));
        if (message.isString() && !message.toString().isEmpty())
            return message.toString();
        return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
    }
    if (notification.isArray())
        return QString::fromUtf8(QJsonDocument(notification.toArray()).toJson(QJsonDocument::Compact));
    return {};
}

QString taskStateText(const api::Task &task)
{
    if (task.statusType.contains(QLatin1String("error"), Qt::CaseInsensitive))
        return QObject::tr("Failed");
    if (task.statusType.contains(QLatin1String("success"), Qt::CaseInsensitive))
        return QObject::tr("Succeeded");
    if (task.statusType == QLatin1String("info"))
        return task.progress ? QObject::tr("Running") : QObject::tr("Waiting");
    return task.statusType;   // another terminal value: show the server's word
}

int taskPercent(const api::Task &task)
{
    if (task.statusType != QLatin1String("info"))
        return 100;   // terminal: its whole share is done (§10)
    if (!task.progress)
        return -1;
    return qBound(0, int(*task.progress * 100.0 + 0.5), 100);
}

static QVariant taskStatusExtra(const api::Task &task, int role)
{
    if (role != Qt::ForegroundRole)
        return {};
    if (task.statusType.contains(QLatin1String("error"), Qt::CaseInsensitive))
        return StageTimeline::failureColour(QPalette());
    if (task.statusType.contains(QLatin1String("success"), Qt::CaseInsensitive))
        return StageTimeline::successColour(QPalette());
    return {};
}

// Each column's header, value, sort value and extra roles in one place, chosen by its enum
// value (the order of the enum is the order of the columns; -Wswitch flags a missing one).
static RecordTableModel<api::Task>::Column taskColumn(TaskTableModel::Column column)
{
    switch (column) {
    case TaskTableModel::Id:
        return { TaskTableModel::tr("Task"), [](const api::Task &t) { return t.taskId; }, {}, {} };
    case TaskTableModel::Status:
        return { TaskTableModel::tr("Status"), [](const api::Task &t) { return taskStateText(t); }, {}, taskStatusExtra };
    case TaskTableModel::Progress:
        return { TaskTableModel::tr("Progress"),
                 [](const api::Task &t) {
                     // A failed task's bar says so in words and colour (it read "100 %" in blue).
                     if (t.statusType.contains(QLatin1String("error"), Qt::CaseInsensitive))
                         return TaskTableModel::tr("✗ Failed");
                     const int p = taskPercent(t);
                     return p < 0 ? TaskTableModel::tr("Waiting") : QStringLiteral("%1 %").arg(p);
                 },
                 [](const api::Task &t) { return qMax(0, taskPercent(t)); }, taskStatusExtra };
    case TaskTableModel::LastEvent:
        return { TaskTableModel::tr("Last event"), [](const api::Task &t) { return formatDate(t.eventTimestamp); },
                 [](const api::Task &t) { return t.eventTimestamp; }, {} };
    case TaskTableModel::Notification:
        return { TaskTableModel::tr("Notification"), [](const api::Task &t) { return notificationText(t.notification); }, {},
                 [](const api::Task &t, int role) {
                     return role == Qt::ToolTipRole ? QVariant(notificationText(t.notification)) : QVariant();
                 } };
    case TaskTableModel::ColumnCount:
        break;
    }
    return {};
}

TaskTableModel::TaskTableModel(QObject *parent)
    : RecordTableModel<api::Task>(columnsOf<Column>(taskColumn), [](const api::Task &t) { return t.taskId; }, parent)
{
}

}  // namespace bd::ui
