#include "ExportsTab.h"

#include "AppSession.h"
#include "BatchContentsView.h"
#include "DownloadDialog.h"
#include "DownloadListModel.h"
#include "ListModels.h"
#include "ResultsViewer.h"
#include "TextWrap.h"
#include "TransferPanel.h"
#include "ViewState.h"
#include "core/AppSettings.h"

#include <QDesktopServices>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QMainWindow>
#include <QPushButton>
#include <QRegularExpressionValidator>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStatusBar>
#include <QSystemTrayIcon>
#include <QTabWidget>
#include <QTableView>
#include <QUrl>
#include <QVBoxLayout>

namespace bd::ui {

ExportsTab::ExportsTab(AppSession *session, QWidget *parent)
    : TabBase(parent), m_session(session), m_model(new OutputBatchesModel(session->outputs(), this))
{
    m_refresh = new QPushButton(QIcon::fromTheme(QStringLiteral("view-refresh")), tr("&Refresh"), this);
    m_refresh->setToolTip(tr("Read the jobs' output batches again (F5)"));
    m_download = new QPushButton(QIcon::fromTheme(QStringLiteral("download")), tr("&Download results…"), this);
    m_download->setToolTip(tr("Download the selected output batch of a finished job (Ctrl+S)"));
    m_download->setEnabled(false);
    auto *byId = new QPushButton(tr("Export batch by &id…"), this);
    byId->setToolTip(tr("Download any batch of the workspace by its id"));
    auto *openResults = new QPushButton(QIcon::fromTheme(QStringLiteral("document-open")), tr("&Open results file…"), this);
    openResults->setToolTip(tr("Read a downloaded CSV / JSONL results file (Ctrl+Shift+O)"));
    for (QPushButton *b : { m_refresh, m_download, byId, openResults })
        b->setAccessibleDescription(b->toolTip());
    m_filter = new QLineEdit(this);
    m_filter->setObjectName(QStringLiteral("filter"));
    m_filter->setPlaceholderText(tr("Filter output batches (Ctrl+F)"));
    m_filter->setAccessibleName(tr("Filter output batches"));
    m_filter->setAccessibleDescription(tr("Shows only the output batches whose columns contain this text"));
    m_filter->setClearButtonEnabled(true);
    m_toolbar->addWidget(m_refresh);
    m_toolbar->addWidget(m_download);
    m_toolbar->addWidget(byId);
    m_toolbar->addWidget(openResults);
    m_toolbar->addStretch();
    m_toolbar->addWidget(m_filter);
    setSourceModel(m_model, OutputBatchesModel::Job, Qt::AscendingOrder, QStringLiteral("exports"));
    m_table->setAccessibleName(tr("Output batches"));
    m_table->setAccessibleDescription(tr("The output batches of jobs' stages; Enter downloads the selected one"));
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);

    // Unfinished exports of an earlier run.
    m_resumeBar = new QWidget(this);
    auto *resumeRow = new QHBoxLayout(m_resumeBar);
    resumeRow->setContentsMargins(0, 0, 0, 0);
    m_resumeText = new QLabel(m_resumeBar);
    m_resumeText->setWordWrap(true);
    auto *resume = new QPushButton(tr("Resu&me"), m_resumeBar);
    auto *discard = new QPushButton(tr("Discard"), m_resumeBar);
    resumeRow->addWidget(m_resumeText, 1);
    resumeRow->addWidget(resume);
    resumeRow->addWidget(discard);
    m_resumeBar->hide();
    m_layout->insertWidget(1, m_resumeBar);

    // The batch list on top, the detail pages under it.
    m_details = new QTabWidget(this);
    m_contents = new BatchContentsView(m_details);
    m_contents->setService(session->batches());
    m_transfers = new TransferPanel(m_details);
    m_results = new ResultsViewer(m_details);
    m_details->insertTab(ContentsPage, m_contents, tr("&Parts && files"));
    m_details->insertTab(TransfersPage, m_transfers, tr("&Transfers"));
    m_details->insertTab(ResultsPage, m_results, tr("Res&ults viewer"));
    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->setObjectName(QStringLiteral("exportsSplitter"));
    m_layout->removeWidget(m_table);
    splitter->addWidget(m_table);
    splitter->addWidget(m_details);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 1);
    splitter->setChildrenCollapsible(false);
    ViewState::rememberSplitter(splitter, QStringLiteral("exports"), { 500, 500 });
    m_layout->insertWidget(2, splitter, 1);
    m_details->setAccessibleName(tr("Output batch details, transfers and results"));
    setTabOrder(m_refresh, m_download);
    setTabOrder(m_download, byId);
    setTabOrder(byId, openResults);
    setTabOrder(openResults, m_filter);
    setTabOrder(m_filter, m_table);
    setTabOrder(m_table, m_details);

    connect(m_refresh, &QPushButton::clicked, this, qOverload<>(&ExportsTab::refresh));
    connect(m_download, &QPushButton::clicked, this, &ExportsTab::downloadSelected);
    connect(byId, &QPushButton::clicked, this, &ExportsTab::askBatchId);
    connect(openResults, &QPushButton::clicked, this, [this] {
        m_details->setCurrentIndex(ResultsPage);
        m_results->chooseFile();
    });
    connect(resume, &QPushButton::clicked, this, &ExportsTab::resumeUnfinished);
    connect(discard, &QPushButton::clicked, this, &ExportsTab::discardUnfinished);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, &ExportsTab::onSelectionChanged);
    connect(m_table, &QTableView::activated, this, [this] {   // double-click / Enter: as the button
        if (m_download->isEnabled())
            downloadSelected();
    });
    connect(m_transfers, &TransferPanel::openFolderRequested, this, &ExportsTab::openFolder);
    connect(m_transfers, &TransferPanel::viewResultsRequested, this, [this](const QString &folder) {
        m_details->setCurrentIndex(ResultsPage);
        m_results->showFolder(folder);
    });
    connect(m_model, &OutputBatchesModel::refreshed, this, [this](const Error &error) {
        showRefreshResult(error, tr("%n output batch(es)", nullptr, m_model->rowCount()));
        if (error)
            m_session->reportError(error);
        onSelectionChanged();
    });
    connect(session, &AppSession::connected, this, [this] {
        if (!m_checkedJournal)
            checkUnfinishedExports();
    });
}

void ExportsTab::refresh()
{
    m_session->outputs()->refresh();
}

void ExportsTab::refresh(const QVector<api::Job> &jobs)
{
    m_model->refresh(jobs);
}

// ---- starting downloads ----

ExportOptions ExportsTab::baseOptions(const QString &leaf) const
{
    ExportOptions o;
    const AppSettings settings;
    o.concurrency = qBound(1, settings.downloadConcurrency(), 32);
    o.targetDir = DownloadDialog::proposedTarget(settings.lastDownloadFolder(m_session->workspace()), leaf);
    return o;
}

ExportOptions ExportsTab::proposedOptionsForSelection() const
{
    const OutputBatchRow *row = m_model->rowAt(selectedSourceRow());
    if (!row)
        return {};
    ExportOptions o = baseOptions(row->jobId);
    o.batchIds = QStringList{ row->batchId };
    o.jobId = row->jobId;   // one layout: <folder>/<batchId>, as "Download results" of the job
    return o;
}

DownloadDialog *ExportsTab::downloadSelected()
{
    const OutputBatchRow *row = m_model->rowAt(selectedSourceRow());
    if (!row)
        return nullptr;
    DownloadDialog *dialog = openDialog(proposedOptionsForSelection(), row->jobId);
    dialog->setSourceDescription(tr("Batch %1: the output of job %2's “%3” stage")
                                     .arg(row->batchId, row->jobName.isEmpty() ? row->jobId : row->jobName, row->stageName));
    return dialog;
}

DownloadDialog *ExportsTab::downloadJobResults(const QString &jobId)
{
    ExportOptions o = baseOptions(jobId);
    o.jobId = jobId;
    return openDialog(o, jobId);
}

DownloadDialog *ExportsTab::downloadBatch(const QString &batchId)
{
    ExportOptions o = baseOptions(batchId);
    o.batchIds = QStringList{ batchId };
    return openDialog(o, batchId);
}

DownloadDialog *ExportsTab::openDialog(ExportOptions options, const QString &leaf)
{
    // Window-modal and asynchronous (open(), not exec()): the refreshes keep running behind it.
    auto *dialog = new DownloadDialog(m_session->batches(), std::move(options), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog, leaf] { startExport(dialog->options(), leaf); });
    dialog->open();
    return dialog;
}

ExportOperation *ExportsTab::startExport(const ExportOptions &options, const QString &proposedLeaf)
{
    if (!options.targetDir.isEmpty())
        AppSettings().setLastDownloadFolder(m_session->workspace(),
                                            DownloadDialog::rememberedFolder(options.targetDir, proposedLeaf));
    auto *operation = new ExportOperation(m_session->api(), options, this);
    // An output batch of a listed job: the Transfers list shows which job it belongs to.
    for (const OutputBatchRow &row : m_model->rows())
        if (options.jobId.isEmpty() && options.batchIds.size() == 1 && row.batchId == options.batchIds.first())
            operation->setProperty(DownloadListModel::kJobIdProperty, row.jobId);
    operation->setTitle(options.jobId.isEmpty() ? tr("Export %1").arg(options.batchIds.join(QStringLiteral(", ")))
                                                : tr("Results of job %1").arg(options.jobId));
    m_transfers->track(operation);
    connect(operation, &Operation::finished, this, [this, operation] { onExportFinished(operation); });
    m_details->setCurrentIndex(TransfersPage);
    operation->start();
    return operation;
}

void ExportsTab::askBatchId()
{
    // A small non-blocking prompt; the id must follow the batch id rules of the service.
    auto *dialog = new QDialog(this);
    dialog->setWindowTitle(tr("Export any batch by id"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    auto *layout = new QVBoxLayout(dialog);
    layout->addWidget(new QLabel(tr("Batch id (lower-case letters, digits, '-' and '_', up to 64):"), dialog));
    auto *edit = new QLineEdit(dialog);
    edit->setValidator(new QRegularExpressionValidator(QRegularExpression(QStringLiteral("[a-z0-9_-]{1,64}")), edit));
    layout->addWidget(edit);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, dialog);
    buttons->button(QDialogButtonBox::Ok)->setEnabled(false);
    layout->addWidget(buttons);
    connect(edit, &QLineEdit::textChanged, dialog,
            [edit, buttons] { buttons->button(QDialogButtonBox::Ok)->setEnabled(edit->hasAcceptableInput()); });
    connect(buttons, &QDialogButtonBox::accepted, dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
    connect(dialog, &QDialog::accepted, this, [this, edit] { downloadBatch(edit->text()); });
    dialog->open();
}

void ExportsTab::onSelectionChanged()
{
    const OutputBatchRow *row = m_model->rowAt(selectedSourceRow());
    m_download->setEnabled(row && row->jobFinished);
    m_contents->showBatch(row ? row->batchId : QString());
}

// ---- when downloads end ----

void ExportsTab::onExportFinished(ExportOperation *operation)
{
    const QString folder = operation->options().targetDir;
    QString text;
    if (!operation->error())
        text = tr("%1 finished: %n file(s) in %2", nullptr, operation->summary().downloaded + operation->summary().skipped)
                   .arg(operation->title(), QDir::toNativeSeparators(folder));
    else if (operation->error().kind == ErrorKind::Cancelled)
        text = tr("%1 cancelled").arg(operation->title());
    else
        text = tr("%1 failed: %2").arg(operation->title(), operation->error().message);
    if (!operation->error() && !operation->options().jobId.isEmpty())
        AppSettings().rememberJobResultsFolder(operation->options().jobId, folder);   // for "Show results"
    notify(text, folder);
    Q_EMIT exportFinished(operation);
    operation->deleteLater();
}

void ExportsTab::notify(const QString &text, const QString &folder)
{
    m_lastNotification = text;
    if (auto *window = qobject_cast<QMainWindow *>(this->window()))
        window->statusBar()->showMessage(text, 30000);
    if (!QSystemTrayIcon::isSystemTrayAvailable())
        return;
    // Reuse the window's tray icon when it has one; clicking the balloon opens the folder.
    if (!m_tray) {
        const auto icons = window()->findChildren<QSystemTrayIcon *>();
        m_tray = icons.isEmpty() ? new QSystemTrayIcon(window()->windowIcon(), this) : icons.first();
        connect(m_tray, &QSystemTrayIcon::messageClicked, this, [this] { openFolder(m_trayFolder); });
        if (!m_tray->isVisible())
            m_tray->show();
    }
    m_trayFolder = folder;
    m_tray->showMessage(tr("Batchdeck download"), text + tr("\nClick to open the folder."));
}

void ExportsTab::openFolder(const QString &folder)
{
    if (folder.isEmpty())
        return;
    // Without a file manager openUrl() fails: say where the files are instead of doing nothing.
    if (!QDesktopServices::openUrl(QUrl::fromLocalFile(folder))) {
        const QString text = tr("No file manager could open the folder; the files are in %1").arg(QDir::toNativeSeparators(folder));
        m_lastNotification = text;
        if (auto *window = qobject_cast<QMainWindow *>(this->window()))
            window->statusBar()->showMessage(text, 30000);
    }
}

// ---- exports left unfinished by an earlier run ----

void ExportsTab::checkUnfinishedExports()
{
    m_checkedJournal = true;
    ExportJournal journal;
    Error error;
    m_resumable = journal.unfinishedExports(&error);
    if (error) {
        m_status->setText(tr("Could not read the export journal: %1").arg(error.message));
        return;
    }
    if (m_resumable.isEmpty()) {
        m_resumeBar->hide();
        return;
    }
    QStringList lines;
    for (const ExportRecord &r : std::as_const(m_resumable))
        lines << tr("%1 → %2").arg(r.batchId, QDir::toNativeSeparators(r.targetDir));
    m_resumeText->setText(tr("%n export(s) did not finish last time: ", nullptr, int(m_resumable.size()))
                          + breakableAtSeparators(lines.join(QStringLiteral("; "))));
    m_resumeBar->show();
}

void ExportsTab::resumeUnfinished()
{
    // Each journal row is one batch into one folder: exporting that batch there again skips
    // what is done and continues the .part files.
    const QVector<ExportRecord> records = m_resumable;
    m_resumable.clear();
    m_resumeBar->hide();
    for (const ExportRecord &r : records) {
        ExportOptions o = baseOptions(r.batchId);
        o.batchIds = QStringList{ r.batchId };
        o.targetDir = r.targetDir;
        startExport(o, QFileInfo(r.targetDir).fileName());
    }
}

void ExportsTab::discardUnfinished()
{
    ExportJournal journal;
    for (const ExportRecord &r : std::as_const(m_resumable))
        journal.removeExport(r.id);
    m_resumable.clear();
    m_resumeBar->hide();
}

}  // namespace bd::ui
