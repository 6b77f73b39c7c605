#pragma once
// The selected staging batch in detail, read lazily through the session: metadata (D2) and one
// BatchReadiness look (D6 shards, D3 count: the verdict every screen shares) at once, parts
// (D4, multipart batches), the file listing (D5, BatchFilesModel) only when its tab is opened,
// then one page at a time as the view scrolls to its end — a million-file batch opens with one
// page. Shard rows are revealed in steps likewise (ShardListModel). While shards are still
// indexing the pane re-reads itself every few seconds. "New job…" is enabled once the batch is
// ready.
#include "session/Services.h"
#include "api/ApiModels.h"
#include "staging/BatchReadiness.h"

#include <QPointer>
#include <QTimer>
#include <QWidget>

#include <optional>

class QLabel;
class QPushButton;
class QTabWidget;
class QTableView;
class QTableWidget;


namespace bd::ui {

class BatchFilesModel;
class ShardListModel;

class BatchDetailPane : public QWidget
{
    Q_OBJECT
public:
    static constexpr int kFilesPageSize = 200;

    explicit BatchDetailPane(QWidget *parent = nullptr);
    ~BatchDetailPane() override;

    void setService(session::Batches *batches) { m_api = batches; }
    // Show this batch (empty: nothing); the same id again re-reads it.
    void showBatch(const QString &batchId);
    void reload() { showBatch(m_batchId); }

    QString batchId() const { return m_batchId; }
    qint64 count() const { return m_count; }
    bool isIndexing() const;
    bool isReady() const;
    QString statusText() const;

    QTableView *shardsTable() const { return m_shards; }
    QTableWidget *partsTable() const { return m_parts; }
    QTableView *filesTable() const { return m_files; }
    BatchFilesModel *filesModel() const { return m_filesModel; }
    ShardListModel *shardsModel() const { return m_shardsModel; }
    QPushButton *newJobButton() const { return m_newJob; }
    // Shown when a page of the listing failed: asks for that page again.
    QPushButton *retryFilesButton() const { return m_retryFiles; }
    void showFilesTab();

Q_SIGNALS:
    void newJobRequested(const QString &batchId);
    void countLoaded(const QString &batchId, qint64 count);
    // Metadata, count and shards are in (or failed).
    void loaded(const QString &batchId);

private:
    void clear();
    void loadMetadata();
    void loadReadiness();
    void loadParts();
    void startFiles();
    void updateFilesTabText();
    void requestDone();
    void updateStatus();

    QPointer<session::Batches> m_api;   // the session's batch reads
    QString m_batchId;
    int m_generation = 0;
    int m_outstanding = 0;

    std::optional<api::Batch> m_batch;
    qint64 m_count = -1;
    QVector<api::Shard> m_shardList;
    staging::BatchReadiness::Verdict m_verdict = staging::BatchReadiness::Verdict::Unknown;
    QString m_error;
    QTimer m_reloadTimer;

    QLabel *m_title = nullptr;
    QLabel *m_meta = nullptr;
    QLabel *m_status = nullptr;
    QPushButton *m_newJob = nullptr;
    QTabWidget *m_tabs = nullptr;
    QTableView *m_shards = nullptr;
    ShardListModel *m_shardsModel = nullptr;
    QTableWidget *m_parts = nullptr;
    QTableView *m_files = nullptr;
    BatchFilesModel *m_filesModel = nullptr;
    QPushButton *m_retryFiles = nullptr;
    QWidget *m_filesPage = nullptr;
    QWidget *m_partsPage = nullptr;
};

}  // namespace bd::ui
