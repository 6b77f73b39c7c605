#pragma once
// Shared by the fuzz targets: a check that aborts with a message (libFuzzer and the replay driver
// both treat an abort as a finding), and the target's entry point declaration.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

namespace fuzzsupport {

[[noreturn]] inline void fail(const char *what, const char *detail = nullptr)
{
    std::fprintf(stderr, "FUZZ CHECK FAILED: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    std::fflush(stderr);
    std::abort();
}

inline void check(bool condition, const char *what, const char *detail = nullptr)
{
    if (!condition)
        fail(what, detail);
}

}  // namespace fuzzsupport
