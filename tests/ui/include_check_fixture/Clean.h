// Fixture of the ui_includes_self_check test: value types are allowed.
#include "api/ApiModels.h"
