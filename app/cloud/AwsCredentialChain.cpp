// AwsCredentials::resolve: the AWS SDKs' default credential chain, in their order. Each provider
// answers NotHere (not configured: try the next, and say why in the final message), Found, or
// Failed (configured but broken: stop, as the SDKs do, with a message that says how to fix it).
// Network providers (STS, container endpoint, IMDS) go through httpFetch on the calling thread,
// which is a thread-pool thread (CloudIngestPlanner).
#include "cloud/AwsCredentials.h"

#include "cloud/AwsStsClient.h"
#include "cloud/CredentialHttp.h"
#include "core/Redact.h"

#include <QDir>
#include <QFile>
#include <QHostAddress>
#include <QHostInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>

namespace bd::cloud {

namespace {

enum class Outcome { NotHere, Found, Failed };

using Ini = QMap<QString, QMap<QString, QString>>;

Ini readIni(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? parseAwsIni(f.readAll()) : Ini{};
}

QString quoted(const QString &s) { return QLatin1Char('`') + s + QLatin1Char('`'); }

// The last segment of an ARN ("arn:aws:iam::1:role/path/ingest-role" -> "ingest-role").
QString roleName(const QString &arn) { return arn.section(QLatin1Char('/'), -1); }

QDateTime parseTime(const QString &iso)
{
    QDateTime t = QDateTime::fromString(iso, Qt::ISODateWithMs);
    if (!t.isValid())
        t = QDateTime::fromString(iso, Qt::ISODate);
    return t.toUTC();
}

struct Chain {
    const QProcessEnvironment &env;
    QString credPath;
    QString configPath;
    Ini creds;
    Ini config;
    QString region;        // for STS
    QStringList tried;     // "what was tried and why it did not apply", in order

    QString var(const char *name) const { return env.value(QLatin1String(name)); }

    QMap<QString, QString> configSection(const QString &profile) const
    {
        return config.value(profile == QLatin1String("default") ? profile : QStringLiteral("profile ") + profile,
                            config.value(profile));
    }
    bool hasProfile(const QString &profile) const
    {
        return creds.contains(profile) || config.contains(profile) || config.contains(QStringLiteral("profile ") + profile);
    }
    // A profile's keys from both files; the credentials file wins.
    QMap<QString, QString> profile(const QString &name) const
    {
        QMap<QString, QString> p = configSection(name);
        const auto fromCreds = creds.value(name);
        for (auto it = fromCreds.begin(); it != fromCreds.end(); ++it)
            p[it.key()] = it.value();
        return p;
    }

    Outcome fromEnvironment(AwsCredentials *out);
    Outcome fromWebIdentity(const QString &tokenFile, const QString &roleArn, const QString &sessionName,
                            AwsCredentials *out, Error *error);
    Outcome fromProfile(const QString &name, AwsCredentials *out, Error *error, QStringList visited);
    Outcome fromProcess(const QString &name, const QString &command, AwsCredentials *out, Error *error);
    Outcome fromContainer(AwsCredentials *out, Error *error);
    Outcome fromImds(const QMap<QString, QString> &profileConfig, AwsCredentials *out, Error *error);
};

Outcome Chain::fromEnvironment(AwsCredentials *out)
{
    if (var("AWS_ACCESS_KEY_ID").isEmpty() || var("AWS_SECRET_ACCESS_KEY").isEmpty()) {
        tried << QStringLiteral("environment: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY not set");
        return Outcome::NotHere;
    }
    out->accessKeyId = var("AWS_ACCESS_KEY_ID");
    out->secretAccessKey = var("AWS_SECRET_ACCESS_KEY");
    out->sessionToken = var("AWS_SESSION_TOKEN");
    out->sourceKind = QStringLiteral("environment");
    const QString lambda = var("AWS_LAMBDA_FUNCTION_NAME");
    out->source = lambda.isEmpty()
                      ? QStringLiteral("environment (AWS_ACCESS_KEY_ID) - also how Lambda provides credentials")
                      : QStringLiteral("environment (AWS_ACCESS_KEY_ID) of Lambda function %1").arg(quoted(lambda));
    return Outcome::Found;
}

Outcome Chain::fromWebIdentity(const QString &tokenFile, const QString &roleArn, const QString &sessionName,
                               AwsCredentials *out, Error *error)
{
    QFile f(tokenFile);
    if (!f.open(QIODevice::ReadOnly)) {
        *error = Error(ErrorKind::InvalidInput, QStringLiteral("Cannot read the web identity token file %1: %2")
                                                    .arg(tokenFile, f.errorString()));
        return Outcome::Failed;
    }
    const QString token = QString::fromUtf8(f.readAll()).trimmed();
    registerSecret(token);
    AwsStsClient sts(env, region);
    if (!sts.assumeRoleWithWebIdentity(roleArn, sessionName, token, out, error))
        return Outcome::Failed;
    out->sourceKind = QStringLiteral("web-identity");
    out->source = QStringLiteral("web identity role %1 (token file %2)").arg(quoted(roleName(roleArn)), tokenFile);
    return Outcome::Found;
}

Outcome Chain::fromProcess(const QString &name, const QString &command, AwsCredentials *out, Error *error)
{
    // The AWS CLI runs credential_process without a shell: quoted program and arguments, no
    // variables, no "~" (its documented syntax), which QProcess::splitCommand reads the same way.
    const QStringList argv = QProcess::splitCommand(command);
    const auto fail = [&](const QString &why) {
        *error = Error(ErrorKind::InvalidInput, QStringLiteral("Profile %1: credential_process %2").arg(quoted(name), why));
        return Outcome::Failed;
    };
    if (argv.isEmpty())
        return fail(QStringLiteral("is empty."));
    QProcess process;
    process.setProcessEnvironment(env);
    process.start(argv.first(), argv.mid(1));
    if (!process.waitForStarted(10000))
        return fail(QStringLiteral("could not start %1: %2").arg(argv.first(), process.errorString()));
    process.closeWriteChannel();
    if (!process.waitForFinished(120000)) {
        process.kill();
        process.waitForFinished(2000);
        return fail(QStringLiteral("did not finish within 120 s."));
    }
    const QByteArray stdoutBytes = process.readAllStandardOutput();
    if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0)
        return fail(QStringLiteral("exited with code %1: %2")
                        .arg(process.exitCode())
                        .arg(redact(QString::fromUtf8(process.readAllStandardError().left(400)).trimmed())));
    QJsonParseError pe;
    const QJsonObject o = QJsonDocument::fromJson(stdoutBytes, &pe).object();
    if (pe.error != QJsonParseError::NoError)
        return fail(QStringLiteral("printed no JSON object (%1).").arg(pe.errorString()));
    if (o.value(QLatin1String("Version")).toInt() != 1)
        return fail(QStringLiteral("printed \"Version\": %1; only Version 1 is defined.")
                        .arg(o.value(QLatin1String("Version")).toVariant().toString().left(20)));
    out->accessKeyId = o.value(QLatin1String("AccessKeyId")).toString();
    out->secretAccessKey = o.value(QLatin1String("SecretAccessKey")).toString();
    out->sessionToken = o.value(QLatin1String("SessionToken")).toString();
    registerSecret(out->secretAccessKey);
    registerSecret(out->sessionToken);
    if (!out->isValid())
        return fail(QStringLiteral("printed no AccessKeyId / SecretAccessKey."));
    const QString expiration = o.value(QLatin1String("Expiration")).toString();
    if (!expiration.isEmpty()) {
        out->expiration = parseTime(expiration);
        if (!out->expiration.isValid())
            return fail(QStringLiteral("printed an unreadable Expiration \"%1\" (RFC 3339 expected).").arg(expiration.left(40)));
    }
    out->sourceKind = QStringLiteral("process");
    out->source = QStringLiteral("profile %1 via credential_process").arg(quoted(name));
    return Outcome::Found;
}

Outcome Chain::fromProfile(const QString &name, AwsCredentials *out, Error *error, QStringList visited)
{
    if (visited.contains(name)) {
        *error = Error(ErrorKind::InvalidInput, QStringLiteral("Profiles %1 form a source_profile loop.")
                                                    .arg((visited << name).join(QStringLiteral(" -> "))));
        return Outcome::Failed;
    }
    visited << name;
    if (!hasProfile(name)) {
        tried << QStringLiteral("profile %1: not in %2 or %3").arg(quoted(name), credPath, configPath);
        return Outcome::NotHere;
    }
    const QMap<QString, QString> p = profile(name);
    const QString roleArn = p.value(QStringLiteral("role_arn"));
    if (!roleArn.isEmpty()) {
        // Assume-role profile (boto3 tries it before the profile's own keys).
        if (!p.value(QStringLiteral("mfa_serial")).isEmpty()) {
            *error = Error(ErrorKind::InvalidInput,
                           QStringLiteral("Profile %1 needs an MFA code (mfa_serial), which Batchdeck cannot ask for. Run "
                                          "`aws configure export-credentials --profile %2 --format env` in a terminal and "
                                          "export what it prints, or use a profile without mfa_serial.").arg(quoted(name), name));
            return Outcome::Failed;
        }
        const QString sessionName = p.value(QStringLiteral("role_session_name"),
                                            QStringLiteral("batchdeck-%1").arg(QDateTime::currentMSecsSinceEpoch()));
        const QString tokenFile = p.value(QStringLiteral("web_identity_token_file"));
        if (!tokenFile.isEmpty()) {
            const Outcome o = fromWebIdentity(tokenFile, roleArn, sessionName, out, error);
            if (o == Outcome::Found)
                out->source = QStringLiteral("profile %1: web identity role %2").arg(quoted(name), quoted(roleName(roleArn)));
            return o;
        }
        AwsCredentials base;
        const QString sourceProfile = p.value(QStringLiteral("source_profile"));
        const QString credentialSource = p.value(QStringLiteral("credential_source"));
        Outcome o = Outcome::NotHere;
        if (sourceProfile == name) {
            // A profile may assume a role with its own static keys.
            base.accessKeyId = p.value(QStringLiteral("aws_access_key_id"));
            base.secretAccessKey = p.value(QStringLiteral("aws_secret_access_key"));
            base.sessionToken = p.value(QStringLiteral("aws_session_token"));
            base.source = QStringLiteral("its own keys");
            o = base.isValid() ? Outcome::Found : Outcome::NotHere;
        } else if (!sourceProfile.isEmpty()) {
            o = fromProfile(sourceProfile, &base, error, visited);
            base.source = QStringLiteral("profile %1").arg(quoted(sourceProfile));
        } else if (credentialSource == QLatin1String("Environment")) {
            o = fromEnvironment(&base);
        } else if (credentialSource == QLatin1String("Ec2InstanceMetadata")) {
            o = fromImds(p, &base, error);
        } else if (credentialSource == QLatin1String("EcsContainer")) {
            o = fromContainer(&base, error);
        } else {
            *error = Error(ErrorKind::InvalidInput,
                           QStringLiteral("Profile %1 has role_arn but no source_profile, credential_source (Environment, "
                                          "Ec2InstanceMetadata, EcsContainer) or web_identity_token_file.").arg(quoted(name)));
            return Outcome::Failed;
        }
        if (o == Outcome::Failed)
            return o;
        if (o == Outcome::NotHere) {
            *error = Error(ErrorKind::InvalidInput, QStringLiteral("Profile %1 assumes %2, but its source has no credentials (%3).")
                                                        .arg(quoted(name), roleArn, tried.isEmpty() ? QString() : tried.last()));
            return Outcome::Failed;
        }
        AwsStsClient sts(env, region);
        if (!sts.assumeRole(base, roleArn, sessionName, p.value(QStringLiteral("external_id")),
                            p.value(QStringLiteral("duration_seconds")).toInt(), out, error))
            return Outcome::Failed;
        out->sourceKind = QStringLiteral("assume-role");
        out->source = QStringLiteral("profile %1: role %2 assumed with %3").arg(quoted(name), quoted(roleName(roleArn)), base.source);
        return Outcome::Found;
    }
    if (!p.value(QStringLiteral("sso_session")).isEmpty() || !p.value(QStringLiteral("sso_start_url")).isEmpty()) {
        *error = Error(ErrorKind::InvalidInput,
                       QStringLiteral("Profile %1 signs in through IAM Identity Center (SSO), which needs a browser. Run "
                                      "`aws sso login --profile %2`, then give Batchdeck a profile with "
                                      "`credential_process = aws configure export-credentials --profile %2 --format process`.")
                           .arg(quoted(name), name));
        return Outcome::Failed;
    }
    if (!p.value(QStringLiteral("aws_access_key_id")).isEmpty()) {
        out->accessKeyId = p.value(QStringLiteral("aws_access_key_id"));
        out->secretAccessKey = p.value(QStringLiteral("aws_secret_access_key"));
        out->sessionToken = p.value(QStringLiteral("aws_session_token"));
        out->sourceKind = QStringLiteral("profile");
        out->source = QStringLiteral("profile %1 (%2)")
                          .arg(quoted(name), creds.value(name).contains(QStringLiteral("aws_access_key_id")) ? credPath : configPath);
        if (out->isValid())
            return Outcome::Found;
        *error = Error(ErrorKind::InvalidInput, QStringLiteral("Profile %1 has aws_access_key_id but no aws_secret_access_key.")
                                                    .arg(quoted(name)));
        return Outcome::Failed;
    }
    const QString process = p.value(QStringLiteral("credential_process"));
    if (!process.isEmpty())
        return fromProcess(name, process, out, error);
    tried << QStringLiteral("profile %1: no keys, role_arn or credential_process").arg(quoted(name));
    return Outcome::NotHere;
}

// The hosts the SDKs accept for a plain-http AWS_CONTAINER_CREDENTIALS_FULL_URI.
bool allowedContainerHost(const QHostAddress &a)
{
    return a.isLoopback() || a == QHostAddress(QStringLiteral("169.254.170.2"))
           || a == QHostAddress(QStringLiteral("169.254.170.23")) || a == QHostAddress(QStringLiteral("fd00:ec2::23"));
}

Outcome Chain::fromContainer(AwsCredentials *out, Error *error)
{
    const QString relative = var("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    const QString full = var("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    if (relative.isEmpty() && full.isEmpty()) {
        tried << QStringLiteral("container endpoint: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI not set");
        return Outcome::NotHere;
    }
    QUrl url;
    if (!relative.isEmpty()) {
        url = QUrl(QStringLiteral("http://169.254.170.2") + relative);
    } else {
        url = QUrl(full, QUrl::StrictMode);
        bool allowed = url.isValid() && url.scheme() == QLatin1String("https");
        if (url.isValid() && url.scheme() == QLatin1String("http")) {
            QList<QHostAddress> addresses;
            const QHostAddress literal(url.host());
            if (!literal.isNull())
                addresses << literal;
            else
                addresses = QHostInfo::fromName(url.host()).addresses();
            allowed = !addresses.isEmpty();
            for (const QHostAddress &a : std::as_const(addresses))
                allowed = allowed && allowedContainerHost(a);
        }
        if (!allowed) {
            *error = Error(ErrorKind::InvalidInput,
                           QStringLiteral("AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, or http to a loopback address, "
                                          "169.254.170.2, 169.254.170.23 or fd00:ec2::23 (as the AWS SDKs require); got %1.")
                               .arg(redactUrl(url)));
            return Outcome::Failed;
        }
    }
    QString token = var("AWS_CONTAINER_AUTHORIZATION_TOKEN");
    const QString tokenFile = var("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    if (!tokenFile.isEmpty()) {
        QFile f(tokenFile);
        if (!f.open(QIODevice::ReadOnly)) {
            *error = Error(ErrorKind::InvalidInput, QStringLiteral("Cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE %1: %2")
                                                        .arg(tokenFile, f.errorString()));
            return Outcome::Failed;
        }
        token = QString::fromUtf8(f.readAll()).trimmed();
    }
    registerSecret(token);
    if (token.contains(QLatin1Char('\n')) || token.contains(QLatin1Char('\r'))) {
        *error = Error(ErrorKind::InvalidInput, QStringLiteral("The container authorization token contains a line break."));
        return Outcome::Failed;
    }
    HttpHeaders headers{ { "Accept", "application/json" } };
    if (!token.isEmpty())
        headers.append({ "Authorization", token.toUtf8() });
    HttpAnswer answer;
    for (int attempt = 0; attempt < 3; ++attempt) {   // boto3: 2 s timeout, 3 attempts
        answer = httpFetch("GET", url, headers, {}, 2000);
        if (answer.ok() || (answer.status >= 400 && answer.status < 500))
            break;
    }
    const QJsonObject o = QJsonDocument::fromJson(answer.body).object();
    out->accessKeyId = o.value(QLatin1String("AccessKeyId")).toString();
    out->secretAccessKey = o.value(QLatin1String("SecretAccessKey")).toString();
    out->sessionToken = o.value(QLatin1String("Token")).toString();
    out->expiration = parseTime(o.value(QLatin1String("Expiration")).toString());
    registerSecret(out->secretAccessKey);
    registerSecret(out->sessionToken);
    if (!answer.ok() || !out->isValid()) {
        *error = Error(ErrorKind::Network,
                       QStringLiteral("The container credentials endpoint %1 gave no credentials (%2).")
                           .arg(redactUrl(url), answer.status ? QStringLiteral("HTTP %1").arg(answer.status) : answer.networkError));
        return Outcome::Failed;
    }
    const QString arn = o.value(QLatin1String("RoleArn")).toString();
    const bool eks = url.host() == QLatin1String("169.254.170.23") || url.host().contains(QLatin1String("fd00:ec2::23"));
    out->sourceKind = QStringLiteral("container");
    out->source = arn.isEmpty() ? QStringLiteral("%1 credentials endpoint (%2)")
                                      .arg(eks ? QStringLiteral("EKS Pod Identity") : QStringLiteral("container"),
                                           relative.isEmpty() ? QStringLiteral("AWS_CONTAINER_CREDENTIALS_FULL_URI")
                                                              : QStringLiteral("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"))
                                : QStringLiteral("%1 role %2").arg(eks ? QStringLiteral("EKS Pod Identity") : QStringLiteral("ECS task"),
                                                                    quoted(roleName(arn)));
    return Outcome::Found;
}

Outcome Chain::fromImds(const QMap<QString, QString> &profileConfig, AwsCredentials *out, Error *error)
{
    if (var("AWS_EC2_METADATA_DISABLED").compare(QLatin1String("true"), Qt::CaseInsensitive) == 0) {
        tried << QStringLiteral("EC2 instance metadata: AWS_EC2_METADATA_DISABLED=true");
        return Outcome::NotHere;
    }
    QString endpoint = var("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    if (endpoint.isEmpty())
        endpoint = profileConfig.value(QStringLiteral("ec2_metadata_service_endpoint"), QStringLiteral("http://169.254.169.254"));
    while (endpoint.endsWith(QLatin1Char('/')))
        endpoint.chop(1);
    // The SDKs' documented defaults: 1 s timeout, 1 attempt (AWS_METADATA_SERVICE_TIMEOUT / _NUM_ATTEMPTS).
    const auto setting = [&](const char *envName, const QString &configName) {
        const int v = env.value(QLatin1String(envName), profileConfig.value(configName)).toInt();
        return v >= 1 ? v : 1;
    };
    const int timeoutMs = 1000 * setting("AWS_METADATA_SERVICE_TIMEOUT", QStringLiteral("metadata_service_timeout"));
    const int attempts = setting("AWS_METADATA_SERVICE_NUM_ATTEMPTS", QStringLiteral("metadata_service_num_attempts"));
    const auto fetch = [&](const QByteArray &verb, const QString &path, const HttpHeaders &headers) {
        HttpAnswer a;
        for (int i = 0; i < attempts; ++i) {
            a = httpFetch(verb, QUrl(endpoint + path), headers, {}, timeoutMs);
            if (a.status != 0 && a.status < 500)
                break;
        }
        return a;
    };
    const HttpAnswer tokenAnswer = fetch("PUT", QStringLiteral("/latest/api/token"),
                                         { { "X-aws-ec2-metadata-token-ttl-seconds", "21600" } });
    if (tokenAnswer.status == 0) {
        tried << QStringLiteral("EC2 instance metadata: no answer from %1 (%2)").arg(endpoint, tokenAnswer.networkError);
        return Outcome::NotHere;
    }
    HttpHeaders headers;
    if (tokenAnswer.ok()) {
        const QByteArray token = tokenAnswer.body.trimmed();
        registerSecret(QString::fromLatin1(token));
        headers.append({ "X-aws-ec2-metadata-token", token });
    } else if ((tokenAnswer.status == 404 || tokenAnswer.status == 405)
               && var("AWS_EC2_METADATA_V1_DISABLED").compare(QLatin1String("true"), Qt::CaseInsensitive) != 0) {
        // No IMDSv2 here (old or on-premises metadata services): the SDKs fall back to v1.
    } else {
        tried << QStringLiteral("EC2 instance metadata: the token request was refused (HTTP %1)").arg(tokenAnswer.status);
        return Outcome::NotHere;
    }
    const QString base = QStringLiteral("/latest/meta-data/iam/security-credentials/");
    const HttpAnswer roleAnswer = fetch("GET", base, headers);
    const QString role = QString::fromUtf8(roleAnswer.body).trimmed().section(QLatin1Char('\n'), 0, 0).trimmed();
    if (!roleAnswer.ok() || role.isEmpty() || role.contains(QLatin1Char('/'))) {
        tried << QStringLiteral("EC2 instance metadata at %1: the instance has no IAM role (HTTP %2)")
                     .arg(endpoint).arg(roleAnswer.status);
        return Outcome::NotHere;
    }
    const HttpAnswer credAnswer = fetch("GET", base + QString::fromLatin1(QUrl::toPercentEncoding(role)), headers);
    const QJsonObject o = QJsonDocument::fromJson(credAnswer.body).object();
    out->accessKeyId = o.value(QLatin1String("AccessKeyId")).toString();
    out->secretAccessKey = o.value(QLatin1String("SecretAccessKey")).toString();
    out->sessionToken = o.value(QLatin1String("Token")).toString();
    out->expiration = parseTime(o.value(QLatin1String("Expiration")).toString());
    registerSecret(out->secretAccessKey);
    registerSecret(out->sessionToken);
    const QString code = o.value(QLatin1String("Code")).toString();
    if (!credAnswer.ok() || (!code.isEmpty() && code != QLatin1String("Success")) || !out->isValid()) {
        *error = Error(ErrorKind::BadResponse,
                       QStringLiteral("EC2 instance metadata gave no usable credentials for role %1 (HTTP %2%3).")
                           .arg(quoted(role)).arg(credAnswer.status)
                           .arg(code.isEmpty() ? QString() : QStringLiteral(", Code %1").arg(code.left(60))));
        return Outcome::Failed;
    }
    out->sourceKind = QStringLiteral("imds");
    out->source = QStringLiteral("EC2 instance role %1").arg(quoted(role));
    return Outcome::Found;
}

}  // namespace

AwsCredentials AwsCredentials::resolve(const QProcessEnvironment &env, const QString &homeDir, Error *error)
{
    Chain chain{ env,
                 env.value(QStringLiteral("AWS_SHARED_CREDENTIALS_FILE"), QDir(homeDir).filePath(QStringLiteral(".aws/credentials"))),
                 env.value(QStringLiteral("AWS_CONFIG_FILE"), QDir(homeDir).filePath(QStringLiteral(".aws/config"))),
                 {}, {}, {}, {} };
    chain.creds = readIni(chain.credPath);
    chain.config = readIni(chain.configPath);
    const QString explicitProfile = env.value(QStringLiteral("AWS_PROFILE"));
    const QString profile = explicitProfile.isEmpty() ? QStringLiteral("default") : explicitProfile;
    const QMap<QString, QString> profileConfig = chain.configSection(profile);

    AwsCredentials c;
    c.endpointUrl = env.value(QStringLiteral("AWS_ENDPOINT_URL"), profileConfig.value(QStringLiteral("endpoint_url")));
    c.region = env.value(QStringLiteral("AWS_REGION"));
    if (c.region.isEmpty())
        c.region = env.value(QStringLiteral("AWS_DEFAULT_REGION"));
    if (c.region.isEmpty())
        c.region = profileConfig.value(QStringLiteral("region"));
    chain.region = c.region.isEmpty() ? QStringLiteral("us-east-1") : c.region;
    if (c.region.isEmpty())
        c.region = c.endpointUrl.isEmpty() ? QStringLiteral("us-east-1") : QStringLiteral("auto");

    Error e;
    Outcome o = chain.fromEnvironment(&c);
    if (o == Outcome::NotHere) {
        const QString tokenFile = env.value(QStringLiteral("AWS_WEB_IDENTITY_TOKEN_FILE"));
        const QString roleArn = env.value(QStringLiteral("AWS_ROLE_ARN"));
        if (!tokenFile.isEmpty() && !roleArn.isEmpty())
            o = chain.fromWebIdentity(tokenFile, roleArn,
                                      env.value(QStringLiteral("AWS_ROLE_SESSION_NAME"),
                                                QStringLiteral("batchdeck-%1").arg(QDateTime::currentMSecsSinceEpoch())),
                                      &c, &e);
        else
            chain.tried << QStringLiteral("web identity: AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN not both set");
    }
    if (o == Outcome::NotHere) {
        o = chain.fromProfile(profile, &c, &e, {});
        if (o == Outcome::NotHere && !explicitProfile.isEmpty()) {
            // An explicitly chosen profile that gives nothing is an error, as in the AWS CLI.
            e = Error(ErrorKind::InvalidInput, QStringLiteral("No AWS credentials in profile \"%1\" (AWS_PROFILE): %2.")
                                                   .arg(profile, chain.tried.last()));
            o = Outcome::Failed;
        }
    }
    if (o == Outcome::NotHere)
        o = chain.fromContainer(&c, &e);
    if (o == Outcome::NotHere)
        o = chain.fromImds(profileConfig, &c, &e);
    if (o == Outcome::NotHere)
        e = Error(ErrorKind::InvalidInput,
                  QStringLiteral("No AWS credentials found. Tried, in the AWS SDKs' order: %1. Set AWS_ACCESS_KEY_ID and "
                                 "AWS_SECRET_ACCESS_KEY, or AWS_PROFILE with keys in ~/.aws/credentials (profile \"%2\" had none), "
                                 "or run on an EC2 instance / ECS task with a role.")
                      .arg(chain.tried.join(QStringLiteral("; ")), profile));
    if (o != Outcome::Found) {
        c.accessKeyId.clear();
        c.secretAccessKey.clear();
        c.sessionToken.clear();
    }
    c.obtained = QDateTime::currentDateTimeUtc();
    registerSecret(c.secretAccessKey);
    registerSecret(c.sessionToken);
    if (e && error)
        *error = e;
    return c;
}

AwsCredentials AwsCredentials::resolve(Error *error)
{
    return resolve(QProcessEnvironment::systemEnvironment(), QDir::homePath(), error);
}

}  // namespace bd::cloud
