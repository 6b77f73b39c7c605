#pragma once
// The GUI's session: the core session (app/session/Session.h) under the name the widgets and
// dialogs forward-declare. It adds nothing; everything it owns lives in the core.
#include "session/Session.h"

namespace bd::ui {

class AppSession : public session::Session
{
    Q_OBJECT
public:
    using session::Session::Session;
};

}  // namespace bd::ui
