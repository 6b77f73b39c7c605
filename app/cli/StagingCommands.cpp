#include "cli/CliCommand.h"
namespace bd::cli {
QVector<CliCommand> stagingCommands() { return {}; }
}
