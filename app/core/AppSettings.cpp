#include "core/AppSettings.h"

#include "core/PrivateFiles.h"

#include <algorithm>

#include <QFileInfo>
#include <QStringList>
#include <QSettings>
#include <QStandardPaths>

namespace bd {

namespace {
QSettings open(const QString &path)
{
    return path.isEmpty() ? QSettings(QSettings::IniFormat, QSettings::UserScope, QStringLiteral("Batchdeck"),
                                      QStringLiteral("batchdeck"))
                          : QSettings(path, QSettings::IniFormat);
}

// Every write goes through here: the settings file (and its folder) are private, 0600 in 0700,
// created so before QSettings first writes and kept so after it rewrites the file.
void write(const QString &path, const QString &key, const QVariant &value)
{
    QSettings settings = open(path);
    const QString file = settings.fileName();
    makePrivateDir(QFileInfo(file).absolutePath());
    makePrivateFile(file);
    settings.setValue(key, value);
    settings.sync();
    tightenFile(file);
}
}  // namespace

QString connectionProfileName(ConnectionProfile p)
{
    switch (p) {
    case ConnectionProfile::Sandbox: return QStringLiteral("Sandbox (offline demo)");
    case ConnectionProfile::RoboflowUS: return QStringLiteral("Roboflow US");
    case ConnectionProfile::RoboflowEU: return QStringLiteral("Roboflow EU");
    case ConnectionProfile::Custom: return QStringLiteral("Custom URL");
    }
    return {};
}

QUrl baseUrlForProfile(ConnectionProfile p)
{
    switch (p) {
    case ConnectionProfile::RoboflowUS: return QUrl(QStringLiteral("https://api.roboflow.com"));
    case ConnectionProfile::RoboflowEU: return QUrl(QStringLiteral("https://api.roboflow.eu"));
    default: return {};
    }
}

AppSettings::AppSettings() : m_path(qEnvironmentVariable("BATCHDECK_CONFIG_FILE")) {}

ConnectionProfile AppSettings::profile() const
{
    const int v = open(m_path).value(QStringLiteral("connection/profile"), 0).toInt();
    return (v >= 0 && v <= 3) ? ConnectionProfile(v) : ConnectionProfile::Sandbox;
}

void AppSettings::setProfile(ConnectionProfile p)
{
    write(m_path, QStringLiteral("connection/profile"), int(p));
}

QUrl AppSettings::customBaseUrl() const
{
    return QUrl(open(m_path).value(QStringLiteral("connection/customUrl")).toString());
}

void AppSettings::setCustomBaseUrl(const QUrl &url)
{
    // A URL typed by a user may carry ?api_key=...; keep only scheme, host, port and path.
    QUrl clean = url.adjusted(QUrl::RemoveQuery | QUrl::RemoveFragment | QUrl::RemoveUserInfo);
    write(m_path, QStringLiteral("connection/customUrl"), clean.toString());
}

QUrl AppSettings::effectiveBaseUrl() const
{
    const ConnectionProfile p = profile();
    return p == ConnectionProfile::Custom ? customBaseUrl() : baseUrlForProfile(p);
}

int AppSettings::uploadConcurrency() const
{
    return qBound(1, open(m_path).value(QStringLiteral("transfers/uploadConcurrency"), 4).toInt(), 32);
}

void AppSettings::setUploadConcurrency(int n)
{
    write(m_path, QStringLiteral("transfers/uploadConcurrency"), qBound(1, n, 32));
}

int AppSettings::downloadConcurrency() const
{
    return qBound(1, open(m_path).value(QStringLiteral("transfers/downloadConcurrency"), 8).toInt(), 32);
}

void AppSettings::setDownloadConcurrency(int n)
{
    write(m_path, QStringLiteral("transfers/downloadConcurrency"), qBound(1, n, 32));
}

int AppSettings::maxConcurrency() const
{
    return qBound(1, open(m_path).value(QStringLiteral("transfers/maxConcurrency"), 16).toInt(), 64);
}

void AppSettings::setMaxConcurrency(int n)
{
    write(m_path, QStringLiteral("transfers/maxConcurrency"), qBound(1, n, 64));
}

bool AppSettings::adaptiveConcurrency() const
{
    return open(m_path).value(QStringLiteral("transfers/adaptive"), true).toBool();
}

void AppSettings::setAdaptiveConcurrency(bool adaptive)
{
    write(m_path, QStringLiteral("transfers/adaptive"), adaptive);
}

QString AppSettings::lastDownloadFolder(const QString &workspace) const
{
    const QString v = open(m_path).value(QStringLiteral("downloads/") + workspace).toString();
    return v.isEmpty() ? QStandardPaths::writableLocation(QStandardPaths::DownloadLocation) : v;
}

void AppSettings::setLastDownloadFolder(const QString &workspace, const QString &folder)
{
    write(m_path, QStringLiteral("downloads/") + workspace, folder);
}

QString AppSettings::jobResultsFolder(const QString &jobId) const
{
    const QStringList entries = open(m_path).value(QStringLiteral("results/folders")).toStringList();
    for (const QString &entry : entries) {   // "<job id>\t<folder>", newest first
        const qsizetype tab = entry.indexOf(QLatin1Char('\t'));
        if (tab > 0 && QStringView(entry).left(tab) == jobId)
            return entry.mid(tab + 1);
    }
    return {};
}

void AppSettings::rememberJobResultsFolder(const QString &jobId, const QString &folder)
{
    if (jobId.isEmpty() || folder.isEmpty() || jobId.contains(QLatin1Char('\t')))
        return;
    QStringList entries = open(m_path).value(QStringLiteral("results/folders")).toStringList();
    const QString prefix = jobId + QLatin1Char('\t');
    entries.erase(std::remove_if(entries.begin(), entries.end(), [&](const QString &e) { return e.startsWith(prefix); }),
                  entries.end());
    entries.prepend(prefix + folder);
    while (entries.size() > kMaxJobResultFolders)
        entries.removeLast();
    write(m_path, QStringLiteral("results/folders"), entries);
}

QString AppSettings::value(const QString &key, const QString &fallback) const
{
    return open(m_path).value(key, fallback).toString();
}

void AppSettings::setValue(const QString &key, const QString &value)
{
    write(m_path, key, value);
}

QString AppSettings::fileName() const
{
    return open(m_path).fileName();
}

}  // namespace bd
