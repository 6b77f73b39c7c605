#pragma once
// Helpers for the download-pipeline tests on top of the shared sandbox fixture: direct GETs of
// signed URLs for comparison, libarchive reads of archives, and seeding of big files through the
// real upload API (D8 + S1).
#include "common/SandboxFixture.h"
#include "exports/ExportOperation.h"

#include <QDir>
#include <QEventLoop>
#include <QHash>
#include <QNetworkReply>
#include <QTemporaryFile>

#include <archive.h>
#include <archive_entry.h>

#include <memory>

namespace exporttest {

using sandboxtest::fileSha256;
using sandboxtest::sha256;
using sandboxtest::waitFinished;

// Deterministic pseudo-random bytes (incompressible enough to defeat any transparent gzip).
inline QByteArray patternBytes(qint64 size, quint32 seed)
{
    QByteArray out(size, Qt::Uninitialized);
    quint32 x = seed | 1;
    for (qint64 i = 0; i < size; ++i) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        out[i] = char(x & 0xFF);
    }
    return out;
}

// Regular-file members of an archive held in memory: path -> bytes.
inline QHash<QString, QByteArray> archiveMembers(const QByteArray &archiveBytes)
{
    QHash<QString, QByteArray> members;
    archive *a = archive_read_new();
    archive_read_support_filter_all(a);
    archive_read_support_format_all(a);
    if (archive_read_open_memory(a, archiveBytes.constData(), size_t(archiveBytes.size())) != ARCHIVE_OK) {
        archive_read_free(a);
        return members;
    }
    archive_entry *entry = nullptr;
    while (archive_read_next_header(a, &entry) == ARCHIVE_OK) {
        if (archive_entry_filetype(entry) != AE_IFREG)
            continue;
        QByteArray data;
        char buf[65536];
        la_ssize_t n;
        while ((n = archive_read_data(a, buf, sizeof buf)) > 0)
            data.append(buf, n);
        members.insert(QString::fromUtf8(archive_entry_pathname(entry)), data);
    }
    archive_read_free(a);
    return members;
}

// Options for exporting one batch quickly: 3 at once, short backoff, room for injected faults.
inline bd::ExportOptions batchOptions(const QString &batchId, const QString &target)
{
    bd::ExportOptions o;
    o.batchIds = { batchId };
    o.targetDir = target;
    o.concurrency = 3;
    o.backoffBaseMs = 50;
    o.maxAttempts = 8;
    return o;
}

struct Env : sandboxtest::SandboxEnv {
    // The demo data (finished jobs with output batches), fast indexing and job time; the
    // process's SQLite (export journal) goes to dataDir.
    bool start(const QString &dataDir, QString *error)
    {
        qputenv("BATCHDECK_DATA_DIR", dataDir.toUtf8());
        bd::sandbox::SandboxOptions options;
        options.demo = true;
        options.indexDelayMs = 50;
        options.timeScale = 100;
        return SandboxEnv::start(options, 50, error);
    }

    // GET a signed URL directly (the reference bytes).
    QByteArray directGet(const QString &url)
    {
        QNetworkReply *reply = api->getSigned(QUrl::fromEncoded(url.toUtf8()));
        QEventLoop loop;
        QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        if (!reply->isFinished())
            loop.exec();
        const QByteArray body = reply->error() == QNetworkReply::NoError ? reply->readAll() : QByteArray();
        reply->deleteLater();
        return body;
    }

    // A video-kind file of `bytes` uploaded through D8 + S1 into a simple batch.
    bool seedFile(const QString &batchId, const QString &fileName, const QByteArray &bytes)
    {
        auto *call = api->requestVideoUpload(batchId, fileName);
        if (!call->exec())
            return false;
        QTemporaryFile body;
        if (!body.open() || body.write(bytes) != bytes.size() || !body.seek(0))
            return false;
        QNetworkReply *put = api->putSigned(call->result(), &body, bytes.size());
        QEventLoop loop;
        QObject::connect(put, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        if (!put->isFinished())
            loop.exec();
        const int status = put->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        put->deleteLater();
        delete call;
        return put->error() == QNetworkReply::NoError && status < 400;
    }
};

}  // namespace exporttest
