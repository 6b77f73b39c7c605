#pragma once
// Helpers for the upload-pipeline tests on top of the shared sandbox fixture: real files on disk
// and blocking look-ups of D3 / D5 / D6 for assertions.
#include "common/SandboxFixture.h"
#include "staging/IngestOperation.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QSet>

#include <memory>

namespace ingesttest {

// A small but valid baseline JPEG (SOI, COM, APP0/JFIF, DQT, SOF0 8x8, DHT, SOS, EOI); the COM segment
// carrying `tag` makes every file unique.
inline QByteArray validJpeg(const QByteArray &tag, int padTo = 0)
{
    static const QByteArray body = QByteArray::fromHex(   // an 8x8 grey JPEG without its SOI
        "ffe000104a46494600010100000100010000ffdb004300100b0c0e0c0a100e0d0e1211101318281a181616183123251d283a"
        "333d3c3933383740485c4e404457453738506d51575f626768673e4d71797064785c656763ffc0000b080008000801011100"
        "ffc40014000100000000000000000000000000000001ffc40014100100000000000000000000000000000000ffda00080101"
        "00003f001fffd9");
    QByteArray comment = tag;
    if (padTo > 0)
        comment = comment.leftJustified(qMax(0, padTo - int(body.size()) - 6), ' ');
    comment = comment.left(65000);
    const int len = int(comment.size()) + 2;
    QByteArray out("\xFF\xD8\xFF\xFE", 4);
    out.append(char(len >> 8)).append(char(len & 0xFF)).append(comment);
    out.append(body);
    return out;
}

inline QString writeBytes(const QString &path, const QByteArray &bytes)
{
    QDir().mkpath(QFileInfo(path).path());
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size())
        qFatal("cannot write %s", qPrintable(path));
    return path;
}

inline QStringList writeJpegs(const QString &dir, int count, const QString &prefix = QStringLiteral("img"), int padTo = 0)
{
    QStringList paths;
    for (int i = 0; i < count; ++i) {
        const QString name = QStringLiteral("%1_%2.jpg").arg(prefix).arg(i, 5, 10, QLatin1Char('0'));
        paths << writeBytes(dir + QLatin1Char('/') + name, validJpeg(name.toUtf8(), padTo));
    }
    return paths;
}

// Staging operations get two minutes (the shared default is three, for big exports).
inline bool waitFinished(bd::Operation *op, int timeoutMs = 120000)
{
    return sandboxtest::waitFinished(op, timeoutMs);
}

struct Env : sandboxtest::SandboxEnv {
    // No demo data; uploads are indexed after indexDelayMs.
    bool start(int indexDelayMs = 200, QString *error = nullptr)
    {
        bd::sandbox::SandboxOptions options;
        options.indexDelayMs = indexDelayMs;
        options.timeScale = 100;
        return SandboxEnv::start(options, 100, error);
    }

    bd::staging::IngestOptions options(const QString &batchId, const QStringList &inputs) const
    {
        bd::staging::IngestOptions o;
        o.batchId = batchId;
        o.inputs = inputs;
        o.pollInitialMs = 100;
        o.pollMaxMs = 500;
        o.transferBackoffMs = 100;
        o.indexTimeoutMs = 60000;
        return o;
    }

    qint64 count(const QString &batchId)
    {
        std::unique_ptr<bd::api::BatchCountCall> call(api->batchCount(batchId));
        return call->exec() ? call->result() : -1;
    }

    // Every file name D5 lists (all pages), duplicates kept.
    QStringList names(const QString &batchId)
    {
        std::unique_ptr<bd::api::ListBatchFilesCall> call(api->listBatchFiles(batchId, QString(), 500));
        call->setMaxPages(0);
        QStringList out;
        if (call->exec()) {
            for (const bd::api::BatchFile &f : call->result())
                out << f.fileName;
        }
        return out;
    }

    QVector<bd::api::Shard> shards(const QString &batchId)
    {
        std::unique_ptr<bd::api::ListShardsCall> call(api->listShards(batchId, 100));
        call->setMaxPages(0);
        return call->exec() ? call->result() : QVector<bd::api::Shard>();
    }
};

inline bool allUnique(const QStringList &names)
{
    return QSet<QString>(names.begin(), names.end()).size() == names.size();
}

}  // namespace ingesttest
