#include "NewJobDialog.h"
#include "Palette.h"

#include "AppSession.h"
#include "AssetLibraryInput.h"
#include "FieldValidation.h"
#include "StageTimeline.h"
#include "TextWrap.h"
#include "jobs/JobSpecPresets.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QTimer>
#include <QVBoxLayout>

namespace bd::ui {

namespace {
QString problemText(const jobs::FieldProblems &problems, const QString &field)
{
    QStringList lines;
    for (const jobs::FieldProblem &p : problems)
        if (p.field == field)
            lines << p.message;
    return lines.join(QStringLiteral("; "));
}

}  // namespace

NewJobDialog::NewJobDialog(AppSession *session, const QString &batchId, QWidget *parent)
    : QDialog(parent), m_session(session), m_initialBatch(batchId)
{
    setWindowTitle(tr("New job"));
    auto *layout = new QVBoxLayout(this);
    auto *top = new QHBoxLayout;
    m_kind = new QComboBox(this);
    m_kind->setObjectName(QStringLiteral("kind"));
    m_kind->setAccessibleName(tr("Job type"));
    m_kind->setAccessibleDescription(tr("What the job does: images, videos, a TensorRT compilation or Asset Library images"));
    m_kind->addItem(tr("Image job (process images with a Workflow)"));
    m_kind->addItem(tr("Video job (process videos with a Workflow)"));
    m_kind->addItem(tr("TensorRT compilation job"));
    m_kind->addItem(tr("Images in the Asset Library (no upload; a Workflow over ids, a query or all)"));
    top->addWidget(new QLabel(tr("Job type:"), this));
    top->addWidget(m_kind, 1);
    layout->addLayout(top);

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    auto *scroll = new QScrollArea(splitter);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    auto *formPage = new QWidget(scroll);
    auto *formLayout = new QVBoxLayout(formPage);
    formLayout->setContentsMargins(0, 0, 6, 0);
    scroll->setWidget(formPage);
    scroll->setMinimumWidth(480);   // the form must stay readable; the preview gives way
    splitter->addWidget(scroll);
    auto *previewPage = new QWidget(splitter);
    auto *previewLayout = new QVBoxLayout(previewPage);
    previewLayout->setContentsMargins(6, 0, 0, 0);
    splitter->addWidget(previewPage);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    splitter->setSizes({ 600, 430 });
    layout->addWidget(splitter, 1);

    m_loading = true;
    m_validation = new FieldValidation(this);
    connect(m_validation, &FieldValidation::touched, this, &NewJobDialog::updateState);
    buildForm(formLayout);
    formLayout->addStretch();

    buildPreview(previewLayout);
    buildButtons(layout);

    m_batchTimer = new QTimer(this);
    m_batchTimer->setSingleShot(true);
    m_batchTimer->setInterval(400);
    connect(m_batchTimer, &QTimer::timeout, this, &NewJobDialog::checkBatch);
    connect(m_batch, &QComboBox::currentTextChanged, this, &NewJobDialog::scheduleBatchCheck);
    connect(m_kind, &QComboBox::currentIndexChanged, this, [this] {
        // A generated id follows the kind (job- / trt-); a typed one is kept.
        if (text(QStringLiteral("jobId")) == m_generatedJobId) {
            m_generatedJobId = jobs::generateJobId(kind() == Kind::Trt);
            setText(QStringLiteral("jobId"), m_generatedJobId);
        }
        showBatchesForKind();
        updateVisibility();
        updateState();
    });

    m_loading = false;
    loadBatches();
    refreshPresets();
    updateVisibility();
    updateState();
    if (!batchId.isEmpty())
        scheduleBatchCheck();
    // Never taller than the main window (the form scrolls instead).
    const QWidget *window = parent ? parent->window() : nullptr;
    resize(1050, window ? qMin(720, window->height()) : 720);
    focusFirstField();
}

void NewJobDialog::showBatchesForKind()
{
    // An image job offers image batches, a video job video batches (their content type).
    const QString wanted = kind() == Kind::Videos ? QStringLiteral("videos") : QStringLiteral("images");
    const QString current = m_batch->currentText();
    QSignalBlocker block(m_batch);
    m_batch->clear();
    for (const BatchChoice &b : std::as_const(m_allBatches)) {
        if (b.contentType != wanted)
            continue;
        m_batch->addItem(b.batchId, b.contentType);
        m_batch->setItemData(m_batch->count() - 1, b.description, Qt::ToolTipRole);
    }
    m_batch->setEditText(current);
}

void NewJobDialog::focusFirstField()
{
    // The workflow is what a person types first; with it filled in (preset, restart), the batch.
    QWidget *target = text(QStringLiteral("workflowId")).isEmpty() || kind() == Kind::Trt
                          ? m_fields.value(kind() == Kind::Trt ? QStringLiteral("modelId") : QStringLiteral("workflowId")).editor
                          : static_cast<QWidget *>(m_batch);
    if (target)
        target->setFocus(Qt::OtherFocusReason);
}

// ---- reading and writing the form ----

QString NewJobDialog::text(const QString &field) const
{
    QWidget *w = m_fields.value(field).editor;
    if (auto *line = qobject_cast<QLineEdit *>(w))
        return line->text().trimmed();
    if (auto *combo = qobject_cast<QComboBox *>(w))
        return combo->isEditable() ? combo->currentText().trimmed() : combo->currentData().toString();
    if (auto *edit = qobject_cast<QPlainTextEdit *>(w))
        return edit->toPlainText();
    return {};
}

void NewJobDialog::setText(const QString &field, const QString &value)
{
    QWidget *w = m_fields.value(field).editor;
    if (auto *line = qobject_cast<QLineEdit *>(w))
        line->setText(value);
    else if (auto *combo = qobject_cast<QComboBox *>(w)) {
        if (combo->isEditable())
            combo->setEditText(value);
        else
            combo->setCurrentIndex(qMax(0, combo->findData(value)));
    } else if (auto *edit = qobject_cast<QPlainTextEdit *>(w))
        edit->setPlainText(value);
}

jobs::JobKind NewJobDialog::jobKind() const
{
    switch (kind()) {
    case Kind::Videos: return jobs::JobKind::Videos;
    case Kind::Trt: return jobs::JobKind::Trt;
    case Kind::AssetLibrary: return jobs::JobKind::AssetLibrary;
    case Kind::Images: break;
    }
    return jobs::JobKind::Images;
}

QJsonObject NewJobDialog::formValues(jobs::JobKind kind, jobs::FieldProblems *problems) const
{
    // Only the fields of `kind`: those of another kind are hidden, so they are not sent either.
    QJsonObject values;
    for (const jobs::JobField *f : jobs::jobFieldsFor(kind)) {
        const Field row = m_fields.value(f->key);
        if (!row.editor)
            continue;
        QJsonValue v(QJsonValue::Undefined);
        if (f->type == jobs::FieldType::Switch) {
            v = qobject_cast<QCheckBox *>(row.editor)->isChecked();
        } else if (f->type == jobs::FieldType::ChoiceList) {
            QStringList checked;
            for (QCheckBox *box : row.editor->findChildren<QCheckBox *>())
                if (box->isChecked())
                    checked << box->text().remove(QLatin1Char('&'));
            if (!checked.isEmpty())
                v = QJsonArray::fromStringList(checked);
        } else {
            QString problem;
            v = jobs::parseFieldText(*f, text(f->key), &problem);
            if (!problem.isEmpty() && problems)
                problems->append({ f->key, problem });
        }
        if (!v.isUndefined())
            values.insert(f->key, v);
    }
    return values;
}

void NewJobDialog::setFormValues(const QJsonObject &values, jobs::JobKind kind)
{
    for (const jobs::JobField *f : jobs::jobFieldsFor(kind)) {
        const Field row = m_fields.value(f->key);
        if (!row.editor || (f->key == QLatin1String("jobId") && values.value(f->key).toString().isEmpty()))
            continue;   // an empty id keeps the generated one
        const QJsonValue v = values.value(f->key);
        if (f->type == jobs::FieldType::Switch) {
            qobject_cast<QCheckBox *>(row.editor)->setChecked(v.toBool());
        } else if (f->type == jobs::FieldType::ChoiceList) {
            QStringList wanted;
            for (const QJsonValue &e : v.toArray())
                wanted << e.toString();
            for (QCheckBox *box : row.editor->findChildren<QCheckBox *>())
                box->setChecked(wanted.contains(box->text().remove(QLatin1Char('&'))));
        } else {
            setText(f->key, jobs::fieldText(*f, v));
        }
    }
}

NewJobDialog::Kind NewJobDialog::kind() const
{
    return static_cast<Kind>(m_kind->currentIndex());
}

void NewJobDialog::setKind(Kind kind)
{
    m_kind->setCurrentIndex(static_cast<int>(kind));
}

jobs::WorkflowJobSpec NewJobDialog::workflowSpec() const
{
    jobs::WorkflowJobSpec s;
    s.input = kind() == Kind::Videos ? jobs::WorkflowInput::Videos : jobs::WorkflowInput::Images;
    s.setFieldValues(formValues(s.kind(), nullptr));
    s.workspace = m_session->workspace();
    return s;
}

jobs::TrtJobSpec NewJobDialog::trtSpec() const
{
    jobs::TrtJobSpec s;
    s.setFieldValues(formValues(jobs::JobKind::Trt, nullptr));
    return s;
}

void NewJobDialog::setWorkflowSpec(const jobs::WorkflowJobSpec &s)
{
    m_loading = true;
    setKind(s.isVideo() ? Kind::Videos : Kind::Images);
    setFormValues(s.fieldValues(), s.kind());
    m_loading = false;
    updateVisibility();
    updateState();
    focusFirstField();
}

void NewJobDialog::setTrtSpec(const jobs::TrtJobSpec &s)
{
    m_loading = true;
    setKind(Kind::Trt);
    setFormValues(s.fieldValues(), jobs::JobKind::Trt);
    m_loading = false;
    updateState();
    focusFirstField();
}

// ---- validation and preview ----

jobs::FieldProblems NewJobDialog::problems() const
{
    jobs::FieldProblems problems;
    formValues(jobKind(), &problems);   // text that does not parse
    if (kind() == Kind::AssetLibrary) {
        // The selection's problems are shown under the Asset Library input.
        for (jobs::FieldProblem p : m_assets->inputProblems() + assetLibrarySpec().validate()) {
            if (p.field == QLatin1String("imageIds") || p.field == QLatin1String("query") || p.field == QLatin1String("allImages"))
                p.field = QStringLiteral("assetSelection");
            problems.append(p);
        }
        return problems;
    }
    if (text(QStringLiteral("jobId")).isEmpty())
        problems.append({ QStringLiteral("jobId"), tr("is required") });
    problems += kind() == Kind::Trt ? trtSpec().validate() : workflowSpec().validate();
    return problems;
}

QJsonObject NewJobDialog::wireJson() const
{
    if (kind() == Kind::AssetLibrary)   // the key is generated and journalled on Submit
        return assetLibrarySpec().toWireJson(tr("(generated on Submit)"));
    return kind() == Kind::Trt ? trtSpec().toWireJson() : workflowSpec().toWireJson();
}

QString NewJobDialog::previewJsonText() const
{
    return m_previewJson->toPlainText();
}

QString NewJobDialog::previewCommandLine() const
{
    return m_previewCli->toPlainText();
}

bool NewJobDialog::canSubmit() const
{
    // Submit stays enabled with problems: pressing it shows every message (revealProblems()).
    return m_submit->isEnabled() && problems().isEmpty();
}

void NewJobDialog::revealProblems()
{
    m_validation->touchAll();
    const jobs::FieldProblems found = problems();
    markProblems(found);
    for (const jobs::JobField &f : jobs::jobFields())   // the first wrong field, in form order
        if (jobs::hasProblem(found, f.key) && m_fields.value(f.key).editor && m_fields.value(f.key).editor->isVisibleTo(this)) {
            m_fields.value(f.key).editor->setFocus(Qt::OtherFocusReason);
            break;
        }
}

bool NewJobDialog::isTouched(const Field &f) const
{
    if (m_validation->isTouched(f.editor))
        return true;
    for (QCheckBox *box : f.editor->findChildren<QCheckBox *>())
        if (m_validation->isTouched(box))
            return true;
    return false;
}

QString NewJobDialog::fieldMessage(const QString &field) const
{
    const Field f = m_fields.value(field);
    return f.message && !f.message->isHidden() ? f.message->toolTip() : QString();   // the text after the ⚠
}

QString NewJobDialog::batchNotice() const
{
    return m_batchNotice->isHidden() ? QString() : m_batchNotice->text();
}

QString NewJobDialog::submitError() const
{
    return m_submitError->isHidden() ? QString() : m_submitError->text();
}

void NewJobDialog::updateVisibility()
{
    const Kind k = kind();
    const bool trt = k == Kind::Trt, assets = k == Kind::AssetLibrary;
    m_input->setVisible(!trt);
    m_workflow->setVisible(!trt);
    m_compute->setVisible(!trt);
    m_trt->setVisible(trt);
    const auto show = [this](const QString &field, bool visible) {
        const Field f = m_fields.value(field);
        f.form->setRowVisible(f.row, visible);
    };
    for (const char *imagesOnly : { "imagesMetadataPart", "imagesMetadataInputsMapping" })
        show(QLatin1String(imagesOnly), k == Kind::Images);
    show(QStringLiteral("maxImageFailureRate"), k == Kind::Images || assets);
    show(QStringLiteral("maxVideoFPS"), k == Kind::Videos);
    // The service stages an Asset Library selection itself and names the job.
    for (const char *batchOnly : { "batchId", "partName", "inferenceBackend", "jobId" })
        show(QLatin1String(batchOnly), !assets);
    // Deprecated: shown only when a value is set (typed before, or from a preset or a restart).
    show(QStringLiteral("machineSize"), !assets && !text(QStringLiteral("machineSize")).isEmpty());
    m_batchNotice->setVisible(!assets && !m_batchNotice->text().isEmpty());
    show(QStringLiteral("assetSelection"), assets);
    m_input->setTitle(assets ? tr("Input: images in the Asset Library") : tr("Input"));
}

void NewJobDialog::updateState()
{
    if (m_loading)
        return;
    const jobs::FieldProblems found = problems();
    markProblems(found);
    const bool trt = kind() == Kind::Trt;
    m_previewJson->setPlainText(QString::fromUtf8(QJsonDocument(wireJson()).toJson(QJsonDocument::Indented)));
    const jobs::CliInvocation cli = trt ? trtSpec().toCliInvocation() : workflowSpec().toCliInvocation();
    QString command = cli.commandLine();
    if (!cli.paramsFilePath.isEmpty())
        command += QStringLiteral("\n\n# %1:\n").arg(cli.paramsFilePath) + QString::fromUtf8(cli.paramsFileContent);
    if (kind() == Kind::AssetLibrary) {
        const jobs::AssetLibraryJobSpec spec = assetLibrarySpec();
        command = spec.commandLine();
        if (spec.selection == jobs::AssetSelection::ImageIds)
            command += QStringLiteral("\n\n# image-ids.txt:\n") + QString::fromUtf8(spec.imageIdsFileContent().left(2000));
    }
    m_previewCli->setPlainText(wrapCommandAtOptions(command));
    m_submit->setEnabled(!m_submitting);
}

void NewJobDialog::markProblems(const jobs::FieldProblems &problems)
{
    // In the reserved line under each field, once the field was left or Submit pressed; no red
    // frame (it hid the focus ring): the line's ⚠ and colour say it.
    for (auto it = m_fields.cbegin(); it != m_fields.cend(); ++it)
        FieldValidation::showMessage(it->message, isTouched(*it) ? problemText(problems, it.key()) : QString());
    // Problems without a field of their own (e.g. no workspace yet) go under the preview.
    QStringList general;
    for (const jobs::FieldProblem &p : problems)
        if (!m_fields.contains(p.field))
            general << p.field + QStringLiteral(": ") + p.message;
    m_generalProblems->setText(general.join(QLatin1Char('\n')));
    setStatusTone(m_generalProblems, StatusTone::Bad);
    m_generalProblems->setVisible(!general.isEmpty());
}

}  // namespace bd::ui
