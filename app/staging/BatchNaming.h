#pragma once
// Flat, unique, stable names for the files of one batch, and batch id helpers.
//
// A staging batch is flat: two "img.jpg" from different folders would overwrite each other.
// Each file keeps its basename when that is unique (case-insensitively, after Unicode NFC);
// colliding files get their directory path, relative to the colliding group's common folder,
// as a prefix joined by "__" (a/b/img.jpg -> a__b__img.jpg); names that still collide (or grow
// too long) get a short hash of the full path. The result depends only on the set of paths,
// never on the order they were found in.
#include "staging/ScanResult.h"

#include <QString>
#include <QStringList>
#include <QVector>

namespace bd::staging {

struct NameMapping {
    QString path;
    QString name;
    bool renamed = false;   // name differs from the file's own basename
};

class BatchNaming
{
public:
    // Longest name we produce, in UTF-8 bytes (a file name limit on every common file system).
    static constexpr int kMaxNameBytes = 255;

    // One unique name per path, in the order of the input. Paths should be absolute and unique.
    static QStringList uniqueNames(const QStringList &paths);
    // Fills ScannedFile::batchName for every file.
    static void assign(QVector<ScannedFile> &files);
    // One file's naming state, for naming a set that does not fit in memory (ScanStore runs the
    // same rounds as uniqueNames in SQL): the sanitised basename, its collision key, and the
    // name at a level (0 basename, 1 folder prefix below commonDepth folders, 2+ hashed);
    // commonDepth -1: every folder of the path is part of the prefix (the file's basename is
    // its own). Identical inputs give identical names to uniqueNames.
    static QString baseName(const QString &path);
    static QString collisionKey(const QString &name);
    static QString nameAtLevel(const QString &path, int level, int commonDepth);
    // Folders two paths share from the root (the common depth of a colliding group is that of
    // its smallest and largest path).
    static int commonFolderDepth(const QString &pathA, const QString &pathB);

    // path -> name for the UI and the CLI summary (files must have been assigned).
    static QVector<NameMapping> mapping(const QVector<ScannedFile> &files);

    // Makes one file name safe as a tar member and a URL query value: replaces / \ : * ? " < > |
    // and control characters with '_', keeps Unicode letters; never empty, never "." or "..".
    static QString sanitize(const QString &fileName);

    // Staging batch ids: ^[a-z0-9_-]{1,64}$ (spec §4.1).
    static bool isValidBatchId(const QString &id);
    // A valid id from a folder name: lower-case, accents dropped, spaces to '-', other
    // characters removed, at most 64 characters; "batch" when nothing is left.
    static QString suggestBatchId(const QString &folderName);
};

}  // namespace bd::staging
