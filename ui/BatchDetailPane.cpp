#include "BatchDetailPane.h"

#include "BatchFilesModel.h"
#include "ColumnWidths.h"
#include "ListModels.h"
#include "Palette.h"
#include "ReadOnlyTable.h"
#include "ShardListModel.h"
#include "StatusTone.h"
#include "session/Services.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QVBoxLayout>

namespace bd::ui {

namespace {

int appendRow(QTableWidget *table, const QStringList &cells)
{
    const int row = table->rowCount();
    table->insertRow(row);
    for (int c = 0; c < cells.size(); ++c)
        table->setItem(row, c, new QTableWidgetItem(cells.at(c)));
    return row;
}

// A read-only table over a model, as makeReadOnlyTable() makes them over items: no row numbers,
// last column stretched, whole rows selected. Rows share one height (uniform rows: the view
// never measures a row it has not shown) and there is no sorting (the listing's order).
QTableView *makeModelTable(QAbstractItemModel *model, QWidget *parent)
{
    auto *table = new QTableView(parent);
    table->setModel(model);
    setReadOnlyListLook(table);
    table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    return table;
}

}  // namespace

BatchDetailPane::BatchDetailPane(QWidget *parent) : QWidget(parent)
{
    m_title = new QLabel(this);
    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    m_title->setTextFormat(Qt::PlainText);
    m_meta = new QLabel(this);
    m_meta->setTextFormat(Qt::PlainText);
    m_meta->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_meta->setWordWrap(true);
    m_status = new QLabel(this);
    m_status->setTextFormat(Qt::PlainText);
    m_newJob = new QPushButton(QIcon::fromTheme(QStringLiteral("system-run")), tr("New job…"), this);
    m_newJob->setEnabled(false);
    connect(m_newJob, &QPushButton::clicked, this, [this] { Q_EMIT newJobRequested(m_batchId); });

    auto *header = new QHBoxLayout;
    header->addWidget(m_title);
    header->addWidget(m_status, 1);
    header->addWidget(m_newJob);

    m_shardsModel = new ShardListModel(this);
    m_shards = makeModelTable(m_shardsModel, this);
    m_parts = makeReadOnlyTable({ tr("Part"), tr("Type"), tr("Content"), tr("Description") }, this);
    m_filesModel = new BatchFilesModel(this);
    m_filesModel->setPageSize(kFilesPageSize);
    m_files = makeModelTable(m_filesModel, this);
    // Widths in characters of the view's font (ColumnWidths), not pixels.
    setColumnChars(m_shards, { { ShardListModel::Id, 34 }, { ShardListModel::Status, 14 }, { ShardListModel::Objects, 9 } });
    setColumnChars(m_files, { { BatchFilesModel::File, 36 }, { BatchFilesModel::Size, 9 }, { BatchFilesModel::Part, 14 },
                              { BatchFilesModel::Shard, 34 } });
    m_shards->setAccessibleName(tr("Shards of the batch"));
    m_shards->setAccessibleDescription(tr("The upload shards the service indexed, with their state"));
    m_parts->setAccessibleName(tr("Parts of the batch"));
    m_parts->setAccessibleDescription(tr("The parts of a multipart batch"));
    m_files->setAccessibleName(tr("Files of the batch"));
    m_files->setAccessibleDescription(tr("The files the service lists in the batch, in its order; more load as you scroll"));
    m_retryFiles = new QPushButton(this);
    m_retryFiles->hide();
    connect(m_retryFiles, &QPushButton::clicked, this, [this] {
        m_retryFiles->hide();
        m_filesModel->retry();
    });
    connect(m_filesModel, &BatchFilesModel::fetchFailed, this, [this](const Error &error) {
        m_retryFiles->setText(tr("Listing failed: %1 (retry)").arg(error.message));
        m_retryFiles->show();
    });
    connect(m_filesModel, &BatchFilesModel::pageArrived, this, &BatchDetailPane::updateFilesTabText);
    m_filesPage = new QWidget(this);
    auto *filesLayout = new QVBoxLayout(m_filesPage);
    filesLayout->setContentsMargins(0, 0, 0, 0);
    filesLayout->addWidget(m_files, 1);
    filesLayout->addWidget(m_retryFiles, 0, Qt::AlignLeft);
    m_partsPage = m_parts;
    m_partsPage->hide();   // a tab only for multipart batches

    m_tabs = new QTabWidget(this);
    m_tabs->addTab(m_shards, tr("Shards"));
    m_tabs->addTab(m_filesPage, tr("Files"));
    // The listing is read only when someone looks at it.
    connect(m_tabs, &QTabWidget::currentChanged, this, [this] {
        if (m_tabs->currentWidget() == m_filesPage)
            startFiles();
    });

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(header);
    layout->addWidget(m_meta);
    layout->addWidget(m_tabs, 1);

    m_reloadTimer.setSingleShot(true);
    m_reloadTimer.setInterval(2000);
    connect(&m_reloadTimer, &QTimer::timeout, this, &BatchDetailPane::reload);
    clear();
}

BatchDetailPane::~BatchDetailPane()
{
    // A readiness look still running is a child: ~QWidget would delete it after the tabs, and its
    // cancellation reports finished to a pane without widgets (crashed in tst_largebatch_ui).
    // Its answer is dropped (generation) and it goes while the pane is whole.
    ++m_generation;
    qDeleteAll(findChildren<staging::BatchReadiness *>(QString(), Qt::FindDirectChildrenOnly));
}

void BatchDetailPane::clear()
{
    ++m_generation;   // replies of earlier requests are dropped
    m_outstanding = 0;
    m_batch.reset();
    m_count = -1;
    m_shardList.clear();
    m_verdict = staging::BatchReadiness::Verdict::Unknown;
    m_error.clear();
    m_reloadTimer.stop();
    m_shardsModel->setShards({});
    m_parts->setRowCount(0);
    m_filesModel->clear();
    m_retryFiles->hide();
    updateFilesTabText();
    const int partsIndex = m_tabs->indexOf(m_partsPage);
    if (partsIndex >= 0)
        m_tabs->removeTab(partsIndex);
    m_title->setText(m_batchId.isEmpty() ? tr("Select a batch to see its details") : m_batchId);
    m_meta->clear();
    updateStatus();
}

void BatchDetailPane::showBatch(const QString &batchId)
{
    // A re-read of the same batch (the indexing poll) keeps the listing and its depth: the rows
    // already read stay, and further pages still come as the view scrolls (a listing that had
    // reached its end then misses files indexed since: the batch's count says so).
    const bool same = batchId == m_batchId && m_filesModel->batchId() == batchId;
    m_batchId = batchId;
    if (same) {
        ++m_generation;
        m_outstanding = 0;
        m_reloadTimer.stop();
    } else {
        clear();
    }
    if (batchId.isEmpty() || !m_api)
        return;
    loadMetadata();
    loadReadiness();
    if (m_tabs->currentWidget() == m_filesPage)
        startFiles();
}

void BatchDetailPane::startFiles()
{
    if (m_batchId.isEmpty() || !m_api || m_filesModel->batchId() == m_batchId)
        return;
    m_filesModel->setBatch(m_api, m_batchId);
    m_filesModel->fetchMore({});   // the first page (a view fetches the next ones as it scrolls)
}

void BatchDetailPane::updateFilesTabText()
{
    const int index = m_tabs->indexOf(m_filesPage);
    if (index < 0)
        return;
    const int rows = m_filesModel->rowCount();
    QString text = tr("Files");
    if (m_count >= 0)
        text = tr("Files (%1)").arg(QLocale().toString(m_count));
    else if (m_filesModel->pagesFetched() > 0)
        text = m_filesModel->isComplete() ? tr("Files (%1)").arg(QLocale().toString(rows))
                                          : tr("Files (%1+)").arg(QLocale().toString(rows));
    m_tabs->setTabText(index, text);
}

void BatchDetailPane::showFilesTab()
{
    m_tabs->setCurrentWidget(m_filesPage);
}

void BatchDetailPane::requestDone()
{
    updateStatus();
    if (--m_outstanding > 0)
        return;
    updateStatus();
    if (isIndexing())
        m_reloadTimer.start();
    Q_EMIT loaded(m_batchId);
}

void BatchDetailPane::loadMetadata()
{
    ++m_outstanding;
    const int gen = m_generation;
    m_api->fetchBatch(m_batchId, this, [this, gen](const Error &error, const api::Batch &batch) {
        if (gen != m_generation)
            return;
        if (error) {
            m_error = error.message;
        } else {
            m_batch = batch;
            const api::Batch &b = *m_batch;
            m_title->setText(b.displayName.isEmpty() || b.displayName == b.batchId
                                 ? b.batchId
                                 : tr("%1 (%2)").arg(b.batchId, b.displayName));
            m_meta->setText(tr("%1 · %2 · created %3 · expires %4")
                                .arg(b.batchType, b.batchContentType, formatDate(b.createdDate), formatDate(b.expiryDate)));
            const QVariant expiry = expiryColour(b.expiryDate);
            m_meta->setForegroundRole(QPalette::WindowText);
            QPalette pal = palette();
            if (expiry.isValid())
                pal.setColor(QPalette::WindowText, statusColour(StatusTone::Bad, palette()));
            m_meta->setPalette(pal);
            if (b.batchType == QLatin1String("multipart-batch"))
                loadParts();
        }
        requestDone();
    });
}

void BatchDetailPane::loadReadiness()
{
    // One look of the core's "is this batch ready?" (D6 shards, then the D3 count): the pane shows
    // the same verdict as the New job dialog and the ingests, and the shards it read.
    ++m_outstanding;
    const int gen = m_generation;
    staging::BatchReadiness *look = m_api->checkReadiness(m_batchId, {}, this);
    connect(look, &Operation::finished, this, [this, gen, look] {
        if (gen != m_generation)
            return;
        if (look->error()) {
            m_error = look->error().message;
        } else {
            m_verdict = look->verdict();
            m_count = look->count();
            if (m_verdict == staging::BatchReadiness::Verdict::Gone)
                m_error = look->describe();
            else if (m_count >= 0)
                Q_EMIT countLoaded(m_batchId, m_count);
            m_shardList = look->shards();
            m_shardsModel->setShards(m_shardList);
            updateFilesTabText();
        }
        m_tabs->setTabText(m_tabs->indexOf(m_shards), tr("Shards (%1)").arg(QLocale().toString(m_shardList.size())));
        requestDone();
    });
}

void BatchDetailPane::loadParts()
{
    if (m_tabs->indexOf(m_partsPage) < 0)
        m_tabs->insertTab(1, m_partsPage, tr("Parts"));
    ++m_outstanding;
    const int gen = m_generation;
    m_api->fetchParts(m_batchId, this, [this, gen](const Error &error, const QVector<api::BatchPart> &parts) {
        if (gen != m_generation)
            return;
        if (!error) {
            m_parts->setRowCount(0);
            for (const api::BatchPart &p : parts)
                appendRow(m_parts, { p.partName, p.partType, p.contentType, p.partDescription });
            m_tabs->setTabText(m_tabs->indexOf(m_partsPage), tr("Parts (%1)").arg(m_parts->rowCount()));
        }
        requestDone();
    });
}

bool BatchDetailPane::isIndexing() const
{
    return m_verdict == staging::BatchReadiness::Verdict::Indexing;
}

bool BatchDetailPane::isReady() const
{
    return m_outstanding == 0 && m_batch.has_value() && m_verdict == staging::BatchReadiness::Verdict::Ready;
}

QString BatchDetailPane::statusText() const
{
    return m_status->text();
}

void BatchDetailPane::updateStatus()
{
    StatusTone tone = StatusTone::Neutral;
    QString text;
    const int failedShards = int(std::count_if(m_shardList.cbegin(), m_shardList.cend(),
                                               [](const api::Shard &s) { return s.isFailed(); }));
    if (m_batchId.isEmpty()) {
        text.clear();
    } else if (m_outstanding > 0 && !m_batch) {
        text = tr("Loading…");
    } else if (!m_error.isEmpty() && !m_batch) {
        tone = StatusTone::Bad;
        text = m_error;
    } else if (isIndexing()) {
        tone = StatusTone::Busy;
        text = tr("Indexing · %n file(s) so far", nullptr, int(qMax<qint64>(0, m_count)));
    } else if (isReady()) {
        tone = failedShards > 0 ? StatusTone::Warning : StatusTone::Good;
        text = failedShards > 0 ? tr("Ready · %n file(s) · %1 shard(s) failed", nullptr, int(m_count)).arg(failedShards)
                                : tr("Ready · %n file(s)", nullptr, int(m_count));
    } else if (m_verdict == staging::BatchReadiness::Verdict::Empty) {
        tone = StatusTone::Warning;
        text = tr("Empty");
    }
    setStatusTone(m_status, tone);   // recomputed when the palette changes (ui/Palette.h)
    m_status->setText(text);
    m_newJob->setEnabled(isReady());
    m_newJob->setToolTip(isReady() ? tr("Start a Batch Processing job on %1").arg(m_batchId)
                                   : tr("Available when the batch is indexed"));
}

}  // namespace bd::ui
