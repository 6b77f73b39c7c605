// The Exports tab on the embedded sandbox: the finished demo job's export output is downloaded
// through the transfer list into a temp folder (no modal dialog), the archives end up extracted
// on disk, and the results viewer shows, sorts and filters one downloaded JSONL file. Also: the
// download dialog's proposal and parts, pause/resume, and resuming an export the journal says
// did not finish. Set BATCHDECK_TEST_SHOTS=<dir> to also save screenshots (light and dark).
#include "AppSession.h"
#include "BatchContentsView.h"
#include "DownloadDialog.h"
#include "DownloadListModel.h"
#include "ExportsTab.h"
#include "ListModels.h"
#include "Palette.h"
#include "ResultsViewer.h"
#include "TransferPanel.h"
#include "UiTestHome.h"
#include "core/AppSettings.h"
#include "exports/ExportJournal.h"
#include "exports/JobResults.h"
#include "exports/ResultsFilterProxy.h"
#include "exports/ResultsTableModel.h"
#include "sandbox/Sandbox.h"

#include <QApplication>
#include <QDirIterator>
#include <QJsonArray>
#include <QJsonDocument>
#include <QDialogButtonBox>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QMainWindow>
#include <QProgressBar>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace bd;
using namespace bd::ui;

static const QString kJob = QStringLiteral("demo-finished");
static const QString kBatch = QStringLiteral("demo-finished-export-out");

namespace {

bool selectOutputBatch(ExportsTab *tab, const QString &key)
{
    const int row = tab->model()->rowOfKey(key);
    if (row < 0)
        return false;
    const QModelIndex proxyIndex = tab->proxy()->mapFromSource(tab->model()->index(row, 0));
    tab->table()->setCurrentIndex(proxyIndex);
    tab->table()->selectRow(proxyIndex.row());
    return true;
}

// The Exports tab alone in a main window (for the status bar), fed with the jobs list the way
// the main window feeds it.
struct ExportsWindow {
    QMainWindow window;
    ExportsTab *tab;
    JobsModel jobs;
    explicit ExportsWindow(AppSession *session) : tab(new ExportsTab(session)), jobs(session->jobs())
    {
        window.setCentralWidget(tab);
        QObject::connect(&jobs, &JobsModel::refreshed, tab, [this] {
            QVector<api::Job> list;
            for (const JobRow &row : jobs.rows())
                list << row.job;
            tab->refresh(list);
        });
        QObject::connect(session, &AppSession::connected, &jobs, [this] { jobs.refresh(); });
        window.show();
    }
    // Let background listings end before the session goes away: an ApiCall still in flight when
    // its ApiClient is destroyed touches its already-deleted reply (api teardown order).
    ~ExportsWindow()
    {
        const bool idle = QTest::qWaitFor([this] { return !jobs.isRefreshing() && !tab->model()->isRefreshing(); }, 20000);
        if (!idle)
            qWarning("background listings still running at teardown");
        QTest::qWait(200);
    }
};

int nonEmptyLines(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    int n = 0;
    while (!f.atEnd())
        n += f.readLine().trimmed().isEmpty() ? 0 : 1;
    return n;
}

}  // namespace

class TstExportsUi : public QObject
{
    Q_OBJECT
    QTemporaryDir m_home;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(useTemporaryHome(m_home));
        if (qEnvironmentVariableIsSet("BATCHDECK_TEST_DARK")) {
            applyDarkPalette();
        }
    }

    void downloadThroughTheTransferListThenViewResults()
    {
        AppSession session;
        ExportsWindow shell(&session);
        QMainWindow &window = shell.window;
        window.resize(1200, 820);
        QVERIFY(session.connectToSandbox(20.0));
        QTRY_COMPARE_WITH_TIMEOUT(session.state(), AppSession::State::Online, 15000);
        ExportsTab *tab = shell.tab;

        // The finished job's export output, with its parts listed lazily under the table.
        const QString key = kJob + QLatin1Char('/') + kBatch;
        QTRY_VERIFY_WITH_TIMEOUT(tab->model()->rowOfKey(key) >= 0, 20000);
        QTRY_VERIFY_WITH_TIMEOUT(tab->model()->rowAt(tab->model()->rowOfKey(key))->batch.has_value(), 20000);
        QVERIFY(selectOutputBatch(tab, key));
        QTRY_VERIFY_WITH_TIMEOUT(!tab->contents()->partNames().isEmpty(), 15000);
        for (const QString &part : tab->contents()->partNames())   // the export stage's .tar.gz parts
            QVERIFY2(part.startsWith(QStringLiteral("archives-")), qPrintable(part));
        // Expanding a part lists its files (D5) only then.
        const QString firstPart = tab->contents()->partNames().first();
        QVERIFY(tab->contents()->loadedFiles(firstPart).isEmpty());
        tab->contents()->expandItem(tab->contents()->topLevelItem(0));
        QTRY_VERIFY_WITH_TIMEOUT(!tab->contents()->loadedFiles(firstPart).isEmpty(), 15000);
        QVERIFY(tab->contents()->loadedFiles(firstPart).first().endsWith(QStringLiteral(".tar.gz")));

        // The proposal: <last download folder of this workspace>/<job id>.
        QTemporaryDir downloads;
        AppSettings().setLastDownloadFolder(session.workspace(), downloads.path());
        ExportOptions options = tab->proposedOptionsForSelection();
        QCOMPARE(options.batchIds, QStringList{ kBatch });
        QCOMPARE(options.targetDir, downloads.path() + QLatin1Char('/') + kJob);

        // Slow the signed GETs down so the transfer list can be seen (and paused) mid-way.
        session.sandbox()->setFaultPlan(QJsonDocument::fromJson(
            R"({"rules": [{"route": "S2", "delayMs": 600}]})").object());
        options.concurrency = 2;
        ExportSummary summary;
        Error result;
        connect(tab, &ExportsTab::exportFinished, this, [&](ExportOperation *op) {
            summary = op->summary();
            result = op->error();
        });
        QSignalSpy finished(tab, &ExportsTab::exportFinished);
        ExportOperation *op = tab->startExport(options, kJob);
        QVERIFY(op);
        QCOMPARE(tab->details()->currentIndex(), int(ExportsTab::TransfersPage));

        // Every planned file gets a row; pause holds the files, resume continues them.
        DownloadListModel *list = tab->transfers()->model();
        QTRY_VERIFY_WITH_TIMEOUT(list->countInState(DownloadRow::State::Downloading) > 0, 20000);
        const int planned = list->rowCount();
        QVERIFY(planned > 1);
        saveTestShot(&window, QStringLiteral("download-in-progress"));
        tab->transfers()->pauseAll();
        QCOMPARE(op->state(), Operation::State::Suspended);
        QTRY_VERIFY(tab->transfers()->overallText().contains(QStringLiteral("Paused")));
        QTRY_VERIFY(list->countInState(DownloadRow::State::Paused) > 0);
        QCOMPARE(list->countInState(DownloadRow::State::Downloading), 0);
        saveTestShot(&window, QStringLiteral("download-paused"));
        tab->transfers()->resumeAll();
        QCOMPARE(op->state(), Operation::State::Running);

        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 120000);
        QVERIFY2(!result, qPrintable(result.fullText()));
        QCOMPARE(summary.failed(), 0);
        QCOMPARE(summary.downloaded, planned);
        QVERIFY(summary.extracted > 0);
        QCOMPARE(AppSettings().lastDownloadFolder(session.workspace()), downloads.path());

        // The list ends with every row done and its bar full (as the view's delegate reads it).
        QTRY_COMPARE_WITH_TIMEOUT(list->countInState(DownloadRow::State::Done), planned, 5000);
        QAbstractItemModel *shown = tab->transfers()->view()->model();
        QCOMPARE(shown->rowCount(), planned);
        int archives = 0;
        for (int r = 0; r < shown->rowCount(); ++r) {
            QCOMPARE(shown->index(r, DownloadListModel::Progress).data(SortRole).toInt(), 100);
            const DownloadRow *row = list->rowForKey(list->rows().at(r).key);
            QVERIFY(row);
            if (row->isArchive) {
                ++archives;
                QVERIFY2(!QFileInfo::exists(row->destPath), "the archive is unpacked and removed");
                QCOMPARE(row->stateText(), QStringLiteral("Extracted"));
            } else {
                QVERIFY2(QFileInfo(row->destPath).size() > 0, qPrintable(row->destPath));
            }
        }
        QCOMPARE(archives, summary.extracted);
        QCOMPARE(tab->transfers()->overallBar()->value(), 100);
        QVERIFY(tab->transfers()->noticeText().contains(QStringLiteral("Download finished")));
        QVERIFY(tab->lastNotification().contains(QStringLiteral("finished")));

        // The extracted results files (one JSONL per task) are on disk in the part folders.
        const QStringList results = ResultsViewer::findResultFiles(options.targetDir);
        QCOMPARE(int(results.size()), archives);
        for (const QString &path : results) {
            QVERIFY2(path.contains(QStringLiteral("/archives-")) && path.endsWith(QStringLiteral(".jsonl")), qPrintable(path));
            QVERIFY(QFileInfo(path).size() > 0);
        }

        // "View results" lists the downloaded folder in the background and opens the first file.
        ResultsViewer *viewer = tab->resultsViewer();
        QSignalSpy listed(viewer, &ResultsViewer::folderListed);
        viewer->showFolder(options.targetDir);
        QTRY_COMPARE_WITH_TIMEOUT(listed.size(), 1, 10000);
        QCOMPARE(viewer->listedFiles(), results);

        // The job's results as one table: every task's rows, predictions split into columns.
        QVERIFY(viewer->currentFile().isEmpty());   // several files, not one
        QVERIFY(viewer->model()->waitForIndex(20000));
        int allLines = 0;
        for (const QString &path : results)
            allLines += nonEmptyLines(path);
        QTRY_COMPARE(viewer->view()->model()->rowCount(), allLines);
        const QStringList combinedColumns = viewer->model()->columns();
        for (const char *column : { "image", "predictions", "predictions.class", "predictions.confidence", "predictions.x" })
            QVERIFY2(combinedColumns.contains(QLatin1String(column)), qPrintable(combinedColumns.join(QLatin1Char(','))));
        QSet<QString> filesSeen;
        for (int r = 0; r < viewer->model()->rowCount(); ++r)
            filesSeen.insert(viewer->model()->fileOfRow(r));
        QCOMPARE(int(filesSeen.size()), int(results.size()));
        tab->details()->setCurrentIndex(ExportsTab::ResultsPage);
        saveTestShot(&window, QStringLiteral("results-job"));

        // Open one task's aggregated results and check rows and columns.
        const QString aggregated = results.last();
        Error openError;
        QVERIFY2(viewer->openFile(aggregated, &openError), qPrintable(openError.fullText()));
        QCOMPARE(viewer->currentFile(), aggregated);
        QVERIFY(viewer->model()->waitForIndex(20000));
        QAbstractItemModel *table = viewer->view()->model();
        const int lines = nonEmptyLines(aggregated);
        QVERIFY(lines > 1);
        QTRY_COMPARE(table->rowCount(), lines);
        QStringList headers;
        for (int c = 0; c < table->columnCount(); ++c)
            headers << table->headerData(c, Qt::Horizontal).toString();
        for (const char *column : { "image", "size", "sha256", "predictions" })
            QVERIFY2(headers.contains(QLatin1String(column)), qPrintable(headers.join(QLatin1Char(','))));
        tab->details()->setCurrentIndex(ExportsTab::ResultsPage);
        saveTestShot(&window, QStringLiteral("results-viewer"));

        // Sorting through the view: sizes descending, numerically.
        const int sizeColumn = int(headers.indexOf(QStringLiteral("size")));
        viewer->view()->sortByColumn(sizeColumn, Qt::DescendingOrder);
        for (int r = 1; r < table->rowCount(); ++r)
            QVERIFY(table->index(r - 1, sizeColumn).data().toString().toDouble()
                    >= table->index(r, sizeColumn).data().toString().toDouble());

        // Filtering by one image's name keeps exactly the rows that mention it in that column.
        const int imageColumn = int(headers.indexOf(QStringLiteral("image")));
        const QString image = table->index(0, imageColumn).data().toString();
        QVERIFY(!image.isEmpty());
        int expected = 0;
        for (int r = 0; r < viewer->model()->rowCount(); ++r)
            expected += viewer->model()->index(r, imageColumn).data().toString().contains(image, Qt::CaseInsensitive) ? 1 : 0;
        viewer->setFilter(image, imageColumn);
        QCOMPARE(table->rowCount(), expected);
        QVERIFY(expected >= 1 && expected < lines);
        for (int r = 0; r < table->rowCount(); ++r)
            QVERIFY(table->index(r, imageColumn).data().toString().contains(image, Qt::CaseInsensitive));
        saveTestShot(&window, QStringLiteral("results-filtered"));
        viewer->setFilter(QString());
        QCOMPARE(table->rowCount(), lines);
    }

    void dialogProposesTheFolderAndParts()
    {
        AppSession session;
        ExportsWindow shell(&session);
        QVERIFY(session.connectToSandbox(20.0));
        QTRY_COMPARE_WITH_TIMEOUT(session.state(), AppSession::State::Online, 15000);
        QTemporaryDir downloads;
        AppSettings().setLastDownloadFolder(session.workspace(), downloads.path());

        // The dialog opens without blocking; parts arrive in the background.
        DownloadDialog *dialog = shell.tab->downloadBatch(kBatch);
        QVERIFY(dialog && dialog->isVisible());
        QCOMPARE(dialog->options().targetDir, downloads.path() + QLatin1Char('/') + kBatch);
        auto *parts = dialog->findChild<QListWidget *>();
        QVERIFY(parts);
        QTRY_VERIFY_WITH_TIMEOUT(parts->count() > 0, 15000);
        QCOMPARE(parts->item(0)->text(), QStringLiteral("archives-1"));
        QVERIFY(dialog->options().partNames.isEmpty());   // all ticked: no filter
        auto *ok = dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
        QVERIFY(ok->isEnabled());
        // No part ticked: nothing to download, so the dialog cannot be confirmed.
        for (int i = 0; i < parts->count(); ++i)
            parts->item(i)->setCheckState(Qt::Unchecked);
        QVERIFY(!ok->isEnabled());
        parts->item(0)->setCheckState(Qt::Checked);
        QVERIFY(ok->isEnabled());
        if (parts->count() > 1)
            QCOMPARE(dialog->options().partNames, QStringList{ QStringLiteral("archives-1") });
        // A relative folder is refused as well.
        dialog->findChild<QLineEdit *>()->setText(QStringLiteral("relative/folder"));
        QVERIFY(!ok->isEnabled());
        dialog->findChild<QLineEdit *>()->setText(downloads.path());
        QVERIFY(ok->isEnabled());
        QCOMPARE(dialog->options().targetDir, downloads.path());
        saveTestShot(dialog, QStringLiteral("download-dialog"));
        dialog->reject();

        QCOMPARE(DownloadDialog::rememberedFolder(QStringLiteral("/data/x/job-1"), QStringLiteral("job-1")),
                 QStringLiteral("/data/x"));
        QCOMPARE(DownloadDialog::rememberedFolder(QStringLiteral("/data/mine"), QStringLiteral("job-1")),
                 QStringLiteral("/data/mine"));
    }

    void unfinishedExportsAreOfferedForResume()
    {
        // An export the journal says was running when the app went away.
        QTemporaryDir target;
        {
            ExportJournal journal;
            Error error;
            const qint64 id = journal.createExport(kBatch, target.path(), &error);
            QVERIFY2(id > 0, qPrintable(error.fullText()));
            QVERIFY(journal.setExportState(id, ExportState::Running, &error));
        }
        AppSession session;
        ExportsWindow shell(&session);
        QVERIFY(session.connectToSandbox(20.0));
        ExportsTab *tab = shell.tab;
        QTRY_VERIFY_WITH_TIMEOUT(!tab->offeredResumes().isEmpty(), 15000);
        QCOMPARE(tab->offeredResumes().first().batchId, kBatch);
        QCOMPARE(tab->offeredResumes().first().targetDir, target.path());

        QSignalSpy finished(tab, &ExportsTab::exportFinished);
        Error result;
        connect(tab, &ExportsTab::exportFinished, this, [&](ExportOperation *op) { result = op->error(); });
        tab->resumeUnfinished();
        QVERIFY(tab->offeredResumes().isEmpty());
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 120000);
        QVERIFY2(!result, qPrintable(result.fullText()));
        QVERIFY(!ResultsViewer::findResultFiles(target.path()).isEmpty());
        ExportJournal journal;
        QVERIFY(journal.unfinishedExports().isEmpty());
    }
};

QTEST_MAIN(TstExportsUi)
#include "tst_exports_ui.moc"
