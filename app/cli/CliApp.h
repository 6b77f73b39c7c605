#pragma once
// batchdeck-cli's dispatcher: global options, the group / command words, help at every level.
// Needs a QCoreApplication (commands run network calls in local event loops).
#include <QStringList>

namespace bd::cli {

// Runs the command line (arguments[0] is the program name) and returns the exit code:
// 0 success, 1 command failure, 2 usage error.
int runCli(const QStringList &arguments);

}  // namespace bd::cli
