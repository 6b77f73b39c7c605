#pragma once
// The webhook settings moved to the core session (app/session/WebhookSettings.h).
#include "session/WebhookSettings.h"

namespace bd::ui {
using WebhookSettings = session::WebhookSettings;
}  // namespace bd::ui
