#include "RoboqlIngestDialog.h"

#include "IngestTargetForm.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace bd::ui {

RoboqlIngestDialog::RoboqlIngestDialog(AppSession *session, QWidget *parent) : QDialog(parent)
{
    setWindowTitle(tr("Ingest from a RoboQL query"));
    auto *intro = new QLabel(tr("The service selects the workspace's assets that match the query and builds the batch "
                                "from them (images only)."),
                             this);
    intro->setWordWrap(true);
    m_query = new QPlainTextEdit(this);
    m_query->setPlaceholderText(QStringLiteral("tag:night AND NOT tag:blurry"));
    m_query->setTabChangesFocus(true);
    m_query->setFixedHeight(m_query->fontMetrics().lineSpacing() * 4 + 12);
    m_target = new IngestTargetForm(session, false, this);
    auto *buttons = IngestTargetForm::ingestButtons(this, &m_ingest, [this] { Q_EMIT ingestRequested(options()); });
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    auto *label = new QLabel(tr("&Query:"), this);
    label->setBuddy(m_query);
    layout->addWidget(label);
    layout->addWidget(m_query);
    layout->addWidget(m_target);
    layout->addStretch();
    layout->addWidget(buttons);
    setMinimumWidth(520);
    connect(m_query, &QPlainTextEdit::textChanged, this, &RoboqlIngestDialog::updateState);
    connect(m_target, &IngestTargetForm::changed, this, &RoboqlIngestDialog::updateState);
    updateState();
}

staging::ReferencesIngestOptions RoboqlIngestDialog::options() const
{
    staging::ReferencesIngestOptions o;
    m_target->fill(&o);
    o.notificationCategories.clear();   // D12 takes no categories
    o.roboqlQuery = m_query->toPlainText().simplified();
    return o;
}

void RoboqlIngestDialog::updateState()
{
    QString problem = m_target->problem();
    if (m_query->toPlainText().trimmed().isEmpty())
        problem = tr("Enter a query.");
    m_ingest->setEnabled(problem.isEmpty());
    m_ingest->setToolTip(problem);
}

}  // namespace bd::ui
