#pragma once
// Where the API is and how to reach it: base URL, key, timeout and retry policy, resolved from
// the environment the same way the reference CLI does (spec §2.1, §2.6).
#include "api/RetryPolicy.h"

#include <QString>
#include <QUrl>

namespace bd::api {

struct ApiConfig {
    QUrl baseUrl;              // e.g. https://api.roboflow.com (never with a trailing slash)
    QString apiKey;            // sent only as the api_key query parameter
    int timeoutSeconds = 60;   // per request; reference ingests (D10/D11) get twice this
    RetryPolicy retry;

    // baseUrl from resolveBaseUrl(settingsUrl), key from ROBOFLOW_API_KEY, timeout from
    // ROBOFLOW_API_REQUEST_TIMEOUT.
    static ApiConfig fromEnvironment(const QString &settingsUrl = {});
};

// API_BASE_URL verbatim (minus one trailing slash), else `settingsUrl` if non-empty, else the
// ROBOFLOW_REGION (us|eu; unknown → us with a warning) × environment table of §2.1, where the
// environment is ROBOFLOW_ENVIRONMENT ("prod" = prod, anything else = staging) or, when that is
// unset, the legacy PROJECT variable (unset or "roboflow-platform" = prod).
QUrl resolveBaseUrl(const QString &settingsUrl = {});

// ROBOFLOW_API_REQUEST_TIMEOUT as whole seconds; 60 when unset or not a positive integer.
int requestTimeoutFromEnvironment();

// ROBOFLOW_API_KEY, or an empty string.
QString apiKeyFromEnvironment();

// A URL as it may be shown or logged: credentials (api_key, signatures) masked.
QString displayUrl(const QUrl &url);

}  // namespace bd::api
