#pragma once
// Where a downloaded file lands (docs/protocol.md §8.1/§8.2).
//
// One layout, whatever starts the export (the job view's "Download results", the Exports tab,
// `export-batch --job-id`, `export-batch -b`):
//   <target>/<batchId>/<partName>/<fileName>   every output batch of a job (multipart)
//   <target>/<batchId>/<fileName>              every output batch of a job (simple)
//   <target>/[<partName>/]<fileName>           one batch exported by id alone (export-batch -b,
//                                              as the reference CLI does)
//   <target>/<batchId>/…                       several batches exported by id
// Each batch folder is an export root: it holds that batch's .export_log.jsonl.
// ExportOperation::targetFolders() tells the folder of each batch of a run.
//
// fileName is authoritative (never the URL basename) but sanitised: no absolute paths, no "..",
// and sub-folders implied by '/' are created only inside the target.
#include "core/Error.h"
#include "exports/ExportFileInfo.h"

#include <QString>

namespace bd {

class ExportLayout
{
public:
    // The export root of one batch: <targetDir>/<batchId> for a job's outputs (fromJob) or one
    // of several batches, targetDir itself for one batch exported by id alone. Null string and
    // *error (Unsafe) when the id cannot be one folder name ("..", '/', control characters).
    static QString batchRoot(const QString &targetDir, const QString &batchId, bool fromJob, int batchCount,
                             Error *error = nullptr);

    // Folder that receives the files of one part ("" partName: the target itself). Null string
    // and *error (InvalidInput/Unsafe) when partName cannot be made safe.
    static QString destinationDir(const QString &targetDir, const QString &partName, Error *error = nullptr);

    // Absolute destination of a file; null string and *error when fileName or partName is unsafe.
    static QString destinationPath(const QString &targetDir, const QString &partName,
                                   const QString &fileName, Error *error = nullptr);
    // Same, taking the part from the file's metadata (multipart batches carry a partName).
    static QString destinationPath(const QString &targetDir, const ExportFileInfo &file, Error *error = nullptr);

    // Creates the folders leading to destPath. Refuses (ErrorKind::Unsafe) when an existing
    // component is a symlink that leads out of targetDir; Io when a folder cannot be created.
    static bool prepareParent(const QString &targetDir, const QString &destPath, Error *error = nullptr);

    // Temporary name while downloading; renamed to destPath when complete.
    static QString partPath(const QString &destPath) { return destPath + QStringLiteral(".part"); }

    // .tar, .tar.gz, .tgz, .zip (case-insensitive). Wider than the Python CLI, which recognises
    // only .tar/.tar.gz, because the export stage also produces zip files.
    static bool isArchive(const QString &fileName);
};

}  // namespace bd
