#pragma once
// Activity: webhook notifications as they arrive (and those kept from earlier sessions), with
// the receiver's state and the URL to give the service as notificationsURL.
#include <QWidget>

class QLabel;
class QPushButton;
class QTableView;

namespace bd::notify { struct WebhookEvent; }

namespace bd::ui {

class ActivityModel;
class AppSession;

class ActivityPanel : public QWidget
{
    Q_OBJECT
public:
    explicit ActivityPanel(AppSession *session, QWidget *parent = nullptr);

    ActivityModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }
    QString statusText() const;
    void reloadHistory();

Q_SIGNALS:
    void settingsRequested();
    // Double-click on a row: show the job or batch it concerns.
    void jobActivated(const QString &jobId);
    void batchActivated(const QString &batchId);

private:
    void updateStatus();

    AppSession *m_session;
    ActivityModel *m_model;
    QLabel *m_status = nullptr;
    QPushButton *m_copy = nullptr;
    QPushButton *m_settings = nullptr;
    QTableView *m_table = nullptr;
};

}  // namespace bd::ui
