#include "StagingTab.h"

#include "AppSession.h"
#include "BatchCountProxy.h"
#include "BatchDetailPane.h"
#include "DropZone.h"
#include "IngestDialog.h"
#include "ListModels.h"
#include "ResumeIngestsDialog.h"
#include "RemoteIngestView.h"
#include "TransferList.h"
#include "ViewState.h"
#include "session/Services.h"
#include "staging/IngestJournal.h"

#include <QFileDialog>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStandardPaths>
#include <QTabBar>
#include <QTabWidget>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace bd::ui {

StagingTab::StagingTab(AppSession *session, QWidget *parent)
    : TabBase(parent), m_session(session), m_model(new BatchesModel(session->batches(), this)), m_counts(new BatchCountProxy(this))
{
    m_addFolder = new QPushButton(QIcon::fromTheme(QStringLiteral("folder-new")), tr("&Add folder…"), this);
    m_addFolder->setToolTip(tr("Upload a folder into a staging batch (Ctrl+O)"));
    m_addFolder->setAccessibleDescription(m_addFolder->toolTip());
    m_refresh = new QPushButton(QIcon::fromTheme(QStringLiteral("view-refresh")), tr("&Refresh"), this);
    m_refresh->setToolTip(tr("Read the batches and their file counts again (F5)"));
    m_refresh->setAccessibleDescription(m_refresh->toolTip());
    m_filter = new QLineEdit(this);
    m_filter->setObjectName(QStringLiteral("filter"));
    m_filter->setPlaceholderText(tr("Filter batches (Ctrl+F)"));
    m_filter->setAccessibleName(tr("Filter batches"));
    m_filter->setAccessibleDescription(tr("Shows only the batches whose columns contain this text"));
    m_filter->setClearButtonEnabled(true);
    m_toolbar->addWidget(m_addFolder);
    buildIngestFromMenu();
    m_toolbar->addWidget(m_ingestFrom);
    m_toolbar->addWidget(m_refresh);
    m_toolbar->addStretch();
    m_toolbar->addWidget(m_filter);

    // Drop zone above the table; table and the lower pane (details + transfers) in a splitter.
    m_dropZone = new DropZone(this);
    m_lower = new QTabWidget(this);
    m_lower->setTabsClosable(true);
    m_lower->setDocumentMode(true);
    m_detail = new BatchDetailPane(m_lower);
    m_detail->setService(session->batches());
    m_lower->addTab(m_detail, tr("Details"));
    m_lower->tabBar()->setTabButton(0, QTabBar::RightSide, nullptr);   // details cannot close
    m_lower->tabBar()->setTabButton(0, QTabBar::LeftSide, nullptr);
    m_layout->removeWidget(m_table);
    // List first: the batches get the larger share; the split is remembered.
    auto *split = new QSplitter(Qt::Vertical, this);
    split->setObjectName(QStringLiteral("stagingSplitter"));
    split->addWidget(m_table);
    split->addWidget(m_lower);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    split->setChildrenCollapsible(false);
    ViewState::rememberSplitter(split, QStringLiteral("staging"), { 600, 400 });
    m_layout->insertWidget(1, m_dropZone);
    m_layout->insertWidget(2, split, 1);

    m_counts->setSourceModel(m_model);
    setSourceModel(m_counts, BatchesModel::Created, Qt::DescendingOrder, QStringLiteral("staging"));
    m_table->setAccessibleName(tr("Staging batches"));
    m_table->setAccessibleDescription(tr("The workspace's staging batches; select one to see its details below"));
    m_lower->setAccessibleName(tr("Batch details and ingests"));
    // Reading order: toolbar, filter, list, details.
    setTabOrder(m_addFolder, m_ingestFrom);
    setTabOrder(m_ingestFrom, m_refresh);
    setTabOrder(m_refresh, m_filter);
    setTabOrder(m_filter, m_table);
    setTabOrder(m_table, m_lower);

    connect(m_addFolder, &QPushButton::clicked, this, &StagingTab::chooseFolder);
    connect(m_dropZone, &DropZone::pathsDropped, this, &StagingTab::openIngestDialog);
    connect(m_refresh, &QPushButton::clicked, this, [this] {
        m_counts->forgetAll();   // an explicit refresh re-reads the counts too
        refresh();
        m_detail->reload();
    });
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);
    connect(m_model, &BatchesModel::refreshed, this, [this](const Error &error) {
        showRefreshResult(error, tr("%n batch(es)", nullptr, m_model->rowCount()));
        if (error)
            m_session->reportError(error);
        else
            m_session->reportSuccess();
        // A batch asked for before it was listed (a finished ingest) wins over the selection the
        // view restored from before the refresh; else a reset that dropped the selection is undone.
        if (!m_pendingSelection.isEmpty() && m_model->rowOfKey(m_pendingSelection) >= 0)
            selectBatch(m_pendingSelection);
        else if (!m_selectedId.isEmpty() && selectedSourceRow() < 0)
            selectBatch(m_selectedId);
        scheduleCountLoad();
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, &StagingTab::onSelectionChanged);
    connect(m_detail, &BatchDetailPane::countLoaded, m_counts, &BatchCountProxy::setCount);
    connect(m_detail, &BatchDetailPane::newJobRequested, this, &StagingTab::newJobRequested);
    connect(m_lower, &QTabWidget::tabCloseRequested, this, [this](int index) {
        auto *list = qobject_cast<TransferList *>(m_lower->widget(index));
        auto *remote = qobject_cast<RemoteIngestView *>(m_lower->widget(index));
        if ((list && list->isFinished()) || (remote && remote->isFinished())) {   // a running ingest stays until it ends
            QWidget *page = m_lower->widget(index);
            m_lower->removeTab(index);
            page->deleteLater();
        }
    });

    // Counts are read for the rows in view only, shortly after scrolling/resizing settles.
    m_countTimer.setSingleShot(true);
    m_countTimer.setInterval(150);
    connect(&m_countTimer, &QTimer::timeout, this, &StagingTab::loadVisibleCounts);
    connect(m_table->verticalScrollBar(), &QScrollBar::valueChanged, this, &StagingTab::scheduleCountLoad);
    connect(m_proxy, &QAbstractItemModel::layoutChanged, this, &StagingTab::scheduleCountLoad);
    connect(m_proxy, &QAbstractItemModel::rowsInserted, this, &StagingTab::scheduleCountLoad);

    connect(m_session, &AppSession::connected, this, [this] {
        if (m_resumeOffered)
            return;
        m_resumeOffered = true;
        QTimer::singleShot(0, this, qOverload<>(&StagingTab::offerResume));
    });
}

void StagingTab::refresh()
{
    m_model->refresh();
}

IngestDialog *StagingTab::ingestDialog() const
{
    return m_dialog;
}

ResumeIngestsDialog *StagingTab::resumeDialog() const
{
    return m_resumeDialog;
}

QList<TransferList *> StagingTab::transferLists() const
{
    QList<TransferList *> lists;
    for (int i = 0; i < m_lower->count(); ++i)
        if (auto *list = qobject_cast<TransferList *>(m_lower->widget(i)))
            lists << list;
    return lists;
}

void StagingTab::chooseFolder()
{
    // Non-blocking: the dialog is opened, not exec()'d.
    auto *dialog = new QFileDialog(this, tr("Folder to upload"),
                                   QStandardPaths::writableLocation(QStandardPaths::PicturesLocation));
    dialog->setFileMode(QFileDialog::Directory);
    dialog->setOption(QFileDialog::ShowDirsOnly);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QFileDialog::filesSelected, this, &StagingTab::openIngestDialog);
    dialog->open();
}

void StagingTab::openIngestDialog(const QStringList &paths)
{
    if (paths.isEmpty())
        return;
    if (m_dialog)
        m_dialog->close();
    auto *dialog = new IngestDialog(paths, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    QSet<QString> existing;
    for (const api::Batch &b : m_model->rows())
        existing.insert(b.batchId);
    dialog->setExistingBatchIds(existing);
    connect(dialog, &QDialog::accepted, this, [this, dialog] { startIngest(dialog->options()); });
    m_dialog = dialog;
    dialog->open();
}

TransferList *StagingTab::startIngest(const staging::IngestOptions &requested)
{
    staging::IngestOptions options = requested;
    // With the webhook receiver on, the shards tell it when they are indexed (no waiting for a poll).
    if (options.notificationsUrl.isEmpty())
        options.notificationsUrl = m_session->notificationsUrl().toString();
    // Ingests that ended well leave when a new one starts (they piled up); failed ones stay to be read.
    for (int i = m_lower->count() - 1; i > 0; --i) {
        QWidget *page = m_lower->widget(i);
        if (page->property("ingestReady").toBool()) {
            m_lower->removeTab(i);
            page->deleteLater();
        }
    }
    auto *operation = new staging::IngestOperation(m_session->api(), options);
    auto *list = new TransferList(operation, m_lower);
    const int index = m_lower->addTab(list, QIcon::fromTheme(QStringLiteral("go-up")), options.batchId);
    m_lower->setTabToolTip(index, options.inputs.join(QLatin1Char('\n')));
    m_lower->setCurrentWidget(list);
    // Once bytes are up the batch exists: list it and show it "indexing".
    connect(operation, &staging::IngestOperation::phaseChanged, this, [this, options](auto phase) {
        if (phase == staging::IngestOperation::Phase::Indexing) {
            m_counts->forget(options.batchId);
            refresh();
        }
    });
    connect(list, &TransferList::ingestFinished, this, [this, list](const QString &, bool ready) {
        onIngestFinished(list, ready);
    });
    return list;
}

void StagingTab::onIngestFinished(TransferList *list, bool ready)
{
    list->setProperty("ingestReady", ready);
    const int index = m_lower->indexOf(list);
    if (index >= 0)
        m_lower->setTabIcon(index, QIcon::fromTheme(ready ? QStringLiteral("emblem-default") : QStringLiteral("dialog-warning")));
    const QString batchId = list->batchId();
    m_counts->forget(batchId);
    m_selectedId = batchId;
    refresh();   // selects the batch once listed (see refreshed())
    selectBatch(batchId);
    m_detail->showBatch(batchId);
}

void StagingTab::selectBatch(const QString &batchId)
{
    m_selectedId = batchId;
    const int row = m_model->rowOfKey(batchId);
    m_pendingSelection = row < 0 ? batchId : QString();
    if (row < 0)
        return;
    const QModelIndex index = m_proxy->mapFromSource(m_counts->index(row, 0));
    if (!index.isValid())
        return;
    m_table->selectionModel()->select(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_table->scrollTo(index);
}

void StagingTab::showDetails()
{
    m_lower->setCurrentWidget(m_detail);
}

void StagingTab::onSelectionChanged()
{
    const int row = selectedSourceRow();
    if (row < 0)
        return;   // keep showing the last batch while the list refreshes
    const QString id = m_counts->batchIdAt(row);
    if (id == m_detail->batchId() && id == m_selectedId)
        return;
    m_selectedId = id;
    m_counts->setPending(id);
    m_detail->showBatch(id);
}

void StagingTab::scheduleCountLoad()
{
    if (!m_countTimer.isActive())
        m_countTimer.start();
}

void StagingTab::loadVisibleCounts()
{
    if (m_proxy->rowCount() == 0)
        return;
    const int first = qMax(0, m_table->rowAt(0));
    int last = m_table->rowAt(m_table->viewport()->height() - 1);
    if (last < 0)
        last = m_proxy->rowCount() - 1;
    for (int row = first; row <= last && m_countRequests < kMaxCountRequests; ++row) {
        const QModelIndex source = m_proxy->mapToSource(m_proxy->index(row, 0));
        const QString id = m_counts->batchIdAt(source.row());
        if (id.isEmpty() || m_counts->isKnownOrPending(id))
            continue;
        m_counts->setPending(id);
        ++m_countRequests;
        m_session->batches()->fetchCount(id, {}, this, [this, id](const Error &error, qint64 count) {
            --m_countRequests;
            m_counts->setCount(id, error ? -1 : count);
            scheduleCountLoad();   // the next visible rows, if any are left
        });
    }
}

void StagingTab::offerResume()
{
    // The journal is read on a worker thread: its first open per process checks the database
    // (quick_check), and a big journal's scan is no work for the GUI thread at connect time.
    struct Unfinished {
        QVector<staging::IngestRecord> records;
        QString error;
    };
    auto *watcher = new QFutureWatcher<Unfinished>(this);
    watcher->setObjectName(QStringLiteral("resume offer journal read"));
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher] {
        watcher->deleteLater();
        const Unfinished read = watcher->result();
        offerResume(read.records, read.error);
    });
    watcher->setFuture(QtConcurrent::run([] {
        staging::IngestJournal journal;
        Unfinished read;
        if (journal.open())
            read.records = journal.unfinishedIngests();
        read.error = journal.lastError();
        return read;
    }));
}

void StagingTab::offerResume(QVector<staging::IngestRecord> records, const QString &journalError)
{
    if (records.isEmpty() && !journalError.isEmpty()) {
        // The journal could not be read (busy, e.g. another process copying a big scan): ask
        // again a little later rather than never offering the interrupted ingests.
        if (++m_resumeAttempts <= 5)
            QTimer::singleShot(2000, this, qOverload<>(&StagingTab::offerResume));
        else
            m_session->reportError(Error(ErrorKind::Io, tr("Could not read the ingest journal: %1").arg(journalError)));
        return;
    }
    // Ingests already running in this window are not offered.
    QSet<QString> running;
    for (TransferList *list : transferLists())
        if (!list->isFinished())
            running.insert(list->operation()->ingestId());
    records.erase(std::remove_if(records.begin(), records.end(),
                                 [&running](const staging::IngestRecord &r) { return running.contains(r.ingestId); }),
                  records.end());
    if (records.isEmpty())
        return;
    auto *dialog = new ResumeIngestsDialog(records, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        for (const staging::IngestOptions &options : dialog->selectedIngests())
            startIngest(options);
    });
    m_resumeDialog = dialog;
    dialog->open();
}

}  // namespace bd::ui
