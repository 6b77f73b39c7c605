#include "TransferPanel.h"

#include "ColumnWidths.h"
#include "DownloadListModel.h"
#include "ProgressDelegate.h"
#include "core/Format.h"
#include "exports/ExportOperation.h"

#include <QDir>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

namespace bd::ui {

TransferPanel::TransferPanel(QWidget *parent) : QWidget(parent), m_model(new DownloadListModel(this))
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);

    auto *top = new QHBoxLayout;
    m_overall = new QProgressBar(this);
    m_overall->setRange(0, 100);
    m_overall->setValue(0);
    m_overall->setFormat(tr("No download running"));
    m_overall->setTextVisible(true);
    m_pause = new QPushButton(QIcon::fromTheme(QStringLiteral("media-playback-pause")), tr("&Pause"), this);
    m_resume = new QPushButton(QIcon::fromTheme(QStringLiteral("media-playback-start")), tr("Res&ume"), this);
    m_cancel = new QPushButton(QIcon::fromTheme(QStringLiteral("process-stop")), tr("&Cancel"), this);
    m_clear = new QPushButton(tr("Clear finished"), this);
    top->addWidget(m_overall, 1);
    top->addWidget(m_pause);
    top->addWidget(m_resume);
    top->addWidget(m_cancel);
    top->addWidget(m_clear);
    layout->addLayout(top);

    m_details = new QLabel(this);
    m_details->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_details);

    // The notice of the last finished export: what happened and where it went.
    m_notice = new QWidget(this);
    auto *noticeRow = new QHBoxLayout(m_notice);
    noticeRow->setContentsMargins(0, 0, 0, 0);
    m_noticeText = new QLabel(m_notice);
    m_noticeText->setWordWrap(true);
    auto *openFolder = new QPushButton(QIcon::fromTheme(QStringLiteral("folder-open")), tr("Open &folder"), m_notice);
    auto *viewResults = new QPushButton(tr("&View results"), m_notice);
    noticeRow->addWidget(m_noticeText, 1);
    noticeRow->addWidget(openFolder);
    noticeRow->addWidget(viewResults);
    m_notice->hide();
    layout->addWidget(m_notice);

    auto *proxy = new QSortFilterProxyModel(this);
    proxy->setSourceModel(m_model);
    proxy->setSortRole(SortRole);
    m_view = new QTableView(this);
    m_view->setAccessibleName(tr("Transfers"));
    m_view->setAccessibleDescription(tr("Every file of the running and finished downloads: job, name, part, size, progress, state"));
    m_view->setModel(proxy);
    m_view->setItemDelegate(new ProgressDelegate(DownloadListModel::Progress, m_view));
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(DownloadListModel::Name, Qt::AscendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setAlternatingRowColors(true);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 8);
    m_view->horizontalHeader()->setStretchLastSection(true);
    setColumnChars(m_view, { { DownloadListModel::Job, 18 }, { DownloadListModel::Name, 30 }, { DownloadListModel::Part, 22 },
                             { DownloadListModel::Size, 10 }, { DownloadListModel::Progress, 18 },
                             { DownloadListModel::State, 16 }, { DownloadListModel::Speed, 12 } });
    layout->addWidget(m_view, 1);

    m_tick = new QTimer(this);
    m_tick->setInterval(500);   // speed and ETA decay even when no bytes arrive
    connect(m_tick, &QTimer::timeout, this, &TransferPanel::updateOverall);
    connect(m_pause, &QPushButton::clicked, this, &TransferPanel::pauseAll);
    connect(m_resume, &QPushButton::clicked, this, &TransferPanel::resumeAll);
    connect(m_cancel, &QPushButton::clicked, this, &TransferPanel::cancelAll);
    connect(m_clear, &QPushButton::clicked, this, [this] {
        m_model->clearFinished();
        m_notice->hide();
        updateOverall();
    });
    // Rows can arrive after the export that lists them ended (the model announces in batches):
    // the bar and "Clear finished" follow the rows, not only the operations.
    connect(m_model, &QAbstractItemModel::rowsInserted, this, &TransferPanel::updateOverall);
    connect(m_model, &QAbstractItemModel::rowsRemoved, this, &TransferPanel::updateOverall);
    connect(m_model, &QAbstractItemModel::modelReset, this, &TransferPanel::updateOverall);
    connect(openFolder, &QPushButton::clicked, this, [this] { Q_EMIT openFolderRequested(m_lastFolder); });
    connect(viewResults, &QPushButton::clicked, this, [this] { Q_EMIT viewResultsRequested(m_lastFolder); });
    updateOverall();
}

void TransferPanel::track(ExportOperation *operation)
{
    m_operations.append(operation);
    m_model->track(operation);
    connect(operation, &Operation::progressChanged, this, &TransferPanel::updateOverall);
    connect(operation, &Operation::stateChanged, this, &TransferPanel::updateOverall);
    connect(operation, &Operation::statusTextChanged, this, &TransferPanel::updateOverall);
    connect(operation, &Operation::finished, this, [this, operation] {
        m_waiting.remove(operation);
        onExportFinished(operation);
    });
    // One export per folder at a time: say why this one does not move yet.
    connect(operation, &ExportOperation::waitingForTarget, this, [this, operation](const QString &folder) {
        m_waiting.insert(operation, folder);
        updateOverall();
    });
    connect(operation, &QObject::destroyed, this, [this, operation] { m_waiting.remove(operation); });
    connect(operation, &ExportOperation::fileStarted, this, [this, operation] {
        if (m_waiting.remove(operation) > 0)
            updateOverall();
    });
    m_notice->hide();
    m_tick->start();
    updateOverall();
}

bool TransferPanel::hasRunning() const
{
    for (const QPointer<ExportOperation> &op : m_operations)
        if (op && !op->isFinished())
            return true;
    return false;
}

QString TransferPanel::overallText() const { return m_overall->format() + QLatin1Char('\n') + m_details->text(); }
QString TransferPanel::waitingText() const { return m_waitingText; }
QString TransferPanel::noticeText() const { return m_notice->isHidden() ? QString() : m_noticeText->text(); }

void TransferPanel::pauseAll()
{
    for (const QPointer<ExportOperation> &op : std::as_const(m_operations))
        if (op && op->state() == Operation::State::Running)
            op->suspend();
    updateOverall();
}

void TransferPanel::resumeAll()
{
    for (const QPointer<ExportOperation> &op : std::as_const(m_operations))
        if (op && op->state() == Operation::State::Suspended)
            op->resume();
    updateOverall();
}

void TransferPanel::cancelAll()
{
    for (const QPointer<ExportOperation> &op : std::as_const(m_operations))
        if (op && !op->isFinished())
            op->cancel();
    updateOverall();
}

void TransferPanel::updateOverall()
{
    // Several exports can run: the bar sums them (bytes when every total is known, else files).
    qint64 bytes = 0, bytesTotal = 0, files = 0, filesTotal = 0;
    bool bytesKnown = true;
    double speed = 0;
    int running = 0, suspended = 0;
    QString status;
    for (const QPointer<ExportOperation> &op : std::as_const(m_operations)) {
        if (!op || op->isFinished())
            continue;
        running += op->state() == Operation::State::Running ? 1 : 0;
        suspended += op->state() == Operation::State::Suspended ? 1 : 0;
        bytes += op->processedAmount(Operation::Unit::Bytes);
        const qint64 total = op->totalAmount(Operation::Unit::Bytes);
        bytesKnown = bytesKnown && total >= 0;
        bytesTotal += qMax<qint64>(0, total);
        files += op->processedAmount(Operation::Unit::Files);
        filesTotal += qMax<qint64>(0, op->totalAmount(Operation::Unit::Files));
        speed += op->speed();
        status = op->statusText();
    }
    m_pause->setEnabled(running > 0);
    m_resume->setEnabled(suspended > 0);
    m_cancel->setEnabled(running + suspended > 0);
    m_clear->setEnabled(m_model->rowCount() > 0 && running + suspended == 0);
    if (running + suspended == 0) {
        m_waitingText.clear();
        m_tick->stop();
        m_overall->setRange(0, 100);
        m_overall->setValue(m_model->rowCount() > 0 ? 100 : 0);
        m_overall->setFormat(m_model->rowCount() > 0 ? tr("Finished") : tr("No download running"));
        m_details->setText(status);
        m_details->setVisible(!status.isEmpty());   // no empty line above the finished notice
        return;
    }
    // Every unfinished export waits for another one into the same folder: nothing moves, say so.
    QStringList waitingFolders;
    for (auto it = m_waiting.cbegin(); it != m_waiting.cend(); ++it)
        if (!it.key()->isFinished() && !waitingFolders.contains(QDir::toNativeSeparators(it.value())))
            waitingFolders << QDir::toNativeSeparators(it.value());
    m_waitingText = waitingFolders.isEmpty()
                        ? QString()
                        : tr("Waiting for another export into %1 to finish").arg(waitingFolders.join(QStringLiteral(", ")));
    int percent = -1;
    if (bytesKnown && bytesTotal > 0)
        percent = int(qBound(qint64(0), bytes * 100 / bytesTotal, qint64(100)));
    else if (filesTotal > 0)
        percent = int(files * 100 / filesTotal);
    if (!m_waitingText.isEmpty() && running > 0 && int(m_waiting.size()) >= running) {
        m_overall->setRange(0, 0);   // busy: it starts by itself once the other export ends
        m_overall->setFormat(tr("Waiting for another export"));
    } else if (percent < 0) {
        m_overall->setRange(0, 0);   // still listing: busy bar
        m_overall->setFormat(tr("Listing files…"));
    } else {
        m_overall->setRange(0, 100);
        m_overall->setValue(percent);
        m_overall->setFormat(suspended > 0 && running == 0 ? tr("Paused · %p%") : tr("%p%"));
    }
    const qint64 eta = speed > 0 && bytesKnown && bytesTotal > bytes ? qint64((bytesTotal - bytes) / speed) : -1;
    QString details = tr("%1 of %2 · %3 of %4 files · %5 · ETA %6")
                          .arg(formatBytes(bytes), bytesKnown ? formatBytes(bytesTotal) : tr("?"))
                          .arg(files).arg(filesTotal)
                          .arg(running > 0 ? formatSpeed(speed) : tr("paused"), formatDuration(eta));
    if (!m_waitingText.isEmpty())
        details = m_waitingText + QStringLiteral(" · ") + details;
    m_details->setText(details);
    m_details->setVisible(true);
}

void TransferPanel::onExportFinished(ExportOperation *operation)
{
    const ExportOptions &o = operation->options();
    m_lastFolder = o.targetDir;
    const QString where = QDir::toNativeSeparators(o.targetDir);
    const ExportSummary &s = operation->summary();
    QString text;
    if (!operation->error())
        text = tr("Download finished: %1 downloaded, %2 already there, %3 archive(s) extracted into %4.")
                   .arg(s.downloaded).arg(s.skipped).arg(s.extracted).arg(where);
    else if (operation->error().kind == ErrorKind::Cancelled)
        text = tr("Download stopped (%1 of %2 files done); partial files kept in %3.")
                   .arg(s.downloaded + s.skipped).arg(s.planned).arg(where);
    else
        text = tr("Download ended with errors: %1").arg(operation->error().message);
    m_noticeText->setText(text);
    m_notice->show();
    updateOverall();
}

}  // namespace bd::ui
