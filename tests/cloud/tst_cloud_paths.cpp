// Bucket-path parsing and the glob dialect of spec §7.3, media extension filter, AWS credential
// and config files, unique reference names and the JSONL writer.
#include "cloud/AwsCredentials.h"
#include "cloud/BucketPath.h"
#include "cloud/ReferencesBuilder.h"

#include "core/Redact.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

using namespace bd::cloud;

class TestCloudPaths : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void parse_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("provider");
        QTest::addColumn<QString>("base");
        QTest::addColumn<QString>("pattern");
        QTest::addColumn<QString>("bucket");
        QTest::addColumn<QString>("prefix");
        // §7.3 step 1 example.
        QTest::newRow("spec") << "s3://b/path/**/*.jpg" << int(CloudProvider::S3) << "s3://b/path/" << "**/*.jpg" << "b" << "path/";
        QTest::newRow("no glob") << "s3://bucket/path/" << int(CloudProvider::S3) << "s3://bucket/path/" << "" << "bucket" << "path/";
        QTest::newRow("bucket only") << "gs://bucket" << int(CloudProvider::Gcs) << "gs://bucket" << "" << "bucket" << "";
        QTest::newRow("gcs") << "gcs://bkt/2024-*/*.mp4" << int(CloudProvider::Gcs) << "gcs://bkt/" << "2024-*/*.mp4" << "bkt" << "";
        QTest::newRow("az") << "az://container/images/*.png" << int(CloudProvider::Azure) << "az://container/images/" << "*.png" << "container" << "images/";
        QTest::newRow("abfs") << "abfs://c/x" << int(CloudProvider::Azure) << "abfs://c/x" << "" << "c" << "x";
        QTest::newRow("azure") << "azure://c/a/b/" << int(CloudProvider::Azure) << "azure://c/a/b/" << "" << "c" << "a/b/";
        // Quirk: a glob left of a literal segment stays in the base.
        QTest::newRow("quirk") << "s3://b/*/fixed/*.jpg" << int(CloudProvider::S3) << "s3://b/*/fixed/" << "*.jpg" << "b" << "*/fixed/";
        QTest::newRow("question mark") << "s3://b/img?.jpg" << int(CloudProvider::S3) << "s3://b/" << "img?.jpg" << "b" << "";
    }
    void parse()
    {
        QFETCH(QString, text);
        bd::Error e;
        const BucketPath p = BucketPath::parse(text, &e);
        QVERIFY2(!e.isError(), qPrintable(e.message));
        QTEST(int(p.provider), "provider");
        QTEST(p.base, "base");
        QTEST(p.pattern, "pattern");
        QTEST(p.bucket, "bucket");
        QTEST(p.prefix, "prefix");
    }
    void parseErrors()
    {
        for (const QString &bad : { QStringLiteral("/local/dir"), QStringLiteral("http://x/y"), QStringLiteral("s3://"),
                                    QStringLiteral("s3:///key") }) {
            bd::Error e;
            BucketPath::parse(bad, &e);
            QCOMPARE(e.kind, bd::ErrorKind::InvalidInput);
        }
    }

    void glob_data()
    {
        QTest::addColumn<QString>("pattern");
        QTest::addColumn<QString>("path");
        QTest::addColumn<bool>("match");
        QTest::newRow("** optional dirs, none") << "**/*.jpg" << "a.jpg" << true;
        QTest::newRow("** optional dirs, deep") << "**/*.jpg" << "x/y/a.jpg" << true;
        QTest::newRow("** wrong ext") << "**/*.jpg" << "x/a.png" << false;
        QTest::newRow("* one segment") << "*.png" << "a.png" << true;
        QTest::newRow("* not across /") << "*.png" << "d/a.png" << false;
        QTest::newRow("docs 2024-*") << "2024-*/*.mp4" << "2024-05/v.mp4" << true;
        QTest::newRow("docs 2024-* deep") << "2024-*/*.mp4" << "2024-05/x/v.mp4" << false;
        QTest::newRow("** middle any chars") << "a/**/b.jpg" << "a/x/y/b.jpg" << true;
        QTest::newRow("** middle needs a dir") << "a/**/b.jpg" << "a/b.jpg" << false;
        QTest::newRow("** last") << "img/**" << "img/x/y.jpg" << true;
        QTest::newRow("? literal") << "img?.jpg" << "img?.jpg" << true;
        QTest::newRow("? not wildcard") << "img?.jpg" << "img1.jpg" << false;
        QTest::newRow("[] literal") << "[ab].jpg" << "[ab].jpg" << true;
        QTest::newRow("[] not class") << "[ab].jpg" << "a.jpg" << false;
        QTest::newRow("anchored start") << "*.jpg" << "a.jpg.bak" << false;
        QTest::newRow("dot literal") << "a.jpg" << "aXjpg" << false;
        QTest::newRow("regex chars literal") << "a+(b)*.jpg" << "a+(b)1.jpg" << true;
    }
    void glob()
    {
        QFETCH(QString, pattern);
        QFETCH(QString, path);
        QTEST(globMatch(pattern, path), "match");
    }

    void matchesRelativeToBase()
    {
        const BucketPath p = BucketPath::parse(QStringLiteral("s3://b/path/**/*.jpg"));
        QVERIFY(p.matches(QStringLiteral("path/a.jpg")));
        QVERIFY(p.matches(QStringLiteral("path/sub/a.jpg")));
        QVERIFY(!p.matches(QStringLiteral("other/a.jpg")));
        QVERIFY(!p.matches(QStringLiteral("pathology/a.jpg")));
        const BucketPath all = BucketPath::parse(QStringLiteral("s3://b/data"));
        QVERIFY(all.matches(QStringLiteral("data/x.jpg")));
        QCOMPARE(all.relativeKey(QStringLiteral("data/x.jpg")), QStringLiteral("x.jpg"));
    }

    void mediaFilter()
    {
        QVERIFY(isMediaFile(QStringLiteral("a/B.JPG"), MediaKind::Images));
        QVERIFY(isMediaFile(QStringLiteral("x.Jpeg"), MediaKind::Images));   // mixed case accepted
        QVERIFY(isMediaFile(QStringLiteral("x.webp"), MediaKind::Images));
        QVERIFY(!isMediaFile(QStringLiteral("x.gif"), MediaKind::Images));
        QVERIFY(!isMediaFile(QStringLiteral("x.mp4"), MediaKind::Images));
        QVERIFY(isMediaFile(QStringLiteral("v/clip.MKV"), MediaKind::Videos));
        QVERIFY(!isMediaFile(QStringLiteral("dir.jpg/readme"), MediaKind::Images));
        QVERIFY(!isMediaFile(QStringLiteral("jpg"), MediaKind::Images));
    }

    void awsEnvironmentWins()
    {
        QTemporaryDir home;
        QProcessEnvironment env;
        env.insert(QStringLiteral("AWS_ACCESS_KEY_ID"), QStringLiteral("AKIAENV"));
        env.insert(QStringLiteral("AWS_SECRET_ACCESS_KEY"), QStringLiteral("env-secret-value-123"));
        env.insert(QStringLiteral("AWS_SESSION_TOKEN"), QStringLiteral("env-session-token-456"));
        env.insert(QStringLiteral("AWS_DEFAULT_REGION"), QStringLiteral("eu-central-1"));
        bd::Error e;
        const AwsCredentials c = AwsCredentials::resolve(env, home.path(), &e);
        QVERIFY(!e.isError());
        QCOMPARE(c.accessKeyId, QStringLiteral("AKIAENV"));
        QCOMPARE(c.sessionToken, QStringLiteral("env-session-token-456"));
        QCOMPARE(c.region, QStringLiteral("eu-central-1"));
        QCOMPARE(c.sourceKind, QStringLiteral("environment"));
        QVERIFY2(c.source.startsWith(QStringLiteral("environment (AWS_ACCESS_KEY_ID)")), qPrintable(c.source));
        // Registered as secrets: never printable.
        QVERIFY(!bd::redact(QStringLiteral("x env-secret-value-123 y")).contains(QStringLiteral("env-secret-value-123")));
        QVERIFY(!bd::redact(QStringLiteral("env-session-token-456")).contains(QStringLiteral("env-session-token-456")));
    }

    void awsProfileFiles()
    {
        QTemporaryDir home;
        QDir(home.path()).mkpath(QStringLiteral(".aws"));
        QFile creds(home.filePath(QStringLiteral(".aws/credentials")));
        QVERIFY(creds.open(QIODevice::WriteOnly));
        creds.write("# comment\n[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = default-secret-xyz\n\n"
                    "[work]\nAWS_ACCESS_KEY_ID=AKIAWORK\naws_secret_access_key=work-secret-abc\naws_session_token = work-token-def\n");
        creds.close();
        QFile config(home.filePath(QStringLiteral(".aws/config")));
        QVERIFY(config.open(QIODevice::WriteOnly));
        config.write("[default]\nregion = us-west-2\n; other\n[profile work]\nregion=ap-south-1\n"
                     "[profile r2]\nregion = auto\naws_access_key_id = AKIAR2\naws_secret_access_key = r2-secret-ghi\n"
                     "endpoint_url = https://acct.r2.cloudflarestorage.com\n");
        config.close();

        QProcessEnvironment env;
        AwsCredentials c = AwsCredentials::resolve(env, home.path());
        QCOMPARE(c.accessKeyId, QStringLiteral("AKIADEFAULT"));
        QCOMPARE(c.region, QStringLiteral("us-west-2"));
        QCOMPARE(c.sourceKind, QStringLiteral("profile"));
        QVERIFY2(c.source.startsWith(QStringLiteral("profile `default`")), qPrintable(c.source));

        env.insert(QStringLiteral("AWS_PROFILE"), QStringLiteral("work"));
        c = AwsCredentials::resolve(env, home.path());
        QCOMPARE(c.accessKeyId, QStringLiteral("AKIAWORK"));   // key names are case-insensitive
        QCOMPARE(c.sessionToken, QStringLiteral("work-token-def"));
        QCOMPARE(c.region, QStringLiteral("ap-south-1"));

        env.insert(QStringLiteral("AWS_REGION"), QStringLiteral("sa-east-1"));   // beats the profile
        QCOMPARE(AwsCredentials::resolve(env, home.path()).region, QStringLiteral("sa-east-1"));

        QProcessEnvironment r2;
        r2.insert(QStringLiteral("AWS_PROFILE"), QStringLiteral("r2"));   // keys only in config
        c = AwsCredentials::resolve(r2, home.path());
        QCOMPARE(c.accessKeyId, QStringLiteral("AKIAR2"));
        QCOMPARE(c.endpointUrl, QStringLiteral("https://acct.r2.cloudflarestorage.com"));
        QCOMPARE(c.region, QStringLiteral("auto"));

        QProcessEnvironment missing;
        missing.insert(QStringLiteral("AWS_PROFILE"), QStringLiteral("nope"));
        bd::Error e;
        QVERIFY(!AwsCredentials::resolve(missing, home.path(), &e).isValid());
        QCOMPARE(e.kind, bd::ErrorKind::InvalidInput);
        QVERIFY(e.message.contains(QStringLiteral("nope")));
    }

    void awsEndpointDefaultsRegion()
    {
        QTemporaryDir home;
        QProcessEnvironment env;
        env.insert(QStringLiteral("AWS_ACCESS_KEY_ID"), QStringLiteral("minio"));
        env.insert(QStringLiteral("AWS_SECRET_ACCESS_KEY"), QStringLiteral("minio-secret"));
        env.insert(QStringLiteral("AWS_ENDPOINT_URL"), QStringLiteral("http://127.0.0.1:9000"));
        QCOMPARE(AwsCredentials::resolve(env, home.path()).region, QStringLiteral("auto"));
        env.remove(QStringLiteral("AWS_ENDPOINT_URL"));
        QCOMPARE(AwsCredentials::resolve(env, home.path()).region, QStringLiteral("us-east-1"));
    }

    void uniqueNames()
    {
        const QStringList keys{ "a/img.jpg", "b/img.jpg", "c/other.jpg", "top.jpg", "a__img.jpg", "c/other.jpg" };
        const QStringList names = ReferencesBuilder::uniqueNames(keys);
        QCOMPARE(names.size(), keys.size());
        QCOMPARE(names[0], QStringLiteral("a__img.jpg"));
        QCOMPARE(names[1], QStringLiteral("b__img.jpg"));
        QCOMPARE(names[3], QStringLiteral("top.jpg"));
        QCOMPARE(QSet<QString>(names.begin(), names.end()).size(), names.size());   // all distinct
    }

    void buildAndWriteJsonl()
    {
        ReferencesBuilder builder([](const QString &key, qint64 expires, bd::Error *) {
            return QStringLiteral("https://signed.example/%1?exp=%2").arg(key).arg(expires);
        });
        bd::Error e;
        const auto refs = builder.build({ { QStringLiteral("p/x.jpg"), 1 }, { QStringLiteral("q/x.jpg"), 2 }, { QStringLiteral("y.png"), 3 } }, &e);
        QCOMPARE(refs.size(), 3);
        QCOMPARE(refs[0].name, QStringLiteral("p__x.jpg"));
        QCOMPARE(refs[2].url, QStringLiteral("https://signed.example/y.png?exp=86400"));
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("refs.jsonl"));
        QVERIFY(ReferencesBuilder::writeJsonl(refs, path, &e));
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = f.readAll().split('\n');
        QCOMPARE(lines.size(), 4);   // three lines + the empty tail
        const QJsonObject first = QJsonDocument::fromJson(lines[0]).object();
        QCOMPARE(first.keys(), (QStringList{ "name", "url" }));
        QCOMPARE(first.value("name").toString(), QStringLiteral("p__x.jpg"));

        ReferencesBuilder failing([](const QString &, qint64, bd::Error *err) {
            *err = bd::Error(bd::ErrorKind::InvalidInput, QStringLiteral("no key"));
            return QString();
        });
        QVERIFY(failing.build({ { QStringLiteral("a.jpg"), 1 } }, &e).isEmpty());
        QCOMPARE(e.message, QStringLiteral("no key"));
        QVERIFY(!ReferencesBuilder::writeJsonl(refs, dir.filePath(QStringLiteral("missing/dir/refs.jsonl")), &e));
        QCOMPARE(e.kind, bd::ErrorKind::Io);
    }
};

QTEST_GUILESS_MAIN(TestCloudPaths)
#include "tst_cloud_paths.moc"
