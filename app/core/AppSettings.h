#pragma once
// User preferences (QSettings, INI under the config dir). Never holds a secret: the API key lives
// only in the OS keychain (app/secrets) or, when no keychain answers, in memory for the session.
#include <QString>
#include <QUrl>

namespace bd {

enum class ConnectionProfile { Sandbox, RoboflowUS, RoboflowEU, Custom };

QString connectionProfileName(ConnectionProfile p);   // "Sandbox", "Roboflow US", ...
QUrl baseUrlForProfile(ConnectionProfile p);          // US/EU: the production hosts; others: empty

class AppSettings
{
public:
    AppSettings();   // QSettings("Batchdeck", "batchdeck"); $BATCHDECK_CONFIG_FILE overrides the path

    ConnectionProfile profile() const;
    void setProfile(ConnectionProfile p);
    QUrl customBaseUrl() const;
    void setCustomBaseUrl(const QUrl &url);
    // The base URL the chosen profile points at (empty for Sandbox: the embedded one decides).
    QUrl effectiveBaseUrl() const;

    int uploadConcurrency() const;       // parallel shard / image / video transfers
    void setUploadConcurrency(int n);
    int downloadConcurrency() const;
    void setDownloadConcurrency(int n);
    // The connection's transfer limit (api::NetworkGate): adaptive between 1 and maxConcurrency
    // (default 16, at most 64), or, with adaptiveConcurrency() off, always maxConcurrency at once.
    int maxConcurrency() const;
    void setMaxConcurrency(int n);
    bool adaptiveConcurrency() const;
    void setAdaptiveConcurrency(bool adaptive);

    QString lastDownloadFolder(const QString &workspace) const;
    void setLastDownloadFolder(const QString &workspace, const QString &folder);
    // Where a job's results were last downloaded ("Show results" opens it). The newest
    // kMaxJobResultFolders jobs are remembered; older ones fall back to <download folder>/<job id>.
    static constexpr int kMaxJobResultFolders = 200;
    QString jobResultsFolder(const QString &jobId) const;
    void rememberJobResultsFolder(const QString &jobId, const QString &folder);

    QString value(const QString &key, const QString &fallback = {}) const;
    void setValue(const QString &key, const QString &value);

    QString fileName() const;   // where the settings live (tests grep it for secrets)

private:
    QString m_path;
};

}  // namespace bd
