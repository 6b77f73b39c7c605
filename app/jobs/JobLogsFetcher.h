#pragma once
// JobLogsFetcher: an Operation reading every page of a job's logs (B8, spec §9.9), optionally
// filtered by severity, for the GUI's logs pane and "export logs to JSONL" (§8.4 layout).
// Pages are requested one at a time, so cancel() stops between pages and progress counts the
// entries read so far (Items; the total is unknown until the last page).
#include "api/ApiClient.h"
#include "api/ApiModels.h"
#include "core/Operation.h"

#include <QPointer>
#include <QSet>
#include <QString>
#include <QVector>

#include <optional>

namespace bd::jobs {

class JobLogsFetcher : public Operation {
    Q_OBJECT
public:
    JobLogsFetcher(api::ApiClient *api, const QString &jobId,
                   std::optional<api::LogSeverity> severity = std::nullopt, QObject *parent = nullptr);

    QString jobId() const { return m_jobId; }
    std::optional<api::LogSeverity> severity() const { return m_severity; }
    // The entries read so far (all of them once finished without error), in server order.
    const QVector<api::LogEntry> &entries() const { return m_entries; }
    int pagesFetched() const { return m_pages; }

    // One JSON object per line with the §8.4 snake_case keys (created_at, processing_stage_id,
    // task_id, severity, reporting_module, log_type, payload); parent directories are created
    // and the file is replaced atomically. False with `error` (Io / DiskFull) on failure.
    bool writeJsonl(const QString &path, Error *error = nullptr) const;
    static bool writeJsonl(const QString &path, const QVector<api::LogEntry> &entries, Error *error = nullptr);

protected:
    void doStart() override;
    void doCancel() override;

private:
    void fetchPage(const QString &token);

    QPointer<api::ApiClient> m_api;
    QString m_jobId;
    std::optional<api::LogSeverity> m_severity;
    QVector<api::LogEntry> m_entries;
    QSet<QString> m_seenTokens;
    QPointer<api::JobLogsCall> m_call;
    int m_pages = 0;
};

}  // namespace bd::jobs
