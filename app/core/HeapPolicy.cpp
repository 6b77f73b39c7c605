#include "core/HeapPolicy.h"

#include <cstdlib>   // defines __GLIBC__ where it applies

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace bd {

void fixHeapThresholds()
{
#if defined(__GLIBC__)
    constexpr int kThresholdBytes = 128 * 1024;   // glibc's own starting value, now never raised
    mallopt(M_MMAP_THRESHOLD, kThresholdBytes);
    mallopt(M_TRIM_THRESHOLD, kThresholdBytes);
#endif
}

}  // namespace bd
