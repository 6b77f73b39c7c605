#pragma once
// The selected staging batch in detail, read lazily through the session: metadata (D2) and one
// BatchReadiness look (D6 shards, D3 count: the verdict every screen shares) at once, parts
// (D4, multipart batches), the file
// listing (D5) one page at a time when its tab is opened. While shards are still indexing the
// pane re-reads itself every few seconds. "New job…" is enabled once the batch is ready.
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
class QTableWidget;


namespace bd::ui {

class BatchDetailPane : public QWidget
{
    Q_OBJECT
public:
    static constexpr int kFilesPageSize = 100;

    explicit BatchDetailPane(QWidget *parent = nullptr);

    void setService(session::Batches *batches) { m_api = batches; }
    // Show this batch (empty: nothing); the same id again re-reads it.
    void showBatch(const QString &batchId);
    void reload() { showBatch(m_batchId); }

    QString batchId() const { return m_batchId; }
    qint64 count() const { return m_count; }
    bool isIndexing() const;
    bool isReady() const;
    QString statusText() const;

    QTableWidget *shardsTable() const { return m_shards; }
    QTableWidget *partsTable() const { return m_parts; }
    QTableWidget *filesTable() const { return m_files; }
    QPushButton *newJobButton() const { return m_newJob; }
    QPushButton *moreFilesButton() const { return m_moreFiles; }
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
    void loadMoreFiles();
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
    bool m_filesStarted = false;
    std::optional<QString> m_filesToken;
    QTimer m_reloadTimer;

    QLabel *m_title = nullptr;
    QLabel *m_meta = nullptr;
    QLabel *m_status = nullptr;
    QPushButton *m_newJob = nullptr;
    QTabWidget *m_tabs = nullptr;
    QTableWidget *m_shards = nullptr;
    QTableWidget *m_parts = nullptr;
    QTableWidget *m_files = nullptr;
    QPushButton *m_moreFiles = nullptr;
    QWidget *m_filesPage = nullptr;
    QWidget *m_partsPage = nullptr;
};

}  // namespace bd::ui
