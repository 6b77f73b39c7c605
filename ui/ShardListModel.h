#pragma once
// The shards of one batch (D6, as the batch pane's BatchReadiness look read them) as a table
// that reveals its rows in steps as the view scrolls (canFetchMore / fetchMore over the list
// in memory): a million-file batch has thousands of shards, and the view lays out and measures
// only the rows revealed so far.
#include "api/ApiModels.h"

#include <QAbstractTableModel>
#include <QVector>

namespace bd::ui {

class ShardListModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { Id, Status, Objects, Updated, ColumnCount };
    static constexpr int kStep = 200;

    explicit ShardListModel(QObject *parent = nullptr);
    // Replace the list; the first kStep rows are shown at once.
    void setShards(QVector<api::Shard> shards);
    int totalCount() const { return int(m_shards.size()); }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;

private:
    QVector<api::Shard> m_shards;
    int m_shown = 0;
};

}  // namespace bd::ui
