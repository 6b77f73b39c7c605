#include "JobLogsPane.h"

#include "ListModels.h"
#include "TaskTableModel.h"
#include "session/Services.h"
#include "jobs/JobLogsFetcher.h"

#include <QComboBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace bd::ui {

JobLogsPane::JobLogsPane(session::Jobs *jobs, QWidget *parent) : QWidget(parent), m_jobs(jobs)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *bar = new QHBoxLayout;
    m_severity = new QComboBox(this);
    m_severity->addItem(tr("All severities"));
    m_severity->addItem(tr("Info"), QStringLiteral("info"));
    m_severity->addItem(tr("Warning"), QStringLiteral("warning"));
    m_severity->addItem(tr("Error"), QStringLiteral("error"));
    m_reload = new QPushButton(tr("Reload"), this);
    m_export = new QPushButton(tr("Export JSONL…"), this);
    m_export->setEnabled(false);
    m_status = new QLabel(this);
    bar->addWidget(new QLabel(tr("Severity:"), this));
    bar->addWidget(m_severity);
    bar->addWidget(m_reload);
    bar->addWidget(m_status, 1);
    bar->addWidget(m_export);
    layout->addLayout(bar);
    m_table = new QTableWidget(0, 6, this);
    m_table->setHorizontalHeaderLabels({ tr("Time"), tr("Severity"), tr("Stage"), tr("Task"), tr("Module / type"),
                                         tr("Payload") });
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setAlternatingRowColors(true);
    layout->addWidget(m_table, 1);

    connect(m_severity, &QComboBox::currentIndexChanged, this, &JobLogsPane::reload);
    connect(m_reload, &QPushButton::clicked, this, &JobLogsPane::reload);
    connect(m_export, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Export logs"), m_jobId + QStringLiteral("-logs.jsonl"),
                                                          tr("JSON Lines (*.jsonl)"));
        if (path.isEmpty())
            return;
        const Error error = exportJsonl(path);
        m_status->setText(error ? error.message : tr("Saved %n entries to %1", nullptr, int(m_logs.size())).arg(path));
    });
}

void JobLogsPane::setJob(const QString &jobId)
{
    if (jobId == m_jobId)
        return;
    m_jobId = jobId;
    m_logs.clear();
    showLogs();
    reload();
}

void JobLogsPane::reload()
{
    if (m_jobId.isEmpty())
        return;
    if (m_fetcher) {   // a new filter or reload replaces the fetch in flight
        m_fetcher->disconnect(this);
        m_fetcher->cancel();
    }
    std::optional<api::LogSeverity> severity;
    if (m_severity->currentData().isValid())
        severity = api::logSeverityFromName(m_severity->currentData().toString());
    m_status->setText(tr("Loading…"));
    auto *fetcher = m_jobs->logsFetcher(m_jobId, severity, this);
    m_fetcher = fetcher;
    connect(fetcher, &Operation::finished, this, [this, fetcher] {
        fetcher->deleteLater();
        if (fetcher->jobId() != m_jobId)
            return;
        if (fetcher->error()) {
            m_status->setText(fetcher->error().message);
        } else {
            m_logs = fetcher->entries();
            m_status->setText(tr("%n entries", nullptr, int(m_logs.size())));
            showLogs();
        }
        Q_EMIT loaded(fetcher->error());
    });
    fetcher->start();
}

void JobLogsPane::showLogs()
{
    m_table->setRowCount(int(m_logs.size()));
    for (int i = 0; i < m_logs.size(); ++i) {
        const api::LogEntry &e = m_logs.at(i);
        const QString payload = QString::fromUtf8(QJsonDocument(e.payload).toJson(QJsonDocument::Compact));
        const QStringList cells{ formatDate(e.createdAt), api::logSeverityName(e.severity), e.processingStageId,
                                 e.taskId, e.reportingModule + QStringLiteral(" / ") + e.logType, payload };
        for (int c = 0; c < cells.size(); ++c) {
            auto *item = new QTableWidgetItem(cells.at(c));
            if (c == 5)
                item->setToolTip(payload);
            m_table->setItem(i, c, item);
        }
    }
    m_table->resizeColumnsToContents();
    m_export->setEnabled(!m_logs.isEmpty());
}

Error JobLogsPane::exportJsonl(const QString &path) const
{
    Error error;
    jobs::JobLogsFetcher::writeJsonl(path, m_logs, &error);
    return error;
}

}  // namespace bd::ui
