// The Jobs tab against the embedded sandbox (demo data, jobs at 100× speed): the New job dialog
// validates live and previews the exact wire JSON, a submitted job appears in the table, its view
// follows the stage timeline to the end, a failing job shows its error summary, and finished
// jobs produce a notification.
#include "AppSession.h"
#include "JobLogsPane.h"
#include "JobView.h"
#include "JobsTab.h"
#include "ListModels.h"
#include "MainWindow.h"
#include "NewJobDialog.h"
#include "Palette.h"
#include "StageTimeline.h"
#include "TaskTableModel.h"
#include "TextWrap.h"
#include "TrayNotifier.h"
#include "UiTestHome.h"

#include <QApplication>
#include <QComboBox>
#include <QFile>
#include <QLabel>
#include <QJsonDocument>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTemporaryDir>
#include <QSignalSpy>
#include <QTest>

using namespace bd::ui;

class TstJobsUi : public QObject
{
    Q_OBJECT
    QTemporaryDir m_home;
    std::unique_ptr<AppSession> m_session;
    std::unique_ptr<MainWindow> m_window;

    template <class W>
    W *field(NewJobDialog *dialog, const char *name)
    {
        W *w = dialog->findChild<W *>(QLatin1String(name));
        if (!w)
            qFatal("no field %s", name);
        return w;
    }

    // Fill and submit an image job on demo-images; returns once the job is listed.
    void submitImageJob(const QString &jobId, const QString &workflowId)
    {
        NewJobDialog *dialog = m_window->jobsTab()->newJob(QStringLiteral("demo-images"));
        field<QLineEdit>(dialog, "workflowId")->setText(workflowId);
        field<QLineEdit>(dialog, "jobId")->setText(jobId);
        field<QLineEdit>(dialog, "jobName")->setText(QStringLiteral("UI test ") + jobId);
        QVERIFY2(dialog->canSubmit(), qPrintable(bd::jobs::describeProblems(dialog->problems())));
        QSignalSpy created(dialog, &NewJobDialog::jobCreated);
        dialog->submit();
        QTRY_COMPARE_WITH_TIMEOUT(created.count(), 1, 20000);
        QVERIFY(m_window->jobsTab()->model()->rowOfKey(jobId) >= 0);   // listed at once
        QCOMPARE(m_window->jobsTab()->jobView()->jobId(), jobId);
        QVERIFY(m_window->jobsTab()->jobView()->isVisible());
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(useTemporaryHome(m_home));
        if (qEnvironmentVariableIsSet("BATCHDECK_TEST_DARK"))
            applyDarkPalette();
        m_session = std::make_unique<AppSession>();
        m_window = std::make_unique<MainWindow>(m_session.get());
        m_window->show();
        QVERIFY(m_session->connectToSandbox(100.0));
        QTRY_COMPARE_WITH_TIMEOUT(m_session->state(), AppSession::State::Online, 15000);
        m_window->tabs()->setCurrentWidget(m_window->jobsTab());
    }

    void cleanupTestCase()
    {
        m_window.reset();
        m_session.reset();
    }

    void dialogValidatesLiveAndPreviewsWireJson()
    {
        NewJobDialog *dialog = m_window->jobsTab()->newJob();
        auto *batch = field<QComboBox>(dialog, "batchId");
        QTRY_VERIFY_WITH_TIMEOUT(batch->findText(QStringLiteral("demo-images")) >= 0, 15000);
        batch->setEditText(QStringLiteral("demo-images"));
        // The input-batch check answers asynchronously: demo-images is indexed and has files.
        QTRY_VERIFY_WITH_TIMEOUT(dialog->batchNotice().contains(QStringLiteral("ready")), 15000);

        // Nothing typed yet: the workflow is missing, so the job cannot be sent, but the field
        // does not shout before anything was typed; pressing Submit shows why, in the reserved
        // line (the form does not move) and puts the focus on the field.
        QVERIFY(!dialog->canSubmit());
        QCOMPARE(dialog->fieldMessage(QStringLiteral("workflowId")), QString());
        auto *workflowMessage = dialog->findChild<QLabel *>(QStringLiteral("workflowId-message"));
        QVERIFY(workflowMessage && workflowMessage->isVisibleTo(dialog));
        const int messageHeight = workflowMessage->sizeHint().height();
        dialog->submit();
        QCOMPARE(dialog->fieldMessage(QStringLiteral("workflowId")), QStringLiteral("is required"));
        QCOMPARE(workflowMessage->text(), QStringLiteral("⚠ is required"));
        QCOMPARE(workflowMessage->sizeHint().height(), messageHeight);
        QCOMPARE(dialog->focusWidget(), dialog->findChild<QWidget *>(QStringLiteral("workflowId")));
        // No red frame on the editor: it hid the focus ring.
        QVERIFY(dialog->findChild<QWidget *>(QStringLiteral("workflowId"))->styleSheet().isEmpty());

        auto *workflow = field<QLineEdit>(dialog, "workflowId");
        auto *jobId = field<QLineEdit>(dialog, "jobId");
        QVERIFY(bd::jobs::isValidJobId(jobId->text()));   // pre-filled with a generated id
        workflow->setText(QStringLiteral("detect-people"));
        QVERIFY2(dialog->canSubmit(), qPrintable(bd::jobs::describeProblems(dialog->problems())));

        // An invalid job id disables Submit and is explained beside the field.
        jobId->setText(QStringLiteral("Not Valid!"));
        QVERIFY(!dialog->canSubmit());
        QVERIFY2(dialog->fieldMessage(QStringLiteral("jobId")).contains(QStringLiteral("a-z, 0-9")),
                 qPrintable(dialog->fieldMessage(QStringLiteral("jobId"))));
        jobId->setText(QStringLiteral("abcdefghijklmnopqrstu"));   // 21 characters
        QVERIFY(!dialog->canSubmit());
        jobId->setText(QStringLiteral("jui-preview-1"));
        QVERIFY(dialog->fieldMessage(QStringLiteral("jobId")).isEmpty());

        // Workflow parameters are parsed live; the message carries the error position.
        auto *params = field<QPlainTextEdit>(dialog, "workflowParameters");
        params->setPlainText(QStringLiteral("{\"threshold\": 0.4,\n \"classes\": [\"person\""));
        QVERIFY(!dialog->canSubmit());
        QVERIFY2(dialog->fieldMessage(QStringLiteral("workflowParameters")).contains(QStringLiteral("line 2")),
                 qPrintable(dialog->fieldMessage(QStringLiteral("workflowParameters"))));
        params->setPlainText(QStringLiteral("{\"threshold\": 0.4, \"classes\": [\"person\"]}"));
        QVERIFY(dialog->fieldMessage(QStringLiteral("workflowParameters")).isEmpty());

        // Numbers: text that is no number, then a value out of range, then a good one.
        auto *workers = field<QLineEdit>(dialog, "workersPerMachine");
        workers->setText(QStringLiteral("two"));
        QVERIFY(!dialog->canSubmit());
        QVERIFY(dialog->fieldMessage(QStringLiteral("workersPerMachine")).contains(QStringLiteral("whole number")));
        workers->setText(QStringLiteral("2"));
        auto *rate = field<QLineEdit>(dialog, "maxImageFailureRate");
        rate->setText(QStringLiteral("1.5"));
        QVERIFY(!dialog->canSubmit());
        QVERIFY(!dialog->fieldMessage(QStringLiteral("maxImageFailureRate")).isEmpty());
        rate->setText(QStringLiteral("0.05"));
        field<QPlainTextEdit>(dialog, "imagesMetadataInputsMapping")->setPlainText(QStringLiteral("camera=camera_id\n=oops"));
        QVERIFY(!dialog->canSubmit());
        QVERIFY(!dialog->fieldMessage(QStringLiteral("imagesMetadataInputsMapping")).isEmpty());
        field<QPlainTextEdit>(dialog, "imagesMetadataInputsMapping")->setPlainText(QStringLiteral("camera=camera_id"));
        field<QLineEdit>(dialog, "notificationsURL")->setText(QStringLiteral("ftp://nope"));
        QVERIFY(!dialog->fieldMessage(QStringLiteral("notificationsURL")).isEmpty());
        field<QLineEdit>(dialog, "notificationsURL")->clear();
        QVERIFY2(dialog->canSubmit(), qPrintable(bd::jobs::describeProblems(dialog->problems())));

        // The preview is exactly JobSpec's wire JSON, and the CLI line is the equivalent command.
        const bd::jobs::WorkflowJobSpec spec = dialog->workflowSpec();
        const QJsonObject preview = QJsonDocument::fromJson(dialog->previewJsonText().toUtf8()).object();
        QCOMPARE(preview, spec.toWireJson());
        QCOMPARE(preview.value(QStringLiteral("type")).toString(), QStringLiteral("simple-image-processing-v1"));
        const QJsonObject processing = preview.value(QStringLiteral("processingSpecification")).toObject();
        QCOMPARE(processing.value(QStringLiteral("workspace")).toString(), QStringLiteral("sandbox-ws"));
        QCOMPARE(processing.value(QStringLiteral("workflowParameters")).toObject().value(QStringLiteral("threshold")).toDouble(), 0.4);
        QCOMPARE(preview.value(QStringLiteral("computeConfiguration")).toObject().value(QStringLiteral("workersPerMachine")).toInt(), 2);
        // Wrapped at option boundaries, one option per line, and still the same command.
        QVERIFY(dialog->previewCommandLine().startsWith(wrapCommandAtOptions(spec.toCliInvocation().commandLine())));
        QVERIFY(dialog->previewCommandLine().contains(QStringLiteral(" \\\n    --workflow-id detect-people")));
        QCOMPARE(field<QPlainTextEdit>(dialog, "previewCli")->lineWrapMode(), QPlainTextEdit::NoWrap);
        QVERIFY(dialog->previewCommandLine().contains(QStringLiteral("process-images-with-workflow")));

        // A video job hides the image-only fields and drops them from the body.
        dialog->setKind(NewJobDialog::Kind::Videos);
        const QJsonObject video = QJsonDocument::fromJson(dialog->previewJsonText().toUtf8()).object();
        QCOMPARE(video.value(QStringLiteral("type")).toString(), QStringLiteral("simple-video-processing-v1"));
        QVERIFY(!video.contains(QStringLiteral("maxImageFailureRate")));
        QCOMPARE(video, dialog->workflowSpec().toWireJson());
        // TRT: the id follows the kind while untouched; the devices are required.
        dialog->setKind(NewJobDialog::Kind::Trt);
        QVERIFY(!dialog->canSubmit());
        QVERIFY(!dialog->fieldMessage(QStringLiteral("compilationDevices")).isEmpty());
        saveTestShot(dialog, QStringLiteral("new-job-dialog"));
        dialog->reject();
    }

    void submittedJobIsFollowedToTheEnd()
    {
        TrayNotifier *tray = m_window->trayNotifier();
        const int notificationsBefore = tray->notificationCount();
        submitImageJob(QStringLiteral("jui-ok-1"), QStringLiteral("detect-people"));
        JobView *view = m_window->jobsTab()->jobView();

        // Live: the timeline shows the planned stages and reaches the end.
        QTRY_VERIFY_WITH_TIMEOUT(view->timeline()->entries().size() == 2, 30000);
        saveTestShot(m_window.get(), QStringLiteral("job-running"));
        QTRY_COMPARE_WITH_TIMEOUT(view->stateText(), QStringLiteral("Succeeded"), 120000);
        const auto entries = view->timeline()->entries();
        QCOMPARE(entries.at(0).name, QStringLiteral("processing"));
        QCOMPARE(entries.at(1).name, QStringLiteral("export"));
        for (const StageTimeline::Entry &e : entries) {
            QVERIFY2(e.started && e.finished && !e.progress.hasError, qPrintable(e.name));
            QCOMPARE(qRound(e.progress.progress * 100), 100);
            QCOMPARE(e.progress.failed, 0);
            QVERIFY(e.progress.succeeded > 0);
        }
        // The task table of the followed (last) stage: every task done.
        QVERIFY(view->taskModel()->rowCount() > 0);
        for (int r = 0; r < view->taskModel()->rowCount(); ++r) {
            QCOMPARE(view->taskModel()->data(view->taskModel()->index(r, TaskTableModel::Progress), SortRole).toInt(), 100);
            // The notification's message is shown, not its JSON.
            const QString note = view->taskModel()->data(view->taskModel()->index(r, TaskTableModel::Notification), Qt::DisplayRole).toString();
            QVERIFY2(!note.isEmpty() && !note.startsWith(QLatin1Char('{')), qPrintable(note));
        }
        // Clicking the first stage lists its tasks instead.
        view->timeline()->setSelectedIndex(0);
        QTRY_VERIFY(view->taskModel()->rowCount() == entries.at(0).progress.succeeded);
        QCOMPARE(view->errorSummaryLines(), QStringList{ QStringLiteral("All Good") });
        QVERIFY(!view->abortButton()->isEnabled());
        QVERIFY(!view->restartButton()->isEnabled());

        // The table row follows too, and jobFinished produced one notification.
        QTRY_VERIFY_WITH_TIMEOUT(m_window->jobsTab()->model()->rowAt(m_window->jobsTab()->model()->rowOfKey(QStringLiteral("jui-ok-1")))->job.isTerminal, 20000);
        QTRY_VERIFY_WITH_TIMEOUT(tray->notificationCount() > notificationsBefore, 20000);
        QVERIFY2(tray->lastMessage().contains(QStringLiteral("jui-ok-1")) && tray->lastMessage().contains(QStringLiteral("succeeded")),
                 qPrintable(tray->lastMessage()));

        // Logs: loaded for the job and exported as JSONL.
        QTRY_VERIFY_WITH_TIMEOUT(!view->logsPane()->logs().isEmpty(), 20000);
        const QString path = m_home.filePath(QStringLiteral("logs/jui-ok-1.jsonl"));
        QVERIFY(!view->logsPane()->exportJsonl(path));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = file.readAll().trimmed().split('\n');
        QCOMPARE(lines.size(), view->logsPane()->logs().size());
        QVERIFY(QJsonDocument::fromJson(lines.first()).object().contains(QStringLiteral("reporting_module")));
    }

    void failingJobShowsErrorSummary()
    {
        TrayNotifier *tray = m_window->trayNotifier();
        const int notificationsBefore = tray->notificationCount();
        submitImageJob(QStringLiteral("jui-fail-1"), QStringLiteral("wf-fail-often"));
        JobView *view = m_window->jobsTab()->jobView();
        QTRY_COMPARE_WITH_TIMEOUT(view->stateText(), QStringLiteral("Failed"), 120000);
        saveTestShot(m_window.get(), QStringLiteral("job-failed"));
        // A failed processing stage: export never runs, and the timeline says so ("not run").
        bool anySkipped = false;
        for (const StageTimeline::Entry &e : view->timeline()->entries()) {
            QCOMPARE(e.skipped, !e.started);
            anySkipped |= e.skipped;
        }
        QVERIFY(anySkipped);
        const QStringList summary = view->errorSummaryLines();
        QVERIFY2(!summary.isEmpty() && !summary.contains(QStringLiteral("All Good")), qPrintable(summary.join('|')));
        // Most frequent first: "N × message" with non-increasing N.
        int previous = INT_MAX;
        for (const QString &line : summary) {
            const int count = line.section(QStringLiteral(" × "), 0, 0).toInt();
            QVERIFY2(count > 0 && count <= previous, qPrintable(line));
            previous = count;
        }
        QVERIFY(view->restartButton()->isEnabled());
        QTRY_VERIFY_WITH_TIMEOUT(tray->notificationCount() > notificationsBefore, 20000);
        QVERIFY2(tray->lastMessage().contains(QStringLiteral("jui-fail-1")) && tray->lastMessage().contains(QStringLiteral("failed")),
                 qPrintable(tray->lastMessage()));
    }

    // Issue 12's New job items: focus, the deprecated machine size, batches of the job's media
    // type, a dialog no taller than the main window, fields and help from the field table.
    void newJobDialogFollowsTheJob()
    {
        NewJobDialog *dialog = m_window->jobsTab()->newJob();
        dialog->show();
        QVERIFY(QTest::qWaitForWindowActive(dialog));
        QTRY_COMPARE(QApplication::focusWidget() ? QApplication::focusWidget()->objectName() : QString(),
                     QStringLiteral("workflowId"));
        QVERIFY(dialog->height() <= m_window->height());

        // Every row comes from the table: label as accessible name, tooltip as help.
        for (const bd::jobs::JobField *f : bd::jobs::jobFieldsFor(bd::jobs::JobKind::Images)) {
            if (f->section == bd::jobs::FormSection::NotInForm)
                continue;
            auto *editor = dialog->findChild<QWidget *>(f->key);
            QVERIFY2(editor, qPrintable(f->key));
            QCOMPARE(editor->toolTip(), f->tooltip);
        }

        // Machine size (deprecated) is hidden until a value asks for it.
        auto *size = field<QComboBox>(dialog, "machineSize");
        QVERIFY(!size->isVisibleTo(dialog));
        bd::jobs::WorkflowJobSpec preset = dialog->workflowSpec();
        preset.workflowId = QStringLiteral("from-preset");
        preset.machineSize = QStringLiteral("m");
        dialog->setWorkflowSpec(preset);
        QVERIFY(size->isVisibleTo(dialog));
        QCOMPARE(dialog->workflowSpec().effectiveWorkersPerMachine(), std::optional<int>(2));
        // The workflow is filled in: the batch is next.
        QTRY_COMPARE(QApplication::focusWidget(), static_cast<QWidget *>(field<QComboBox>(dialog, "batchId")));

        // Image jobs list image batches, video jobs video batches; switching refreshes the list.
        auto *batch = field<QComboBox>(dialog, "batchId");
        QTRY_VERIFY_WITH_TIMEOUT(batch->findText(QStringLiteral("demo-images")) >= 0, 15000);
        QCOMPARE(batch->findText(QStringLiteral("demo-videos")), -1);
        for (int i = 0; i < batch->count(); ++i)
            QCOMPARE(batch->itemData(i).toString(), QStringLiteral("images"));
        dialog->setKind(NewJobDialog::Kind::Videos);
        QVERIFY(batch->findText(QStringLiteral("demo-videos")) >= 0);
        QCOMPARE(batch->findText(QStringLiteral("demo-images")), -1);
        dialog->setKind(NewJobDialog::Kind::Images);
        QVERIFY(batch->findText(QStringLiteral("demo-images")) >= 0);
        dialog->reject();
    }

    void serverRefusalIsShownInTheDialog()
    {
        // Same id, different definition: the sandbox answers 409 and the dialog shows its message.
        NewJobDialog *dialog = m_window->jobsTab()->newJob(QStringLiteral("demo-images"));
        field<QLineEdit>(dialog, "workflowId")->setText(QStringLiteral("another-workflow"));
        field<QLineEdit>(dialog, "jobId")->setText(QStringLiteral("jui-ok-1"));
        QVERIFY(dialog->canSubmit());
        dialog->submit();
        QTRY_VERIFY_WITH_TIMEOUT(!dialog->submitError().isEmpty(), 20000);
        QVERIFY2(dialog->submitError().contains(QStringLiteral("already exists")), qPrintable(dialog->submitError()));
        QVERIFY(dialog->isVisible());
        QVERIFY(dialog->canSubmit());   // can be corrected and sent again
        dialog->reject();
    }

    void timelineStacksWhenNarrow()
    {
        StageTimeline timeline;
        StageTimeline::Entry a, b;
        a.name = QStringLiteral("processing");
        b.name = QStringLiteral("export");
        timeline.setEntries({ a, b }, QStringLiteral("processing"));
        QCOMPARE(timeline.currentIndex(), 0);
        timeline.resize(900, timeline.heightForWidth(900));
        QVERIFY(!timeline.isStacked());
        timeline.resize(300, timeline.heightForWidth(300));
        QVERIFY(timeline.isStacked());
        QVERIFY(timeline.heightForWidth(300) > timeline.heightForWidth(900));
    }
};

QTEST_MAIN(TstJobsUi)
#include "tst_jobs_ui.moc"
