#include "ResumeIngestsDialog.h"

#include "ListModels.h"

#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace bd::ui {

using namespace bd::staging;

ResumeIngestsDialog::ResumeIngestsDialog(QVector<IngestRecord> records, QWidget *parent)
    : QDialog(parent), m_records(std::move(records)), m_table(new QTableWidget(0, 5, this))
{
    setWindowTitle(tr("Unfinished uploads"));
    auto *intro = new QLabel(tr("These uploads did not finish. Resuming sends only the files the batch is still missing."), this);
    intro->setWordWrap(true);

    m_table->setHorizontalHeaderLabels({ tr("Batch"), tr("Sources"), tr("Method"), tr("State"), tr("Last activity") });
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setRowCount(int(m_records.size()));
    for (int row = 0; row < m_records.size(); ++row) {
        const IngestRecord &r = m_records.at(row);
        auto *batch = new QTableWidgetItem(r.displayName.isEmpty() || r.displayName == r.batchId
                                               ? r.batchId : tr("%1 (%2)").arg(r.batchId, r.displayName));
        batch->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable | Qt::ItemIsSelectable);
        batch->setCheckState(Qt::Checked);
        m_table->setItem(row, 0, batch);
        auto *sources = new QTableWidgetItem(r.sources.size() == 1
                                                 ? r.sources.first()
                                                 : tr("%1 and %n more", nullptr, int(r.sources.size() - 1)).arg(r.sources.value(0)));
        sources->setToolTip(r.sources.join(QLatin1Char('\n')));
        m_table->setItem(row, 1, sources);
        m_table->setItem(row, 2, new QTableWidgetItem(r.method));
        m_table->setItem(row, 3, new QTableWidgetItem(r.state));
        m_table->setItem(row, 4, new QTableWidgetItem(formatDate(r.updatedAt)));
    }
    m_table->resizeColumnsToContents();

    auto *buttons = new QDialogButtonBox(this);
    QPushButton *resume = buttons->addButton(tr("&Resume selected"), QDialogButtonBox::AcceptRole);
    resume->setIcon(QIcon::fromTheme(QStringLiteral("media-playback-start")));
    buttons->addButton(tr("&Not now"), QDialogButtonBox::RejectRole);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_table, &QTableWidget::itemChanged, this, [this, resume] { resume->setEnabled(!selectedIngests().isEmpty()); });

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addWidget(m_table, 1);
    layout->addWidget(buttons);
    resize(760, 320);
}

IngestOptions ResumeIngestsDialog::optionsFor(const IngestRecord &record)
{
    IngestOptions o;
    o.batchId = record.batchId;
    o.displayName = record.displayName;
    o.inputs = record.sources;
    o.ingestId = record.ingestId;
    const QString media = record.options.value(QStringLiteral("media")).toString();
    o.media = media == QLatin1String("videos") ? MediaSelection::Videos
              : media == QLatin1String("both") ? MediaSelection::Both
                                               : MediaSelection::Images;
    o.recursive = record.options.value(QStringLiteral("recursive")).toBool(true);
    o.concurrency = record.options.value(QStringLiteral("concurrency")).toInt(o.concurrency);
    const QString url = record.options.value(QStringLiteral("notificationsURL")).toString();
    if (!url.isEmpty())
        o.notificationsUrl = url;
    return o;
}

QVector<IngestOptions> ResumeIngestsDialog::selectedIngests() const
{
    QVector<IngestOptions> selected;
    for (int row = 0; row < m_records.size(); ++row)
        if (m_table->item(row, 0) && m_table->item(row, 0)->checkState() == Qt::Checked)
            selected << optionsFor(m_records.at(row));
    return selected;
}

}  // namespace bd::ui
