#pragma once
// Utf8LocaleScope: switches the calling thread (only) to a UTF-8 locale while it lives.
//
// libarchive 3.6.2 converts entry names through the current locale's charset, and its pax
// writer crashes (strlen(NULL) in archive_write_header) on a non-ASCII name when the process
// runs in the "C" locale - e.g. under ctest, cron or a bare service. Holding this scope around
// every call on a writer makes the names UTF-8 regardless of the process locale, and also makes
// the output byte-identical across locales (which exact-size prediction relies on).
#include <locale.h>

namespace bd::staging {

class Utf8LocaleScope
{
public:
    Utf8LocaleScope();
    ~Utf8LocaleScope();
    Utf8LocaleScope(const Utf8LocaleScope &) = delete;
    Utf8LocaleScope &operator=(const Utf8LocaleScope &) = delete;

    // False when neither C.UTF-8 nor en_US.UTF-8 exists on this system: then the scope changes
    // nothing and callers must keep names ASCII.
    static bool available();

private:
    locale_t m_previous = nullptr;
};

}  // namespace bd::staging
