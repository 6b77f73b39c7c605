#pragma once
// Jobs: every Batch Processing job of the workspace with its state and current stage.
#include "TabBase.h"

class QLineEdit;
class QPushButton;

namespace bd::ui {

class AppSession;
class JobsModel;

class JobsTab : public TabBase
{
    Q_OBJECT
public:
    JobsTab(AppSession *session, QWidget *parent = nullptr);
    JobsModel *model() const { return m_model; }
    void refresh();

private:
    AppSession *m_session;
    JobsModel *m_model;
    QPushButton *m_refresh = nullptr;
    QLineEdit *m_filter = nullptr;
};

}  // namespace bd::ui
