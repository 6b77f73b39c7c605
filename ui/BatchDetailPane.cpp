#include "BatchDetailPane.h"

#include "ListModels.h"
#include "ReadOnlyTable.h"
#include "StatusTone.h"
#include "session/Services.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QTabWidget>
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

StatusTone shardTone(const api::Shard &s)
{
    return s.isFailed() ? StatusTone::Bad : s.isSucceeded() ? StatusTone::Good : s.isInProgress() ? StatusTone::Busy
                                                                                                  : StatusTone::Neutral;
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

    m_shards = makeReadOnlyTable({ tr("Shard"), tr("Status"), tr("Objects"), tr("Updated") }, this);
    m_parts = makeReadOnlyTable({ tr("Part"), tr("Type"), tr("Content"), tr("Description") }, this);
    m_files = makeReadOnlyTable({ tr("File"), tr("Part"), tr("Shard"), tr("Content type") }, this);
    m_shards->setAccessibleName(tr("Shards of the batch"));
    m_shards->setAccessibleDescription(tr("The upload shards the service indexed, with their state"));
    m_parts->setAccessibleName(tr("Parts of the batch"));
    m_parts->setAccessibleDescription(tr("The parts of a multipart batch"));
    m_files->setAccessibleName(tr("Files of the batch"));
    m_files->setAccessibleDescription(tr("The files the service lists in the batch"));
    m_moreFiles = new QPushButton(tr("Load more files"), this);
    m_moreFiles->hide();
    connect(m_moreFiles, &QPushButton::clicked, this, &BatchDetailPane::loadMoreFiles);
    m_filesPage = new QWidget(this);
    auto *filesLayout = new QVBoxLayout(m_filesPage);
    filesLayout->setContentsMargins(0, 0, 0, 0);
    filesLayout->addWidget(m_files, 1);
    filesLayout->addWidget(m_moreFiles, 0, Qt::AlignLeft);
    m_partsPage = m_parts;
    m_partsPage->hide();   // a tab only for multipart batches

    m_tabs = new QTabWidget(this);
    m_tabs->addTab(m_shards, tr("Shards"));
    m_tabs->addTab(m_filesPage, tr("Files"));
    // The listing is read only when someone looks at it.
    connect(m_tabs, &QTabWidget::currentChanged, this, [this] {
        if (m_tabs->currentWidget() == m_filesPage && !m_filesStarted && !m_batchId.isEmpty())
            loadMoreFiles();
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

void BatchDetailPane::clear()
{
    ++m_generation;   // replies of earlier requests are dropped
    m_outstanding = 0;
    m_batch.reset();
    m_count = -1;
    m_shardList.clear();
    m_verdict = staging::BatchReadiness::Verdict::Unknown;
    m_error.clear();
    m_filesStarted = false;
    m_filesToken.reset();
    m_reloadTimer.stop();
    m_shards->setRowCount(0);
    m_parts->setRowCount(0);
    m_files->setRowCount(0);
    m_moreFiles->hide();
    const int partsIndex = m_tabs->indexOf(m_partsPage);
    if (partsIndex >= 0)
        m_tabs->removeTab(partsIndex);
    m_title->setText(m_batchId.isEmpty() ? tr("Select a batch to see its details") : m_batchId);
    m_meta->clear();
    updateStatus();
}

void BatchDetailPane::showBatch(const QString &batchId)
{
    const bool same = batchId == m_batchId;
    const int filesRowsBefore = m_files->rowCount();
    m_batchId = batchId;
    clear();
    if (batchId.isEmpty() || !m_api)
        return;
    loadMetadata();
    loadReadiness();
    // A re-read keeps the listing as deep as it was; a new batch starts at the first page.
    if (m_tabs->currentWidget() == m_filesPage || (same && filesRowsBefore > 0))
        loadMoreFiles();
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
            m_shards->setRowCount(0);
            for (const api::Shard &s : std::as_const(m_shardList)) {
                const int row = appendRow(m_shards, { s.shardId, s.statusName, QLocale().toString(s.shardObjectsCount),
                                                      formatDate(s.eventTimestamp) });
                QTableWidgetItem *status = m_shards->item(row, 1);
                status->setForeground(statusColour(shardTone(s), palette()));
                status->setToolTip(s.statusType);
            }
            m_shards->resizeColumnToContents(0);
            m_shards->resizeColumnToContents(1);
        }
        m_tabs->setTabText(m_tabs->indexOf(m_shards), tr("Shards (%1)").arg(m_shardList.size()));
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

void BatchDetailPane::loadMoreFiles()
{
    if (m_batchId.isEmpty() || !m_api || (m_filesStarted && !m_filesToken))
        return;
    m_filesStarted = true;
    m_moreFiles->setEnabled(false);
    const int gen = m_generation;
    m_api->fetchFilesPage(m_batchId, {}, kFilesPageSize, m_filesToken.value_or(QString()), this,
                          [this, gen](const Error &error, const session::Page<api::BatchFile> &page) {
        if (gen != m_generation)
            return;
        m_moreFiles->setEnabled(true);
        if (error) {
            m_filesToken.reset();
            m_moreFiles->setText(tr("Listing failed: %1 (retry)").arg(error.message));
            m_moreFiles->show();
            m_filesStarted = false;
            return;
        }
        for (const api::BatchFile &f : page.items)
            appendRow(m_files, { f.fileName, f.partName, f.shardId, f.contentType });
        m_filesToken = page.nextPageToken;
        m_moreFiles->setText(tr("Load more files"));
        m_moreFiles->setVisible(m_filesToken.has_value());
        m_files->resizeColumnToContents(0);
        m_tabs->setTabText(m_tabs->indexOf(m_filesPage),
                           m_filesToken ? tr("Files (%1+)").arg(m_files->rowCount()) : tr("Files (%1)").arg(m_files->rowCount()));
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
    QPalette pal = m_status->palette();
    pal.setColor(QPalette::WindowText, statusColour(tone, palette()));
    m_status->setPalette(pal);
    m_status->setText(text);
    m_newJob->setEnabled(isReady());
    m_newJob->setToolTip(isReady() ? tr("Start a Batch Processing job on %1").arg(m_batchId)
                                   : tr("Available when the batch is indexed"));
}

}  // namespace bd::ui
