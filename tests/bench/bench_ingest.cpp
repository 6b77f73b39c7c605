// bench_ingest: Batchdeck's sharded image ingest against a loopback baseline.
//
// For each file count N it writes N small valid JPEGs and their tar shards (GNU tar, the size
// Batchdeck uses), then runs rounds. Each round times both clients, each against a sandbox of its
// own started for it (fresh data on tmpfs, removed after: at 100 000 files each upload is ~5 GB):
//  1. `batchdeck-cli data-staging create-batch-of-images --no-wait` under /usr/bin/time -v
//     (wall time, CPU, peak RSS), with a fresh data folder (journal), and
//  2. the pre-built shards, each PUT by curl -H 'Expect:' to a fresh signed URL (D9) at the same
//     concurrency (the URLs fetched before the clock starts): the loopback baseline.
// Rounds alternate which client goes first, so neither always meets the page cache, the
// writeback or the machine's neighbours in the same state; the default, four, gives each the first
// slot twice (with three, the client that starts had the first round after the data was written,
// the slowest for both in every 100 000-file run, twice out of three). A round prints both clients' images/s,
// MB/s, their ratio, CPU seconds (batchdeck-cli's from /usr/bin/time; the curl processes' from
// getrusage) and Batchdeck's peak RSS (MiB: the kernel's high-water mark, VmHWM = ru_maxrss, as
// /usr/bin/time -v reports it). Then a line per size: the median ratio of the rounds (each
// round's ratio compares two runs made seconds apart), its range, and the highest peak RSS; at
// the end how flat that peak RSS stayed across sizes, and the load average throughout (the
// machine may be shared).
//
//   bench_ingest [--sizes 1000,10000,100000] [--with-1m] [--image-kb 48] [--concurrency 4] [--rounds 4]
// Default sizes 1k, 10k, 100k; --with-1m adds 1 000 000 (opt-in: writing a million files and
// their shards takes a while; use --image-kb 1 for tiny images, and compare RSS at one size of
// image). A size whose runs failed is marked FAILED and left out of the RSS line.
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
#include <QStorageInfo>
#include <QStringList>
#include <QTemporaryDir>
#include <QTextStream>
#include <QThread>

#include <algorithm>
#include <memory>

#include <cstdio>
#include <sys/resource.h>
#include <unistd.h>

namespace {

using bench::loadAverage;
using bench::SandboxProcess;


// FileFingerprint::kRacyWindowNs (2 s) and a margin.
constexpr unsigned long kOlderThanRacyMs = 2500;

QTextStream &out()
{
    static QTextStream s(stdout);
    return s;
}

// An 8x8 grey JPEG (without SOI) after a COM segment that makes each file unique and sized.
QByteArray jpeg(const QByteArray &tag, int size)
{
    static const QByteArray body = QByteArray::fromHex(
        "ffe000104a46494600010100000100010000ffdb004300100b0c0e0c0a100e0d0e1211101318281a181616183123251d283a"
        "333d3c3933383740485c4e404457453738506d51575f626768673e4d71797064785c656763ffc0000b080008000801011100"
        "ffc40014000100000000000000000000000000000001ffc40014100100000000000000000000000000000000ffda00080101"
        "00003f001fffd9");
    const int commentLen = qBound(int(tag.size()), size - int(body.size()) - 6, 65000);
    const QByteArray comment = tag.leftJustified(commentLen, '.');
    const int len = commentLen + 2;
    QByteArray b("\xFF\xD8\xFF\xFE", 4);
    b.append(char(len >> 8)).append(char(len & 0xFF)).append(comment).append(body);
    return b;
}

struct Run {
    double seconds = 0;
    double cpu = 0;   // user + system seconds of batchdeck-cli, or of the curl processes
    qint64 bytes = 0;
    qint64 peakRssKb = 0;
    bool ok = false;
    bool sandboxOnTmpfs = false;
};


QStringList writeImages(const QString &dir, int count, int size)
{
    QDir().mkpath(dir);
    QStringList names;
    for (int i = 0; i < count; ++i) {
        const QString name = QStringLiteral("img_%1.jpg").arg(i, 7, 10, QLatin1Char('0'));
        QFile f(dir + QLatin1Char('/') + name);
        if (!f.open(QIODevice::WriteOnly))
            qFatal("cannot write %s", qPrintable(f.fileName()));
        f.write(jpeg(name.toUtf8(), size));
        names << name;
    }
    return names;
}

Run runBatchdeck(const QString &bin, const QString &apiUrl, const QString &dir, const QString &dataDir,
                 const QString &batch, int n, int concurrency, int shardFiles)
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("BATCHDECK_DATA_DIR"), dataDir);
    env.insert(QStringLiteral("ROBOFLOW_API_KEY"), QStringLiteral("sandbox-key"));
    p.setProcessEnvironment(env);
    p.setProgram(QStringLiteral("/usr/bin/time"));
    p.setArguments({ QStringLiteral("-v"), bin + QStringLiteral("/batchdeck-cli"), QStringLiteral("--api-url"), apiUrl,
                     QStringLiteral("data-staging"), QStringLiteral("create-batch-of-images"), QStringLiteral("-b"),
                     batch, QStringLiteral("--images-dir"), dir, QStringLiteral("--concurrency"),
                     QString::number(concurrency), QStringLiteral("--shard-max-files"), QString::number(shardFiles),
                     QStringLiteral("--no-wait"), QStringLiteral("--json") });
    QElapsedTimer t;
    t.start();
    p.start();
    p.waitForFinished(-1);
    Run r;
    r.seconds = double(t.elapsed()) / 1000.0;
    const QJsonObject summary = QJsonDocument::fromJson(p.readAllStandardOutput()).object();
    const QString err = QString::fromUtf8(p.readAllStandardError());
    r.bytes = qint64(summary.value(QStringLiteral("bytesSent")).toDouble());
    r.ok = p.exitCode() == 0 && summary.value(QStringLiteral("uploadedCount")).toInt() == n;
    r.peakRssKb = QRegularExpression(QStringLiteral("Maximum resident set size \\(kbytes\\): (\\d+)")).match(err).captured(1).toLongLong();
    r.cpu = QRegularExpression(QStringLiteral("User time \\(seconds\\): ([0-9.]+)")).match(err).captured(1).toDouble()
          + QRegularExpression(QStringLiteral("System time \\(seconds\\): ([0-9.]+)")).match(err).captured(1).toDouble();
    if (!r.ok)
        std::fprintf(stderr, "batchdeck-cli failed (exit %d):\n%s\n", p.exitCode(), qPrintable(err.right(2000)));
    return r;
}

double childrenCpuSeconds()
{
    rusage u{};
    getrusage(RUSAGE_CHILDREN, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// D9 through curl: a fresh signed URL and its extension headers.
bool signedUrl(const QString &apiUrl, const QString &batch, QString *url, QStringList *headers)
{
    QProcess p;
    p.start(QStringLiteral("curl"), { QStringLiteral("-sS"), QStringLiteral("-X"), QStringLiteral("POST"), QStringLiteral("-d"), QString(),
                                       apiUrl + QStringLiteral("/data-staging/v1/external/sandbox-ws/batches/") + batch
                                           + QStringLiteral("/bulk-upload/image-files?api_key=sandbox-key&displayName=") + batch });
    p.waitForFinished(-1);
    const QJsonObject d = QJsonDocument::fromJson(p.readAllStandardOutput()).object().value(QStringLiteral("signedURLDetails")).toObject();
    *url = d.value(QStringLiteral("uploadURL")).toString();
    const QJsonObject h = d.value(QStringLiteral("extensionHeaders")).toObject();
    headers->clear();
    for (auto it = h.begin(); it != h.end(); ++it)
        *headers << QStringLiteral("-H") << it.key() + QStringLiteral(": ") + it.value().toString();
    return !url->isEmpty();
}

// The images as tar shards of `shardFiles` (GNU tar), written once per size.
QStringList writeTars(const QString &dir, const QStringList &names, const QString &tarDir, int shardFiles, qint64 *bytes)
{
    QDir().mkpath(tarDir);
    QStringList tars;
    *bytes = 0;
    for (int i = 0; i * shardFiles < names.size(); ++i) {
        const QString tar = QStringLiteral("%1/shard_%2.tar").arg(tarDir).arg(i);
        QProcess p;
        p.start(QStringLiteral("tar"), QStringList{ QStringLiteral("-cf"), tar, QStringLiteral("-C"), dir }
                                           + names.mid(i * shardFiles, shardFiles));
        p.waitForFinished(-1);
        if (p.exitCode() != 0)
            qFatal("tar failed for %s", qPrintable(tar));
        tars << tar;
        *bytes += QFileInfo(tar).size();
    }
    return tars;
}

Run runCurl(const QString &apiUrl, const QStringList &tars, qint64 bytes, const QString &batch, int concurrency)
{
    Run r;
    r.bytes = bytes;
    QList<QStringList> commands;
    for (const QString &tar : tars) {
        QString url;
        QStringList headers;
        if (!signedUrl(apiUrl, batch, &url, &headers))
            return r;
        commands << (QStringList{ QStringLiteral("-sS"), QStringLiteral("-o"), QStringLiteral("/dev/null"), QStringLiteral("-f"),
                                  QStringLiteral("-X"), QStringLiteral("PUT"), QStringLiteral("-T"), tar,
                                  QStringLiteral("-H"), QStringLiteral("Expect:") }
                     + headers + QStringList{ url });
    }
    QElapsedTimer t;
    const double cpu0 = childrenCpuSeconds();
    t.start();
    const bool ok = bench::runAtMost(QStringLiteral("curl"), commands, concurrency);
    r.seconds = double(t.elapsed()) / 1000.0;
    r.cpu = childrenCpuSeconds() - cpu0;
    r.ok = ok;
    return r;
}

// A sandbox of its own for one client's run: fresh data on tmpfs when it has room (on ext4,
// creating tens of thousands of files right after the last run deleted as many makes inode
// allocation scan for free inodes: the sandbox at 180 % CPU, seen, deciding the race instead of
// the clients), removed when the run is over.
template<typename Client>
Run withOwnSandbox(const QString &bin, const QString &fallbackDir, qint64 bytes, Client client)
{
    QTemporaryDir shm(QStringLiteral("/dev/shm/bench_ingest-XXXXXX"));
    const bool onTmpfs = shm.isValid() && QStorageInfo(shm.path()).bytesAvailable() > bytes * 3 / 2;
    const QString dir = onTmpfs ? shm.path() : fallbackDir;
    Run r;
    {
        SandboxProcess sandbox;
        if (!sandbox.start(bin, dir, { QStringLiteral("--index-delay-ms"), QStringLiteral("100") })) {
            std::fprintf(stderr, "cannot start batchdeck-sandbox from %s\n", qPrintable(bin));
            return r;
        }
        ::sync();   // nothing of the last run (or of writing the data) is written back during this one
        r = client(sandbox.apiUrl);
    }   // stopped before its folder goes
    r.sandboxOnTmpfs = onTmpfs;
    QDir(dir).removeRecursively();
    return r;
}

double median(QList<double> v)
{
    if (v.isEmpty())
        return 0;
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v.at(v.size() / 2) : (v.at(v.size() / 2 - 1) + v.at(v.size() / 2)) / 2;
}

QString ratioText(double bdSeconds, qint64 bdBytes, double curlSeconds, qint64 curlBytes)
{
    return QStringLiteral("%1%").arg(100.0 * (double(bdBytes) / bdSeconds) / (double(curlBytes) / curlSeconds), 0, 'f', 0);
}

}  // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QStringList args = app.arguments();
    QList<int> sizes{ 1000, 10000, 100000 };
    int concurrency = 4;
    int imageKb = 48;
    int shardFiles = 256;
    int rounds = 4;
    for (int i = 1; i < args.size(); ++i) {
        if (args[i] == QLatin1String("--with-1m"))
            sizes << 1000000;
        else if (args[i] == QLatin1String("--with-100k"))
            ;   // 100k is a default size now; accepted for old scripts
        else if (args[i] == QLatin1String("--sizes") && i + 1 < args.size()) {
            sizes.clear();
            for (const QString &s : args[++i].split(QLatin1Char(',')))
                sizes << s.toInt();
        } else if (args[i] == QLatin1String("--concurrency") && i + 1 < args.size())
            concurrency = args[++i].toInt();
        else if (args[i] == QLatin1String("--image-kb") && i + 1 < args.size())
            imageKb = args[++i].toInt();
        else if (args[i] == QLatin1String("--rounds") && i + 1 < args.size())
            rounds = qMax(1, args[++i].toInt());
    }
    const QString bin = QCoreApplication::applicationDirPath() + QStringLiteral("/../bin");
    QTemporaryDir tmp;
    out() << "bench_ingest: " << imageKb << " KiB JPEGs, shards of " << shardFiles << ", concurrency " << concurrency
          << ", " << rounds << " round(s) per size, " << QThread::idealThreadCount() << " CPUs, load average " << loadAverage() << Qt::endl;
    out() << QStringLiteral("%1 | %2 | %3 | %4 | %5 | %6 | %7\n")
                 .arg(QStringLiteral("files"), 7).arg(QStringLiteral("batchdeck img/s"), 15).arg(QStringLiteral("batchdeck MB/s"), 14)
                 .arg(QStringLiteral("curl img/s"), 10).arg(QStringLiteral("curl MB/s"), 9).arg(QStringLiteral("ratio"), 6)
                 .arg(QStringLiteral("peak RSS (VmHWM) MiB"), 20);
    out().flush();
    QList<QPair<int, double>> rss;   // files -> highest peak RSS MiB of the runs that succeeded
    for (int n : std::as_const(sizes)) {
        const QString root = tmp.path() + QStringLiteral("/n%1").arg(n);
        const QString dir = root + QStringLiteral("/images");
        const QStringList names = writeImages(dir, n, imageKb * 1024);
        qint64 tarBytes = 0;
        const QStringList tars = writeTars(dir, names, root + QStringLiteral("/tars"), shardFiles, &tarBytes);
        // A folder that existed before the ingest, as an operator's does: Batchdeck hashes a file
        // written less than 2 s before it is sent (its mtime cannot tell a second write in the
        // same tick: FileFingerprint.h), and right after writeImages every image was that fresh
        // (SHA-256 of all 480 MB at 10 000 files: ~0.3 s of CPU that curl never spends).
        QThread::msleep(kOlderThanRacyMs);
        QList<double> ratios, bdSeconds, curlSeconds;
        qint64 peakRssKb = 0;
        bool allOk = true;
        for (int round = 0; round < rounds; ++round) {
            const QString tag = QStringLiteral("%1-r%2").arg(n).arg(round);
            const auto batchdeck = [&] {
                return withOwnSandbox(bin, root + QStringLiteral("/sandbox"), tarBytes, [&](const QString &apiUrl) {
                    return runBatchdeck(bin, apiUrl, dir, root + QStringLiteral("/data-") + tag, QStringLiteral("bench-") + tag,
                                        n, concurrency, shardFiles);
                });
            };
            const auto curl = [&] {
                return withOwnSandbox(bin, root + QStringLiteral("/sandbox"), tarBytes, [&](const QString &apiUrl) {
                    return runCurl(apiUrl, tars, tarBytes, QStringLiteral("curl-") + tag, concurrency);
                });
            };
            Run bd, cu;
            const bool batchdeckFirst = round % 2 == 0;
            if (batchdeckFirst) {
                bd = batchdeck();
                cu = curl();
            } else {
                cu = curl();
                bd = batchdeck();
            }
            QDir(root + QStringLiteral("/data-") + tag).removeRecursively();
            const bool ok = bd.ok && cu.ok && bd.seconds > 0 && cu.seconds > 0;
            allOk = allOk && ok;
            if (ok) {
                ratios << (double(bd.bytes) / bd.seconds) / (double(cu.bytes) / cu.seconds);
                bdSeconds << bd.seconds;
                curlSeconds << cu.seconds;
                peakRssKb = qMax(peakRssKb, bd.peakRssKb);
            }
            out() << QStringLiteral("%1 | %2 | %3 | %4 | %5 | %6 | %7%8\n")
                         .arg(n, 7)
                         .arg(bd.seconds > 0 ? n / bd.seconds : 0, 15, 'f', 0)
                         .arg(bd.seconds > 0 ? double(bd.bytes) / 1e6 / bd.seconds : 0, 14, 'f', 1)
                         .arg(cu.seconds > 0 ? n / cu.seconds : 0, 10, 'f', 0)
                         .arg(cu.seconds > 0 ? double(cu.bytes) / 1e6 / cu.seconds : 0, 9, 'f', 1)
                         .arg(ok ? ratioText(bd.seconds, bd.bytes, cu.seconds, cu.bytes) : QStringLiteral("-"), 6)
                         .arg(double(bd.peakRssKb) / 1024.0, 20, 'f', 1)
                         .arg(ok ? QString() : QStringLiteral("  (FAILED: see stderr)"));
            out() << QStringLiteral("        round %1 (%2 first): batchdeck %3 s (CPU %4 s) for %5 B (whole CLI run: start, scan, "
                                    "journal, upload); curl %6 s (CPU %7 s) for %8 B (PUTs only); sandbox data in %9; load %10\n")
                         .arg(round + 1).arg(batchdeckFirst ? QStringLiteral("batchdeck") : QStringLiteral("curl"))
                         .arg(bd.seconds, 0, 'f', 2).arg(bd.cpu, 0, 'f', 2).arg(bd.bytes).arg(cu.seconds, 0, 'f', 2)
                         .arg(cu.cpu, 0, 'f', 2).arg(cu.bytes)
                         .arg(bd.sandboxOnTmpfs && cu.sandboxOnTmpfs ? QStringLiteral("tmpfs") : QStringLiteral("the temporary folder"))
                         .arg(loadAverage());
            out().flush();
        }
        if (!ratios.isEmpty()) {
            const auto [lo, hi] = std::minmax_element(ratios.cbegin(), ratios.cend());
            out() << QStringLiteral("%1 files: median ratio %2 % over %3 round(s) (range %4-%5 %); median times batchdeck %6 s, "
                                    "curl %7 s; highest peak RSS %8 MiB%9\n")
                         .arg(n).arg(100.0 * median(ratios), 0, 'f', 0).arg(ratios.size())
                         .arg(100.0 * *lo, 0, 'f', 0).arg(100.0 * *hi, 0, 'f', 0)
                         .arg(median(bdSeconds), 0, 'f', 2).arg(median(curlSeconds), 0, 'f', 2)
                         .arg(double(peakRssKb) / 1024.0, 0, 'f', 1)
                         .arg(allOk ? QString() : QStringLiteral(" (some rounds FAILED)"));
            out().flush();
            rss.append({ n, double(peakRssKb) / 1024.0 });
        }
        QDir(root).removeRecursively();   // 100k files are ~5 GB, twice (images + shards)
    }
    if (rss.size() >= 2) {
        const auto [minIt, maxIt] = std::minmax_element(rss.cbegin(), rss.cend(),
                                                        [](const auto &a, const auto &b) { return a.second < b.second; });
        out() << QStringLiteral("peak RSS from %1 to %2 files: %3 -> %4 MiB (spread %5 % of the smallest, %6 B per extra file; goal: within 10 %)\n")
                     .arg(rss.first().first).arg(rss.last().first)
                     .arg(rss.first().second, 0, 'f', 1).arg(rss.last().second, 0, 'f', 1)
                     .arg(100.0 * (maxIt->second - minIt->second) / minIt->second, 0, 'f', 0)
                     .arg((rss.last().second - rss.first().second) * 1024 * 1024 / double(rss.last().first - rss.first().first), 0, 'f', 0);
    }
    return 0;
}
