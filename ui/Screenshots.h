#pragma once
// `batchdeck --screenshot-dir DIR`: every tab, the job view and the job's combined results at
// 800×560 and 1400×900 (the demo job's results are downloaded for real into a temporary folder),
// then the automation screens with demo content (Activity panel, Settings, "Ingest from…"
// dialogs), saved as PNGs next to the tab screenshots.
#include <QString>

namespace bd::ui {

class MainWindow;

void saveMainScreenshots(MainWindow *window, const QString &dir);
// Calls saveMainScreenshots first.
void saveAutomationScreenshots(MainWindow *window, const QString &dir);

}  // namespace bd::ui
