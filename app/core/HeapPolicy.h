#pragma once
// How the process's heap gives memory back. glibc's default raises its mmap threshold to the size
// of the largest mmapped block freed so far (and the trim threshold to twice that): after SQLite's
// sorter freed its 1 MB run, blocks up to that size came from the arenas, and free memory up to
// 2 MB stayed at the top of each thread's arena. The arenas then grew with the length of a run
// while the memory in use did not (a million-file ingest: 5.5 MB of arena at the start, 11.7 MB
// at the end, 2.5-4 MB in use), so peak RSS grew with the folder. Fixed thresholds keep large
// blocks out of the arenas and trim their tops: the CLI's peak RSS from 1 000 to 100 000 files
// (1 KiB images, three runs each) spread 8 % before, 6 % after, for ~50 more mmap calls per
// 10 000 files.
namespace bd {

// Sets the fixed thresholds (128 KiB). Call first thing in main(), before threads start.
// Does nothing where the C library is not glibc.
void fixHeapThresholds();

}  // namespace bd
