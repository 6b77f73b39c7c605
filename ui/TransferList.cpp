#include "TransferList.h"

#include "ColumnWidths.h"
#include "ProgressDelegate.h"
#include "TransferListModel.h"
#include "core/Format.h"
#include "staging/IngestOperation.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

namespace bd::ui {

using staging::IngestOperation;

TransferList::TransferList(IngestOperation *operation, QWidget *parent)
    : QWidget(parent), m_operation(operation), m_model(new TransferListModel(this))
{
    m_operation->setParent(this);

    m_title = new QLabel(this);
    m_title->setTextFormat(Qt::PlainText);
    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    m_title->setText(tr("Uploading to %1").arg(batchId()));
    m_phase = new QLabel(this);
    m_phase->setTextFormat(Qt::PlainText);
    m_pause = new QPushButton(QIcon::fromTheme(QStringLiteral("media-playback-pause")), tr("Pause"), this);
    m_cancel = new QPushButton(QIcon::fromTheme(QStringLiteral("process-stop")), tr("Cancel"), this);
    auto *header = new QHBoxLayout;
    header->addWidget(m_title);
    header->addWidget(m_phase, 1);
    header->addWidget(m_pause);
    header->addWidget(m_cancel);

    m_bar = new QProgressBar(this);
    m_bar->setRange(0, 0);
    m_overall = new QLabel(this);
    m_overall->setTextFormat(Qt::PlainText);

    m_view = new QTableView(this);
    m_view->setModel(m_model);
    m_view->setItemDelegate(new ProgressDelegate(TransferListModel::Progress, m_view));
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 10);
    m_view->horizontalHeader()->setStretchLastSection(true);
    setColumnChars(m_view, { { TransferListModel::Name, 38 }, { TransferListModel::Progress, 22 } });

    m_problems = new QTableWidget(0, 3, this);
    m_problems->setHorizontalHeaderLabels({ tr("File"), tr("Outcome"), tr("Reason") });
    m_problems->verticalHeader()->hide();
    m_problems->horizontalHeader()->setStretchLastSection(true);
    m_problems->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_problems->setWordWrap(false);
    m_problems->hide();

    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_view);
    split->addWidget(m_problems);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(header);
    layout->addWidget(m_bar);
    layout->addWidget(m_overall);
    layout->addWidget(split, 1);

    connect(m_pause, &QPushButton::clicked, this, &TransferList::togglePause);
    connect(m_cancel, &QPushButton::clicked, m_operation, &bd::Operation::cancel);
    connect(m_operation, &IngestOperation::phaseChanged, this, &TransferList::onPhaseChanged);
    // Every queue, from its making (before it starts its transfers): early shards go while the
    // walk still runs, the plan after the scan may get a queue of its own.
    connect(m_operation, &IngestOperation::queueCreated, m_model, &TransferListModel::watch);
    connect(m_operation, &bd::Operation::statusTextChanged, m_phase, &QLabel::setText);
    connect(m_operation, &bd::Operation::finished, this, &TransferList::onFinished);
    // The overall line is re-read on a timer: cheap, and speed/ETA move even without progress.
    // Twice a second, as the Exports panel: each re-read repaints the bar and the line.
    auto *tick = new QTimer(this);
    tick->setInterval(500);
    connect(tick, &QTimer::timeout, this, &TransferList::updateOverall);
    connect(m_operation, &bd::Operation::finished, tick, &QTimer::stop);
    tick->start();
    updateOverall();
    m_operation->start();
}

QString TransferList::batchId() const
{
    return m_operation->options().batchId;
}

bool TransferList::isFinished() const
{
    return m_operation->isFinished();
}

void TransferList::onPhaseChanged()
{
    if (m_operation->phase() == IngestOperation::Phase::Indexing)
        m_title->setText(tr("Indexing %1").arg(batchId()));
    // Nothing to pause once the bytes are up: the service indexes on its own.
    if (!m_operation->isFinished())
        m_pause->setEnabled(m_operation->phase() != IngestOperation::Phase::Indexing
                            && m_operation->phase() != IngestOperation::Phase::Done);
    updateOverall();
}

QString TransferList::overallText() const
{
    const IngestOperation *op = m_operation;
    using Unit = bd::Operation::Unit;
    const qint64 totalBytes = op->totalAmount(Unit::Bytes);
    if (op->phase() == IngestOperation::Phase::Scanning || totalBytes < 0)
        return tr("%n entries examined", nullptr, int(op->processedAmount(Unit::Items)));
    QStringList parts;
    parts << tr("%1 of %2").arg(formatBytes(op->processedAmount(Unit::Bytes)), formatBytes(totalBytes));
    parts << tr("%1 of %n file(s)", nullptr, int(op->totalAmount(Unit::Files))).arg(op->processedAmount(Unit::Files));
    if (op->state() == bd::Operation::State::Running && op->phase() == IngestOperation::Phase::Uploading) {
        parts << formatSpeed(op->speed());
        parts << tr("%1 left").arg(formatDuration(op->etaSeconds()));
    }
    parts << tr("elapsed %1").arg(formatDuration(op->elapsed() / 1000));
    return parts.join(QStringLiteral(" · "));
}

void TransferList::updateOverall()
{
    using Unit = bd::Operation::Unit;
    const qint64 total = m_operation->totalAmount(Unit::Bytes);
    const auto phase = m_operation->phase();
    if (phase == IngestOperation::Phase::Uploading && total > 0) {
        m_bar->setRange(0, 1000);
        m_bar->setValue(int(m_operation->processedAmount(Unit::Bytes) * 1000 / total));
        m_bar->setFormat(QStringLiteral("%1%").arg(m_operation->percent()));
    } else if (phase == IngestOperation::Phase::Indexing) {
        m_bar->setRange(0, 0);   // bytes are up; the service is indexing: no measurable progress
        m_bar->setFormat(tr("Uploaded · the service is indexing"));
    } else if (phase == IngestOperation::Phase::Done || m_operation->isFinished()) {
        m_bar->setRange(0, 1000);
        m_bar->setValue(m_operation->summary().ready ? 1000 : m_bar->value());
        m_bar->setFormat(m_operation->summary().ready ? tr("Ready") : tr("Stopped"));
    } else {
        m_bar->setRange(0, 0);
    }
    m_overall->setText(overallText());
}

void TransferList::togglePause()
{
    if (m_operation->state() == bd::Operation::State::Suspended) {
        if (m_operation->resume()) {
            m_pause->setText(tr("Pause"));
            m_pause->setIcon(QIcon::fromTheme(QStringLiteral("media-playback-pause")));
        }
    } else if (m_operation->suspend()) {
        m_pause->setText(tr("Resume"));
        m_pause->setIcon(QIcon::fromTheme(QStringLiteral("media-playback-start")));
        m_phase->setText(tr("Paused"));
    }
}

void TransferList::onFinished()
{
    m_pause->setEnabled(false);
    m_cancel->setEnabled(false);
    const staging::IngestSummary &summary = m_operation->summary();
    const Error &error = m_operation->error();
    m_model->closeUnfinished(error.kind == ErrorKind::Cancelled ? tr("Cancelled") : tr("Not sent"));
    QString text;
    if (summary.ready)
        text = tr("%1 is ready: %2 file(s) in the batch").arg(batchId()).arg(summary.batchCount);
    else if (error.kind == ErrorKind::Cancelled)
        text = tr("Cancelled: %1 uploaded; run it again to upload the rest").arg(summary.uploadedTotal());
    else
        text = tr("Finished with problems: %1").arg(error ? error.message : tr("not every file is indexed"));
    m_title->setText(text);
    m_phase->setText(tr("%1 uploaded · %2 skipped · %3 failed")
                         .arg(summary.uploadedTotal())
                         .arg(summary.skippedTotal())
                         .arg(summary.failedTotal()));
    updateOverall();
    listProblems();
    Q_EMIT ingestFinished(batchId(), summary.ready);
}

void TransferList::listProblems()
{
    const staging::IngestSummary &summary = m_operation->summary();
    auto add = [this](const staging::IngestFileOutcome &o, const QString &outcome) {
        const int row = m_problems->rowCount();
        m_problems->insertRow(row);
        m_problems->setItem(row, 0, new QTableWidgetItem(o.path));
        m_problems->setItem(row, 1, new QTableWidgetItem(outcome));
        m_problems->setItem(row, 2, new QTableWidgetItem(o.detail.isEmpty() ? o.reason : o.detail));
        m_problems->item(row, 2)->setToolTip(o.reason);
    };
    for (const auto &o : summary.failed)
        add(o, o.reason == QLatin1String("service-rejected") ? tr("Rejected by the service") : tr("Failed"));
    for (const auto &o : summary.skipped)
        add(o, tr("Skipped"));
    m_problems->setVisible(m_problems->rowCount() > 0);
    m_problems->resizeColumnToContents(0);
    m_problems->resizeColumnToContents(1);
}

}  // namespace bd::ui
