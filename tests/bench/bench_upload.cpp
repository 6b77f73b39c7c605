// bench_upload: the upload phase alone — Batchdeck's shard PUTs against curl's, same tars.
//
// Writes S shards of F files (K KiB each), starts a fresh batchdeck-sandbox (its own process,
// as the CLI meets it) and
//  1. uploads them with the client's own path: ShardUploadOperation in an UploadQueue at a fixed
//     concurrency (D9 prefetch + S1 PUT of a ShardTarDevice through SignedTransfer), timed from
//     the queue's start to its end, with this process's CPU time (user + system) over that span —
//     once with the libcurl transport (the default) and once with Qt's (BATCHDECK_SIGNED_PUT=qt);
//  2. the same shards through ApiClient::putSigned on this (the owner's) thread, URLs fetched
//     beforehand, the same number at once: how uploads ran before SignedTransfer (the body read
//     16 KiB per round trip on the thread that owns the QNetworkAccessManager);
//  3. writes the very same tars to disk (ShardTarDevice) and PUTs them with `curl -T` to signed
//     URLs fetched beforehand, the same number at once: the baseline (CPU: the curl processes').
// Prints MB/s (tar bytes on the wire) of each, the ratios to curl, Batchdeck's CPU seconds and the
// load average (the machine may be shared: compare ratios within one run). --busy-ms N keeps the
// owner's thread busy N ms in every 10 ms during the Batchdeck runs (a GUI thread painting, a
// journal writing) to show what each path does when its owner is not idle.
//
//   bench_upload [--shards 40] [--files 256] [--kb 48] [--concurrency 4] [--rounds 1] [--busy-ms 0]
// Needs batchdeck-sandbox in the same bin folder and curl.
#include "BenchSupport.h"

#include "api/ApiClient.h"
#include "staging/ShardTarDevice.h"
#include "staging/TransferOperation.h"
#include "staging/UploadQueue.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QNetworkReply>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>

#include <cstdio>
#include <functional>
#include <memory>
#include <vector>
#include <sys/resource.h>

using namespace bd;

namespace {

using bench::loadAverage;
using bench::SandboxProcess;


double cpuSeconds(int who = RUSAGE_SELF)
{
    rusage u{};
    getrusage(who, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}


QVector<staging::PlannedShard> writeShards(const QString &dir, int shards, int files, int kb)
{
    QDir().mkpath(dir);
    QVector<staging::PlannedShard> plan;
    QByteArray body(kb * 1024, 'x');
    for (int s = 0; s < shards; ++s) {
        staging::PlannedShard shard;
        shard.index = s;
        for (int i = 0; i < files; ++i) {
            const QString name = QStringLiteral("img_%1_%2.jpg").arg(s, 4, 10, QLatin1Char('0')).arg(i, 4, 10, QLatin1Char('0'));
            const QString path = dir + QLatin1Char('/') + name;
            QFile f(path);
            if (!f.open(QIODevice::WriteOnly))
                qFatal("cannot write %s", qPrintable(path));
            body.replace(0, name.size(), name.toUtf8());   // every file different
            f.write(body);
            shard.members.append({ path, name, qint64(body.size()), 1700000000 });
            shard.payloadBytes += body.size();
        }
        plan.append(shard);
    }
    return plan;
}

struct Figures {
    double seconds = 0;
    double cpu = 0;
    qint64 wireBytes = 0;
    bool ok = false;
    double mbPerSecond() const { return seconds > 0 ? double(wireBytes) / 1e6 / seconds : 0; }
};

api::ApiConfig configFor(const QString &apiUrl)
{
    api::ApiConfig config;
    config.baseUrl = QUrl(apiUrl);
    config.apiKey = QStringLiteral("sandbox-key");
    config.timeoutSeconds = 60;
    return config;
}

// Keeps the calling thread busy busyMs in every 10 ms while it exists (0: idle).
struct BusyOwner {
    QTimer timer;
    explicit BusyOwner(int busyMs)
    {
        if (busyMs <= 0)
            return;
        QObject::connect(&timer, &QTimer::timeout, [busyMs] {
            QElapsedTimer t;
            t.start();
            while (t.elapsed() < busyMs) {
            }
        });
        timer.start(10);
    }
};

Figures runBatchdeck(const QString &apiUrl, const QVector<staging::PlannedShard> &plan, int concurrency, const QString &batch,
                     int busyMs, const QByteArray &transport)
{
    qputenv("BATCHDECK_SIGNED_PUT", transport);   // read when the client's transfer thread starts
    api::ApiClient client(configFor(apiUrl));
    staging::UploadQueue queue(&client);
    queue.setConcurrency(concurrency);
    Figures f;
    for (const staging::PlannedShard &shard : plan) {
        queue.enqueue(new staging::ShardUploadOperation(&client, batch, batch, shard));
        f.wireBytes += staging::ShardTarDevice::exactSize(shard.members);
    }
    BusyOwner busy(busyMs);
    QElapsedTimer clock;
    const double cpu0 = cpuSeconds();
    clock.start();
    queue.start();
    while (!queue.isFinished())
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    f.seconds = clock.elapsed() / 1000.0;
    f.cpu = cpuSeconds() - cpu0;
    f.ok = !queue.error() && queue.succeededCount() == plan.size();
    if (!f.ok)
        std::fprintf(stderr, "batchdeck upload failed: %s\n", qPrintable(queue.error().fullText()));
    return f;
}

std::vector<api::SignedUpload> fetchUrls(api::ApiClient &client, int count, const QString &batch)
{
    std::vector<api::SignedUpload> urls;
    for (int i = 0; i < count; ++i) {
        std::unique_ptr<api::SignedUploadCall> call(client.requestShardUpload(batch, batch));
        if (!call->exec())
            qFatal("D9 failed: %s", qPrintable(call->error().fullText()));
        urls.push_back(call->result());
    }
    return urls;
}

// The path before SignedTransfer: putSigned on this thread, `concurrency` at once.
Figures runOwnerThread(const QString &apiUrl, const QVector<staging::PlannedShard> &plan, int concurrency,
                       const QString &batch, int busyMs)
{
    api::ApiClient client(configFor(apiUrl));
    const std::vector<api::SignedUpload> urls = fetchUrls(client, int(plan.size()), batch);
    Figures f;
    f.ok = true;
    int next = 0;
    int running = 0;
    std::function<void()> startNext = [&] {
        while (running < concurrency && next < plan.size()) {
            const staging::PlannedShard &shard = plan[next];
            const qint64 size = staging::ShardTarDevice::exactSize(shard.members);
            f.wireBytes += size;
            auto *body = new staging::ShardTarDevice(shard.members, {}, size);
            body->open(QIODevice::ReadOnly);
            QNetworkReply *reply = client.putSigned(urls[size_t(next)], body, size);
            body->setParent(reply);
            ++next;
            ++running;
            QObject::connect(reply, &QNetworkReply::finished, [&, reply] {
                f.ok = f.ok && reply->error() == QNetworkReply::NoError;
                reply->deleteLater();
                --running;
                startNext();
            });
        }
    };
    BusyOwner busy(busyMs);
    QElapsedTimer clock;
    const double cpu0 = cpuSeconds();
    clock.start();
    startNext();
    while (running > 0)
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    f.seconds = clock.elapsed() / 1000.0;
    f.cpu = cpuSeconds() - cpu0;
    if (!f.ok)
        std::fprintf(stderr, "owner-thread upload failed\n");
    return f;
}

Figures runCurl(const QString &apiUrl, const QVector<staging::PlannedShard> &plan, int concurrency, const QString &tarDir,
                const QString &batch)
{
    Figures f;
    QDir().mkpath(tarDir);
    api::ApiClient client(configFor(apiUrl));
    QList<QStringList> commands;
    for (const staging::PlannedShard &shard : plan) {
        const QString tarPath = QStringLiteral("%1/shard_%2.tar").arg(tarDir).arg(shard.index);
        staging::ShardTarDevice tar(shard.members);
        QFile out(tarPath);
        if (!tar.open(QIODevice::ReadOnly) || !out.open(QIODevice::WriteOnly))
            qFatal("cannot write %s", qPrintable(tarPath));
        while (!tar.atEnd()) {
            const QByteArray chunk = tar.read(1 << 20);
            if (chunk.isEmpty())
                qFatal("tar failed: %s", qPrintable(tar.errorString()));
            out.write(chunk);
        }
        f.wireBytes += out.size();
        std::unique_ptr<api::SignedUploadCall> call(client.requestShardUpload(batch, batch));
        if (!call->exec())
            qFatal("D9 failed: %s", qPrintable(call->error().fullText()));
        QStringList command{ QStringLiteral("-sS"), QStringLiteral("-o"), QStringLiteral("/dev/null"), QStringLiteral("-f"),
                             QStringLiteral("-X"), QStringLiteral("PUT"), QStringLiteral("-T"), tarPath,
                             QStringLiteral("-H"), QStringLiteral("Expect:") };
        for (const auto &header : call->result().extensionHeaders)
            command << QStringLiteral("-H") << QString::fromLatin1(header.first + ": " + header.second);
        command << call->result().uploadUrl.toString(QUrl::FullyEncoded);
        commands << command;
    }
    QElapsedTimer clock;
    const double cpu0 = cpuSeconds(RUSAGE_CHILDREN);
    clock.start();
    const bool ok = bench::runAtMost(QStringLiteral("curl"), commands, concurrency);
    f.seconds = clock.elapsed() / 1000.0;
    f.cpu = cpuSeconds(RUSAGE_CHILDREN) - cpu0;
    f.ok = ok;
    return f;
}

}  // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    int shards = 40, files = 256, kb = 48, concurrency = 4, rounds = 1, busyMs = 0;
    for (int i = 1; i + 1 < args.size(); i += 2) {
        const int value = args[i + 1].toInt();
        if (args[i] == QLatin1String("--shards")) shards = value;
        else if (args[i] == QLatin1String("--files")) files = value;
        else if (args[i] == QLatin1String("--kb")) kb = value;
        else if (args[i] == QLatin1String("--concurrency")) concurrency = value;
        else if (args[i] == QLatin1String("--rounds")) rounds = value;
        else if (args[i] == QLatin1String("--busy-ms")) busyMs = value;
    }
    const QString bin = QCoreApplication::applicationDirPath();
    QTemporaryDir tmp;
    const QVector<staging::PlannedShard> plan = writeShards(tmp.path() + QStringLiteral("/images"), shards, files, kb);
    SandboxProcess sandbox;
    if (!sandbox.start(bin, tmp.path() + QStringLiteral("/sandbox"), { QStringLiteral("--index-delay-ms"), QStringLiteral("100") })) {
        std::fprintf(stderr, "cannot start batchdeck-sandbox from %s\n", qPrintable(bin));
        return 1;
    }
    std::printf("bench_upload: %d shards of %d x %d KiB, concurrency %d, owner thread busy %d ms in 10, load average %s\n",
                shards, files, kb, concurrency, busyMs, qPrintable(loadAverage()));
    std::printf("%5s | %16s | %6s | %14s | %6s | %17s | %6s | %9s | %6s | %s\n", "round", "libcurl put MB/s", "cpu s",
                "Qt put MB/s", "cpu s", "owner thread MB/s", "cpu s", "curl MB/s", "cpu s",
                "ratios to curl (libcurl / Qt / owner), load");
    bool allOk = true;
    for (int r = 0; r < rounds; ++r) {
        const Figures bd = runBatchdeck(sandbox.apiUrl, plan, concurrency, QStringLiteral("bd-%1").arg(r), busyMs, "curl");
        const Figures qt = runBatchdeck(sandbox.apiUrl, plan, concurrency, QStringLiteral("qt-%1").arg(r), busyMs, "qt");
        const Figures owner = runOwnerThread(sandbox.apiUrl, plan, concurrency, QStringLiteral("owner-%1").arg(r), busyMs);
        const Figures curl = runCurl(sandbox.apiUrl, plan, concurrency, tmp.path() + QStringLiteral("/tars"),
                                     QStringLiteral("curl-%1").arg(r));
        const bool ok = bd.ok && qt.ok && owner.ok && curl.ok;
        allOk = allOk && ok;
        const double c = curl.mbPerSecond();
        auto ratio = [c](const Figures &f) { return c > 0 ? 100.0 * f.mbPerSecond() / c : 0.0; };
        std::printf("%5d | %16.1f | %6.2f | %14.1f | %6.2f | %17.1f | %6.2f | %9.1f | %6.2f | %.0f%% / %.0f%% / %.0f%%, load %s%s\n",
                    r + 1, bd.mbPerSecond(), bd.cpu, qt.mbPerSecond(), qt.cpu, owner.mbPerSecond(), owner.cpu, c, curl.cpu,
                    ratio(bd), ratio(qt), ratio(owner), qPrintable(loadAverage()), ok ? "" : "  (FAILED)");
        std::printf("      libcurl %.2f s, Qt %.2f s, owner thread %.2f s, curl %.2f s for %lld B\n", bd.seconds, qt.seconds,
                    owner.seconds, curl.seconds, static_cast<long long>(bd.wireBytes));
        std::fflush(stdout);
        QDir(tmp.path() + QStringLiteral("/tars")).removeRecursively();
    }
    return allOk ? 0 : 1;
}
