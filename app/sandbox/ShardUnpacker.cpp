#include "sandbox/ShardUnpacker.h"

#include "sandbox/MediaSniffer.h"
#include "sandbox/StagingStore.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>

#include <archive.h>
#include <archive_entry.h>

#include <memory>

namespace bd::sandbox {

namespace {

struct ArchiveCloser {
    void operator()(archive *a) const { archive_read_free(a); }
};

// Streams the current member to `path`; returns the leading bytes for sniffing, or an error.
bool copyMember(archive *a, const QString &path, QByteArray *head, QString *error)
{
    QFile out(path);
    if (!out.open(QIODevice::WriteOnly)) {
        *error = out.errorString();
        return false;
    }
    const void *buffer = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    for (;;) {
        const int r = archive_read_data_block(a, &buffer, &size, &offset);
        if (r == ARCHIVE_EOF)
            return true;
        if (r < ARCHIVE_OK) {
            *error = QString::fromUtf8(archive_error_string(a));
            return false;
        }
        if (head->size() < 16)
            head->append(static_cast<const char *>(buffer), int(qMin<size_t>(size, 16)));
        if (out.write(static_cast<const char *>(buffer), qint64(size)) != qint64(size)) {
            *error = out.errorString();
            return false;
        }
    }
}

QByteArray readSmallMember(archive *a, qint64 limit)
{
    QByteArray data;
    char buffer[8192];
    la_ssize_t n = 0;
    while ((n = archive_read_data(a, buffer, sizeof buffer)) > 0 && data.size() < limit)
        data.append(buffer, int(n));
    return data;
}

}  // namespace

ShardContent unpackShard(const QString &tarPath, const std::function<QString(const QString &)> &blobPathFor)
{
    ShardContent content;
    std::unique_ptr<archive, ArchiveCloser> a(archive_read_new());
    archive_read_support_format_tar(a.get());
    archive_read_support_filter_all(a.get());   // [INFERRED] gzip'd shards are tolerated
    if (archive_read_open_filename(a.get(), QFile::encodeName(tarPath).constData(), 64 * 1024) != ARCHIVE_OK) {
        content.errorType = QStringLiteral("invalid-archive");
        content.error = QStringLiteral("The upload is not a tar archive: %1").arg(QString::fromUtf8(archive_error_string(a.get())));
        return content;
    }
    archive_entry *entry = nullptr;
    int images = 0;
    int r = ARCHIVE_OK;
    while ((r = archive_read_next_header(a.get(), &entry)) == ARCHIVE_OK) {
        if (archive_entry_filetype(entry) != AE_IFREG)
            continue;
        const QString name = QFileInfo(QString::fromUtf8(archive_entry_pathname_utf8(entry)
                                                          ? archive_entry_pathname_utf8(entry)
                                                          : archive_entry_pathname(entry))).fileName();
        if (name == QLatin1String("notification_config.json")) {
            const QJsonObject config = QJsonDocument::fromJson(readSmallMember(a.get(), 64 * 1024)).object();
            content.ingestId = config.value(QLatin1String("ingestId")).toString();
            content.notificationsURL = config.value(QLatin1String("notificationsURL")).toString();
            continue;
        }
        const qint64 size = archive_entry_size(entry);
        if (size > kMaxImageBytes) {
            content.failed.append({ name, QStringLiteral("file-size-limit-exceeded"),
                                    QStringLiteral("File size %1 B exceeds the limit of %2 B").arg(size).arg(kMaxImageBytes) });
            continue;   // libarchive skips the unread data
        }
        const QString blobKey = StagingStore::newBlobKey();
        const QString path = blobPathFor(blobKey);
        QByteArray head;
        QString error;
        if (!copyMember(a.get(), path, &head, &error)) {
            QFile::remove(path);
            content.errorType = QStringLiteral("invalid-archive");
            content.error = QStringLiteral("The tar archive is damaged: %1").arg(error);
            break;
        }
        const QString type = sniffImageType(head);
        if (type.isEmpty()) {
            QFile::remove(path);
            content.failed.append({ name, QStringLiteral("unsupported-file-type"),
                                    QStringLiteral("Not a supported image (by content)") });
            continue;
        }
        ++images;
        content.files.append({ name, blobKey, type, size });
    }
    if (content.error.isEmpty() && r != ARCHIVE_EOF) {
        content.errorType = QStringLiteral("invalid-archive");
        content.error = QStringLiteral("The tar archive is damaged: %1").arg(QString::fromUtf8(archive_error_string(a.get())));
    }
    if (content.error.isEmpty() && images > kMaxImagesPerShard) {
        content.errorType = QStringLiteral("too-many-files");
        content.error = QStringLiteral("A shard may hold at most %1 images; this one has %2").arg(kMaxImagesPerShard).arg(images);
    }
    if (!content.error.isEmpty()) {
        for (const UnpackedFile &f : content.files)
            QFile::remove(blobPathFor(f.blobKey));
        content.files.clear();
    }
    return content;
}

}  // namespace bd::sandbox
