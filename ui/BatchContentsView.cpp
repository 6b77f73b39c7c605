#include "BatchContentsView.h"

#include "api/ApiClient.h"
#include "api/StagingRequests.h"

#include <QHeaderView>

namespace bd::ui {

static constexpr int PartNameRole = Qt::UserRole;
static constexpr int TokenRole = Qt::UserRole + 1;
static constexpr int LoadedRole = Qt::UserRole + 2;

BatchContentsView::BatchContentsView(QWidget *parent) : QTreeWidget(parent)
{
    setHeaderLabels({ tr("Part / file"), tr("Content"), tr("Shard") });
    setAccessibleName(tr("Parts and files of the output batch"));
    setAccessibleDescription(tr("Expand a part to list its files"));
    setAlternatingRowColors(true);
    setUniformRowHeights(true);
    header()->setStretchLastSection(true);
    setColumnWidth(0, 320);
    setColumnWidth(1, 140);
    connect(this, &QTreeWidget::itemExpanded, this, &BatchContentsView::onExpanded);
    connect(this, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem *item) { onActivated(item); });
}

void BatchContentsView::showBatch(const QString &batchId)
{
    if (batchId == m_batchId)
        return;
    m_batchId = batchId;
    const int generation = ++m_generation;
    clear();
    if (batchId.isEmpty() || !m_api)
        return;
    setInfo(nullptr, tr("Loading %1…").arg(batchId));
    auto *meta = m_api->getBatch(batchId);
    connect(meta, &api::ApiCall::finished, this, [this, meta, generation] {
        if (generation != m_generation)
            return;
        clear();
        if (meta->error())
            return setInfo(nullptr, tr("Could not read the batch: %1").arg(meta->error().message));
        if (!meta->result().isMultipart())
            return listFiles(nullptr, QString(), QString());
        auto *parts = m_api->listParts(m_batchId);
        connect(parts, &api::ApiCall::finished, this, [this, parts, generation] {
            if (generation != m_generation)
                return;
            if (parts->error())
                return setInfo(nullptr, tr("Could not list the parts: %1").arg(parts->error().message));
            for (const api::BatchPart &part : parts->result()) {
                auto *item = new QTreeWidgetItem(this, PartItem);
                item->setText(0, part.partName);
                item->setText(1, part.contentType);
                item->setToolTip(0, part.partDescription);
                item->setData(0, PartNameRole, part.partName);
                item->setChildIndicatorPolicy(QTreeWidgetItem::ShowIndicator);   // files come on expand
            }
            if (parts->result().isEmpty())
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
            names << topLevelItem(i)->text(0);
    return names;
}

QStringList BatchContentsView::loadedFiles(const QString &partName) const
{
    QStringList names;
    auto collect = [&names](QTreeWidgetItem *item) {
        if (item->type() == FileItem)
            names << item->text(0);
    };
    for (int i = 0; i < topLevelItemCount(); ++i) {
        QTreeWidgetItem *top = topLevelItem(i);
        if (partName.isEmpty())
            collect(top);
        else if (top->type() == PartItem && top->text(0) == partName)
            for (int c = 0; c < top->childCount(); ++c)
                collect(top->child(c));
    }
    return names;
}

void BatchContentsView::onExpanded(QTreeWidgetItem *item)
{
    if (item->type() != PartItem || item->data(0, LoadedRole).toBool())
        return;
    item->setData(0, LoadedRole, true);
    listFiles(item, item->data(0, PartNameRole).toString(), QString());
}

void BatchContentsView::onActivated(QTreeWidgetItem *item)
{
    if (item->type() != MoreItem)
        return;
    QTreeWidgetItem *parent = item->parent();
    const QString token = item->data(0, TokenRole).toString();
    const QString partName = item->data(0, PartNameRole).toString();
    delete item;
    listFiles(parent, partName, token);
}

void BatchContentsView::listFiles(QTreeWidgetItem *under, const QString &partName, const QString &pageToken)
{
    if (!m_api)
        return;
    const int generation = m_generation;
    auto *call = m_api->listBatchFiles(m_batchId, partName, kPageSize, pageToken);
    call->setMaxPages(1);
    connect(call, &api::ApiCall::finished, this, [this, call, under, partName, generation] {
        if (generation != m_generation)
            return;   // `under` belonged to a cleared tree
        if (call->error())
            return setInfo(under, tr("Could not list the files: %1").arg(call->error().message));
        for (const api::BatchFile &file : call->result()) {
            auto *item = under ? new QTreeWidgetItem(under, FileItem) : new QTreeWidgetItem(this, FileItem);
            item->setText(0, file.fileName);
            item->setText(1, file.nestedContentType.isEmpty() ? file.contentType
                                                              : file.contentType + QLatin1Char('/') + file.nestedContentType);
            item->setText(2, file.shardId);
        }
        if (const auto next = call->nextPageToken()) {
            auto *more = under ? new QTreeWidgetItem(under, MoreItem) : new QTreeWidgetItem(this, MoreItem);
            more->setText(0, tr("More files… (double-click)"));
            more->setData(0, TokenRole, *next);
            more->setData(0, PartNameRole, partName);
        } else if (call->result().isEmpty()) {
            setInfo(under, tr("No files"));
        }
        Q_EMIT loaded();
    });
}

void BatchContentsView::setInfo(QTreeWidgetItem *under, const QString &text)
{
    auto *item = under ? new QTreeWidgetItem(under, InfoItem) : new QTreeWidgetItem(this, InfoItem);
    item->setText(0, text);
    item->setFlags(Qt::ItemIsEnabled);
}

}  // namespace bd::ui
