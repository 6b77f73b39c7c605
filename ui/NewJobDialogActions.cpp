// NewJobDialog, second half: what talks to the service (input batches, the indexing check,
// submitting) and the presets on disk.
#include "NewJobDialog.h"

#include "AppSession.h"
#include "AssetLibraryInput.h"
#include "StageTimeline.h"
#include "api/ApiClient.h"
#include "jobs/AssetLibraryLauncher.h"
#include "jobs/JobSpecPresets.h"

#include <QComboBox>
#include <QInputDialog>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QTimer>

namespace bd::ui {

void NewJobDialog::loadBatches()
{
    auto *call = m_session->api()->listBatches(100);
    call->setMaxPages(0);
    connect(call, &api::ApiCall::finished, this, [this, call] {
        if (call->error())
            return;   // the combo stays editable: a batch id can still be typed
        const QString current = m_batch->currentText();
        QSignalBlocker block(m_batch);
        m_batch->clear();
        for (const api::Batch &b : call->result()) {
            if (b.batchContentType == QLatin1String("metadata"))
                continue;
            m_batch->addItem(b.batchId, b.batchContentType);
            m_batch->setItemData(m_batch->count() - 1,
                                 tr("%1 · %2 · %3").arg(b.displayName, b.batchContentType, b.batchType), Qt::ToolTipRole);
        }
        m_batch->setEditText(current);
        // Opened from a video batch: start as a video job.
        if (!m_initialBatch.isEmpty() && current == m_initialBatch && kind() == Kind::Images) {
            const int i = m_batch->findText(current);
            if (i >= 0 && m_batch->itemData(i).toString() == QLatin1String("videos"))
                setKind(Kind::Videos);
        }
    });
}

void NewJobDialog::scheduleBatchCheck()
{
    ++m_batchCheckGeneration;   // answers for an older batch id are dropped
    m_batchNotice->hide();
    m_batchTimer->start();
}

void NewJobDialog::checkBatch()
{
    const QString batchId = m_batch->currentText().trimmed();
    if (batchId.isEmpty() || !jobs::isValidBatchId(batchId))
        return;
    const int generation = ++m_batchCheckGeneration;
    const auto show = [this](const QString &text, bool warning) {
        m_batchNotice->setText(text);
        m_batchNotice->setStyleSheet(warning ? QStringLiteral("color: %1;").arg(StageTimeline::failureColour(palette()).name())
                                             : QString());
        m_batchNotice->setVisible(!text.isEmpty());
        Q_EMIT batchChecked();
    };
    // D6: shards still "info" are being indexed; then D3: a count of 0 means nothing is indexed yet.
    auto *shards = m_session->api()->listShards(batchId);
    connect(shards, &api::ApiCall::finished, this, [this, shards, batchId, generation, show] {
        if (generation != m_batchCheckGeneration)
            return;
        if (shards->error().kind == ErrorKind::NotFound) {
            show(tr("Batch “%1” does not exist.").arg(batchId), true);
            return;
        }
        int indexing = 0;
        for (const api::Shard &s : shards->result())
            indexing += s.isInProgress() ? 1 : 0;
        if (indexing > 0) {
            show(tr("Batch “%1” is still indexing (%n shard(s) in progress): a job started now sees only the files "
                    "indexed so far.", nullptr, indexing).arg(batchId), true);
            return;
        }
        auto *count = m_session->api()->batchCount(batchId, text(QStringLiteral("partName")));
        connect(count, &api::ApiCall::finished, this, [this, count, batchId, generation, show] {
            if (generation != m_batchCheckGeneration)
                return;
            if (!count->error() && count->result() == 0)
                show(tr("Batch “%1” has no indexed files yet; it may still be indexing.").arg(batchId), true);
            else if (!count->error())
                show(tr("%n file(s) ready in “%1”.", nullptr, int(count->result())).arg(batchId), false);
            else
                show({}, false);
        });
    });
}

jobs::AssetLibraryJobSpec NewJobDialog::assetLibrarySpec() const
{
    // The settings shared with an image job come from the same fields.
    const jobs::WorkflowJobSpec w = workflowSpec();
    jobs::AssetLibraryJobSpec s;
    m_assets->applyTo(s);
    s.workflowId = w.workflowId;
    s.machineType = w.machineType;
    s.workersPerMachine = w.workersPerMachine;
    s.processingTimeoutSeconds = w.processingTimeoutSeconds;
    s.maxParallelTasks = w.maxParallelTasks;
    s.maxImageFailureRate = w.maxImageFailureRate;
    s.workflowParameters = w.workflowParameters;
    s.imageInputName = w.imageInputName;
    s.persistImagesOutputs = w.persistImagesOutputs;
    s.imagesOutputsToBePersisted = w.imagesOutputsToBePersisted;
    s.aggregationFormat = w.aggregationFormat;
    s.notificationsURL = w.notificationsURL;
    s.jobName = w.jobName;
    return s;
}

void NewJobDialog::submitAssetLibraryJob()
{
    const jobs::AssetLibraryJobSpec spec = assetLibrarySpec();
    auto *launcher = new jobs::AssetLibraryLauncher(m_session->api(), this);
    connect(launcher, &jobs::AssetLibraryLauncher::finished, this, [this, launcher, spec] {
        launcher->deleteLater();
        m_submitting = false;
        if (launcher->error()) {
            m_submitError->setText(tr("The job was not created: %1").arg(launcher->error().fullText()));
            m_submitError->show();
            updateState();
            return;
        }
        Q_EMIT jobCreated(launcher->jobId(), spec.jobName.isEmpty() ? launcher->jobId() : spec.jobName);
        accept();
    });
    launcher->start(spec);
}

void NewJobDialog::submit()
{
    if (!problems().isEmpty() || m_submitting)
        return;
    if (kind() == Kind::AssetLibrary) {
        m_submitting = true;
        m_submit->setEnabled(false);
        m_submitError->hide();
        submitAssetLibraryJob();
        return;
    }
    m_submitting = true;
    m_submit->setEnabled(false);
    m_submitError->hide();
    const bool trt = kind() == Kind::Trt;
    const QString jobId = trt ? trtSpec().jobId : workflowSpec().jobId;
    const QString name = trt ? trtSpec().jobName : workflowSpec().jobName;
    auto *call = m_session->api()->createJob(jobId, name, wireJson());
    connect(call, &api::ApiCall::finished, this, [this, call, jobId, name] {
        m_submitting = false;
        if (call->error()) {
            m_submitError->setText(tr("The job was not created: %1").arg(call->error().fullText()));
            m_submitError->show();
            updateState();
            return;
        }
        Q_EMIT jobCreated(jobId, name);
        accept();
    });
}

// ---- presets ----

void NewJobDialog::refreshPresets()
{
    const QString current = m_presets->currentText();
    m_presets->clear();
    m_presets->addItems(jobs::JobSpecPresets().names());
    m_presets->setCurrentIndex(qMax(0, m_presets->findText(current)));
}

void NewJobDialog::savePreset()
{
    bool ok = false;
    const QString name = QInputDialog::getText(this, tr("Save preset"), tr("Preset name:"), QLineEdit::Normal,
                                               m_presets->currentText(), &ok).trimmed();
    if (!ok || name.isEmpty())
        return;
    if (!jobs::JobSpecPresets::isValidName(name)) {
        QMessageBox::warning(this, tr("Save preset"), tr("“%1” cannot be a preset name (no '/', '\\' or leading '.').").arg(name));
        return;
    }
    jobs::JobPreset preset;
    preset.name = name;
    preset.isTrt = kind() == Kind::Trt;
    preset.workflow = workflowSpec();
    preset.trt = trtSpec();
    const Error error = jobs::JobSpecPresets().save(preset);
    if (error) {
        QMessageBox::warning(this, tr("Save preset"), error.message);
        return;
    }
    refreshPresets();
    m_presets->setCurrentIndex(m_presets->findText(name));
}

void NewJobDialog::loadPreset()
{
    const QString name = m_presets->currentText();
    if (name.isEmpty())
        return;
    Error error;
    const auto preset = jobs::JobSpecPresets().load(name, &error);
    if (!preset) {
        QMessageBox::warning(this, tr("Load preset"), error.message);
        return;
    }
    // Each run needs its own id: keep the one in the form.
    if (preset->isTrt)
        setTrtSpec(preset->trt);
    else
        setWorkflowSpec(preset->workflow);
}

void NewJobDialog::deletePreset()
{
    const QString name = m_presets->currentText();
    if (name.isEmpty()
        || QMessageBox::question(this, tr("Delete preset"), tr("Delete the preset “%1”?").arg(name)) != QMessageBox::Yes)
        return;
    if (const Error error = jobs::JobSpecPresets().remove(name))
        QMessageBox::warning(this, tr("Delete preset"), error.message);
    refreshPresets();
}

}  // namespace bd::ui
