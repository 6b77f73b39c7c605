#pragma once
// `batchdeck --screenshot-dir DIR`: every screen with demo content — the three tabs, the job view
// (finished and running job), Transfers, the job's combined results (downloaded for real into a
// temporary folder), the Activity panel and every dialog (connection, settings, new job, download,
// local / references / cloud / RoboQL ingest) — at 800×560 and 1400×900, in the light and the dark
// look: DIR/<screen>-<W>x<H>-<light|dark>.png. For the documentation and for looking at.
#include <QString>

namespace bd::ui {

class MainWindow;

void saveAutomationScreenshots(MainWindow *window, const QString &dir);

}  // namespace bd::ui
