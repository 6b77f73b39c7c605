// The Staging tab's "Ingest from…" dialogs on the embedded sandbox: a references file is read off
// the GUI thread and previewed with its problems (duplicate names, malformed URLs block Ingest); a
// clean file is ingested (the sandbox fetches the images from a loopback file server) and shows up
// in the lower pane, then as a ready batch; a RoboQL query builds a batch; the cloud dialog reports
// a missing credential clearly and saves a references file the references reader accepts.
#include "AppSession.h"
#include "BatchCountProxy.h"
#include "CloudIngestDialog.h"
#include "IngestTargetForm.h"
#include "ListModels.h"
#include "MainWindow.h"
#include "ReferencesIngestDialog.h"
#include "RemoteIngestView.h"
#include "RoboqlIngestDialog.h"
#include "StagingTab.h"
#include "UiTestHome.h"
#include "cloud/CloudEmulators.h"
#include "cloud/CredentialFakes.h"
#include "staging/ReferencesIngestOperation.h"

#include <QImage>
#include <QLineEdit>
#include <QMenu>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

#include <httplib.h>

#include <thread>

using namespace bd::ui;

class TstIngestFromUi : public QObject
{
    Q_OBJECT
    QTemporaryDir m_home;
    QTemporaryDir m_files;
    httplib::Server m_server;
    std::thread m_serverThread;
    int m_port = 0;

    QString writeFile(const QString &name, const QByteArray &bytes)
    {
        QFile f(m_files.filePath(name));
        if (!f.open(QIODevice::WriteOnly))
            return {};
        f.write(bytes);
        return f.fileName();
    }
    QString imageUrl(const QString &name) const { return QStringLiteral("http://127.0.0.1:%1/%2").arg(m_port).arg(name); }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(useTemporaryHome(m_home) && m_files.isValid());
        // Three real JPEGs served over loopback: the sandbox fetches references only from there.
        for (int i = 1; i <= 3; ++i) {
            QImage image(64, 48, QImage::Format_RGB32);
            image.fill(QColor::fromHsv(i * 90, 200, 200));
            QVERIFY(image.save(m_files.filePath(QStringLiteral("img%1.jpg").arg(i)), "JPEG"));
        }
        QVERIFY(m_server.set_mount_point("/", m_files.path().toStdString()));
        m_port = m_server.bind_to_any_port("127.0.0.1");
        QVERIFY(m_port > 0);
        m_serverThread = std::thread([this] { m_server.listen_after_bind(); });
    }

    void cleanupTestCase()
    {
        m_server.stop();
        if (m_serverThread.joinable())
            m_serverThread.join();
    }

    void referencesFilePreviewAndIngest()
    {
        AppSession session;
        MainWindow window(&session);
        window.show();
        QVERIFY(session.connectToSandbox(20.0));
        QTRY_COMPARE_WITH_TIMEOUT(session.state(), AppSession::State::Online, 15000);
        StagingTab *staging = window.stagingTab();

        // The menu offers the three sources.
        QStringList entries;
        for (QAction *a : staging->ingestFromButton()->menu()->actions())
            entries << a->text().remove(QLatin1Char('&'));
        QCOMPARE(entries, (QStringList{ "References file…", "Cloud storage…", "RoboQL query…" }));

        // A file with problems: the preview lists them first and Ingest stays disabled.
        const QString bad = writeFile(QStringLiteral("bad.jsonl"),
                                      QStringLiteral("{\"name\":\"a.jpg\",\"url\":\"%1\"}\n"
                                                     "{\"name\":\"a.jpg\",\"url\":\"%2\"}\n"
                                                     "{\"name\":\"c.jpg\",\"url\":\"not a url\"}\n")
                                          .arg(imageUrl("img1.jpg"), imageUrl("img2.jpg"))
                                          .toUtf8());
        ReferencesIngestDialog *dialog = staging->openReferencesDialog();
        QSignalSpy preview(dialog, &ReferencesIngestDialog::previewReady);
        dialog->loadFile(bad);
        QVERIFY(!dialog->ingestButton()->isEnabled());   // reading (in the background)
        QTRY_COMPARE_WITH_TIMEOUT(preview.count(), 1, 10000);
        QCOMPARE(dialog->preview().entries.size(), 3);
        QVERIFY2(dialog->preview().problems.size() >= 2, qPrintable(dialog->summaryText()));
        QVERIFY2(dialog->summaryText().contains(QStringLiteral("problem")), qPrintable(dialog->summaryText()));
        QTableWidget *table = dialog->previewTable();
        QCOMPARE(table->rowCount(), 3);
        QVERIFY(!table->item(0, 2)->text().isEmpty());   // problems first
        QVERIFY(!table->item(1, 2)->text().isEmpty());
        QVERIFY(table->item(2, 2)->text().isEmpty());
        QCOMPARE(dialog->target()->batchId(), QStringLiteral("bad"));   // proposed from the file name
        QVERIFY(!dialog->ingestButton()->isEnabled());

        // A clean file: Ingest runs it in the lower pane; the batch ends ready with 3 files.
        const QString good = writeFile(QStringLiteral("good.jsonl"),
                                       QStringLiteral("{\"name\":\"one.jpg\",\"url\":\"%1\"}\n"
                                                      "{\"name\":\"two.jpg\",\"url\":\"%2\"}\n"
                                                      "{\"name\":\"three.jpg\",\"url\":\"%3\"}\n")
                                           .arg(imageUrl("img1.jpg"), imageUrl("img2.jpg"), imageUrl("img3.jpg"))
                                           .toUtf8());
        dialog->loadFile(good);
        QTRY_COMPARE_WITH_TIMEOUT(preview.count(), 2, 10000);
        QVERIFY(dialog->preview().problems.isEmpty());
        dialog->target()->batchIdEdit()->setText(QStringLiteral("refs-from-gui"));
        QVERIFY2(dialog->ingestButton()->isEnabled(), qPrintable(dialog->ingestButton()->toolTip()));
        dialog->ingestButton()->click();
        QCOMPARE(staging->remoteIngests().size(), 1);
        RemoteIngestView *view = staging->remoteIngests().first();
        QCOMPARE(view->batchId(), QStringLiteral("refs-from-gui"));
        QTRY_VERIFY_WITH_TIMEOUT(view->isFinished(), 60000);
        QVERIFY2(!view->operation()->error(), qPrintable(view->operation()->error().message));
        QVERIFY2(view->operation()->summary().ready, qPrintable(view->summaryText()));
        QCOMPARE(view->operation()->summary().uploaded.size(), 3);
        QTRY_VERIFY_WITH_TIMEOUT(staging->model()->rowOfKey(QStringLiteral("refs-from-gui")) >= 0, 15000);
        QTRY_COMPARE_WITH_TIMEOUT(staging->countProxy()->count(QStringLiteral("refs-from-gui")), qint64(3), 15000);
    }

    void roboqlQueryBuildsABatch()
    {
        AppSession session;
        MainWindow window(&session);
        window.show();
        QVERIFY(session.connectToSandbox(20.0));
        QTRY_COMPARE_WITH_TIMEOUT(session.state(), AppSession::State::Online, 15000);
        RoboqlIngestDialog *dialog = window.stagingTab()->openRoboqlDialog();
        QVERIFY(!dialog->ingestButton()->isEnabled());
        dialog->queryEdit()->setPlainText(QStringLiteral("*"));
        dialog->target()->batchIdEdit()->setText(QStringLiteral("Not Valid"));
        QVERIFY(!dialog->ingestButton()->isEnabled());
        dialog->target()->batchIdEdit()->setText(QStringLiteral("roboql-from-gui"));
        QVERIFY(dialog->ingestButton()->isEnabled());
        dialog->ingestButton()->click();
        RemoteIngestView *view = window.stagingTab()->remoteIngests().value(0);
        QVERIFY(view);
        QTRY_VERIFY_WITH_TIMEOUT(view->isFinished(), 60000);
        QVERIFY2(!view->operation()->error(), qPrintable(view->operation()->error().message));
        QTRY_COMPARE_WITH_TIMEOUT(window.stagingTab()->countProxy()->count(QStringLiteral("roboql-from-gui")), qint64(40), 15000);
    }

    void cloudListingFromS3rverToReadyBatch()
    {
        // A real S3 emulator (s3rver from installer/npm-emulators.sh) with 12 JPEGs, two of them
        // "same.jpg" in different folders, and a text file the glob must leave out.
        const QString missing = cloudtest::missingEmulator(QStringLiteral("s3rver"));
        if (!missing.isEmpty())
            QSKIP(qPrintable(missing));
        cloudtest::Emulator s3;
        QString error;
        QVERIFY2(s3.start(QStringLiteral("s3rver"),
                          { QStringLiteral("-d"), QStringLiteral("%DIR%"), QStringLiteral("-a"), QStringLiteral("127.0.0.1"),
                            QStringLiteral("-p"), QStringLiteral("%PORT%"), QStringLiteral("--silent"),
                            QStringLiteral("--configure-bucket"), QStringLiteral("bd-gui") },
                          &error),
                 qPrintable(error));
        bd::cloud::AwsCredentials creds;
        creds.accessKeyId = cloudtest::kS3rverAccessKey;
        creds.secretAccessKey = QStringLiteral("S3RVER");
        creds.region = QStringLiteral("us-east-1");
        creds.endpointUrl = QStringLiteral("http://127.0.0.1:%1").arg(s3.port);
        for (const QString &key : cloudtest::bucketKeys())
            QCOMPARE(cloudtest::s3Put(creds, QStringLiteral("bd-gui"), key, cloudtest::validJpeg(key.toUtf8())), 200);
        QCOMPARE(cloudtest::s3Put(creds, QStringLiteral("bd-gui"), QStringLiteral("photos/notes.txt"), "not an image"), 200);

        AppSession session;
        MainWindow window(&session);
        window.show();
        QVERIFY(session.connectToSandbox(20.0));
        QTRY_COMPARE_WITH_TIMEOUT(session.state(), AppSession::State::Online, 15000);
        CloudIngestDialog *dialog = window.stagingTab()->openCloudDialog();
        QSignalSpy listed(dialog, &CloudIngestDialog::listingFinished);
        // Credentials from an EC2 instance role (the loopback IMDSv2 fake; s3rver knows only the
        // key id S3RVER): found off the GUI thread, named under the count, never shown secret.
        cloudtest::CredentialFakes imds;
        imds.imdsRole = QStringLiteral("gui-ingest-role");
        imds.fixedKeyId = cloudtest::kS3rverAccessKey;
        imds.start();
        bd::staging::CloudIngestPlanner::Request request;
        request.bucketPath = QStringLiteral("s3://bd-gui/photos/**/*.jpg");
        request.environment.insert(QStringLiteral("AWS_EC2_METADATA_SERVICE_ENDPOINT"), imds.url());
        request.environment.insert(QStringLiteral("AWS_ENDPOINT_URL"), creds.endpointUrl);
        request.environment.insert(QStringLiteral("AWS_REGION"), creds.region);
        request.homeDir = m_home.filePath(QStringLiteral("empty-home"));
        dialog->list(request);
        QVERIFY(dialog->isListing());
        QVERIFY(!dialog->ingestButton()->isEnabled());
        QTRY_COMPARE_WITH_TIMEOUT(listed.count(), 1, 60000);
        QVERIFY2(dialog->countText().startsWith(QStringLiteral("12 matching")), qPrintable(dialog->countText()));
        QVERIFY2(dialog->countText().contains(QStringLiteral("renamed")), qPrintable(dialog->countText()));
        QVERIFY2(dialog->credentialsText().startsWith(QStringLiteral("Credentials: EC2 instance role `gui-ingest-role` · temporary")),
                 qPrintable(dialog->credentialsText()));
        for (const auto &issued : imds.issued())
            QVERIFY(!dialog->credentialsText().contains(issued.secret) && !dialog->credentialsText().contains(issued.token));
        QCOMPARE(imds.imdsCredentialGets.load(), 1);
        QCOMPARE(dialog->previewTable()->rowCount(), 12);
        QStringList names;
        for (int r = 0; r < 12; ++r)
            names << dialog->previewTable()->item(r, 0)->text();
        QCOMPARE(QSet<QString>(names.begin(), names.end()).size(), 12);   // unique names in the batch
        QCOMPARE(dialog->target()->batchId(), QStringLiteral("bd-gui"));   // proposed from the bucket
        dialog->target()->batchIdEdit()->setText(QStringLiteral("cloud-from-gui"));
        QVERIFY(dialog->ingestButton()->isEnabled());
        dialog->ingestButton()->click();
        RemoteIngestView *view = window.stagingTab()->remoteIngests().value(0);
        QVERIFY(view);
        QTRY_VERIFY_WITH_TIMEOUT(view->isFinished(), 90000);
        QVERIFY2(!view->operation()->error(), qPrintable(view->operation()->error().message));
        QVERIFY2(view->operation()->summary().ready, qPrintable(view->summaryText()));
        QTRY_COMPARE_WITH_TIMEOUT(window.stagingTab()->countProxy()->count(QStringLiteral("cloud-from-gui")), qint64(12), 15000);
        QVERIFY2(!view->summaryText().contains(QStringLiteral("X-Amz-Signature")), "a signed URL reached the summary");
    }

    void cloudDialogErrorsAndSavedReferences()
    {
        AppSession session;
        CloudIngestDialog dialog(&session);
        // No AWS credentials anywhere: the listing fails with a message, nothing to ingest.
        bd::staging::CloudIngestPlanner::Request request;
        request.bucketPath = QStringLiteral("s3://no-such-bucket/photos/*.jpg");
        request.environment = QProcessEnvironment();
        request.environment.insert(QStringLiteral("AWS_EC2_METADATA_DISABLED"), QStringLiteral("true"));   // no probe off loopback
        request.homeDir = m_home.filePath(QStringLiteral("empty-home"));
        QSignalSpy done(&dialog, &CloudIngestDialog::listingFinished);
        dialog.list(request);
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 20000);
        QVERIFY2(dialog.countText().contains(QStringLiteral("credential"), Qt::CaseInsensitive), qPrintable(dialog.countText()));
        QVERIFY(!dialog.ingestButton()->isEnabled());
        QVERIFY(!dialog.saveButton()->isEnabled());
        QVERIFY(dialog.credentialsText().isEmpty());

        // A listing (as the planner yields it): preview name → key, and a references file the
        // reader takes back unchanged.
        const QVector<bd::cloud::CloudObject> objects{ { QStringLiteral("a/img.jpg"), 10 }, { QStringLiteral("b/img.jpg"), 20 } };
        const QVector<bd::staging::ReferenceEntry> refs{ { QStringLiteral("a__img.jpg"), imageUrl("img1.jpg"), 0 },
                                                         { QStringLiteral("b__img.jpg"), imageUrl("img2.jpg"), 0 } };
        dialog.showListing(objects, refs);
        QCOMPARE(dialog.previewTable()->rowCount(), 2);
        QCOMPARE(dialog.previewTable()->item(1, 0)->text(), QStringLiteral("b__img.jpg"));
        QCOMPARE(dialog.previewTable()->item(1, 1)->text(), QStringLiteral("b/img.jpg"));
        QVERIFY(dialog.countText().contains(QStringLiteral("renamed")));
        QVERIFY(dialog.saveButton()->isEnabled());
        const QString saved = m_files.filePath(QStringLiteral("saved.jsonl"));
        QString error;
        QVERIFY2(dialog.saveReferences(saved, &error), qPrintable(error));
        bd::Error readError;
        const auto back = bd::staging::ReferencesIngestOperation::readReferencesFile(saved, &readError);
        QVERIFY2(!readError, qPrintable(readError.message));
        QCOMPARE(back.size(), 2);
        QCOMPARE(back.at(0).name, QStringLiteral("a__img.jpg"));
        QCOMPARE(back.at(1).url, imageUrl("img2.jpg"));
        dialog.target()->batchIdEdit()->setText(QStringLiteral("cloud-gui"));
        QVERIFY(dialog.ingestButton()->isEnabled());
        QCOMPARE(dialog.options().references.size(), 2);
    }
};

QTEST_MAIN(TstIngestFromUi)
#include "tst_ingest_from_ui.moc"
