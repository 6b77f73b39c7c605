#pragma once
// Staging: the workspace's staging batches (id, name, type, content, created, expiry).
#include "TabBase.h"

class QLineEdit;
class QPushButton;

namespace bd::ui {

class AppSession;
class BatchesModel;

class StagingTab : public TabBase
{
    Q_OBJECT
public:
    StagingTab(AppSession *session, QWidget *parent = nullptr);
    BatchesModel *model() const { return m_model; }
    void refresh();

private:
    AppSession *m_session;
    BatchesModel *m_model;
    QPushButton *m_refresh = nullptr;
    QLineEdit *m_filter = nullptr;
};

}  // namespace bd::ui
