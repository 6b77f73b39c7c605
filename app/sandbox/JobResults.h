#pragma once
// The simulated job's output files: per-task aggregated results (JSONL or CSV, one row per input
// file, with fake predictions derived from the file's SHA-256) and export archives (.tar.gz built
// with libarchive). Everything is byte-for-byte deterministic: same inputs, same bytes.
#include "sandbox/JobPlan.h"
#include "sandbox/JobRecord.h"
#include "sandbox/SandboxContext.h"

#include <QByteArray>
#include <QString>
#include <QVector>

namespace bd::sandbox {

// Hex SHA-256 of the file's bytes (only the first 16 MiB are read for large files, e.g. videos), or of
// "<fileName>:<size>" when the file has no readable path (the demo job without staged files).
QString inputDigest(const JobInputFile &file);

// Fills JobInputFile::sha256 where it is still empty.
void ensureDigests(QVector<JobInputFile> &inputs);

// One aggregated results file for `inputs` (digests filled); format "csv" or anything else = JSONL.
QByteArray resultsFile(const QVector<JobInputFile> &inputs, const QString &format);

// The processing stage's output: part "results" with one file per successful task.
QVector<OutputPart> processingOutput(const JobRecord &record, const SimStage &processing, const QString &format);

// The export stage's output: parts "archives-1", "archives-2", ... each holding up to
// kArchivesPerPart .tar.gz archives, one per successful processing task, containing its results file.
QVector<OutputPart> exportOutput(const JobRecord &record, const SimStage &processing, const QString &format);

// A gzip-compressed ustar archive of the files, with fixed metadata (mtime, owner, mode).
QByteArray makeTarGz(const QVector<OutputFile> &files);

}  // namespace bd::sandbox
