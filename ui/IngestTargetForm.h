#pragma once
// The "where to" part shared by the Ingest from… dialogs: batch id (checked as typed), display
// name, and which notifications to ask for when the webhook receiver is on.
#include <QWidget>

#include <functional>

class QCheckBox;
class QDialog;
class QDialogButtonBox;
class QPushButton;
class QLabel;
class QLineEdit;

namespace bd::staging { struct ReferencesIngestOptions; }

namespace bd::ui {

class AppSession;

class IngestTargetForm : public QWidget
{
    Q_OBJECT
public:
    // `categories`: offer ingest-status / files-status (references ingests; RoboQL has none).
    IngestTargetForm(AppSession *session, bool categories, QWidget *parent = nullptr);

    QString batchId() const;
    QLineEdit *batchIdEdit() const { return m_batchId; }
    // Empty when the batch id is acceptable.
    QString problem() const;
    // Fills batchId, displayName, notificationsUrl and notificationCategories.
    void fill(staging::ReferencesIngestOptions *options) const;

    // The dialog's Cancel / Ingest row: Cancel rejects; Ingest runs `onIngest` then accepts.
    // Returns the box; *ingest is the Ingest button (the dialog enables it as its checks allow).
    static QDialogButtonBox *ingestButtons(QDialog *dialog, QPushButton **ingest, const std::function<void()> &onIngest);

Q_SIGNALS:
    void changed();

private:
    AppSession *m_session;
    QLineEdit *m_batchId = nullptr;
    QLineEdit *m_displayName = nullptr;
    QCheckBox *m_ingestStatus = nullptr;
    QCheckBox *m_filesStatus = nullptr;
    QLabel *m_hooks = nullptr;
};

}  // namespace bd::ui
