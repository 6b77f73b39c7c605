#pragma once
// Runs the real batchdeck-cli (BATCHDECK_BIN_DIR, set by ctest) in a clean environment: a private
// HOME, data dir (BATCHDECK_DATA_DIR) and settings file (BATCHDECK_CONFIG_FILE) under one
// temporary directory, no cloud or Roboflow variables inherited, no reachable keychain.
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

namespace cloudtest {

struct CliResult {
    int exitCode = -1;
    QString out;
    QString err;
    QJsonObject json() const { return QJsonDocument::fromJson(out.toUtf8()).object(); }
    QString both() const { return out + QLatin1Char('\n') + err; }
};

class CliRunner
{
public:
    QTemporaryDir root;

    QString cli() const { return QDir(qEnvironmentVariable("BATCHDECK_BIN_DIR")).filePath(QStringLiteral("batchdeck-cli")); }
    QString home() const { return root.filePath(QStringLiteral("home")); }
    QString dataDir() const { return root.filePath(QStringLiteral("data")); }
    QString configFile() const { return root.filePath(QStringLiteral("config/batchdeck.ini")); }

    // Empty when ready, else why not.
    QString init()
    {
        if (qEnvironmentVariable("BATCHDECK_BIN_DIR").isEmpty())
            return QStringLiteral("BATCHDECK_BIN_DIR is not set (run through ctest)");
        if (!QFile::exists(cli()))
            return cli() + QStringLiteral(" does not exist");
        QDir().mkpath(home());
        QDir().mkpath(dataDir());
        QDir().mkpath(root.filePath(QStringLiteral("config")));
        return {};
    }

    CliResult run(const QStringList &args, const QProcessEnvironment &extra, int timeoutMs = 120000) const
    {
        QProcessEnvironment env;
        const QProcessEnvironment system = QProcessEnvironment::systemEnvironment();
        for (const QString &name : { QStringLiteral("PATH"), QStringLiteral("LANG"), QStringLiteral("LC_ALL"),
                                     QStringLiteral("QT_QPA_PLATFORM") })
            if (system.contains(name))
                env.insert(name, system.value(name));
        env.insert(QStringLiteral("HOME"), home());
        env.insert(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"), QStringLiteral("unix:path=/nonexistent/bus"));
        env.insert(QStringLiteral("BATCHDECK_DATA_DIR"), dataDir());
        env.insert(QStringLiteral("BATCHDECK_CONFIG_FILE"), configFile());
        env.insert(QStringLiteral("XDG_DATA_HOME"), home() + QStringLiteral("/.local/share"));
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), home() + QStringLiteral("/.config"));
        env.insert(QStringLiteral("XDG_CACHE_HOME"), home() + QStringLiteral("/.cache"));
        env.insert(extra);
        QProcess p;
        p.setProcessEnvironment(env);
        p.start(cli(), args);
        CliResult r;
        if (!p.waitForStarted(10000))
            return r;
        p.closeWriteChannel();
        if (!p.waitForFinished(timeoutMs)) {
            p.kill();
            p.waitForFinished();
        }
        r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        r.out = QString::fromUtf8(p.readAllStandardOutput());
        r.err = QString::fromUtf8(p.readAllStandardError());
        return r;
    }
};

}  // namespace cloudtest
