// The download folder the Exports tab proposes is remembered per workspace (AppSettings, one INI
// file): two workspaces keep their own folder, a new settings object reads them back from disk,
// and a workspace never used falls back to the platform's Downloads folder.
#include "core/AppSettings.h"

#include <QFile>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace bd;

class TestDownloadFolder : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        qputenv("BATCHDECK_CONFIG_FILE", m_dir.filePath(QStringLiteral("batchdeck.ini")).toUtf8());
    }

    void rememberedPerWorkspaceAcrossRestarts()
    {
        const QString downloads = QStandardPaths::writableLocation(QStandardPaths::DownloadLocation);
        {
            AppSettings settings;
            QCOMPARE(settings.fileName(), m_dir.filePath(QStringLiteral("batchdeck.ini")));
            QCOMPARE(settings.lastDownloadFolder(QStringLiteral("team-a")), downloads);
            settings.setLastDownloadFolder(QStringLiteral("team-a"), QStringLiteral("/data/a"));
            settings.setLastDownloadFolder(QStringLiteral("team-b"), QStringLiteral("/mnt/results b"));
            QCOMPARE(settings.lastDownloadFolder(QStringLiteral("team-a")), QStringLiteral("/data/a"));
        }
        QVERIFY(QFile::exists(m_dir.filePath(QStringLiteral("batchdeck.ini"))));
        // A later session (a new settings object) reads both back; they never mix.
        AppSettings reopened;
        QCOMPARE(reopened.lastDownloadFolder(QStringLiteral("team-a")), QStringLiteral("/data/a"));
        QCOMPARE(reopened.lastDownloadFolder(QStringLiteral("team-b")), QStringLiteral("/mnt/results b"));
        QCOMPARE(reopened.lastDownloadFolder(QStringLiteral("team-c")), downloads);
        reopened.setLastDownloadFolder(QStringLiteral("team-b"), QStringLiteral("/srv/b2"));
        QCOMPARE(AppSettings().lastDownloadFolder(QStringLiteral("team-b")), QStringLiteral("/srv/b2"));
        QCOMPARE(AppSettings().lastDownloadFolder(QStringLiteral("team-a")), QStringLiteral("/data/a"));
    }

    void jobResultsFolderNewestWinsAndIsBounded()
    {
        AppSettings settings;
        QCOMPARE(settings.jobResultsFolder(QStringLiteral("job-1")), QString());
        settings.rememberJobResultsFolder(QStringLiteral("job-1"), QStringLiteral("/data/one"));
        settings.rememberJobResultsFolder(QStringLiteral("job-10"), QStringLiteral("/data/ten\twith tab"));
        settings.rememberJobResultsFolder(QStringLiteral("job-1"), QStringLiteral("/data/one again"));
        // A prefix of another id is not that id; the newest folder of a job wins, across restarts.
        QCOMPARE(AppSettings().jobResultsFolder(QStringLiteral("job-1")), QStringLiteral("/data/one again"));
        QCOMPARE(AppSettings().jobResultsFolder(QStringLiteral("job-10")), QStringLiteral("/data/ten\twith tab"));
        QCOMPARE(AppSettings().jobResultsFolder(QStringLiteral("job")), QString());
        settings.rememberJobResultsFolder(QStringLiteral("bad\tid"), QStringLiteral("/x"));
        QCOMPARE(AppSettings().jobResultsFolder(QStringLiteral("bad")), QString());
        // Bounded: the oldest jobs are forgotten first.
        for (int i = 0; i < AppSettings::kMaxJobResultFolders; ++i)
            settings.rememberJobResultsFolder(QStringLiteral("filler-%1").arg(i), QStringLiteral("/f/%1").arg(i));
        QCOMPARE(AppSettings().jobResultsFolder(QStringLiteral("job-1")), QString());
        QCOMPARE(AppSettings().jobResultsFolder(QStringLiteral("filler-0")), QStringLiteral("/f/0"));
        settings.rememberJobResultsFolder(QStringLiteral("one-more"), QStringLiteral("/f/more"));
        QCOMPARE(AppSettings().jobResultsFolder(QStringLiteral("filler-0")), QString());
        QCOMPARE(AppSettings().jobResultsFolder(QStringLiteral("filler-1")), QStringLiteral("/f/1"));
    }
};

QTEST_GUILESS_MAIN(TestDownloadFolder)
#include "tst_downloadfolder.moc"
