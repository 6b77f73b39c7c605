#pragma once
// The logs of one job (B8, every page, via the session's jobs::JobLogsFetcher) in a table, with a severity
// filter and "Export JSONL…" (the snake_case layout of §8.4).
#include "session/Services.h"
#include "api/ApiModels.h"
#include "core/Error.h"

#include <QPointer>
#include <QWidget>

class QComboBox;
class QLabel;
class QPushButton;
class QTableWidget;

namespace bd::jobs { class JobLogsFetcher; }

namespace bd::ui {

class JobLogsPane : public QWidget
{
    Q_OBJECT
public:
    JobLogsPane(session::Jobs *jobs, QWidget *parent = nullptr);

    void setJob(const QString &jobId);
    void reload();
    const QVector<api::LogEntry> &logs() const { return m_logs; }
    // One JSON object per line; returns the error if the file could not be written.
    Error exportJsonl(const QString &path) const;

Q_SIGNALS:
    void loaded(const bd::Error &error);

private:
    void showLogs();

    QPointer<session::Jobs> m_jobs;
    QString m_jobId;
    QVector<api::LogEntry> m_logs;
    QPointer<jobs::JobLogsFetcher> m_fetcher;
    QComboBox *m_severity = nullptr;
    QPushButton *m_reload = nullptr;
    QPushButton *m_export = nullptr;
    QLabel *m_status = nullptr;
    QTableWidget *m_table = nullptr;
};

}  // namespace bd::ui
