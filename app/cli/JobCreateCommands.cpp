#include "cli/CliCommand.h"
namespace bd::cli {
QVector<CliCommand> jobCreateCommands() { return {}; }
}
