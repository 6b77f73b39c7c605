#pragma once
// AWS Signature Version 4 for S3: presigned GET URLs (query authentication) and Authorization
// headers (for ListObjectsV2). Proven against the published examples in tests/cloud/tst_sigv4.
#include "cloud/AwsCredentials.h"

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QPair>
#include <QUrl>

namespace bd::cloud {

inline constexpr char kUnsignedPayload[] = "UNSIGNED-PAYLOAD";
inline constexpr char kEmptySha256[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct SigV4Request {
    QByteArray method = "GET";
    QString host;                             // the Host header value (with :port if not default)
    QString path = QStringLiteral("/");      // decoded path, e.g. "/folder/my photo.jpg"
    QList<QPair<QString, QString>> query;     // decoded names and values
    QMap<QString, QString> headers;           // lower-case names (host is added automatically)
    QByteArray payloadHash = kEmptySha256;    // hex SHA-256 of the body, or UNSIGNED-PAYLOAD
};

class SigV4Signer
{
public:
    SigV4Signer(AwsCredentials credentials, QString region, QString service = QStringLiteral("s3"));

    QByteArray canonicalRequest(const SigV4Request &request) const;
    QByteArray stringToSign(const QDateTime &when, const QByteArray &canonicalRequest) const;
    QByteArray signingKey(const QDateTime &when) const;
    QByteArray signature(const QDateTime &when, const SigV4Request &request) const;   // hex
    QString scope(const QDateTime &when) const;   // 20130524/us-east-1/s3/aws4_request

    // Query-string authentication: the full URL (scheme + host + encoded path + X-Amz-* query).
    QString presign(SigV4Request request, const QDateTime &when, qint64 expiresSeconds,
                    const QString &scheme = QStringLiteral("https")) const;
    // Header authentication: adds x-amz-date, x-amz-content-sha256 (and x-amz-security-token)
    // to request.headers and returns the Authorization header value.
    QByteArray authorize(SigV4Request &request, const QDateTime &when) const;

    static QString amzDate(const QDateTime &when);   // 20130524T000000Z

private:
    AwsCredentials m_credentials;
    QString m_region;
    QString m_service;
};

// Where an S3 object lives: virtual-host style on AWS ("<bucket>.s3.<region>.amazonaws.com"),
// path style ("<endpoint>/<bucket>/<key>") for custom endpoints and dotted bucket names.
struct S3Location {
    QString scheme;   // https, or the endpoint's scheme
    QString host;     // Host header, with a port when non-default
    QString path;     // decoded, begins with '/'
};
S3Location s3Location(const AwsCredentials &credentials, const QString &bucket, const QString &key);

}  // namespace bd::cloud
