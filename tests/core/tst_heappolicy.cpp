// The heap gives memory back at any run length: with fixed thresholds a large block is mapped on
// its own even after a larger one was freed (glibc's default would have raised the threshold and
// served it from an arena), and an arena's free top above 128 KiB goes back to the system.
#include "core/HeapPolicy.h"

#include <QTest>

#include <cstdlib>
#include <cstring>
#include <vector>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace {

#if defined(__GLIBC__)
// Through volatile pointers: the compiler may not pair a malloc with its free and drop both.
void *(*volatile allocate)(size_t) = std::malloc;
void (*volatile release)(void *) = std::free;

size_t mappedBytes() { return mallinfo2().hblkhd; }

void *touched(size_t bytes)
{
    void *p = allocate(bytes);
    std::memset(p, 0x5a, bytes);
    return p;
}
#endif

}  // namespace

class TestHeapPolicy : public QObject
{
    Q_OBJECT
private slots:
    void largeBlocksStayMappedAndFreeTopsGoBack()
    {
#if !defined(__GLIBC__)
        QSKIP("the thresholds are glibc's");
#else
        // glibc's default first, so the test shows what the policy changes: freeing a mapped
        // 1 MiB block raises the threshold, the next 512 KiB block comes from the arena, and once
        // freed it stays at the arena's top (the trim threshold rose to twice the 1 MiB).
        release(touched(1024 * 1024));
        const size_t before = mappedBytes();
        void *fromArena = touched(512 * 1024);
        const bool defaultRaisedIt = mappedBytes() == before;
        release(fromArena);
        const size_t keptByDefault = mallinfo2().keepcost;
        if (!defaultRaisedIt || keptByDefault < 512 * 1024)
            QSKIP("this glibc does not raise its thresholds: nothing to fix");

        bd::fixHeapThresholds();
        // The next free of a large chunk trims the top down to glibc's top pad (128 KiB).
        release(touched(100 * 1024));
        const size_t keptFixed = mallinfo2().keepcost;
        QVERIFY2(keptFixed < 256 * 1024, qPrintable(QStringLiteral("free top kept: %1 bytes").arg(keptFixed)));

        // A 512 KiB block is mapped on its own now, and goes back to the system when freed.
        const size_t fixedBefore = mappedBytes();
        void *mapped = touched(512 * 1024);
        QVERIFY2(mappedBytes() >= fixedBefore + 512 * 1024, "a 512 KiB block still came from an arena");
        release(mapped);
        QCOMPARE(mappedBytes(), fixedBefore);

        // 4 MiB in small blocks, all freed: trimmed again rather than kept.
        std::vector<void *> small;
        for (int i = 0; i < 4096; ++i)
            small.push_back(touched(1000));
        for (auto it = small.rbegin(); it != small.rend(); ++it)
            release(*it);
        QVERIFY2(mallinfo2().keepcost < 256 * 1024,
                 qPrintable(QStringLiteral("free top kept: %1 bytes").arg(mallinfo2().keepcost)));
#endif
    }
};

QTEST_GUILESS_MAIN(TestHeapPolicy)
#include "tst_heappolicy.moc"
