// The interaction model (docs/ui-guidelines.md) driven like a user: the whole main flow by
// keyboard only (stage a folder → start a job → download its results) against the embedded
// sandbox over loopback, asserting where the focus lands at each step; a refresh keeps the
// selection, scroll position and column widths; a wheel over an unfocused combo changes nothing;
// Tab leaves tables.
#include "AppSession.h"
#include "DownloadDialog.h"
#include "ExportsTab.h"
#include "IngestDialog.h"
#include "InteractionFilter.h"
#include "JobView.h"
#include "JobsTab.h"
#include "ListModels.h"
#include "MainWindow.h"
#include "NewJobDialog.h"
#include "RecordTableModel.h"
#include "ResultsViewer.h"
#include "StagingTab.h"
#include "TextWrap.h"
#include "TransferList.h"
#include "UiTestHome.h"
#include "ViewState.h"
#include "exports/JobResults.h"
#include "sandbox/DemoMedia.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QDirIterator>
#include <QFileDialog>
#include <QHeaderView>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTableWidget>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QVBoxLayout>
#include <QWheelEvent>

using namespace bd::ui;

namespace {

bool wheel(QWidget *target)
{
    const QPointF pos = target->rect().center();
    QWheelEvent event(pos, target->mapToGlobal(pos), QPoint(), QPoint(0, -120), Qt::NoButton, Qt::NoModifier,
                      Qt::NoScrollPhase, false);
    QApplication::sendEvent(target, &event);
    return event.isAccepted();
}

QString focusName()
{
    QWidget *w = QApplication::focusWidget();
    return w ? QStringLiteral("%1 (%2) in %3").arg(w->objectName(), w->metaObject()->className(),
                                                   w->window()->metaObject()->className())
             : QStringLiteral("(none)");
}

struct Row {
    QString key;
};

}  // namespace

class TstInteractionUi : public QObject
{
    Q_OBJECT
    QTemporaryDir m_home;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(useTemporaryHome(m_home));
        InteractionFilter::install();
    }

    void wheelOverUnfocusedValueWidgetChangesNothing()
    {
        QScrollArea area;
        auto *page = new QWidget;
        auto *layout = new QVBoxLayout(page);
        auto *edit = new QLineEdit(page);
        auto *combo = new QComboBox(page);
        combo->addItems({ QStringLiteral("(server default)"), QStringLiteral("cpu"), QStringLiteral("gpu") });
        auto *spin = new QSpinBox(page);
        spin->setRange(0, 100);
        spin->setValue(50);
        layout->addWidget(edit);
        layout->addWidget(combo);
        layout->addWidget(spin);
        page->setMinimumHeight(2000);
        area.setWidget(page);
        area.resize(300, 200);
        area.show();
        QVERIFY(QTest::qWaitForWindowExposed(&area));
        edit->setFocus();
        QCOMPARE(combo->focusPolicy(), Qt::StrongFocus);   // a wheel does not give it focus either

        QVERIFY(!wheel(combo));   // ignored: the scroll area may take it
        QVERIFY(!wheel(spin));
        QCOMPARE(combo->currentIndex(), 0);
        QCOMPARE(spin->value(), 50);

        // The same wheel with focus does change the value: the check above can fail.
        combo->setFocus();
        QTRY_VERIFY(combo->hasFocus());
        wheel(combo);
        QCOMPARE(combo->currentIndex(), 1);
        // And without the filter Qt would have changed the unfocused spin box.
        edit->setFocus();
        qApp->removeEventFilter(InteractionFilter::install());
        wheel(spin);
        QVERIFY(spin->value() != 50);
        qApp->installEventFilter(InteractionFilter::install());
    }

    void refreshKeepsSelectionScrollAndWidths()
    {
        // A list of 300 keyed rows, as the tabs' models: a refresh that reorders and adds rows
        // resets the model; the selection, the top row and a user's column width survive it.
        RecordTableModel<Row> model({ { QStringLiteral("Key"), [](const Row &r) { return r.key; }, {}, {} },
                                      { QStringLiteral("Other"), [](const Row &r) { return r.key.size(); }, {}, {} } },
                                    [](const Row &r) { return r.key; });
        QVector<Row> rows;
        for (int i = 0; i < 300; ++i)
            rows.append(Row{ QStringLiteral("row-%1").arg(i, 3, 10, QLatin1Char('0')) });
        model.setRows(rows);
        QTableView view;
        view.setModel(&model);
        view.setSelectionBehavior(QAbstractItemView::SelectRows);
        view.resize(400, 300);
        ViewState *state = ViewState::attach(&view, QStringLiteral("test-list"));
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QVERIFY(!view.tabKeyNavigation());   // the app-wide filter polished it

        view.selectRow(150);
        view.scrollTo(model.index(140, 0), QAbstractItemView::PositionAtTop);
        view.horizontalHeader()->resizeSection(0, 77);
        const QString top = view.indexAt(QPoint(1, 1)).data().toString();
        QCOMPARE(top, QStringLiteral("row-140"));

        std::reverse(rows.begin(), rows.end());
        rows.insert(10, Row{ QStringLiteral("new-row") });
        model.setRows(rows);   // different keys in a different order: a reset
        QCOMPARE(state->selectedKeys(), QStringList{ QStringLiteral("row-150") });
        QCOMPARE(view.currentIndex().data().toString(), QStringLiteral("row-150"));
        QCOMPARE(view.indexAt(QPoint(1, 1)).data().toString(), QStringLiteral("row-140"));
        QCOMPARE(view.horizontalHeader()->sectionSize(0), 77);

        // At the top, a row arriving first is shown, not scrolled away (its lazy values load).
        view.scrollToTop();
        rows.prepend(Row{ QStringLiteral("arrived") });
        model.setRows(rows);
        QCOMPARE(view.indexAt(QPoint(1, 1)).data().toString(), QStringLiteral("arrived"));
        QCOMPARE(state->selectedKeys(), QStringList{ QStringLiteral("row-150") });

        // A selected row that disappears leaves no stale selection behind.
        rows.removeIf([](const Row &r) { return r.key == QStringLiteral("row-150"); });
        model.setRows(rows);
        QVERIFY(state->selectedKeys().isEmpty());
    }

    void exportsSelectionSurvivesAutoRefresh()
    {
        AppSession session;
        MainWindow window(&session);
        window.show();
        QVERIFY(session.connectToSandbox(20.0));
        ExportsTab *exports = window.exportsTab();
        OutputBatchesModel *model = exports->model();
        const QString key = QStringLiteral("demo-finished/demo-finished-export-out");
        QTRY_VERIFY_WITH_TIMEOUT(model->rowOfKey(key) >= 0 && model->rowAt(model->rowOfKey(key))->batch, 20000);
        window.tabs()->setCurrentWidget(exports);
        const QModelIndex index = exports->proxy()->mapFromSource(model->index(model->rowOfKey(key), 0));
        exports->table()->selectRow(index.row());
        QVERIFY(exports->downloadButton()->isEnabled());

        // The 30 s auto-refresh, now: the row stays selected, Download stays enabled.
        QSignalSpy refreshed(model, &OutputBatchesModel::refreshed);
        exports->refresh();
        QTRY_VERIFY_WITH_TIMEOUT(refreshed.count() >= 1 && !model->isRefreshing(), 20000);
        QTest::qWait(200);
        const QModelIndexList selected = exports->table()->selectionModel()->selectedRows();
        QCOMPARE(selected.size(), 1);
        QCOMPARE(selected.first().data(KeyRole).toString(), key);
        QVERIFY(exports->downloadButton()->isEnabled());
    }

    void keyboardOnlyMainFlow()
    {
        // Stage a folder, run a job on it, download its results: keys only, focus checked.
        const QString folder = m_home.filePath(QStringLiteral("walk-photos"));
        QDir().mkpath(folder);
        for (int i = 0; i < 3; ++i) {
            QFile f(QStringLiteral("%1/img-%2.jpg").arg(folder).arg(i));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(bd::sandbox::tinyJpeg(QStringLiteral("walk %1").arg(i)));
        }
        const QString target = m_home.filePath(QStringLiteral("walk-results"));

        AppSession session;
        MainWindow window(&session);
        window.resize(1100, 700);
        window.show();
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        QVERIFY(session.connectToSandbox(60.0));
        QTRY_COMPARE_WITH_TIMEOUT(session.state(), AppSession::State::Online, 15000);
        StagingTab *staging = window.stagingTab();
        QTRY_VERIFY_WITH_TIMEOUT(staging->model()->rowCount() > 0, 15000);

        // Ctrl+F: the filter; Tab: into the list; Tab again: out of it (selection unchanged).
        QTest::keyClick(&window, Qt::Key_F, Qt::ControlModifier);
        QCOMPARE(QApplication::focusWidget(), staging->filterField());
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
        QVERIFY2(QApplication::focusWidget() == staging->table(), qPrintable(focusName()));
        QTest::keyClick(staging->table(), Qt::Key_Down);
        const QString selected = staging->selectedBatchId();
        QVERIFY(!selected.isEmpty());
        QTest::keyClick(staging->table(), Qt::Key_Tab);
        QVERIFY2(QApplication::focusWidget() != staging->table(), qPrintable(focusName()));
        QCOMPARE(staging->selectedBatchId(), selected);

        // Ctrl+O (File → Add folder…): a folder picker; type the path, Enter.
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_O, Qt::ControlModifier);
        QPointer<QFileDialog> picker;   // deletes itself once accepted
        QTRY_VERIFY((picker = window.findChild<QFileDialog *>()) && picker->isVisible());
        QTRY_VERIFY2(QApplication::focusWidget() && QApplication::focusWidget()->window() == picker, qPrintable(focusName()));
        QTest::keyClicks(QApplication::focusWidget(), folder);
        for (int i = 0; i < 3 && picker && picker->isVisible(); ++i) {   // the first Enter may only close the completer
            QTest::keyClick(QApplication::focusWidget(), Qt::Key_Return);
            QTest::qWait(100);
        }

        // The ingest dialog: focus on the batch id; Enter uploads once the scan is done.
        IngestDialog *ingest = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT((ingest = staging->ingestDialog()) && ingest->isVisible(), 10000);
        QTRY_COMPARE(QApplication::focusWidget(), ingest->batchIdEdit());
        QCOMPARE(ingest->batchIdEdit()->text(), QStringLiteral("walk-photos"));
        QTRY_VERIFY_WITH_TIMEOUT(ingest->uploadButton()->isEnabled(), 15000);
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Return);
        QTRY_VERIFY(!staging->ingestDialog());
        QTRY_VERIFY_WITH_TIMEOUT(!staging->transferLists().isEmpty() && staging->transferLists().last()->isFinished(), 60000);
        QTRY_COMPARE_WITH_TIMEOUT(staging->selectedBatchId(), QStringLiteral("walk-photos"), 15000);

        // Ctrl+N (File → New job…) on the selected batch: focus on Workflow ID; type; Enter submits.
        QVERIFY(window.action(QStringLiteral("newJob"))->shortcut() == QKeySequence(QKeySequence::New));
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        QTest::keyClick(QApplication::focusWidget() ? QApplication::focusWidget() : &window, Qt::Key_N, Qt::ControlModifier);
        NewJobDialog *newJob = nullptr;
        QTRY_VERIFY((newJob = window.findChild<NewJobDialog *>()) && newJob->isVisible());
        QTRY_COMPARE_WITH_TIMEOUT(newJob->workflowSpec().batchId, QStringLiteral("walk-photos"), 10000);
        QTRY_COMPARE(QApplication::focusWidget() ? QApplication::focusWidget()->objectName() : QString(),
                     QStringLiteral("workflowId"));
        QTest::keyClicks(QApplication::focusWidget(), QStringLiteral("walk-workflow"));
        QTRY_VERIFY_WITH_TIMEOUT(newJob->canSubmit(), 10000);
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Return);
        JobView *view = window.jobsTab()->jobView();
        QTRY_VERIFY_WITH_TIMEOUT(view->isVisible() && !view->jobId().isEmpty(), 20000);
        const QString jobId = view->jobId();
        QCOMPARE(window.tabs()->currentWidget(), window.jobsTab());
        QTRY_VERIFY_WITH_TIMEOUT(view->downloadButton()->isEnabled(), 120000);   // finished without error

        // Ctrl+S (File → Download results…): the dialog; Alt+F to the folder, type it, Enter.
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        QTest::keyClick(QApplication::focusWidget() ? QApplication::focusWidget() : &window, Qt::Key_S, Qt::ControlModifier);
        DownloadDialog *download = nullptr;
        QTRY_VERIFY((download = window.findChild<DownloadDialog *>()) && download->isVisible());
        QCOMPARE(download->options().jobId, jobId);
        QCOMPARE(window.tabs()->currentWidget(), window.exportsTab());
        QTRY_VERIFY2(QApplication::focusWidget() && QApplication::focusWidget()->window() == download, qPrintable(focusName()));
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_F, Qt::AltModifier);
        auto *folderEdit = qobject_cast<QLineEdit *>(QApplication::focusWidget());
        QVERIFY2(folderEdit, qPrintable(focusName()));
        folderEdit->selectAll();
        QTest::keyClicks(folderEdit, target);
        QSignalSpy finished(window.exportsTab(), &ExportsTab::exportFinished);
        QTest::keyClick(folderEdit, Qt::Key_Return);
        QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, 60000);
        int files = 0;
        for (QDirIterator it(target, QDir::Files, QDirIterator::Subdirectories); it.hasNext(); it.next())
            ++files;
        QVERIFY2(files > 0, qPrintable(target));

        // Alt+2 (View → Jobs), then Ctrl+Shift+R (Job → Show results): the folder just downloaded
        // (not the proposed default) opens in the results viewer as one table.
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        QTest::keyClick(QApplication::focusWidget() ? QApplication::focusWidget() : &window, Qt::Key_2, Qt::AltModifier);
        QCOMPARE(window.tabs()->currentWidget(), window.jobsTab());
        QVERIFY(view->showResultsButton()->isEnabled());
        QCOMPARE(window.action(QStringLiteral("showResults"))->shortcut(), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R));
        ResultsViewer *results = window.exportsTab()->resultsViewer();
        QSignalSpy listed(results, &ResultsViewer::folderListed);
        QTest::keyClick(QApplication::focusWidget() ? QApplication::focusWidget() : &window, Qt::Key_R,
                        Qt::ControlModifier | Qt::ShiftModifier);
        QCOMPARE(window.tabs()->currentWidget(), window.exportsTab());
        QTRY_COMPARE_WITH_TIMEOUT(listed.count(), 1, 10000);
        const QStringList resultFiles = listed.first().first().toStringList();
        QVERIFY2(!resultFiles.isEmpty(), "the job's export holds no results file");
        for (const QString &file : resultFiles)
            QVERIFY2(file.startsWith(target), qPrintable(file));
        QTRY_VERIFY_WITH_TIMEOUT(results->model()->rowCount() > 0, 10000);
        QTest::qWait(300);   // let the last list refreshes land before teardown
    }

    void viewStateOutlivesAViewThatOwnsItsModel()
    {
        // A QTableWidget deletes its model from ~QWidget; the model's last reset must not reach
        // ViewState's handlers on a view that is half destroyed (crashed before).
        auto *table = new QTableWidget(4, 2);
        for (int row = 0; row < 4; ++row)
            for (int column = 0; column < 2; ++column)
                table->setItem(row, column, new QTableWidgetItem(QStringLiteral("r%1c%2").arg(row).arg(column)));
        ViewState::attach(table, QString());
        table->show();
        table->selectRow(2);
        QVERIFY(QTest::qWaitForWindowExposed(table));
        QPointer<QTableWidget> guard(table);
        delete table;
        QVERIFY(guard.isNull());
    }

    void commandsWrapBetweenOptionsOnly()
    {
        const QString command = QStringLiteral("inference rf-cloud batch-processing process-images-with-workflow "
                                               "--batch-id b-1 --workflow-parameters '{\"a\": \"x --y\"}' -w my-wf");
        const QString wrapped = wrapCommandAtOptions(command);
        QCOMPARE(wrapped.count(QStringLiteral(" \\\n    ")), 3);   // before --batch-id, --workflow-parameters, -w
        QVERIFY(wrapped.contains(QStringLiteral("'{\"a\": \"x --y\"}'")));   // not inside the quotes
        QString joined = wrapped;
        QCOMPARE(joined.replace(QStringLiteral(" \\\n    "), QStringLiteral(" ")), command);   // the same command
        QCOMPARE(breakableAtSeparators(QStringLiteral("a/b?c=d")), QStringLiteral("a/\u200Bb?\u200Bc=\u200Bd"));
    }

    void menusCarryStandardShortcutsAndMnemonics()
    {
        AppSession session;
        MainWindow window(&session);
        const QList<QPair<QString, QKeySequence>> expected = {
            { QStringLiteral("addFolder"), QKeySequence(QKeySequence::Open) },
            { QStringLiteral("newJob"), QKeySequence(QKeySequence::New) },
            { QStringLiteral("downloadResults"), QKeySequence(QKeySequence::Save) },
            { QStringLiteral("filter"), QKeySequence(QKeySequence::Find) },
            { QStringLiteral("refresh"), QKeySequence(QKeySequence::Refresh) },
            { QStringLiteral("quit"), QKeySequence(QKeySequence::Quit) },
        };
        for (const auto &[name, keys] : expected) {
            QAction *a = window.action(name);
            QVERIFY2(a, qPrintable(name));
            QCOMPARE(a->shortcut(), keys);
            QVERIFY2(a->text().contains(QLatin1Char('&')), qPrintable(a->text()));
        }
        // No two actions (menus or buttons) claim one key sequence: an ambiguous one fires nothing.
        QHash<QKeySequence, QString> seen;
        for (QAction *a : window.findChildren<QAction *>()) {
            for (const QKeySequence &k : a->shortcuts()) {
                QVERIFY2(!seen.contains(k), qPrintable(k.toString() + QStringLiteral(": ") + seen.value(k) + " / " + a->text()));
                seen.insert(k, a->text());
            }
        }
        for (QAbstractButton *b : window.findChildren<QAbstractButton *>())
            QVERIFY2(b->shortcut().isEmpty() || !seen.contains(b->shortcut()), qPrintable(b->text()));
    }
};

QTEST_MAIN(TstInteractionUi)
#include "tst_interaction_ui.moc"
