#pragma once
// Real local cloud-storage emulators from npm for the end-to-end tests: s3rver (S3, path style)
// and azurite (Azure Blob), installed by installer/npm-emulators.sh into BATCHDECK_NPM_DIR
// (default ~/.cache/batchdeck-npm). Each is started on a free loopback port with a temporary data
// dir (QProcess) and filled with our own signed PUTs (SigV4 header auth / Azure SharedKey), so the
// upload path of the signing code is exercised too. Plus an in-process sandbox and a JPEG maker.
#include "api/ApiClient.h"
#include "api/StagingRequests.h"
#include "cloud/AzureSas.h"
#include "cloud/CloudCrypto.h"
#include "cloud/SigV4.h"
#include "core/Operation.h"
#include "common/SandboxFixture.h"
#include "sandbox/DemoMedia.h"
#include "sandbox/Sandbox.h"

#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QLocale>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>

#include <memory>

namespace cloudtest {

// Azurite's documented development account (public, not a secret).
inline const QString kAzuriteAccount = QStringLiteral("devstoreaccount1");
inline const QString kAzuriteKey =
    QStringLiteral("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==");
inline const QString kS3rverAccessKey = QStringLiteral("S3RVER");   // the only access key id s3rver knows

inline QString npmDir()
{
    const QString dir = qEnvironmentVariable("BATCHDECK_NPM_DIR");
    return dir.isEmpty() ? QDir::homePath() + QStringLiteral("/.cache/batchdeck-npm") : dir;
}

// Empty when the emulator is installed, else the message telling how to install it.
inline QString missingEmulator(const QString &bin)
{
    const QString path = npmDir() + QStringLiteral("/node_modules/.bin/") + bin;
    if (QFile::exists(path))
        return {};
    return QStringLiteral("%1 is missing: run installer/npm-emulators.sh (BATCHDECK_NPM_DIR=%2) before the tests")
        .arg(path, npmDir());
}

inline quint16 freePort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}

// A small valid JPEG; `tag` goes into its comment segment, so every file is unique.
inline QByteArray validJpeg(const QByteArray &tag) { return bd::sandbox::tinyJpeg(QString::fromUtf8(tag)); }

// ~12 keys, two sharing the base name "same.jpg" in different folders, plus a non-image that the
// listing must skip.
inline QStringList bucketKeys()
{
    QStringList keys;
    for (int i = 0; i < 10; ++i)
        keys << QStringLiteral("photos/%1/img_%2.jpg").arg(i % 2 ? QStringLiteral("odd") : QStringLiteral("even")).arg(i);
    keys << QStringLiteral("photos/a/same.jpg") << QStringLiteral("photos/b/same.jpg");
    return keys;
}

struct Emulator {
    std::unique_ptr<QProcess> process;
    QTemporaryDir dataDir;
    quint16 port = 0;

    // Starts node_modules/.bin/<bin> with args (%PORT% and %DIR% replaced); waits for the port.
    bool start(const QString &bin, QStringList args, QString *error)
    {
        port = freePort();
        for (QString &a : args)
            a.replace(QStringLiteral("%PORT%"), QString::number(port)).replace(QStringLiteral("%DIR%"), dataDir.path());
        process = std::make_unique<QProcess>();
        process->setProcessChannelMode(QProcess::MergedChannels);
        // s3rver 3.7.1 makes its ListObjectsV2 continuation tokens with a DES cipher that
        // OpenSSL 3 (Node >= 17) only offers from the legacy provider.
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("NODE_OPTIONS"), QStringLiteral("--openssl-legacy-provider"));
        process->setProcessEnvironment(env);
        process->start(npmDir() + QStringLiteral("/node_modules/.bin/") + bin, args);
        if (!process->waitForStarted(10000)) {
            *error = QStringLiteral("%1 did not start: %2").arg(bin, process->errorString());
            return false;
        }
        QElapsedTimer clock;
        clock.start();
        while (clock.elapsed() < 30000) {
            QTcpSocket probe;
            probe.connectToHost(QHostAddress::LocalHost, port);
            if (probe.waitForConnected(200))
                return true;
            if (process->state() == QProcess::NotRunning)
                break;
            QThread::msleep(100);
        }
        *error = QStringLiteral("%1 is not listening on port %2: %3").arg(bin).arg(port)
                     .arg(QString::fromUtf8(process->readAll().right(2000)));
        return false;
    }
    ~Emulator()
    {
        if (process && process->state() != QProcess::NotRunning) {
            process->terminate();
            if (!process->waitForFinished(5000)) {
                process->kill();
                process->waitForFinished(2000);
            }
        }
    }
};

// Blocking request on an own QNAM; returns the HTTP status (0: no answer) and the body.
inline int send(const QByteArray &verb, const QNetworkRequest &request, const QByteArray &body, QByteArray *answer = nullptr)
{
    QNetworkAccessManager nam;
    QNetworkReply *reply = nam.sendCustomRequest(request, verb, body);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(20000, &loop, &QEventLoop::quit);
    loop.exec();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (answer)
        *answer = reply->readAll();
    reply->deleteLater();
    return status;
}

// PUT with SigV4 header authentication (path style on the custom endpoint).
inline int s3Put(const bd::cloud::AwsCredentials &creds, const QString &bucket, const QString &key,
                 const QByteArray &body, QByteArray *answer = nullptr)
{
    const bd::cloud::S3Location where = bd::cloud::s3Location(creds, bucket, key);
    bd::cloud::SigV4Request r;
    r.method = "PUT";
    r.host = where.host;
    r.path = where.path;
    r.payloadHash = bd::cloud::sha256Hex(body);
    const QByteArray auth = bd::cloud::SigV4Signer(creds, creds.region).authorize(r, QDateTime::currentDateTimeUtc());
    QNetworkRequest request(QUrl::fromEncoded(
        (where.scheme + QStringLiteral("://") + where.host + QString::fromLatin1(bd::cloud::uriEncode(where.path, true))).toLatin1()));
    for (auto it = r.headers.cbegin(); it != r.headers.cend(); ++it)
        request.setRawHeader(it.key().toLatin1(), it.value().toLatin1());
    request.setRawHeader("Authorization", auth);
    return send("PUT", request, body, answer);
}

inline QString httpDate(const QDateTime &t)
{
    return QLocale::c().toString(t.toUTC(), QStringLiteral("ddd, dd MMM yyyy hh:mm:ss 'GMT'"));
}

// PUT with Azure SharedKey (path style: <endpoint>/<container>[/<blob>]).
inline int azurePut(const bd::cloud::AzureCredentials &creds, const QString &container, const QString &blob,
                    const QByteArray &body, QByteArray *answer = nullptr)
{
    const QUrl account(creds.accountUrl());
    QString path = account.path() + QLatin1Char('/') + container;
    QList<QPair<QString, QString>> query;
    QMap<QString, QString> headers{ { QStringLiteral("x-ms-date"), httpDate(QDateTime::currentDateTimeUtc()) },
                                    { QStringLiteral("x-ms-version"), QLatin1String(bd::cloud::kAzureApiVersion) } };
    if (blob.isEmpty()) {
        query.append({ QStringLiteral("restype"), QStringLiteral("container") });
    } else {
        path += QLatin1Char('/') + blob;
        headers.insert(QStringLiteral("x-ms-blob-type"), QStringLiteral("BlockBlob"));
        headers.insert(QStringLiteral("content-type"), QStringLiteral("image/jpeg"));
    }
    headers.insert(QStringLiteral("content-length"), QString::number(body.size()));
    const QByteArray auth = bd::cloud::AzureSas::sharedKeyAuthorization(creds, "PUT", path, query, headers);
    QString url = account.scheme() + QStringLiteral("://") + account.authority()
                  + QString::fromLatin1(bd::cloud::uriEncode(path, true));
    if (!query.isEmpty())
        url += QStringLiteral("?restype=container");
    QNetworkRequest request(QUrl::fromEncoded(url.toLatin1()));
    for (auto it = headers.cbegin(); it != headers.cend(); ++it)
        if (it.key() != QLatin1String("content-length"))
            request.setRawHeader(it.key().toLatin1(), it.value().toLatin1());
    request.setRawHeader("Authorization", auth);
    return send("PUT", request, body, answer);
}

using sandboxtest::waitFinished;

// An in-process sandbox (fast indexing, jobs at 100×) and an ApiClient on it.
struct SandboxApi : sandboxtest::SandboxEnv {
    bool start(QString *error, const QString &key = QStringLiteral("sandbox-key"))
    {
        bd::sandbox::SandboxOptions options;
        options.indexDelayMs = 200;
        options.timeScale = 100;
        options.apiKeys = { key };
        return SandboxEnv::start(options, 100, error, key);
    }
    qint64 count(const QString &batchId)
    {
        auto *call = api->batchCount(batchId);
        return call->exec() ? call->result() : -1;
    }
    QStringList names(const QString &batchId)
    {
        auto *call = api->listBatchFiles(batchId, QString(), 500);
        call->setMaxPages(0);
        QStringList out;
        if (call->exec())
            for (const bd::api::BatchFile &f : call->result())
                out << f.fileName;
        out.sort();
        return out;
    }
};

}  // namespace cloudtest
