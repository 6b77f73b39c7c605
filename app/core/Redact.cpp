#include "core/Redact.h"

#include <QMutex>
#include <QRegularExpression>
#include <QStringList>

namespace bd {
namespace {

QMutex &secretsMutex()
{
    static QMutex m;
    return m;
}

QStringList &secrets()
{
    static QStringList s;
    return s;
}

QtMessageHandler &previousHandler()
{
    static QtMessageHandler h = nullptr;
    return h;
}

void redactingHandler(QtMsgType type, const QMessageLogContext &ctx, const QString &msg)
{
    if (QtMessageHandler prev = previousHandler())
        prev(type, ctx, redact(msg));
}

}  // namespace

QString redact(const QString &text)
{
    // Query-string credentials: Roboflow's api_key, and the signing parameters of S3 / GCS /
    // Azure presigned URLs (a leaked signature is a leaked, if temporary, credential).
    static const QRegularExpression queryParam(
        QStringLiteral("((?:api_key|apiKey|X-Amz-Signature|X-Amz-Security-Token|X-Goog-Signature|sig|"
                       "AWSAccessKeyId|Signature)=)[^&\\s\"'<>]*"),
        QRegularExpression::CaseInsensitiveOption);
    static const QRegularExpression bearer(QStringLiteral("(Bearer\\s+)[^\\s\"',]+"));
    QString out = text;
    out.replace(queryParam, QStringLiteral("\\1***"));
    out.replace(bearer, QStringLiteral("\\1***"));
    QMutexLocker lock(&secretsMutex());
    for (const QString &s : secrets())
        out.replace(s, QStringLiteral("***"));
    return out;
}

QString redactUrl(const QUrl &url)
{
    return redact(url.toString(QUrl::FullyEncoded));
}

void registerSecret(const QString &secret)
{
    if (secret.size() < 6)
        return;
    QMutexLocker lock(&secretsMutex());
    if (!secrets().contains(secret))
        secrets().append(secret);
}

void installRedactingMessageHandler()
{
    QtMessageHandler prev = qInstallMessageHandler(redactingHandler);
    if (prev != redactingHandler)
        previousHandler() = prev;
}

}  // namespace bd
