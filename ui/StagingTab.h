#pragma once
// Staging: the workspace's staging batches (id, name, type, content, files, created, expiry)
// and local ingests into them. Folders dropped on the drop zone (or picked with "Add folder…")
// open an IngestDialog; accepted ingests run as TransferLists in the lower pane next to the
// selected batch's details. "Ingest from…" builds batches from references, cloud storage or a
// RoboQL query (StagingTabIngestFrom.cpp), shown as RemoteIngestViews in the same pane. At the
// first connection, unfinished ingests are offered for resume.
#include "TabBase.h"
#include "staging/IngestOperation.h"
#include "staging/ReferencesIngestOperation.h"

#include <QList>
#include <QPointer>
#include <QTimer>

class QLineEdit;
class QPushButton;
class QTabWidget;
class QMenu;

namespace bd::ui {

class AppSession;
class BatchCountProxy;
class BatchDetailPane;
class BatchesModel;
class CloudIngestDialog;
class ReferencesIngestDialog;
class RemoteIngestView;
class RoboqlIngestDialog;
class DropZone;
class IngestDialog;
class ResumeIngestsDialog;
class TransferList;

class StagingTab : public TabBase
{
    Q_OBJECT
public:
    static constexpr int kMaxCountRequests = 4;   // D3 reads in flight for visible rows

    StagingTab(AppSession *session, QWidget *parent = nullptr);
    BatchesModel *model() const { return m_model; }
    BatchCountProxy *countProxy() const { return m_counts; }
    DropZone *dropZone() const { return m_dropZone; }
    BatchDetailPane *detailPane() const { return m_detail; }
    IngestDialog *ingestDialog() const;
    ResumeIngestsDialog *resumeDialog() const;
    QList<TransferList *> transferLists() const;
    QPushButton *addFolderButton() const { return m_addFolder; }
    QPushButton *ingestFromButton() const { return m_ingestFrom; }
    QMenu *ingestFromMenu() const { return m_ingestFromMenu; }
    QLineEdit *filterField() const override { return m_filter; }
    // The batch the selection (or the last selection, during a refresh) points at.
    QString selectedBatchId() const { return m_selectedId; }
    // Add folder… (File menu, Ctrl+O): a folder picker, then the ingest dialog.
    void chooseFolder();

    void refresh();
    // Ask what and where to upload (non-modal; the scan runs in the background).
    void openIngestDialog(const QStringList &paths);
    // Start an ingest now and show it in the lower pane.
    TransferList *startIngest(const staging::IngestOptions &options);
    // Look for unfinished ingests in the journal (read on a worker thread) and offer to resume them.
    void offerResume();
    void selectBatch(const QString &batchId);
    // Bring the details of the selected batch to the front of the lower pane.
    void showDetails();

    // "Ingest from…" (StagingTabIngestFrom.cpp): non-modal dialogs, then the ingest in the lower pane.
    ReferencesIngestDialog *openReferencesDialog();
    CloudIngestDialog *openCloudDialog();
    RoboqlIngestDialog *openRoboqlDialog();
    RemoteIngestView *startReferencesIngest(const staging::ReferencesIngestOptions &options);
    QList<RemoteIngestView *> remoteIngests() const;

Q_SIGNALS:
    void newJobRequested(const QString &batchId);

private:
    void buildIngestFromMenu();
    void onSelectionChanged();
    void onIngestFinished(TransferList *list, bool ready);
    void scheduleCountLoad();
    void loadVisibleCounts();
    void offerResume(QVector<staging::IngestRecord> records, const QString &journalError);

    AppSession *m_session;
    BatchesModel *m_model;
    BatchCountProxy *m_counts;
    QPushButton *m_refresh = nullptr;
    QPushButton *m_addFolder = nullptr;
    QPushButton *m_ingestFrom = nullptr;
    QMenu *m_ingestFromMenu = nullptr;
    QLineEdit *m_filter = nullptr;
    DropZone *m_dropZone = nullptr;
    QTabWidget *m_lower = nullptr;
    BatchDetailPane *m_detail = nullptr;
    QPointer<IngestDialog> m_dialog;
    QPointer<ResumeIngestsDialog> m_resumeDialog;
    QString m_selectedId;
    QTimer m_countTimer;
    int m_countRequests = 0;
    bool m_resumeOffered = false;
    QString m_pendingSelection;   // selectBatch() of a batch not listed yet
    int m_resumeAttempts = 0;   // journal reads that failed (retried)
};

}  // namespace bd::ui
