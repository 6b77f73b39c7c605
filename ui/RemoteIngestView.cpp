#include "RemoteIngestView.h"
#include "Palette.h"

#include "StatusTone.h"
#include "core/Redact.h"
#include "staging/ReferencesIngestOperation.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>

namespace bd::ui {

using staging::ReferencesIngestOperation;

RemoteIngestView::RemoteIngestView(ReferencesIngestOperation *operation, QWidget *parent)
    : QWidget(parent), m_operation(operation)
{
    operation->setParent(this);
    const auto &o = operation->options();
    const QString source = !o.roboqlQuery.isEmpty() ? tr("RoboQL “%1”").arg(o.roboqlQuery)
                           : !o.referencesUrl.isEmpty() ? tr("references at %1").arg(redactUrl(QUrl(o.referencesUrl)))
                                                        : tr("%n reference(s)", nullptr, int(o.references.size()));
    m_title = new QLabel(tr("<b>%1</b> ← %2").arg(o.batchId.toHtmlEscaped(), source.toHtmlEscaped()), this);
    m_phase = new QLabel(this);
    m_bar = new QProgressBar(this);
    m_bar->setRange(0, 0);
    m_cancel = new QPushButton(QIcon::fromTheme(QStringLiteral("process-stop")), tr("Cancel"), this);
    m_summary = new QPlainTextEdit(this);
    m_summary->setReadOnly(true);
    m_summary->hide();
    auto *row = new QHBoxLayout;
    row->addWidget(m_bar, 1);
    row->addWidget(m_cancel);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_title);
    layout->addLayout(row);
    layout->addWidget(m_phase);
    layout->addWidget(m_summary, 1);
    layout->addStretch();

    connect(m_cancel, &QPushButton::clicked, operation, &Operation::cancel);
    connect(operation, &Operation::progressChanged, this, &RemoteIngestView::update);
    connect(operation, &Operation::statusTextChanged, this, &RemoteIngestView::update);
    connect(operation, &ReferencesIngestOperation::phaseChanged, this, &RemoteIngestView::update);
    connect(operation, &Operation::finished, this, &RemoteIngestView::onFinished);
    update();
    operation->start();
}

QString RemoteIngestView::batchId() const { return m_operation->options().batchId; }
bool RemoteIngestView::isFinished() const { return m_operation->isFinished(); }
QString RemoteIngestView::phaseText() const { return m_phase->text(); }
QString RemoteIngestView::summaryText() const { return m_summary->toPlainText(); }

void RemoteIngestView::update()
{
    if (m_operation->isFinished())
        return;
    using Unit = Operation::Unit;
    const auto phase = m_operation->phase();
    const bool indexing = phase == ReferencesIngestOperation::Phase::Indexing
                          || phase == ReferencesIngestOperation::Phase::Reconciling;
    const Unit unit = indexing ? Unit::Files : Unit::Items;
    const qint64 total = m_operation->totalAmount(unit);
    const qint64 done = m_operation->processedAmount(unit);
    if (total > 0) {
        m_bar->setRange(0, 1000);
        m_bar->setValue(int(1000 * qBound<qint64>(0, done, total) / total));
        m_bar->setFormat(indexing ? tr("%1 of %2 files indexed").arg(done).arg(total)
                                  : tr("%1 of %2 references sent").arg(done).arg(total));
    } else {
        m_bar->setRange(0, 0);   // unknown total (references URL, RoboQL): busy indicator
    }
    QString text;
    switch (phase) {
    case ReferencesIngestOperation::Phase::Idle: text = tr("Starting…"); break;
    case ReferencesIngestOperation::Phase::Sending: text = tr("Sending references"); break;
    case ReferencesIngestOperation::Phase::Indexing: text = tr("The service fetches and indexes the files"); break;
    case ReferencesIngestOperation::Phase::Reconciling: text = tr("Checking which files made it"); break;
    case ReferencesIngestOperation::Phase::Done: text = tr("Done"); break;
    }
    if (!m_operation->statusText().isEmpty())
        text += QStringLiteral(" — ") + redact(m_operation->statusText());
    m_phase->setText(text);
}

void RemoteIngestView::onFinished()
{
    const auto &summary = m_operation->summary();
    const Error &error = m_operation->error();
    m_cancel->setEnabled(false);
    m_bar->setRange(0, 1);
    m_bar->setValue(1);
    if (error) {
        m_bar->setFormat(error.kind == ErrorKind::Cancelled ? tr("Cancelled") : tr("Failed"));
        m_phase->setText(redact(error.message));
        setStatusTone(m_phase, StatusTone::Bad);
    } else {
        m_bar->setFormat(summary.ready ? tr("Ready") : tr("Finished with problems"));
        m_phase->setText(summary.ready ? tr("Every file is in the batch.")
                                       : tr("%1 in the batch, %2 failed.").arg(summary.uploaded.size()).arg(summary.failed.size()));
        setStatusTone(m_phase, summary.ready ? StatusTone::Good : StatusTone::Warning);
    }
    m_summary->setPlainText(redact(summary.toText()));
    m_summary->show();
    Q_EMIT ingestFinished(batchId(), !error && summary.ready);
}

}  // namespace bd::ui
