#pragma once
// Exports: the output batches produced by jobs' stages, ready to download. Below the list:
// the selected batch's parts and files (lazily), the transfer list of running downloads, and
// a results viewer for the aggregated CSV / JSONL files. Unfinished exports from an earlier
// run (the export journal) are offered for resume once connected.
#include "TabBase.h"

#include "api/ApiModels.h"
#include "exports/ExportJournal.h"
#include "exports/ExportOperation.h"

class QPushButton;
class QLabel;
class QLineEdit;
class QSystemTrayIcon;
class QTabWidget;

namespace bd::ui {

class AppSession;
class BatchContentsView;
class DownloadDialog;
class OutputBatchesModel;
class ResultsViewer;
class TransferPanel;

class ExportsTab : public TabBase
{
    Q_OBJECT
public:
    enum Page { ContentsPage, TransfersPage, ResultsPage };

    ExportsTab(AppSession *session, QWidget *parent = nullptr);
    OutputBatchesModel *model() const { return m_model; }
    // Rebuild the list from the session's job list, or from these jobs.
    void refresh();
    void refresh(const QVector<api::Job> &jobs);
    QLineEdit *filterField() const override { return m_filter; }
    QPushButton *downloadButton() const { return m_download; }

    // "Download results" entry points (the Jobs tab / main window can call them): open the
    // confirmation dialog with the proposed folder <last folder>/<job id or batch id>.
    DownloadDialog *downloadJobResults(const QString &jobId);
    DownloadDialog *downloadBatch(const QString &batchId);
    DownloadDialog *downloadSelected();
    // What the dialog would propose for the selected output batch (empty batchIds: no selection).
    ExportOptions proposedOptionsForSelection() const;
    // Start an export now, without a dialog (the dialog ends here too; tests call it directly).
    // `proposedLeaf` is the id the folder was proposed with, to remember the folder above it.
    ExportOperation *startExport(const ExportOptions &options, const QString &proposedLeaf = {});

    // Unfinished exports from the journal: shown in a bar with Resume / Discard.
    void checkUnfinishedExports();
    QVector<ExportRecord> offeredResumes() const { return m_resumable; }
    void resumeUnfinished();
    void discardUnfinished();

    TransferPanel *transfers() const { return m_transfers; }
    ResultsViewer *resultsViewer() const { return m_results; }
    BatchContentsView *contents() const { return m_contents; }
    QTabWidget *details() const { return m_details; }
    QString lastNotification() const { return m_lastNotification; }

Q_SIGNALS:
    void exportFinished(bd::ExportOperation *operation);

private:
    DownloadDialog *openDialog(ExportOptions options, const QString &leaf);
    ExportOptions baseOptions(const QString &leaf) const;
    void askBatchId();
    void onSelectionChanged();
    void onExportFinished(ExportOperation *operation);
    void notify(const QString &text, const QString &folder);
    void openFolder(const QString &folder);

    AppSession *m_session;
    OutputBatchesModel *m_model;
    QPushButton *m_refresh = nullptr;
    QPushButton *m_download = nullptr;
    QLineEdit *m_filter = nullptr;
    QTabWidget *m_details = nullptr;
    BatchContentsView *m_contents = nullptr;
    TransferPanel *m_transfers = nullptr;
    ResultsViewer *m_results = nullptr;
    QWidget *m_resumeBar = nullptr;
    QLabel *m_resumeText = nullptr;
    QVector<ExportRecord> m_resumable;
    bool m_checkedJournal = false;
    QSystemTrayIcon *m_tray = nullptr;
    QString m_trayFolder;
    QString m_lastNotification;
};

}  // namespace bd::ui
