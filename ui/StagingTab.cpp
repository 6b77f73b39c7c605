#include "StagingTab.h"

#include "AppSession.h"
#include "ListModels.h"

#include <QHBoxLayout>
#include <QLineEdit>
#include <QPushButton>
#include <QSortFilterProxyModel>

namespace bd::ui {

StagingTab::StagingTab(AppSession *session, QWidget *parent)
    : TabBase(parent), m_session(session), m_model(new BatchesModel(this))
{
    m_refresh = new QPushButton(QIcon::fromTheme(QStringLiteral("view-refresh")), tr("Refresh"), this);
    m_filter = new QLineEdit(this);
    m_filter->setPlaceholderText(tr("Filter batches"));
    m_filter->setClearButtonEnabled(true);
    m_toolbar->addWidget(m_refresh);
    m_toolbar->addStretch();
    m_toolbar->addWidget(m_filter);
    setSourceModel(m_model, BatchesModel::Created, Qt::DescendingOrder);
    connect(m_refresh, &QPushButton::clicked, this, &StagingTab::refresh);
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);
    connect(m_model, &BatchesModel::refreshed, this, [this](const Error &error) {
        showRefreshResult(error, tr("%n batch(es)", nullptr, m_model->rowCount()));
        if (error)
            m_session->reportError(error);
        else
            m_session->reportSuccess();
    });
}

void StagingTab::refresh()
{
    m_model->refresh(m_session->api());
}

}  // namespace bd::ui
