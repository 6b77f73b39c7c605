// listen-webhooks: the webhook receiver without a GUI. Every accepted notification (right key,
// valid JSON, not seen before) is printed as one compact JSON line on stdout, so the output can be
// piped into jq or a log collector; status lines go to stderr. Runs until SIGINT / SIGTERM, or
// until --count notifications were accepted. The receiver's limits (WebhookReceiver.h) are the
// defaults the GUI uses too.
#include "cli/CliCommand.h"
#include "cli/CliContext.h"
#include "cli/CommandOptions.h"
#include "core/Redact.h"
#include "notify/WebhookReceiver.h"

#include <QEventLoop>
#include <QJsonDocument>

namespace bd::cli {
namespace {

int listenWebhooks(CliContext &ctx, const QStringList &args)
{
    CommandOptions opts(ctx);
    opts.addValue({ QStringLiteral("host") }, QStringLiteral("Address to listen on (0.0.0.0: every interface, e.g. behind a "
                                                             "reverse proxy)."),
                  QStringLiteral("H"), false, QStringLiteral("127.0.0.1"));
    opts.addValue({ QStringLiteral("port") }, QStringLiteral("Port to listen on (0: any free port, printed on stderr)."),
                  QStringLiteral("P"), false, QStringLiteral("0"));
    opts.addValue({ QStringLiteral("publishable-key") },
                  QStringLiteral("Workspace publishable key the sender must present (Authorization: Bearer KEY). "
                                 "Prefer the ROBOFLOW_PUBLISHABLE_KEY environment variable: argv is visible to other users."),
                  QStringLiteral("K"));
    opts.addValue({ QStringLiteral("count") }, QStringLiteral("Exit 0 after this many accepted notifications (0: run until "
                                                              "interrupted)."),
                  QStringLiteral("N"), false, QStringLiteral("0"));
    if (auto rc = opts.parse(args))
        return *rc;
    const auto port = opts.intValue(QStringLiteral("port"), 0);
    const auto count = opts.intValue(QStringLiteral("count"), 0);
    if (!port || !count)
        return 2;
    if (*port > 65535)
        return ctx.usage(QStringLiteral("--port must be at most 65535."));

    QString key = opts.value(QStringLiteral("publishable-key"));
    if (!key.isEmpty())
        ctx.err() << "Warning: a key given with --publishable-key is visible to other local users (for example in "
                     "`ps`). Prefer the ROBOFLOW_PUBLISHABLE_KEY environment variable."
                  << Qt::endl;
    else
        key = qEnvironmentVariable("ROBOFLOW_PUBLISHABLE_KEY");
    if (key.isEmpty())
        return ctx.usage(QStringLiteral("A publishable key is needed to check who posts: set ROBOFLOW_PUBLISHABLE_KEY "
                                        "(or pass --publishable-key)."));
    registerSecret(key);

    notify::WebhookReceiverOptions options;
    options.host = opts.value(QStringLiteral("host"));
    options.port = quint16(*port);
    options.publishableKey = key;
    notify::WebhookReceiver receiver(options);
    QString error;
    if (!receiver.start(&error))
        return ctx.fail(Error(ErrorKind::Network, error));

    // Not a wait for one Operation (those use exec()): a server loop that runs until --count
    // events were printed or Ctrl-C.
    QEventLoop loop;
    int printed = 0;
    QObject::connect(&receiver, &notify::WebhookReceiver::eventReceived, &loop,
                     [&](const notify::WebhookEvent &event) {
                         ctx.out() << QJsonDocument(event.raw).toJson(QJsonDocument::Compact) << Qt::endl;
                         if (*count > 0 && ++printed >= *count)
                             loop.quit();
                     });
    QObject::connect(&receiver, &notify::WebhookReceiver::storageError, &loop, [&](const QString &message) {
        ctx.err() << "Warning: the notification was not kept in the local history: " << redact(message) << Qt::endl;
    });
    // Ctrl-C / SIGTERM end the listening (CliContext's self-pipe; a second signal quits at once).
    ctx.catchInterrupts();
    ctx.setInterruptHandler([&loop] { loop.quit(); });
    ctx.err() << "Listening for webhooks on " << receiver.url().toString()
              << " (give this URL, or the public URL of a tunnel to it, as notificationsURL). Ctrl-C stops." << Qt::endl;
    const notify::WebhookReceiverOptions &limits = receiver.options();
    ctx.err() << "Limits: " << limits.maxConnections << " connections, headers within " << limits.headerDeadlineMs / 1000
              << " s, bodies within " << limits.bodyDeadlineMs / 1000 << " s and " << limits.maxBodyBytes / 1024
              << " KiB, compressed bodies refused." << Qt::endl;
    loop.exec();
    receiver.stop();
    ctx.err() << "Stopped: " << receiver.acceptedCount() << " accepted, " << receiver.duplicateCount()
              << " duplicate, " << receiver.rejectedCount() << " rejected, " << receiver.connectionsCutByDeadline()
              << " connections closed by their deadline." << Qt::endl;
    return 0;
}

}  // namespace

QVector<CliCommand> webhookCommands()
{
    return {
        { QString(), QStringLiteral("listen-webhooks"),
          QStringLiteral("Receive Roboflow webhooks and print each notification as one JSON line."), listenWebhooks },
    };
}

}  // namespace bd::cli
