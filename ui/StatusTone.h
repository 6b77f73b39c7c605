#pragma once
// Status colours that read well on the current palette: darker tones on light backgrounds,
// lighter ones on dark backgrounds (the fusion dark palette included).
#include <QColor>
#include <QPalette>

namespace bd::ui {

enum class StatusTone { Neutral, Busy, Good, Bad, Warning };

inline QColor statusColour(StatusTone tone, const QPalette &palette)
{
    const bool dark = palette.color(QPalette::Base).lightness() < 128;
    switch (tone) {
    case StatusTone::Busy: return dark ? QColor(0x64, 0xb5, 0xf6) : QColor(0x15, 0x65, 0xc0);
    case StatusTone::Good: return dark ? QColor(0x81, 0xc7, 0x84) : QColor(0x2e, 0x7d, 0x32);
    case StatusTone::Bad: return dark ? QColor(0xef, 0x9a, 0x9a) : QColor(0xc6, 0x28, 0x28);
    case StatusTone::Warning: return dark ? QColor(0xff, 0xcc, 0x80) : QColor(0xb2, 0x6a, 0x00);
    case StatusTone::Neutral: break;
    }
    return palette.color(QPalette::Text);
}

}  // namespace bd::ui
