#pragma once
// Exports: the output batches produced by jobs' stages, ready to download.
#include "TabBase.h"

#include "api/ApiModels.h"

class QPushButton;

namespace bd::ui {

class AppSession;
class OutputBatchesModel;

class ExportsTab : public TabBase
{
    Q_OBJECT
public:
    ExportsTab(AppSession *session, QWidget *parent = nullptr);
    OutputBatchesModel *model() const { return m_model; }
    // Rebuild the list from these jobs (the Jobs tab's latest list).
    void refresh(const QVector<api::Job> &jobs);

Q_SIGNALS:
    void refreshRequested();

private:
    AppSession *m_session;
    OutputBatchesModel *m_model;
    QPushButton *m_refresh = nullptr;
};

}  // namespace bd::ui
