#pragma once
// The "where to" part shared by the Ingest from… dialogs: batch id (checked as typed), display
// name, and which notifications to ask for when the webhook receiver is on.
#include <QWidget>

class QCheckBox;
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
