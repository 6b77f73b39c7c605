#pragma once
// Archives for the extraction tests, written with libarchive exactly as given (its writer does
// not sanitise names, so hostile members can be built), and a listing of a folder tree to prove
// that nothing appeared or vanished outside a target.
#include "common/FileHashes.h"

#include <QByteArray>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QMap>
#include <QStringList>
#include <QVector>

#include <archive.h>
#include <archive_entry.h>

#include <sys/sysmacros.h>

namespace archivetest {

struct Member {
    enum Type { File, Dir, Symlink, Hardlink, Fifo, CharDevice };
    QByteArray name;
    Type type = File;
    QByteArray data;
    QByteArray link;   // symlink or hard link target
};

enum class Kind { Tar, TarGz, Zip };

// Writes the members exactly as given (libarchive's writer does not sanitise names).
inline bool writeArchive(const QString &path, Kind kind, const QVector<Member> &members)
{
    archive *a = archive_write_new();
    if (kind == Kind::Zip)
        archive_write_set_format_zip(a);
    else
        archive_write_set_format_pax_restricted(a);
    if (kind == Kind::TarGz)
        archive_write_add_filter_gzip(a);
    if (archive_write_open_filename(a, QFile::encodeName(path).constData()) != ARCHIVE_OK)
        return false;
    for (const Member &m : members) {
        archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, m.name.constData());
        archive_entry_set_mtime(e, 1700000000, 0);
        switch (m.type) {
        case Member::File:
            archive_entry_set_filetype(e, AE_IFREG);
            archive_entry_set_perm(e, 0644);
            archive_entry_set_size(e, m.data.size());
            break;
        case Member::Dir:
            archive_entry_set_filetype(e, AE_IFDIR);
            archive_entry_set_perm(e, 0755);
            break;
        case Member::Symlink:
            archive_entry_set_filetype(e, AE_IFLNK);
            archive_entry_set_perm(e, 0777);
            archive_entry_set_symlink(e, m.link.constData());
            break;
        case Member::Hardlink:
            archive_entry_set_filetype(e, AE_IFREG);
            archive_entry_set_perm(e, 0644);
            archive_entry_set_hardlink(e, m.link.constData());
            archive_entry_set_size(e, 0);
            break;
        case Member::Fifo:
            archive_entry_set_filetype(e, AE_IFIFO);
            archive_entry_set_perm(e, 0644);
            break;
        case Member::CharDevice:
            archive_entry_set_filetype(e, AE_IFCHR);
            archive_entry_set_perm(e, 0666);
            archive_entry_set_rdev(e, makedev(1, 3));
            break;
        }
        if (archive_write_header(a, e) < ARCHIVE_WARN)
            return false;
        if (m.type == Member::File && !m.data.isEmpty())
            archive_write_data(a, m.data.constData(), size_t(m.data.size()));
        archive_entry_free(e);
    }
    const bool ok = archive_write_close(a) == ARCHIVE_OK;
    archive_write_free(a);
    return ok;
}

// Every path under dir (symlinks not followed), except the subtree `excluded`.
inline QStringList snapshot(const QString &dir, const QString &excluded)
{
    QStringList out;
    QDirIterator it(dir, QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString p = it.next();
        if (p == excluded || p.startsWith(excluded + QLatin1Char('/')))
            continue;
        out << p;
    }
    out.sort();
    return out;
}

// Every path below dir except `excluded`, with the sha256 of files and the target of links: what
// the hostile-archive tests compare before and after, to prove nothing outside the target changed.
inline QMap<QString, QByteArray> fingerprint(const QString &dir, const QString &excluded)
{
    QMap<QString, QByteArray> out;
    for (const QString &p : snapshot(dir, excluded)) {
        const QFileInfo info(p);
        out.insert(p, info.isSymLink() ? "link:" + info.symLinkTarget().toUtf8()
                                       : info.isFile() ? sandboxtest::fileSha256(p) : QByteArray("dir"));
    }
    return out;
}

}  // namespace archivetest
