// Accessibility (docs/ui-guidelines.md): every screen walked as a screen reader sees it
// (QAccessible), on the embedded sandbox's demo data, with the desktop's default look, a font
// 1.5× larger (set before the window is built at 1400×900, and changed at runtime at 800×560, as
// the desktop's font size setting does) and two high-contrast palettes:
//  * every visible control has an accessible name; the main window's controls a description;
//  * nothing clips (the larger font: column widths follow it, ui/ColumnWidths) and nothing vanishes: every label and every coloured list
//    cell reaches 4.5:1 against its background (the high-contrast palettes; colours that ignore
//    the palette fail here);
//  * the central helper (ui/Accessibility) names what Qt cannot: form rows given as text +
//    layout, tool buttons with only a tooltip; it never replaces a name the author set.
// BATCHDECK_TEST_SHOTS=DIR saves each screen per variant.
#include "Accessibility.h"
#include "AppSession.h"
#include "CloudIngestDialog.h"
#include "ColumnWidths.h"
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
#include "ViewState.h"
#include "sandbox/DemoMedia.h"

#include <QDockWidget>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QPushButton>
#include <QStyleFactory>
#include <QStandardItemModel>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QToolButton>
#include <QVBoxLayout>

using namespace bd::ui;
using namespace uichecks;

namespace {

enum class Look { Default, LargeFont, LargeFontAtRuntime, HighContrastDark, HighContrastLight };

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
        ColumnWidths::install();
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

    void clippingCheckNamesOffenders()
    {
        // The check the screen walk relies on must be able to fail: a squeezed label and a column
        // narrower than its header are named.
        QWidget window;
        auto *layout = new QVBoxLayout(&window);
        auto *label = new QLabel(QStringLiteral("A label squeezed into thirty pixels"), &window);
        label->setFixedWidth(30);
        layout->addWidget(label);
        auto *table = new QTableWidget(2, 2, &window);
        table->setHorizontalHeaderLabels({ QStringLiteral("A rather long column header"), QStringLiteral("Last") });
        layout->addWidget(table);
        window.resize(600, 300);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        table->setColumnWidth(0, 20);   // as a user's drag would leave it
        const QStringList clipped = clippedTexts(&window);
        QVERIFY2(clipped.filter(QStringLiteral("squeezed into thirty")).size() == 1, qPrintable(clipped.join(QLatin1Char('\n'))));
        QVERIFY2(clipped.filter(QStringLiteral("header A rather long column header")).size() == 1, qPrintable(clipped.join(QLatin1Char('\n'))));
        QCOMPARE(clipped.size(), 2);
    }

    void columnsFollowTheFont()
    {
        // Widths in characters of the current font: a runtime font change (the desktop's font
        // size) scales every width, a dragged one included, widens what would cut its header and
        // keeps the rows' padding; a width remembered under another font size comes back scaled.
        QStandardItemModel model(3, 3);   // outlives the views, as the tabs' models do
        model.setHorizontalHeaderLabels({ QStringLiteral("Name"), QStringLiteral("Received at the desk"), QStringLiteral("Last") });
        QWidget window;
        auto *table = new QTableView(&window);
        auto *layout = new QVBoxLayout(&window);
        layout->addWidget(table);
        table->setModel(&model);
        table->horizontalHeader()->setStretchLastSection(true);
        table->verticalHeader()->setDefaultSectionSize(table->fontMetrics().height() + 10);
        ViewState::attach(table, QStringLiteral("fontcheck"));
        setColumnChars(table, { { 0, 12 } });
        QCOMPARE(table->columnWidth(0), widthForChars(table, 12));
        window.resize(700, 300);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        table->setColumnWidth(1, table->horizontalHeader()->sectionSizeHint(1));   // just fits at this font
        const int name = table->columnWidth(0);
        QVERIFY(clippedTexts(&window).isEmpty());
        QTest::qWait(500);   // ViewState saves the widths (and the font they were set under)

        QFont larger = m_font;
        larger.setPointSizeF(m_font.pointSizeF() * 1.5);
        QApplication::setFont(larger);
        const double ratio = double(fontSampleWidth(QFontMetrics(larger))) / fontSampleWidth(QFontMetrics(m_font));
        QVERIFY(ratio > 1.3);
        QTRY_VERIFY(qAbs(table->columnWidth(0) - qRound(name * ratio)) <= 1);
        QVERIFY(table->columnWidth(1) >= table->horizontalHeader()->sectionSizeHint(1));
        QCOMPARE(table->verticalHeader()->defaultSectionSize(), table->fontMetrics().height() + 10);
        QVERIFY2(clippedTexts(&window).isEmpty(), qPrintable(clippedTexts(&window).join(QLatin1Char('\n'))));

        table->setColumnWidth(1, 10);   // dragged narrower than its header: the check names it
        QCOMPARE(clippedTexts(&window).filter(QStringLiteral("header Received at the desk")).size(), 1);
        QApplication::setFont(m_font);
        QTRY_VERIFY(qAbs(table->columnWidth(0) - name) <= 2);
        QCOMPARE(table->columnWidth(1), table->horizontalHeader()->sectionSizeHint(1));   // widened to its header
        QVERIFY(clippedTexts(&window).isEmpty());
        table->setColumnWidth(0, name + 40);   // the user's width, saved at the default font
        QTest::qWait(500);

        QApplication::setFont(larger);   // the next start, at the larger font
        QTableView again;
        again.setModel(&model);
        again.horizontalHeader()->setStretchLastSection(true);
        ViewState::attach(&again, QStringLiteral("fontcheck"));
        QVERIFY(qAbs(again.columnWidth(0) - qRound((name + 40) * ratio)) <= 1);
        QVERIFY(again.columnWidth(1) >= again.horizontalHeader()->sectionSizeHint(1));
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

    void statusTonesFollowAPaletteChange()
    {
        // The desktop switches to high contrast while the app runs: a toned label is recomputed
        // from the new palette, not left in the old palette's colour.
        QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
        QApplication::setPalette(highContrast(false));
        QLabel label(QStringLiteral("● Online"));
        setStatusTone(&label, StatusTone::Good);
        label.show();
        QVERIFY(QTest::qWaitForWindowExposed(&label));
        QCOMPARE(textColour(&label), statusColour(StatusTone::Good, highContrast(false)));
        QApplication::setPalette(highContrast(true));
        QTRY_COMPARE(textColour(&label), statusColour(StatusTone::Good, highContrast(true)));
        QVERIFY(contrastRatio(textColour(&label), Qt::black) >= kMinimumTextContrast);
        setStatusTone(&label, StatusTone::Neutral);
        QVERIFY(label.styleSheet().isEmpty());
    }

    void everyScreenIsNamedAndReadable_data()
    {
        QTest::addColumn<Look>("look");
        QTest::addColumn<QSize>("size");
        QTest::newRow("default") << Look::Default << QSize(1400, 900);
        QTest::newRow("large-font") << Look::LargeFont << QSize(1400, 900);
        QTest::newRow("large-font-at-runtime-800x560") << Look::LargeFontAtRuntime << QSize(800, 560);
        QTest::newRow("high-contrast-dark") << Look::HighContrastDark << QSize(1400, 900);
        QTest::newRow("high-contrast-light") << Look::HighContrastLight << QSize(1400, 900);
    }

    void everyScreenIsNamedAndReadable()
    {
        QFETCH(Look, look);
        QFETCH(QSize, size);
        const QString tag = QString::fromLatin1(QTest::currentDataTag());
        QFont larger = m_font;
        larger.setPointSizeF(m_font.pointSizeF() * 1.5);
        if (look == Look::LargeFont) {
            QApplication::setFont(larger);
        } else if (look == Look::LargeFontAtRuntime) {
            // Set once the window shows its lists (below), as the desktop's setting arrives.
        } else if (look != Look::Default) {
            QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
            QApplication::setPalette(highContrast(look == Look::HighContrastDark));
        }
        const bool checkClipping = look != Look::Default;   // tst_layout_ui covers the default look
        const bool checkContrast = look == Look::HighContrastDark || look == Look::HighContrastLight;

        AppSession session;
        MainWindow window(&session);
        window.resize(size);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(session.connectToSandbox(20.0));
        QTRY_COMPARE_WITH_TIMEOUT(session.state(), AppSession::State::Online, 15000);
        QTRY_VERIFY_WITH_TIMEOUT(window.stagingTab()->model()->rowOfKey(QStringLiteral("demo-images")) >= 0, 15000);
        QTRY_VERIFY_WITH_TIMEOUT(window.jobsTab()->model()->rowOfKey(QStringLiteral("demo-finished")) >= 0, 15000);
        QTRY_VERIFY_WITH_TIMEOUT(window.exportsTab()->model()->rowCount() > 0, 20000);
        if (look == Look::LargeFontAtRuntime) {
            settle();   // the lists are fitted to their rows at the default font first
            QApplication::setFont(larger);
        }

        QStringList problems;
        int screens = 0;
        const auto check = [&](QWidget *screen, const QString &name, bool descriptions) {
            settle();
            ++screens;
            saveTestShot(screen, QStringLiteral("a11y-%1-%2").arg(name, tag));
            for (const QString &p : unnamedControls(screen, descriptions))
                problems << name + QStringLiteral(": ") + p;
            if (checkClipping)
                for (const QString &p : clippedTexts(screen))
                    problems << name + QStringLiteral(": clipped ") + p;
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
        QTRY_VERIFY_WITH_TIMEOUT(!window.stagingTab()->model()->isRefreshing(), 10000);
        QTest::qWait(300);
    }
};

QTEST_MAIN(TstAccessibilityUi)
#include "tst_accessibility_ui.moc"
