#include "TrayNotifier.h"

#include "jobs/JobMonitor.h"
#include "session/Services.h"

#include <QApplication>
#include <QMainWindow>
#include <QMenu>
#include <QStatusBar>
#include <QSystemTrayIcon>

namespace bd::ui {

TrayNotifier::TrayNotifier(session::Jobs *jobs, QMainWindow *window)
    : QObject(window), m_jobs(jobs), m_window(window)
{
    if (QSystemTrayIcon::isSystemTrayAvailable()) {
        m_tray = new QSystemTrayIcon(QIcon(QStringLiteral(":/icons/batchdeck.svg")), this);
        m_menu = new QMenu(window);
        m_tray->setContextMenu(m_menu);
        connect(m_tray, &QSystemTrayIcon::activated, this, [this](QSystemTrayIcon::ActivationReason reason) {
            if (reason == QSystemTrayIcon::Trigger) {
                m_window->showNormal();
                m_window->activateWindow();
            }
        });
        connect(m_tray, &QSystemTrayIcon::messageClicked, this, [this] {
            m_window->showNormal();
            m_window->activateWindow();
        });
        rebuildMenu();
        m_tray->show();
    }
    connect(jobs, &session::Jobs::jobFinished, this, &TrayNotifier::onJobFinished);
    connect(jobs, &session::Jobs::runningJobsChanged, this, &TrayNotifier::setRunningJobs);
}

void TrayNotifier::setRunningJobs(const QStringList &jobs)
{
    if (jobs == m_running)
        return;
    m_running = jobs;
    rebuildMenu();
}

void TrayNotifier::rebuildMenu()
{
    if (!m_tray)
        return;
    m_tray->setToolTip(m_running.isEmpty()
                           ? tr("Batchdeck — no job running")
                           : tr("Batchdeck — %n job(s) running:", nullptr, int(m_running.size())) + QLatin1Char('\n')
                                 + m_running.join(QLatin1Char('\n')));
    m_menu->clear();
    QAction *header = m_menu->addAction(m_running.isEmpty() ? tr("No job running")
                                                            : tr("Running jobs"));
    header->setEnabled(false);
    for (const QString &line : m_running) {
        const QString id = line.section(QLatin1Char(' '), 0, 0);
        m_menu->addAction(line, this, [this, id] {
            m_window->showNormal();
            m_window->activateWindow();
            Q_EMIT jobActivated(id);
        });
    }
    m_menu->addSeparator();
    m_menu->addAction(tr("Show Batchdeck"), this, [this] {
        m_window->showNormal();
        m_window->activateWindow();
    });
    m_menu->addAction(tr("Quit"), qApp, &QApplication::quit);
}

void TrayNotifier::onJobFinished(const QString &jobId, bool success)
{
    const auto snap = m_jobs->monitor()->snapshot(jobId);
    // A job without a name of its own is listed under its id: no "job-1 (job-1)".
    const QString name = snap && !snap->job.name.isEmpty() && snap->job.name != jobId
                             ? QStringLiteral(" (%1)").arg(snap->job.name)
                             : QString();
    if (success)
        notify(tr("Job finished"), tr("Job %1%2 succeeded.").arg(jobId, name), false);
    else
        notify(tr("Job failed"), tr("Job %1%2 failed; its error summary is in the job view (Jobs tab).").arg(jobId, name),
               true);
}

void TrayNotifier::notify(const QString &title, const QString &text, bool failure)
{
    ++m_count;
    // The text already says what happened ("Job x succeeded."): the title would only repeat it and
    // push the end of the line out of a narrow status bar.
    m_lastMessage = text;
    // The balloon reaches a minimised window; the status bar keeps the line for a visible one.
    if (m_tray && m_tray->isVisible())
        m_tray->showMessage(title, text, failure ? QSystemTrayIcon::Warning : QSystemTrayIcon::Information, 10000);
    m_window->statusBar()->showMessage(m_lastMessage, 20000);
    Q_EMIT notified(title, text);
}

}  // namespace bd::ui
