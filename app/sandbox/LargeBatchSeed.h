#pragma once
// A very large staging batch made without an ingest, for benchmarks (bench_gui opens a
// million-file batch in the Files view): seeding it through D9 would take longer than the
// measurement itself.
#include <QString>

namespace bd::sandbox {

class StagingStore;

// Adds the sharded image batch `batchId` with `files` tiny JPEGs named img-0000001.jpg …, all
// sharing one stored blob, in complete shards of 500 (the reference CLI's shard cap), already
// indexed; does nothing when the batch exists. Returns the number of files added.
int seedLargeBatch(StagingStore &store, const QString &workspace, const QString &batchId, int files);

}  // namespace bd::sandbox
