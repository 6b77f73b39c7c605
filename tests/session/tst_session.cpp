// session::Session, the core both front ends use, against the embedded sandbox over loopback:
// connecting (demo sandbox, a remote URL with a key), the key in a real keychain and back in a
// second session, the keyless and offline paths with their messages, the list services and
// their models' signals, the job monitor's events through session::Jobs, and the database check.
// Keychain cases need a secret service:
//   dbus-run-session -- sh -c 'echo -n pw | gnome-keyring-daemon --unlock --components=secrets; ./tst_session'
// and skip without a session bus.
#include "api/ApiClient.h"
#include "jobs/JobMonitor.h"
#include "jobs/JobSpecWorkflow.h"
#include "sandbox/Sandbox.h"
#include "secrets/SecretStore.h"
#include "session/Services.h"
#include "session/Session.h"

#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

using bd::Error;
using bd::ErrorKind;
using bd::session::Session;

namespace {

// Settings and data of a throw-away home (as the GUI tests do).
bool useTemporaryHome(const QTemporaryDir &home)
{
    if (!home.isValid())
        return false;
    qputenv("BATCHDECK_DATA_DIR", home.filePath(QStringLiteral("data")).toUtf8());
    qputenv("BATCHDECK_CONFIG_FILE", home.filePath(QStringLiteral("batchdeck.ini")).toUtf8());
    return true;
}

// A sandbox of our own (not the session's embedded one) with a key of our own.
std::unique_ptr<bd::sandbox::Sandbox> startSandbox(const QString &key, double timeScale = 1.0)
{
    bd::sandbox::SandboxOptions options;
    options.apiKeys = { key };
    options.demo = true;
    options.timeScale = timeScale;
    auto sandbox = std::make_unique<bd::sandbox::Sandbox>(options);
    if (!sandbox->start())
        return nullptr;
    return sandbox;
}

// A loopback port nothing listens on.
quint16 closedPort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    const quint16 port = probe.serverPort();
    probe.close();
    return port;
}

}  // namespace

#define REQUIRE_KEYRING()                                                                          \
    if (qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS"))                                   \
    QSKIP("DBUS_SESSION_BUS_ADDRESS is unset: run under dbus-run-session with gnome-keyring "      \
          "(see the comment at the top of tst_session.cpp)")

class TstSession : public QObject
{
    Q_OBJECT
    QTemporaryDir m_home;

    static void useTestKeychain(Session &session)
    {
        session.secrets()->setServiceName(QStringLiteral("batchdeck-test"));
        session.secrets()->setTimeoutMs(20000);
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(useTemporaryHome(m_home)); }

    // The demo sandbox: Online, workspace resolved, and the database check says nothing.
    void connectsToTheEmbeddedSandbox()
    {
        Session session;
        QVERIFY(!session.databaseProblem());
        QSignalSpy connected(&session, &Session::connected);
        QVERIFY(session.connectToSandbox(100.0));
        QVERIFY(connected.wait(15000));
        QCOMPARE(session.state(), Session::State::Online);
        QCOMPARE(connected.at(0).at(0).toString(), QStringLiteral("sandbox-ws"));
        QCOMPARE(session.workspace(), QStringLiteral("sandbox-ws"));
        QVERIFY(session.sandbox() && session.sandbox()->isRunning());
    }

    // Lists: each service fetches, keeps the result and tells its listeners once per refresh.
    void listServicesRefreshAndKeepTheirResult()
    {
        Session session;
        QVERIFY(session.connectToSandbox(100.0));
        QTRY_COMPARE_WITH_TIMEOUT(session.state(), Session::State::Online, 15000);

        QSignalSpy batchesRefreshed(session.batches(), &bd::session::Batches::refreshed);
        session.batches()->refresh();
        session.batches()->refresh();   // one at a time: the second request joins the first
        QVERIFY(session.batches()->isRefreshing());
        QVERIFY(batchesRefreshed.wait(15000));
        QTest::qWait(200);
        QCOMPARE(batchesRefreshed.size(), 1);
        QVERIFY(!session.batches()->lastError());
        QVERIFY(session.batches()->lastRefreshed().isValid());
        QStringList ids;
        for (const bd::api::Batch &b : session.batches()->batches())
            ids << b.batchId;
        QVERIFY2(ids.contains(QStringLiteral("demo-images")), qPrintable(ids.join(u',')));

        // One-shot reads answer their context with typed results.
        qint64 count = -1;
        QVector<bd::api::Shard> shards;
        bd::session::Page<bd::api::BatchFile> page;
        Error pageError(ErrorKind::Internal, QStringLiteral("no answer"));
        session.batches()->fetchCount(QStringLiteral("demo-images"), {}, this, [&](const Error &e, qint64 n) {
            count = e ? -2 : n;
        });
        session.batches()->fetchFilesPage(QStringLiteral("demo-images"), {}, 5, {}, this,
                                          [&](const Error &e, const bd::session::Page<bd::api::BatchFile> &p) {
                                              pageError = e;
                                              page = p;
                                          });
        QTRY_VERIFY_WITH_TIMEOUT(count != -1 && pageError.kind != ErrorKind::Internal, 15000);
        QVERIFY(count > 5);
        QVERIFY2(!pageError, qPrintable(pageError.message));
        QCOMPARE(page.items.size(), 5);
        QVERIFY(page.nextPageToken.has_value());

        // A read whose context is gone never calls back.
        bool called = false;
        auto *context = new QObject;
        session.batches()->fetchBatch(QStringLiteral("demo-images"), context, [&](const Error &, const bd::api::Batch &) {
            called = true;
        });
        delete context;
        QTest::qWait(1000);
        QVERIFY(!called);

        // A batch that does not exist: NotFound, as a typed error.
        Error missing;
        bool answered = false;
        session.batches()->fetchBatch(QStringLiteral("no-such-batch"), this, [&](const Error &e, const bd::api::Batch &) {
            missing = e;
            answered = true;
        });
        QTRY_VERIFY_WITH_TIMEOUT(answered, 15000);
        QCOMPARE(missing.kind, ErrorKind::NotFound);
    }

    // Jobs: the refresh lists jobs, every running one is watched by the session's monitor, and the
    // monitor's events reach listeners through session::Jobs (the tray listens there).
    void jobMonitorEventsComeThroughTheSession()
    {
        Session session;
        QVERIFY(session.connectToSandbox(200.0));
        QTRY_COMPARE_WITH_TIMEOUT(session.state(), Session::State::Online, 15000);
        bd::session::Jobs *jobs = session.jobs();
        jobs->monitor()->setPersistent(false);
        jobs->monitor()->setPollIntervals(200, 1000);

        bd::jobs::WorkflowJobSpec spec;
        spec.batchId = QStringLiteral("demo-images");
        spec.workspace = session.workspace();
        spec.workflowId = QStringLiteral("detect-people");
        spec.jobId = QStringLiteral("sess-") + QUuid::createUuid().toString(QUuid::Id128).left(8);
        Error created(ErrorKind::Internal, QStringLiteral("no answer"));
        jobs->createJob(spec.jobId, QStringLiteral("Session test"), spec.toWireJson(), this,
                        [&](const Error &e, const QJsonObject &) { created = e; });
        QTRY_VERIFY_WITH_TIMEOUT(created.kind != ErrorKind::Internal, 15000);
        QVERIFY2(!created, qPrintable(created.message));

        QSignalSpy refreshed(jobs, &bd::session::Jobs::refreshed);
        QSignalSpy running(jobs, &bd::session::Jobs::runningJobsChanged);
        QSignalSpy finished(jobs, &bd::session::Jobs::jobFinished);
        QSignalSpy updated(jobs, &bd::session::Jobs::jobUpdated);
        jobs->refresh();
        QVERIFY(refreshed.wait(15000));
        QVERIFY(jobs->job(spec.jobId).has_value());
        QVERIFY2(jobs->monitor()->watchedJobs().contains(spec.jobId) || jobs->job(spec.jobId)->isTerminal,
                 qPrintable(jobs->monitor()->watchedJobs().join(u',')));
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                for (const QList<QVariant> &args : std::as_const(finished))
                    if (args.at(0).toString() == spec.jobId)
                        return true;
                return false;
            }(),
            120000);
        QVERIFY(updated.size() >= 1);
        // The list row follows the monitor: the job is terminal in the session's list too, and the
        // running list no longer names it.
        QTRY_VERIFY_WITH_TIMEOUT(jobs->job(spec.jobId)->isTerminal, 5000);
        QVERIFY(!running.isEmpty());
        QVERIFY(!jobs->runningJobs().join(u'\n').contains(spec.jobId));
    }

    // A remote service and a key to remember: stored in the keychain; a second session (as after
    // a restart) connects with nothing typed; forgetting it leaves the next session keyless.
    void keyStoredInTheKeychainConnectsTheNextSession()
    {
        REQUIRE_KEYRING();
        const QString key = QStringLiteral("rf_") + QUuid::createUuid().toString(QUuid::Id128);
        auto sandbox = startSandbox(key);
        QVERIFY(sandbox);
        const QUrl url = sandbox->apiUrl();
        {
            Session first;
            useTestKeychain(first);
            QSignalSpy messages(&first, &Session::message);
            first.connectTo(bd::ConnectionProfile::Custom, url, key, true);
            QTRY_COMPARE_WITH_TIMEOUT(first.state(), Session::State::Online, 15000);
            // Wait for the keychain write (its failure would be said in a message).
            auto *check = first.secrets()->read(bd::secrets::keyringAccountFor(url));
            QSignalSpy answered(check, &bd::Operation::finished);
            QVERIFY(answered.wait(25000));
            QVERIFY(messages.isEmpty());
            QVERIFY(!first.secrets()->hasSessionOnly(bd::secrets::keyringAccountFor(url)));
        }
        {
            Session second;
            useTestKeychain(second);
            second.connectTo(bd::ConnectionProfile::Custom, url, {}, true);
            QTRY_COMPARE_WITH_TIMEOUT(second.state(), Session::State::Online, 25000);
            QCOMPARE(second.workspace(), QStringLiteral("sandbox-ws"));
            auto *forget = second.forgetKey(url);
            forget->setAutoDelete(false);
            QVERIFY2(forget->exec(), qPrintable(forget->error().message));
            delete forget;
        }
        Session third;
        useTestKeychain(third);
        QSignalSpy messages(&third, &Session::message);
        third.connectTo(bd::ConnectionProfile::Custom, url, {}, true);
        QTRY_COMPARE_WITH_TIMEOUT(third.state(), Session::State::NeedsKey, 25000);
        QVERIFY(!messages.isEmpty());
    }

    // No key stored and no keychain at all (a bus nobody listens on): NeedsKey with a message
    // that says why; nothing is sent to the service.
    void keylessWithoutKeychainNeedsAKey()
    {
        const QByteArray savedBus = qgetenv("DBUS_SESSION_BUS_ADDRESS");
        if (!savedBus.isEmpty())
            QSKIP("runs without a session bus only (GLib caches the bus of the first call)");
        Session session;
        session.secrets()->setTimeoutMs(3000);
        QSignalSpy messages(&session, &Session::message);
        session.connectTo(bd::ConnectionProfile::Custom, QUrl(QStringLiteral("http://127.0.0.1:%1").arg(closedPort())), {}, true);
        QTRY_COMPARE_WITH_TIMEOUT(session.state(), Session::State::NeedsKey, 10000);
        QVERIFY(!messages.isEmpty());
        QVERIFY2(messages.last().at(0).toString().startsWith(QStringLiteral("No API key")),
                 qPrintable(messages.last().at(0).toString()));
    }

    // A key for this session only (remember off): never written to the keychain, and a service
    // that does not answer leaves the session Offline (retrying), with the reason said.
    void offlineServiceIsOfflineNotBroken()
    {
        Session session;
        QSignalSpy messages(&session, &Session::message);
        const QUrl url(QStringLiteral("http://127.0.0.1:%1").arg(closedPort()));
        session.connectTo(bd::ConnectionProfile::Custom, url, QStringLiteral("rf_offline_key_123"), false);
        QVERIFY(session.secrets()->hasSessionOnly(bd::secrets::keyringAccountFor(url)));
        QTRY_COMPARE_WITH_TIMEOUT(session.state(), Session::State::Offline, 60000);
        QVERIFY(!messages.isEmpty());
        // The services answer with the connection's error, not a crash or silence.
        Error error;
        bool answered = false;
        session.batches()->fetchBatch(QStringLiteral("any"), this, [&](const Error &e, const bd::api::Batch &) {
            error = e;
            answered = true;
        });
        QTRY_VERIFY_WITH_TIMEOUT(answered, 60000);
        QVERIFY(error.kind == ErrorKind::Network || error.kind == ErrorKind::Timeout);
    }

    // The CLI's path: useConnection() without a check, and the first request resolves the
    // workspace; a wrong key is Unauthorized.
    void useConnectionServesTheCli()
    {
        const QString key = QStringLiteral("rf_cli_key_1234");
        auto sandbox = startSandbox(key);
        QVERIFY(sandbox);
        Session session;
        session.useConnection(sandbox->apiUrl(), key);
        QCOMPARE(session.state(), Session::State::Disconnected);
        qint64 count = -1;
        session.batches()->fetchCount(QStringLiteral("demo-images"), {}, this,
                                      [&](const Error &e, qint64 n) { count = e ? -2 : n; });
        QTRY_VERIFY_WITH_TIMEOUT(count != -1, 15000);
        QVERIFY(count > 0);
        QCOMPARE(session.workspace(), QStringLiteral("sandbox-ws"));

        Session wrong;
        wrong.useConnection(sandbox->apiUrl(), QStringLiteral("rf_wrong_key_99"));
        Error error;
        bool answered = false;
        wrong.batches()->fetchCount(QStringLiteral("demo-images"), {}, this, [&](const Error &e, qint64) {
            error = e;
            answered = true;
        });
        QTRY_VERIFY_WITH_TIMEOUT(answered, 15000);
        QCOMPARE(error.kind, ErrorKind::Unauthorized);
    }
};

QTEST_GUILESS_MAIN(TstSession)
#include "tst_session.moc"
