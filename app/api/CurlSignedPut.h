#pragma once
// One S1 PUT (docs/protocol.md §5.1) through libcurl, blocking, on the calling thread: the
// transport under SignedTransfer (SignedTransfer.h) unless BATCHDECK_SIGNED_PUT=qt.
//
// Why not Qt: Qt 6.4's HTTP/1 path reads an upload device 16 KiB at a time and forwards every
// chunk between its HTTP thread and the device's thread by queued signals (about 30 000 round
// trips per 500 MB). Here the body is read on the thread that sends it, 64 KiB per read, and
// written to the socket directly.
//
// The request is the one signedPutRequest() describes: the URL as given (path as is), every
// extension header verbatim, an exact Content-Length, no Content-Type, no "Expect: 100-continue",
// no timeout. Proxy, easy handle per thread, errors: CurlEasy.h.
#include "api/ApiModels.h"
#include "api/CurlEasy.h"
#include "core/Error.h"

#include <QByteArray>
#include <QString>

#include <atomic>
#include <functional>

class QIODevice;

namespace bd::api::detail {

// The PUT's outcome (CurlEasy.h).
struct CurlPutOutcome : CurlOutcome {
};

// Sends the PUT and returns when it ended: answered, failed, or stopped because `abort` became
// true (checked before every read and by libcurl's progress callback, at least once a second).
// `body` is read here, in reads of at most 64 KiB, until `size` bytes; `progress(sent, total)`
// is called from here as bytes leave. Each thread keeps one easy handle, so a later PUT of the
// same thread reuses the connection.
CurlPutOutcome performSignedPut(const SignedUpload &upload, QIODevice *body, qint64 size,
                                const std::atomic<bool> &abort,
                                const std::function<void(qint64 sent, qint64 total)> &progress);

// The same Error errorFromSignedReply() gives a QNetworkReply (errorFromCurl, CurlEasy.h).
inline Error errorFromCurlPut(const CurlPutOutcome &outcome, const QString &operation)
{
    return errorFromCurl(outcome, operation);
}

}  // namespace bd::api::detail
