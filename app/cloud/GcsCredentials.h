#pragma once
// Google Cloud Storage credentials in the order of Google's Application Default Credentials:
//  1. GOOGLE_APPLICATION_CREDENTIALS (a JSON file),
//  2. gcloud's application-default file ($CLOUDSDK_CONFIG or ~/.config/gcloud/
//     application_default_credentials.json, written by `gcloud auth application-default login`),
//  3. the GCE metadata server (GCE_METADATA_HOST; skipped with NO_GCE_CHECK=true).
// File types: service_account (private key: signs locally, JWT for the listing token),
// authorized_user (refresh token -> access token; cannot sign: says so and how to fix it) and
// impersonated_service_account (source credentials -> IAM Credentials generateAccessToken; signs
// through signBlob as the target). Without a key, URLs are signed through the IAM Credentials
// signBlob call with an access token, as Google's libraries do.
// Blocking network calls: call on the thread pool only.
//
// Test-only: BATCHDECK_TEST_GOOGLE_API_ROOT (a loopback URL; anything else is refused) replaces
// https://oauth2.googleapis.com (token endpoint at <root>/token) and
// https://iamcredentials.googleapis.com (<root>/v1/...). Documented as test-only in the README.
#include "cloud/GcsV4Signer.h"

#include <QHash>
#include <QProcessEnvironment>

namespace bd::cloud {

struct GcsCredentials {
    QString kind;          // service-account, authorized-user, impersonated, metadata, access-token
    QString description;   // "metadata server service account `x@y`"; never secret
    GcsServiceAccount serviceAccount;   // with a private key: local signing
    QString accessToken;   // listing token for the other kinds
    QString signerEmail;   // the service account signBlob signs as
    QString signBlobToken; // token authorizing signBlob (the source's, for impersonation)
    QStringList delegates; // impersonation delegates, passed to signBlob
    QString iamRoot = QStringLiteral("https://iamcredentials.googleapis.com");

    bool hasKey() const { return serviceAccount.isValid(); }

    static GcsCredentials resolve(const QProcessEnvironment &env, const QString &homeDir, Error *error = nullptr);
    // RSA-SHA256 signature bytes of `data` by signerEmail, through IAM Credentials signBlob.
    QByteArray signBlob(const QByteArray &data, QString *why) const;
    // A V4 signed GET URL: local RSA with a key, else signBlob.
    QString signedUrl(const QString &bucket, const QString &object, const QDateTime &when, qint64 expiresSeconds,
                      Error *error = nullptr) const;
    // Many URLs at once: without a key, up to `concurrency` signBlob calls in flight (one call per
    // URL, as Google's libraries make, but not one after the other). Empty on the first failure.
    QHash<QString, QString> signedUrls(const QString &bucket, const QStringList &objects, const QDateTime &when,
                                       qint64 expiresSeconds, Error *error = nullptr, int concurrency = 8) const;
};

}  // namespace bd::cloud
