#include "jobs/JobLogsFetcher.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QSaveFile>

namespace bd::jobs {

JobLogsFetcher::JobLogsFetcher(api::ApiClient *api, const QString &jobId, std::optional<api::LogSeverity> severity,
                               QObject *parent)
    : Operation(parent), m_api(api), m_jobId(jobId), m_severity(severity)
{
    setTitle(QStringLiteral("Fetching logs of %1").arg(jobId));
}

void JobLogsFetcher::doStart()
{
    if (!m_api) {
        emitResult(Error(ErrorKind::Internal, QStringLiteral("No API client to fetch logs with.")));
        return;
    }
    fetchPage({});
}

void JobLogsFetcher::doCancel()
{
    if (m_call)
        m_call->cancel();
}

void JobLogsFetcher::fetchPage(const QString &token)
{
    api::JobLogsCall *call = m_api->jobLogs(m_jobId, m_severity, token);
    m_call = call;
    connect(call, &api::ApiCall::finished, this, [this, call] {
        m_call = nullptr;
        if (isFinished())
            return;
        if (call->error()) {
            emitResult(call->error());
            return;
        }
        ++m_pages;
        m_entries += call->result();
        setProcessedAmount(Unit::Items, m_entries.size());
        setStatusText(QStringLiteral("%1 log entries").arg(m_entries.size()));
        const std::optional<QString> next = call->nextPageToken();
        if (!next) {
            setTotalAmount(Unit::Items, m_entries.size());
            emitResult();
            return;
        }
        // A repeated or empty token would loop forever (spec §2.5).
        if (next->isEmpty() || m_seenTokens.contains(*next)) {
            emitResult(Error(ErrorKind::BadResponse,
                             QStringLiteral("The server repeated a logs page token; stopping after %1 entries.")
                                 .arg(m_entries.size())));
            return;
        }
        m_seenTokens.insert(*next);
        fetchPage(*next);
    });
}

bool JobLogsFetcher::writeJsonl(const QString &path, Error *error) const
{
    return writeJsonl(path, m_entries, error);
}

bool JobLogsFetcher::writeJsonl(const QString &path, const QVector<api::LogEntry> &entries, Error *error)
{
    auto fail = [&](ErrorKind kind, const QString &why) {
        if (error)
            *error = Error(kind, QStringLiteral("Could not write %1: %2").arg(path, why));
        return false;
    };
    const QFileInfo info(path);
    if (!QDir().mkpath(info.absolutePath()))
        return fail(ErrorKind::Io, QStringLiteral("cannot create the folder"));
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(ErrorKind::Io, file.errorString());
    for (const api::LogEntry &entry : entries) {
        QByteArray line = QJsonDocument(entry.toSnakeJson()).toJson(QJsonDocument::Compact);
        line.append('\n');
        if (file.write(line) != line.size())
            return fail(file.error() == QFileDevice::ResourceError ? ErrorKind::DiskFull : ErrorKind::Io,
                        file.errorString());
    }
    if (!file.commit())
        return fail(ErrorKind::Io, file.errorString());
    if (error)
        *error = {};
    return true;
}

}  // namespace bd::jobs
