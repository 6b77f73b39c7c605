#pragma once
// Status colours that read well on the current palette: darker tones on light backgrounds,
// lighter ones on dark backgrounds (the fusion dark palette included). A tone that would not
// reach 4.5:1 against the palette's background (WCAG AA; a high-contrast palette, an unusual
// theme) gives way to the palette's own text colour: readable first, coloured second. Colour is
// never the only signal anyway (docs/ui-guidelines.md): the text says "Failed" / carries ⚠ or ✗.
#include <QColor>
#include <QPalette>

#include <cmath>

namespace bd::ui {

enum class StatusTone { Neutral, Busy, Good, Bad, Warning };

// WCAG 2 contrast ratio of two colours (1 .. 21).
inline double contrastRatio(const QColor &a, const QColor &b)
{
    auto luminance = [](const QColor &c) {
        auto channel = [](double v) { return v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4); };
        return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF());
    };
    const double la = luminance(a), lb = luminance(b);
    return (qMax(la, lb) + 0.05) / (qMin(la, lb) + 0.05);
}

inline constexpr double kMinimumTextContrast = 4.5;

inline QColor statusColour(StatusTone tone, const QPalette &palette)
{
    const QColor base = palette.color(QPalette::Base);
    const bool dark = base.lightness() < 128;
    QColor colour;
    switch (tone) {
    case StatusTone::Busy: colour = dark ? QColor(0x64, 0xb5, 0xf6) : QColor(0x15, 0x65, 0xc0); break;
    case StatusTone::Good: colour = dark ? QColor(0x81, 0xc7, 0x84) : QColor(0x1b, 0x5e, 0x20); break;
    case StatusTone::Bad: colour = dark ? QColor(0xef, 0x9a, 0x9a) : QColor(0xc6, 0x28, 0x28); break;
    case StatusTone::Warning: colour = dark ? QColor(0xff, 0xcc, 0x80) : QColor(0x9a, 0x5b, 0x00); break;
    case StatusTone::Neutral: return palette.color(QPalette::Text);
    }
    // Text sits on Base (lists, fields) or Window (labels): the tone must read on both.
    const QColor window = palette.color(QPalette::Window);
    if (contrastRatio(colour, base) < kMinimumTextContrast || contrastRatio(colour, window) < kMinimumTextContrast)
        return palette.color(QPalette::Text);
    return colour;
}

}  // namespace bd::ui
