#include "NewJobDialog.h"

#include "AppSession.h"
#include "AssetLibraryInput.h"
#include "StageTimeline.h"
#include "api/ApiClient.h"
#include "jobs/JobSpecPresets.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QInputDialog>
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

// A combo whose first entry means "not set" (the server's default).
QComboBox *choiceCombo(const QStringList &choices, QWidget *parent)
{
    auto *combo = new QComboBox(parent);
    combo->addItem(QObject::tr("(server default)"), QString());
    for (const QString &c : choices)
        combo->addItem(c, c);
    return combo;
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
    QFormLayout *form = nullptr;
    m_input = addGroup(tr("Input"), &form);
    formLayout->addWidget(m_input);
    m_batch = new QComboBox(this);
    m_batch->setEditable(true);
    m_batch->setInsertPolicy(QComboBox::NoInsert);
    m_batch->setEditText(batchId);
    addField(form, tr("Input batch"), QStringLiteral("batchId"), m_batch);
    m_batchNotice = new QLabel(this);
    m_batchNotice->setWordWrap(true);
    m_batchNotice->hide();
    form->addRow(QString(), m_batchNotice);
    addLine(form, tr("Part name"), QStringLiteral("partName"), tr("for multipart batches"));
    addLine(form, tr("Images metadata part"), QStringLiteral("imagesMetadataPart"), tr("part with per-image metadata"));
    m_assets = new AssetLibraryInput(session, this);
    addField(form, tr("Asset Library images"), QStringLiteral("assetSelection"), m_assets);
    connect(m_assets, &AssetLibraryInput::changed, this, &NewJobDialog::updateState);

    m_workflow = addGroup(tr("Workflow"), &form);
    formLayout->addWidget(m_workflow);
    addLine(form, tr("Workflow ID"), QStringLiteral("workflowId"));
    m_params = new QPlainTextEdit(this);
    m_params->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_params->setPlaceholderText(QStringLiteral("{\"threshold\": 0.4}"));
    m_params->setTabChangesFocus(true);
    m_params->setFixedHeight(m_params->fontMetrics().height() * 4 + 12);
    addField(form, tr("Workflow parameters (JSON)"), QStringLiteral("workflowParameters"), m_params);
    addLine(form, tr("Image input name"), QStringLiteral("imageInputName"), tr("image"));
    m_saveOutputs = new QCheckBox(tr("Save image outputs"), this);
    addField(form, QString(), QStringLiteral("persistImagesOutputs"), m_saveOutputs);
    addLine(form, tr("Outputs to save"), QStringLiteral("imagesOutputsToBePersisted"), tr("comma-separated, e.g. visualization"));
    m_aggregation = choiceCombo(jobs::aggregationFormats(), this);
    addField(form, tr("Aggregation format"), QStringLiteral("aggregationFormat"), m_aggregation);
    m_mapping = new QPlainTextEdit(this);
    m_mapping->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_mapping->setPlaceholderText(tr("workflow_input=metadata_key, one per line"));
    m_mapping->setTabChangesFocus(true);
    m_mapping->setFixedHeight(m_mapping->fontMetrics().height() * 3 + 12);
    addField(form, tr("Metadata mapping"), QStringLiteral("imagesMetadataInputsMapping"), m_mapping);

    m_compute = addGroup(tr("Compute"), &form);
    formLayout->addWidget(m_compute);
    m_machineType = choiceCombo(jobs::machineTypes(), this);
    addField(form, tr("Machine type"), QStringLiteral("machineType"), m_machineType);
    addLine(form, tr("Workers per machine"), QStringLiteral("workersPerMachine"), tr("default"));
    m_machineSize = choiceCombo(jobs::machineSizes(), this);
    m_machineSize->setItemText(0, tr("(not used)"));
    m_machineSize->setToolTip(tr("Deprecated: used only when workers per machine is empty (xs 8, s 4, m 2, l 1, xl 1)"));
    addField(form, tr("Machine size (deprecated)"), QStringLiteral("machineSize"), m_machineSize);
    addLine(form, tr("Max parallel tasks"), QStringLiteral("maxParallelTasks"), tr("default"));
    addLine(form, tr("Runtime limit (s)"), QStringLiteral("processingTimeoutSeconds"), tr("total machine seconds"));
    addLine(form, tr("Image failure rate"), QStringLiteral("maxImageFailureRate"), tr("0.0 – 1.0"));
    m_backend = choiceCombo(jobs::inferenceBackends(), this);
    addField(form, tr("Inference backend"), QStringLiteral("inferenceBackend"), m_backend);
    addLine(form, tr("Max video FPS"), QStringLiteral("maxVideoFPS"), tr("default"));

    m_trt = addGroup(tr("TensorRT compilation"), &form);
    formLayout->addWidget(m_trt);
    addLine(form, tr("Model ID"), QStringLiteral("modelId"), tr("project/version"));
    auto *devices = new QWidget(this);
    auto *devicesLayout = new QHBoxLayout(devices);
    devicesLayout->setContentsMargins(0, 0, 0, 0);
    for (const QString &d : jobs::compilationDevices()) {
        auto *box = new QCheckBox(d, devices);
        m_devices << box;
        devicesLayout->addWidget(box);
        connect(box, &QCheckBox::toggled, this, &NewJobDialog::updateState);
    }
    devicesLayout->addStretch();
    addField(form, tr("Devices"), QStringLiteral("compilationDevices"), devices);

    QGroupBox *jobGroup = addGroup(tr("Job"), &form);
    formLayout->addWidget(jobGroup);
    m_generatedJobId = jobs::generateJobId();
    addLine(form, tr("Job ID"), QStringLiteral("jobId"))->setText(m_generatedJobId);
    addLine(form, tr("Name"), QStringLiteral("jobName"), tr("optional"));
    addLine(form, tr("Notifications URL"), QStringLiteral("notificationsURL"), QStringLiteral("https://example.com/hook"));
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
        updateVisibility();
        updateState();
    });
    for (QComboBox *c : { m_batch, m_aggregation, m_machineType, m_machineSize, m_backend })
        connect(c, &QComboBox::currentTextChanged, this, &NewJobDialog::updateState);
    for (QPlainTextEdit *e : { m_params, m_mapping })
        connect(e, &QPlainTextEdit::textChanged, this, &NewJobDialog::updateState);
    connect(m_saveOutputs, &QCheckBox::toggled, this, &NewJobDialog::updateState);

    m_loading = false;
    loadBatches();
    refreshPresets();
    updateVisibility();
    updateState();
    if (!batchId.isEmpty())
        scheduleBatchCheck();
    resize(1050, 720);
}

QGroupBox *NewJobDialog::addGroup(const QString &title, QFormLayout **form)
{
    auto *group = new QGroupBox(title, this);
    *form = new QFormLayout(group);
    (*form)->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    return group;
}

QLineEdit *NewJobDialog::addLine(QFormLayout *form, const QString &label, const QString &field, const QString &placeholder)
{
    auto *edit = new QLineEdit(this);
    edit->setPlaceholderText(placeholder);
    addField(form, label, field, edit);
    connect(edit, &QLineEdit::textChanged, this, &NewJobDialog::updateState);
    return edit;
}

void NewJobDialog::addField(QFormLayout *form, const QString &label, const QString &field, QWidget *editor)
{
    // The editor and, under it, its message; both live in one row widget.
    auto *row = new QWidget(this);
    auto *v = new QVBoxLayout(row);
    v->setContentsMargins(0, 0, 0, 0);
    v->setSpacing(2);
    editor->setObjectName(field);
    v->addWidget(editor);
    auto *message = new QLabel(row);
    message->setObjectName(field + QStringLiteral("-message"));
    message->setWordWrap(true);
    message->hide();
    v->addWidget(message);
    form->addRow(label, row);
    m_fields.insert(field, Field{ editor, message, row, form });
}

void NewJobDialog::buildPreview(QBoxLayout *into)
{
    const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    auto *jsonLabel = new QLabel(tr("<b>Request body</b> (exactly what Submit sends)"), this);
    m_previewJson = new QPlainTextEdit(this);
    m_previewJson->setObjectName(QStringLiteral("previewJson"));
    m_previewJson->setReadOnly(true);
    m_previewJson->setFont(mono);
    m_previewJson->setLineWrapMode(QPlainTextEdit::NoWrap);
    auto *cliLabel = new QLabel(tr("<b>Equivalent command</b>"), this);
    m_previewCli = new QPlainTextEdit(this);
    m_previewCli->setObjectName(QStringLiteral("previewCli"));
    m_previewCli->setReadOnly(true);
    m_previewCli->setFont(mono);
    m_previewCli->setMaximumHeight(m_previewCli->fontMetrics().height() * 9);
    m_generalProblems = new QLabel(this);
    m_generalProblems->setWordWrap(true);
    into->addWidget(jsonLabel);
    into->addWidget(m_previewJson, 3);
    into->addWidget(cliLabel);
    into->addWidget(m_previewCli, 1);
    into->addWidget(m_generalProblems);
}

void NewJobDialog::buildButtons(QBoxLayout *into)
{
    m_submitError = new QLabel(this);
    m_submitError->setObjectName(QStringLiteral("submitError"));
    m_submitError->setWordWrap(true);
    m_submitError->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_submitError->setStyleSheet(QStringLiteral("color: %1;").arg(StageTimeline::failureColour(palette()).name()));
    m_submitError->hide();
    into->addWidget(m_submitError);

    auto *row = new QHBoxLayout;
    m_presets = new QComboBox(this);
    m_presets->setMinimumContentsLength(14);
    auto *load = new QPushButton(tr("Load"), this);
    auto *save = new QPushButton(tr("Save preset…"), this);
    auto *remove = new QPushButton(tr("Delete"), this);
    row->addWidget(new QLabel(tr("Presets:"), this));
    row->addWidget(m_presets);
    row->addWidget(load);
    row->addWidget(save);
    row->addWidget(remove);
    row->addStretch();
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    m_submit = buttons->addButton(tr("Submit job"), QDialogButtonBox::AcceptRole);
    m_submit->setDefault(true);
    row->addWidget(buttons);
    into->addLayout(row);
    connect(load, &QPushButton::clicked, this, &NewJobDialog::loadPreset);
    connect(save, &QPushButton::clicked, this, &NewJobDialog::savePreset);
    connect(remove, &QPushButton::clicked, this, &NewJobDialog::deletePreset);
    connect(buttons, &QDialogButtonBox::accepted, this, &NewJobDialog::submit);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
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

std::optional<int> NewJobDialog::intField(const QString &field, jobs::FieldProblems *problems) const
{
    const QString t = text(field);
    if (t.isEmpty())
        return std::nullopt;
    bool ok = false;
    const int v = t.toInt(&ok);
    if (!ok && problems)
        problems->append({ field, tr("must be a whole number (got \"%1\")").arg(t) });
    return ok ? std::optional<int>(v) : std::nullopt;
}

std::optional<double> NewJobDialog::numberField(const QString &field, jobs::FieldProblems *problems) const
{
    const QString t = text(field);
    if (t.isEmpty())
        return std::nullopt;
    bool ok = false;
    const double v = t.toDouble(&ok);
    if (!ok && problems)
        problems->append({ field, tr("must be a number (got \"%1\")").arg(t) });
    return ok ? std::optional<double>(v) : std::nullopt;
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
    s.batchId = text(QStringLiteral("batchId"));
    s.partName = text(QStringLiteral("partName"));
    s.machineType = text(QStringLiteral("machineType"));
    s.workersPerMachine = intField(QStringLiteral("workersPerMachine"), nullptr);
    s.machineSize = text(QStringLiteral("machineSize"));
    s.processingTimeoutSeconds = intField(QStringLiteral("processingTimeoutSeconds"), nullptr);
    s.maxParallelTasks = intField(QStringLiteral("maxParallelTasks"), nullptr);
    s.workspace = m_session->api()->workspace().isEmpty() ? m_session->workspace() : m_session->api()->workspace();
    s.workflowId = text(QStringLiteral("workflowId"));
    const QByteArray params = text(QStringLiteral("workflowParameters")).toUtf8();
    if (!params.trimmed().isEmpty())
        s.workflowParameters = jobs::parseWorkflowParameters(params, nullptr);
    s.imageInputName = text(QStringLiteral("imageInputName"));
    s.persistImagesOutputs = m_saveOutputs->isChecked();
    for (const QString &name : text(QStringLiteral("imagesOutputsToBePersisted")).split(QLatin1Char(','), Qt::SkipEmptyParts))
        if (!name.trimmed().isEmpty())
            s.imagesOutputsToBePersisted << name.trimmed();
    s.aggregationFormat = text(QStringLiteral("aggregationFormat"));
    s.notificationsURL = text(QStringLiteral("notificationsURL"));
    s.inferenceBackend = text(QStringLiteral("inferenceBackend"));
    s.jobId = text(QStringLiteral("jobId"));
    s.jobName = text(QStringLiteral("jobName"));
    // Fields of the other media kind are hidden, so they are not sent either.
    if (s.isVideo()) {
        s.maxVideoFPS = numberField(QStringLiteral("maxVideoFPS"), nullptr);
    } else {
        s.imagesMetadataPart = text(QStringLiteral("imagesMetadataPart"));
        s.maxImageFailureRate = numberField(QStringLiteral("maxImageFailureRate"), nullptr);
        jobs::FieldProblems ignored;
        s.imagesMetadataInputsMapping = jobs::parseMetadataMapping(
            text(QStringLiteral("imagesMetadataInputsMapping")).split(QLatin1Char('\n'), Qt::SkipEmptyParts), &ignored);
    }
    return s;
}

jobs::TrtJobSpec NewJobDialog::trtSpec() const
{
    jobs::TrtJobSpec s;
    s.modelId = text(QStringLiteral("modelId"));
    for (QCheckBox *box : m_devices)
        if (box->isChecked())
            s.compilationDevices << box->text().remove(QLatin1Char('&'));
    s.notificationsURL = text(QStringLiteral("notificationsURL"));
    s.jobId = text(QStringLiteral("jobId"));
    s.jobName = text(QStringLiteral("jobName"));
    return s;
}

void NewJobDialog::setWorkflowSpec(const jobs::WorkflowJobSpec &s)
{
    m_loading = true;
    setKind(s.isVideo() ? Kind::Videos : Kind::Images);
    setText(QStringLiteral("batchId"), s.batchId);
    setText(QStringLiteral("partName"), s.partName);
    setText(QStringLiteral("imagesMetadataPart"), s.imagesMetadataPart);
    setText(QStringLiteral("machineType"), s.machineType);
    setText(QStringLiteral("workersPerMachine"), s.workersPerMachine ? QString::number(*s.workersPerMachine) : QString());
    setText(QStringLiteral("machineSize"), s.machineSize);
    setText(QStringLiteral("processingTimeoutSeconds"),
            s.processingTimeoutSeconds ? QString::number(*s.processingTimeoutSeconds) : QString());
    setText(QStringLiteral("maxParallelTasks"), s.maxParallelTasks ? QString::number(*s.maxParallelTasks) : QString());
    setText(QStringLiteral("maxImageFailureRate"), s.maxImageFailureRate ? QString::number(*s.maxImageFailureRate) : QString());
    setText(QStringLiteral("maxVideoFPS"), s.maxVideoFPS ? QString::number(*s.maxVideoFPS) : QString());
    setText(QStringLiteral("workflowId"), s.workflowId);
    setText(QStringLiteral("workflowParameters"),
            s.workflowParameters ? QString::fromUtf8(QJsonDocument(*s.workflowParameters).toJson(QJsonDocument::Indented))
                                 : QString());
    setText(QStringLiteral("imageInputName"), s.imageInputName);
    m_saveOutputs->setChecked(s.persistImagesOutputs);
    setText(QStringLiteral("imagesOutputsToBePersisted"), s.imagesOutputsToBePersisted.join(QStringLiteral(", ")));
    setText(QStringLiteral("aggregationFormat"), s.aggregationFormat);
    QStringList mapping;
    for (auto it = s.imagesMetadataInputsMapping.cbegin(); it != s.imagesMetadataInputsMapping.cend(); ++it)
        mapping << it.key() + QLatin1Char('=') + it.value();
    setText(QStringLiteral("imagesMetadataInputsMapping"), mapping.join(QLatin1Char('\n')));
    setText(QStringLiteral("notificationsURL"), s.notificationsURL);
    setText(QStringLiteral("inferenceBackend"), s.inferenceBackend);
    if (!s.jobId.isEmpty())
        setText(QStringLiteral("jobId"), s.jobId);
    setText(QStringLiteral("jobName"), s.jobName);
    m_loading = false;
    updateState();
}

void NewJobDialog::setTrtSpec(const jobs::TrtJobSpec &s)
{
    m_loading = true;
    setKind(Kind::Trt);
    setText(QStringLiteral("modelId"), s.modelId);
    for (QCheckBox *box : m_devices)
        box->setChecked(s.compilationDevices.contains(box->text().remove(QLatin1Char('&'))));
    setText(QStringLiteral("notificationsURL"), s.notificationsURL);
    if (!s.jobId.isEmpty())
        setText(QStringLiteral("jobId"), s.jobId);
    setText(QStringLiteral("jobName"), s.jobName);
    m_loading = false;
    updateState();
}

// ---- validation and preview ----

jobs::FieldProblems NewJobDialog::problems() const
{
    jobs::FieldProblems problems;
    if (kind() == Kind::AssetLibrary) {
        intField(QStringLiteral("workersPerMachine"), &problems);
        intField(QStringLiteral("processingTimeoutSeconds"), &problems);
        intField(QStringLiteral("maxParallelTasks"), &problems);
        numberField(QStringLiteral("maxImageFailureRate"), &problems);
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
    if (kind() == Kind::Trt) {
        problems += trtSpec().validate();
        return problems;
    }
    const bool video = kind() == Kind::Videos;
    intField(QStringLiteral("workersPerMachine"), &problems);
    intField(QStringLiteral("processingTimeoutSeconds"), &problems);
    intField(QStringLiteral("maxParallelTasks"), &problems);
    numberField(video ? QStringLiteral("maxVideoFPS") : QStringLiteral("maxImageFailureRate"), &problems);
    const QByteArray params = text(QStringLiteral("workflowParameters")).toUtf8();
    QString paramsError;
    if (!params.trimmed().isEmpty() && !jobs::parseWorkflowParameters(params, &paramsError))
        problems.append({ QStringLiteral("workflowParameters"), paramsError });
    if (!video)
        jobs::parseMetadataMapping(text(QStringLiteral("imagesMetadataInputsMapping")).split(QLatin1Char('\n'), Qt::SkipEmptyParts),
                                   &problems);
    problems += workflowSpec().validate();
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
    return m_submit->isEnabled();
}

QString NewJobDialog::fieldMessage(const QString &field) const
{
    const Field f = m_fields.value(field);
    return f.message && !f.message->isHidden() ? f.message->text() : QString();
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
    for (const char *batchOnly : { "batchId", "partName", "machineSize", "inferenceBackend", "jobId" })
        show(QLatin1String(batchOnly), !assets);
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
    m_previewCli->setPlainText(command);
    m_submit->setEnabled(found.isEmpty() && !m_submitting);
}

void NewJobDialog::markProblems(const jobs::FieldProblems &problems)
{
    const QString red = StageTimeline::failureColour(palette()).name();
    for (auto it = m_fields.cbegin(); it != m_fields.cend(); ++it) {
        const QString message = problemText(problems, it.key());
        const bool bad = !message.isEmpty();
        it->message->setText(message);
        it->message->setStyleSheet(QStringLiteral("color: %1;").arg(red));
        it->message->setVisible(bad);
        // A red frame on the editor itself (selector by name, so child widgets keep their style).
        it->editor->setStyleSheet(bad ? QStringLiteral("#%1 { border: 2px solid %2; border-radius: 3px; }").arg(it.key(), red)
                                      : QString());
    }
    // Problems without a field of their own (e.g. no workspace yet) go under the preview.
    QStringList general;
    for (const jobs::FieldProblem &p : problems)
        if (!m_fields.contains(p.field))
            general << p.field + QStringLiteral(": ") + p.message;
    m_generalProblems->setText(general.join(QLatin1Char('\n')));
    m_generalProblems->setStyleSheet(QStringLiteral("color: %1;").arg(red));
    m_generalProblems->setVisible(!general.isEmpty());
}

}  // namespace bd::ui
