#pragma once
// "Upload to staging": what the user confirms before an ingest. Proposes a batch id from the
// folder name (validated live: ^[a-z0-9_-]{1,64}$), a display name and options, and shows what
// a scan found - run OFF the GUI thread by FolderScanner, with progress and cancel: images,
// videos, total size, the upload method (simple / sharded, shard count), the renamed files
// and every skipped file with its reason (the first 1 000 listed, all counted). The plan and the
// renamed list are worked out on a worker thread too (IngestPlanner over 100k files took 1.3 s
// on the GUI thread); scanFinished() is emitted once they are shown. Upload stays disabled until
// the id is valid and the scan found something to send. Changing recursive / hidden / media
// scans again.
#include "staging/BatchNaming.h"
#include "staging/IngestOperation.h"
#include "staging/ScanResult.h"

#include <QDialog>
#include <QFutureWatcher>
#include <QPointer>
#include <QSet>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTabWidget;
class QTableWidget;

namespace bd::staging { class FolderScanner; }

namespace bd::ui {

class IngestDialog : public QDialog
{
    Q_OBJECT
public:
    explicit IngestDialog(QStringList inputs, QWidget *parent = nullptr);
    ~IngestDialog() override;

    // Ids of batches that exist already (the dialog then says files are added to it).
    void setExistingBatchIds(const QSet<QString> &ids);
    // The batch id proposed for these inputs (the first folder's name, made valid).
    static QString proposedBatchId(const QStringList &inputs);

    staging::IngestOptions options() const;
    const QStringList &inputs() const { return m_inputs; }
    bool isScanning() const { return m_scanner; }
    const staging::ScanResult &scanResult() const { return m_scan; }

    QLineEdit *batchIdEdit() const { return m_batchId; }
    QLineEdit *displayNameEdit() const { return m_displayName; }
    QPushButton *uploadButton() const { return m_upload; }
    QTableWidget *skippedTable() const { return m_skipped; }
    QLabel *batchIdStatus() const { return m_idStatus; }
    QLabel *methodLabel() const { return m_method; }

Q_SIGNALS:
    void scanFinished();

private:
    void startScan();
    void cancelScan();
    void onScanFinished();
    void showScan();
    // What the worker thread works out from a scan: the plan's one-line description and the
    // files whose batch name differs from their own.
    struct ScanPreview {
        QStringList method;
        QVector<staging::NameMapping> renamed;
    };
    static ScanPreview preview(const staging::ScanResult &scan);
    void onPreviewReady();
    void validate();
    QStringList hiddenAcceptedFiles() const;

    QStringList m_inputs;
    QSet<QString> m_existing;
    QPointer<staging::FolderScanner> m_scanner;
    staging::ScanResult m_scan;
    bool m_scanned = false;
    QFutureWatcher<ScanPreview> m_preview;

    QLineEdit *m_batchId = nullptr;
    QLabel *m_idStatus = nullptr;
    QLineEdit *m_displayName = nullptr;
    QComboBox *m_media = nullptr;
    QCheckBox *m_recursive = nullptr;
    QCheckBox *m_hidden = nullptr;
    QSpinBox *m_concurrency = nullptr;
    QProgressBar *m_scanBar = nullptr;
    QPushButton *m_scanButton = nullptr;
    QLabel *m_images = nullptr;
    QLabel *m_videos = nullptr;
    QLabel *m_size = nullptr;
    QLabel *m_method = nullptr;
    QTabWidget *m_lists = nullptr;
    QTableWidget *m_skipped = nullptr;
    QTableWidget *m_renamed = nullptr;
    QPushButton *m_upload = nullptr;
};

}  // namespace bd::ui
