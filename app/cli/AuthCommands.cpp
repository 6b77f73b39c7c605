// login / logout: keep the API key in the OS keychain (one entry per API host) so that it never
// has to appear in argv or in a shell profile. login reads the key from stdin only.
#include "api/ApiClient.h"
#include "cli/CliCommand.h"
#include "cli/CliContext.h"
#include "cli/CommandOptions.h"
#include "core/Redact.h"
#include "secrets/SecretStore.h"

#include <QJsonObject>
#include <QTimer>

#include <cstdio>
#include <iostream>
#include <string>
#include <termios.h>
#include <unistd.h>

namespace bd::cli {
namespace {

constexpr int kKeychainWriteTimeoutMs = 10000;

// One line from stdin; with a terminal, prompts on stderr and turns echo off while typing.
QString readKeyFromStdin(CliContext &ctx)
{
    const bool tty = ::isatty(STDIN_FILENO);
    termios saved{};
    if (tty) {
        ctx.err() << "Roboflow API key: " << Qt::flush;
        if (::tcgetattr(STDIN_FILENO, &saved) == 0) {
            termios silent = saved;
            silent.c_lflag &= ~tcflag_t(ECHO);
            ::tcsetattr(STDIN_FILENO, TCSANOW, &silent);
        }
    }
    std::string line;
    std::getline(std::cin, line);
    if (tty) {
        ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        ctx.err() << Qt::endl;
    }
    return QString::fromStdString(line).trimmed();
}

// Waits for one keychain operation (it bounds itself by the store's timeout); its error.
Error waitForKeychain(secrets::KeychainOperation *operation)
{
    operation->exec();
    const Error result = operation->error();
    delete operation;
    return result;
}

int login(CliContext &ctx, const QStringList &args)
{
    CommandOptions opts(ctx);
    if (auto rc = opts.parse(args))
        return *rc;
    if (!ctx.globals().apiKey.isEmpty())
        return ctx.usage(QStringLiteral("login reads the API key from stdin, not from --api-key "
                                        "(e.g. `batchdeck-cli login < key.txt`)."));
    const QUrl base = ctx.baseUrl();
    const QString account = secrets::keyringAccountFor(base);
    if (account.isEmpty())
        return ctx.usage(QStringLiteral("The API URL '%1' has no host.").arg(base.toString()));
    const QString key = readKeyFromStdin(ctx);
    if (key.isEmpty())
        return ctx.fail(Error(ErrorKind::InvalidInput, QStringLiteral("No API key was read from stdin.")));
    registerSecret(key);

    // W1 proves the key works before it is stored.
    api::ApiConfig config = api::ApiConfig::fromEnvironment();
    config.baseUrl = base;
    config.apiKey = key;
    api::ApiClient client(config);
    auto *w1 = client.resolveWorkspace();
    if (!w1->exec())
        return ctx.fail(w1->error());
    const QString workspace = w1->result();

    secrets::SecretStore store;
    store.setTimeoutMs(kKeychainWriteTimeoutMs);
    const Error stored = waitForKeychain(store.write(account, key));
    if (stored)
        return ctx.fail(stored);
    if (ctx.isJson())
        ctx.printJson(QJsonObject{{QStringLiteral("workspace"), workspace}, {QStringLiteral("account"), account}});
    else
        ctx.out() << "Logged in to workspace " << workspace << "; the key is stored in the keychain for "
                  << account << "." << Qt::endl;
    return 0;
}

int logout(CliContext &ctx, const QStringList &args)
{
    CommandOptions opts(ctx);
    if (auto rc = opts.parse(args))
        return *rc;
    const QString account = secrets::keyringAccountFor(ctx.baseUrl());
    if (account.isEmpty())
        return ctx.usage(QStringLiteral("The API URL '%1' has no host.").arg(ctx.baseUrl().toString()));
    secrets::SecretStore store;
    store.setTimeoutMs(kKeychainWriteTimeoutMs);
    const Error forgotten = waitForKeychain(store.remove(account));
    if (forgotten)
        return ctx.fail(forgotten);
    if (ctx.isJson())
        ctx.printJson(QJsonObject{{QStringLiteral("account"), account}, {QStringLiteral("removed"), true}});
    else
        ctx.out() << "Removed the stored API key for " << account << "." << Qt::endl;
    return 0;
}

}  // namespace

QVector<CliCommand> authCommands()
{
    return {
        {QString(), QStringLiteral("login"),
         QStringLiteral("Check an API key (read from stdin) and store it in the OS keychain."), login},
        {QString(), QStringLiteral("logout"), QStringLiteral("Remove the stored API key for the API host."), logout},
    };
}

}  // namespace bd::cli
