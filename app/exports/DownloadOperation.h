#pragma once
// DownloadOperation: one signed-URL GET (spec §5, S2) streamed to "<dest>.part" and renamed into
// place only when complete. Bytes progress; flat memory (the reply's read buffer is bounded and
// every chunk goes straight to disk).
//
//  - resume: an existing .part continues with "Range: bytes=N-" (206 expected; a 200 restarts
//    the file from 0, a 416 too);
//  - retries: 429, 5xx, connection cuts, timeouts and short bodies back off (RetryPolicy::
//    forTransfers; Retry-After honoured in both forms) and continue from the bytes already on
//    disk; a 429 also holds the connection's NetworkGate, so no other transfer starts meanwhile;
//  - expired / rejected URL (403): asks the UrlProvider for a fresh URL (a new D5 listing);
//  - local disk errors (ENOSPC / EFBIG -> DiskFull, others -> Io, naming the path) stop the file
//    and keep the .part bytes;
//  - suspend() aborts the GET and keeps the .part; resume() continues from it;
//  - only http/https URLs are followed (any other scheme fails the file as Unsafe);
//  - the .part and the final name are opened and renamed below the confined root (the export's
//    target; by default dest's folder) with links refused at every component (ConfinedDir), and a
//    .part that is not a plain file of ours (a hard link, a FIFO) is replaced, never written through;
//  - streamTo(): no .part at all — the body goes to a StreamExtractor as it arrives (reading the
//    reply only while the extractor has room), from a given byte of the file on (a Range request:
//    a resume after a kill); retries continue from the last byte handed over, a 200 answer to a
//    Range request is skipped up to it, a 416 fails the file (it changed on the server);
//  - a redirect is followed only to http(s), never from https to http (else Unsafe, not retried).
//
// Transport (DownloadTransfers.cpp): by default each GET is one blocking libcurl transfer on a
// thread of the client's CurlGetPool (ApiClient::signedGetPool()), which writes the body itself —
// to the .part, or into the StreamExtractor's pipe (StreamWriter, blocking while it is full) — so
// this thread sees only the head, progress (every 50 ms at most) and the outcome. A stall of the
// request timeout (ApiConfig::timeoutSeconds) without a byte fails the attempt as Timeout.
// BATCHDECK_SIGNED_GET=qt keeps Qt's path: ApiClient::getSigned(), the body read here. Both give
// the same errors (errorFromSignedReply / errorFromCurl) and go through the same decisions below.
#include "api/ApiClient.h"
#include "api/RetryPolicy.h"
#include "core/Operation.h"
#include "exports/ConfinedDir.h"
#include "exports/ExportFileInfo.h"

#include <QPointer>
#include <QTimer>

#include <functional>
#include <memory>

class QNetworkReply;

namespace bd {

class StreamExtractor;
class StreamWriter;

class DownloadOperation : public Operation
{
    Q_OBJECT
public:
    // Hands a fresh signed URL (or an error) to `done`; called when the current URL expired.
    using UrlCallback = std::function<void(const QString &url, const Error &error)>;
    using UrlProvider = std::function<void(const ExportFileInfo &file, QObject *context, UrlCallback done)>;

    DownloadOperation(api::ApiClient *api, ExportFileInfo file, QString destPath, QObject *parent = nullptr);
    ~DownloadOperation() override;

    const ExportFileInfo &file() const { return m_file; }
    QString destPath() const { return m_destPath; }
    QString partPath() const;

    // The folder every write of this download stays below (must hold destPath).
    void setConfinedRoot(const QString &root) { m_root = root; }
    // fsync the .part before its rename (default). Off for a file nobody relies on after a power
    // cut: an archive that is extracted and deleted in this run (its journal row only says
    // Extracted after the extraction, so a lost archive is fetched again).
    void setSyncBeforeRename(bool sync) { m_syncBeforeRename = sync; }
    // Hand the body to `sink` instead of a .part, starting at byte `startOffset` of the file.
    // Nothing is written or renamed here; the owner ends the sink's input when this finishes.
    void streamTo(StreamExtractor *sink, qint64 startOffset);

    void setUrlProvider(UrlProvider provider) { m_urlProvider = std::move(provider); }
    void setMaxAttempts(int attempts) { m_maxAttempts = qMax(1, attempts); }
    int maxAttempts() const { return m_maxAttempts; }
    // First retry waits about this long; each next one twice as long (jittered, capped at 30 s).
    void setBackoffBaseMs(int ms) { m_backoffBaseMs = qMax(0, ms); }
    // The waits between attempts (RetryPolicy::forTransfers of the two settings above).
    api::RetryPolicy retryPolicy() const { return api::RetryPolicy::forTransfers(m_maxAttempts, m_backoffBaseMs); }

    // Requests sent so far, failed attempts counted against maxAttempts, fresh URLs obtained,
    // and the number of GETs that asked for a Range (resumes).
    int requestsSent() const { return m_requests; }
    int failedAttempts() const { return m_failures; }
    int urlRefreshes() const { return m_urlRefreshes; }
    int rangeRequests() const { return m_rangeRequests; }
    // Size of the finished file (valid after a successful finish).
    qint64 fileSize() const { return processedAmount(Unit::Bytes); }

Q_SIGNALS:
    // The service said "slow down" (429 / Retry-After): the connection's NetworkGate already
    // holds new starts this long; the signal is for status lines.
    void rateLimited(int waitMs);

protected:
    void doStart() override;
    void doCancel() override;
    bool doSuspend() override;
    bool doResume() override;

private:
    // What a response's head means for its body (the same rules for both transports).
    struct HeadVerdict {
        bool accepted = false;     // the body is the file's bytes (from `offset`, or from 0)
        bool wrongRange = false;   // a 206 for another place in the file: start over
        bool truncate = false;     // a 200 to a Range request of a .part: the file again from 0
        qint64 skip = 0;           // streamed: a 200 to a Range request, bytes already handed over
        qint64 expectedTotal = -1; // the whole file's size, when known
    };
    static HeadVerdict judgeHead(int status, qint64 contentLength, const QByteArray &contentRange, qint64 offset,
                                 bool streamed);
    // How one GET ended, whichever transport ran it (after the body was written).
    struct Attempt {
        int status = 0;
        Error error;               // errorFromSignedReply / errorFromCurl
        QString retryAfter;
        bool refusedRedirect = false;
    };
    struct CurlDownload;   // one libcurl GET on a pool thread (DownloadTransfers.cpp)

    void sendRequest();
    void settle(const Attempt &attempt);
    void dropTransfer();
    // Qt's path (BATCHDECK_SIGNED_GET=qt)
    void sendWithQt(const QUrl &url);
    void onMetaData();
    void onReadyRead();
    void feedSink();
    void onFinished();
    bool checkStatus();
    bool writeChunk(const char *data, qint64 size);
    void dropReply();
    void abortReplyLater();
    // libcurl's path
    bool sendWithCurl(const QUrl &url);
    void onCurlHead(const std::shared_ptr<CurlDownload> &job);
    void onCurlProgress(const std::shared_ptr<CurlDownload> &job);
    void onCurlFinished(const std::shared_ptr<CurlDownload> &job);
    void dropCurl();

    void finishStreamed();
    bool openPart(bool truncate);
    void closePart();
    // Wait (RetryPolicy; a raw Retry-After value wins) and send again from the bytes on disk.
    void retryLater(const Error &error, const QString &retryAfter);
    void refreshUrl(const Error &why);
    void completeFile();
    void moveIntoPlace();
    void fail(const Error &error);
    Error diskError(int errnum, const QString &what) const;
    bool openRoot();
    QString relativeDest() const;

    QPointer<api::ApiClient> m_api;
    ExportFileInfo m_file;
    QString m_destPath;
    QString m_root;               // confined root (empty: dest's folder)
    ConfinedDir m_dir;
    QString m_url;
    UrlProvider m_urlProvider;
    int m_maxAttempts = 6;
    int m_backoffBaseMs = 500;

    QPointer<QNetworkReply> m_reply;   // the QNAM may delete it first (client torn down)
    std::shared_ptr<CurlDownload> m_curl;   // the running libcurl GET
    int m_fd = -1;
    qint64 m_offset = 0;          // bytes on disk when the current request was sent
    qint64 m_written = 0;         // bytes on disk now
    qint64 m_expectedTotal = -1;  // full file size from Content-Length / Content-Range
    bool m_statusChecked = false;
    bool m_bodyAccepted = false;  // the current reply's body is the file's bytes
    bool m_restartFromZero = false;
    Error m_localError;           // a disk error seen while writing (stops the file)
    QTimer m_retryTimer;
    int m_requests = 0;
    int m_failures = 0;
    int m_urlRefreshes = 0;
    int m_rangeRequests = 0;
    bool m_waitingForUrl = false;
    bool m_syncBeforeRename = true;
    bool m_syncing = false;       // the .part's fsync runs on the sync pool
    bool m_synced = false;        // ... and is done: only the rename is left
    QPointer<StreamExtractor> m_sink;   // streamed: the body goes there, not to a .part
    std::shared_ptr<StreamWriter> m_sinkWriter;   // ... its pipe (the libcurl GET writes there)
    qint64 m_streamStart = 0;     // streamed: the file's byte the sink's first byte is
    qint64 m_skip = 0;            // streamed: body bytes already handed over (a 200 to a Range GET)
    bool m_finishDeferred = false;   // streamed: the reply ended while the sink was full
};

}  // namespace bd
