#include "exports/ExportLayout.h"

#include "exports/PathGuard.h"

#include <QDir>
#include <QFileInfo>

namespace bd {

namespace {
void setError(Error *error, ErrorKind kind, const QString &message)
{
    if (error)
        *error = Error(kind, message);
}
}  // namespace

QString ExportLayout::batchRoot(const QString &targetDir, const QString &batchId, bool fromJob, int batchCount,
                                Error *error)
{
    if (!fromJob && batchCount <= 1)
        return QDir::cleanPath(targetDir);
    QString reason;
    const QString folder = pathguard::cleanRelative(batchId, &reason);
    if (folder.isNull() || folder.contains(QLatin1Char('/'))) {
        setError(error, ErrorKind::Unsafe, QStringLiteral("Refusing batch id '%1' as a folder name: %2")
                                               .arg(batchId, folder.isNull() ? reason : QStringLiteral("it contains '/'")));
        return {};
    }
    return QDir::cleanPath(targetDir + QLatin1Char('/') + folder);
}

QString ExportLayout::destinationDir(const QString &targetDir, const QString &partName, Error *error)
{
    const QString root = QDir::cleanPath(QDir(targetDir).absolutePath());
    if (partName.isEmpty())
        return root;
    QString reason;
    const QString part = pathguard::cleanRelative(partName, &reason);
    if (part.isNull()) {
        setError(error, ErrorKind::Unsafe, QStringLiteral("Refusing part name '%1': %2").arg(partName, reason));
        return {};
    }
    return root + QLatin1Char('/') + part;
}

QString ExportLayout::destinationPath(const QString &targetDir, const QString &partName,
                                      const QString &fileName, Error *error)
{
    const QString dir = destinationDir(targetDir, partName, error);
    if (dir.isNull())
        return {};
    QString reason;
    const QString name = pathguard::cleanRelative(fileName, &reason);
    if (name.isNull()) {
        setError(error, ErrorKind::Unsafe, QStringLiteral("Refusing file name '%1': %2").arg(fileName, reason));
        return {};
    }
    return dir + QLatin1Char('/') + name;
}

QString ExportLayout::destinationPath(const QString &targetDir, const ExportFileInfo &file, Error *error)
{
    return destinationPath(targetDir, file.partName, file.fileName, error);
}

bool ExportLayout::prepareParent(const QString &targetDir, const QString &destPath, Error *error)
{
    if (!QDir().mkpath(targetDir)) {
        setError(error, ErrorKind::Io, QStringLiteral("Cannot create the folder %1").arg(targetDir));
        return false;
    }
    const QString root = pathguard::canonicalDir(targetDir);
    if (root.isNull()) {
        setError(error, ErrorKind::Io, QStringLiteral("%1 is not a folder").arg(targetDir));
        return false;
    }
    const QString parent = QFileInfo(destPath).absolutePath();
    // The parent must lie inside the target even after following symlinks already on disk.
    const QString resolved = pathguard::resolveOnDisk(parent);
    if (resolved.isNull() || !pathguard::isInside(root, resolved)) {
        setError(error, ErrorKind::Unsafe,
                 QStringLiteral("Refusing to write %1: its folder leads outside %2").arg(destPath, targetDir));
        return false;
    }
    if (!QDir().mkpath(resolved)) {
        setError(error, ErrorKind::Io, QStringLiteral("Cannot create the folder %1").arg(parent));
        return false;
    }
    return true;
}

bool ExportLayout::isArchive(const QString &fileName)
{
    static const char *const suffixes[] = { ".tar", ".tar.gz", ".tgz", ".zip" };
    for (const char *suffix : suffixes) {
        if (fileName.endsWith(QLatin1String(suffix), Qt::CaseInsensitive))
            return true;
    }
    return false;
}

}  // namespace bd
