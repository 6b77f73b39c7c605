// The batchdeck-sandbox executable: prints its one line, serves, and exits 0 on SIGTERM/SIGINT.
#include <QProcess>
#include <QRegularExpression>
#include <QTest>

#include <httplib.h>

#include <csignal>

class TestSandboxExe : public QObject
{
    Q_OBJECT

private:
    static QString binary()
    {
        return qEnvironmentVariable("BATCHDECK_BIN_DIR") + QStringLiteral("/batchdeck-sandbox");
    }

    void runAndStop(int signal)
    {
        QProcess process;
        process.start(binary(), { "--api-key", "k-one", "--api-key", "k-two", "--workspace", "exe-ws", "--demo",
                                  "--time-scale", "20", "--index-delay-ms", "10" });
        QVERIFY2(process.waitForStarted(), qPrintable(process.errorString()));
        QTRY_VERIFY_WITH_TIMEOUT(process.canReadLine(), 20000);
        const QString line = QString::fromUtf8(process.readLine()).trimmed();
        const auto match = QRegularExpression(R"(^api http://127\.0\.0\.1:(\d+) storage http://127\.0\.0\.1:(\d+)$)").match(line);
        QVERIFY2(match.hasMatch(), qPrintable(line));

        httplib::Client client("127.0.0.1", match.captured(1).toInt());
        auto w1 = client.Get("/?api_key=k-two");
        QVERIFY(w1);
        QCOMPARE(w1->status, 200);
        QVERIFY(QString::fromStdString(w1->body).contains("exe-ws"));
        QCOMPARE(client.Get("/?api_key=sandbox-key")->status, 401);   // only the keys given
        auto demo = client.Get("/data-staging/v1/external/exe-ws/batches/demo-images/count?api_key=k-one");
        QCOMPARE(demo->status, 200);

        ::kill(pid_t(process.processId()), signal);
        QVERIFY(process.waitForFinished(20000));
        QCOMPARE(process.exitStatus(), QProcess::NormalExit);
        QCOMPARE(process.exitCode(), 0);
        QVERIFY(process.readAll().isEmpty());   // exactly one line on stdout
    }

private slots:
    void printsLineAndStopsOnSigterm() { runAndStop(SIGTERM); }
    void stopsOnSigint() { runAndStop(SIGINT); }

    void helpListsFlags()
    {
        QProcess process;
        process.start(binary(), { "--help" });
        QVERIFY(process.waitForFinished(20000));
        QCOMPARE(process.exitCode(), 0);
        const QString help = QString::fromUtf8(process.readAllStandardOutput());
        for (const char *flag : { "--host", "--port", "--storage-port", "--api-key", "--workspace", "--publishable-key",
                                  "--data-dir", "--faults", "--time-scale", "--index-delay-ms", "--demo" })
            QVERIFY2(help.contains(QLatin1String(flag)), flag);
    }

    void badFaultPlanFails()
    {
        QProcess process;
        process.start(binary(), { "--faults", "/nonexistent/faults.json" });
        QVERIFY(process.waitForFinished(20000));
        QCOMPARE(process.exitCode(), 1);
        QVERIFY(process.readAllStandardOutput().isEmpty());
        QVERIFY(process.readAllStandardError().contains("fault plan"));
    }
};

QTEST_GUILESS_MAIN(TestSandboxExe)
#include "tst_sandbox_exe.moc"
