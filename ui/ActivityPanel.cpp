#include "ActivityPanel.h"

#include "ActivityModel.h"
#include "AppSession.h"
#include "ColumnWidths.h"
#include "Palette.h"

#include <QClipboard>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

namespace bd::ui {

ActivityPanel::ActivityPanel(AppSession *session, QWidget *parent)
    : QWidget(parent), m_session(session), m_model(new ActivityModel(this))
{
    m_status = new QLabel(this);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_copy = new QPushButton(QIcon::fromTheme(QStringLiteral("edit-copy")), tr("Copy URL"), this);
    m_copy->setToolTip(tr("Copy the URL to give as notificationsURL"));
    m_settings = new QPushButton(QIcon::fromTheme(QStringLiteral("configure")), tr("Settings…"), this);
    m_settings->setAccessibleDescription(tr("Webhook receiver settings: address, port, public URL, publishable key"));
    auto *top = new QHBoxLayout;
    top->addWidget(m_status, 1);
    top->addWidget(m_copy);
    top->addWidget(m_settings);

    auto *proxy = new QSortFilterProxyModel(this);
    proxy->setSourceModel(m_model);
    proxy->setSortRole(SortRole);
    m_table = new QTableView(this);
    m_table->setAccessibleName(tr("Notifications received"));
    m_table->setAccessibleDescription(tr("Webhook notifications from Roboflow; Enter opens their batch or job"));
    m_table->setModel(proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(ActivityModel::Received, Qt::DescendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    setColumnChars(m_table, { { ActivityModel::Received, 15 }, { ActivityModel::Kind, 15 }, { ActivityModel::Subject, 40 },
                              { ActivityModel::Outcome, 18 } });

    // The dock must fit under the tabs of an 800x560 window: room for the header and one row at
    // least (a table's own minimum, ~70 px of scroll area, made the window 574 px tall).
    m_table->setMinimumHeight(m_table->horizontalHeader()->sizeHint().height() + m_table->fontMetrics().height() + 10);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 4, 6, 4);
    layout->addLayout(top);
    layout->addWidget(m_table, 1);

    connect(m_settings, &QPushButton::clicked, this, &ActivityPanel::settingsRequested);
    connect(m_copy, &QPushButton::clicked, this, [this] {
        QGuiApplication::clipboard()->setText(m_session->notificationsUrl().toString());
    });
    connect(session, &AppSession::webhookReceiverChanged, this, &ActivityPanel::updateStatus);
    connect(session, &AppSession::webhookReceived, m_model, &ActivityModel::queueEvent);   // bursts coalesced
    connect(m_table, &QTableView::activated, this, [this, proxy](const QModelIndex &index) {
        const notify::WebhookEvent *e = m_model->rowAt(proxy->mapToSource(index).row());
        if (!e)
            return;
        if (!e->jobId.isEmpty())
            Q_EMIT jobActivated(e->jobId);
        else if (!e->batchId.isEmpty())
            Q_EMIT batchActivated(e->batchId);
    });
    reloadHistory();
    updateStatus();
}

QString ActivityPanel::statusText() const { return m_status->text(); }

void ActivityPanel::reloadHistory() { m_model->loadHistory(); }

void ActivityPanel::updateStatus()
{
    const bool on = m_session->isReceivingWebhooks();
    QString text = m_session->webhookStatusText();
    if (on && m_session->notificationsUrl() != QUrl(text.section(QLatin1Char(' '), -1)))
        text += tr(" · notificationsURL %1").arg(m_session->notificationsUrl().toString());
    if (!on)
        text += tr(" — switch it on in Settings to see ingests and jobs finish without waiting for a refresh.");
    m_status->setText(text);
    setStatusTone(m_status, on ? StatusTone::Good : StatusTone::Neutral);
    m_copy->setEnabled(on);
}

}  // namespace bd::ui
