// The sandbox's keyset pages (D5 batch content, D6 shards): every file exactly once across the
// pages, in stored order, also when files are appended or become indexed between two pages (an
// offset into the filtered list would repeat or skip a file then), malformed tokens refused, and
// a page of a big batch read without the rest of the batch (the page's own size and the batch
// header only).
#include "SandboxHttp.h"
#include "sandbox/PageToken.h"
#include "sandbox/StagingStore.h"

#include <QSet>
#include <QTemporaryDir>
#include <QtTest>

using namespace bd::sandbox;
using namespace bd::sandbox::testing;

class TestSandboxPaging : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void everyFileOnceInStoredOrder();
    void filesIndexedBetweenPagesAreNotRepeated();
    void aPageSkipsAtMostItsBudget();
    void shardsPage();
    void overHttp();

private:
    static FileRecord file(const QString &name, qint64 indexedAtMs, const QString &part = {})
    {
        return FileRecord{ name, part, QStringLiteral("s1"), QStringLiteral("image/jpeg"), StagingStore::newBlobKey(), name, 10,
                           indexedAtMs };
    }
    // Every page from the start; the names in listing order.
    static QStringList listAll(const StagingStore &store, const QString &batch, int pageSize, int *pages = nullptr,
                               const QString &part = {})
    {
        QStringList names;
        qint64 from = 0;
        int n = 0;
        while (from >= 0 && n < 100000) {
            const auto page = store.filesPage(kWs, batch, part, from, pageSize);
            if (!page)
                return {};
            for (const FileRecord &f : page->files)
                names << f.fileName;
            from = page->next;
            ++n;
        }
        if (pages)
            *pages = n;
        return names;
    }
    QTemporaryDir m_tmp;
};

void TestSandboxPaging::everyFileOnceInStoredOrder()
{
    StagingStore store(m_tmp.path() + QStringLiteral("/a"));
    QVERIFY(!store.prepareBatch(kWs, QStringLiteral("b"), {}, IngestMode::Bulk, QStringLiteral("images")));
    QStringList expected;
    for (int i = 0; i < 1003; ++i) {
        const QString name = QStringLiteral("f%1.jpg").arg(i);
        store.addFile(kWs, QStringLiteral("b"), file(name, 0));
        expected << name;
    }
    int pages = 0;
    QCOMPARE(listAll(store, QStringLiteral("b"), 100, &pages), expected);
    QCOMPARE(pages, 11);   // 10 full pages and 3 files; no empty page at the end
    QVERIFY(!store.filesPage(kWs, QStringLiteral("nope"), {}, 0, 10));

    // A replaced file keeps its place; the header carries no files.
    store.addFile(kWs, QStringLiteral("b"), file(QStringLiteral("f5.jpg"), 0));
    QCOMPARE(listAll(store, QStringLiteral("b"), 77), expected);
    QVERIFY(store.batch(kWs, QStringLiteral("b"))->files.isEmpty());
    QCOMPARE(*store.indexedCount(kWs, QStringLiteral("b")), qint64(1003));
}

void TestSandboxPaging::filesIndexedBetweenPagesAreNotRepeated()
{
    StagingStore store(m_tmp.path() + QStringLiteral("/b"));
    QVERIFY(!store.prepareBatch(kWs, QStringLiteral("b"), {}, IngestMode::Bulk, QStringLiteral("images")));
    const qint64 later = StagingStore::nowMs() + 400;
    store.addFile(kWs, QStringLiteral("b"), file(QStringLiteral("a.jpg"), 0));
    store.addFile(kWs, QStringLiteral("b"), file(QStringLiteral("b-late.jpg"), later));   // indexed in 400 ms
    for (const char *name : { "c.jpg", "d.jpg", "e.jpg", "f.jpg" })
        store.addFile(kWs, QStringLiteral("b"), file(QString::fromLatin1(name), 0));

    auto page = store.filesPage(kWs, QStringLiteral("b"), {}, 0, 2);
    QVERIFY(page);
    QCOMPARE(page->files.size(), 2);
    QCOMPARE(page->files.at(0).fileName, QStringLiteral("a.jpg"));
    QCOMPARE(page->files.at(1).fileName, QStringLiteral("c.jpg"));
    QTRY_VERIFY_WITH_TIMEOUT(StagingStore::nowMs() > later, 5000);
    // b-late.jpg is listed now, before c.jpg; an offset of 2 would list c.jpg again.
    store.addFile(kWs, QStringLiteral("b"), file(QStringLiteral("g.jpg"), 0));   // appended meanwhile
    QStringList rest;
    for (qint64 from = page->next; from >= 0;) {
        page = store.filesPage(kWs, QStringLiteral("b"), {}, from, 2);
        for (const FileRecord &f : page->files)
            rest << f.fileName;
        from = page->next;
    }
    QCOMPARE(rest, (QStringList{ QStringLiteral("d.jpg"), QStringLiteral("e.jpg"), QStringLiteral("f.jpg"), QStringLiteral("g.jpg") }));
    QCOMPARE(listAll(store, QStringLiteral("b"), 3).size(), 7);   // a fresh listing has every file
}

void TestSandboxPaging::aPageSkipsAtMostItsBudget()
{
    // 20 000 files of part "x" then 10 of part "y": a page of "y" from the start steps over
    // at most a budget of others and comes back short with a token instead of reading the batch.
    StagingStore store(m_tmp.path() + QStringLiteral("/c"));
    QVERIFY(!store.prepareBatch(kWs, QStringLiteral("m"), {}, IngestMode::System, {}));
    for (int i = 0; i < 20000; ++i)
        store.addFile(kWs, QStringLiteral("m"), file(QStringLiteral("x%1").arg(i), 0, QStringLiteral("x")));
    for (int i = 0; i < 10; ++i)
        store.addFile(kWs, QStringLiteral("m"), file(QStringLiteral("y%1").arg(i), 0, QStringLiteral("y")));
    const auto first = store.filesPage(kWs, QStringLiteral("m"), QStringLiteral("y"), 0, 5);
    QVERIFY(first);
    QVERIFY(first->files.isEmpty());
    QVERIFY(first->next > 0 && first->next < 20000);
    int pages = 0;
    const QStringList ys = listAll(store, QStringLiteral("m"), 5, &pages, QStringLiteral("y"));
    QCOMPARE(ys.size(), 10);
    QCOMPARE(ys.first(), QStringLiteral("y0"));
    QVERIFY(pages > 2);
    QCOMPARE(listAll(store, QStringLiteral("m"), 1000, nullptr, QStringLiteral("x")).size(), 20000);
}

void TestSandboxPaging::shardsPage()
{
    StagingStore store(m_tmp.path() + QStringLiteral("/d"));
    QVERIFY(!store.prepareBatch(kWs, QStringLiteral("s"), {}, IngestMode::Bulk, QStringLiteral("images")));
    for (int i = 0; i < 25; ++i)
        store.addShard(kWs, QStringLiteral("s"), ShardRecord{ QStringLiteral("sh%1").arg(i), {}, 0, 0, false, 1, {} });
    QStringList ids;
    int pages = 0;
    for (qint64 from = 0; from >= 0; ++pages) {
        const auto page = store.shardsPage(kWs, QStringLiteral("s"), from, 10);
        QVERIFY(page);
        for (const ShardRecord &s : page->shards)
            ids << s.shardId;
        from = page->next;
    }
    QCOMPARE(pages, 3);
    QCOMPARE(ids.size(), 25);
    QCOMPARE(QSet<QString>(ids.begin(), ids.end()).size(), 25);
    QVERIFY(!store.shardsPage(kWs, QStringLiteral("nope"), 0, 10));
}

void TestSandboxPaging::overHttp()
{
    SandboxOptions options;
    options.indexDelayMs = 0;
    Sandbox sandbox(options);
    QString error;
    QVERIFY2(sandbox.start(&error), qPrintable(error));
    httplib::Client api = clientFor(sandbox.apiUrl());
    // 120 simple uploads (D7), then D5 in pages of 50 by token.
    for (int i = 0; i < 120; ++i) {
        static const QByteArray jpeg = QByteArray::fromHex("ffd8ffe000104a46494600010100000100010000ffd9");
        httplib::MultipartFormDataItems items{ { "file", jpeg.toStdString(), QStringLiteral("p%1.jpg").arg(i).toStdString(), "image/jpeg" } };
        const auto r = api.Post(stagingPath(QStringLiteral("batches/web/upload/image"),
                                            QStringLiteral("fileName=p%1.jpg").arg(i)),
                                items);
        QVERIFY(r && r->status == 200);
    }
    QStringList names;
    QString token;
    int pages = 0;
    do {
        QString query = QStringLiteral("pageSize=50");
        if (!token.isEmpty())
            query += QStringLiteral("&nextPageToken=") + QString::fromStdString(enc(token));
        const QJsonObject page = jsonOf(api.Get(stagingPath(QStringLiteral("batches/web/list"), query)));
        for (const QJsonValue &v : page.value(QStringLiteral("filesMetadata")).toArray())
            names << v.toObject().value(QStringLiteral("fileName")).toString();
        QVERIFY(page.contains(QStringLiteral("nextPageToken")));
        token = page.value(QStringLiteral("nextPageToken")).toString();
        ++pages;
    } while (!token.isEmpty() && pages < 10);
    QCOMPARE(pages, 3);
    QCOMPARE(names.size(), 120);
    QCOMPARE(QSet<QString>(names.begin(), names.end()).size(), 120);

    // A token this server did not issue, or one mangled in transit ('+' read as a space): 400.
    const QString good = encodePageKey(50);
    QVERIFY(good.contains(QLatin1Char('+')) || good.contains(QLatin1Char('/')));
    for (const QString &bad : { QStringLiteral("garbage"), QString(good).replace(QLatin1Char('+'), QLatin1Char(' ')),
                                encodePageToken(50) }) {
        if (bad == good)
            continue;
        const auto r = api.Get(stagingPath(QStringLiteral("batches/web/list"),
                                           QStringLiteral("nextPageToken=") + QString::fromStdString(enc(bad))));
        QVERIFY(r);
        QCOMPARE(r->status, 400);
    }
    sandbox.stop();
}

QTEST_GUILESS_MAIN(TestSandboxPaging)
#include "tst_sandbox_paging.moc"
