#pragma once
// Ingest from → References file…: a §7.1 JSONL file ({"name", "url"} per line) on this computer,
// read and checked off the GUI thread and previewed with each entry's problem (duplicate name,
// malformed URL…), or an https URL of such a file, which the service fetches itself.
#include "staging/ReferencesIngestOperation.h"

#include <QDialog>
#include <QFutureWatcher>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QRadioButton;
class QTableWidget;

namespace bd::ui {

class AppSession;
class IngestTargetForm;

struct ReferencesPreview {
    QVector<staging::ReferenceEntry> entries;
    QVector<staging::ReferenceProblem> problems;
    Error error;
};

class ReferencesIngestDialog : public QDialog
{
    Q_OBJECT
public:
    static constexpr int kMaxPreviewRows = 2000;   // problems are always listed; the rest up to this

    explicit ReferencesIngestDialog(AppSession *session, QWidget *parent = nullptr);
    ~ReferencesIngestDialog() override;

    // Read and check a local file in the background (previewReady() when done).
    void loadFile(const QString &path);
    void setUrl(const QString &url);
    IngestTargetForm *target() const { return m_target; }
    QTableWidget *previewTable() const { return m_table; }
    QString summaryText() const;
    QPushButton *ingestButton() const { return m_ingest; }
    const ReferencesPreview &preview() const { return m_preview; }
    staging::ReferencesIngestOptions options() const;

Q_SIGNALS:
    void previewReady();
    void ingestRequested(const bd::staging::ReferencesIngestOptions &options);

protected:
    void changeEvent(QEvent *event) override;

private:
    void browse();
    void colourProblems();
    void showPreview();
    void updateState();

    QRadioButton *m_fromFile = nullptr;
    QRadioButton *m_fromUrl = nullptr;
    QLineEdit *m_path = nullptr;
    QPushButton *m_browse = nullptr;
    QLineEdit *m_url = nullptr;
    QComboBox *m_media = nullptr;
    QLabel *m_summary = nullptr;
    QTableWidget *m_table = nullptr;
    IngestTargetForm *m_target = nullptr;
    QPushButton *m_ingest = nullptr;
    QFutureWatcher<ReferencesPreview> m_watcher;
    ReferencesPreview m_preview;
    bool m_loading = false;
};

}  // namespace bd::ui
