#pragma once
// Long commands and URLs wrapped where a person would break them (docs/ui-guidelines.md):
// commands one option per line with a shell continuation (copy-paste still works), paths and
// URLs at their separators instead of anywhere or not at all.
#include <QString>

namespace bd::ui {

// "cmd sub --a 1 --b 'x --y'" -> "cmd sub \\\n    --a 1 \\\n    --b 'x --y'": a break before each
// option outside quotes, never inside one.
QString wrapCommandAtOptions(const QString &command, int indent = 4);

// The text with a zero-width space after each / \ ? & = so a word-wrapping label may break there.
// For display only: never put the result in a field a person copies from.
QString breakableAtSeparators(const QString &text);

}  // namespace bd::ui
