#pragma once
// The pieces of the crash-consistency driver (tst_chaos.cpp): the real batchdeck-sandbox and
// batchdeck-cli executables as child processes, the ~10 % fault plan on every route, HTTP checks
// that retry the faults they meet themselves, and sha256 trees of export folders.
#include "common/FileHashes.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QThread>
#include <QUrl>

#include <httplib.h>

#include <csignal>

namespace chaos {

inline const QString kKey = QStringLiteral("chaos-key");
inline const QString kWorkspace = QStringLiteral("chaos-ws");

inline QString binary(const char *name)
{
    return qEnvironmentVariable("BATCHDECK_BIN_DIR") + QLatin1Char('/') + QLatin1String(name);
}

// ~10 % faults on every route (docs/protocol.md codes): on each route a chain of rules that each
// fire on a small share of the first `within` requests, mixing 503 + Retry-After, 429, cut
// connections, truncated JSON and HTML 502 pages on the API host, and expired signed URLs on the
// storage host (where a truncated JSON "file" would be a lie no client could detect).
inline QJsonObject faultPlan(quint64 seed, int within)
{
    QStringList apiRoutes{ QStringLiteral("W1") };
    for (int i = 1; i <= 12; ++i)
        apiRoutes << QStringLiteral("D%1").arg(i);
    for (int i = 1; i <= 8; ++i)
        apiRoutes << QStringLiteral("B%1").arg(i);
    auto rule = [within](const QString &route, const QString &action, int status, double p, int retryAfter = -1) {
        QJsonObject r{ { "route", route }, { "action", action }, { "probability", p }, { "within", within } };
        if (status)
            r.insert(QStringLiteral("status"), status);
        if (retryAfter >= 0)
            r.insert(QStringLiteral("retryAfter"), retryAfter);
        return r;
    };
    QJsonArray rules;
    for (const QString &route : apiRoutes) {   // 1 - .97*.98*.98*.985*.985 = 9.7 %
        rules << rule(route, "status", 503, 0.03, 1) << rule(route, "status", 429, 0.02, 1)
              << rule(route, "cut", 0, 0.02) << rule(route, "malformed-json", 0, 0.015)
              << rule(route, "html", 502, 0.015);
    }
    for (const QString &route : { QStringLiteral("S1"), QStringLiteral("S2") }) {   // 1 - .97*.98*.975*.98*.99 = 10.1 %
        rules << rule(route, "status", 503, 0.03, 1) << rule(route, "status", 429, 0.02)
              << rule(route, "cut", 0, 0.025) << rule(route, "expire-url", 0, 0.02)
              << rule(route, "html", 502, 0.01);
    }
    return QJsonObject{ { "rules", rules }, { "seed", double(seed % (quint64(1) << 52)) } };
}

// batchdeck-sandbox as a child process with its state in dataDir.
class SandboxProcess
{
public:
    ~SandboxProcess() { stop(); }

    bool start(const QString &dataDir, const QString &faultsFile, double timeScale, QString *error)
    {
        QStringList args{ "--data-dir", dataDir, "--api-key", kKey, "--workspace", kWorkspace,
                          "--time-scale", QString::number(timeScale), "--index-delay-ms", "50" };
        if (!faultsFile.isEmpty())
            args << "--faults" << faultsFile;
        m_process.setProcessChannelMode(QProcess::SeparateChannels);
        m_process.start(binary("batchdeck-sandbox"), args);
        if (!m_process.waitForStarted(10000)) {
            *error = m_process.errorString();
            return false;
        }
        for (int waited = 0; !m_process.canReadLine() && waited < 30000; waited += 50)
            m_process.waitForReadyRead(50);
        const QString line = QString::fromUtf8(m_process.readLine()).trimmed();
        const auto match = QRegularExpression(QStringLiteral(R"(^api (http://\S+) storage (http://\S+)$)")).match(line);
        if (!match.hasMatch()) {
            *error = QStringLiteral("no ready line from batchdeck-sandbox: '%1' %2")
                         .arg(line, QString::fromUtf8(m_process.readAllStandardError()));
            return false;
        }
        m_api = QUrl(match.captured(1));
        return true;
    }

    // SIGTERM: the sandbox saves its state and exits 0.
    bool stop()
    {
        if (m_process.state() == QProcess::NotRunning)
            return true;
        ::kill(pid_t(m_process.processId()), SIGTERM);
        if (!m_process.waitForFinished(30000)) {
            m_process.kill();
            m_process.waitForFinished(5000);
            return false;
        }
        return m_process.exitStatus() == QProcess::NormalExit && m_process.exitCode() == 0;
    }

    QUrl apiUrl() const { return m_api; }

private:
    QProcess m_process;
    QUrl m_api;
};

// One finished run of batchdeck-cli.
struct CliRun {
    bool killed = false;
    int exitCode = -1;
    qint64 elapsedMs = 0;
    QString out, err;
};

// GETs on the sandbox's API host that retry the faults of the plan (the driver's own checks
// meet them too): any non-200, a body that is not a JSON object, or a broken connection.
class ApiProbe
{
public:
    explicit ApiProbe(const QUrl &api) : m_api(api) {}

    QJsonObject get(const QString &tail, const QString &query = {}, QString *error = nullptr) const
    {
        const std::string path = "/data-staging/v1/external/" + kWorkspace.toStdString() + "/" + tail.toStdString()
            + "?api_key=" + kKey.toStdString() + (query.isEmpty() ? std::string() : "&" + query.toStdString());
        QString last;
        for (int attempt = 0; attempt < 40; ++attempt) {
            httplib::Client client(m_api.host().toStdString(), m_api.port());
            client.set_read_timeout(30);
            const auto result = client.Get(path);
            if (result && result->status == 200) {
                QJsonParseError parse;
                const auto doc = QJsonDocument::fromJson(QByteArray::fromStdString(result->body), &parse);
                if (doc.isObject() && !result->has_header("X-Sandbox-Fault"))
                    return doc.object();
            }
            last = result ? QStringLiteral("HTTP %1").arg(result->status) : QStringLiteral("no answer");
            QThread::msleep(100);
        }
        if (error)
            *error = QStringLiteral("GET %1 kept failing (%2)").arg(tail, last);
        return {};
    }

    // Every fileName of a batch, following nextPageToken (percent-encoded: it holds '+' and '/').
    QStringList listNames(const QString &batchId, QString *error) const
    {
        QStringList names;
        QString token;
        for (int page = 0; page < 1000; ++page) {
            QString query = QStringLiteral("pageSize=1000");
            if (!token.isEmpty())
                query += QStringLiteral("&nextPageToken=") + QString::fromLatin1(QUrl::toPercentEncoding(token));
            const QJsonObject body = get(QStringLiteral("batches/%1/list").arg(batchId), query, error);
            if (body.isEmpty())
                return {};
            for (const QJsonValue &v : body.value(QStringLiteral("filesMetadata")).toArray())
                names << v.toObject().value(QStringLiteral("fileName")).toString();
            token = body.value(QStringLiteral("nextPageToken")).toString();
            if (token.isEmpty())
                return names;
        }
        *error = QStringLiteral("the listing of %1 never ends").arg(batchId);
        return {};
    }

private:
    QUrl m_api;
};

// relative path -> sha256 of every regular file under dir, minus the export's resume log (it holds
// signed URLs, which differ per run). Every other entry counts: a stray .part, a temporary folder
// or a symlink makes the tree differ. *strays lists .part files and non-regular entries.
inline QMap<QString, QByteArray> treeHashes(const QString &dir, QStringList *strays)
{
    QMap<QString, QByteArray> tree;
    QDirIterator it(dir, QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot,
                    QDirIterator::Subdirectories);
    const QDir root(dir);
    while (it.hasNext()) {
        const QString path = it.next();
        const QFileInfo info = it.fileInfo();
        const QString rel = root.relativeFilePath(path);
        if (info.isSymLink() || (!info.isDir() && !info.isFile())) {
            *strays << rel + QStringLiteral(" (not a regular file)");
            continue;
        }
        if (info.isDir())
            continue;
        if (info.fileName() == QLatin1String(".export_log.jsonl"))
            continue;
        if (rel.endsWith(QLatin1String(".part")))
            *strays << rel;
        tree.insert(rel, sandboxtest::fileSha256(path));
    }
    return tree;
}

// Describes how two trees differ (first few paths), empty when identical.
inline QString treeDiff(const QMap<QString, QByteArray> &expected, const QMap<QString, QByteArray> &actual)
{
    QStringList diff;
    for (auto it = expected.begin(); it != expected.end() && diff.size() < 8; ++it) {
        if (!actual.contains(it.key()))
            diff << QStringLiteral("missing %1").arg(it.key());
        else if (actual.value(it.key()) != it.value())
            diff << QStringLiteral("differs %1").arg(it.key());
    }
    for (auto it = actual.begin(); it != actual.end() && diff.size() < 8; ++it)
        if (!expected.contains(it.key()))
            diff << QStringLiteral("extra %1").arg(it.key());
    if (diff.isEmpty())
        return {};
    return QStringLiteral("%1 expected files, %2 found: %3").arg(expected.size()).arg(actual.size()).arg(diff.join(QStringLiteral(", ")));
}

}  // namespace chaos
