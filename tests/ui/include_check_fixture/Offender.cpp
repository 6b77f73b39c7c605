// Fixture of the ui_includes_self_check test: a widget that talks to the API itself.
#include "api/ApiClient.h"
