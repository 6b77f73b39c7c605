#pragma once
// AWS credentials and region, found in the order of the AWS SDKs' default chain
// (AwsCredentialChain.cpp): environment (AWS_ACCESS_KEY_ID...; also how Lambda provides them),
// web identity (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN -> STS AssumeRoleWithWebIdentity),
// the profile (AWS_PROFILE, default "default") in ~/.aws/credentials and ~/.aws/config with
// role_arn chains, credential_process and static keys, the ECS/EKS container endpoint, then EC2
// instance metadata (IMDSv2). Region: AWS_REGION, AWS_DEFAULT_REGION, the profile's region, else
// us-east-1. AWS_ENDPOINT_URL selects an S3-compatible endpoint (R2, MinIO...), path-style.
#include "core/Error.h"

#include <QDateTime>
#include <QMap>
#include <QProcessEnvironment>
#include <QString>

namespace bd::cloud {

struct AwsCredentials {
    QString accessKeyId;
    QString secretAccessKey;
    QString sessionToken;   // optional (temporary credentials)
    QString region;
    QString endpointUrl;    // empty: AWS itself
    QString source;         // human description ("EC2 instance role `x`"); never secret
    QString sourceKind;     // environment, web-identity, profile, assume-role, process, container, imds
    QDateTime expiration;   // temporary credentials: when they stop working (else invalid)
    QDateTime obtained;     // when we received them (for the refresh window)

    bool isValid() const { return !accessKeyId.isEmpty() && !secretAccessKey.isEmpty(); }
    // Temporary credentials within their refresh window: the last half of their life, at most
    // 15 minutes before expiry (boto3's advisory window), so a long listing never signs with
    // credentials that are about to stop working.
    bool needsRefresh(const QDateTime &now) const;

    // The whole chain, blocking (network calls with short timeouts): call it on the thread pool,
    // never on the GUI thread. Registers every secret and token with bd::registerSecret. Error
    // (InvalidInput, or the provider's failure) naming everything tried when nothing was found.
    static AwsCredentials resolve(const QProcessEnvironment &env, const QString &homeDir, Error *error = nullptr);
    static AwsCredentials resolve(Error *error = nullptr);
};

// INI parsing shared by the credentials and config files: section -> key -> value. Keys are
// lower-cased; "#"/";" comments and blank lines are skipped.
QMap<QString, QMap<QString, QString>> parseAwsIni(const QByteArray &text);

}  // namespace bd::cloud
