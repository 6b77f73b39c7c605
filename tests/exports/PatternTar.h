#pragma once
// A pax tar of members filled with a seeded byte pattern, with what the streamed-extraction
// tests check against: each member's SHA-256, its header offset (where a resumed download may
// start) and the archive order.
#include "ExportFixture.h"
#include "TestArchives.h"

#include <QMap>
#include <QStringList>
#include <QTemporaryDir>
#include <QVector>

namespace exporttest {

struct PatternTar {
    QByteArray bytes;
    QMap<QString, QByteArray> members;   // name -> sha256
    QVector<qint64> headerOffsets;       // of each member, in archive order
    QStringList order;
};

// `count` members of `memberBytes` each, named namePattern.arg(i) with i zero-padded to
// `digits`, the i-th filled from seed + i. Empty bytes when it cannot be written.
inline PatternTar patternTar(int count, qint64 memberBytes, quint32 seed, const QString &namePattern, int digits)
{
    PatternTar tar;
    QVector<archivetest::Member> members;
    for (int i = 0; i < count; ++i) {
        archivetest::Member m;
        m.name = namePattern.arg(i, digits, 10, QLatin1Char('0')).toUtf8();
        m.data = patternBytes(memberBytes, seed + quint32(i));
        tar.members.insert(QString::fromUtf8(m.name), sha256(m.data));
        tar.order << QString::fromUtf8(m.name);
        members << m;
    }
    QTemporaryDir dir;
    const QString path = dir.path() + QStringLiteral("/t.tar");
    QFile f(path);
    if (!archivetest::writeArchive(path, archivetest::Kind::Tar, members) || !f.open(QIODevice::ReadOnly))
        return tar;
    tar.bytes = f.readAll();
    archive *a = archive_read_new();
    archive_read_support_format_tar(a);
    archive_read_open_memory(a, tar.bytes.constData(), size_t(tar.bytes.size()));
    archive_entry *entry = nullptr;
    while (archive_read_next_header(a, &entry) == ARCHIVE_OK)
        tar.headerOffsets << archive_read_header_position(a);
    archive_read_free(a);
    return tar;
}

}  // namespace exporttest
