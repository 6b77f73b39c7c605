#pragma once
// Parts and files of one output batch, fetched through the session only when asked: selecting a
// batch lists its parts (D2 + D4); expanding a part lists the first page of its files (D5); the
// next page is fetched when its "more…" row scrolls into view (or on double-click), so a batch of
// a million files opens at once and holds only the pages looked at. A single-part batch shows its
// files directly. Files keep the listing's order (no sorting: pages append in a stable order).
#include "session/Services.h"
#include <QPointer>
#include <QTreeWidget>


namespace bd::ui {

class BatchContentsView : public QTreeWidget
{
    Q_OBJECT
public:
    explicit BatchContentsView(QWidget *parent = nullptr);

    void setService(session::Batches *batches) { m_batches = batches; }
    // Show this batch (empty: nothing). Repeated calls for the same batch do nothing.
    void showBatch(const QString &batchId);
    QString batchId() const { return m_batchId; }
    // Parts (top-level item texts) and, for tests, file names loaded so far under a part.
    QStringList partNames() const;
    QStringList loadedFiles(const QString &partName = {}) const;

    static constexpr int kPageSize = 100;
    enum Column { NameColumn, ContentColumn, SizeColumn, ShardColumn };
    // Pages requested so far for this batch (tests: scrolling pages, a closed part does not).
    int pagesRequested() const { return m_pagesRequested; }

Q_SIGNALS:
    void loaded();   // a listing (parts or a page of files) arrived

private:
    enum ItemKind { PartItem = QTreeWidgetItem::UserType + 1, FileItem, MoreItem, InfoItem };
    void listFiles(QTreeWidgetItem *under, const QString &partName, const QString &pageToken);
    void onExpanded(QTreeWidgetItem *item);
    void onActivated(QTreeWidgetItem *item);
    void setInfo(QTreeWidgetItem *under, const QString &text);
    // Fetches the next page of every part whose "more…" row is on screen.
    void fetchVisiblePages();

    QPointer<session::Batches> m_batches;
    int m_pagesRequested = 0;
    QString m_batchId;
    int m_generation = 0;   // answers for an older selection are dropped
};

}  // namespace bd::ui
