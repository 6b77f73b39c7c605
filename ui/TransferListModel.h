#pragma once
// The rows of one ingest's transfer list: each shard / image / video the UploadQueue runs, with
// its own progress (qBittorrent's transfer list). Rows appear when a transfer starts and stay
// after it ends; a transfer restarted after a pause (a clone) keeps its row, keyed by its files.
// Nothing reaches the view per transfer: starts, ends and progress are recorded at once (a
// transfer is deleted right after it ends) and announced together at most every kFlushMs — new
// rows as one insert, changed rows as one dataChanged range — and live rows are re-read on a
// timer instead of on every progress signal. An upload of 100 000 single images thus costs four
// model updates a second, not 200 000 signals; rows are found by key through a hash. (Each
// update repaints the view; on a machine whose cores the upload keeps busy, a repaint is where
// the window gets preempted: bench_gui traced most late frames of its upload phase to them.
// qBittorrent refreshes its transfer list every 1.5 s.)
#include <QAbstractTableModel>
#include <QHash>
#include <QPointer>
#include <QSet>
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

    static constexpr int kFlushMs = 250;
    static constexpr int kLiveReadMs = 500;

    explicit TransferListModel(QObject *parent = nullptr);

    // Follow this queue's transfers (call before it starts).
    void watch(staging::UploadQueue *queue);
    // The ingest ended: rows still running or waiting get this status.
    void closeUnfinished(const QString &status);
    // Announce what is recorded now (the timer does it otherwise; a queue's end does it too).
    void flush();
    // Model updates sent so far (row inserts + dataChanged ranges), for tests of the coalescing.
    int updatesSent() const { return m_updatesSent; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    // Rows as the view knows them (announced ones).
    const Row *rowAt(int row) const { return row >= 0 && row < m_announced ? &m_rows.at(row) : nullptr; }
    int rowOfKey(const QString &key) const;
    int countIn(RowState state) const;

private:
    void onStarted(staging::TransferOperation *transfer);
    void onEnded(staging::TransferOperation *transfer);
    void readLive();
    void markChanged(int row);

    QVector<Row> m_rows;                 // recorded; the first m_announced are in the model
    int m_announced = 0;
    QHash<QString, int> m_rowOfKey;
    QSet<int> m_live;                    // rows with a running transfer
    int m_dirtyFirst = -1;               // announced rows changed since the last flush
    int m_dirtyLast = -1;
    int m_updatesSent = 0;
    QTimer m_refresh;
    QTimer m_flushTimer;
};

}  // namespace bd::ui
