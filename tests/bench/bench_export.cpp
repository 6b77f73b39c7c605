// bench_export: export throughput and memory of batchdeck-cli against a local batchdeck-sandbox.
//  1. seeds a batch with N tar archives (default 50 x ~20 MB = ~1 GB of incompressible data),
//     uploaded through the API (D8) and the storage host (S1 PUT) with curl;
//  2. runs `batchdeck-cli data-staging export-batch` under /usr/bin/time -v (download, extract,
//     log; archives deleted after extraction as by default);
//  3. fetches the same signed URLs (D5) with curl at the same concurrency: the loopback baseline;
//  4. prints both MB/s, the ratio, and batchdeck's peak RSS (VmHWM).
// Usage: bench_export [--archives 50] [--mb-per-archive 20] [--concurrency 8] [--keep-archives]
// Needs batchdeck-cli and batchdeck-sandbox in ../bin, curl, GNU tar, /usr/bin/time.
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTextStream>

#include <cstring>

namespace {

QTextStream &out()
{
    static QTextStream s(stdout);
    return s;
}

struct SandboxProcess {
    QProcess process;
    QString apiUrl;

    bool start(const QString &bin, const QString &dataDir)
    {
        process.setProgram(bin + QStringLiteral("/batchdeck-sandbox"));
        process.setArguments({ QStringLiteral("--data-dir"), dataDir });
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

QByteArray run(const QString &program, const QStringList &args, int *exitCode = nullptr)
{
    QProcess p;
    p.start(program, args);
    p.waitForFinished(-1);
    if (exitCode)
        *exitCode = p.exitCode();
    return p.readAllStandardOutput();
}

// A tar of two incompressible members of `bytes / 2` each.
bool makeArchive(const QString &dir, const QString &name, qint64 bytes, quint32 seed)
{
    const QString work = dir + QStringLiteral("/src-") + name;
    QDir().mkpath(work);
    quint32 x = seed | 1;
    for (int m = 0; m < 2; ++m) {
        QFile f(work + QStringLiteral("/member-%1.bin").arg(m));
        if (!f.open(QIODevice::WriteOnly))
            return false;
        QByteArray block(1 << 20, Qt::Uninitialized);
        for (qint64 left = bytes / 2; left > 0; left -= block.size()) {
            for (qsizetype i = 0; i < block.size(); i += 4) {
                x ^= x << 13; x ^= x >> 17; x ^= x << 5;
                memcpy(block.data() + i, &x, 4);
            }
            f.write(block.constData(), qMin<qint64>(left, block.size()));
        }
    }
    int rc = 1;
    run(QStringLiteral("tar"), { QStringLiteral("-cf"), dir + QLatin1Char('/') + name, QStringLiteral("-C"), work, QStringLiteral(".") }, &rc);
    QDir(work).removeRecursively();
    return rc == 0;
}

// D8 then S1 PUT, both through curl.
bool upload(const QString &apiUrl, const QString &batch, const QString &path)
{
    const QString name = QFileInfo(path).fileName();
    const QJsonObject d = QJsonDocument::fromJson(run(QStringLiteral("curl"),
        { QStringLiteral("-sS"), QStringLiteral("-X"), QStringLiteral("POST"), QStringLiteral("-d"), QString(),
          apiUrl + QStringLiteral("/data-staging/v1/external/sandbox-ws/batches/") + batch
              + QStringLiteral("/upload/video?api_key=sandbox-key&fileName=") + name }))
        .object().value(QStringLiteral("signedURLDetails")).toObject();
    const QString url = d.value(QStringLiteral("uploadURL")).toString();
    if (url.isEmpty())
        return false;
    QStringList args{ QStringLiteral("-sS"), QStringLiteral("-f"), QStringLiteral("-H"), QStringLiteral("Expect:"), QStringLiteral("-T"), path };
    const QJsonObject h = d.value(QStringLiteral("extensionHeaders")).toObject();
    for (auto it = h.begin(); it != h.end(); ++it)
        args << QStringLiteral("-H") << it.key() + QStringLiteral(": ") + it.value().toString();
    int rc = 1;
    run(QStringLiteral("curl"), args << url, &rc);
    return rc == 0;
}

}  // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    int archives = 50, mbPer = 20, concurrency = 8;
    bool keep = false;
    for (int i = 1; i < args.size(); ++i) {
        if (args[i] == QLatin1String("--archives") && i + 1 < args.size())
            archives = args[++i].toInt();
        else if (args[i] == QLatin1String("--mb-per-archive") && i + 1 < args.size())
            mbPer = args[++i].toInt();
        else if (args[i] == QLatin1String("--concurrency") && i + 1 < args.size())
            concurrency = args[++i].toInt();
        else if (args[i] == QLatin1String("--keep-archives"))
            keep = true;
    }
    const QString bin = QCoreApplication::applicationDirPath() + QStringLiteral("/../bin");
    QTemporaryDir tmp;
    const QString root = tmp.path();
    SandboxProcess sandbox;
    if (!sandbox.start(bin, root + QStringLiteral("/sandbox"))) {
        out() << "could not start batchdeck-sandbox from " << bin << Qt::endl;
        return 1;
    }
    const QString batch = QStringLiteral("bench-export");
    QDir().mkpath(root + QStringLiteral("/seed"));
    qint64 seeded = 0;
    for (int i = 0; i < archives; ++i) {
        const QString name = QStringLiteral("archive-%1.tar").arg(i, 3, 10, QLatin1Char('0'));
        const QString path = root + QStringLiteral("/seed/") + name;
        if (!makeArchive(root + QStringLiteral("/seed"), name, qint64(mbPer) << 20, 1000 + i) || !upload(sandbox.apiUrl, batch, path)) {
            out() << "seeding failed at " << name << Qt::endl;
            return 1;
        }
        seeded += QFileInfo(path).size();
        QFile::remove(path);
    }
    out() << "seeded " << archives << " archives, " << seeded / 1e6 << " MB" << Qt::endl;

    // batchdeck-cli under /usr/bin/time -v.
    QProcess bd;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("API_BASE_URL"), sandbox.apiUrl);
    env.insert(QStringLiteral("ROBOFLOW_API_KEY"), QStringLiteral("sandbox-key"));
    env.insert(QStringLiteral("BATCHDECK_DATA_DIR"), root + QStringLiteral("/bd-data"));
    bd.setProcessEnvironment(env);
    QStringList bdArgs{ QStringLiteral("-v"), bin + QStringLiteral("/batchdeck-cli"), QStringLiteral("data-staging"), QStringLiteral("export-batch"),
                        QStringLiteral("-b"), batch, QStringLiteral("-t"), root + QStringLiteral("/bd-out"), QStringLiteral("--concurrency"),
                        QString::number(concurrency), QStringLiteral("--json") };
    if (keep)
        bdArgs << QStringLiteral("--keep-archives");
    QElapsedTimer t;
    t.start();
    bd.start(QStringLiteral("/usr/bin/time"), bdArgs);
    bd.waitForFinished(-1);
    const double bdSeconds = t.elapsed() / 1000.0;
    const QString timeOut = QString::fromUtf8(bd.readAllStandardError());
    const qint64 rssKb = QRegularExpression(QStringLiteral("Maximum resident set size \\(kbytes\\): (\\d+)")).match(timeOut).captured(1).toLongLong();
    const QJsonObject summary = QJsonDocument::fromJson(bd.readAllStandardOutput()).object();
    const qint64 bdBytes = qint64(summary.value(QStringLiteral("bytesDownloaded")).toDouble());
    if (bd.exitCode() != 0)
        out() << "batchdeck-cli failed:\n" << timeOut << Qt::endl;
    QDir(root + QStringLiteral("/bd-out")).removeRecursively();

    // curl on the same signed URLs, `concurrency` at a time.
    const QJsonArray files = QJsonDocument::fromJson(run(QStringLiteral("curl"),
        { QStringLiteral("-sS"), sandbox.apiUrl + QStringLiteral("/data-staging/v1/external/sandbox-ws/batches/") + batch
                                     + QStringLiteral("/list?api_key=sandbox-key&pageSize=1000") }))
        .object().value(QStringLiteral("filesMetadata")).toArray();
    QDir().mkpath(root + QStringLiteral("/curl-out"));
    QStringList urls;
    for (const QJsonValue &f : files)
        urls << f.toObject().value(QStringLiteral("downloadURL")).toString();
    t.restart();
    QList<QProcess *> running;
    int next = 0;
    while (next < urls.size() || !running.isEmpty()) {
        while (next < urls.size() && running.size() < concurrency) {
            auto *p = new QProcess;
            p->start(QStringLiteral("curl"), { QStringLiteral("-sS"), QStringLiteral("-f"), QStringLiteral("-o"),
                                               root + QStringLiteral("/curl-out/f%1").arg(next), urls.at(next) });
            running << p;
            ++next;
        }
        running.first()->waitForFinished(-1);
        for (int i = int(running.size()) - 1; i >= 0; --i)
            if (running[i]->state() == QProcess::NotRunning)
                delete running.takeAt(i);
    }
    const double curlSeconds = t.elapsed() / 1000.0;
    qint64 curlBytes = 0;
    for (const QFileInfo &fi : QDir(root + QStringLiteral("/curl-out")).entryInfoList(QDir::Files))
        curlBytes += fi.size();

    const double bdMBs = bdSeconds > 0 ? bdBytes / 1e6 / bdSeconds : 0;
    const double curlMBs = curlSeconds > 0 ? curlBytes / 1e6 / curlSeconds : 0;
    out() << QStringLiteral("batchdeck-cli: %1 MB in %2 s = %3 MB/s (download + extract + log, whole CLI run), peak RSS %4 MB")
                 .arg(bdBytes / 1e6, 0, 'f', 1).arg(bdSeconds, 0, 'f', 2).arg(bdMBs, 0, 'f', 1).arg(rssKb / 1024.0, 0, 'f', 1)
          << Qt::endl;
    out() << QStringLiteral("curl x%1:     %2 MB in %3 s = %4 MB/s").arg(concurrency).arg(curlBytes / 1e6, 0, 'f', 1)
                 .arg(curlSeconds, 0, 'f', 2).arg(curlMBs, 0, 'f', 1) << Qt::endl;
    out() << QStringLiteral("ratio: %1% (target >= 90%), RSS target <= 150 MB")
                 .arg(curlMBs > 0 ? 100.0 * bdMBs / curlMBs : 0, 0, 'f', 0) << Qt::endl;
    return bd.exitCode() == 0 ? 0 : 1;
}
