// The New job dialog's "Images in the Asset Library" input end to end against the embedded
// sandbox (jobs at 100× speed): pasted image ids, a RoboQL query with its live count (and a bad
// query's message), and the whole library behind a confirmation that shows the count. Each
// submitted job appears in the Jobs tab, is opened in the job view and is followed to the end
// like any other; the sandbox's request log shows the Asset Library calls carried the key only
// as a Bearer header. Offscreen grabs of the dialog are saved as PNGs (path printed).
#include "AppSession.h"
#include "AssetLibraryInput.h"
#include "JobView.h"
#include "JobsTab.h"
#include "ListModels.h"
#include "MainWindow.h"
#include "NewJobDialog.h"
#include "UiTestHome.h"
#include "sandbox/Sandbox.h"

#include <QDir>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace bd::ui;
using bd::jobs::AssetSelection;

class TstAssetLibraryUi : public QObject
{
    Q_OBJECT
    QTemporaryDir m_home;
    std::unique_ptr<AppSession> m_session;
    std::unique_ptr<MainWindow> m_window;
    QString m_shots;

    NewJobDialog *openAssetDialog(const QString &workflow)
    {
        NewJobDialog *dialog = m_window->jobsTab()->newJob();
        dialog->setKind(NewJobDialog::Kind::AssetLibrary);
        dialog->findChild<QLineEdit *>(QStringLiteral("workflowId"))->setText(workflow);
        dialog->show();
        return dialog;
    }

    void grab(QWidget *widget, const QString &name)
    {
        QTest::qWait(150);   // let layouts and repaints settle
        const QString path = QDir(m_shots).filePath(name + QStringLiteral(".png"));
        QVERIFY(widget->grab().save(path));
        qInfo("saved %s", qPrintable(path));
    }

    // Submits and follows the job to the end; returns its id.
    QString submitAndFollow(NewJobDialog *dialog)
    {
        QSignalSpy created(dialog, &NewJobDialog::jobCreated);
        dialog->submit();
        if (!QTest::qWaitFor([&] { return created.count() == 1; }, 30000)) {
            qWarning("not created: %s", qPrintable(dialog->submitError()));
            return {};
        }
        const QString jobId = created.at(0).at(0).toString();
        JobsTab *tab = m_window->jobsTab();
        if (tab->model()->rowOfKey(jobId) < 0 || tab->jobView()->jobId() != jobId)
            return QStringLiteral("not shown: ") + jobId;
        if (!QTest::qWaitFor([&] { return tab->jobView()->stateText() == QLatin1String("Succeeded"); }, 120000))
            return QStringLiteral("did not succeed: ") + jobId + QLatin1Char(' ') + tab->jobView()->stateText();
        return jobId;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(useTemporaryHome(m_home));
        m_shots = qEnvironmentVariable("BATCHDECK_TEST_SHOTS", m_home.filePath(QStringLiteral("shots")));
        QDir().mkpath(m_shots);
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

    void pastedIdsRunToTheEnd()
    {
        NewJobDialog *dialog = openAssetDialog(QString());
        QVERIFY(!dialog->findChild<QWidget *>(QStringLiteral("batchId"))->isVisibleTo(dialog));
        QVERIFY(dialog->assetLibraryInput()->isVisibleTo(dialog));
        QVERIFY(!dialog->canSubmit());   // no workflow, no ids
        QCOMPARE(dialog->fieldMessage(QStringLiteral("workflowId")), QString());   // not before Submit
        dialog->submit();   // with problems: shows them, sends nothing
        QCOMPARE(dialog->fieldMessage(QStringLiteral("workflowId")), QStringLiteral("is required"));
        QCOMPARE(dialog->fieldMessage(QStringLiteral("assetSelection")), QStringLiteral("name at least one image id"));

        dialog->findChild<QLineEdit *>(QStringLiteral("workflowId"))->setText(QStringLiteral("detect-cars"));
        dialog->assetLibraryInput()->setImageIdsText(QStringLiteral("asset-01\nasset-02, asset-03\nbad\"id"));
        QVERIFY(!dialog->canSubmit());
        QVERIFY2(dialog->fieldMessage(QStringLiteral("assetSelection")).startsWith(QStringLiteral("line 3:")),
                 qPrintable(dialog->fieldMessage(QStringLiteral("assetSelection"))));
        dialog->assetLibraryInput()->setImageIdsText(QStringLiteral("asset-01\nasset-02, asset-03"));
        QVERIFY2(dialog->canSubmit(), qPrintable(bd::jobs::describeProblems(dialog->problems())));
        QVERIFY(dialog->previewJsonText().contains(QStringLiteral("\"imageIds\"")));
        QVERIFY(dialog->previewJsonText().contains(QStringLiteral("generated on Submit")));
        // Wrapped one option per line (TextWrap), read here as the one command it is.
        QVERIFY2(QString(dialog->previewCommandLine()).replace(QStringLiteral(" \\\n    "), QStringLiteral(" ")).startsWith(QStringLiteral(
                     "batchdeck-cli batch-processing process-asset-library-with-workflow --workflow-id detect-cars --image-ids image-ids.txt")),
                 qPrintable(dialog->previewCommandLine()));
        grab(dialog, QStringLiteral("asset-library-ids"));
        const QString jobId = submitAndFollow(dialog);
        QVERIFY2(jobId.startsWith(QLatin1String("al-")), qPrintable(jobId));
    }

    void queryHasALiveCount()
    {
        NewJobDialog *dialog = openAssetDialog(QStringLiteral("count-night-cars"));
        AssetLibraryInput *input = dialog->assetLibraryInput();
        input->setMode(AssetSelection::Query);
        QSignalSpy counted(input, &AssetLibraryInput::queryCounted);
        input->setQuery(QStringLiteral("tag:cars AND"));
        QVERIFY(counted.wait(10000));
        QVERIFY2(input->queryCountText().startsWith(QStringLiteral("RoboQL")), qPrintable(input->queryCountText()));
        input->setQuery(QStringLiteral("tag:cars AND tag:night"));
        QVERIFY(counted.wait(10000));
        QCOMPARE(input->queryCountText(), QStringLiteral("6 image(s) match"));
        QVERIFY(dialog->canSubmit());
        grab(dialog, QStringLiteral("asset-library-query"));
        const QString jobId = submitAndFollow(dialog);
        QVERIFY2(jobId.startsWith(QLatin1String("al-")), qPrintable(jobId));
    }

    void wholeLibraryNeedsAConfirmationWithTheCount()
    {
        NewJobDialog *dialog = openAssetDialog(QStringLiteral("whole-library"));
        AssetLibraryInput *input = dialog->assetLibraryInput();
        QSignalSpy counted(input, &AssetLibraryInput::libraryCounted);
        input->setMode(AssetSelection::AllImages);
        QVERIFY(counted.count() == 1 || counted.wait(10000));
        QCOMPARE(input->libraryCount().value_or(-1), qint64(40));
        QVERIFY2(input->confirmText().contains(QStringLiteral("all 40 image")), qPrintable(input->confirmText()));
        QVERIFY(!dialog->canSubmit());   // not confirmed yet
        dialog->revealProblems();
        QVERIFY(dialog->fieldMessage(QStringLiteral("assetSelection")).contains(QStringLiteral("confirmed")));
        input->setConfirmed(true);
        QVERIFY2(dialog->canSubmit(), qPrintable(bd::jobs::describeProblems(dialog->problems())));
        QVERIFY(dialog->previewCommandLine().contains(QStringLiteral("--all-images \\\n    --confirm")));
        grab(dialog, QStringLiteral("asset-library-all"));
        const QString jobId = submitAndFollow(dialog);
        QVERIFY2(jobId.startsWith(QLatin1String("al-")), qPrintable(jobId));
        grab(m_window.get(), QStringLiteral("asset-library-job-finished"));
    }

    void assetLibraryCallsCarriedTheKeyOnlyAsBearer()
    {
        int seen = 0;
        for (const bd::sandbox::LoggedRequest &r : m_session->sandbox()->requestLog()) {
            if (!r.routeId.startsWith(QLatin1Char('A')))
                continue;
            ++seen;
            QVERIFY2(r.scheme == bd::sandbox::AuthScheme::Bearer, qPrintable(r.target));
            QVERIFY2(!r.target.contains(QLatin1String("api_key")), qPrintable(r.target));
            for (const QString &key : m_session->sandbox()->options().apiKeys)
                QVERIFY2(!r.target.contains(key), qPrintable(r.target));
        }
        QVERIFY(seen >= 5);   // three creates, two query counts, one library count
    }
};

QTEST_MAIN(TstAssetLibraryUi)
#include "tst_assetlibrary_ui.moc"
