#pragma once
// `batchdeck --print-startup-time` (bench_gui's cold start): after the first paint of `window`,
// prints "first-paint-ms N" (N: ms since `sinceMain` started, at the top of main()) and quits.
#include <QElapsedTimer>

class QWidget;

namespace bd::ui {

void quitAfterFirstPaint(QWidget *window, QElapsedTimer sinceMain);

}  // namespace bd::ui
