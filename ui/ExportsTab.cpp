#include "ExportsTab.h"

#include "AppSession.h"
#include "ListModels.h"

#include <QHBoxLayout>
#include <QPushButton>

namespace bd::ui {

ExportsTab::ExportsTab(AppSession *session, QWidget *parent)
    : TabBase(parent), m_session(session), m_model(new OutputBatchesModel(this))
{
    m_refresh = new QPushButton(QIcon::fromTheme(QStringLiteral("view-refresh")), tr("Refresh"), this);
    m_toolbar->addWidget(m_refresh);
    m_toolbar->addStretch();
    setSourceModel(m_model, OutputBatchesModel::Job, Qt::AscendingOrder);
    connect(m_refresh, &QPushButton::clicked, this, &ExportsTab::refreshRequested);
    connect(m_model, &OutputBatchesModel::refreshed, this, [this](const Error &error) {
        showRefreshResult(error, tr("%n output batch(es)", nullptr, m_model->rowCount()));
        if (error)
            m_session->reportError(error);
    });
}

void ExportsTab::refresh(const QVector<api::Job> &jobs)
{
    m_model->refresh(m_session->api(), jobs);
}

}  // namespace bd::ui
