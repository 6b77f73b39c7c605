// Accessibility (docs/ui-guidelines.md): every screen walked as a screen reader sees it
// (QAccessible), on the embedded sandbox's demo data, with the desktop's default look, a font
// 1.5× larger and two high-contrast palettes:
//  * every visible control has an accessible name; the main window's controls a description;
//  * nothing clips (the larger font) and nothing vanishes: every label and every coloured list
//    cell reaches 4.5:1 against its background (the high-contrast palettes; colours that ignore
//    the palette fail here);
//  * the central helper (ui/Accessibility) names what Qt cannot: form rows given as text +
//    layout, tool buttons with only a tooltip; it never replaces a name the author set.
// BATCHDECK_TEST_SHOTS=DIR saves each screen per variant.
#include "Accessibility.h"
#include "AppSession.h"
#include "CloudIngestDialog.h"
#include "ConnectionDialog.h"
#include "DownloadDialog.h"
#include "ExportsTab.h"
#include "IngestDialog.h"
#include "JobView.h"
#include "JobsTab.h"
#include "ListModels.h"
#include "MainWindow.h"
#include "NewJobDialog.h"
#include "Palette.h"
#include "ReferencesIngestDialog.h"
#include "ResultsViewer.h"
#include "RoboqlIngestDialog.h"
#include "SettingsDialog.h"
#include "StagingTab.h"
#include "StatusTone.h"
#include "UiChecks.h"
#include "UiTestHome.h"
#include "sandbox/DemoMedia.h"

#include <QDockWidget>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QPushButton>
#include <QStyleFactory>
#include <QTemporaryDir>
#include <QToolButton>

using namespace bd::ui;
using namespace uichecks;

namespace {

enum class Look { Default, LargeFont, HighContrastDark, HighContrastLight };

QPalette highContrast(bool dark)
{
    const QColor back = dark ? Qt::black : Qt::white, fore = dark ? Qt::white : Qt::black;
    QPalette p(fore, back);
    for (auto role : { QPalette::Window, QPalette::Base, QPalette::Button, QPalette::ToolTipBase })
        p.setColor(role, back);
    for (auto role : { QPalette::WindowText, QPalette::Text, QPalette::ButtonText, QPalette::ToolTipText, QPalette::BrightText })
        p.setColor(role, fore);
    p.setColor(QPalette::AlternateBase, dark ? QColor(0x1a, 0x1a, 0x1a) : QColor(0xf0, 0xf0, 0xf0));
    p.setColor(QPalette::PlaceholderText, dark ? QColor(0xc0, 0xc0, 0xc0) : QColor(0x40, 0x40, 0x40));
    p.setColor(QPalette::Highlight, dark ? QColor(0xff, 0xff, 0x00) : QColor(0x00, 0x00, 0xc0));
    p.setColor(QPalette::HighlightedText, dark ? Qt::black : Qt::white);
    p.setColor(QPalette::Link, dark ? QColor(0x00, 0xff, 0xff) : QColor(0x00, 0x00, 0xc0));
    for (auto role : { QPalette::WindowText, QPalette::Text, QPalette::ButtonText })
        p.setColor(QPalette::Disabled, role, dark ? QColor(0xa0, 0xa0, 0xa0) : QColor(0x50, 0x50, 0x50));
    return p;
}

// The colour a label's text is drawn in: its style sheet's color, else its palette's.
QColor textColour(const QLabel *label)
{
    static const QRegularExpression colour(QStringLiteral("(?:^|[;\\s{])color:\\s*(#[0-9a-fA-F]{6})"));
    const QRegularExpressionMatch m = colour.match(label->styleSheet());
    if (m.hasMatch())
        return QColor(m.captured(1));
    return label->palette().color(label->isEnabled() ? QPalette::Active : QPalette::Disabled, label->foregroundRole());
}

// Texts drawn with less than 4.5:1 against their background.
QStringList unreadableTexts(QWidget *root)
{
    QStringList problems;
    for (QLabel *label : root->findChildren<QLabel *>()) {
        if (!shown(label) || plainText(label).trimmed().isEmpty() || !label->isEnabled())
            continue;
        const QColor back = label->palette().color(label->backgroundRole());
        const double ratio = contrastRatio(textColour(label), back);
        if (ratio < kMinimumTextContrast)
            problems << QStringLiteral("%1 %2 on %3 (%4:1): %5").arg(describe(label), textColour(label).name(), back.name())
                            .arg(ratio, 0, 'f', 1).arg(plainText(label).left(60));
    }
    for (QAbstractItemView *view : root->findChildren<QAbstractItemView *>()) {
        if (!shown(view) || !view->model())
            continue;
        const QColor base = view->palette().color(QPalette::Base);
        QAbstractItemModel *model = view->model();
        for (int r = 0; r < qMin(model->rowCount(), 30); ++r) {
            for (int c = 0; c < model->columnCount(); ++c) {
                const QVariant brush = model->index(r, c).data(Qt::ForegroundRole);
                if (!brush.isValid())
                    continue;
                const QColor fore = brush.canConvert<QBrush>() ? brush.value<QBrush>().color() : brush.value<QColor>();
                if (contrastRatio(fore, base) < kMinimumTextContrast) {
                    problems << QStringLiteral("%1 cell %2,%3 %4 on %5: %6").arg(describe(view)).arg(r).arg(c)
                                    .arg(fore.name(), base.name(), model->index(r, c).data().toString());
                    r = model->rowCount();
                    break;
                }
            }
        }
    }
    return problems;
}

}  // namespace

class TstAccessibilityUi : public QObject
{
    Q_OBJECT
    QTemporaryDir m_home;
    QFont m_font;
    QPalette m_palette;
    QString m_style;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(useTemporaryHome(m_home));
        Accessibility::install();
        m_font = QApplication::font();
        m_palette = QApplication::palette();
        m_style = QApplication::style()->name();
    }

    void cleanup()
    {
        QApplication::setFont(m_font);
        QApplication::setStyle(QStyleFactory::create(m_style));
        QApplication::setPalette(m_palette);
    }

    void helperNamesWhatQtCannot()
    {
        QWidget window;
        auto *form = new QFormLayout(&window);
        auto *folder = new QLineEdit(&window);
        auto *row = new QHBoxLayout;
        row->addWidget(folder);
        form->addRow(QStringLiteral("Download &folder:"), row);   // text + layout: no buddy
        auto *eye = new QToolButton(&window);
        eye->setToolTip(QStringLiteral("Show the key"));
        eye->setFocusPolicy(Qt::StrongFocus);
        form->addRow(eye);
        auto *search = new QLineEdit(&window);
        search->setPlaceholderText(QStringLiteral("Filter jobs"));
        search->setToolTip(QStringLiteral("Shows only the jobs whose columns contain this text"));
        form->addRow(search);
        auto *named = new QLineEdit(&window);
        named->setAccessibleName(QStringLiteral("Author's name"));
        named->setToolTip(QStringLiteral("A tip"));
        form->addRow(QStringLiteral("Row label"), named);
        QVERIFY(Accessibility::accessibleName(folder).isEmpty());   // what Qt alone gives
        QVERIFY(Accessibility::accessibleName(eye).isEmpty());

        window.show();   // the installed filter completes them as they are shown
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QCOMPARE(Accessibility::accessibleName(folder), QStringLiteral("Download folder"));
        QCOMPARE(Accessibility::accessibleName(eye), QStringLiteral("Show the key"));
        QCOMPARE(Accessibility::accessibleName(search), QStringLiteral("Filter jobs"));
        QCOMPARE(Accessibility::accessibleDescription(search), QStringLiteral("Shows only the jobs whose columns contain this text"));
        QCOMPARE(Accessibility::accessibleName(named), QStringLiteral("Author's name"));
        QCOMPARE(Accessibility::accessibleDescription(named), QStringLiteral("A tip"));
        QVERIFY(unnamedControls(&window, false).isEmpty());
    }

    void statusTonesStayReadable()
    {
        // A tone that would not reach 4.5:1 on the palette gives way to the palette's text colour.
        for (bool dark : { false, true }) {
            const QPalette p = highContrast(dark);
            for (StatusTone tone : { StatusTone::Busy, StatusTone::Good, StatusTone::Bad, StatusTone::Warning }) {
                QVERIFY(contrastRatio(statusColour(tone, p), p.color(QPalette::Base)) >= kMinimumTextContrast);
                QVERIFY(contrastRatio(statusColour(tone, p), p.color(QPalette::Window)) >= kMinimumTextContrast);
            }
        }
        QPalette grey(Qt::black, QColor(0x80, 0x80, 0x80));   // no tone reads on mid grey
        grey.setColor(QPalette::Base, QColor(0x80, 0x80, 0x80));
        grey.setColor(QPalette::Text, Qt::black);
        QCOMPARE(statusColour(StatusTone::Bad, grey), QColor(Qt::black));
    }

    void everyScreenIsNamedAndReadable_data()
    {
        QTest::addColumn<Look>("look");
        QTest::newRow("default") << Look::Default;
        QTest::newRow("large-font") << Look::LargeFont;
        QTest::newRow("high-contrast-dark") << Look::HighContrastDark;
        QTest::newRow("high-contrast-light") << Look::HighContrastLight;
    }

    void everyScreenIsNamedAndReadable()
    {
        QFETCH(Look, look);
        const QString tag = QString::fromLatin1(QTest::currentDataTag());
        if (look == Look::LargeFont) {
            QFont larger = m_font;
            larger.setPointSizeF(m_font.pointSizeF() * 1.5);
            QApplication::setFont(larger);
        } else if (look != Look::Default) {
            QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
            QApplication::setPalette(highContrast(look == Look::HighContrastDark));
        }
        const bool checkClipping = look != Look::Default;   // tst_layout_ui covers the default look
        const bool checkContrast = look == Look::HighContrastDark || look == Look::HighContrastLight;

        AppSession session;
        MainWindow window(&session);
        window.resize(1400, 900);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(session.connectToSandbox(20.0));
        QTRY_COMPARE_WITH_TIMEOUT(session.state(), AppSession::State::Online, 15000);
        QTRY_VERIFY_WITH_TIMEOUT(window.stagingTab()->model()->rowOfKey(QStringLiteral("demo-images")) >= 0, 15000);
        QTRY_VERIFY_WITH_TIMEOUT(window.jobsTab()->model()->rowOfKey(QStringLiteral("demo-finished")) >= 0, 15000);
        QTRY_VERIFY_WITH_TIMEOUT(window.exportsTab()->model()->rowCount() > 0, 20000);

        QStringList problems;
        QStringList clippedAtLargeFont;
        int screens = 0;
        const auto check = [&](QWidget *screen, const QString &name, bool descriptions) {
            settle();
            ++screens;
            saveTestShot(screen, QStringLiteral("a11y-%1-%2").arg(name, tag));
            for (const QString &p : unnamedControls(screen, descriptions))
                problems << name + QStringLiteral(": ") + p;
            if (checkClipping)
                for (const QString &p : clippedTexts(screen))
                    (look == Look::LargeFont ? clippedAtLargeFont : problems) << name + QStringLiteral(": clipped ") + p;
            if (checkContrast)
                for (const QString &p : unreadableTexts(screen))
                    problems << name + QStringLiteral(": unreadable ") + p;
        };

        window.activityDock()->show();
        window.stagingTab()->selectBatch(QStringLiteral("demo-images"));
        check(&window, QStringLiteral("staging"), true);
        window.tabs()->setCurrentWidget(window.jobsTab());
        window.jobsTab()->openJob(QStringLiteral("demo-finished"));
        QTRY_VERIFY_WITH_TIMEOUT(window.jobsTab()->jobView()->downloadButton()->isEnabled(), 15000);
        check(&window, QStringLiteral("job-view"), true);
        window.tabs()->setCurrentWidget(window.exportsTab());
        for (int page : { int(ExportsTab::ContentsPage), int(ExportsTab::TransfersPage), int(ExportsTab::ResultsPage) }) {
            window.exportsTab()->details()->setCurrentIndex(page);
            check(&window, QStringLiteral("exports-%1").arg(page), true);
        }

        ConnectionDialog connection(&window);
        connection.setProfile(bd::ConnectionProfile::RoboflowUS, {});
        connection.show();
        check(&connection, QStringLiteral("connection"), false);
        connection.close();

        SettingsDialog settings(&window);
        settings.show();
        check(&settings, QStringLiteral("settings"), false);
        settings.close();

        bd::ExportOptions options;
        options.batchIds = QStringList{ QStringLiteral("demo-finished-export-out") };
        options.targetDir = m_home.filePath(QStringLiteral("downloads/demo-finished"));
        DownloadDialog download(session.batches(), options, &window);
        download.show();
        check(&download, QStringLiteral("download"), false);
        download.close();

        NewJobDialog newJob(&session, QStringLiteral("demo-images"), &window);
        newJob.show();
        check(&newJob, QStringLiteral("new-job"), false);
        newJob.close();

        CloudIngestDialog cloud(&session, &window);
        cloud.show();
        check(&cloud, QStringLiteral("cloud-ingest"), false);
        cloud.close();
        ReferencesIngestDialog references(&session, &window);
        references.show();
        check(&references, QStringLiteral("references-ingest"), false);
        references.close();
        RoboqlIngestDialog roboql(&session, &window);
        roboql.show();
        check(&roboql, QStringLiteral("roboql-ingest"), false);
        roboql.close();

        const QString folder = m_home.filePath(QStringLiteral("a11y-photos-") + tag);
        QDir().mkpath(folder);
        QFile jpeg(folder + QStringLiteral("/a.jpg"));
        QVERIFY(jpeg.open(QIODevice::WriteOnly));
        jpeg.write(bd::sandbox::tinyJpeg(QStringLiteral("a11y")));
        jpeg.close();
        IngestDialog ingest({ folder }, &window);
        ingest.show();
        QTRY_VERIFY_WITH_TIMEOUT(!ingest.isScanning(), 15000);
        check(&ingest, QStringLiteral("ingest"), false);
        ingest.close();

        for (const QString &p : std::as_const(problems))
            qWarning("%s", qPrintable(p));
        QVERIFY2(problems.isEmpty(), qPrintable(QStringLiteral("%1 problem(s) on %2 screens, listed above").arg(problems.size()).arg(screens)));
        if (look == Look::LargeFont) {
            for (const QString &p : std::as_const(clippedAtLargeFont))
                qWarning("%s", qPrintable(p));
            // Known and open (issue 12, "follows the desktop's font size"): list columns still get
            // fixed pixel widths, so at 1.5x some headers and dates are cut. When they follow the
            // font, this passes unexpectedly and the expectation must go.
            QEXPECT_FAIL("large-font", "fixed pixel column widths do not follow a larger font yet", Continue);
            QVERIFY2(clippedAtLargeFont.isEmpty(),
                     qPrintable(QStringLiteral("%1 clipped text(s) at 1.5x, listed above").arg(clippedAtLargeFont.size())));
        }
        QTRY_VERIFY_WITH_TIMEOUT(!window.stagingTab()->model()->isRefreshing(), 10000);
        QTest::qWait(300);
    }
};

QTEST_MAIN(TstAccessibilityUi)
#include "tst_accessibility_ui.moc"
