#include "CloudIngestDialog.h"

#include "ColumnWidths.h"
#include "IngestTargetForm.h"
#include "Palette.h"
#include "core/Format.h"
#include "core/Redact.h"
#include "staging/BatchNaming.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMessageBox>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace bd::ui {

using staging::CloudIngestPlanner;

CloudIngestDialog::CloudIngestDialog(AppSession *session, QWidget *parent) : QDialog(parent)
{
    setWindowTitle(tr("Ingest from cloud storage"));
    m_path = new QLineEdit(this);
    m_path->setPlaceholderText(QStringLiteral("s3://bucket/photos/**/*.jpg   gs://…   az://container/…"));
    m_path->setToolTip(tr("A bucket path with an optional glob: * within a folder, ** across folders, ? one "
                          "character, [abc] a set. Credentials are found the way the providers' own tools find "
                          "them: environment, ~/.aws profiles, instance and container roles (AWS); "
                          "GOOGLE_APPLICATION_CREDENTIALS, gcloud application-default, the metadata server (GCS); "
                          "SAS or account key (Azure)."));
    m_media = new QComboBox(this);
    m_media->addItem(tr("Images"));
    m_media->addItem(tr("Videos"));
    m_list = new QPushButton(QIcon::fromTheme(QStringLiteral("view-refresh")), tr("&List objects"), this);
    auto *pathRow = new QHBoxLayout;
    pathRow->addWidget(m_path, 1);
    pathRow->addWidget(m_media);
    pathRow->addWidget(m_list);
    auto *form = new QFormLayout;
    auto *pathLabel = new QLabel(tr("Bucket &path:"), this);
    pathLabel->setBuddy(m_path);
    form->addRow(pathLabel, pathRow);

    m_count = new QLabel(tr("Nothing listed yet."), this);
    m_count->setWordWrap(true);
    m_credentials = new QLabel(this);
    m_credentials->setWordWrap(true);
    m_credentials->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_credentials->hide();
    m_table = new QTableWidget(0, 3, this);
    m_table->setHorizontalHeaderLabels({ tr("Name in the batch"), tr("Object key"), tr("Size") });
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setWordWrap(false);
    m_table->horizontalHeader()->setStretchLastSection(false);
    m_table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Interactive);
    m_table->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
    m_table->horizontalHeader()->setSectionResizeMode(2, QHeaderView::ResizeToContents);
    setColumnChars(m_table, { { 0, 32 } });
    m_table->setAccessibleName(tr("Matching objects"));
    m_table->setAccessibleDescription(tr("The bucket objects that will be ingested: name in the batch, object key, size"));
    m_table->setMinimumHeight(220);
    m_save = new QPushButton(QIcon::fromTheme(QStringLiteral("document-save")), tr("&Save references file…"), this);
    m_save->setToolTip(tr("The signed list as JSONL (one {\"name\", \"url\"} per line), for "
                          "batchdeck-cli --data-source references-file. The URLs grant read access for 24 hours."));
    auto *countRow = new QHBoxLayout;
    countRow->addWidget(m_count, 1);
    countRow->addWidget(m_save);

    m_target = new IngestTargetForm(session, true, this);
    auto *buttons = IngestTargetForm::ingestButtons(this, &m_ingest, [this] { Q_EMIT ingestRequested(options()); });
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addLayout(countRow);
    layout->addWidget(m_credentials);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_target);
    layout->addWidget(buttons);
    resize(860, 580);

    connect(m_list, &QPushButton::clicked, this, [this] {
        if (isListing())
            m_planner->cancel();
        else
            listFromForm();
    });
    connect(m_path, &QLineEdit::returnPressed, this, &CloudIngestDialog::listFromForm);
    connect(m_save, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Save references file"),
                                                          m_target->batchId() + QStringLiteral(".jsonl"),
                                                          tr("JSON Lines (*.jsonl)"));
        QString error;
        if (!path.isEmpty() && !saveReferences(path, &error))
            QMessageBox::warning(this, tr("Save references file"), error);
    });
    connect(m_target, &IngestTargetForm::changed, this, &CloudIngestDialog::updateState);
    updateState();
}

void CloudIngestDialog::listFromForm()
{
    CloudIngestPlanner::Request request;
    request.bucketPath = m_path->text().trimmed();
    list(request);
}

void CloudIngestDialog::list(const CloudIngestPlanner::Request &requested)
{
    if (isListing())
        m_planner->cancel();
    CloudIngestPlanner::Request request = requested;
    request.videos = m_media->currentIndex() == 1;
    if (m_path->text().trimmed() != request.bucketPath)
        m_path->setText(request.bucketPath);
    m_references.clear();
    m_objects.clear();
    m_table->setRowCount(0);
    setStatusTone(m_count, StatusTone::Neutral);
    m_count->setText(tr("Listing…"));
    m_credentials->hide();
    auto *planner = new CloudIngestPlanner(request, this);
    m_planner = planner;
    connect(planner, &Operation::progressChanged, this, [this, planner] {
        if (planner == m_planner)
            m_count->setText(tr("Listing… %n matching object(s) so far", nullptr,
                                int(planner->processedAmount(Operation::Unit::Files))));
    });
    connect(planner, &Operation::finished, this, [this, planner] {
        if (planner == m_planner)
            onPlannerFinished();
        planner->deleteLater();
    });
    planner->start();
    updateState();
}

void CloudIngestDialog::onPlannerFinished()
{
    const Error error = m_planner->error();
    if (error) {
        m_count->setText(error.kind == ErrorKind::Cancelled ? tr("Listing cancelled.") : redact(error.message));
        setStatusTone(m_count, error.kind == ErrorKind::Cancelled ? StatusTone::Neutral : StatusTone::Bad);
    } else {
        if (m_target->batchId().isEmpty())
            m_target->batchIdEdit()->setText(staging::BatchNaming::suggestBatchId(m_planner->bucketPath().bucket));
        showListing(m_planner->objects(), m_planner->references());
        const staging::CloudCredentials &credentials = m_planner->credentials();
        QString text = tr("Credentials: %1").arg(credentials.source);
        if (credentials.expiration.isValid())
            text += tr(" · temporary: the signed URLs stop working at %1")
                        .arg(QLocale().toString(credentials.expiration.toLocalTime(), QLocale::ShortFormat));
        m_credentials->setText(text);
        m_credentials->show();
    }
    updateState();
    Q_EMIT listingFinished();
}

void CloudIngestDialog::showListing(const QVector<cloud::CloudObject> &objects,
                                    const QVector<staging::ReferenceEntry> &references)
{
    m_objects = objects;
    m_references = references;
    const int rows = int(qMin<qsizetype>(references.size(), kMaxPreviewRows));
    m_table->setRowCount(rows);
    int renamed = 0;
    for (int i = 0; i < references.size(); ++i) {
        const QString key = i < objects.size() ? objects.at(i).key : QString();
        if (!key.endsWith(QLatin1Char('/') + references.at(i).name) && key != references.at(i).name)
            ++renamed;
        if (i >= rows)
            continue;
        m_table->setItem(i, 0, new QTableWidgetItem(references.at(i).name));
        m_table->setItem(i, 1, new QTableWidgetItem(key));
        auto *size = new QTableWidgetItem(i < objects.size() && objects.at(i).size >= 0 ? formatBytes(objects.at(i).size)
                                                                                          : QString());
        size->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        m_table->setItem(i, 2, size);
    }
    QString text = tr("%n matching object(s)", nullptr, int(references.size()));
    if (renamed > 0)
        text += tr(" · %n renamed to stay unique (same file name in different folders)", nullptr, renamed);
    if (references.size() > rows)
        text += tr(" · preview shows the first %1").arg(rows);
    m_count->setText(text);
    updateState();
}

QString CloudIngestDialog::countText() const { return m_count->text(); }

QString CloudIngestDialog::credentialsText() const { return m_credentials->isHidden() ? QString() : m_credentials->text(); }

bool CloudIngestDialog::saveReferences(const QString &path, QString *errorText)
{
    Error error;
    bool ok = false;
    if (m_planner && m_planner->isFinished() && !m_planner->error()) {
        ok = m_planner->saveReferences(path, &error);
    } else {
        QFile file(path);
        ok = file.open(QIODevice::WriteOnly | QIODevice::Truncate);
        for (const auto &r : std::as_const(m_references))
            ok = ok && file.write(QJsonDocument(QJsonObject{ { "name", r.name }, { "url", r.url } }).toJson(QJsonDocument::Compact) + '\n') > 0;
        if (!ok)
            error = Error(ErrorKind::Io, tr("Cannot write %1: %2").arg(path, file.errorString()));
    }
    if (!ok && errorText)
        *errorText = redact(error.message);
    return ok;
}

staging::ReferencesIngestOptions CloudIngestDialog::options() const
{
    staging::ReferencesIngestOptions o;
    m_target->fill(&o);
    o.videos = m_media->currentIndex() == 1;
    o.references = m_references;
    o.method = QStringLiteral("cloud-storage");
    return o;
}

void CloudIngestDialog::updateState()
{
    const bool listing = isListing();
    m_list->setText(listing ? tr("&Cancel listing") : tr("&List objects"));
    m_path->setEnabled(!listing);
    m_media->setEnabled(!listing);
    m_save->setEnabled(!listing && !m_references.isEmpty());
    QString problem = m_target->problem();
    if (listing)
        problem = tr("Listing…");
    else if (m_references.isEmpty())
        problem = tr("List the objects first.");
    m_ingest->setEnabled(problem.isEmpty());
    m_ingest->setToolTip(problem);
}

}  // namespace bd::ui
