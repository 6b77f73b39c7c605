#pragma once
// CloudIngestPlanner: `--bucket-path` (s3:// gs:// az://, with the §7.3 glob) to references that
// ReferencesIngestOperation sends. Steps: parse the path (cloud::BucketPath), resolve credentials
// the way Roboflow's CLI finds them (resolveCredentials()), list the matching objects
// (cloud::CloudListing, live count), give every object a unique name (duplicate base names in
// different folders become "a__b__img.jpg") and sign a GET URL for each (SigV4 / GCS V4 / Azure
// SAS, 24 h) on the thread pool. Credentials are found on the thread pool too (instance metadata,
// STS, token endpoints are network calls) and never leave the machine, except to their own
// provider (STS, IAM Credentials signBlob); only signed URLs go to the service. Temporary AWS
// credentials are refreshed before they expire, during the listing and before signing.
//
// Usage (CLI and GUI alike):
//   CloudIngestPlanner::Request request;
//   request.bucketPath = "s3://bucket/photos/**/*.jpg";
//   auto *planner = new CloudIngestPlanner(request, parent);
//   connect(planner, &Operation::progressChanged, ...);   // processedAmount(Files) = matches so far
//   connect(planner, &Operation::finished, ... {
//       if (!planner->error()) { options.references = planner->references(); ... start a
//       ReferencesIngestOperation, or saveReferences(path) for "Save references file" } });
//   planner->start();
//
// Errors (InvalidInput unless noted): malformed bucket path, no credentials found (the message
// lists where we looked), listing refused or bucket missing (from CloudListing), zero matches.
#include "cloud/AwsCredentials.h"
#include "cloud/AzureSas.h"
#include "cloud/BucketPath.h"
#include "cloud/GcsCredentials.h"
#include "cloud/ReferencesBuilder.h"
#include "core/Operation.h"
#include "staging/ReferencesIngestOperation.h"

#include <QDir>
#include <QPointer>
#include <QProcessEnvironment>

namespace bd::cloud {
class CloudListing;
}

namespace bd::staging {

struct CloudCredentials {
    cloud::AwsCredentials aws;
    cloud::AzureCredentials azure;
    cloud::GcsCredentials gcs;
    QString gcsAccessToken;   // ready token for listing (GCS_ACCESS_TOKEN for emulators, or from gcs)
    QString source;           // human description: "EC2 instance role `x`" (shown; never secret)
    QString sourceKind;       // environment, profile, process, assume-role, web-identity, container,
                              // imds, service-account, impersonated, metadata, sas, account-key
    QDateTime expiration;     // temporary credentials: when the signed URLs stop working
};

class CloudIngestPlanner : public Operation
{
    Q_OBJECT
public:
    struct Request {
        QString bucketPath;
        bool videos = false;
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        QString homeDir = QDir::homePath();
        qint64 expirySeconds = cloud::kPresignExpirySeconds;
        int pageSize = 1000;
        QString gcsApiRoot;   // empty: https://storage.googleapis.com (STORAGE_EMULATOR_HOST overrides)
    };

    explicit CloudIngestPlanner(Request request, QObject *parent = nullptr);
    ~CloudIngestPlanner() override;

    // Credentials for the path's provider, the way the providers' own tools find them:
    //  S3:    the AWS SDKs' chain (cloud::AwsCredentials::resolve): environment, web identity,
    //         profile (role_arn chains, credential_process, keys), container endpoint, EC2 IMDSv2.
    //  GCS:   Application Default Credentials (cloud::GcsCredentials::resolve).
    //  Azure: AZURE_STORAGE_ACCOUNT_NAME or AZURE_STORAGE_ACCOUNT, with AZURE_STORAGE_SAS_TOKEN,
    //         else AZURE_STORAGE_ACCOUNT_KEY / AZURE_STORAGE_KEY (AZURE_STORAGE_BLOB_ENDPOINT: Azurite);
    //         neither: the message gives the filled-in `az storage container generate-sas` line.
    // Blocking (network): the planner calls it on the thread pool. Every secret found is
    // registered with bd::registerSecret so logs mask it.
    static CloudCredentials resolveCredentials(const cloud::BucketPath &path, const QProcessEnvironment &env,
                                               const QString &homeDir, Error *error = nullptr);
    // A GET URL for one object, valid expirySeconds.
    static QString signObject(const cloud::BucketPath &path, const CloudCredentials &credentials, const QString &key,
                              qint64 expirySeconds, Error *error = nullptr);

    const cloud::BucketPath &bucketPath() const { return m_path; }
    const CloudCredentials &credentials() const { return m_credentials; }
    // How often temporary credentials were replaced before expiring (listing and signing).
    int credentialRefreshes() const { return m_refreshes; }
    // After success: the listed objects and one reference per object, in listing order.
    const QVector<cloud::CloudObject> &objects() const { return m_objects; }
    const QVector<ReferenceEntry> &references() const { return m_references; }
    // "Save references file": the signed list as §7.1 JSONL (it contains signed URLs by design).
    bool saveReferences(const QString &path, Error *error = nullptr) const;

protected:
    void doStart() override;
    void doCancel() override;

private:
    struct SignResult {
        QVector<cloud::Reference> references;
        Error error;
        cloud::AwsCredentials refreshedAws;   // set when signing had to refresh them first
    };
    void onCredentials(const CloudCredentials &credentials, const Error &error);
    void onListingFinished();
    void onSigned(const SignResult &result);

    Request m_request;
    cloud::BucketPath m_path;
    CloudCredentials m_credentials;
    QPointer<cloud::CloudListing> m_listing;
    int m_refreshes = 0;
    QVector<cloud::CloudObject> m_objects;
    QVector<ReferenceEntry> m_references;
};

}  // namespace bd::staging
