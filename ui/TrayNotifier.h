#pragma once
// Job notifications: a system-tray icon (where the desktop has a tray) whose tooltip and menu
// list the running jobs, and a balloon message when a watched job finishes or fails, also while
// the window is minimised. Without a tray the message goes to the window's status bar. It
// listens to the session's job list (session::Jobs), not to any tab.
#include <QObject>
#include <QStringList>

class QMainWindow;
class QMenu;
class QSystemTrayIcon;

namespace bd::session { class Jobs; }

namespace bd::ui {

class TrayNotifier : public QObject
{
    Q_OBJECT
public:
    TrayNotifier(session::Jobs *jobs, QMainWindow *window);

    bool hasTray() const { return m_tray != nullptr; }
    // "<id> (<name>)" lines of the jobs still running, shown in the tooltip and menu.
    void setRunningJobs(const QStringList &jobs);
    QStringList runningJobs() const { return m_running; }

    // Show one message (tray balloon, else status bar).
    void notify(const QString &title, const QString &text, bool failure);
    int notificationCount() const { return m_count; }
    QString lastMessage() const { return m_lastMessage; }

Q_SIGNALS:
    void notified(const QString &title, const QString &text);
    // The person clicked a job in the tray menu.
    void jobActivated(const QString &jobId);

private:
    void onJobFinished(const QString &jobId, bool success);
    void rebuildMenu();

    session::Jobs *m_jobs;
    QMainWindow *m_window;
    QSystemTrayIcon *m_tray = nullptr;
    QMenu *m_menu = nullptr;
    QStringList m_running;
    int m_count = 0;
    QString m_lastMessage;
};

}  // namespace bd::ui
