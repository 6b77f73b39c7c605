#pragma once
// Google Cloud Storage V4 signed URLs (GOOG4-RSA-SHA256) with a service-account key
// (GOOGLE_APPLICATION_CREDENTIALS), and the OAuth2 JWT assertion used to get a listing token
// (the exchange itself is a POST of the assertion to the key's token_uri).
#include "core/Error.h"

#include <QDateTime>
#include <functional>
#include <QList>
#include <QPair>
#include <QString>

namespace bd::cloud {

struct GcsServiceAccount {
    QString clientEmail;
    QByteArray privateKeyPem;
    QString tokenUri = QStringLiteral("https://oauth2.googleapis.com/token");

    bool isValid() const { return !clientEmail.isEmpty() && !privateKeyPem.isEmpty(); }
    static GcsServiceAccount fromJson(const QByteArray &json, Error *error = nullptr);
    static GcsServiceAccount fromFile(const QString &path, Error *error = nullptr);
    // From $GOOGLE_APPLICATION_CREDENTIALS.
    static GcsServiceAccount fromEnvironment(Error *error = nullptr);
};

class GcsV4Signer
{
public:
    explicit GcsV4Signer(GcsServiceAccount account, QString host = QStringLiteral("storage.googleapis.com"));

    QByteArray canonicalRequest(const QString &bucket, const QString &object,
                                const QList<QPair<QString, QString>> &query) const;
    QByteArray stringToSign(const QDateTime &when, const QByteArray &canonicalRequest) const;
    QList<QPair<QString, QString>> signingQuery(const QDateTime &when, qint64 expiresSeconds) const;
    // https://storage.googleapis.com/<bucket>/<object>?X-Goog-...&X-Goog-Signature=<hex>.
    // Empty with an error when the private key cannot sign.
    QString signedUrl(const QString &bucket, const QString &object, const QDateTime &when, qint64 expiresSeconds,
                      Error *error = nullptr) const;
    // The same URL with the RSA signature made elsewhere (IAM Credentials signBlob, when there is
    // no private key): `sign` gets the string to sign and returns the raw signature bytes.
    using BlobSigner = std::function<QByteArray(const QByteArray &stringToSign, QString *why)>;
    QString signedUrl(const QString &bucket, const QString &object, const QDateTime &when, qint64 expiresSeconds,
                      const BlobSigner &sign, Error *error = nullptr) const;

    // header.claims.signature (RS256) for the devstorage.read_only scope, valid one hour.
    QByteArray jwtAssertion(const QDateTime &now, Error *error = nullptr,
                            const QString &scope = QStringLiteral("https://www.googleapis.com/auth/devstorage.read_only")) const;

    static QString credentialScope(const QDateTime &when);   // 20190201/auto/storage/goog4_request

private:
    GcsServiceAccount m_account;
    QString m_host;
};

}  // namespace bd::cloud
