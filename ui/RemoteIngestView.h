#pragma once
// One ingest the service performs itself (references, cloud storage, RoboQL) as the Staging
// tab's lower pane shows it: phase, a bar over references sent then files indexed, Cancel, and
// at the end the summary with every failed file and its reason. Owns and starts the operation.
#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;

namespace bd::staging { class ReferencesIngestOperation; }

namespace bd::ui {

class RemoteIngestView : public QWidget
{
    Q_OBJECT
public:
    explicit RemoteIngestView(staging::ReferencesIngestOperation *operation, QWidget *parent = nullptr);

    staging::ReferencesIngestOperation *operation() const { return m_operation; }
    QString batchId() const;
    bool isFinished() const;
    QString phaseText() const;
    QProgressBar *bar() const { return m_bar; }
    QPushButton *cancelButton() const { return m_cancel; }
    QString summaryText() const;

Q_SIGNALS:
    void ingestFinished(const QString &batchId, bool ready);

private:
    void update();
    void onFinished();

    staging::ReferencesIngestOperation *m_operation;
    QLabel *m_title = nullptr;
    QLabel *m_phase = nullptr;
    QProgressBar *m_bar = nullptr;
    QPushButton *m_cancel = nullptr;
    QPlainTextEdit *m_summary = nullptr;
};

}  // namespace bd::ui
