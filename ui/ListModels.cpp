#include "ListModels.h"

#include "api/ApiClient.h"

#include <QBrush>
#include <QColor>
#include <QLocale>

#include <memory>

namespace bd::ui {

QString formatDate(const QDateTime &utc)
{
    return utc.isValid() ? QLocale().toString(utc.toLocalTime(), QLocale::ShortFormat) : QString();
}

QVariant expiryColour(const QDateTime &expiry)
{
    if (expiry.isValid() && QDateTime::currentDateTimeUtc().secsTo(expiry) < 3 * 24 * 3600)
        return QBrush(QColor(0xd3, 0x2f, 0x2f));
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

BatchesModel::BatchesModel(QObject *parent)
    : RecordTableModel<api::Batch>(
          {
              { tr("Batch ID"), [](const api::Batch &b) { return b.batchId; }, {}, {} },
              { tr("Name"), [](const api::Batch &b) { return b.displayName; }, {}, {} },
              { tr("Type"), [](const api::Batch &b) { return b.batchType; }, {}, {} },
              { tr("Content"), [](const api::Batch &b) { return b.batchContentType; }, {}, {} },
              { tr("Created"), [](const api::Batch &b) { return formatDate(b.createdDate); },
                [](const api::Batch &b) { return b.createdDate; }, {} },
              { tr("Expires"), [](const api::Batch &b) { return formatDate(b.expiryDate); },
                [](const api::Batch &b) { return b.expiryDate; },
                [](const api::Batch &b, int role) { return expiryExtra(b.expiryDate, role); } },
          },
          [](const api::Batch &b) { return b.batchId; }, parent)
{
}

void BatchesModel::refresh(api::ApiClient *api)
{
    if (m_refreshing)
        return;
    m_refreshing = true;
    auto *call = api->listBatches(100);
    call->setMaxPages(0);
    connect(call, &api::ApiCall::finished, this, [this, call] {
        m_refreshing = false;
        m_lastError = call->error();
        if (!call->error()) {
            setRows(call->result());
            m_lastRefreshed = QDateTime::currentDateTimeUtc();
        }
        Q_EMIT refreshed(m_lastError);
    });
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
        return QBrush(QColor(0xd3, 0x2f, 0x2f));
    if (r.job.isTerminal)
        return QBrush(QColor(0x2e, 0x7d, 0x32));
    return {};
}

JobsModel::JobsModel(QObject *parent)
    : RecordTableModel<JobRow>(
          {
              { tr("Job ID"), [](const JobRow &r) { return r.job.jobId; }, {}, {} },
              { tr("Name"), [](const JobRow &r) { return r.job.name; }, {}, {} },
              { tr("State"), [](const JobRow &r) { return r.stateText(); }, {}, jobStateColour },
              { tr("Current stage"), [](const JobRow &r) { return r.job.currentStage; }, {}, {} },
              { tr("Updated"), [](const JobRow &r) { return formatDate(r.job.lastUpdate); },
                [](const JobRow &r) { return r.job.lastUpdate; }, {} },
              { tr("Created"), [](const JobRow &r) { return formatDate(r.job.createdAt); },
                [](const JobRow &r) { return r.job.createdAt; }, {} },
          },
          [](const JobRow &r) { return r.job.jobId; }, parent)
{
}

void JobsModel::refresh(api::ApiClient *api, int maxPages)
{
    if (m_refreshing)
        return;
    m_refreshing = true;
    auto *call = api->listJobs(50);
    call->setMaxPages(maxPages);
    connect(call, &api::ApiCall::finished, this, [this, call] {
        m_refreshing = false;
        m_lastError = call->error();
        if (!call->error()) {
            QVector<JobRow> rows;
            for (const api::Job &j : call->result())
                rows.append(JobRow{ j });
            setRows(rows);
            m_lastRefreshed = QDateTime::currentDateTimeUtc();
        }
        Q_EMIT refreshed(m_lastError);
    });
}

// ---- output batches ----

OutputBatchesModel::OutputBatchesModel(QObject *parent)
    : RecordTableModel<OutputBatchRow>(
          {
              { tr("Job"), [](const OutputBatchRow &r) { return r.jobName.isEmpty() ? r.jobId : QStringLiteral("%1 (%2)").arg(r.jobId, r.jobName); }, {}, {} },
              { tr("Stage"), [](const OutputBatchRow &r) { return r.stageName; }, {}, {} },
              { tr("Output batch"), [](const OutputBatchRow &r) { return r.batchId; }, {}, {} },
              { tr("Type"), [](const OutputBatchRow &r) { return r.batch ? r.batch->batchType : QString(); }, {}, {} },
              { tr("Content"), [](const OutputBatchRow &r) { return r.batch ? r.batch->batchContentType : QString(); }, {}, {} },
              { tr("Expires"), [](const OutputBatchRow &r) { return r.batch ? formatDate(r.batch->expiryDate) : QString(); },
                [](const OutputBatchRow &r) { return r.batch ? r.batch->expiryDate : QDateTime(); },
                [](const OutputBatchRow &r, int role) { return r.batch ? expiryExtra(r.batch->expiryDate, role) : QVariant(); } },
          },
          [](const OutputBatchRow &r) { return r.jobId + QLatin1Char('/') + r.batchId; }, parent)
{
}

void OutputBatchesModel::refresh(api::ApiClient *api, const QVector<api::Job> &jobs)
{
    // Stages of every job (B4), then metadata of every output batch (D2); rows are published
    // once all answers are in, so the table never shows a half-built list.
    struct Pending {
        QVector<OutputBatchRow> rows;
        int outstanding = 0;
        Error firstError;
    };
    const int generation = ++m_generation;
    auto pending = std::make_shared<Pending>();
    m_refreshing = true;
    auto publish = [this, pending, generation] {
        if (--pending->outstanding > 0 || generation != m_generation)
            return;
        m_refreshing = false;
        m_lastError = pending->firstError;
        std::stable_sort(pending->rows.begin(), pending->rows.end(), [](const OutputBatchRow &a, const OutputBatchRow &b) {
            return a.jobFinished > b.jobFinished;
        });
        setRows(pending->rows);
        m_lastRefreshed = QDateTime::currentDateTimeUtc();
        Q_EMIT refreshed(m_lastError);
    };
    pending->outstanding = 1;   // released at the end of this function
    for (const api::Job &job : jobs) {
        ++pending->outstanding;
        auto *stages = api->listStages(job.jobId);
        connect(stages, &api::ApiCall::finished, this, [this, api, stages, job, pending, publish] {
            if (stages->error()) {
                if (!pending->firstError)
                    pending->firstError = stages->error();
                publish();
                return;
            }
            for (const api::Stage &stage : stages->result()) {
                for (const QString &batchId : stage.outputBatches) {
                    const int row = int(pending->rows.size());
                    pending->rows.append({ job.jobId, job.name, stage.processingStageName, batchId, std::nullopt, job.isTerminal });
                    ++pending->outstanding;
                    auto *meta = api->getBatch(batchId);
                    connect(meta, &api::ApiCall::finished, this, [meta, pending, row, publish] {
                        if (!meta->error())
                            pending->rows[row].batch = meta->result();
                        publish();
                    });
                }
            }
            publish();
        });
    }
    publish();
}

}  // namespace bd::ui
