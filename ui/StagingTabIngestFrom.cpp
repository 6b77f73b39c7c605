// The Staging tab's "Ingest from…" menu: references file, cloud storage, RoboQL query. The
// dialogs collect ReferencesIngestOptions; the ingest then runs in the lower pane next to the
// local ones (RemoteIngestView), and the batch is listed and selected when it ends.
#include "StagingTab.h"

#include "AppSession.h"
#include "BatchCountProxy.h"
#include "BatchDetailPane.h"
#include "CloudIngestDialog.h"
#include "ReferencesIngestDialog.h"
#include "RemoteIngestView.h"
#include "RoboqlIngestDialog.h"

#include <QMenu>
#include <QTabWidget>
#include <QPushButton>

namespace bd::ui {

void StagingTab::buildIngestFromMenu()
{
    // A push button with a menu: the style sizes it for the arrow (a tool button with text beside
    // its icon drew the arrow over "Ingest from…").
    m_ingestFrom = new QPushButton(QIcon::fromTheme(QStringLiteral("folder-cloud"), QIcon::fromTheme(QStringLiteral("network-server"))),
                                   tr("&Ingest from"), this);
    m_ingestFrom->setToolTip(tr("Build a batch from files the service fetches itself"));
    m_ingestFrom->setAccessibleDescription(m_ingestFrom->toolTip());
    auto *menu = new QMenu(tr("&Ingest from"), m_ingestFrom);
    m_ingestFromMenu = menu;
    menu->addAction(tr("&References file…"), this, [this] { openReferencesDialog(); });
    menu->addAction(tr("&Cloud storage…"), this, [this] { openCloudDialog(); });
    menu->addAction(tr("Robo&QL query…"), this, [this] { openRoboqlDialog(); });
    m_ingestFrom->setMenu(menu);
}

template <class Dialog>
static Dialog *openIngestFromDialog(StagingTab *tab, AppSession *session)
{
    auto *dialog = new Dialog(session, tab->window());
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    QObject::connect(dialog, &Dialog::ingestRequested, tab,
                     [tab](const staging::ReferencesIngestOptions &options) { tab->startReferencesIngest(options); });
    dialog->open();
    return dialog;
}

ReferencesIngestDialog *StagingTab::openReferencesDialog()
{
    return openIngestFromDialog<ReferencesIngestDialog>(this, m_session);
}

CloudIngestDialog *StagingTab::openCloudDialog()
{
    return openIngestFromDialog<CloudIngestDialog>(this, m_session);
}

RoboqlIngestDialog *StagingTab::openRoboqlDialog()
{
    return openIngestFromDialog<RoboqlIngestDialog>(this, m_session);
}

RemoteIngestView *StagingTab::startReferencesIngest(const staging::ReferencesIngestOptions &options)
{
    auto *operation = new staging::ReferencesIngestOperation(m_session->api(), options);
    auto *view = new RemoteIngestView(operation, m_lower);
    const int index = m_lower->addTab(view, QIcon::fromTheme(QStringLiteral("go-up")), options.batchId);
    m_lower->setTabToolTip(index, !options.roboqlQuery.isEmpty() ? options.roboqlQuery : tr("references"));
    m_lower->setCurrentWidget(view);
    // Once the references are sent the batch exists: list it and show it "indexing".
    connect(operation, &staging::ReferencesIngestOperation::phaseChanged, this, [this, options](auto phase) {
        if (phase == staging::ReferencesIngestOperation::Phase::Indexing) {
            m_counts->forget(options.batchId);
            refresh();
        }
    });
    connect(view, &RemoteIngestView::ingestFinished, this, [this, view](const QString &batchId, bool ready) {
        const int i = m_lower->indexOf(view);
        if (i >= 0)
            m_lower->setTabIcon(i, QIcon::fromTheme(ready ? QStringLiteral("emblem-default") : QStringLiteral("dialog-warning")));
        m_counts->forget(batchId);
        m_selectedId = batchId;
        refresh();
        selectBatch(batchId);
        m_detail->showBatch(batchId);
    });
    return view;
}

QList<RemoteIngestView *> StagingTab::remoteIngests() const
{
    QList<RemoteIngestView *> views;
    for (int i = 0; i < m_lower->count(); ++i)
        if (auto *v = qobject_cast<RemoteIngestView *>(m_lower->widget(i)))
            views << v;
    return views;
}

}  // namespace bd::ui
