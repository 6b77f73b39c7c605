// bench_concurrency: a fixed 4 transfers at once (rclone's, aria2's and the reference CLI's kind of
// setting) against the NetworkGate's adaptive limit, over a link with latency.
//
// An embedded sandbox on loopback delays every request on every route (FaultPlan delayMs, default
// 150 ms, as a WAN round trip would). The same client code then uploads N videos (D8 + S1 PUT,
// UploadQueue) and downloads them again (S2 GET, DownloadOperation), once with the gate fixed at
// 4 and once adaptive (start 4, cap --max). Prints files/s and MB/s of both, the ratio, the final
// and peak limits, and the load average before and after. Each mode gets a fresh ApiClient (a
// fresh gate and connections).
//
//   bench_concurrency [--files 96] [--kb 64] [--delay-ms 150] [--max 16] [--rounds 1]
#include "api/ApiClient.h"
#include "api/NetworkGate.h"
#include "exports/DownloadOperation.h"
#include "sandbox/Sandbox.h"
#include "staging/TransferOperation.h"
#include "staging/UploadQueue.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTimer>

#include <cstdio>
#include <memory>
#include <vector>

using namespace bd;

namespace {

struct Figures {
    double seconds = 0;
    int files = 0;
    qint64 bytes = 0;
    int peak = 0;
    int finalLimit = 0;
    double filesPerSecond() const { return seconds > 0 ? files / seconds : 0; }
    double mbPerSecond() const { return seconds > 0 ? double(bytes) / 1e6 / seconds : 0; }
};

QString loadAverage()
{
    QFile f(QStringLiteral("/proc/loadavg"));
    if (!f.open(QIODevice::ReadOnly))
        return QStringLiteral("n/a");
    return QString::fromLatin1(f.readAll()).section(QLatin1Char(' '), 0, 2);
}

bool waitFor(const std::function<bool()> &done, int timeoutMs)
{
    QElapsedTimer clock;
    clock.start();
    while (!done() && clock.elapsed() < timeoutMs)
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    return done();
}

std::unique_ptr<api::ApiClient> clientFor(const sandbox::Sandbox &box, bool adaptive, int maxConcurrency)
{
    api::ApiConfig config;
    config.baseUrl = box.apiUrl();
    config.apiKey = QStringLiteral("sandbox-key");
    config.timeoutSeconds = 60;
    auto client = std::make_unique<api::ApiClient>(config);
    api::NetworkGate::TransferLimits limits;
    limits.initial = 4;
    limits.maximum = adaptive ? maxConcurrency : 4;
    limits.adaptive = adaptive;
    client->networkGate()->setTransferLimits(limits);
    return client;
}

Figures upload(const sandbox::Sandbox &box, bool adaptive, int maxConcurrency, const QString &batchId,
               const QStringList &paths)
{
    auto client = clientFor(box, adaptive, maxConcurrency);
    staging::UploadQueue queue(client.get());
    Figures f;
    for (const QString &path : paths) {
        const qint64 size = QFileInfo(path).size();
        queue.enqueue(new staging::VideoUploadOperation(client.get(), batchId, batchId, path,
                                                        QFileInfo(path).fileName(), size));
        f.bytes += size;
    }
    QElapsedTimer clock;
    clock.start();
    queue.start();
    if (!waitFor([&] { return queue.isFinished(); }, 600000) || queue.error()) {
        std::fprintf(stderr, "upload failed: %s\n", qPrintable(queue.error().fullText()));
        std::exit(1);
    }
    f.seconds = clock.elapsed() / 1000.0;
    f.files = queue.succeededCount();
    f.peak = client->networkGate()->peakInFlight(api::NetworkGate::Lane::Transfer);
    f.finalLimit = client->networkGate()->limit(api::NetworkGate::Lane::Transfer);
    return f;
}

QVector<api::BatchFile> listFiles(api::ApiClient *client, const QString &batchId, int expected)
{
    QVector<api::BatchFile> files;
    waitFor([&] {
        std::unique_ptr<api::ListBatchFilesCall> call(client->listBatchFiles(batchId));
        call->setMaxPages(0);
        if (!call->exec())
            return false;
        files = call->result();
        return files.size() >= expected;
    }, 60000);
    return files;
}

Figures download(const sandbox::Sandbox &box, bool adaptive, int maxConcurrency, const QString &batchId,
                 int expected, const QString &targetDir)
{
    auto client = clientFor(box, adaptive, maxConcurrency);
    const QVector<api::BatchFile> files = listFiles(client.get(), batchId, expected);
    if (files.size() < expected) {
        std::fprintf(stderr, "listing %s gave %d of %d files\n", qPrintable(batchId), int(files.size()), expected);
        std::exit(1);
    }
    api::NetworkGate *gate = client->networkGate();
    QDir().mkpath(targetDir);
    Figures f;
    int finished = 0;
    int failed = 0;
    QElapsedTimer clock;
    clock.start();
    // What ExportOperation does per file: a Transfer slot from the gate, one DownloadOperation.
    for (const api::BatchFile &file : files) {
        ExportFileInfo info;
        info.downloadUrl = file.downloadUrl.toString(QUrl::FullyEncoded);
        info.fileName = file.fileName;
        info.contentType = file.contentType;
        const QString dest = targetDir + QLatin1Char('/') + file.fileName;
        gate->acquire(api::NetworkGate::Lane::Transfer, client.get(),
                      [&, info, dest](api::NetworkGate::Slot granted) {
                          auto slot = std::make_shared<api::NetworkGate::Slot>(std::move(granted));
                          auto *op = new DownloadOperation(client.get(), info, dest);
                          QObject::connect(op, &Operation::finished, op, [&, op, slot] {
                              slot->addBytes(op->fileSize());
                              slot->release(api::NetworkGate::outcomeFor(op->error()));
                              if (op->error())
                                  ++failed;
                              else
                                  f.bytes += op->fileSize();
                              ++finished;
                              op->deleteLater();
                          });
                          op->start();
                      });
    }
    if (!waitFor([&] { return finished == int(files.size()); }, 600000) || failed > 0) {
        std::fprintf(stderr, "download failed: %d of %d\n", failed, int(files.size()));
        std::exit(1);
    }
    f.seconds = clock.elapsed() / 1000.0;
    f.files = finished;
    f.peak = gate->peakInFlight(api::NetworkGate::Lane::Transfer);
    f.finalLimit = gate->limit(api::NetworkGate::Lane::Transfer);
    return f;
}

void print(const char *what, const Figures &fixed, const Figures &adaptive)
{
    std::printf("%-9s fixed-4 : %6.2f s  %7.1f files/s  %7.2f MB/s  peak %2d\n", what, fixed.seconds,
                fixed.filesPerSecond(), fixed.mbPerSecond(), fixed.peak);
    std::printf("%-9s adaptive: %6.2f s  %7.1f files/s  %7.2f MB/s  peak %2d  final limit %2d\n", what,
                adaptive.seconds, adaptive.filesPerSecond(), adaptive.mbPerSecond(), adaptive.peak,
                adaptive.finalLimit);
    std::printf("%-9s ratio adaptive / fixed-4 throughput: %.2fx (goal >= 1.5x)\n", what,
                fixed.filesPerSecond() > 0 ? adaptive.filesPerSecond() / fixed.filesPerSecond() : 0.0);
}

}  // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOption({ QStringLiteral("files"), QStringLiteral("Files per run."), QStringLiteral("n"), QStringLiteral("96") });
    parser.addOption({ QStringLiteral("kb"), QStringLiteral("KiB per file."), QStringLiteral("kib"), QStringLiteral("64") });
    parser.addOption({ QStringLiteral("delay-ms"), QStringLiteral("Delay of every request."), QStringLiteral("ms"),
                       QStringLiteral("150") });
    parser.addOption({ QStringLiteral("max"), QStringLiteral("Adaptive cap."), QStringLiteral("n"), QStringLiteral("16") });
    parser.addOption({ QStringLiteral("rounds"), QStringLiteral("Rounds (fixed, adaptive) each."), QStringLiteral("n"),
                       QStringLiteral("1") });
    parser.process(app);
    const int files = qMax(1, parser.value(QStringLiteral("files")).toInt());
    const int kib = qMax(1, parser.value(QStringLiteral("kb")).toInt());
    const int delayMs = qMax(0, parser.value(QStringLiteral("delay-ms")).toInt());
    const int maxConcurrency = qMax(1, parser.value(QStringLiteral("max")).toInt());
    const int rounds = qMax(1, parser.value(QStringLiteral("rounds")).toInt());

    QTemporaryDir work;
    sandbox::SandboxOptions options;
    options.dataDir = work.filePath(QStringLiteral("sandbox"));
    options.indexDelayMs = 0;
    sandbox::Sandbox box(options);
    QString error;
    if (!box.start(&error)) {
        std::fprintf(stderr, "sandbox: %s\n", qPrintable(error));
        return 1;
    }
    QStringList paths;
    const QString source = work.filePath(QStringLiteral("source"));
    QDir().mkpath(source);
    for (int i = 0; i < files; ++i) {
        const QString path = QStringLiteral("%1/clip%2.mp4").arg(source).arg(i, 5, 10, QLatin1Char('0'));
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly))
            return 1;
        f.write(QByteArray("\x00\x00\x00\x18" "ftypmp42", 12) + QByteArray(kib * 1024 - 12, char('a' + i % 26)));
        paths << path;
    }
    if (delayMs > 0)   // a rule without a delay would be a 503 rule
        box.setFaultPlan(QJsonDocument::fromJson(
                             QStringLiteral("{\"rules\": [{\"route\": \"*\", \"delayMs\": %1}]}").arg(delayMs).toUtf8())
                             .object());

    std::printf("bench_concurrency: %d files of %d KiB, %d ms on every request, adaptive cap %d, %d round(s)\n",
                files, kib, delayMs, maxConcurrency, rounds);
    std::printf("load average before: %s\n", qPrintable(loadAverage()));
    Figures upFixed, upAdaptive, downFixed, downAdaptive;
    auto add = [](Figures &sum, const Figures &f) {
        sum.seconds += f.seconds;
        sum.files += f.files;
        sum.bytes += f.bytes;
        sum.peak = qMax(sum.peak, f.peak);
        sum.finalLimit = f.finalLimit;
    };
    for (int round = 0; round < rounds; ++round) {
        const QString fixedBatch = QStringLiteral("bench-fixed-%1").arg(round);
        const QString adaptiveBatch = QStringLiteral("bench-adaptive-%1").arg(round);
        add(upFixed, upload(box, false, maxConcurrency, fixedBatch, paths));
        add(upAdaptive, upload(box, true, maxConcurrency, adaptiveBatch, paths));
        add(downFixed, download(box, false, maxConcurrency, fixedBatch, files,
                                work.filePath(QStringLiteral("down-fixed-%1").arg(round))));
        add(downAdaptive, download(box, true, maxConcurrency, adaptiveBatch, files,
                                   work.filePath(QStringLiteral("down-adaptive-%1").arg(round))));
    }
    print("upload", upFixed, upAdaptive);
    print("download", downFixed, downAdaptive);
    std::printf("load average after: %s\n", qPrintable(loadAverage()));
    box.stop();
    return 0;
}
