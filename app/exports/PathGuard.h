#pragma once
// Path checks shared by the file layout helper and the archive extractor: names that come from
// the server or from inside an archive are never trusted to stay inside the target folder.
#include <QString>

namespace bd::pathguard {

// Cleans a relative path given by the server or an archive member: drops "." and empty
// components and a leading "./". Returns a null string and sets *reason when the path is
// absolute (/x, C:\x, \\host), contains a ".." component, a NUL or another control character, is
// over-long (a component over 255 bytes, the whole over 4000), or is empty after cleaning.
QString cleanRelative(const QString &path, QString *reason = nullptr);

// Resolves an absolute path the way the kernel would, following every symlink that exists on
// disk (the last component only if followLast); components that do not exist yet are appended
// as they are. Returns a null string on a symlink loop.
QString resolveOnDisk(const QString &absolutePath, bool followLast = true);

// True when path equals root or lies below it (both absolute, already resolved).
bool isInside(const QString &root, const QString &path);

// The real path of an existing directory (symlinks resolved), or a null string.
QString canonicalDir(const QString &dir);

}  // namespace bd::pathguard
