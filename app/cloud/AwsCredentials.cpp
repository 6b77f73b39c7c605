#include "cloud/AwsCredentials.h"

#include "core/Redact.h"

#include <QDir>
#include <QFile>

namespace bd::cloud {

QMap<QString, QMap<QString, QString>> parseAwsIni(const QByteArray &text)
{
    QMap<QString, QMap<QString, QString>> out;
    QString section;
    for (const QByteArray &rawLine : text.split('\n')) {
        const QString line = QString::fromUtf8(rawLine).trimmed();
        if (line.isEmpty() || line.startsWith(QLatin1Char('#')) || line.startsWith(QLatin1Char(';')))
            continue;
        if (line.startsWith(QLatin1Char('[')) && line.endsWith(QLatin1Char(']'))) {
            section = line.mid(1, line.size() - 2).trimmed();
            continue;
        }
        const int eq = line.indexOf(QLatin1Char('='));
        if (eq <= 0 || section.isEmpty())
            continue;
        out[section][line.left(eq).trimmed().toLower()] = line.mid(eq + 1).trimmed();
    }
    return out;
}

namespace {
QMap<QString, QMap<QString, QString>> readIni(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? parseAwsIni(f.readAll()) : QMap<QString, QMap<QString, QString>>{};
}
}  // namespace

AwsCredentials AwsCredentials::resolve(const QProcessEnvironment &env, const QString &homeDir, Error *error)
{
    AwsCredentials c;
    const QString profile = env.value(QStringLiteral("AWS_PROFILE"), QStringLiteral("default"));
    const QString credPath = env.value(QStringLiteral("AWS_SHARED_CREDENTIALS_FILE"),
                                       QDir(homeDir).filePath(QStringLiteral(".aws/credentials")));
    const QString configPath = env.value(QStringLiteral("AWS_CONFIG_FILE"), QDir(homeDir).filePath(QStringLiteral(".aws/config")));
    const auto creds = readIni(credPath);
    const auto config = readIni(configPath);
    // In ~/.aws/config named profiles are "[profile x]"; the default one is "[default]".
    const QMap<QString, QString> profileConfig =
        config.value(profile == QLatin1String("default") ? profile : QStringLiteral("profile ") + profile,
                     config.value(profile));
    // An explicit AWS_PROFILE beats the environment keys only when they are absent (AWS CLI order).
    if (!env.value(QStringLiteral("AWS_ACCESS_KEY_ID")).isEmpty()) {
        c.accessKeyId = env.value(QStringLiteral("AWS_ACCESS_KEY_ID"));
        c.secretAccessKey = env.value(QStringLiteral("AWS_SECRET_ACCESS_KEY"));
        c.sessionToken = env.value(QStringLiteral("AWS_SESSION_TOKEN"));
        c.source = QStringLiteral("environment");
    } else {
        // Keys may live in either file; credentials wins.
        QMap<QString, QString> p = profileConfig;
        const auto fromCreds = creds.value(profile);
        for (auto it = fromCreds.begin(); it != fromCreds.end(); ++it)
            p[it.key()] = it.value();
        c.accessKeyId = p.value(QStringLiteral("aws_access_key_id"));
        c.secretAccessKey = p.value(QStringLiteral("aws_secret_access_key"));
        c.sessionToken = p.value(QStringLiteral("aws_session_token"));
        c.source = QStringLiteral("profile %1").arg(profile);
    }
    c.endpointUrl = env.value(QStringLiteral("AWS_ENDPOINT_URL"), profileConfig.value(QStringLiteral("endpoint_url")));
    c.region = env.value(QStringLiteral("AWS_REGION"));
    if (c.region.isEmpty())
        c.region = env.value(QStringLiteral("AWS_DEFAULT_REGION"));
    if (c.region.isEmpty())
        c.region = profileConfig.value(QStringLiteral("region"));
    if (c.region.isEmpty())
        c.region = c.endpointUrl.isEmpty() ? QStringLiteral("us-east-1") : QStringLiteral("auto");
    registerSecret(c.secretAccessKey);
    registerSecret(c.sessionToken);
    if (!c.isValid() && error)
        *error = Error(ErrorKind::InvalidInput,
                       QStringLiteral("No AWS credentials found. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or "
                                      "AWS_PROFILE with keys in ~/.aws/credentials (profile \"%1\" had none).")
                           .arg(profile));
    return c;
}

AwsCredentials AwsCredentials::resolve(Error *error)
{
    return resolve(QProcessEnvironment::systemEnvironment(), QDir::homePath(), error);
}

}  // namespace bd::cloud
