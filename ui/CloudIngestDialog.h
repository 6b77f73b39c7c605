#pragma once
// Ingest from → Cloud storage…: an s3:// gs:// az:// path with the §7.3 glob is listed in the
// background (a live count while pages arrive, Cancel), each object gets a unique name in the
// batch (preview: name → key) and a locally signed URL; then "Save references file…" writes the
// §7.1 JSONL, and Ingest hands the references to the service. Credentials stay on this machine.
#include "staging/CloudIngestPlanner.h"

#include <QDialog>
#include <QPointer>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableWidget;

namespace bd::ui {

class AppSession;
class IngestTargetForm;

class CloudIngestDialog : public QDialog
{
    Q_OBJECT
public:
    static constexpr int kMaxPreviewRows = 2000;

    explicit CloudIngestDialog(AppSession *session, QWidget *parent = nullptr);

    // Start listing (what "List" does); tests and the screenshot tool can pass the environment.
    void list(const staging::CloudIngestPlanner::Request &request);
    void listFromForm();
    QLineEdit *pathEdit() const { return m_path; }
    IngestTargetForm *target() const { return m_target; }
    QTableWidget *previewTable() const { return m_table; }
    QString countText() const;
    // "Credentials: EC2 instance role `ingest-role`" after a listing (never a secret); empty before.
    QString credentialsText() const;
    QPushButton *listButton() const { return m_list; }
    QPushButton *saveButton() const { return m_save; }
    QPushButton *ingestButton() const { return m_ingest; }
    bool isListing() const { return m_planner && !m_planner->isFinished(); }
    const QVector<staging::ReferenceEntry> &references() const { return m_references; }
    // Write the signed references (what "Save references file…" does after asking where).
    bool saveReferences(const QString &path, QString *error = nullptr);
    // Show a finished listing (the screenshot tool passes demo content).
    void showListing(const QVector<cloud::CloudObject> &objects, const QVector<staging::ReferenceEntry> &references);
    staging::ReferencesIngestOptions options() const;

Q_SIGNALS:
    void listingFinished();
    void ingestRequested(const bd::staging::ReferencesIngestOptions &options);

private:
    void onPlannerFinished();
    void updateState();

    QLineEdit *m_path = nullptr;
    QComboBox *m_media = nullptr;
    QPushButton *m_list = nullptr;
    QLabel *m_count = nullptr;
    QLabel *m_credentials = nullptr;
    QTableWidget *m_table = nullptr;
    QPushButton *m_save = nullptr;
    IngestTargetForm *m_target = nullptr;
    QPushButton *m_ingest = nullptr;
    QPointer<staging::CloudIngestPlanner> m_planner;
    QVector<staging::ReferenceEntry> m_references;
    QVector<cloud::CloudObject> m_objects;
};

}  // namespace bd::ui
