#pragma once
// Where a downloaded file lands (spec §8.1/§8.2): <target>/<partName>/<fileName> for multipart
// batches, <target>/<fileName> otherwise. fileName is authoritative (never the URL basename) but
// sanitised: no absolute paths, no "..", and sub-folders implied by '/' are created only inside
// the target.
#include "core/Error.h"
#include "exports/ExportFileInfo.h"

#include <QString>

namespace bd {

class ExportLayout
{
public:
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
