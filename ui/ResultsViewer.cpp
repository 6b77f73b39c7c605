#include "ResultsViewer.h"

#include "ColumnWidths.h"
#include "core/Format.h"
#include "exports/ResultsFilterProxy.h"
#include "exports/JobResults.h"

#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace bd::ui {

ResultsViewer::ResultsViewer(QWidget *parent)
    : QWidget(parent), m_model(new JobResultsModel(this)), m_proxy(new ResultsFilterProxy(this))
{
    m_proxy->setSourceModel(m_model);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);

    auto *top = new QHBoxLayout;
    m_files = new QComboBox(this);
    m_files->setPlaceholderText(tr("No results file open"));
    m_files->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_files->setMinimumContentsLength(30);
    m_files->setToolTip(tr("All of the job's results files as one table, or one task's file"));
    m_files->setAccessibleDescription(m_files->toolTip());
    // No mnemonic: Alt+F is the File menu, and the toolbar's "Open results file…" does the same.
    auto *open = new QPushButton(QIcon::fromTheme(QStringLiteral("document-open")), tr("Other file…"), this);
    open->setToolTip(tr("Open a results file from anywhere (Ctrl+Shift+O)"));
    auto *filesLabel = new QLabel(tr("Results:"), this);
    filesLabel->setBuddy(m_files);   // the screen reader's name for the list
    top->addWidget(filesLabel);
    top->addWidget(m_files, 1);
    top->addWidget(open);
    layout->addLayout(top);

    auto *filterRow = new QHBoxLayout;
    m_filter = new QLineEdit(this);
    m_filter->setPlaceholderText(tr("Filter rows (contains, any case)"));
    m_filter->setClearButtonEnabled(true);
    m_column = new QComboBox(this);
    m_indexing = new QProgressBar(this);
    m_indexing->setMaximumWidth(220);
    m_indexing->setFormat(tr("Indexing %p%"));
    m_indexing->hide();
    m_counts = new QLabel(this);
    auto *filterLabel = new QLabel(tr("Filter:"), this);
    filterLabel->setBuddy(m_filter);
    auto *inLabel = new QLabel(tr("in"), this);
    inLabel->setBuddy(m_column);
    m_column->setAccessibleName(tr("Filter column"));
    m_column->setAccessibleDescription(tr("The column the filter looks in, or any column"));
    m_filter->setAccessibleName(tr("Filter results"));
    filterRow->addWidget(filterLabel);
    filterRow->addWidget(m_filter, 1);
    filterRow->addWidget(inLabel);
    filterRow->addWidget(m_column);
    filterRow->addWidget(m_indexing);
    filterRow->addWidget(m_counts);
    layout->addLayout(filterRow);

    m_view = new QTableView(this);
    m_view->setModel(m_proxy);
    m_view->setSortingEnabled(true);
    m_view->horizontalHeader()->setSortIndicatorShown(true);
    m_view->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);   // file order until asked
    m_view->setAlternatingRowColors(true);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);
    m_view->horizontalHeader()->setDefaultSectionSize(widthForChars(m_view, 18));
    m_view->setWordWrap(false);
    m_view->setAccessibleName(tr("Results"));
    m_view->setAccessibleDescription(tr("One row per result record; the first column names the task file it comes from"));
    layout->addWidget(m_view, 1);

    m_filterDelay = new QTimer(this);
    m_filterDelay->setSingleShot(true);
    m_filterDelay->setInterval(250);   // filter once the person stops typing
    connect(m_filterDelay, &QTimer::timeout, this, &ResultsViewer::applyFilter);
    connect(m_filter, &QLineEdit::textChanged, m_filterDelay, qOverload<>(&QTimer::start));
    connect(m_column, &QComboBox::currentIndexChanged, this, &ResultsViewer::applyFilter);
    connect(open, &QPushButton::clicked, this, &ResultsViewer::chooseFile);
    connect(m_files, &QComboBox::activated, this, [this](int index) {
        const QString path = m_files->itemData(index).toString();
        if (path.isEmpty())
            showAllFiles();
        else
            openFile(path);
    });
    connect(m_model, &JobResultsModel::indexingProgress, this, [this](qint64 done, qint64 size) {
        m_indexing->setVisible(true);
        m_indexing->setValue(size > 0 ? int(done * 100 / size) : 0);
        updateCounts();
    });
    connect(m_model, &JobResultsModel::indexingFinished, this, [this] {
        m_indexing->hide();
        updateCounts();
    });
    connect(m_proxy, &QAbstractItemModel::rowsInserted, this, [this] {
        updateCounts();
        fitColumns();
    });
    connect(m_proxy, &QAbstractItemModel::modelReset, this, &ResultsViewer::updateCounts);
    connect(m_model, &QAbstractItemModel::columnsInserted, this, &ResultsViewer::rebuildColumnChoice);
    connect(m_proxy, &QAbstractItemModel::layoutChanged, this, &ResultsViewer::updateCounts);
    rebuildColumnChoice();
    updateCounts();
}

bool ResultsViewer::openFile(const QString &path, Error *error)
{
    if (!QFileInfo(path).isFile()) {
        const Error e(ErrorKind::Io, tr("Cannot open %1: no such file").arg(QDir::toNativeSeparators(path)));
        m_counts->setText(e.message);
        if (error)
            *error = e;
        return false;
    }
    if (!showFiles({ path }, m_folderFiles.contains(path) ? m_folder : QFileInfo(path).path(), error))
        return false;
    int index = m_files->findData(path);
    if (index < 0) {
        m_files->addItem(QDir::toNativeSeparators(path), path);
        index = m_files->count() - 1;
    }
    m_files->setCurrentIndex(index);
    Q_EMIT fileOpened(path);
    return true;
}

bool ResultsViewer::showAllFiles()
{
    if (m_folderFiles.isEmpty())
        return false;
    if (!showFiles(m_folderFiles, m_folder, nullptr))
        return false;
    m_files->setCurrentIndex(0);
    return true;
}

bool ResultsViewer::showFiles(const QStringList &files, const QString &base, Error *error)
{
    Error e;
    m_view->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);
    m_proxy->sort(-1);
    if (!m_model->open(files, base, &e)) {
        m_counts->setText(tr("Cannot open: %1").arg(e.message));
        if (error)
            *error = e;
        rebuildColumnChoice();
        return false;
    }
    m_indexing->setValue(0);
    m_indexing->setVisible(m_model->isIndexing());
    rebuildColumnChoice();
    applyFilter();
    m_columnsFitted = false;
    fitColumns();
    updateCounts();
    return true;
}

void ResultsViewer::showFolder(const QString &folder)
{
    // A folder of many parts can be large: list it on a worker thread.
    const int generation = ++m_folderGeneration;
    auto *watcher = new QFutureWatcher<QStringList>(this);
    connect(watcher, &QFutureWatcher<QStringList>::finished, this, [this, watcher, generation, folder] {
        watcher->deleteLater();
        if (generation != m_folderGeneration)
            return;
        const QStringList found = watcher->result();
        m_folder = folder;
        m_folderFiles = found;
        m_files->clear();
        if (!found.isEmpty()) {
            m_files->addItem(tr("All %n results file(s) of %1", nullptr, int(found.size())).arg(QFileInfo(folder).fileName()), QString());
            m_files->setItemData(0, QDir::toNativeSeparators(folder), Qt::ToolTipRole);
        }
        // Relative to the downloaded folder: the long common prefix hid the part that differs.
        const QDir base(folder);
        for (const QString &file : found) {
            m_files->addItem(QDir::toNativeSeparators(base.relativeFilePath(file)), file);
            m_files->setItemData(m_files->count() - 1, QDir::toNativeSeparators(file), Qt::ToolTipRole);
        }
        if (found.isEmpty()) {
            m_model->close();
            rebuildColumnChoice();
            m_counts->setText(tr("No .jsonl or .csv results in %1").arg(QDir::toNativeSeparators(folder)));
        } else {
            showAllFiles();
        }
        Q_EMIT folderListed(found);
    });
    watcher->setFuture(QtConcurrent::run([folder] { return JobResultsModel::findResultFiles(folder); }));
}

void ResultsViewer::setFilter(const QString &text, int column)
{
    m_filterDelay->stop();
    const QSignalBlocker blockText(m_filter);
    const QSignalBlocker blockColumn(m_column);
    m_filter->setText(text);
    m_column->setCurrentIndex(qBound(0, column + 1, m_column->count() - 1));
    applyFilter();
}

QStringList ResultsViewer::listedFiles() const
{
    QStringList files;
    for (int i = 0; i < m_files->count(); ++i)
        if (const QString path = m_files->itemData(i).toString(); !path.isEmpty())
            files << path;
    return files;
}

QString ResultsViewer::currentFile() const
{
    return m_model->files().size() == 1 ? m_model->files().first() : QString();
}

QStringList ResultsViewer::findResultFiles(const QString &folder)
{
    return JobResultsModel::findResultFiles(folder);
}

void ResultsViewer::chooseFile()
{
    const QString start = m_model->files().isEmpty() ? m_folder : QFileInfo(m_model->files().first()).path();
    auto *dialog = new QFileDialog(this, tr("Open results file"), start,
                                   tr("Results (*.jsonl *.csv);;All files (*)"));
    dialog->setFileMode(QFileDialog::ExistingFile);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QFileDialog::fileSelected, this, [this](const QString &path) { openFile(path); });
    dialog->open();
}

void ResultsViewer::applyFilter()
{
    m_proxy->setFilter(m_filter->text().trimmed(), m_column->currentIndex() - 1);
    updateCounts();
}

void ResultsViewer::updateCounts()
{
    if (m_model->files().isEmpty()) {
        if (m_folderFiles.isEmpty() && m_folder.isEmpty())
            m_counts->setText(tr("Open a .jsonl or .csv results file"));
        return;
    }
    const int total = m_model->rowCount();
    const int shown = m_proxy->rowCount();
    QString text = shown == total ? tr("%n row(s)", nullptr, total) : tr("%1 of %n row(s)", nullptr, total).arg(shown);
    if (m_model->isIndexing())
        text += tr(" so far");
    if (m_model->files().size() > 1)
        text += tr(" in %n file(s)", nullptr, int(m_model->files().size()));
    text += tr(" · %1").arg(formatBytes(m_model->totalBytes()));
    // Nothing hidden silently: a file that could not be read is counted, its reason in the tooltip.
    const QStringList problems = m_model->fileErrors();
    if (!problems.isEmpty())
        text += tr(" · ⚠ %n file(s) could not be read", nullptr, int(problems.size()));
    m_counts->setText(text);
    m_counts->setToolTip(problems.join(QLatin1Char('\n')));
}

void ResultsViewer::fitColumns()
{
    // Rows arrive while the file is indexed: size the columns once the first ones are there.
    if (m_columnsFitted || m_proxy->rowCount() == 0)
        return;
    m_columnsFitted = true;
    m_view->resizeColumnsToContents();   // looks at the visible rows only
    for (int c = 0; c < m_proxy->columnCount(); ++c)   // long JSON cells must not push the rest away
        m_view->setColumnWidth(c, qMax(qMin(m_view->columnWidth(c), widthForChars(m_view, 48)),
                                       m_view->horizontalHeader()->sectionSizeHint(c)));
}

void ResultsViewer::rebuildColumnChoice()
{
    const QSignalBlocker block(m_column);
    const int current = m_column->currentIndex();
    m_column->clear();
    m_column->addItem(tr("any column"));
    for (const QString &column : m_model->columns())
        m_column->addItem(column);
    if (current > 0 && current < m_column->count())   // a late column keeps the chosen one
        m_column->setCurrentIndex(current);
}

}  // namespace bd::ui
