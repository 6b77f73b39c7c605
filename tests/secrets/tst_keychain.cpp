// SecretStore's keychain operations against a real Secret Service (gnome-keyring on a private session bus) and against
// no secret service at all. The keyring cases need the wrapper
//   dbus-run-session -- sh -c 'echo -n pw | gnome-keyring-daemon --unlock --components=secrets; ./tst_keychain'
// and skip without a session bus.
#include "core/Redact.h"
#include "secrets/SecretStore.h"

#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QLocalServer>
#include <QLocalSocket>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

using bd::Error;
using bd::ErrorKind;
using bd::secrets::KeychainOperation;
using bd::secrets::SecretStore;

namespace {

struct Fetched {
    QString key;
    Error error;
};

// One operation, waited for; fails the test if no answer (or more than one) comes. The result
// is read before the operation deletes itself.
Fetched waitFor(KeychainOperation *operation, const QString &account, int waitMs)
{
    if (operation->account() != account)
        return {{}, Error(ErrorKind::Internal, QStringLiteral("operation for another account"))};
    QSignalSpy spy(operation, &bd::Operation::finished);
    QSignalSpy deleted(operation, &QObject::destroyed);
    if (spy.isEmpty() && !spy.wait(waitMs))
        return {{}, Error(ErrorKind::Internal, QStringLiteral("no finished() signal"))};
    if (spy.size() != 1)
        return {{}, Error(ErrorKind::Internal, QStringLiteral("more than one finished() signal"))};
    const Fetched result{ operation->key(), operation->error() };
    // Auto-delete: the operation is gone after its answer (nothing to clean up for callers).
    if (deleted.isEmpty() && !deleted.wait(2000))
        return {{}, Error(ErrorKind::Internal, QStringLiteral("the operation did not delete itself"))};
    return result;
}

Fetched fetchNow(SecretStore &store, const QString &account, int waitMs = 35000)
{
    return waitFor(store.read(account), account, waitMs);
}

Error storeNow(SecretStore &store, const QString &account, const QString &key, int waitMs = 35000)
{
    return waitFor(store.write(account, key), account, waitMs).error;
}

Error forgetNow(SecretStore &store, const QString &account, int waitMs = 35000)
{
    return waitFor(store.remove(account), account, waitMs).error;
}

QString randomKey()
{
    return QStringLiteral("rf_") + QUuid::createUuid().toString(QUuid::Id128);
}

}  // namespace

// A macro, not a function: QSKIP returns from the function it is written in.
#define REQUIRE_KEYRING()                                                                          \
    if (m_busAddress.isEmpty())                                                                    \
    QSKIP("DBUS_SESSION_BUS_ADDRESS is unset: run under dbus-run-session with gnome-keyring "      \
          "(see the comment at the top of tst_keychain.cpp)")

// A test that points DBUS_SESSION_BUS_ADDRESS elsewhere runs in a child process (this binary,
// that one function): GLib caches the session bus, so the change would poison the other cases.
#define IN_CHILD_PROCESS()                                                                         \
    if (!qEnvironmentVariableIsSet("BD_KEYCHAIN_CHILD")) {                                         \
        runSelfAsChild(QString::fromLatin1(QTest::currentTestFunction()));                         \
        return;                                                                                    \
    }

class TestKeychain : public QObject
{
    Q_OBJECT

    QByteArray m_busAddress;  // the real session bus, if any, saved before the no-service cases
    QString m_account;        // unique per run, so reruns never see a previous run's entry

    void runSelfAsChild(const QString &function)
    {
        QProcess child;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("BD_KEYCHAIN_CHILD"), QStringLiteral("1"));
        child.setProcessEnvironment(env);
        child.setProcessChannelMode(QProcess::MergedChannels);
        child.start(QCoreApplication::applicationFilePath(), {function});
        QVERIFY(child.waitForFinished(60000));
        const QByteArray output = child.readAll();
        QVERIFY2(child.exitStatus() == QProcess::NormalExit && child.exitCode() == 0, output.constData());
        QVERIFY2(output.contains("PASS   : TestKeychain::" + function.toLatin1()), output.constData());
    }
    void restoreBus()
    {
        if (m_busAddress.isEmpty())
            qunsetenv("DBUS_SESSION_BUS_ADDRESS");
        else
            restoreBus();
    }
    void newStore(SecretStore &store)
    {
        store.setServiceName(QStringLiteral("batchdeck-test"));
        store.setTimeoutMs(20000);
    }

private Q_SLOTS:
    void initTestCase()
    {
        qRegisterMetaType<bd::Error>();
        m_busAddress = qgetenv("DBUS_SESSION_BUS_ADDRESS");
        m_account = QStringLiteral("127.0.0.1:%1").arg(QUuid::createUuid().toString(QUuid::Id128).left(8));
    }

    void accountForUrl_data()
    {
        QTest::addColumn<QUrl>("url");
        QTest::addColumn<QString>("account");
        QTest::newRow("us") << QUrl("https://api.roboflow.com") << "api.roboflow.com";
        QTest::newRow("eu") << QUrl("https://API.eu.roboflow.com/") << "api.eu.roboflow.com";
        QTest::newRow("default https port") << QUrl("https://api.roboflow.com:443/x") << "api.roboflow.com";
        QTest::newRow("sandbox") << QUrl("http://127.0.0.1:38411") << "127.0.0.1:38411";
        QTest::newRow("default http port") << QUrl("http://localhost:80") << "localhost";
        QTest::newRow("https on 80") << QUrl("https://h.example:80") << "h.example:80";
        QTest::newRow("ipv6") << QUrl("http://[::1]:9000/") << "[::1]:9000";
        QTest::newRow("no host") << QUrl("relative/path") << "";
    }
    void accountForUrl()
    {
        QFETCH(QUrl, url);
        QFETCH(QString, account);
        QCOMPARE(bd::secrets::keyringAccountFor(url), account);
    }

    void defaults()
    {
        SecretStore store;
        QCOMPARE(store.serviceName(), QStringLiteral("batchdeck"));
        QCOMPARE(store.timeoutMs(), 30000);
    }

    void invalidInputIsAnsweredAsynchronously()
    {
        SecretStore store;
        KeychainOperation *write = store.write(QString(), QStringLiteral("some-key-123"));
        QSignalSpy spy(write, &bd::Operation::finished);
        QCOMPARE(spy.size(), 0);  // never from inside the call
        QVERIFY(!write->isFinished());
        QVERIFY(spy.wait(2000));
        QCOMPARE(write->error().kind, ErrorKind::InvalidInput);
    }

    // Each request is its own operation with its own answer: two reads in flight for two
    // accounts never see each other's result (no shared signal to filter by account).
    void concurrentOperationsAnswerSeparately()
    {
        SecretStore store;
        const QString keyA = randomKey();
        const QString keyB = randomKey();
        store.setSessionOnly(QStringLiteral("a.example"), keyA);
        store.setSessionOnly(QStringLiteral("b.example"), keyB);
        KeychainOperation *readA = store.read(QStringLiteral("a.example"));
        KeychainOperation *readB = store.read(QStringLiteral("b.example"));
        KeychainOperation *missing = store.read(QString());
        for (KeychainOperation *operation : { readA, readB, missing })
            operation->setAutoDelete(false);   // read after the loop below has run
        QSignalSpy spyA(readA, &bd::Operation::finished);
        QSignalSpy spyB(readB, &bd::Operation::finished);
        QSignalSpy spyMissing(missing, &bd::Operation::finished);
        QTRY_VERIFY_WITH_TIMEOUT(spyA.size() == 1 && spyB.size() == 1 && spyMissing.size() == 1, 2000);
        QCOMPARE(readA->key(), keyA);
        QCOMPARE(readB->key(), keyB);
        QCOMPARE(readA->kind(), KeychainOperation::Kind::Read);
        QCOMPARE(missing->error().kind, ErrorKind::InvalidInput);
        QVERIFY(missing->key().isEmpty());
        delete readA;
        delete readB;
        delete missing;
    }

    // cancel() ends a request at once with Cancelled; the keychain's late answer changes nothing.
    void cancelEndsTheOperation()
    {
        SecretStore store;
        newStore(store);
        KeychainOperation *read = store.read(QStringLiteral("cancel.example"));
        QSignalSpy spy(read, &bd::Operation::finished);
        read->cancel();
        QCOMPARE(spy.size(), 1);
        QCOMPARE(read->error().kind, ErrorKind::Cancelled);
        QTest::qWait(300);
        QCOMPARE(spy.size(), 1);
    }

    // Keeps working with no keychain at all: memory only, answered without a keychain job.
    void sessionOnlyFallback()
    {
        SecretStore store;
        const QString key = randomKey();
        const QString account = QStringLiteral("session.example");
        QVERIFY(!store.hasSessionOnly(account));
        store.setSessionOnly(account, key);
        QVERIFY(store.hasSessionOnly(account));
        const Fetched f = fetchNow(store, account, 2000);
        QVERIFY2(!f.error, qPrintable(f.error.message));
        QCOMPARE(f.key, key);
        // Registered for redaction: it can never reach a log line.
        QVERIFY(!bd::redact(QStringLiteral("key is ") + key).contains(key));
        store.clearSessionOnly(account);
        QVERIFY(!store.hasSessionOnly(account));
    }

    // A bus address nobody listens on: QtKeychain answers OtherError (7) quickly; it must come
    // back as a clear "keychain unavailable" error, within the timeout.
    void noSecretService()
    {
        IN_CHILD_PROCESS();
        qputenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent");
        SecretStore store;
        newStore(store);
        store.setTimeoutMs(3000);
        QElapsedTimer clock;
        clock.start();
        const Fetched f = fetchNow(store, QStringLiteral("nobus.example"), 10000);
        const Error stored = storeNow(store, QStringLiteral("nobus.example"), randomKey(), 10000);
        restoreBus();
        QVERIFY(clock.elapsed() < 9000);
        QVERIFY2(bd::secrets::isKeychainUnavailable(f.error), qPrintable(f.error.message));
        QVERIFY2(bd::secrets::isKeychainUnavailable(stored), qPrintable(stored.message));
        QVERIFY(f.key.isEmpty());
        QVERIFY2(f.error.message.contains(QLatin1String("keychain is unavailable")) ||
                     f.error.message.contains(QLatin1String("No secret service answered")),
                 qPrintable(f.error.message));
    }

    // A bus that accepts the connection and never answers: only our timeout ends the call.
    void silentSecretServiceTimesOut()
    {
        IN_CHILD_PROCESS();
        QTemporaryDir dir;
        QLocalServer silent;
        QVERIFY(silent.listen(dir.filePath(QStringLiteral("bus"))));
        QList<QLocalSocket *> held;  // accepted, never read from or written to
        connect(&silent, &QLocalServer::newConnection, this, [&] {
            while (QLocalSocket *s = silent.nextPendingConnection())
                held.append(s);
        });
        qputenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=" + QFile::encodeName(silent.fullServerName()));
        SecretStore store;
        newStore(store);
        store.setTimeoutMs(1500);
        QElapsedTimer clock;
        clock.start();
        const Fetched f = fetchNow(store, QStringLiteral("silent.example"), 10000);
        restoreBus();
        QVERIFY(clock.elapsed() >= 1400);
        QVERIFY(clock.elapsed() < 9000);
        QCOMPARE(f.error.kind, ErrorKind::Timeout);
        QCOMPARE(f.error.message, QStringLiteral("No secret service answered (is a keyring such as "
                                                 "gnome-keyring running and unlocked?)"));
        QVERIFY(bd::secrets::isKeychainUnavailable(f.error));
    }

    void fetchMissingEntry()
    {
        REQUIRE_KEYRING();
        SecretStore store;
        newStore(store);
        const Fetched f = fetchNow(store, m_account + QStringLiteral("-missing"));
        QCOMPARE(f.error.kind, ErrorKind::NotFound);
        QVERIFY(f.key.isEmpty());
    }

    void storeFetchOverwriteForget()
    {
        REQUIRE_KEYRING();
        SecretStore store;
        newStore(store);
        const QString first = randomKey();
        const QString second = randomKey();

        Error e = storeNow(store, m_account, first);
        QVERIFY2(!e, qPrintable(e.message));
        Fetched f = fetchNow(store, m_account);
        QVERIFY2(!f.error, qPrintable(f.error.message));
        QCOMPARE(f.key, first);

        // A second store object (a fresh process would be the same): the keychain holds it.
        SecretStore other;
        newStore(other);
        QCOMPARE(fetchNow(other, m_account).key, first);

        e = storeNow(store, m_account, second);  // overwrite
        QVERIFY2(!e, qPrintable(e.message));
        QCOMPARE(fetchNow(store, m_account).key, second);

        // US / EU / sandbox keep separate entries.
        QCOMPARE(fetchNow(store, m_account + QStringLiteral("-eu")).error.kind, ErrorKind::NotFound);

        e = forgetNow(store, m_account);
        QVERIFY2(!e, qPrintable(e.message));
        QCOMPARE(fetchNow(store, m_account).error.kind, ErrorKind::NotFound);
        e = forgetNow(store, m_account);  // forgetting twice is fine
        QVERIFY2(!e, qPrintable(e.message));
    }

    // With BD_KEYCHAIN_PROOF_KEY set, that key is stored and left in the keyring, so a person can
    // grep $HOME and the build folder for it afterwards (only the encrypted keyring may hold it).
    void storedKeyIsOnlyInTheKeyring()
    {
        REQUIRE_KEYRING();
        SecretStore store;
        newStore(store);
        const QString proofKey = qEnvironmentVariable("BD_KEYCHAIN_PROOF_KEY");
        const QString key = proofKey.isEmpty() ? randomKey() : proofKey;
        const QString account = m_account + QStringLiteral("-kept");
        const Error e = storeNow(store, account, key);
        QVERIFY2(!e, qPrintable(e.message));
        QVERIFY(!bd::redact(key).contains(key));
        // No plain file under $HOME holds the key (gnome-keyring's store is encrypted).
        const QByteArray needle = key.toUtf8();
        QDirIterator it(QDir::homePath(), QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot,
                        QDirIterator::Subdirectories);
        int scanned = 0;
        while (it.hasNext() && scanned < 5000) {
            QFile file(it.next());
            ++scanned;
            if (file.size() > 8 * 1024 * 1024 || !file.open(QIODevice::ReadOnly))
                continue;
            QVERIFY2(!file.readAll().contains(needle), qPrintable(file.fileName()));
        }
        if (proofKey.isEmpty())
            QVERIFY(!forgetNow(store, account));
    }
};

QTEST_GUILESS_MAIN(TestKeychain)
#include "tst_keychain.moc"
