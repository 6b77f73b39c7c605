#pragma once
// One running ingest as the user follows it: an overall bar (bytes, files, speed, ETA), the
// phase (scanning → uploading → indexing → done), Pause/Resume/Cancel, the per-transfer table
// (progress painted by ProgressDelegate) and, at the end, every skipped or failed file with its
// reason. The widget owns the IngestOperation and starts it.
#include <QWidget>

class QLabel;
class QProgressBar;
class QPushButton;
class QTableView;
class QTableWidget;

namespace bd { class Operation; }
namespace bd::staging { class IngestOperation; }

namespace bd::ui {

class TransferListModel;

class TransferList : public QWidget
{
    Q_OBJECT
public:
    // Takes ownership of `operation` and starts it.
    explicit TransferList(staging::IngestOperation *operation, QWidget *parent = nullptr);

    staging::IngestOperation *operation() const { return m_operation; }
    TransferListModel *model() const { return m_model; }
    QString batchId() const;
    bool isFinished() const;
    QProgressBar *overallBar() const { return m_bar; }
    QString overallText() const;
    QTableWidget *problemsTable() const { return m_problems; }
    QPushButton *pauseButton() const { return m_pause; }
    QPushButton *cancelButton() const { return m_cancel; }

Q_SIGNALS:
    // The ingest ended; `ready` when every planned file is indexed.
    void ingestFinished(const QString &batchId, bool ready);

private:
    void updateOverall();
    void onPhaseChanged();
    void onFinished();
    void togglePause();
    void listProblems();

    staging::IngestOperation *m_operation;
    TransferListModel *m_model;
    QLabel *m_title = nullptr;
    QLabel *m_phase = nullptr;
    QLabel *m_overall = nullptr;
    QProgressBar *m_bar = nullptr;
    QPushButton *m_pause = nullptr;
    QPushButton *m_cancel = nullptr;
    QTableView *m_view = nullptr;
    QTableWidget *m_problems = nullptr;
};

}  // namespace bd::ui
