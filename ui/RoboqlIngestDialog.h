#pragma once
// Ingest from → RoboQL query…: the service builds the batch from the workspace's assets that
// match a RoboQL query (D12); only the query and where it goes are asked here.
#include "staging/ReferencesIngestOperation.h"

#include <QDialog>

class QLabel;
class QPlainTextEdit;
class QPushButton;

namespace bd::ui {

class AppSession;
class IngestTargetForm;

class RoboqlIngestDialog : public QDialog
{
    Q_OBJECT
public:
    explicit RoboqlIngestDialog(AppSession *session, QWidget *parent = nullptr);

    QPlainTextEdit *queryEdit() const { return m_query; }
    IngestTargetForm *target() const { return m_target; }
    QPushButton *ingestButton() const { return m_ingest; }
    staging::ReferencesIngestOptions options() const;

Q_SIGNALS:
    void ingestRequested(const bd::staging::ReferencesIngestOptions &options);

private:
    void updateState();

    QPlainTextEdit *m_query = nullptr;
    IngestTargetForm *m_target = nullptr;
    QPushButton *m_ingest = nullptr;
};

}  // namespace bd::ui
