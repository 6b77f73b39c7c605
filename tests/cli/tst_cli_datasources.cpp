// batchdeck-cli data-staging create-batch-of-images / -videos with every --data-source, the real
// binary against an in-process sandbox over loopback. The references point at the sandbox's own
// signed download URLs (a batch built first with --data-source roboql), which it fetches back.
#include "cloud/CliRunner.h"
#include "sandbox/Sandbox.h"

#include <QJsonArray>
#include <QtTest>

using cloudtest::CliResult;

namespace {
const QString kKey = QStringLiteral("datasources-test-key-5150");
}

class TestCliDataSources : public QObject
{
    Q_OBJECT
private:
    std::unique_ptr<bd::sandbox::Sandbox> m_sandbox;
    cloudtest::CliRunner m_cli;

    CliResult cli(QStringList args, const QProcessEnvironment &extra = {})
    {
        QProcessEnvironment env = extra;
        env.insert(QStringLiteral("ROBOFLOW_API_KEY"), kKey);
        args << QStringLiteral("--api-url") << m_sandbox->apiUrl().toString();
        CliResult r = m_cli.run(args, env);
        if (r.both().contains(kKey))
            r.exitCode = 99;   // the API key must never be printed
        return r;
    }

    // name -> signed download URL of every file in a batch (D5 through the CLI).
    QList<QPair<QString, QString>> downloadUrls(const QString &batchId)
    {
        const QString out = m_cli.root.filePath(batchId + QStringLiteral("-content.jsonl"));
        const CliResult r = cli({ QStringLiteral("data-staging"), QStringLiteral("list-batch-content"), QStringLiteral("-b"),
                                  batchId, QStringLiteral("-o"), out });
        QList<QPair<QString, QString>> urls;
        QFile f(out);
        if (r.exitCode != 0 || !f.open(QIODevice::ReadOnly))
            return urls;
        for (const QByteArray &line : f.readAll().split('\n')) {
            const QJsonObject o = QJsonDocument::fromJson(line).object();
            if (!o.isEmpty())
                urls.append({ o.value(QStringLiteral("file_name")).toString(), o.value(QStringLiteral("download_url")).toString() });
        }
        return urls;
    }

    QString writeReferences(const QString &file, const QList<QPair<QString, QString>> &refs)
    {
        const QString path = m_cli.root.filePath(file);
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly))
            return {};
        for (const auto &r : refs)
            f.write(QJsonDocument(QJsonObject{ { "name", r.first }, { "url", r.second } }).toJson(QJsonDocument::Compact) + '\n');
        return path;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_cli.root.isValid());
        const QString problem = m_cli.init();
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        bd::sandbox::SandboxOptions options;
        options.apiKeys = { kKey };
        options.indexDelayMs = 200;
        options.timeScale = 100;
        m_sandbox = std::make_unique<bd::sandbox::Sandbox>(options);
        QString error;
        QVERIFY2(m_sandbox->start(&error), qPrintable(error));
    }

    void roboql()
    {
        const CliResult r = cli({ QStringLiteral("--json"), QStringLiteral("data-staging"), QStringLiteral("create-batch-of-images"),
                                  QStringLiteral("-b"), QStringLiteral("from-roboql"), QStringLiteral("-ds"), QStringLiteral("roboql"),
                                  QStringLiteral("-q"), QStringLiteral("name:asset-1"), QStringLiteral("--index-timeout"), QStringLiteral("60") });
        QVERIFY2(r.exitCode == 0, qPrintable(r.both()));
        const QJsonObject doc = r.json();
        QCOMPARE(doc.value(QStringLiteral("dataSource")).toString(), QStringLiteral("roboql"));
        QCOMPARE(doc.value(QStringLiteral("batchCount")).toInt(), 10);   // asset-10 ... asset-19
        QCOMPARE(m_sandbox->requestCount(QStringLiteral("D12")), 1);
    }

    void referencesFileInChunks()
    {
        const auto urls = downloadUrls(QStringLiteral("from-roboql"));
        QCOMPARE(urls.size(), 10);
        QList<QPair<QString, QString>> refs;
        for (const auto &u : urls)
            refs.append({ QStringLiteral("copy-") + u.first, u.second });
        const QString file = writeReferences(QStringLiteral("refs.jsonl"), refs);
        const int d10Before = m_sandbox->requestCount(QStringLiteral("D10"));
        const QStringList args{ QStringLiteral("--json"), QStringLiteral("data-staging"), QStringLiteral("create-batch-of-images"),
                                QStringLiteral("-b"), QStringLiteral("from-refs"), QStringLiteral("-ds"), QStringLiteral("references-file"),
                                QStringLiteral("-r"), file, QStringLiteral("--chunk-size"), QStringLiteral("4"),
                                QStringLiteral("-i"), QStringLiteral("refs-run"), QStringLiteral("--notification-category"),
                                QStringLiteral("files-status"), QStringLiteral("--notification-category"), QStringLiteral("files-status") };
        const CliResult r = cli(args);
        QVERIFY2(r.exitCode == 0, qPrintable(r.both()));
        QJsonObject doc = r.json();
        QCOMPARE(doc.value(QStringLiteral("chunkIngestIds")).toArray().size(), 3);
        QCOMPARE(doc.value(QStringLiteral("chunkIngestIds")).toArray().at(2).toString(), QStringLiteral("refs-run-0-1-2"));
        QCOMPARE(doc.value(QStringLiteral("batchCount")).toInt(), 10);
        QCOMPARE(doc.value(QStringLiteral("duplicatedChunks")).toInt(), 0);
        QCOMPARE(m_sandbox->requestCount(QStringLiteral("D10")) - d10Before, 3);
        QVERIFY2(!r.out.contains(QStringLiteral("signature=")) && !r.out.contains(QStringLiteral("/signed/")), qPrintable(r.out));

        // Run again: the service recognises every chunk; the text summary says so.
        const CliResult again = cli(args.mid(1));
        QVERIFY2(again.exitCode == 0, qPrintable(again.both()));
        QVERIFY2(again.err.contains(QStringLiteral("already had 3 of 3")), qPrintable(again.err));
    }

    void referencesErrors()
    {
        const QString dup = writeReferences(QStringLiteral("dup.jsonl"), { { "a.jpg", "https://x.test/a" }, { "a.jpg", "https://x.test/b" } });
        CliResult r = cli({ QStringLiteral("data-staging"), QStringLiteral("create-batch-of-images"), QStringLiteral("-b"),
                            QStringLiteral("bad-refs"), QStringLiteral("-ds"), QStringLiteral("references-file"), QStringLiteral("-r"), dup });
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QStringLiteral("line 2")) && r.err.contains(QStringLiteral("a.jpg")), qPrintable(r.err));

        r = cli({ QStringLiteral("data-staging"), QStringLiteral("create-batch-of-images"), QStringLiteral("-b"),
                  QStringLiteral("bad-refs"), QStringLiteral("-ds"), QStringLiteral("references-file") });
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QStringLiteral("--references")), qPrintable(r.err));

        r = cli({ QStringLiteral("data-staging"), QStringLiteral("create-batch-of-images"), QStringLiteral("-b"),
                  QStringLiteral("bad-refs"), QStringLiteral("-ds"), QStringLiteral("references-file"), QStringLiteral("-r"),
                  QStringLiteral("http://example.com/refs.jsonl") });
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QStringLiteral("https://")), qPrintable(r.err));

        r = cli({ QStringLiteral("data-staging"), QStringLiteral("create-batch-of-images"), QStringLiteral("-b"),
                  QStringLiteral("bad-refs"), QStringLiteral("-ds"), QStringLiteral("references-file"), QStringLiteral("-r"), dup,
                  QStringLiteral("--notification-category"), QStringLiteral("everything") });
        QCOMPARE(r.exitCode, 2);
    }

    void previewWithListOnly()
    {
        const QString file = writeReferences(QStringLiteral("preview.jsonl"),
                                             { { "p1.jpg", "https://x.test/p1.jpg?sig=PREVIEWSIG" },
                                               { "p2.jpg", "https://x.test/p2.jpg?sig=PREVIEWSIG" } });
        const int d10Before = m_sandbox->requestCount(QStringLiteral("D10"));
        CliResult r = cli({ QStringLiteral("--json"), QStringLiteral("data-staging"), QStringLiteral("create-batch-of-images"),
                            QStringLiteral("-b"), QStringLiteral("preview"), QStringLiteral("-ds"), QStringLiteral("references-file"),
                            QStringLiteral("-r"), file, QStringLiteral("--list-only") });
        QVERIFY2(r.exitCode == 0, qPrintable(r.both()));
        QCOMPARE(r.json().value(QStringLiteral("references")).toInt(), 2);
        QCOMPARE(r.json().value(QStringLiteral("names")).toArray().at(1).toString(), QStringLiteral("p2.jpg"));
        QVERIFY(!r.both().contains(QStringLiteral("PREVIEWSIG")));
        QCOMPARE(m_sandbox->requestCount(QStringLiteral("D10")), d10Before);

        const QString bad = writeReferences(QStringLiteral("preview-bad.jsonl"), { { "p1.jpg", "ftp://x.test/p1.jpg" } });
        r = cli({ QStringLiteral("data-staging"), QStringLiteral("create-batch-of-images"), QStringLiteral("-b"), QStringLiteral("preview"),
                  QStringLiteral("-ds"), QStringLiteral("references-file"), QStringLiteral("-r"), bad, QStringLiteral("--list-only") });
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.out.contains(QStringLiteral("p1.jpg")) && r.err.contains(QStringLiteral("ftp")), qPrintable(r.both()));
    }

    void videosByReferencesUrl()
    {
        const CliResult r = cli({ QStringLiteral("--json"), QStringLiteral("data-staging"), QStringLiteral("create-batch-of-videos"),
                                  QStringLiteral("-b"), QStringLiteral("vid-url"), QStringLiteral("-ds"), QStringLiteral("references-file"),
                                  QStringLiteral("-r"), QStringLiteral("https://127.0.0.1:1/none.jsonl"), QStringLiteral("--no-wait") });
        // The service is told the URL (D11) without us fetching it; the sandbox then fails the fetch.
        QVERIFY2(r.exitCode == 0, qPrintable(r.both()));
        QCOMPARE(r.json().value(QStringLiteral("method")).toString(), QStringLiteral("references-url"));
        QCOMPARE(m_sandbox->requestCount(QStringLiteral("D11")), 1);
    }

    void cloudStorageErrors()
    {
        CliResult r = cli({ QStringLiteral("data-staging"), QStringLiteral("create-batch-of-images"), QStringLiteral("-b"),
                            QStringLiteral("cloud"), QStringLiteral("-ds"), QStringLiteral("cloud-storage") });
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QStringLiteral("--bucket-path")), qPrintable(r.err));

        r = cli({ QStringLiteral("data-staging"), QStringLiteral("create-batch-of-images"), QStringLiteral("-b"), QStringLiteral("cloud"),
                  QStringLiteral("-ds"), QStringLiteral("cloud-storage"), QStringLiteral("-bp"), QStringLiteral("ftp://bucket/x") });
        QCOMPARE(r.exitCode, 1);

        r = cli({ QStringLiteral("data-staging"), QStringLiteral("create-batch-of-images"), QStringLiteral("-b"), QStringLiteral("cloud"),
                  QStringLiteral("-ds"), QStringLiteral("cloud-storage"), QStringLiteral("-bp"), QStringLiteral("az://container/x/") });
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QStringLiteral("AZURE_STORAGE_ACCOUNT_NAME")), qPrintable(r.err));

        r = cli({ QStringLiteral("data-staging"), QStringLiteral("create-batch-of-images"), QStringLiteral("-b"), QStringLiteral("cloud"),
                  QStringLiteral("-ds"), QStringLiteral("cloud-storage"), QStringLiteral("-bp"), QStringLiteral("s3://bucket/**/*.jpg") });
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QStringLiteral("AWS")), qPrintable(r.err));
    }

    void sourceChoicesAndLocal()
    {
        CliResult r = cli({ QStringLiteral("data-staging"), QStringLiteral("create-batch-of-videos"), QStringLiteral("-b"),
                            QStringLiteral("v"), QStringLiteral("-ds"), QStringLiteral("roboql"), QStringLiteral("-q"), QStringLiteral("*") });
        QCOMPARE(r.exitCode, 2);   // no roboql branch for videos (§4.13)
        r = cli({ QStringLiteral("data-staging"), QStringLiteral("create-batch-of-images"), QStringLiteral("-b"), QStringLiteral("l") });
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QStringLiteral("--images-dir")), qPrintable(r.err));
        r = cli({ QStringLiteral("data-staging"), QStringLiteral("create-batch-of-images"), QStringLiteral("-b"), QStringLiteral("l"),
                  QStringLiteral("--images-dir"), QStringLiteral("s3://bucket/x") });
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QStringLiteral("cloud-storage")), qPrintable(r.err));
        r = cli({ QStringLiteral("data-staging"), QStringLiteral("create-batch-of-images"), QStringLiteral("--help") });
        QCOMPARE(r.exitCode, 0);
        for (const char *flag : { "--data-source", "--references", "--bucket-path", "--query", "--notification-category" })
            QVERIFY2(r.out.contains(QLatin1String(flag)), flag);
    }
};

QTEST_GUILESS_MAIN(TestCliDataSources)
#include "tst_cli_datasources.moc"
