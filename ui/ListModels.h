#pragma once
// The three lists of the window shell, each refreshed in the background from the API:
// staging batches (D1), jobs (B1) and the output batches of jobs' stages (B4 + D2).
#include "RecordTableModel.h"
#include "api/ApiModels.h"
#include "core/Error.h"

#include <QDateTime>

namespace bd::api { class ApiClient; }

namespace bd::ui {

// Shared refresh bookkeeping: one refresh at a time, the last error kept for the view.
class RefreshingModelBase
{
public:
    bool isRefreshing() const { return m_refreshing; }
    const Error &lastError() const { return m_lastError; }
    QDateTime lastRefreshed() const { return m_lastRefreshed; }

protected:
    bool m_refreshing = false;
    Error m_lastError;
    QDateTime m_lastRefreshed;
};

class BatchesModel : public RecordTableModel<api::Batch>, public RefreshingModelBase
{
    Q_OBJECT
public:
    enum Column { Id, Name, Type, Content, Created, Expires, ColumnCount };
    explicit BatchesModel(QObject *parent = nullptr);
    void refresh(api::ApiClient *api);

Q_SIGNALS:
    void refreshed(const bd::Error &error);
};

struct JobRow {
    api::Job job;
    QString stateText() const;   // Running / Succeeded / Failed / Queued
};

class JobsModel : public RecordTableModel<JobRow>, public RefreshingModelBase
{
    Q_OBJECT
public:
    enum Column { Id, Name, State, Stage, Updated, Created, ColumnCount };
    explicit JobsModel(QObject *parent = nullptr);
    // maxPages 0: every page of B1.
    void refresh(api::ApiClient *api, int maxPages = 0);

Q_SIGNALS:
    void refreshed(const bd::Error &error);
};

struct OutputBatchRow {
    QString jobId;
    QString jobName;
    QString stageName;
    QString batchId;
    std::optional<api::Batch> batch;   // D2 metadata once known
    bool jobFinished = false;
};

class OutputBatchesModel : public RecordTableModel<OutputBatchRow>, public RefreshingModelBase
{
    Q_OBJECT
public:
    enum Column { Job, Stage, BatchId, Type, Content, Expires, ColumnCount };
    explicit OutputBatchesModel(QObject *parent = nullptr);
    // Output batches of the given jobs' stages (finished jobs first).
    void refresh(api::ApiClient *api, const QVector<api::Job> &jobs);

Q_SIGNALS:
    void refreshed(const bd::Error &error);

private:
    int m_generation = 0;
};

// Shared formatting for the lists.
QString formatDate(const QDateTime &utc);
QVariant expiryColour(const QDateTime &expiry);   // red when fewer than 3 days remain

}  // namespace bd::ui
