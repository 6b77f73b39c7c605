#include "BatchContentsView.h"

#include "BatchFilesModel.h"
#include "ColumnWidths.h"
#include "core/Format.h"
#include "session/Services.h"

#include <QHeaderView>
#include <QScrollBar>
#include <QTimer>

namespace bd::ui {

static constexpr int PartNameRole = Qt::UserRole;
static constexpr int TokenRole = Qt::UserRole + 1;
static constexpr int LoadedRole = Qt::UserRole + 2;
static constexpr int PendingRole = Qt::UserRole + 3;   // a "more…" row whose page is on its way


BatchContentsView::BatchContentsView(QWidget *parent) : QTreeWidget(parent)
{
    setHeaderLabels({ tr("Part / file"), tr("Content"), tr("Size"), tr("Shard") });
    setAccessibleName(tr("Parts and files of the output batch"));
    setAccessibleDescription(tr("Expand a part to list its files; more files load as you scroll"));
    setAlternatingRowColors(true);
    setUniformRowHeights(true);
    setSortingEnabled(false);   // the listing's order, page after page
    header()->setStretchLastSection(true);
    setColumnChars(this, { { NameColumn, 42 }, { ContentColumn, 18 }, { SizeColumn, 12 } });   // ColumnWidths
    connect(this, &QTreeWidget::itemExpanded, this, &BatchContentsView::onExpanded);
    connect(this, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem *item) { onActivated(item); });
    connect(verticalScrollBar(), &QScrollBar::valueChanged, this, &BatchContentsView::fetchVisiblePages);
}

void BatchContentsView::showBatch(const QString &batchId)
{
    if (batchId == m_batchId)
        return;
    m_batchId = batchId;
    m_pagesRequested = 0;
    const int generation = ++m_generation;
    clear();
    if (batchId.isEmpty() || !m_batches)
        return;
    setInfo(nullptr, tr("Loading %1…").arg(batchId));
    m_batches->fetchBatch(batchId, this, [this, generation](const Error &error, const api::Batch &batch) {
        if (generation != m_generation)
            return;
        clear();
        if (error)
            return setInfo(nullptr, tr("Could not read the batch: %1").arg(error.message));
        if (!batch.isMultipart())
            return listFiles(nullptr, QString(), QString());
        m_batches->fetchParts(m_batchId, this, [this, generation](const Error &partsError, const QVector<api::BatchPart> &parts) {
            if (generation != m_generation)
                return;
            if (partsError)
                return setInfo(nullptr, tr("Could not list the parts: %1").arg(partsError.message));
            for (const api::BatchPart &part : parts) {
                auto *item = new QTreeWidgetItem(this, PartItem);
                item->setText(NameColumn, part.partName);
                item->setText(ContentColumn, part.contentType);
                item->setToolTip(NameColumn, part.partDescription);
                item->setData(NameColumn, PartNameRole, part.partName);
                item->setChildIndicatorPolicy(QTreeWidgetItem::ShowIndicator);   // files come on expand
            }
            if (parts.isEmpty())
                setInfo(nullptr, tr("This batch has no parts"));
            Q_EMIT loaded();
        });
    });
}

QStringList BatchContentsView::partNames() const
{
    QStringList names;
    for (int i = 0; i < topLevelItemCount(); ++i)
        if (topLevelItem(i)->type() == PartItem)
            names << topLevelItem(i)->text(NameColumn);
    return names;
}

QStringList BatchContentsView::loadedFiles(const QString &partName) const
{
    QStringList names;
    auto collect = [&names](QTreeWidgetItem *item) {
        if (item->type() == FileItem)
            names << item->text(NameColumn);
    };
    for (int i = 0; i < topLevelItemCount(); ++i) {
        QTreeWidgetItem *top = topLevelItem(i);
        if (partName.isEmpty())
            collect(top);
        else if (top->type() == PartItem && top->text(NameColumn) == partName)
            for (int c = 0; c < top->childCount(); ++c)
                collect(top->child(c));
    }
    return names;
}

void BatchContentsView::onExpanded(QTreeWidgetItem *item)
{
    if (item->type() != PartItem || item->data(NameColumn, LoadedRole).toBool())
        return;
    item->setData(NameColumn, LoadedRole, true);
    listFiles(item, item->data(NameColumn, PartNameRole).toString(), QString());
}

void BatchContentsView::onActivated(QTreeWidgetItem *item)
{
    if (item->type() != MoreItem || item->data(NameColumn, PendingRole).toBool())
        return;
    item->setData(NameColumn, PendingRole, true);
    item->setText(NameColumn, tr("Loading more files…"));
    listFiles(item->parent(), item->data(NameColumn, PartNameRole).toString(), item->data(NameColumn, TokenRole).toString());
}

void BatchContentsView::fetchVisiblePages()
{
    const QRect visible = viewport()->rect();
    QList<QTreeWidgetItem *> due;
    auto consider = [&](QTreeWidgetItem *item) {
        if (item->type() == MoreItem && !item->data(NameColumn, PendingRole).toBool()
            && (!item->parent() || item->parent()->isExpanded()) && visualItemRect(item).intersects(visible))
            due << item;
    };
    for (int i = 0; i < topLevelItemCount(); ++i) {
        QTreeWidgetItem *top = topLevelItem(i);
        consider(top);
        if (top->isExpanded() && top->childCount() > 0)
            consider(top->child(top->childCount() - 1));   // a part's "more…" row is its last
    }
    for (QTreeWidgetItem *item : std::as_const(due))
        onActivated(item);
}

void BatchContentsView::listFiles(QTreeWidgetItem *under, const QString &partName, const QString &pageToken)
{
    if (!m_batches)
        return;
    const int generation = m_generation;
    ++m_pagesRequested;
    m_batches->fetchFilesPage(m_batchId, partName, kPageSize, pageToken, this,
                              [this, under, partName, generation](const Error &error, const session::Page<api::BatchFile> &page) {
        if (generation != m_generation)
            return;   // `under` belonged to a cleared tree
        // The "more…" row that asked for this page (the last row under the part) gives its place.
        QTreeWidgetItem *more = under ? (under->childCount() ? under->child(under->childCount() - 1) : nullptr)
                                      : (topLevelItemCount() ? topLevelItem(topLevelItemCount() - 1) : nullptr);
        if (more && more->type() == MoreItem)
            delete more;
        if (error)
            return setInfo(under, tr("Could not list the files: %1").arg(error.message));
        QList<QTreeWidgetItem *> items;
        items.reserve(page.items.size());
        for (const api::BatchFile &file : page.items) {
            auto *item = new QTreeWidgetItem(FileItem);
            item->setText(NameColumn, file.fileName);
            item->setText(ContentColumn, file.nestedContentType.isEmpty()
                                             ? file.contentType
                                             : file.contentType + QLatin1Char('/') + file.nestedContentType);
            const qint64 size = BatchFilesModel::listedSize(file);
            if (size >= 0) {
                item->setText(SizeColumn, formatBytes(size));
                item->setTextAlignment(SizeColumn, Qt::AlignRight | Qt::AlignVCenter);
            }
            item->setText(ShardColumn, file.shardId);
            items << item;
        }
        if (under)
            under->addChildren(items);
        else
            addTopLevelItems(items);
        if (page.nextPageToken) {
            auto *next = under ? new QTreeWidgetItem(under, MoreItem) : new QTreeWidgetItem(this, MoreItem);
            next->setText(NameColumn, tr("More files… (scroll or double-click)"));
            next->setData(NameColumn, TokenRole, *page.nextPageToken);
            next->setData(NameColumn, PartNameRole, partName);
        } else if (page.items.isEmpty()) {
            setInfo(under, tr("No files"));
        }
        Q_EMIT loaded();
        // A short page may leave the next "more…" row on screen: keep filling the view.
        QTimer::singleShot(0, this, &BatchContentsView::fetchVisiblePages);
    });
}

void BatchContentsView::setInfo(QTreeWidgetItem *under, const QString &text)
{
    auto *item = under ? new QTreeWidgetItem(under, InfoItem) : new QTreeWidgetItem(this, InfoItem);
    item->setText(NameColumn, text);
    item->setFlags(Qt::ItemIsEnabled);
}

}  // namespace bd::ui
