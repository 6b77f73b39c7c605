#pragma once
// Demo input batches for `--demo` / `batchdeck --sandbox`: "demo-images" (a simple batch of 12
// small JPEGs, which the job simulator's demo jobs read), "demo-sharded" (a sharded batch of 40
// images in one shard) and "demo-videos" (a simple batch of 2 tiny videos).
#include <QString>

namespace bd::sandbox {

class StagingStore;

// Adds the demo batches that do not exist yet; returns how many were added.
int seedDemoBatches(StagingStore &store, const QString &workspace);

}  // namespace bd::sandbox
