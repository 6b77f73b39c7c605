#include "api/ApiConfig.h"

#include "core/Redact.h"

#include <QLoggingCategory>

namespace bd::api {
namespace {

Q_LOGGING_CATEGORY(lcConfig, "batchdeck.api.config")

QString env(const char *name)
{
    return qEnvironmentVariable(name).trimmed();
}

bool isProdEnvironment()
{
    // ROBOFLOW_ENVIRONMENT wins when set; otherwise the legacy PROJECT variable decides.
    if (qEnvironmentVariableIsSet("ROBOFLOW_ENVIRONMENT") && !env("ROBOFLOW_ENVIRONMENT").isEmpty())
        return env("ROBOFLOW_ENVIRONMENT").compare(QLatin1String("prod"), Qt::CaseInsensitive) == 0;
    const QString project = env("PROJECT");
    return project.isEmpty() || project == QLatin1String("roboflow-platform");
}

}  // namespace

QUrl resolveBaseUrl(const QString &settingsUrl)
{
    QString explicitUrl = qEnvironmentVariable("API_BASE_URL");
    if (explicitUrl.isEmpty())
        explicitUrl = settingsUrl;
    if (!explicitUrl.isEmpty()) {
        // Verbatim, except one trailing slash: the reference would request "//data-staging".
        if (explicitUrl.endsWith(QLatin1Char('/')))
            explicitUrl.chop(1);
        return QUrl(explicitUrl);
    }
    QString region = env("ROBOFLOW_REGION").toLower();
    if (region.isEmpty())
        region = QStringLiteral("us");
    if (region != QLatin1String("us") && region != QLatin1String("eu")) {
        qCWarning(lcConfig) << "Unknown ROBOFLOW_REGION" << region << "- using us";
        region = QStringLiteral("us");
    }
    const bool prod = isProdEnvironment();
    if (region == QLatin1String("eu"))
        return QUrl(prod ? QStringLiteral("https://api.roboflow.eu") : QStringLiteral("https://api.roboflow-eu.one"));
    return QUrl(prod ? QStringLiteral("https://api.roboflow.com") : QStringLiteral("https://api.roboflow.one"));
}

int requestTimeoutFromEnvironment()
{
    const QString text = env("ROBOFLOW_API_REQUEST_TIMEOUT");
    if (text.isEmpty())
        return 60;
    bool ok = false;
    const int seconds = text.toInt(&ok);
    if (!ok || seconds <= 0) {
        qCWarning(lcConfig) << "Ignoring ROBOFLOW_API_REQUEST_TIMEOUT" << text << "- using 60 s";
        return 60;
    }
    return seconds;
}

QString apiKeyFromEnvironment()
{
    return env("ROBOFLOW_API_KEY");
}

ApiConfig ApiConfig::fromEnvironment(const QString &settingsUrl)
{
    ApiConfig config;
    config.baseUrl = resolveBaseUrl(settingsUrl);
    config.apiKey = apiKeyFromEnvironment();
    config.timeoutSeconds = requestTimeoutFromEnvironment();
    return config;
}

QString displayUrl(const QUrl &url)
{
    return redactUrl(url);
}

}  // namespace bd::api
