// NewJobDialog's form: the fields grouped as the field table says (jobs::JobField, one editor
// each with its validation line), the live preview of the request and the command line, and the
// buttons. What the form holds and how it is checked stay in NewJobDialog.cpp; what talks to the
// service in NewJobDialogActions.cpp.
#include "NewJobDialog.h"
#include "Palette.h"

#include "AssetLibraryInput.h"
#include "FieldValidation.h"
#include "jobs/JobSpec.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace bd::ui {

void NewJobDialog::buildForm(QVBoxLayout *into)
{
    // One group box per section, one row per field of the table (jobs/JobFields.h).
    const QList<QPair<jobs::FormSection, QString>> sections{{jobs::FormSection::Input, tr("Input")},
                                                            {jobs::FormSection::Workflow, tr("Workflow")},
                                                            {jobs::FormSection::Compute, tr("Compute")},
                                                            {jobs::FormSection::Trt, tr("TensorRT compilation")},
                                                            {jobs::FormSection::Job, tr("Job")}};
    QHash<int, QFormLayout *> forms;
    for (const auto &[section, title] : sections) {
        QFormLayout *form = nullptr;
        QGroupBox *group = addGroup(title, &form);
        into->addWidget(group);
        forms.insert(int(section), form);
        switch (section) {
        case jobs::FormSection::Input: m_input = group; break;
        case jobs::FormSection::Workflow: m_workflow = group; break;
        case jobs::FormSection::Compute: m_compute = group; break;
        case jobs::FormSection::Trt: m_trt = group; break;
        default: break;
        }
    }
    for (const jobs::JobField &f : jobs::jobFields()) {
        if (f.section == jobs::FormSection::NotInForm)
            continue;
        QFormLayout *form = forms.value(int(f.section));
        addField(form, f, createEditor(f));
        if (f.key == QLatin1String("batchId")) {
            m_batchNotice = new QLabel(this);
            m_batchNotice->setWordWrap(true);
            m_batchNotice->hide();
            form->addRow(QString(), m_batchNotice);
        } else if (f.key == QLatin1String("imagesMetadataPart")) {
            m_assets = new AssetLibraryInput(m_session, this);
            addRow(form, tr("Asset Library images"), QStringLiteral("assetSelection"), m_assets);
            connect(m_assets, &AssetLibraryInput::changed, this, &NewJobDialog::updateState);
        }
    }
    m_generatedJobId = jobs::generateJobId();
    setText(QStringLiteral("jobId"), m_generatedJobId);
}

QWidget *NewJobDialog::createEditor(const jobs::JobField &f)
{
    QWidget *editor = nullptr;
    switch (f.type) {
    case jobs::FieldType::Choice: {
        auto *combo = new QComboBox(this);
        combo->addItem(QStringLiteral("(%1)").arg(f.placeholder), QString());   // unset: the server's default
        for (const QString &c : f.choices)
            combo->addItem(c, c);
        connect(combo, &QComboBox::currentTextChanged, this, &NewJobDialog::updateState);
        editor = combo;
        break;
    }
    case jobs::FieldType::ChoiceList: {
        editor = new QWidget(this);
        auto *row = new QHBoxLayout(editor);
        row->setContentsMargins(0, 0, 0, 0);
        for (const QString &choice : f.choices) {
            auto *box = new QCheckBox(choice, editor);
            box->setAccessibleName(choice);
            m_devices << box;
            row->addWidget(box);
            connect(box, &QCheckBox::toggled, this, &NewJobDialog::updateState);
        }
        row->addStretch();
        break;
    }
    case jobs::FieldType::Switch: {
        auto *box = new QCheckBox(f.label, this);
        connect(box, &QCheckBox::toggled, this, &NewJobDialog::updateState);
        editor = box;
        break;
    }
    case jobs::FieldType::JsonObject:
    case jobs::FieldType::Mapping: {
        auto *edit = new QPlainTextEdit(this);
        edit->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
        edit->setPlaceholderText(f.placeholder);
        edit->setTabChangesFocus(true);
        const int lines = f.type == jobs::FieldType::JsonObject ? 4 : 3;
        edit->setFixedHeight(edit->fontMetrics().height() * lines + 12);
        connect(edit, &QPlainTextEdit::textChanged, this, &NewJobDialog::updateState);
        editor = edit;
        break;
    }
    default:
        if (f.key == QLatin1String("batchId")) {
            m_batch = new QComboBox(this);
            m_batch->setEditable(true);
            m_batch->setInsertPolicy(QComboBox::NoInsert);
            m_batch->setEditText(m_initialBatch);
            connect(m_batch, &QComboBox::currentTextChanged, this, &NewJobDialog::updateState);
            editor = m_batch;
        } else {
            auto *edit = new QLineEdit(this);
            edit->setPlaceholderText(f.placeholder);
            connect(edit, &QLineEdit::textChanged, this, &NewJobDialog::updateState);
            editor = edit;
        }
        break;
    }
    editor->setToolTip(f.tooltip);
    return editor;
}

QGroupBox *NewJobDialog::addGroup(const QString &title, QFormLayout **form)
{
    auto *group = new QGroupBox(title, this);
    *form = new QFormLayout(group);
    (*form)->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    return group;
}

void NewJobDialog::addField(QFormLayout *form, const jobs::JobField &f, QWidget *editor)
{
    addRow(form, f.type == jobs::FieldType::Switch ? QString() : f.label, f.key, editor);
    m_fieldRows.insert(f.key, &f);
}

void NewJobDialog::addRow(QFormLayout *form, const QString &label, const QString &field, QWidget *editor)
{
    // The editor and, under it, its reserved message line; both live in one row widget.
    auto *row = new QWidget(this);
    auto *v = new QVBoxLayout(row);
    v->setContentsMargins(0, 0, 0, 0);
    v->setSpacing(2);
    editor->setObjectName(field);
    if (!label.isEmpty())
        editor->setAccessibleName(label);
    v->addWidget(editor);
    QLabel *message = FieldValidation::makeMessageLine(row);
    message->setObjectName(field + QStringLiteral("-message"));
    message->setAccessibleName(tr("Message for %1").arg(label.isEmpty() ? field : label));
    v->addWidget(message);
    form->addRow(label, row);
    m_validation->watch(editor);
    for (QCheckBox *box : editor->findChildren<QCheckBox *>())   // a group of boxes is left box by box
        m_validation->watch(box);
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
    m_previewCli->setLineWrapMode(QPlainTextEdit::NoWrap);   // wrapped at option boundaries instead
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
    setStatusTone(m_submitError, StatusTone::Bad);
    m_submitError->hide();
    into->addWidget(m_submitError);

    auto *row = new QHBoxLayout;
    m_presets = new QComboBox(this);
    m_presets->setMinimumContentsLength(14);
    m_presets->setAccessibleName(tr("Presets"));
    m_presets->setAccessibleDescription(tr("Saved job settings to load, save or delete"));
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

}  // namespace bd::ui
