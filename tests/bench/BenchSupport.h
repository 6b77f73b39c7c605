#pragma once
// What every benchmark program shares: the load average it prints with each figure, a
// batchdeck-sandbox child process on loopback, and N commands (curl) run at most K at a time.
#include <QByteArray>
#include <QElapsedTimer>
#include <QFile>
#include <QList>
#include <QProcess>
#include <QRegularExpression>
#include <QString>
#include <QStringList>

namespace bench {

inline QString loadAverage()
{
    QFile f(QStringLiteral("/proc/loadavg"));
    return f.open(QIODevice::ReadOnly) ? QString::fromLatin1(f.readAll()).section(QLatin1Char(' '), 0, 2) : QStringLiteral("?");
}

// batchdeck-sandbox from bin/, its API URL read from the first line it prints.
struct SandboxProcess {
    QProcess process;
    QString apiUrl;

    bool start(const QString &bin, const QString &dataDir, const QStringList &extraArgs = {})
    {
        process.setProgram(bin + QStringLiteral("/batchdeck-sandbox"));
        process.setArguments(QStringList{ QStringLiteral("--data-dir"), dataDir } + extraArgs);
        process.start();
        if (!process.waitForStarted(10000))
            return false;
        QElapsedTimer t;
        t.start();
        QByteArray line;
        while (t.elapsed() < 20000 && !line.contains('\n')) {
            process.waitForReadyRead(500);
            line += process.readAllStandardOutput();
        }
        apiUrl = QRegularExpression(QStringLiteral("api (\\S+)")).match(QString::fromUtf8(line)).captured(1);
        return !apiUrl.isEmpty();
    }
    ~SandboxProcess()
    {
        process.terminate();
        if (!process.waitForFinished(5000))
            process.kill();
        process.waitForFinished(2000);
    }
};

// Runs program once per argument list, at most `concurrency` at a time; true when all exit 0.
inline bool runAtMost(const QString &program, QList<QStringList> commands, int concurrency)
{
    QList<QProcess *> running;
    bool ok = true;
    while (!commands.isEmpty() || !running.isEmpty()) {
        while (running.size() < concurrency && !commands.isEmpty()) {
            auto *p = new QProcess;
            p->start(program, commands.takeFirst());
            running << p;
        }
        running.first()->waitForFinished(-1);
        for (qsizetype i = running.size() - 1; i >= 0; --i) {
            if (running[i]->state() == QProcess::NotRunning) {
                ok = ok && running[i]->exitStatus() == QProcess::NormalExit && running[i]->exitCode() == 0;
                delete running.takeAt(i);
            }
        }
    }
    return ok;
}

}  // namespace bench
