#pragma once
// The application's looks: Fusion with a dark palette, the same on every desktop (`batchdeck
// --palette dark`, the UI tests' dark screenshots with BATCHDECK_TEST_DARK) and Fusion's own
// light palette (the light screenshots); and status-toned text that follows a palette change.
#include "StatusTone.h"

class QWidget;
class QString;

namespace bd::ui {

void applyDarkPalette();
// Fusion with its standard (light) palette: what the dark look is compared with.
void applyLightPalette();

// Draws `widget`'s text in `tone` (Neutral: the palette's text colour) and keeps it right when
// the palette changes at runtime (the desktop's high-contrast or dark setting): the colour is
// recomputed from the new application palette, never left as the old palette's hex value.
void setStatusTone(QWidget *widget, StatusTone tone);

// Test and screenshot helper: when BATCHDECK_TEST_SHOTS names a folder, saves `widget` there as
// <name>-light.png or <name>-dark.png (BATCHDECK_TEST_DARK set). Nothing to assert on; for people.
void saveTestShot(QWidget *widget, const QString &name);

}  // namespace bd::ui
