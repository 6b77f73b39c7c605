#pragma once
// The tasks of one job stage (B5) for the job view: status, a progress column painted by
// ProgressDelegate (SortRole = percent, -1 while the task has not started), the last event and
// the task's notification text.
#include "RecordTableModel.h"
#include "api/ApiModels.h"

namespace bd::ui {

// A free-form notification (§9.5, §9.6) as one line: a string as is, an object as compact JSON.
QString notificationText(const QJsonValue &notification);
// Succeeded / Failed / Running / Waiting, from statusType and progress (§10).
QString taskStateText(const api::Task &task);
// 0..100, or -1 when the task has not started (progress null and still "info").
int taskPercent(const api::Task &task);

class TaskTableModel : public RecordTableModel<api::Task>
{
    Q_OBJECT
public:
    enum Column { Id, Status, Progress, LastEvent, Notification, ColumnCount };
    explicit TaskTableModel(QObject *parent = nullptr);
};

}  // namespace bd::ui
