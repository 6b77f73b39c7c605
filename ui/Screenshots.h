#pragma once
// `batchdeck --screenshot-dir DIR`: the automation screens with demo content (Activity panel,
// Settings, "Ingest from…" dialogs), saved as PNGs next to the tab screenshots.
#include <QString>

namespace bd::ui {

class MainWindow;

void saveAutomationScreenshots(MainWindow *window, const QString &dir);

}  // namespace bd::ui
