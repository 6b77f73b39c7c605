#pragma once
// Work that must not delay the window's first appearance: `then` runs once the window has
// painted for the first time (or after `fallbackMs`, should it never be exposed, e.g. started
// minimised). main() starts the connection (sandbox, database, keychain) this way, and
// `batchdeck --print-startup-time` (bench_gui's cold start) prints the time of that paint.
#include <QElapsedTimer>

#include <functional>

class QWidget;

namespace bd::ui {

void afterFirstPaint(QWidget *window, std::function<void()> then, int fallbackMs = 500);

// Prints "first-paint-ms N" (N: ms since `sinceMain` started, at the top of main()) after the
// window's first paint, then quits.
void quitAfterFirstPaint(QWidget *window, QElapsedTimer sinceMain);

}  // namespace bd::ui
