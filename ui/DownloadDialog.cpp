#include "DownloadDialog.h"

#include "FieldValidation.h"

#include "session/Services.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileInfo>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardPaths>
#include <QVBoxLayout>

namespace bd::ui {

DownloadDialog::DownloadDialog(session::Batches *api, ExportOptions base, QWidget *parent)
    : QDialog(parent), m_api(api), m_base(std::move(base))
{
    setWindowTitle(tr("Download results"));
    auto *form = new QFormLayout(this);

    // Which stage's outputs: a job's download fetches its "export" stage unless told otherwise.
    const QString what = !m_base.jobId.isEmpty()
                             ? (m_base.allStages ? tr("Job %1: the output batches of every stage").arg(m_base.jobId)
                                                 : tr("Job %1: the output batches of its “export” stage").arg(m_base.jobId))
                             : tr("Batch %1").arg(m_base.batchIds.join(QStringLiteral(", ")));
    m_what = new QLabel(what, this);
    m_what->setWordWrap(true);
    m_what->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow(tr("Export:"), m_what);

    auto *folderRow = new QHBoxLayout;
    m_folder = new QLineEdit(QDir::toNativeSeparators(m_base.targetDir), this);
    m_folder->setMinimumWidth(380);
    m_folder->setAccessibleDescription(tr("The files land in this folder; it is created when missing"));
    auto *browseButton = new QPushButton(tr("&Browse…"), this);
    browseButton->setAccessibleName(tr("Browse for the download folder"));
    folderRow->addWidget(m_folder, 1);
    folderRow->addWidget(browseButton);
    auto *folderLabel = new QLabel(tr("&Folder:"), this);
    folderLabel->setBuddy(m_folder);   // Alt+F; a row label given as text would show the '&'
    form->addRow(folderLabel, folderRow);
    m_folderProblem = FieldValidation::makeMessageLine(this);   // reserved: the form does not move
    form->addRow(QString(), m_folderProblem);

    m_parts = new QListWidget(this);
    m_parts->setMaximumHeight(120);
    m_parts->hide();
    m_partsStatus = new QLabel(this);
    auto *partsBox = new QVBoxLayout;
    partsBox->addWidget(m_partsStatus);
    partsBox->addWidget(m_parts);
    form->addRow(tr("Parts:"), partsBox);

    m_keepArchives = new QCheckBox(tr("&Keep archives after extracting them"), this);
    m_keepArchives->setChecked(m_base.keepArchives);
    form->addRow(QString(), m_keepArchives);

    m_concurrency = new QSpinBox(this);
    m_concurrency->setRange(1, 32);
    m_concurrency->setValue(m_base.concurrency);
    form->addRow(tr("Downloads at &once:"), m_concurrency);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("&Download"));
    form->addRow(m_buttons);

    connect(browseButton, &QPushButton::clicked, this, &DownloadDialog::browse);
    connect(m_folder, &QLineEdit::textChanged, this, &DownloadDialog::validate);
    connect(m_parts, &QListWidget::itemChanged, this, &DownloadDialog::validate);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    loadParts();
    validate();
}

void DownloadDialog::setSourceDescription(const QString &text)
{
    m_what->setText(text);
}

ExportOptions DownloadDialog::options() const
{
    ExportOptions o = m_base;
    o.targetDir = QDir::cleanPath(QDir::fromNativeSeparators(m_folder->text().trimmed()));
    o.keepArchives = m_keepArchives->isChecked();
    o.concurrency = m_concurrency->value();
    o.partNames.clear();
    // Only a real choice narrows the export: all parts ticked means "everything", new parts included.
    QStringList ticked;
    for (int i = 0; i < m_parts->count(); ++i)
        if (m_parts->item(i)->checkState() == Qt::Checked)
            ticked << m_parts->item(i)->text();
    if (!m_parts->isHidden() && ticked.size() < m_parts->count())
        o.partNames = ticked;
    return o;
}

QString DownloadDialog::rememberedFolder(const QString &targetDir, const QString &proposedLeaf)
{
    const QString clean = QDir::cleanPath(targetDir);
    const QFileInfo info(clean);
    // The person kept the proposed <folder>/<id>: remember <folder>; a folder they chose
    // themselves is remembered as is, so the next export lands inside it.
    if (!proposedLeaf.isEmpty() && info.fileName() == proposedLeaf)
        return info.path();
    return clean;
}

QString DownloadDialog::proposedTarget(const QString &lastFolder, const QString &leaf)
{
    QString folder = lastFolder;
    if (folder.isEmpty()) {
        const QString downloads = QStandardPaths::writableLocation(QStandardPaths::DownloadLocation);
        folder = (downloads.isEmpty() ? QDir::homePath() : downloads) + QStringLiteral("/Batchdeck");
    }
    return QDir::cleanPath(folder + QLatin1Char('/') + leaf);
}

void DownloadDialog::browse()
{
    // Non-blocking: the folder dialog is window-modal and reports through a signal.
    auto *dialog = new QFileDialog(this, tr("Download into"), m_folder->text());
    dialog->setFileMode(QFileDialog::Directory);
    dialog->setOption(QFileDialog::ShowDirsOnly);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QFileDialog::fileSelected, this,
            [this](const QString &dir) { m_folder->setText(QDir::toNativeSeparators(dir)); });
    dialog->open();
}

void DownloadDialog::loadParts()
{
    // Parts only exist for a single multipart batch; a job's batches are chosen by the job.
    if (m_base.batchIds.size() != 1 || !m_api) {
        m_partsStatus->setText(tr("All parts"));
        return;
    }
    m_partsStatus->setText(tr("Looking up the batch…"));
    m_api->fetchBatch(m_base.batchIds.first(), this, [this](const Error &metaError, const api::Batch &batch) {
        if (metaError) {
            m_partsStatus->setText(tr("All parts (%1)").arg(metaError.message));
            return;
        }
        if (!batch.isMultipart()) {
            m_partsStatus->setText(tr("Single-part batch"));
            return;
        }
        m_api->fetchParts(batch.batchId, this, [this](const Error &partsError, const QVector<api::BatchPart> &parts) {
            if (partsError) {
                m_partsStatus->setText(tr("All parts (%1)").arg(partsError.message));
                return;
            }
            m_parts->clear();
            for (const api::BatchPart &part : parts) {
                auto *item = new QListWidgetItem(part.partName, m_parts);
                item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
                item->setCheckState(m_base.partNames.isEmpty() || m_base.partNames.contains(part.partName)
                                        ? Qt::Checked : Qt::Unchecked);
                item->setToolTip(part.partDescription.isEmpty() ? part.contentType : part.partDescription);
            }
            m_partsStatus->setText(tr("%n part(s); untick the ones you do not need", nullptr, m_parts->count()));
            m_parts->setVisible(m_parts->count() > 0);
            validate();
        });
    });
}

void DownloadDialog::validate()
{
    bool anyPart = m_parts->isHidden() || m_parts->count() == 0;
    for (int i = 0; !anyPart && i < m_parts->count(); ++i)
        anyPart = m_parts->item(i)->checkState() == Qt::Checked;
    const QString folder = m_folder->text().trimmed();
    const bool folderOk = !folder.isEmpty() && QDir::isAbsolutePath(QDir::fromNativeSeparators(folder));
    const bool ok = folderOk && anyPart;
    FieldValidation::showMessage(m_folderProblem, folderOk ? QString()
                                                           : folder.isEmpty() ? tr("Choose the folder to download into.")
                                                                              : tr("Use a full path (starting at the drive or /)."));
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(ok);
}

}  // namespace bd::ui
