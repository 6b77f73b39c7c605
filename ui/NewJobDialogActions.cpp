// NewJobDialog, second half: what talks to the service (input batches, the indexing check,
// submitting) and the presets on disk.
#include "NewJobDialog.h"
#include "Palette.h"

#include "AppSession.h"
#include "AssetLibraryInput.h"
#include "StageTimeline.h"
#include "session/Services.h"
#include "staging/BatchReadiness.h"
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
    m_session->batches()->fetchBatches(this, [this](const Error &error, const QVector<api::Batch> &batches) {
        if (error)
            return;   // the combo stays editable: a batch id can still be typed
        const QString current = m_batch->currentText();
        m_allBatches.clear();
        for (const api::Batch &b : batches)
            m_allBatches.append({ b.batchId, b.batchContentType,
                                  tr("%1 · %2 · %3").arg(b.displayName, b.batchContentType, b.batchType) });
        // Opened from a video batch: start as a video job (which shows the video batches).
        for (const BatchChoice &b : std::as_const(m_allBatches))
            if (!m_initialBatch.isEmpty() && current == m_initialBatch && b.batchId == current &&
                b.contentType == QLatin1String("videos") && kind() == Kind::Images)
                setKind(Kind::Videos);
        showBatchesForKind();
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
        setStatusTone(m_batchNotice, warning ? StatusTone::Bad : StatusTone::Neutral);
        m_batchNotice->setVisible(!text.isEmpty());
        Q_EMIT batchChecked();
    };
    // One look by the core's answer to "is this batch ready?" (D6 shards, then the D3 count).
    auto *look = m_session->batches()->checkReadiness(batchId, text(QStringLiteral("partName")), this);
    connect(look, &Operation::finished, this, [this, look, batchId, generation, show] {
        if (generation != m_batchCheckGeneration)
            return;
        using Verdict = staging::BatchReadiness::Verdict;
        if (look->error())
            return show({}, false);
        switch (look->verdict()) {
        case Verdict::Gone:
            return show(tr("Batch “%1” does not exist.").arg(batchId), true);
        case Verdict::Indexing:
            return show(tr("Batch “%1” is still indexing (%n shard(s) in progress): a job started now sees only the "
                           "files indexed so far.", nullptr, qMax(1, look->shardsInProgress())).arg(batchId), true);
        case Verdict::Empty:
            return show(tr("Batch “%1” has no indexed files yet; it may still be indexing.").arg(batchId), true);
        case Verdict::Ready:
            return show(tr("%n file(s) ready in “%1”.", nullptr, int(look->count())).arg(batchId), false);
        default:
            return show(look->describe(), true);
        }
    });
}

jobs::AssetLibraryJobSpec NewJobDialog::assetLibrarySpec() const
{
    // The settings shared with an image job come from the same fields.
    jobs::AssetLibraryJobSpec s;
    m_assets->applyTo(s);
    s.setFieldValues(formValues(jobs::JobKind::AssetLibrary, nullptr));
    return s;
}

void NewJobDialog::submitAssetLibraryJob()
{
    const jobs::AssetLibraryJobSpec spec = assetLibrarySpec();
    auto *launcher = m_session->jobs()->assetLibraryLauncher(this);
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
    if (m_submitting)
        return;
    if (!problems().isEmpty()) {
        revealProblems();
        return;
    }
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
    m_session->jobs()->createJob(jobId, name, wireJson(), this, [this, jobId, name](const Error &error, const QJsonObject &) {
        m_submitting = false;
        if (error) {
            m_submitError->setText(tr("The job was not created: %1").arg(error.fullText()));
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
