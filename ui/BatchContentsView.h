#pragma once
// Parts and files of one output batch, fetched only when asked: selecting a batch lists its parts
// (D2 + D4); expanding a part lists the first page of its files (D5), "more…" fetches the next.
// A single-part batch shows its files directly.
#include <QPointer>
#include <QTreeWidget>

namespace bd::api { class ApiClient; class ApiCall; }

namespace bd::ui {

class BatchContentsView : public QTreeWidget
{
    Q_OBJECT
public:
    explicit BatchContentsView(QWidget *parent = nullptr);

    void setApi(api::ApiClient *api) { m_api = api; }
    // Show this batch (empty: nothing). Repeated calls for the same batch do nothing.
    void showBatch(const QString &batchId);
    QString batchId() const { return m_batchId; }
    // Parts (top-level item texts) and, for tests, file names loaded so far under a part.
    QStringList partNames() const;
    QStringList loadedFiles(const QString &partName = {}) const;

    static constexpr int kPageSize = 100;

Q_SIGNALS:
    void loaded();   // a listing (parts or a page of files) arrived

private:
    enum ItemKind { PartItem = QTreeWidgetItem::UserType + 1, FileItem, MoreItem, InfoItem };
    void listFiles(QTreeWidgetItem *under, const QString &partName, const QString &pageToken);
    void onExpanded(QTreeWidgetItem *item);
    void onActivated(QTreeWidgetItem *item);
    void setInfo(QTreeWidgetItem *under, const QString &text);

    QPointer<api::ApiClient> m_api;
    QString m_batchId;
    int m_generation = 0;   // answers for an older selection are dropped
};

}  // namespace bd::ui
