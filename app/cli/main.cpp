// batchdeck-cli: Roboflow Batch Processing from the shell (no GUI libraries linked).
#include "batchdeck/Version.h"
#include "cli/CliApp.h"
#include "core/HeapPolicy.h"
#include "core/Timeline.h"

#include <QCoreApplication>

int main(int argc, char *argv[])
{
    bd::timeline::mark(QStringLiteral("main"));
    bd::fixHeapThresholds();   // flat memory at any folder size (core/HeapPolicy.h)
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("batchdeck-cli"));
    QCoreApplication::setOrganizationName(QStringLiteral("batchdeck"));
    QCoreApplication::setApplicationVersion(QStringLiteral(BATCHDECK_VERSION));
    const int code = bd::cli::runCli(QCoreApplication::arguments());
    bd::timeline::mark(QStringLiteral("exit"));
    return code;
}
