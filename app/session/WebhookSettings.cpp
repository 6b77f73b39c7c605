#include "session/WebhookSettings.h"

#include "core/AppSettings.h"

namespace bd::session {

namespace {
const QString kEnabled = QStringLiteral("webhooks/enabled");
const QString kHost = QStringLiteral("webhooks/host");
const QString kPort = QStringLiteral("webhooks/port");
const QString kPublicUrl = QStringLiteral("webhooks/publicUrl");
}  // namespace

WebhookSettings WebhookSettings::load()
{
    const AppSettings s;
    WebhookSettings w;
    w.enabled = s.value(kEnabled, QStringLiteral("false")) == QLatin1String("true");
    w.host = s.value(kHost, w.host);
    bool ok = false;
    const int port = s.value(kPort).toInt(&ok);
    if (ok && port >= 0 && port <= 65535)
        w.port = port;
    w.publicUrl = QUrl(s.value(kPublicUrl));
    return w;
}

void WebhookSettings::save() const
{
    AppSettings s;
    s.setValue(kEnabled, enabled ? QStringLiteral("true") : QStringLiteral("false"));
    s.setValue(kHost, host);
    s.setValue(kPort, QString::number(port));
    // Query and user info dropped, like the custom API URL: a pasted token never lands in the file.
    QUrl clean = publicUrl;
    clean.setUserInfo({});
    clean.setQuery(QString());
    s.setValue(kPublicUrl, clean.toString());
}

}  // namespace bd::session
