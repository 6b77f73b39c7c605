#pragma once
// "New job": an image, video or TensorRT-compilation job with every field of §9.4, grouped as
// Input / Workflow / Compute / Job (and TRT), each row built from the job field table
// (jobs/JobFields.h: label, tooltip, type, kinds). Values are checked with the spec's
// validate(); a message shows in the reserved line under a field once the field was left or
// Submit pressed (FieldValidation), and Submit with problems only shows them. A read-only
// preview shows the exact request body and the equivalent batchdeck-cli command (wrapped at
// its options). Presets save and load named job shapes. Submit sends B3; the server's message
// is shown on failure. The batch list offers the batches of the job's media type.
// Kind::AssetLibrary ("Images in the Asset Library") replaces the input batch with an
// AssetLibraryInput (ids, RoboQL with a live count, or the confirmed whole library) and submits
// through jobs::AssetLibraryLauncher (journalled idempotency key; the service names the job).
#include "jobs/JobSpecAssetLibrary.h"
#include "jobs/JobSpecTrt.h"
#include "jobs/JobSpecWorkflow.h"

#include <QDialog>
#include <QHash>
#include <QPointer>

class QBoxLayout;
class QCheckBox;
class QComboBox;
class QFormLayout;
class QGroupBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTimer;
class QVBoxLayout;

namespace bd::ui {

class AppSession;
class AssetLibraryInput;
class FieldValidation;

class NewJobDialog : public QDialog
{
    Q_OBJECT
public:
    enum class Kind { Images, Videos, Trt, AssetLibrary };

    // `batchId`: pre-select this input batch (when opened from a batch).
    explicit NewJobDialog(AppSession *session, const QString &batchId = {}, QWidget *parent = nullptr);

    Kind kind() const;
    void setKind(Kind kind);
    // The job as entered (numbers that do not parse are left unset and reported by problems()).
    jobs::WorkflowJobSpec workflowSpec() const;
    jobs::TrtJobSpec trtSpec() const;
    jobs::AssetLibraryJobSpec assetLibrarySpec() const;
    AssetLibraryInput *assetLibraryInput() const { return m_assets; }
    void setWorkflowSpec(const jobs::WorkflowJobSpec &spec);
    void setTrtSpec(const jobs::TrtJobSpec &spec);

    // Every problem of the current input: the spec's own validation plus unparsable text.
    jobs::FieldProblems problems() const;
    QJsonObject wireJson() const;
    QString previewJsonText() const;
    QString previewCommandLine() const;
    // No problem and not already submitting.
    bool canSubmit() const;
    // Every field's message shown (as on Submit); focus on the first wrong field.
    void revealProblems();
    // Workflow ID (Model ID for TRT), or the batch when the workflow is already filled in.
    void focusFirstField();
    // The message shown beside a field (wire name), empty when the field is fine.
    QString fieldMessage(const QString &field) const;
    // What the asynchronous input-batch check found ("" when the batch is ready or unknown).
    QString batchNotice() const;
    QString submitError() const;

    void submit();
    void submitAssetLibraryJob();

Q_SIGNALS:
    void jobCreated(const QString &jobId, const QString &name);
    void batchChecked();

private:
    struct Field {
        QWidget *editor = nullptr;
        QLabel *message = nullptr;   // reserved line (FieldValidation::makeMessageLine)
        QWidget *row = nullptr;      // editor + message, the row shown or hidden per kind
        QFormLayout *form = nullptr;
    };
    struct BatchChoice {
        QString batchId;
        QString contentType;   // images, videos, ...
        QString description;   // tooltip
    };

    void buildForm(QVBoxLayout *into);
    QGroupBox *addGroup(const QString &title, QFormLayout **form);
    QWidget *createEditor(const jobs::JobField &field);
    void addField(QFormLayout *form, const jobs::JobField &field, QWidget *editor);
    void addRow(QFormLayout *form, const QString &label, const QString &field, QWidget *editor);
    bool isTouched(const Field &field) const;
    void showBatchesForKind();
    jobs::JobKind jobKind() const;
    // The form's values of the fields of `kind` (jobs/JobFields.h); unparsable text -> problems.
    QJsonObject formValues(jobs::JobKind kind, jobs::FieldProblems *problems) const;
    void setFormValues(const QJsonObject &values, jobs::JobKind kind);
    void buildPreview(QBoxLayout *into);
    void buildButtons(QBoxLayout *into);
    void loadBatches();
    void scheduleBatchCheck();
    void checkBatch();
    void updateState();
    void updateVisibility();
    void markProblems(const jobs::FieldProblems &problems);
    void refreshPresets();
    void savePreset();
    void loadPreset();
    void deletePreset();
    QString text(const QString &field) const;
    void setText(const QString &field, const QString &value);

    AppSession *m_session;
    QString m_initialBatch;
    QHash<QString, Field> m_fields;
    QHash<QString, const jobs::JobField *> m_fieldRows;
    QList<BatchChoice> m_allBatches;   // every batch listed; the combo shows those of the kind
    FieldValidation *m_validation = nullptr;
    QComboBox *m_kind = nullptr;
    QGroupBox *m_input = nullptr, *m_workflow = nullptr, *m_compute = nullptr, *m_trt = nullptr;
    QComboBox *m_batch = nullptr;
    AssetLibraryInput *m_assets = nullptr;
    QList<QCheckBox *> m_devices;
    QLabel *m_batchNotice = nullptr;
    QPlainTextEdit *m_previewJson = nullptr;
    QPlainTextEdit *m_previewCli = nullptr;
    QLabel *m_generalProblems = nullptr;
    QLabel *m_submitError = nullptr;
    QComboBox *m_presets = nullptr;
    QPushButton *m_submit = nullptr;
    QTimer *m_batchTimer = nullptr;
    QString m_generatedJobId;   // replaced when the kind switches, unless the person edited it
    int m_batchCheckGeneration = 0;
    bool m_submitting = false;
    bool m_loading = false;     // filling widgets: one update at the end
};

}  // namespace bd::ui
