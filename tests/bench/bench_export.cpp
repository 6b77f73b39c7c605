// bench_export: export throughput and memory of batchdeck-cli against a local batchdeck-sandbox.
// Two scenarios, each against a baseline measured in the same run; every figure line ends with
// the load average (other work on the machine skews both sides).
//
// "big archives" (--scenario big):
//  1. seeds a batch with N tar archives (default 50 x ~20 MB = ~1 GB of incompressible data, two
//     members each, named after their archive as a real export's are),
//     uploaded through the API (D8) and the storage host (S1 PUT) with curl;
//  2. runs `batchdeck-cli data-staging export-batch` under /usr/bin/time -v (download, extract,
//     log; archives not kept, as by default: each .tar is extracted while it downloads and never
//     written whole; --keep-archives measures the download-then-extract path, archives kept);
//  3. fetches the same signed URLs (D5) with curl at the same concurrency: the loopback baseline;
//  4. prints both MB/s, the ratio (goal >= 90 %), and batchdeck's peak RSS (VmHWM).
//
// "job output" (--scenario job), the most common export there is: for each size in --images
// (default 5000,20000) a real job in the sandbox (its simulator at --time-scale 20000) over that
// many tiny staged images: 8 images per task, one .tar.gz per task, 4 per part — 625 archives in
// 157 parts for 5 000 images, as the issue measured.
//  1. `create-batch-of-images`, then `process-images-with-workflow`, waits for the job (B2);
//  2. `export-batch --job-id` under /usr/bin/time -v: listing (B4, D2, D4, D3, D5 pages),
//     download and extraction, all timed;
//  3. baseline: the same signed URLs (listed beforehand with curl, NOT timed) fetched by 8
//     parallel `curl` processes (each one fetching its eighth over kept-alive connections) and
//     each archive extracted with `bsdtar -xf` (GNU tar when bsdtar is missing);
//  4. prints both times, archives/s, the ratio baseline/batchdeck (goal >= 80 %), peak RSS.
//
// Usage: bench_export [--scenario all|big|job] [--archives 50] [--mb-per-archive 20]
//                     [--images 5000,20000] [--concurrency 8] [--keep-archives]
// Needs batchdeck-cli and batchdeck-sandbox in ../bin, curl, GNU tar, /usr/bin/time
// (bsdtar from libarchive-tools for the job-output baseline as specified).
#include "BenchSupport.h"

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
#include <QStandardPaths>
#include <QTextStream>
#include <QThread>
#include <QUrl>

#include <cstring>
#include <unistd.h>

namespace {

using bench::loadAverage;
using bench::SandboxProcess;

QTextStream &out()
{
    static QTextStream s(stdout);
    return s;
}


QByteArray run(const QString &program, const QStringList &args, int *exitCode = nullptr,
               const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment())
{
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(program, args);
    p.waitForFinished(-1);
    if (exitCode)
        *exitCode = p.exitCode();
    return p.readAllStandardOutput();
}

// "load 1.23 0.98 0.75" from /proc/loadavg: printed with every figure.

QJsonObject getJson(const QString &url)
{
    return QJsonDocument::fromJson(run(QStringLiteral("curl"), { QStringLiteral("-sS"), url })).object();
}

struct TimedRun {
    double seconds = 0;
    qint64 rssKb = 0;
    int exitCode = -1;
    QByteArray out;
    QString err;
};

// `program args` under /usr/bin/time -v: wall time, peak RSS, output.
TimedRun timed(const QString &program, const QStringList &args, const QProcessEnvironment &env)
{
    TimedRun r;
    QProcess p;
    p.setProcessEnvironment(env);
    QElapsedTimer t;
    t.start();
    p.start(QStringLiteral("/usr/bin/time"), QStringList{ QStringLiteral("-v"), program } + args);
    p.waitForFinished(-1);
    r.seconds = t.elapsed() / 1000.0;
    r.err = QString::fromUtf8(p.readAllStandardError());
    r.out = p.readAllStandardOutput();
    r.exitCode = p.exitCode();
    r.rssKb = QRegularExpression(QStringLiteral("Maximum resident set size \\(kbytes\\): (\\d+)")).match(r.err).captured(1).toLongLong();
    return r;
}

QProcessEnvironment cliEnv(const QString &apiUrl, const QString &dataDir)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("API_BASE_URL"), apiUrl);
    env.insert(QStringLiteral("ROBOFLOW_API_KEY"), QStringLiteral("sandbox-key"));
    env.insert(QStringLiteral("BATCHDECK_DATA_DIR"), dataDir);
    return env;
}

// A file the sandbox takes as a JPEG (its sniffer reads the magic): SOI, a comment that makes
// every image distinct, EOI.
QByteArray tinyImage(int i)
{
    const QByteArray text = "bench image " + QByteArray::number(i);
    QByteArray jpeg("\xFF\xD8\xFF\xFE", 4);
    jpeg.append(char(((text.size() + 2) >> 8) & 0xFF)).append(char((text.size() + 2) & 0xFF)).append(text);
    return jpeg.append("\xFF\xD9", 2);
}

// One job-output size: stage `images`, run a job, export its output both ways. 0 when done.
int benchJobOutput(const QString &bin, const QString &root, int images, int concurrency)
{
    const QString dir = root + QStringLiteral("/job-%1").arg(images);
    SandboxProcess sandbox;
    if (!sandbox.start(bin, dir + QStringLiteral("/sandbox"),
                       { QStringLiteral("--time-scale"), QStringLiteral("20000"), QStringLiteral("--index-delay-ms"), QStringLiteral("50") })) {
        out() << "could not start batchdeck-sandbox from " << bin << Qt::endl;
        return 1;
    }
    const QString cli = bin + QStringLiteral("/batchdeck-cli");
    const QProcessEnvironment env = cliEnv(sandbox.apiUrl, dir + QStringLiteral("/bd-data"));
    const QString imagesDir = dir + QStringLiteral("/images");
    QDir().mkpath(imagesDir);
    for (int i = 0; i < images; ++i) {
        QFile f(imagesDir + QStringLiteral("/img-%1.jpg").arg(i, 6, 10, QLatin1Char('0')));
        if (!f.open(QIODevice::WriteOnly) || f.write(tinyImage(i)) < 0)
            return 1;
    }
    const QString batch = QStringLiteral("bench-job-input");
    int rc = 1;
    run(cli, { QStringLiteral("data-staging"), QStringLiteral("create-batch-of-images"), QStringLiteral("-b"), batch,
               QStringLiteral("--images-dir"), imagesDir }, &rc, env);
    if (rc != 0) {
        out() << "staging " << images << " images failed" << Qt::endl;
        return 1;
    }
    // Wait until every image is indexed (D3), then start the job.
    const QString staging = sandbox.apiUrl + QStringLiteral("/data-staging/v1/external/sandbox-ws/batches/");
    const QString key = QStringLiteral("api_key=sandbox-key");
    QElapsedTimer wait;
    wait.start();
    while (getJson(staging + batch + QStringLiteral("/count?") + key).value(QStringLiteral("count")).toInt() < images
           && wait.elapsed() < 120000)
        QThread::msleep(200);
    const QJsonObject created = QJsonDocument::fromJson(run(cli, { QStringLiteral("batch-processing"), QStringLiteral("process-images-with-workflow"),
        QStringLiteral("-b"), batch, QStringLiteral("-w"), QStringLiteral("bench-workflow"), QStringLiteral("--max-parallel-tasks"), QStringLiteral("10000"),
        QStringLiteral("--json") }, &rc, env)).object();
    const QString jobId = created.value(QStringLiteral("jobId")).toString();
    if (rc != 0 || jobId.isEmpty()) {
        out() << "could not start the job" << Qt::endl;
        return 1;
    }
    const QString jobs = sandbox.apiUrl + QStringLiteral("/batch-processing/v1/external/sandbox-ws/jobs/");
    wait.restart();
    QJsonObject job;
    while (wait.elapsed() < 600000) {
        job = getJson(jobs + jobId + QStringLiteral("?") + key).value(QStringLiteral("job")).toObject();
        if (job.value(QStringLiteral("isTerminal")).toBool())
            break;
        QThread::msleep(500);
    }
    if (!job.value(QStringLiteral("isTerminal")).toBool() || job.value(QStringLiteral("error")).toBool()) {
        out() << "the job did not finish cleanly" << Qt::endl;
        return 1;
    }

    // Batchdeck: listing + download + extraction, all timed.
    const QString bdOut = dir + QStringLiteral("/bd-out");
    const TimedRun bd = timed(cli, { QStringLiteral("data-staging"), QStringLiteral("export-batch"), QStringLiteral("--job-id"), jobId,
                                     QStringLiteral("-t"), bdOut, QStringLiteral("--concurrency"), QString::number(concurrency),
                                     QStringLiteral("--json") }, env);
    const QString bdLoad = loadAverage();
    const QJsonObject summary = QJsonDocument::fromJson(bd.out).object();
    if (bd.exitCode != 0) {
        out() << "batchdeck-cli failed:\n" << bd.err << Qt::endl;
        return 1;
    }
    const int archives = summary.value(QStringLiteral("extracted")).toInt();
    const int members = summary.value(QStringLiteral("extractedFiles")).toInt();
    QDir(bdOut).removeRecursively();

    // Baseline: list (not timed), then 8 x (curl, bsdtar) over the same signed URLs.
    const QString outputBatch = jobId + QStringLiteral("-export-out");
    QStringList lines;
    const QJsonArray parts = getJson(staging + outputBatch + QStringLiteral("/parts?") + key).value(QStringLiteral("batchParts")).toArray();
    int partCount = 0;
    for (const QJsonValue &part : parts) {
        const QString partName = part.toObject().value(QStringLiteral("partName")).toString();
        ++partCount;
        QString token;
        do {
            QString url = staging + outputBatch + QStringLiteral("/list?") + key + QStringLiteral("&partName=") + partName;
            if (!token.isEmpty())
                url += QStringLiteral("&nextPageToken=") + QString::fromLatin1(QUrl::toPercentEncoding(token));
            const QJsonObject page = getJson(url);
            for (const QJsonValue &f : page.value(QStringLiteral("filesMetadata")).toArray())
                lines << QStringLiteral("%1 %2").arg(lines.size()).arg(f.toObject().value(QStringLiteral("downloadURL")).toString());
            token = page.value(QStringLiteral("nextPageToken")).toString();
        } while (!token.isEmpty());
    }
    // Eight lanes; each is one curl process fetching its share of the URLs over kept-alive
    // connections (a curl config file), then bsdtar extracting each of its archives. The lean
    // form of "8 x curl + bsdtar": 8 curl processes instead of one per file.
    const QString curlOut = dir + QStringLiteral("/curl-out");
    QDir().mkpath(curlOut);
    const QString tar = !QStandardPaths::findExecutable(QStringLiteral("bsdtar")).isEmpty() ? QStringLiteral("bsdtar") : QStringLiteral("tar");
    QList<QProcess *> lanes;
    for (int lane = 0; lane < concurrency; ++lane) {
        QString config, extract;
        for (int i = lane; i < lines.size(); i += concurrency) {
            const QString url = lines.at(i).section(QLatin1Char(' '), 1);
            config += QStringLiteral("url = \"%1\"\noutput = \"%2/%3.tar.gz\"\n").arg(url, curlOut).arg(i);
            extract += QStringLiteral("mkdir -p '%1/%2' && %3 -xf '%1/%2.tar.gz' -C '%1/%2' && rm '%1/%2.tar.gz' || exit 1\n").arg(curlOut).arg(i).arg(tar);
        }
        QFile cfg(dir + QStringLiteral("/lane-%1.curl").arg(lane));
        QFile script(dir + QStringLiteral("/lane-%1.sh").arg(lane));
        if (!cfg.open(QIODevice::WriteOnly) || !script.open(QIODevice::WriteOnly))
            return 1;
        cfg.write(config.toUtf8());
        script.write((QStringLiteral("curl -sSf -K '%1' || exit 1\n").arg(cfg.fileName()) + extract).toUtf8());
        lanes << new QProcess;
    }
    QElapsedTimer t;
    t.start();
    for (int lane = 0; lane < concurrency; ++lane)
        lanes[lane]->start(QStringLiteral("sh"), { dir + QStringLiteral("/lane-%1.sh").arg(lane) });
    int laneFailures = 0;
    for (QProcess *p : std::as_const(lanes)) {
        p->waitForFinished(-1);
        laneFailures += p->exitCode() != 0;
    }
    const double baseSeconds = t.elapsed() / 1000.0;
    const QString baseLoad = loadAverage();
    if (laneFailures > 0)
        out() << "baseline: " << laneFailures << " lanes failed: " << lanes.first()->readAllStandardError() << Qt::endl;
    qDeleteAll(lanes);
    QDir(curlOut).removeRecursively();

    out() << QStringLiteral("job output, %1 images: %2 archives in %3 parts (%4 files extracted)")
                 .arg(images).arg(archives).arg(partCount).arg(members) << Qt::endl;
    out() << QStringLiteral("  batchdeck-cli export-batch --job-id: %1 s = %2 archives/s (listing + download + extract + log), "
                            "peak RSS %3 MB  [%4]")
                 .arg(bd.seconds, 0, 'f', 2).arg(archives / qMax(0.001, bd.seconds), 0, 'f', 0).arg(bd.rssKb / 1024.0, 0, 'f', 1).arg(bdLoad)
          << Qt::endl;
    out() << QStringLiteral("  curl x%1 + %2 -xf (listing excluded): %3 s = %4 archives/s  [%5]")
                 .arg(concurrency).arg(tar).arg(baseSeconds, 0, 'f', 2).arg(int(lines.size()) / qMax(0.001, baseSeconds), 0, 'f', 0).arg(baseLoad)
          << Qt::endl;
    out() << QStringLiteral("  ratio: %1% of the baseline's speed (goal >= 80%)").arg(100.0 * baseSeconds / qMax(0.001, bd.seconds), 0, 'f', 0)
          << Qt::endl;
    return 0;
}

// A tar of two incompressible members of `bytes / 2` each.
bool makeArchive(const QString &dir, const QString &name, qint64 bytes, quint32 seed)
{
    const QString work = dir + QStringLiteral("/src-") + name;
    QDir().mkpath(work);
    quint32 x = seed | 1;
    for (int m = 0; m < 2; ++m) {
        // Named after the archive: every archive of an export goes into the same folder, and
        // same-named members would replace each other there (ext4 then writes each replaced file
        // back at once: a re-export's cost, not an export's).
        QFile f(work + QStringLiteral("/member-%1-%2.bin").arg(seed).arg(m));
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
    QString scenario = QStringLiteral("all");
    QList<int> imageCounts{ 5000, 20000 };
    for (int i = 1; i < args.size(); ++i) {
        if (args[i] == QLatin1String("--scenario") && i + 1 < args.size()) {
            scenario = args[++i];
            continue;
        }
        if (args[i] == QLatin1String("--images") && i + 1 < args.size()) {
            imageCounts.clear();
            for (const QString &n : args[++i].split(QLatin1Char(',')))
                imageCounts << n.toInt();
            continue;
        }
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
    int failures = 0;
    if (scenario == QLatin1String("all") || scenario == QLatin1String("job"))
        for (int images : std::as_const(imageCounts))
            failures += benchJobOutput(bin, root, images, concurrency);
    if (scenario == QLatin1String("job"))
        return failures == 0 ? 0 : 1;
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
    // The sandbox just wrote ~1 GB of blobs: without this the kernel writes them back while
    // batchdeck-cli runs (and not while curl does), as bench_ingest does for its images.
    ::sync();

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
    const QString bdLoad = loadAverage();
    const QString timeOut = QString::fromUtf8(bd.readAllStandardError());
    const qint64 rssKb = QRegularExpression(QStringLiteral("Maximum resident set size \\(kbytes\\): (\\d+)")).match(timeOut).captured(1).toLongLong();
    const double bdCpu = QRegularExpression(QStringLiteral("User time \\(seconds\\): ([\\d.]+)")).match(timeOut).captured(1).toDouble()
        + QRegularExpression(QStringLiteral("System time \\(seconds\\): ([\\d.]+)")).match(timeOut).captured(1).toDouble();
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
    const QString curlLoad = loadAverage();
    qint64 curlBytes = 0;
    for (const QFileInfo &fi : QDir(root + QStringLiteral("/curl-out")).entryInfoList(QDir::Files))
        curlBytes += fi.size();

    const double bdMBs = bdSeconds > 0 ? bdBytes / 1e6 / bdSeconds : 0;
    const double curlMBs = curlSeconds > 0 ? curlBytes / 1e6 / curlSeconds : 0;
    out() << QStringLiteral("big archives: batchdeck-cli: %1 MB in %2 s = %3 MB/s (download + extract + log, whole CLI run), CPU %6 s, peak RSS %4 MB  [%5]")
                 .arg(bdBytes / 1e6, 0, 'f', 1).arg(bdSeconds, 0, 'f', 2).arg(bdMBs, 0, 'f', 1).arg(rssKb / 1024.0, 0, 'f', 1).arg(bdLoad)
                 .arg(bdCpu, 0, 'f', 2)
          << Qt::endl;
    out() << QStringLiteral("big archives: curl x%1:     %2 MB in %3 s = %4 MB/s  [%5]").arg(concurrency).arg(curlBytes / 1e6, 0, 'f', 1)
                 .arg(curlSeconds, 0, 'f', 2).arg(curlMBs, 0, 'f', 1).arg(curlLoad) << Qt::endl;
    out() << QStringLiteral("big archives: ratio: %1% (target >= 90%), RSS target <= 150 MB")
                 .arg(curlMBs > 0 ? 100.0 * bdMBs / curlMBs : 0, 0, 'f', 0) << Qt::endl;
    return bd.exitCode() == 0 && failures == 0 ? 0 : 1;
}
