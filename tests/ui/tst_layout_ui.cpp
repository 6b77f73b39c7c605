// Layouts that fit and controls a screen reader can name (docs/ui-guidelines.md), on the real
// screens with the embedded sandbox's demo data, at 800×560 and 1400×900:
//  * no clipped text: every visible label, button and column header has the room its text
//    needs (fontMetrics against the widget's geometry), and no date cell is cut;
//  * every visible control has an accessible name (QAccessible, as a screen reader asks), the
//    main window's controls a description too;
//  * no dialog is taller than the main window.
// BATCHDECK_TEST_SHOTS=DIR saves each screen (BATCHDECK_TEST_DARK: the dark palette).
#include "AppSession.h"
#include "ConnectionDialog.h"
#include "DownloadDialog.h"
#include "ExportsTab.h"
#include "IngestDialog.h"
#include "JobView.h"
#include "JobsTab.h"
#include "ListModels.h"
#include "MainWindow.h"
#include "Palette.h"
#include "SettingsDialog.h"
#include "StagingTab.h"
#include "UiTestHome.h"
#include "sandbox/DemoMedia.h"

#include <QAbstractButton>
#include <QAccessible>
#include <QAbstractSpinBox>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTabBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTextDocument>
#include <QToolButton>

using namespace bd::ui;

namespace {

QString describe(const QWidget *w)
{
    QStringList path;
    for (const QWidget *p = w; p; p = p->parentWidget())
        path.prepend(p->objectName().isEmpty() ? QString::fromLatin1(p->metaObject()->className()) : p->objectName());
    return path.mid(qMax(0, int(path.size()) - 3)).join(QLatin1Char('/'));
}

bool shown(const QWidget *w)
{
    return w->isVisible() && w->width() > 0 && w->height() > 0;
}

QString plainText(const QLabel *label)
{
    if (label->textFormat() == Qt::PlainText || (label->textFormat() == Qt::AutoText && !Qt::mightBeRichText(label->text()))) {
        if (!label->buddy())
            return label->text();
        QString shown = label->text();   // a buddy's mnemonic '&' is not drawn ("&&" draws one '&')
        shown.replace(QStringLiteral("&&"), QStringLiteral("\x01"));
        shown.remove(QLatin1Char('&'));
        return shown.replace(QStringLiteral("\x01"), QStringLiteral("&"));
    }
    QTextDocument doc;
    doc.setHtml(label->text());
    return doc.toPlainText();
}

// Every text on `root` that does not fit its widget, as "where: text".
QStringList clippedTexts(QWidget *root)
{
    QStringList clipped;
    for (QLabel *label : root->findChildren<QLabel *>()) {
        const QString text = plainText(label);
        if (!shown(label) || text.trimmed().isEmpty() || label->pixmap().isNull() == false)
            continue;
        const QRect room = label->contentsRect().adjusted(label->margin(), label->margin(), -label->margin(), -label->margin());
        if (label->wordWrap()) {
            if (label->heightForWidth(label->width()) > label->height() + 1)
                clipped << QStringLiteral("%1 (wrapped, %2 > %3 px high): %4")
                               .arg(describe(label)).arg(label->heightForWidth(label->width())).arg(label->height()).arg(text);
            continue;
        }
        int widest = 0;
        const QStringList lines = text.split(QLatin1Char('\n'));
        for (const QString &line : lines)
            widest = qMax(widest, label->fontMetrics().horizontalAdvance(line));
        if (widest > room.width() + 1 || int(lines.size()) * label->fontMetrics().height() > room.height() + 2)
            clipped << QStringLiteral("%1 (%2 px in %3×%4): %5").arg(describe(label)).arg(widest).arg(room.width()).arg(room.height()).arg(text);
    }
    for (QAbstractButton *button : root->findChildren<QAbstractButton *>()) {
        if (!shown(button) || button->text().isEmpty() || qobject_cast<QTabBar *>(button->parentWidget()))
            continue;
        if (auto *tool = qobject_cast<QToolButton *>(button); tool && tool->toolButtonStyle() == Qt::ToolButtonIconOnly)
            continue;   // the text is its tooltip / accessible name
        if (button->width() + 1 < button->sizeHint().width())
            clipped << QStringLiteral("%1 (button %2 < %3): %4").arg(describe(button)).arg(button->width()).arg(button->sizeHint().width()).arg(button->text());
    }
    for (QTableView *table : root->findChildren<QTableView *>()) {
        if (!shown(table) || !table->model())
            continue;
        QHeaderView *header = table->horizontalHeader();
        for (int c = 0; c < header->count(); ++c) {
            if (header->isSectionHidden(c))
                continue;
            const bool stretched = header->stretchLastSection() && c == header->count() - 1;
            if (!stretched && header->sectionSize(c) + 1 < header->sectionSizeHint(c))
                clipped << QStringLiteral("%1 header %2 (%3 < %4)").arg(describe(table)).arg(table->model()->headerData(c, Qt::Horizontal).toString()).arg(header->sectionSize(c)).arg(header->sectionSizeHint(c));
            // Dates are never cut (the cell's text plus the item margins).
            const QString title = table->model()->headerData(c, Qt::Horizontal).toString();
            if (!title.contains(QRegularExpression(QStringLiteral("Created|Updated|Expir|Received|Date|Time|event"))))
                continue;
            for (int r = 0; r < qMin(table->model()->rowCount(), 50); ++r) {
                const QString cell = table->model()->index(r, c).data().toString();
                const int need = table->fontMetrics().horizontalAdvance(cell) + 2 * (table->style()->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, table) + 1);
                if (need > header->sectionSize(c) + 1) {
                    clipped << QStringLiteral("%1 date %2 (%3 < %4)").arg(describe(table), cell).arg(header->sectionSize(c)).arg(need);
                    break;
                }
            }
        }
    }
    return clipped;
}

// Controls without an accessible name; with `descriptions`, also without a description.
QStringList unnamedControls(QWidget *root, bool descriptions)
{
    QStringList missing;
    QList<QWidget *> controls;
    for (QWidget *w : root->findChildren<QWidget *>())
        if (shown(w) && w->focusPolicy() != Qt::NoFocus && w->isEnabled()
            && (qobject_cast<QAbstractButton *>(w) || qobject_cast<QLineEdit *>(w) || qobject_cast<QComboBox *>(w)
                || qobject_cast<QAbstractSpinBox *>(w) || qobject_cast<QAbstractItemView *>(w) || qobject_cast<QTabBar *>(w))
            && !qobject_cast<QLineEdit *>(w->parentWidget()) && !qobject_cast<QAbstractSpinBox *>(w->parentWidget())
            && !qobject_cast<QComboBox *>(w->parentWidget()))
            controls << w;
    for (QWidget *w : std::as_const(controls)) {
        QAccessibleInterface *iface = QAccessible::queryAccessibleInterface(w);
        if (!iface) {
            missing << describe(w) + QStringLiteral(": no accessible interface");
            continue;
        }
        if (iface->text(QAccessible::Name).trimmed().isEmpty())
            missing << describe(w) + QStringLiteral(": no name");
        else if (descriptions && iface->text(QAccessible::Description).trimmed().isEmpty()
                 && !qobject_cast<QTabBar *>(w))
            missing << describe(w) + QStringLiteral(" (") + iface->text(QAccessible::Name) + QStringLiteral("): no description");
    }
    return missing;
}

void settle()
{
    QTest::qWait(250);
    QApplication::processEvents();
}

}  // namespace

class TstLayoutUi : public QObject
{
    Q_OBJECT
    QTemporaryDir m_home;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(useTemporaryHome(m_home));
        if (qEnvironmentVariableIsSet("BATCHDECK_TEST_DARK"))
            applyDarkPalette();
    }

    void screensFitAndAreNamed_data()
    {
        QTest::addColumn<QSize>("size");
        QTest::newRow("800x560") << QSize(800, 560);
        QTest::newRow("1400x900") << QSize(1400, 900);
    }

    void screensFitAndAreNamed()
    {
        QFETCH(QSize, size);
        const QString tag = QStringLiteral("%1x%2").arg(size.width()).arg(size.height());
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
        QCOMPARE(window.size(), size);

        QStringList problems;
        const auto check = [&](QWidget *screen, const QString &name, bool descriptions) {
            settle();
            if (window.size() != size)   // a minimum size forced the window larger: content would be cut
                problems << QStringLiteral("%1: the window grew to %2×%3").arg(name).arg(window.width()).arg(window.height());
            saveTestShot(screen, name + QLatin1Char('-') + tag);
            for (const QString &p : clippedTexts(screen))
                problems << name + QStringLiteral(": clipped ") + p;
            for (const QString &p : unnamedControls(screen, descriptions))
                problems << name + QStringLiteral(": ") + p;
            if (screen != &window && screen->height() > window.height())
                problems << QStringLiteral("%1: %2 px high, taller than the window (%3)").arg(name).arg(screen->height()).arg(window.height());
        };

        window.stagingTab()->selectBatch(QStringLiteral("demo-images"));
        check(&window, QStringLiteral("staging"), true);
        window.tabs()->setCurrentWidget(window.jobsTab());
        window.jobsTab()->openJob(QStringLiteral("demo-finished"));
        QTRY_VERIFY_WITH_TIMEOUT(window.jobsTab()->jobView()->downloadButton()->isEnabled(), 15000);
        check(&window, QStringLiteral("job-view"), true);
        window.tabs()->setCurrentWidget(window.exportsTab());
        check(&window, QStringLiteral("exports"), true);

        ConnectionDialog connection(&window);
        connection.setProfile(bd::ConnectionProfile::RoboflowUS, {});
        connection.show();
        check(&connection, QStringLiteral("connection-dialog"), false);
        connection.close();

        SettingsDialog settings(&window);
        settings.show();
        check(&settings, QStringLiteral("settings-dialog"), false);
        settings.close();

        bd::ExportOptions options;
        options.jobId = QStringLiteral("demo-finished");
        options.targetDir = m_home.filePath(QStringLiteral("downloads/demo-finished"));
        DownloadDialog download(session.api(), options, &window);
        download.show();
        check(&download, QStringLiteral("download-dialog"), false);
        download.close();

        const QString folder = m_home.filePath(QStringLiteral("layout-photos"));
        QDir().mkpath(folder);
        QFile jpeg(folder + QStringLiteral("/a.jpg"));
        QVERIFY(jpeg.open(QIODevice::WriteOnly));
        jpeg.write(bd::sandbox::tinyJpeg(QStringLiteral("layout")));
        jpeg.close();
        IngestDialog ingest({ folder }, &window);
        ingest.show();
        QTRY_VERIFY_WITH_TIMEOUT(!ingest.isScanning(), 15000);
        check(&ingest, QStringLiteral("ingest-dialog"), false);
        ingest.close();

        for (const QString &p : std::as_const(problems))
            qWarning("%s", qPrintable(p));
        QVERIFY2(problems.isEmpty(), qPrintable(QStringLiteral("%1 problem(s), listed above").arg(problems.size())));
        QTRY_VERIFY_WITH_TIMEOUT(!window.stagingTab()->model()->isRefreshing(), 10000);
        QTest::qWait(300);
    }
};

QTEST_MAIN(TstLayoutUi)
#include "tst_layout_ui.moc"
