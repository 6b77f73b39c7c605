#include "IngestTargetForm.h"

#include "AppSession.h"
#include "staging/BatchNaming.h"
#include "staging/ReferencesIngestOperation.h"

#include <QCheckBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>

namespace bd::ui {

IngestTargetForm::IngestTargetForm(AppSession *session, bool categories, QWidget *parent)
    : QWidget(parent), m_session(session)
{
    m_batchId = new QLineEdit(this);
    m_batchId->setPlaceholderText(tr("lowercase letters, digits, - and _"));
    m_displayName = new QLineEdit(this);
    m_displayName->setPlaceholderText(tr("Same as the batch id"));   // as in the ingest dialog
    auto *form = new QFormLayout(this);
    form->setContentsMargins(0, 0, 0, 0);
    form->addRow(tr("&Batch id:"), m_batchId);
    form->addRow(tr("Display &name:"), m_displayName);
    const QUrl hookUrl = session->notificationsUrl();
    m_hooks = new QLabel(this);
    m_hooks->setWordWrap(true);
    m_hooks->setForegroundRole(QPalette::PlaceholderText);
    if (categories) {
        m_ingestStatus = new QCheckBox(QStringLiteral("ingest-status"), this);
        m_filesStatus = new QCheckBox(QStringLiteral("files-status"), this);
        m_ingestStatus->setChecked(true);
        auto *row = new QHBoxLayout;
        row->addWidget(m_ingestStatus);
        row->addWidget(m_filesStatus);
        row->addWidget(m_hooks, 1);
        form->addRow(tr("Notifications:"), row);
        m_ingestStatus->setEnabled(!hookUrl.isEmpty());
        m_filesStatus->setEnabled(!hookUrl.isEmpty());
    }
    m_hooks->setText(hookUrl.isEmpty() ? tr("The webhook receiver is off (Settings…): progress is followed by polling.")
                                       : tr("Notifications go to %1.").arg(hookUrl.toString()));
    if (!categories)
        form->addRow(tr("Notifications:"), m_hooks);
    connect(m_batchId, &QLineEdit::textChanged, this, &IngestTargetForm::changed);
}

QString IngestTargetForm::batchId() const { return m_batchId->text().trimmed(); }

QString IngestTargetForm::problem() const
{
    if (batchId().isEmpty())
        return tr("Enter a batch id.");
    if (!staging::BatchNaming::isValidBatchId(batchId()))
        return tr("“%1” is not a valid batch id (lowercase letters, digits, - and _).").arg(batchId());
    return {};
}

void IngestTargetForm::fill(staging::ReferencesIngestOptions *options) const
{
    options->batchId = batchId();
    options->displayName = m_displayName->text().trimmed();
    options->notificationsUrl = m_session->notificationsUrl().toString();
    options->notificationCategories.clear();
    if (options->notificationsUrl.isEmpty())
        return;
    if (m_ingestStatus && m_ingestStatus->isChecked())
        options->notificationCategories << QStringLiteral("ingest-status");
    if (m_filesStatus && m_filesStatus->isChecked())
        options->notificationCategories << QStringLiteral("files-status");
}

QDialogButtonBox *IngestTargetForm::ingestButtons(QDialog *dialog, QPushButton **ingest, const std::function<void()> &onIngest)
{
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, dialog);
    *ingest = buttons->addButton(tr("&Ingest"), QDialogButtonBox::AcceptRole);
    connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
    connect(*ingest, &QPushButton::clicked, dialog, [dialog, onIngest] {
        onIngest();
        dialog->accept();
    });
    return buttons;
}

}  // namespace bd::ui
