// The batch pane on a large batch, against the embedded sandbox over loopback: its Files view
// (BatchFilesModel) holds only the pages fetched — one when the tab opens, the next when the view
// scrolls to its end — in the listing's order, and after scrolling to the end every file once,
// none missing; shard rows are revealed in steps (ShardListModel). And the live models stay
// quiet under bursts: the Activity model applies a burst of notifications in one update.
#include "ActivityModel.h"
#include "AppSession.h"
#include "BatchDetailPane.h"
#include "BatchFilesModel.h"
#include "ShardListModel.h"
#include "UiTestHome.h"
#include "sandbox/Sandbox.h"
#include "session/Services.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QScrollBar>
#include <QSet>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace bd;
using namespace bd::ui;

namespace {

// The names LargeBatchSeed gives: img-0000001.jpg … in the order it stores them.
QString seededName(int i)
{
    return QStringLiteral("img-%1.jpg").arg(i + 1, 7, 10, QLatin1Char('0'));
}

}  // namespace

class TstLargeBatchUi : public QObject
{
    Q_OBJECT
    QTemporaryDir m_home;

private Q_SLOTS:
    void initTestCase() { QVERIFY(useTemporaryHome(m_home)); }

    void filesViewHoldsOnlyTheFetchedPages()
    {
        constexpr int kFiles = 50000;
        const QString batchId = QStringLiteral("large-batch");
        AppSession session;
        QVERIFY(session.connectToSandbox(20.0));
        QTRY_COMPARE_WITH_TIMEOUT(session.state(), AppSession::State::Online, 15000);
        QCOMPARE(session.sandbox()->seedLargeBatch(batchId, kFiles), kFiles);

        BatchDetailPane pane;
        pane.setService(session.batches());
        pane.resize(900, 600);
        pane.show();
        pane.showBatch(batchId);
        QTRY_COMPARE_WITH_TIMEOUT(pane.count(), qint64(kFiles), 20000);
        BatchFilesModel *files = pane.filesModel();
        QCOMPARE(files->rowCount(), 0);   // nothing listed before the tab is opened
        QCOMPARE(files->pagesFetched(), 0);

        // Opening the tab reads the first page; the view asks for no more while its last row is
        // out of sight.
        pane.showFilesTab();
        QTableView *view = pane.filesTable();
        QTRY_VERIFY_WITH_TIMEOUT(files->pagesFetched() >= 1 && !files->isFetching(), 20000);
        QTest::qWait(300);
        QCOMPARE(files->pagesFetched(), 1);
        QCOMPARE(files->rowCount(), BatchDetailPane::kFilesPageSize);
        QVERIFY(files->canFetchMore({}));
        for (int r = 0; r < files->rowCount(); ++r)
            QCOMPARE(files->fileNameAt(r), seededName(r));
        QVERIFY(!files->index(0, BatchFilesModel::Size).data().toString().isEmpty());   // the size column

        // Scrolling to the end fetches the next page, appended in order.
        view->scrollToBottom();
        QTRY_VERIFY_WITH_TIMEOUT(files->pagesFetched() >= 2 && !files->isFetching(), 20000);
        QCOMPARE(files->rowCount(), 2 * BatchDetailPane::kFilesPageSize);
        QCOMPARE(files->fileNameAt(BatchDetailPane::kFilesPageSize), seededName(BatchDetailPane::kFilesPageSize));
        QVERIFY(files->rowCount() < kFiles);

        // Down to the end: every file once, in the stored order, then nothing more to fetch.
        int stuck = 0;
        while (!files->isComplete() && stuck < 100) {
            const int before = files->rowCount();
            view->scrollToBottom();
            QTRY_VERIFY_WITH_TIMEOUT(!files->isFetching(), 20000);
            QVERIFY2(!files->lastError(), qPrintable(files->lastError().message));
            stuck = files->rowCount() == before ? stuck + 1 : 0;
        }
        QVERIFY(files->isComplete());
        QCOMPARE(files->rowCount(), kFiles);
        QCOMPARE(files->pagesFetched(), (kFiles + BatchDetailPane::kFilesPageSize - 1) / BatchDetailPane::kFilesPageSize);
        for (int r = 0; r < kFiles; ++r)
            if (files->fileNameAt(r) != seededName(r))
                QFAIL(qPrintable(QStringLiteral("row %1: %2, expected %3").arg(r).arg(files->fileNameAt(r), seededName(r))));
        QVERIFY(!files->canFetchMore({}));

        // The pane's re-read (indexing poll) keeps the listing; another batch starts afresh.
        pane.showBatch(batchId);
        QCOMPARE(files->rowCount(), kFiles);
        pane.showBatch(QStringLiteral("demo-images"));
        QTRY_VERIFY_WITH_TIMEOUT(files->batchId() == QStringLiteral("demo-images") && files->pagesFetched() == 1, 20000);
        QVERIFY(files->rowCount() < kFiles);
        QCOMPARE(files->fileNameAt(0).isEmpty(), false);
    }

    void failedPageIsAskedAgain()
    {
        const QString batchId = QStringLiteral("retry-batch");
        AppSession session;
        QVERIFY(session.connectToSandbox(20.0));
        QCOMPARE(session.sandbox()->seedLargeBatch(batchId, 450), 450);
        BatchFilesModel files;
        files.setPageSize(200);
        files.setBatch(session.batches(), batchId);
        files.fetchMore({});
        QTRY_VERIFY_WITH_TIMEOUT(files.pagesFetched() == 1 && !files.isFetching(), 20000);
        // The next page fails (one D5 answers 400, a client error no layer repeats): nothing is
        // appended, the view is not invited to ask again in a loop, and retry() gets that page.
        session.sandbox()->setFaultPlan(QJsonObject{ { "rules", QJsonArray{ QJsonObject{
            { "route", "D5" }, { "action", "status" }, { "status", 400 }, { "times", 1 } } } } });
        files.fetchMore({});
        QTRY_VERIFY_WITH_TIMEOUT(files.lastError(), 20000);
        QCOMPARE(files.rowCount(), 200);
        QVERIFY(!files.canFetchMore({}));
        session.sandbox()->setFaultPlan({});
        files.retry();
        QTRY_VERIFY_WITH_TIMEOUT(files.rowCount() == 400 && !files.isFetching(), 20000);
        QCOMPARE(files.fileNameAt(200), seededName(200));
        files.fetchMore({});
        QTRY_VERIFY_WITH_TIMEOUT(files.isComplete(), 20000);
        QCOMPARE(files.rowCount(), 450);
        QCOMPARE(files.fileNameAt(449), seededName(449));
    }

    void shardRowsAreRevealedInSteps()
    {
        QVector<api::Shard> shards;
        for (int i = 0; i < 1000; ++i) {
            api::Shard s;
            s.shardId = QStringLiteral("shard-%1").arg(i, 4, 10, QLatin1Char('0'));
            s.statusName = QStringLiteral("ingested");
            s.statusType = QStringLiteral("success");
            s.shardObjectsCount = 500;
            shards << s;
        }
        ShardListModel model;
        model.setShards(shards);
        QCOMPARE(model.totalCount(), 1000);
        QCOMPARE(model.rowCount(), ShardListModel::kStep);
        QTableView view;
        view.setModel(&model);
        view.resize(600, 300);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QCOMPARE(model.rowCount(), ShardListModel::kStep);   // the view does not ask before its end is in sight
        int guard = 0;
        while (model.canFetchMore({}) && guard++ < 20) {
            view.scrollToBottom();
            QCoreApplication::processEvents();
        }
        QCOMPARE(model.rowCount(), 1000);
        QCOMPARE(model.index(999, ShardListModel::Id).data().toString(), QStringLiteral("shard-0999"));
    }

    void activityBurstIsOneUpdate()
    {
        ActivityModel model;
        int resets = 0;
        connect(&model, &QAbstractItemModel::modelReset, this, [&resets] { ++resets; });
        auto event = [](int i) {
            notify::WebhookEvent e;
            e.kind = notify::WebhookKind::IngestStatus;
            e.eventId = QStringLiteral("ev-%1").arg(i);
            e.batchId = QStringLiteral("b");
            e.success = true;
            e.receivedAt = QDateTime::currentDateTimeUtc();
            return e;
        };
        // The first notification after a quiet spell shows at once.
        model.queueEvent(event(0));
        QCOMPARE(model.rowCount(), 1);
        // A burst of 1 000 (with a repeated delivery) waits for the window, then lands in one update.
        const int updatesBefore = model.updatesSent();
        for (int i = 1; i <= 1000; ++i)
            model.queueEvent(event(i));
        model.queueEvent(event(500));
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.updatesSent(), updatesBefore);
        QTRY_COMPARE(model.queuedCount(), 0);
        QCOMPARE(model.updatesSent(), updatesBefore + 1);
        QCOMPARE(model.rowCount(), ActivityModel::kMaxRows);
        QCOMPARE(model.rowAt(0)->eventId, QStringLiteral("ev-1000"));   // newest first
        QCOMPARE(model.rowAt(ActivityModel::kMaxRows - 1)->eventId, QStringLiteral("ev-501"));
        // addEvent() applies what is queued first, keeping the order of arrival.
        model.queueEvent(event(2000));
        model.queueEvent(event(2001));
        model.addEvent(event(2002));
        QCOMPARE(model.rowAt(0)->eventId, QStringLiteral("ev-2002"));
        QCOMPARE(model.rowAt(1)->eventId, QStringLiteral("ev-2001"));
        QCOMPARE(model.rowAt(2)->eventId, QStringLiteral("ev-2000"));
        QVERIFY(resets <= model.updatesSent());
    }
};

QTEST_MAIN(TstLargeBatchUi)
#include "tst_largebatch_ui.moc"
