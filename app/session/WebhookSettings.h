#pragma once
// Where the session's webhook receiver listens (kept in AppSettings, i.e. the INI file). The
// publishable key that senders must present is a secret and lives only in the OS keychain
// (Session::kPublishableKeyAccount), never here.
#include <QString>
#include <QUrl>

namespace bd::session {

struct WebhookSettings {
    bool enabled = false;
    QString host = QStringLiteral("127.0.0.1");   // loopback: only reachable through a tunnel / proxy
    int port = 8787;                               // 0: any free port (changes at every start)
    QUrl publicUrl;   // what the service should post to (tunnel / reverse proxy); empty: the local URL

    static WebhookSettings load();
    void save() const;
};

}  // namespace bd::session
