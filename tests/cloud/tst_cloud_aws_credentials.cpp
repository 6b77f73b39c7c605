// The AWS credential chain against loopback fakes of IMDSv2, the ECS endpoint, STS and S3
// (tests/cloud/CredentialFakes.h): every source is found, then used by the real
// CloudIngestPlanner to list (the fake S3 checks the SigV4 signature and the session token of
// every page against what it issued) and to presign; the planner names the source. Precedence
// follows the AWS SDKs' documented order; hostile answers and settings end in clear messages;
// credentials that expire during a long listing are refreshed before they do.
// Every endpoint is overridden only through the SDKs' own variables (AWS_ENDPOINT_URL_STS,
// AWS_ENDPOINT_URL, AWS_EC2_METADATA_SERVICE_ENDPOINT, AWS_CONTAINER_CREDENTIALS_FULL_URI).
#include "CredentialFakes.h"

#include "staging/CloudIngestPlanner.h"

#include <QElapsedTimer>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest>

using bd::staging::CloudIngestPlanner;
using cloudtest::CredentialFakes;

namespace {

bool run(CloudIngestPlanner &planner, int timeoutMs = 30000)
{
    QEventLoop loop;
    QObject::connect(&planner, &bd::Operation::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    planner.start();
    loop.exec();
    return planner.isFinished();
}

void writeFile(const QString &path, const QByteArray &content, bool executable = false)
{
    QDir().mkpath(QFileInfo(path).path());
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(content);
    f.close();
    if (executable)
        f.setPermissions(f.permissions() | QFileDevice::ExeOwner);
}

}  // namespace

class TestAwsCredentials : public QObject
{
    Q_OBJECT
private:
    CredentialFakes m_fake;
    QTemporaryDir m_home;

    // Only the fake: S3 and STS at its root, IMDS disabled unless a test turns it on.
    QProcessEnvironment baseEnv() const
    {
        QProcessEnvironment env;
        env.insert(QStringLiteral("AWS_ENDPOINT_URL"), m_fake.url());
        env.insert(QStringLiteral("AWS_ENDPOINT_URL_STS"), m_fake.url());
        env.insert(QStringLiteral("AWS_REGION"), QStringLiteral("eu-west-1"));
        env.insert(QStringLiteral("AWS_EC2_METADATA_DISABLED"), QStringLiteral("true"));
        env.insert(QStringLiteral("AWS_CONFIG_FILE"), m_home.filePath(QStringLiteral("none/config")));
        env.insert(QStringLiteral("AWS_SHARED_CREDENTIALS_FILE"), m_home.filePath(QStringLiteral("none/credentials")));
        return env;
    }
    QProcessEnvironment imdsEnv() const
    {
        QProcessEnvironment env = baseEnv();
        env.remove(QStringLiteral("AWS_EC2_METADATA_DISABLED"));
        env.insert(QStringLiteral("AWS_EC2_METADATA_SERVICE_ENDPOINT"), m_fake.url() + QLatin1Char('/'));
        return env;
    }

    // Lists s3://creds/photos/ through the fake with `env`, signs, and checks the source and that
    // the signed URLs carry the credentials the fake knows. Returns the planner's credentials.
    bd::staging::CloudCredentials listAndSign(const QProcessEnvironment &env, const QString &expectedKind,
                                              const QString &expectedSource)
    {
        const int rejectedBefore = m_fake.s3Rejected;
        CloudIngestPlanner::Request request;
        request.bucketPath = QStringLiteral("s3://creds/photos/");
        request.environment = env;
        request.homeDir = m_home.path();
        request.pageSize = 2;
        CloudIngestPlanner planner(request);
        [&] { QVERIFY(run(planner)); }();
        [&] { QVERIFY2(!planner.error(), qPrintable(planner.error().fullText())); }();
        const bd::staging::CloudCredentials c = planner.credentials();
        [&] {
            QCOMPARE(c.sourceKind, expectedKind);
            QVERIFY2(c.source.contains(expectedSource), qPrintable(c.source));
            QCOMPARE(planner.references().size(), 3);
            QCOMPARE(m_fake.s3Rejected.load(), rejectedBefore);
            const QString url = planner.references().first().url;
            QVERIFY2(url.contains(QStringLiteral("X-Amz-Credential=") + c.aws.accessKeyId), qPrintable(url));
            QVERIFY(m_fake.issued().contains(c.aws.accessKeyId));
            const QString token = m_fake.issued().value(c.aws.accessKeyId).token;
            if (!token.isEmpty())
                QVERIFY(url.contains(QStringLiteral("X-Amz-Security-Token=") + QString::fromLatin1(bd::cloud::uriEncode(token))));
        }();
        return c;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_fake.objectKeys = { QStringLiteral("photos/a.jpg"), QStringLiteral("photos/b.jpg"), QStringLiteral("photos/c.png"),
                              QStringLiteral("photos/notes.txt") };
        m_fake.webIdentityToken = QStringLiteral("eyJ.fake-web-identity-token.sig");
        m_fake.stsSourceKey = QStringLiteral("AKIABASE");
        m_fake.stsSourceSecret = QStringLiteral("base-profile-secret-4455");
        m_fake.accept(m_fake.stsSourceKey, m_fake.stsSourceSecret);
        m_fake.start();
    }

    void environmentIsLambdasWayToo()
    {
        m_fake.accept(QStringLiteral("AKIAENVKEY"), QStringLiteral("env-secret-1122"), QStringLiteral("env-token-3344"));
        QProcessEnvironment env = baseEnv();
        env.insert(QStringLiteral("AWS_ACCESS_KEY_ID"), QStringLiteral("AKIAENVKEY"));
        env.insert(QStringLiteral("AWS_SECRET_ACCESS_KEY"), QStringLiteral("env-secret-1122"));
        env.insert(QStringLiteral("AWS_SESSION_TOKEN"), QStringLiteral("env-token-3344"));
        env.insert(QStringLiteral("AWS_LAMBDA_FUNCTION_NAME"), QStringLiteral("thumbnailer"));
        listAndSign(env, QStringLiteral("environment"), QStringLiteral("Lambda function `thumbnailer`"));
    }

    void webIdentityAsOnEks()
    {
        const QString tokenFile = m_home.filePath(QStringLiteral("eks/token"));
        writeFile(tokenFile, m_fake.webIdentityToken.toUtf8() + '\n');
        QProcessEnvironment env = baseEnv();
        env.insert(QStringLiteral("AWS_WEB_IDENTITY_TOKEN_FILE"), tokenFile);
        env.insert(QStringLiteral("AWS_ROLE_ARN"), QStringLiteral("arn:aws:iam::123456789012:role/eks-ingest"));
        const int sts = m_fake.stsCalls;
        const auto c = listAndSign(env, QStringLiteral("web-identity"), QStringLiteral("web identity role `eks-ingest`"));
        QCOMPARE(m_fake.stsCalls.load(), sts + 1);
        QVERIFY(c.expiration.isValid());

        writeFile(tokenFile, "not-the-token");   // STS refuses: its code is in the message
        bd::Error e;
        bd::cloud::AwsCredentials::resolve(env, m_home.path(), &e);
        QVERIFY2(e.message.contains(QStringLiteral("InvalidIdentityToken")), qPrintable(e.message));
    }

    void credentialProcessProfile()
    {
        const QString script = m_home.filePath(QStringLiteral("bin/creds tool.sh"));   // a space: quoted in the config
        m_fake.accept(QStringLiteral("AKIAPROCESS"), QStringLiteral("process-secret-5566"), QStringLiteral("process-token-7788"));
        writeFile(script,
                  "#!/bin/sh\n[ \"$1\" = \"--account\" ] && [ \"$2\" = \"prod one\" ] || exit 7\n"
                  "echo '{\"Version\": 1, \"AccessKeyId\": \"AKIAPROCESS\", \"SecretAccessKey\": \"process-secret-5566\", "
                  "\"SessionToken\": \"process-token-7788\", \"Expiration\": \"2999-01-01T00:00:00Z\"}'\n",
                  true);
        writeFile(m_home.filePath(QStringLiteral("p/config")),
                  "[profile prod]\ncredential_process = \"" + script.toUtf8() + "\" --account \"prod one\"\n");
        QProcessEnvironment env = baseEnv();
        env.insert(QStringLiteral("AWS_CONFIG_FILE"), m_home.filePath(QStringLiteral("p/config")));
        env.insert(QStringLiteral("AWS_PROFILE"), QStringLiteral("prod"));
        listAndSign(env, QStringLiteral("process"), QStringLiteral("profile `prod` via credential_process"));
    }

    void credentialProcessHostileOutput_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("expected");
        QTest::newRow("exit code") << QByteArray("echo 'denied: no badge' >&2; exit 3") << "exited with code 3: denied: no badge";
        QTest::newRow("not json") << QByteArray("echo 'AKIA secret'") << "printed no JSON object";
        QTest::newRow("version 2") << QByteArray("echo '{\"Version\": 2, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"B\"}'")
                                   << "only Version 1";
        QTest::newRow("no secret") << QByteArray("echo '{\"Version\": 1, \"AccessKeyId\": \"A\"}'") << "no AccessKeyId / SecretAccessKey";
        QTest::newRow("bad expiry") << QByteArray("echo '{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"Bsecret\", "
                                                  "\"Expiration\": \"tomorrow\"}'")
                                    << "unreadable Expiration";
        QTest::newRow("huge output") << QByteArray("/usr/bin/head -c 3000000 /dev/zero | /usr/bin/tr '\\0' x") << "printed no JSON object";
    }

    void credentialProcessHostileOutput()
    {
        QFETCH(QByteArray, body);
        QFETCH(QString, expected);
        const QString script = m_home.filePath(QStringLiteral("bin/bad.sh"));
        writeFile(script, "#!/bin/sh\n" + body + '\n', true);
        writeFile(m_home.filePath(QStringLiteral("bad/config")), "[default]\ncredential_process = " + script.toUtf8() + '\n');
        QProcessEnvironment env = baseEnv();
        env.insert(QStringLiteral("AWS_CONFIG_FILE"), m_home.filePath(QStringLiteral("bad/config")));
        bd::Error e;
        QVERIFY(!bd::cloud::AwsCredentials::resolve(env, m_home.path(), &e).isValid());
        QVERIFY2(e.message.contains(QStringLiteral("credential_process")) && e.message.contains(expected), qPrintable(e.message));
    }

    void assumeRoleChainFromSourceProfile()
    {
        writeFile(m_home.filePath(QStringLiteral("chain/credentials")),
                  "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = base-profile-secret-4455\n");
        writeFile(m_home.filePath(QStringLiteral("chain/config")),
                  "[profile middle]\nrole_arn = arn:aws:iam::1:role/middle\nsource_profile = base\n"
                  "[profile ingest]\nrole_arn = arn:aws:iam::1:role/ingest-reader\nsource_profile = base\nexternal_id = x-1\n"
                  "[profile loop-a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = loop-b\n"
                  "[profile loop-b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = loop-a\n"
                  "[profile mfa]\nrole_arn = arn:aws:iam::1:role/m\nsource_profile = base\nmfa_serial = arn:aws:iam::1:mfa/me\n"
                  "[profile sso]\nsso_session = corp\nsso_account_id = 1\n"
                  "[profile eks]\nrole_arn = arn:aws:iam::1:role/eks-web\nweb_identity_token_file = "
                  + m_home.filePath(QStringLiteral("chain/token")).toUtf8() + "\n");
        writeFile(m_home.filePath(QStringLiteral("chain/token")), m_fake.webIdentityToken.toUtf8());
        QProcessEnvironment env = baseEnv();
        env.insert(QStringLiteral("AWS_CONFIG_FILE"), m_home.filePath(QStringLiteral("chain/config")));
        env.insert(QStringLiteral("AWS_SHARED_CREDENTIALS_FILE"), m_home.filePath(QStringLiteral("chain/credentials")));
        env.insert(QStringLiteral("AWS_PROFILE"), QStringLiteral("ingest"));
        const int rejected = m_fake.stsRejected;
        listAndSign(env, QStringLiteral("assume-role"),
                    QStringLiteral("profile `ingest`: role `ingest-reader` assumed with profile `base`"));
        QCOMPARE(m_fake.stsRejected.load(), rejected);   // the fake checked our SigV4 signature of AssumeRole
        env.insert(QStringLiteral("AWS_PROFILE"), QStringLiteral("eks"));
        listAndSign(env, QStringLiteral("web-identity"), QStringLiteral("profile `eks`: web identity role `eks-web`"));

        const QList<QPair<QString, QString>> broken{ { QStringLiteral("loop-a"), QStringLiteral("source_profile loop") },
                                                     { QStringLiteral("mfa"), QStringLiteral("MFA code") },
                                                     { QStringLiteral("sso"), QStringLiteral("aws sso login --profile sso") },
                                                     { QStringLiteral("nope"), QStringLiteral("No AWS credentials in profile \"nope\"") } };
        for (const auto &[profile, expected] : broken) {
            env.insert(QStringLiteral("AWS_PROFILE"), profile);
            bd::Error e;
            QVERIFY(!bd::cloud::AwsCredentials::resolve(env, m_home.path(), &e).isValid());
            QVERIFY2(e.message.contains(expected), qPrintable(profile + QStringLiteral(": ") + e.message));
        }
    }

    void containerEndpointWithTokenFile()
    {
        const QString tokenFile = m_home.filePath(QStringLiteral("ecs/token"));
        writeFile(tokenFile, m_fake.ecsToken.toUtf8() + '\n');
        QProcessEnvironment env = baseEnv();
        env.insert(QStringLiteral("AWS_CONTAINER_CREDENTIALS_FULL_URI"), m_fake.url() + QStringLiteral("/ecs/creds"));
        env.insert(QStringLiteral("AWS_CONTAINER_AUTHORIZATION_TOKEN"), QStringLiteral("the-file-wins"));
        env.insert(QStringLiteral("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"), tokenFile);
        listAndSign(env, QStringLiteral("container"), QStringLiteral("ECS task role `task-role`"));

        env.insert(QStringLiteral("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"), m_home.filePath(QStringLiteral("ecs/missing")));
        bd::Error e;
        bd::cloud::AwsCredentials::resolve(env, m_home.path(), &e);
        QVERIFY2(e.message.contains(QStringLiteral("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")), qPrintable(e.message));
    }

    void containerEndpointRefusesPlainHttpElsewhere()
    {
        const int requests = m_fake.requests;
        for (const QString &uri : { QStringLiteral("http://10.1.2.3/creds"), QStringLiteral("http://169.254.169.254/creds"),
                                    QStringLiteral("ftp://127.0.0.1/creds") }) {
            QProcessEnvironment env = baseEnv();
            env.insert(QStringLiteral("AWS_CONTAINER_CREDENTIALS_FULL_URI"), uri);
            env.insert(QStringLiteral("AWS_CONTAINER_AUTHORIZATION_TOKEN"), m_fake.ecsToken);
            bd::Error e;
            QVERIFY(!bd::cloud::AwsCredentials::resolve(env, m_home.path(), &e).isValid());
            QVERIFY2(e.message.contains(QStringLiteral("must be https, or http to a loopback address")), qPrintable(e.message));
        }
        QCOMPARE(m_fake.requests.load(), requests);
    }

    void ec2InstanceRoleThroughImdsV2()
    {
        const int puts = m_fake.imdsTokenPuts;
        const auto c = listAndSign(imdsEnv(), QStringLiteral("imds"), QStringLiteral("EC2 instance role `ingest-role`"));
        QCOMPARE(m_fake.imdsTokenPuts.load(), puts + 1);
        QCOMPARE(m_fake.imdsUnauthorized.load(), 0);   // every metadata GET carried the session token
        QVERIFY(c.expiration > QDateTime::currentDateTimeUtc());
    }

    void imdsDisabledOrAbsentSaysWhatWasTried()
    {
        const int requests = m_fake.requests;
        QProcessEnvironment env = imdsEnv();
        env.insert(QStringLiteral("AWS_EC2_METADATA_DISABLED"), QStringLiteral("TRUE"));
        bd::Error e;
        QVERIFY(!bd::cloud::AwsCredentials::resolve(env, m_home.path(), &e).isValid());
        QCOMPARE(m_fake.requests.load(), requests);
        QVERIFY2(e.message.contains(QStringLiteral("AWS_EC2_METADATA_DISABLED=true")), qPrintable(e.message));

        // A closed loopback port: no metadata service, as on a laptop. The chain moves on.
        quint16 closed = 0;
        {
            QTcpServer probe;
            probe.listen(QHostAddress::LocalHost, 0);
            closed = probe.serverPort();
        }
        env = imdsEnv();
        env.insert(QStringLiteral("AWS_EC2_METADATA_SERVICE_ENDPOINT"), QStringLiteral("http://127.0.0.1:%1").arg(closed));
        QVERIFY(!bd::cloud::AwsCredentials::resolve(env, m_home.path(), &e).isValid());
        for (const QString &tried : { QStringLiteral("environment:"), QStringLiteral("web identity:"), QStringLiteral("profile `default`"),
                                      QStringLiteral("container endpoint:"), QStringLiteral("EC2 instance metadata: no answer") })
            QVERIFY2(e.message.contains(tried), qPrintable(e.message));
        // A metadata address that accepts connections and never answers (a listening socket
        // nobody reads: the kernel completes the handshake): the 1 s timeout moves the chain on.
        QTcpServer silent;
        QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
        env.insert(QStringLiteral("AWS_EC2_METADATA_SERVICE_ENDPOINT"), QStringLiteral("http://127.0.0.1:%1").arg(silent.serverPort()));
        QElapsedTimer clock;
        clock.start();
        QVERIFY(!bd::cloud::AwsCredentials::resolve(env, m_home.path(), &e).isValid());
        QVERIFY2(e.message.contains(QStringLiteral("EC2 instance metadata: no answer from http://127.0.0.1:%1 (no answer within 1000 ms)")
                                        .arg(silent.serverPort())),
                 qPrintable(e.message));
        qInfo("silent instance metadata: the chain gave up after %lld ms", clock.elapsed());
    }

    // The SDKs' order: environment > web identity > profile > container > instance metadata.
    void precedenceFollowsTheSdks()
    {
        const QString tokenFile = m_home.filePath(QStringLiteral("prec/token"));
        writeFile(tokenFile, m_fake.webIdentityToken.toUtf8());
        writeFile(m_home.filePath(QStringLiteral("prec/credentials")),
                  "[default]\naws_access_key_id = AKIAPROFILE\naws_secret_access_key = profile-secret-99\n");
        QProcessEnvironment env = imdsEnv();
        env.insert(QStringLiteral("AWS_ACCESS_KEY_ID"), QStringLiteral("AKIAENVKEY"));
        env.insert(QStringLiteral("AWS_SECRET_ACCESS_KEY"), QStringLiteral("env-secret-1122"));
        env.insert(QStringLiteral("AWS_WEB_IDENTITY_TOKEN_FILE"), tokenFile);
        env.insert(QStringLiteral("AWS_ROLE_ARN"), QStringLiteral("arn:aws:iam::1:role/web"));
        env.insert(QStringLiteral("AWS_SHARED_CREDENTIALS_FILE"), m_home.filePath(QStringLiteral("prec/credentials")));
        env.insert(QStringLiteral("AWS_CONTAINER_CREDENTIALS_FULL_URI"), m_fake.url() + QStringLiteral("/ecs/creds"));
        env.insert(QStringLiteral("AWS_CONTAINER_AUTHORIZATION_TOKEN"), m_fake.ecsToken);
        const QStringList order{ QStringLiteral("environment"), QStringLiteral("web-identity"), QStringLiteral("profile"),
                                 QStringLiteral("container"), QStringLiteral("imds") };
        const QList<QStringList> removeAfter{ { QStringLiteral("AWS_ACCESS_KEY_ID") },
                                              { QStringLiteral("AWS_WEB_IDENTITY_TOKEN_FILE") },
                                              { QStringLiteral("AWS_SHARED_CREDENTIALS_FILE") },
                                              { QStringLiteral("AWS_CONTAINER_CREDENTIALS_FULL_URI") },
                                              {} };
        env.insert(QStringLiteral("AWS_SHARED_CREDENTIALS_FILE"), m_home.filePath(QStringLiteral("prec/credentials")));
        for (int i = 0; i < order.size(); ++i) {
            const int sts = m_fake.stsCalls, ecs = m_fake.ecsGets, imds = m_fake.imdsTokenPuts;
            bd::Error e;
            const bd::cloud::AwsCredentials c = bd::cloud::AwsCredentials::resolve(env, m_home.path(), &e);
            QVERIFY2(!e, qPrintable(e.message));
            QCOMPARE(c.sourceKind, order.at(i));
            // Sources after the winner are never contacted.
            QCOMPARE(m_fake.stsCalls.load() - sts, order.at(i) == QLatin1String("web-identity") ? 1 : 0);
            QCOMPARE(m_fake.ecsGets.load() - ecs, order.at(i) == QLatin1String("container") ? 1 : 0);
            QCOMPARE(m_fake.imdsTokenPuts.load() - imds, order.at(i) == QLatin1String("imds") ? 1 : 0);
            for (const QString &name : removeAfter.at(i))
                env.insert(name, name == QLatin1String("AWS_SHARED_CREDENTIALS_FILE") ? m_home.filePath(QStringLiteral("none/x"))
                                                                                       : QString());
        }
    }

    // Credentials that live 6 s, a listing of ~9 s (15 pages, the fake answers each after 600 ms):
    // the fake S3 refuses any page signed with expired credentials, so without refreshes the
    // listing fails; with them, no page is refused and the URLs carry the newest credentials.
    void refreshesBeforeExpiryDuringALongListing()
    {
        CredentialFakes fake;
        fake.lifetimeSeconds = 6;   // refresh window: the last ~2 s, wide enough for a busy machine
        fake.pageDelayMs = 600;
        for (int i = 0; i < 30; ++i)
            fake.objectKeys << QStringLiteral("long/img_%1.jpg").arg(i, 2, 10, QLatin1Char('0'));
        fake.start();
        QProcessEnvironment env = imdsEnv();
        env.insert(QStringLiteral("AWS_ENDPOINT_URL"), fake.url());
        env.insert(QStringLiteral("AWS_EC2_METADATA_SERVICE_ENDPOINT"), fake.url());
        CloudIngestPlanner::Request request;
        request.bucketPath = QStringLiteral("s3://long/long/");
        request.environment = env;
        request.homeDir = m_home.path();
        request.pageSize = 2;
        CloudIngestPlanner planner(request);
        QVERIFY(run(planner, 60000));
        QVERIFY2(!planner.error(), qPrintable(planner.error().fullText()));
        QCOMPARE(planner.references().size(), 30);
        QCOMPARE(fake.s3Rejected.load(), 0);
        QCOMPARE(fake.s3Pages.load(), 15);
        QVERIFY2(planner.credentialRefreshes() >= 2, qPrintable(QString::number(planner.credentialRefreshes())));
        QCOMPARE(fake.imdsCredentialGets.load(), 1 + planner.credentialRefreshes());
        const QStringList keyIds = fake.lastS3KeyIds();
        QVERIFY(QSet<QString>(keyIds.begin(), keyIds.end()).size() >= 2);   // pages signed with successive credentials
        const QString newest = planner.credentials().aws.accessKeyId;
        QVERIFY(planner.references().last().url.contains(QStringLiteral("X-Amz-Credential=") + newest));
        qInfo("30 objects in 15 pages with 6 s credentials: %d refreshes", planner.credentialRefreshes());
    }
};

QTEST_GUILESS_MAIN(TestAwsCredentials)
#include "tst_cloud_aws_credentials.moc"
