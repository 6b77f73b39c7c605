#pragma once
// The rows of one ingest's transfer list: each shard / image / video the UploadQueue runs, with
// its own progress (qBittorrent's transfer list). Rows appear when a transfer starts and stay
// after it ends; a transfer restarted after a pause (a clone) keeps its row, keyed by its files.
// Live rows are re-read on a short timer instead of on every progress signal, so a fast upload
// costs a bounded number of repaints.
#include <QAbstractTableModel>
#include <QPointer>
#include <QTimer>
#include <QVector>

namespace bd::staging { class TransferOperation; class UploadQueue; }

namespace bd::ui {

class TransferListModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { Name, Kind, Files, Size, Progress, Speed, Status, ColumnCount };
    enum class RowState { Running, Waiting, Done, Failed };

    struct Row {
        QString key;
        QString name;
        QString kind;          // Shard / Image / Video
        int files = 0;
        qint64 bytes = 0;
        qint64 sent = 0;
        double speed = 0;
        RowState state = RowState::Running;
        QString status;
        QPointer<staging::TransferOperation> transfer;
        int percent() const;
    };

    explicit TransferListModel(QObject *parent = nullptr);

    // Follow this queue's transfers (call before it starts).
    void watch(staging::UploadQueue *queue);
    // The ingest ended: rows still running or waiting get this status.
    void closeUnfinished(const QString &status);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    const Row *rowAt(int row) const { return row >= 0 && row < m_rows.size() ? &m_rows.at(row) : nullptr; }
    int rowOfKey(const QString &key) const;
    int countIn(RowState state) const;

private:
    void onStarted(staging::TransferOperation *transfer);
    void onEnded(staging::TransferOperation *transfer);
    void readLive();
    void emitRowChanged(int row);

    QVector<Row> m_rows;
    QTimer m_refresh;
};

}  // namespace bd::ui
