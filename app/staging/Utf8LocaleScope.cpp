#include "staging/Utf8LocaleScope.h"

#include <initializer_list>

namespace bd::staging {

namespace {
// Created once and never freed: the thread locale may point at it at any time.
locale_t utf8Locale()
{
    static const locale_t loc = [] {
        for (const char *name : { "C.UTF-8", "C.utf8", "en_US.UTF-8" }) {
            if (locale_t l = ::newlocale(LC_ALL_MASK, name, locale_t(nullptr)))
                return l;
        }
        return locale_t(nullptr);
    }();
    return loc;
}
}  // namespace

Utf8LocaleScope::Utf8LocaleScope()
{
    if (locale_t loc = utf8Locale())
        m_previous = ::uselocale(loc);
}

Utf8LocaleScope::~Utf8LocaleScope()
{
    if (m_previous)
        ::uselocale(m_previous);
}

bool Utf8LocaleScope::available()
{
    return utf8Locale() != nullptr;
}

}  // namespace bd::staging
