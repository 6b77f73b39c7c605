#pragma once
// The three lists of the window shell: staging batches (D1), jobs (B1) and the output batches of
// jobs' stages (B4 + D2). Each model listens to its session service (app/session/Services.h),
// which fetches, keeps the last result and refreshes on its timer; the model only shows rows.
#include "RecordTableModel.h"
#include "api/ApiModels.h"
#include "core/Error.h"
#include "session/Services.h"

#include <QDateTime>
#include <QPointer>

namespace bd::ui {

// What a view asks a list: is a refresh running, what went wrong last time, when was it good.
template <typename Service>
class ServiceModelBase
{
public:
    bool isRefreshing() const { return m_service && m_service->isRefreshing(); }
    Error lastError() const { return m_service ? m_service->lastError() : Error(); }
    QDateTime lastRefreshed() const { return m_service ? m_service->lastRefreshed() : QDateTime(); }
    Service *service() const { return m_service; }

protected:
    QPointer<Service> m_service;
};

class BatchesModel : public RecordTableModel<api::Batch>, public ServiceModelBase<session::Batches>
{
    Q_OBJECT
public:
    enum Column { Id, Name, Type, Content, Created, Expires, ColumnCount };
    explicit BatchesModel(session::Batches *service, QObject *parent = nullptr);
    void refresh();

Q_SIGNALS:
    void refreshed(const bd::Error &error);
};

struct JobRow {
    api::Job job;
    QString stateText() const;   // Running / Succeeded / Failed / Queued
};

class JobsModel : public RecordTableModel<JobRow>, public ServiceModelBase<session::Jobs>
{
    Q_OBJECT
public:
    enum Column { Id, Name, State, Stage, Updated, Created, ColumnCount };
    explicit JobsModel(session::Jobs *service, QObject *parent = nullptr);
    // maxPages 0: every page of B1.
    void refresh(int maxPages = 0);

Q_SIGNALS:
    void refreshed(const bd::Error &error);
};

using OutputBatchRow = session::OutputBatch;

class OutputBatchesModel : public RecordTableModel<OutputBatchRow>, public ServiceModelBase<session::OutputBatches>
{
    Q_OBJECT
public:
    enum Column { Job, Stage, BatchId, Type, Content, Expires, ColumnCount };
    explicit OutputBatchesModel(session::OutputBatches *service, QObject *parent = nullptr);
    // Output batches of the given jobs' stages (finished jobs first).
    void refresh(const QVector<api::Job> &jobs);

Q_SIGNALS:
    void refreshed(const bd::Error &error);
};

// Shared formatting for the lists.
QString formatDate(const QDateTime &utc);
QVariant expiryColour(const QDateTime &expiry);   // red when fewer than 3 days remain

}  // namespace bd::ui
