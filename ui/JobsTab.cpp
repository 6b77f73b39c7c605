#include "JobsTab.h"

#include "AppSession.h"
#include "ListModels.h"

#include <QHBoxLayout>
#include <QLineEdit>
#include <QPushButton>
#include <QSortFilterProxyModel>

namespace bd::ui {

JobsTab::JobsTab(AppSession *session, QWidget *parent)
    : TabBase(parent), m_session(session), m_model(new JobsModel(this))
{
    m_refresh = new QPushButton(QIcon::fromTheme(QStringLiteral("view-refresh")), tr("Refresh"), this);
    m_filter = new QLineEdit(this);
    m_filter->setPlaceholderText(tr("Filter jobs"));
    m_filter->setClearButtonEnabled(true);
    m_toolbar->addWidget(m_refresh);
    m_toolbar->addStretch();
    m_toolbar->addWidget(m_filter);
    setSourceModel(m_model, JobsModel::Created, Qt::DescendingOrder);
    connect(m_refresh, &QPushButton::clicked, this, &JobsTab::refresh);
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);
    connect(m_model, &JobsModel::refreshed, this, [this](const Error &error) {
        int running = 0;
        for (const JobRow &r : m_model->rows())
            running += r.job.isTerminal ? 0 : 1;
        showRefreshResult(error, tr("%n job(s)", nullptr, m_model->rowCount()) + tr(", %1 running").arg(running));
        if (error)
            m_session->reportError(error);
        else
            m_session->reportSuccess();
    });
}

void JobsTab::refresh()
{
    m_model->refresh(m_session->api());
}

}  // namespace bd::ui
