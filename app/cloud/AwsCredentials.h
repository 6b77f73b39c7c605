#pragma once
// AWS credentials and region as the AWS CLI/boto3 resolve them, minus instance roles:
// environment (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN), then the profile
// (AWS_PROFILE, default "default") in ~/.aws/credentials and ~/.aws/config ("[profile x]").
// Region: AWS_REGION, AWS_DEFAULT_REGION, the profile's region, else us-east-1.
// AWS_ENDPOINT_URL selects an S3-compatible endpoint (R2, MinIO...), addressed path-style.
#include "core/Error.h"

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
    QString source;         // "environment" or "profile <name>"; for messages, never secret

    bool isValid() const { return !accessKeyId.isEmpty() && !secretAccessKey.isEmpty(); }

    // Resolve from an environment and a home directory (tests pass their own). Registers the
    // secret and token with bd::registerSecret. Error (InvalidInput) when nothing was found.
    static AwsCredentials resolve(const QProcessEnvironment &env, const QString &homeDir, Error *error = nullptr);
    static AwsCredentials resolve(Error *error = nullptr);
};

// INI parsing shared by the credentials and config files: section -> key -> value. Keys are
// lower-cased; "#"/";" comments and blank lines are skipped.
QMap<QString, QMap<QString, QString>> parseAwsIni(const QByteArray &text);

}  // namespace bd::cloud
