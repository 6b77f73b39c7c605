#pragma once
// Secrets never reach a log line, an error message or a displayed URL. redact() masks the
// `api_key=` query value (and other known credential parameters) and every secret registered
// with registerSecret(); installRedactingMessageHandler() routes all Qt logging through it.
#include <QString>
#include <QUrl>

namespace bd {

QString redact(const QString &text);
QString redactUrl(const QUrl &url);

// Remember a secret (API key, publishable key, cloud secret) so that redact() masks it anywhere,
// not only after `api_key=`. Thread-safe. Values shorter than 6 characters are ignored.
void registerSecret(const QString &secret);

// Replace Qt's message handler with one that redacts, then forwards to the previous handler.
void installRedactingMessageHandler();

}  // namespace bd
