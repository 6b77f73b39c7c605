#include "IngestDialog.h"

#include "ReadOnlyTable.h"
#include "StatusTone.h"
#include "core/Format.h"
#include "staging/BatchNaming.h"
#include "staging/FolderScanner.h"
#include "staging/IngestPlan.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace bd::ui {

using namespace bd::staging;

namespace {

void setRow(QTableWidget *table, int row, const QStringList &cells)
{
    for (int c = 0; c < cells.size(); ++c) {
        auto *item = new QTableWidgetItem(cells.at(c));
        item->setToolTip(cells.at(c));
        table->setItem(row, c, item);
    }
}

QLabel *valueLabel(QWidget *parent)
{
    auto *label = new QLabel(parent);
    label->setTextFormat(Qt::PlainText);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

}  // namespace

IngestDialog::IngestDialog(QStringList inputs, QWidget *parent) : QDialog(parent), m_inputs(std::move(inputs))
{
    setWindowTitle(tr("Upload to staging"));

    auto *sources = valueLabel(this);
    sources->setText(m_inputs.size() == 1 ? m_inputs.first()
                                          : tr("%1 and %n more", nullptr, int(m_inputs.size() - 1)).arg(m_inputs.first()));
    sources->setToolTip(m_inputs.join(QLatin1Char('\n')));

    m_batchId = new QLineEdit(proposedBatchId(m_inputs), this);
    m_batchId->setMaxLength(80);   // longer than valid on purpose: the status says why it is invalid
    m_idStatus = valueLabel(this);
    m_idStatus->setWordWrap(true);
    m_displayName = new QLineEdit(this);
    m_displayName->setPlaceholderText(tr("Same as the batch id"));
    // Follows the batch id until the person types a name of their own.
    m_displayName->setText(m_batchId->text());
    connect(m_batchId, &QLineEdit::textEdited, this, [this] {
        if (!m_displayName->isModified())
            m_displayName->setText(m_batchId->text().trimmed());
    });
    m_media = new QComboBox(this);
    m_media->addItem(tr("Images"), int(MediaSelection::Images));
    m_media->addItem(tr("Videos"), int(MediaSelection::Videos));
    m_media->addItem(tr("Images and videos"), int(MediaSelection::Both));
    m_recursive = new QCheckBox(tr("Include subfolders"), this);
    m_recursive->setChecked(true);
    m_hidden = new QCheckBox(tr("Include hidden files"), this);
    m_hidden->setToolTip(tr("Files and folders whose names start with a dot"));
    m_concurrency = new QSpinBox(this);
    // 0: the connection's NetworkGate adapts the number to the link (up to the Settings cap).
    m_concurrency->setRange(0, 64);
    m_concurrency->setValue(0);
    m_concurrency->setSpecialValueText(tr("Parallel uploads: automatic"));
    m_concurrency->setSuffix(tr(" parallel uploads"));
    m_concurrency->setAccessibleName(tr("Parallel uploads"));
    m_media->setAccessibleName(tr("Media to upload"));

    auto *options = new QHBoxLayout;
    options->addWidget(m_media);
    options->addWidget(m_recursive);
    options->addWidget(m_hidden);
    options->addStretch();
    options->addWidget(m_concurrency);

    auto *form = new QFormLayout;
    form->addRow(tr("Source:"), sources);
    form->addRow(tr("Batch ID:"), m_batchId);
    form->addRow(QString(), m_idStatus);
    form->addRow(tr("Display name:"), m_displayName);
    form->addRow(tr("Options:"), options);

    // What the scan found.
    m_scanBar = new QProgressBar(this);
    m_scanButton = new QPushButton(this);
    auto *scanRow = new QHBoxLayout;
    scanRow->addWidget(m_scanBar, 1);
    scanRow->addWidget(m_scanButton);
    m_images = valueLabel(this);
    m_videos = valueLabel(this);
    m_size = valueLabel(this);
    m_method = valueLabel(this);
    m_method->setWordWrap(true);
    auto *found = new QGroupBox(tr("Found"), this);
    auto *foundForm = new QFormLayout(found);
    foundForm->addRow(scanRow);
    foundForm->addRow(tr("Images:"), m_images);
    foundForm->addRow(tr("Videos:"), m_videos);
    foundForm->addRow(tr("Total size:"), m_size);
    foundForm->addRow(tr("Upload method:"), m_method);

    m_skipped = makeReadOnlyTable({ tr("File"), tr("Reason"), tr("Detail") }, this);
    m_renamed = makeReadOnlyTable({ tr("File"), tr("Unique name in the batch (same name in another folder)") }, this);
    m_lists = new QTabWidget(this);
    m_lists->addTab(m_skipped, tr("Skipped"));
    m_lists->addTab(m_renamed, tr("Renamed"));
    m_lists->setTabToolTip(1, tr("Files with the same name in different folders get a name derived from their path, "
                                 "so none overwrites another in the batch"));
    m_renamed->setAccessibleDescription(m_lists->tabToolTip(1));
    m_skipped->setAccessibleName(tr("Skipped files"));
    m_renamed->setAccessibleName(tr("Renamed files"));

    auto *buttons = new QDialogButtonBox(this);
    m_upload = buttons->addButton(tr("&Upload"), QDialogButtonBox::AcceptRole);
    m_upload->setIcon(QIcon::fromTheme(QStringLiteral("go-up")));
    m_upload->setDefault(true);   // Enter uploads once the scan is done
    m_batchId->setFocus(Qt::OtherFocusReason);   // the first thing to check or change
    buttons->addButton(QDialogButtonBox::Cancel);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(found);
    layout->addWidget(m_lists, 1);
    layout->addWidget(buttons);
    resize(760, 620);

    connect(m_batchId, &QLineEdit::textChanged, this, &IngestDialog::validate);
    connect(m_recursive, &QCheckBox::toggled, this, &IngestDialog::startScan);
    connect(m_hidden, &QCheckBox::toggled, this, &IngestDialog::startScan);
    connect(m_media, &QComboBox::currentIndexChanged, this, &IngestDialog::startScan);
    connect(m_scanButton, &QPushButton::clicked, this, [this] {
        if (m_scanner)
            cancelScan();
        else
            startScan();
    });
    connect(&m_preview, &QFutureWatcher<ScanPreview>::finished, this, &IngestDialog::onPreviewReady);
    startScan();
}

IngestDialog::~IngestDialog()
{
    cancelScan();
}

QString IngestDialog::proposedBatchId(const QStringList &inputs)
{
    if (inputs.isEmpty())
        return BatchNaming::suggestBatchId(QString());
    const QFileInfo first(inputs.first());
    // A folder gives its own name; dropped files give the name of the folder they are in.
    const QString name = first.isDir() ? first.fileName() : first.absoluteDir().dirName();
    return BatchNaming::suggestBatchId(name);
}

void IngestDialog::setExistingBatchIds(const QSet<QString> &ids)
{
    m_existing = ids;
    validate();
}

staging::IngestOptions IngestDialog::options() const
{
    IngestOptions o;
    o.batchId = m_batchId->text().trimmed();
    o.displayName = m_displayName->text().trimmed();
    o.inputs = m_inputs;
    // IngestOptions has no "include hidden" switch: hidden files the scan accepted are passed
    // as explicit inputs instead (an explicitly named file is never skipped as hidden).
    if (m_hidden->isChecked() && m_scanned)
        o.inputs += hiddenAcceptedFiles();
    o.media = MediaSelection(m_media->currentData().toInt());
    o.recursive = m_recursive->isChecked();
    o.concurrency = m_concurrency->value();
    return o;
}

QStringList IngestDialog::hiddenAcceptedFiles() const
{
    QStringList hidden;
    for (const ScannedFile &f : m_scan.accepted) {
        for (const QString &input : m_inputs) {
            const QString root = QDir::cleanPath(input) + QLatin1Char('/');
            if (!f.path.startsWith(root))
                continue;
            const QStringList parts = f.path.mid(root.size()).split(QLatin1Char('/'));
            if (std::any_of(parts.cbegin(), parts.cend(), [](const QString &p) { return p.startsWith(QLatin1Char('.')); }))
                hidden << f.path;
            break;
        }
    }
    return hidden;
}

void IngestDialog::startScan()
{
    cancelScan();
    ScanOptions options;
    options.recursive = m_recursive->isChecked();
    options.includeHidden = m_hidden->isChecked();
    options.media = MediaSelection(m_media->currentData().toInt());
    m_scanned = false;
    m_scanner = new FolderScanner(m_inputs, options, this);
    connect(m_scanner, &bd::Operation::progressChanged, this, [this] {
        if (m_scanner)
            m_scanBar->setFormat(tr("Scanning… %n entries examined", nullptr,
                                    int(m_scanner->processedAmount(bd::Operation::Unit::Items))));
    });
    connect(m_scanner, &bd::Operation::finished, this, &IngestDialog::onScanFinished);
    m_scanBar->setRange(0, 0);   // a walk has no known total
    m_scanBar->setTextVisible(true);
    m_scanBar->setFormat(tr("Scanning…"));
    m_scanButton->setText(tr("Cancel scan"));
    m_scanner->start();
    validate();
}

void IngestDialog::cancelScan()
{
    if (!m_scanner)
        return;
    FolderScanner *scanner = m_scanner;
    m_scanner = nullptr;
    scanner->disconnect(this);
    scanner->cancel();
    scanner->deleteLater();
    m_scanBar->setRange(0, 1);
    m_scanBar->setValue(0);
    m_scanBar->setFormat(tr("Scan cancelled"));
    m_scanButton->setText(tr("Scan again"));
    validate();
}

void IngestDialog::onScanFinished()
{
    FolderScanner *scanner = m_scanner;
    m_scanner = nullptr;
    if (!scanner)
        return;
    scanner->deleteLater();
    m_scanButton->setText(tr("Scan again"));
    m_scanBar->setRange(0, 1);
    if (scanner->error()) {
        m_scanBar->setValue(0);
        m_scanBar->setFormat(tr("Scan failed: %1").arg(scanner->error().message));
        validate();
        return;
    }
    m_scan = scanner->result();
    m_scanBar->setValue(1);
    m_scanBar->setFormat(tr("Scan complete"));
    m_scanBar->setToolTip(m_scan.summary());
    showScan();
    // The plan and the renamed list: off the GUI thread (the scan is shared, not copied).
    m_preview.setFuture(QtConcurrent::run([scan = m_scan] { return preview(scan); }));
}

IngestDialog::ScanPreview IngestDialog::preview(const ScanResult &scan)
{
    ScanPreview out;
    // The same planner the ingest runs (pure computation on the scan, no I/O).
    const IngestPlan plan = IngestPlanner::plan(scan);
    switch (plan.imageMethod) {
    case IngestPlan::ImageMethod::Simple:
        out.method << tr("simple: %n image upload(s)", nullptr, int(plan.simpleImages.size()));
        break;
    case IngestPlan::ImageMethod::Sharded:
        out.method << tr("sharded: %n tar shard(s)", nullptr, int(plan.shards.size()));
        break;
    case IngestPlan::ImageMethod::None:
        break;
    }
    if (!plan.videos.isEmpty())
        out.method << tr("%n video upload(s)", nullptr, int(plan.videos.size()));
    if (out.method.isEmpty())
        out.method << tr("nothing to upload");
    out.method += plan.notes;
    for (const NameMapping &m : BatchNaming::mapping(scan.accepted)) {
        if (m.renamed)
            out.renamed.append(m);
    }
    return out;
}

void IngestDialog::onPreviewReady()
{
    if (m_scanner || m_preview.isCanceled())
        return;   // a newer scan is running; its preview follows
    const ScanPreview p = m_preview.result();
    m_method->setText(p.method.join(QStringLiteral("; ")));
    m_renamed->setRowCount(int(p.renamed.size()));
    for (int i = 0; i < p.renamed.size(); ++i)
        setRow(m_renamed, i, { p.renamed.at(i).path, p.renamed.at(i).name });
    m_lists->setTabText(1, tr("Renamed (%1)").arg(m_renamed->rowCount()));
    m_renamed->resizeColumnToContents(0);
    m_scanned = true;
    validate();
    Q_EMIT scanFinished();
}

void IngestDialog::showScan()
{
    m_images->setText(QLocale().toString(m_scan.imageCount));
    m_videos->setText(QLocale().toString(m_scan.videoCount));
    m_size->setText(formatBytes(m_scan.totalBytes));

    m_method->setText(tr("Planning…"));
    // A table row is a widget item: list the first kShownSkipped, count them all.
    const int shown = int(qMin<qsizetype>(m_scan.skipped.size(), ScanResult::kSkippedSample));
    m_skipped->setRowCount(shown);
    for (int i = 0; i < shown; ++i) {
        const SkippedFile &s = m_scan.skipped.at(i);
        setRow(m_skipped, i, { s.path, skipReasonText(s.reason), s.detail });
    }
    m_renamed->setRowCount(0);
    m_lists->setTabText(0, m_scan.skippedTotal() > shown ? tr("Skipped (%1, first %2 listed)").arg(m_scan.skippedTotal()).arg(shown)
                                                         : tr("Skipped (%1)").arg(shown));
    m_lists->setTabText(1, tr("Renamed (…)"));
    m_skipped->resizeColumnToContents(0);
    m_skipped->resizeColumnToContents(1);
}

void IngestDialog::validate()
{
    const QString id = m_batchId->text().trimmed();
    const bool valid = BatchNaming::isValidBatchId(id);
    QString text;
    StatusTone tone = StatusTone::Good;
    if (!valid) {
        tone = StatusTone::Bad;
        text = id.isEmpty() ? tr("Enter a batch id.")
               : id.size() > 64 ? tr("Invalid: at most 64 characters (%1 now).").arg(id.size())
                                : tr("Invalid: use only lower-case letters, digits, '-' and '_'.");
    } else if (m_existing.contains(id)) {
        tone = StatusTone::Warning;
        text = tr("Batch exists: the files are added to it.");
    } else {
        text = tr("A new batch will be created when the upload starts.");
    }
    QPalette pal = m_idStatus->palette();
    pal.setColor(QPalette::WindowText, statusColour(tone, palette()));
    m_idStatus->setPalette(pal);
    m_idStatus->setText(text);
    m_batchId->setProperty("invalid", !valid);
    m_batchId->setToolTip(valid ? QString() : text);

    const bool hasFiles = m_scanned && m_scan.acceptedCount() > 0;
    m_upload->setEnabled(valid && hasFiles && !m_scanner);
    if (m_scanned && m_scan.acceptedCount() == 0)
        m_upload->setToolTip(tr("Nothing to upload"));
    else
        m_upload->setToolTip(valid ? QString() : text);
}

}  // namespace bd::ui
