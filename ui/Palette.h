#pragma once
// The application's dark look: Fusion with a dark palette, the same on every desktop. Used by
// `batchdeck --palette dark` and by the UI tests' dark screenshots (BATCHDECK_TEST_DARK).

class QWidget;
class QString;

namespace bd::ui {

void applyDarkPalette();

// Test and screenshot helper: when BATCHDECK_TEST_SHOTS names a folder, saves `widget` there as
// <name>-light.png or <name>-dark.png (BATCHDECK_TEST_DARK set). Nothing to assert on; for people.
void saveTestShot(QWidget *widget, const QString &name);

}  // namespace bd::ui
