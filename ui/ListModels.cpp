#include "ListModels.h"

#include "StatusTone.h"

#include <QBrush>
#include <QColor>
#include <QGuiApplication>
#include <QLocale>


namespace bd::ui {

QString formatDate(const QDateTime &utc)
{
    return utc.isValid() ? QLocale().toString(utc.toLocalTime(), QLocale::ShortFormat) : QString();
}

QVariant expiryColour(const QDateTime &expiry)
{
    if (expiry.isValid() && QDateTime::currentDateTimeUtc().secsTo(expiry) < 3 * 24 * 3600)
        return QBrush(statusColour(StatusTone::Bad, QGuiApplication::palette()));
    return {};
}

static QVariant expiryExtra(const QDateTime &expiry, int role)
{
    if (role == Qt::ForegroundRole)
        return expiryColour(expiry);
    if (role == Qt::ToolTipRole && expiry.isValid()) {
        const qint64 hours = QDateTime::currentDateTimeUtc().secsTo(expiry) / 3600;
        return hours < 0 ? QObject::tr("Expired") : QObject::tr("Expires in %1 days %2 h").arg(hours / 24).arg(hours % 24);
    }
    return {};
}

// ---- batches ----

static RecordTableModel<api::Batch>::Column batchColumn(BatchesModel::Column column)
{
    using M = BatchesModel;
    using B = api::Batch;
    switch (column) {
    case M::Id: return { M::tr("Batch ID"), [](const B &b) { return b.batchId; }, {}, {} };
    case M::Name: return { M::tr("Name"), [](const B &b) { return b.displayName; }, {}, {} };
    case M::Type: return { M::tr("Type"), [](const B &b) { return b.batchType; }, {}, {} };
    case M::Content: return { M::tr("Content"), [](const B &b) { return b.batchContentType; }, {}, {} };
    case M::Created:
        return { M::tr("Created"), [](const B &b) { return formatDate(b.createdDate); },
                 [](const B &b) { return b.createdDate; }, {} };
    case M::Expires:
        return { M::tr("Expires"), [](const B &b) { return formatDate(b.expiryDate); },
                 [](const B &b) { return b.expiryDate; },
                 [](const B &b, int role) { return expiryExtra(b.expiryDate, role); } };
    case M::ColumnCount: break;
    }
    return {};
}

BatchesModel::BatchesModel(session::Batches *service, QObject *parent)
    : RecordTableModel<api::Batch>(
          columnsOf<Column>(batchColumn),
          [](const api::Batch &b) { return b.batchId; }, parent)
{
    m_service = service;
    if (!service)
        return;
    setRows(service->batches());
    connect(service, &session::Batches::refreshed, this, [this](const QVector<api::Batch> &batches, const Error &error) {
        if (!error)
            setRows(batches);
        Q_EMIT refreshed(error);
    });
}

void BatchesModel::refresh()
{
    if (m_service)
        m_service->refresh();
}

// ---- jobs ----

QString JobRow::stateText() const
{
    if (job.isTerminal)
        return job.error ? QObject::tr("Failed") : QObject::tr("Succeeded");
    return job.currentStage.isEmpty() ? QObject::tr("Queued") : QObject::tr("Running");
}

static QVariant jobStateColour(const JobRow &r, int role)
{
    if (role != Qt::ForegroundRole)
        return {};
    if (r.job.isTerminal && r.job.error)
        return QBrush(statusColour(StatusTone::Bad, QGuiApplication::palette()));
    if (r.job.isTerminal)
        return QBrush(statusColour(StatusTone::Good, QGuiApplication::palette()));
    return {};
}

static RecordTableModel<JobRow>::Column jobColumn(JobsModel::Column column)
{
    using M = JobsModel;
    switch (column) {
    case M::Id: return { M::tr("Job ID"), [](const JobRow &r) { return r.job.jobId; }, {}, {} };
    case M::Name: return { M::tr("Name"), [](const JobRow &r) { return r.job.name; }, {}, {} };
    case M::State: return { M::tr("State"), [](const JobRow &r) { return r.stateText(); }, {}, jobStateColour };
    case M::Stage: return { M::tr("Current stage"), [](const JobRow &r) { return r.job.currentStage; }, {}, {} };
    case M::Updated:
        return { M::tr("Updated"), [](const JobRow &r) { return formatDate(r.job.lastUpdate); },
                 [](const JobRow &r) { return r.job.lastUpdate; }, {} };
    case M::Created:
        return { M::tr("Created"), [](const JobRow &r) { return formatDate(r.job.createdAt); },
                 [](const JobRow &r) { return r.job.createdAt; }, {} };
    case M::ColumnCount: break;
    }
    return {};
}

JobsModel::JobsModel(session::Jobs *service, QObject *parent)
    : RecordTableModel<JobRow>(
          columnsOf<Column>(jobColumn),
          [](const JobRow &r) { return r.job.jobId; }, parent)
{
    m_service = service;
    if (!service)
        return;
    auto show = [this](const QVector<api::Job> &jobs) {
        QVector<JobRow> rows;
        rows.reserve(jobs.size());
        for (const api::Job &j : jobs)
            rows.append(JobRow{ j });
        setRows(rows);
    };
    show(service->jobs());
    connect(service, &session::Jobs::refreshed, this, [this, show](const QVector<api::Job> &jobs, const Error &error) {
        if (!error)
            show(jobs);
        Q_EMIT refreshed(error);
    });
    connect(service, &session::Jobs::jobAdded, this, [this](const api::Job &job) {
        QVector<JobRow> rows = this->rows();
        rows.append(JobRow{ job });
        setRows(rows);
    });
    connect(service, &session::Jobs::jobUpdated, this, [this](const api::Job &job) {
        const int row = rowOfKey(job.jobId);
        if (row < 0)
            return;
        QVector<JobRow> rows = this->rows();
        rows[row].job = job;
        setRows(rows);   // same keys: a dataChanged, the selection stays
    });
}

void JobsModel::refresh(int maxPages)
{
    if (m_service)
        m_service->refresh(maxPages);
}

// ---- output batches ----

static RecordTableModel<OutputBatchRow>::Column outputColumn(OutputBatchesModel::Column column)
{
    using M = OutputBatchesModel;
    using R = OutputBatchRow;
    switch (column) {
    case M::Job:
        return { M::tr("Job"),
                 [](const R &r) { return r.jobName.isEmpty() ? r.jobId : QStringLiteral("%1 (%2)").arg(r.jobId, r.jobName); },
                 {}, {} };
    case M::Stage: return { M::tr("Stage"), [](const R &r) { return r.stageName; }, {}, {} };
    case M::BatchId: return { M::tr("Output batch"), [](const R &r) { return r.batchId; }, {}, {} };
    case M::Type: return { M::tr("Type"), [](const R &r) { return r.batch ? r.batch->batchType : QString(); }, {}, {} };
    case M::Content:
        return { M::tr("Content"), [](const R &r) { return r.batch ? r.batch->batchContentType : QString(); }, {}, {} };
    case M::Expires:
        return { M::tr("Expires"), [](const R &r) { return r.batch ? formatDate(r.batch->expiryDate) : QString(); },
                 [](const R &r) { return r.batch ? r.batch->expiryDate : QDateTime(); },
                 [](const R &r, int role) { return r.batch ? expiryExtra(r.batch->expiryDate, role) : QVariant(); } };
    case M::ColumnCount: break;
    }
    return {};
}

OutputBatchesModel::OutputBatchesModel(session::OutputBatches *service, QObject *parent)
    : RecordTableModel<OutputBatchRow>(
          columnsOf<Column>(outputColumn),
          [](const OutputBatchRow &r) { return r.jobId + QLatin1Char('/') + r.batchId; }, parent)
{
    m_service = service;
    if (!service)
        return;
    setRows(service->outputs());
    connect(service, &session::OutputBatches::refreshed, this,
            [this](const QVector<session::OutputBatch> &outputs, const Error &error) {
                setRows(outputs);
                Q_EMIT refreshed(error);
            });
}

void OutputBatchesModel::refresh(const QVector<api::Job> &jobs)
{
    if (m_service)
        m_service->refresh(jobs);
}

}  // namespace bd::ui
