#pragma once
// The transfer list of the Exports tab: every file of the running exports with its own progress
// bar, one overall bar (bytes, files, speed, ETA), pause / resume / cancel, and — when an export
// ends — a notice with "Open folder" and "View results".
#include <QHash>
#include <QList>
#include <QPointer>
#include <QWidget>

class QLabel;
class QProgressBar;
class QPushButton;
class QTableView;
class QTimer;

namespace bd { class ExportOperation; }

namespace bd::ui {

class DownloadListModel;

class TransferPanel : public QWidget
{
    Q_OBJECT
public:
    explicit TransferPanel(QWidget *parent = nullptr);

    // Show and control this export (the panel does not own it).
    void track(ExportOperation *operation);
    bool hasRunning() const;

    DownloadListModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }
    QProgressBar *overallBar() const { return m_overall; }
    QString overallText() const;
    QString noticeText() const;
    // "Waiting for another export into <folder> to finish" while an export waits for the folder.
    QString waitingText() const;

    void pauseAll();
    void resumeAll();
    void cancelAll();

Q_SIGNALS:
    void openFolderRequested(const QString &folder);
    void viewResultsRequested(const QString &folder);

private:
    void updateOverall();
    void onExportFinished(ExportOperation *operation);

    DownloadListModel *m_model;
    QTableView *m_view = nullptr;
    QProgressBar *m_overall = nullptr;
    QLabel *m_details = nullptr;
    QPushButton *m_pause = nullptr;
    QPushButton *m_resume = nullptr;
    QPushButton *m_cancel = nullptr;
    QPushButton *m_clear = nullptr;
    QWidget *m_notice = nullptr;
    QLabel *m_noticeText = nullptr;
    QString m_lastFolder;
    QList<QPointer<ExportOperation>> m_operations;
    QHash<ExportOperation *, QString> m_waiting;   // export -> the folder another export holds
    QString m_waitingText;
    QTimer *m_tick = nullptr;
};

}  // namespace bd::ui
