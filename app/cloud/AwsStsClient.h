#pragma once
// AWS STS for the credential chain: AssumeRoleWithWebIdentity (unsigned, the web identity token
// is the proof) and AssumeRole (SigV4-signed with the source credentials), Query API version
// 2011-06-15 as form POSTs, answers parsed from STS's XML with QXmlStreamReader. Blocking (thread
// pool only). Endpoint: AWS_ENDPOINT_URL_STS, else AWS_ENDPOINT_URL (the SDKs' service-specific
// then global override), else the regional https://sts.<region>.amazonaws.com.
#include "cloud/AwsCredentials.h"

namespace bd::cloud {

class AwsStsClient
{
public:
    AwsStsClient(const QProcessEnvironment &env, QString region);

    bool assumeRoleWithWebIdentity(const QString &roleArn, const QString &sessionName, const QString &webIdentityToken,
                                   AwsCredentials *out, Error *error) const;
    bool assumeRole(const AwsCredentials &source, const QString &roleArn, const QString &sessionName,
                    const QString &externalId, int durationSeconds, AwsCredentials *out, Error *error) const;

    QString endpoint() const { return m_endpoint; }
    // The <Credentials> of an AssumeRole* answer; false with `error` set from <Error><Code>/<Message>.
    static bool parseCredentials(const QByteArray &xml, AwsCredentials *out, QString *error);

private:
    bool call(const QList<QPair<QString, QString>> &params, const AwsCredentials *signer, AwsCredentials *out,
              Error *error) const;

    QString m_endpoint;
    QString m_region;
};

}  // namespace bd::cloud
