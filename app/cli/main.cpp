// batchdeck-cli: Roboflow Batch Processing from the shell (no GUI libraries linked).
#include "batchdeck/Version.h"
#include "cli/CliApp.h"

#include <QCoreApplication>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("batchdeck-cli"));
    QCoreApplication::setOrganizationName(QStringLiteral("batchdeck"));
    QCoreApplication::setApplicationVersion(QStringLiteral(BATCHDECK_VERSION));
    return bd::cli::runCli(QCoreApplication::arguments());
}
