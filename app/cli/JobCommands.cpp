#include "cli/CliCommand.h"
namespace bd::cli {
QVector<CliCommand> jobCommands() { return {}; }
}
