#include "staging/ShardTarDevice.h"

#include "staging/Utf8LocaleScope.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>

#include <archive.h>
#include <archive_entry.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <fcntl.h>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>

namespace bd::staging {

const char *const ShardTarDevice::kConfigMemberName = "notification_config.json";

namespace {

constexpr int kConfigMode = 0644;
constexpr qint64 kTarBlock = 512;

qint64 roundUpToBlock(qint64 n)
{
    return (n + kTarBlock - 1) / kTarBlock * kTarBlock;
}

using EntryPtr = std::unique_ptr<archive_entry, decltype(&archive_entry_free)>;

// The one place a member header is described, used by the dry run and the real run alike so
// both produce identical headers (only the size field's digits differ, never its width).
EntryPtr makeEntry(const QString &name, qint64 size, int mode, qint64 mtime)
{
    EntryPtr entry(archive_entry_new(), &archive_entry_free);
    archive_entry_set_pathname_utf8(entry.get(), name.toUtf8().constData());
    archive_entry_set_filetype(entry.get(), AE_IFREG);
    archive_entry_set_perm(entry.get(), mode_t(mode & 07777));
    archive_entry_set_size(entry.get(), size);
    archive_entry_set_mtime(entry.get(), time_t(mtime), 0);
    return entry;
}

// A pax-restricted writer with no block padding, handing every byte to the callback.
struct archive *newTarWriter(void *client, archive_write_callback *callback)
{
    struct archive *a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    archive_write_set_bytes_per_block(a, 0);
    archive_write_set_bytes_in_last_block(a, 1);
    // Names are always UTF-8 in the headers, whatever the process locale is.
    archive_write_set_format_option(a, "pax", "hdrcharset", "UTF-8");
    if (archive_write_open(a, client, nullptr, callback, nullptr) != ARCHIVE_OK) {
        archive_write_free(a);
        return nullptr;
    }
    return a;
}

la_ssize_t countBytes(struct archive *, void *counter, const void *, size_t length)
{
    *static_cast<qint64 *>(counter) += qint64(length);
    return la_ssize_t(length);
}

la_ssize_t appendToSink(struct archive *, void *sink, const void *buffer, size_t length)
{
    auto *s = static_cast<detail::TarSink *>(sink);
    s->produced += qint64(length);
    if (s->passThrough) {
        s->passed += qint64(length);
        return la_ssize_t(length);
    }
    s->buffer.append(static_cast<const char *>(buffer), qsizetype(length));
    s->peak = qMax(s->peak, qint64(s->buffer.size()));
    return la_ssize_t(length);
}

bool isAscii(const QString &s)
{
    for (const QChar c : s) {
        if (c.unicode() > 0x7F)
            return false;
    }
    return true;
}

// Whether libarchive's pax-restricted writer gives this member one 512-byte ustar header and
// nothing else: a name of printable ASCII that fits the 100-byte name field as it is (no pax
// record for its charset or length, no prefix split, no slash to interpret) and an mtime
// before 2038 (from there libarchive adds a pax record for it, though the octal field would
// hold it). Most batch names are; the others are measured by a dry run.
// tst_shardtardevice holds this rule against what the device really writes, for random names.
bool headerIsOneBlock(const ShardMember &m)
{
    constexpr qint64 kFirstPaxMtime = 0x7FFFFFFF;
    if (m.name.size() > 100 || m.mtime < 0 || m.mtime >= kFirstPaxMtime)
        return false;
    for (const QChar c : m.name) {
        if (c.unicode() < 0x20 || c.unicode() > 0x7E || c == QLatin1Char('/'))
            return false;
    }
    return true;
}

bool validMember(const ShardMember &m)
{
    // Without a UTF-8 locale libarchive cannot write a non-ASCII name safely (Utf8LocaleScope.h).
    return !m.name.isEmpty() && m.size >= 0 && m.size <= ShardTarDevice::kMaxMemberBytes
           && (Utf8LocaleScope::available() || isAscii(m.name));
}

}  // namespace

ShardTarDevice::ShardTarDevice(QVector<ShardMember> members, NotificationConfig config, QObject *parent)
    : QIODevice(parent), m_members(std::move(members)), m_config(std::move(config)),
      m_fingerprints(std::make_shared<QVector<FileFingerprint>>(m_members.size()))
{
    m_size = exactSize(m_members, m_config);
}

ShardTarDevice::ShardTarDevice(QVector<ShardMember> members, NotificationConfig config, qint64 knownExactSize,
                               QObject *parent)
    : QIODevice(parent), m_members(std::move(members)), m_config(std::move(config)), m_size(knownExactSize),
      m_fingerprints(std::make_shared<QVector<FileFingerprint>>(m_members.size()))
{
}

ShardTarDevice::~ShardTarDevice()
{
    closeMemberFile();
    closeFolder();
    releaseArchive();
}

QByteArray ShardTarDevice::notificationConfigJson(const NotificationConfig &config)
{
    QJsonObject o;
    o.insert(QStringLiteral("ingestId"), config.ingestId);
    o.insert(QStringLiteral("notificationsURL"), config.notificationsUrl);
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

qint64 ShardTarDevice::exactSize(const QVector<ShardMember> &members, const NotificationConfig &config)
{
    // Headers come from a libarchive dry run with zero-size entries, but for the members whose
    // header is known to be one block (a dry run per member was ~3 % of the CLI's CPU in an
    // ingest); each member's data then adds its size rounded up to whole 512-byte blocks.
    const Utf8LocaleScope utf8;
    qint64 headerBytes = 0;
    struct archive *a = newTarWriter(&headerBytes, &countBytes);
    if (!a)
        return -1;
    qint64 dataBytes = 0;
    qint64 oneBlockHeaders = 0;
    bool ok = true;
    for (const ShardMember &m : members) {
        if (!validMember(m)) {
            ok = false;
            break;
        }
        dataBytes += roundUpToBlock(m.size);
        if (headerIsOneBlock(m)) {
            oneBlockHeaders += kTarBlock;
            continue;
        }
        // The mode never changes the header's length, so any value does for the dry run.
        EntryPtr entry = makeEntry(m.name, 0, 0644, m.mtime);
        ok = archive_write_header(a, entry.get()) == ARCHIVE_OK && archive_write_finish_entry(a) == ARCHIVE_OK;
        if (!ok)
            break;
    }
    if (ok && !config.isEmpty()) {
        const QByteArray json = notificationConfigJson(config);
        EntryPtr entry = makeEntry(QString::fromLatin1(kConfigMemberName), json.size(), kConfigMode, 0);
        ok = archive_write_header(a, entry.get()) == ARCHIVE_OK
             && archive_write_data(a, json.constData(), size_t(json.size())) == la_ssize_t(json.size())
             && archive_write_finish_entry(a) == ARCHIVE_OK;
    }
    ok = archive_write_close(a) == ARCHIVE_OK && ok;
    archive_write_free(a);
    return ok ? headerBytes + oneBlockHeaders + dataBytes : -1;
}

bool ShardTarDevice::open(OpenMode mode)
{
    if (isOpen() || m_used || (mode & WriteOnly) || !(mode & ReadOnly)) {
        setErrorString(tr("A shard tar can only be opened once, for reading"));
        return false;
    }
    if (m_size < 0) {
        fail(ErrorKind::InvalidInput, tr("The shard has a member that cannot be stored in a tar"));
        return false;
    }
    m_used = true;
    const Utf8LocaleScope utf8;
    m_archive = newTarWriter(&m_sink, &appendToSink);
    if (!m_archive) {
        fail(ErrorKind::Internal, tr("Could not start the tar writer"));
        return false;
    }
    m_step = Step::Header;
    return QIODevice::open(mode);
}

void ShardTarDevice::close()
{
    closeMemberFile();
    closeFolder();
    releaseArchive();
    m_sink.buffer.clear();   // both freed now, not when the transfer is deleted (later)
    m_chunk.clear();
    m_bufferPos = 0;
    QIODevice::close();
}

qint64 ShardTarDevice::bytesAvailable() const
{
    if (m_step == Step::Failed || !isOpen())
        return QIODevice::bytesAvailable();
    return m_size - m_delivered + QIODevice::bytesAvailable();
}

bool ShardTarDevice::atEnd() const
{
    const bool noMore = m_step == Step::Failed || m_delivered >= m_size;
    return !isOpen() || (noMore && QIODevice::bytesAvailable() == 0);
}

qint64 ShardTarDevice::readData(char *data, qint64 maxSize)
{
    qint64 copied = 0;
    while (copied < maxSize) {
        const qint64 buffered = m_sink.buffer.size() - m_bufferPos;
        if (buffered > 0) {
            const qint64 n = qMin(buffered, maxSize - copied);
            std::memcpy(data + copied, m_sink.buffer.constData() + m_bufferPos, size_t(n));
            m_bufferPos += n;
            copied += n;
            continue;
        }
        m_sink.buffer.resize(0);   // keeps the capacity for the next step
        m_bufferPos = 0;
        // File bytes go from the page cache straight into the reader's buffer (curl's), not
        // through the scratch space, libarchive's callback and the sink: two copies fewer.
        const qint64 room = maxSize - copied;
        if (m_step == Step::Data && room >= qMin(m_memberRemaining + 1, kDirectMin)) {
            const qint64 n = copyMemberDirect(data + copied, room);
            if (n < 0)
                break;
            copied += n;
            continue;
        }
        if (m_step == Step::Done || !produce())
            break;
    }
    if (copied > 0 && m_beforeLastBytes && m_delivered + copied >= m_size)
        std::exchange(m_beforeLastBytes, {})();
    m_delivered += copied;
    if (copied == 0 && (m_step == Step::Failed || m_step == Step::Done))
        return -1;
    return copied;
}

bool ShardTarDevice::produce()
{
    const Utf8LocaleScope utf8;
    bool ok = false;
    switch (m_step) {
    case Step::Header:
        if (m_memberIndex < m_members.size())
            ok = startMember();
        else {
            m_step = m_config.isEmpty() ? Step::Close : Step::Config;
            ok = true;
        }
        break;
    case Step::Data: ok = copyMemberChunk(); break;
    case Step::Config: ok = writeConfig(); break;
    case Step::Close: ok = finishArchive(); break;
    case Step::Done: return true;
    case Step::Failed: return false;
    }
    return ok && withinAnnouncedSize();
}

bool ShardTarDevice::startMember()
{
    const ShardMember &m = m_members.at(m_memberIndex);
    const qint64 takenAtNs = fingerprintClockNs();   // before the stat: a write after it makes the record racy, not wrong
    m_fd = openMemberFile(m.path);
    if (m_fd < 0) {
        const int err = errno;
        return fail(ErrorKind::Io, err == ENOENT ? tr("%1 has disappeared since it was planned").arg(m.path)
                                                 : tr("Cannot read %1: %2").arg(m.path, QString::fromLocal8Bit(std::strerror(err))));
    }
    struct stat st;
    if (::fstat(m_fd, &st) != 0 || !S_ISREG(st.st_mode))
        return fail(ErrorKind::Io, tr("%1 is no longer a regular file").arg(m.path));
    if (qint64(st.st_size) != m.size)
        return fail(ErrorKind::Io, tr("%1 changed size since it was planned (%2 then, %3 now)")
                                       .arg(m.path, QString::number(m.size), QString::number(qint64(st.st_size))));
    const FileFingerprint &f = (*m_fingerprints)[m_memberIndex] = fingerprintOfStat(st, takenAtNs);
    if (f.isRacy()) {   // its mtime cannot tell a later write: the bytes sent are hashed as they are read
        if (!m_memberHash.restart())
            return fail(ErrorKind::Internal, tr("Cannot hash %1").arg(m.path));
        m_hashing = true;
    }
    EntryPtr entry = makeEntry(m.name, m.size, int(st.st_mode), m.mtime);
    if (archive_write_header(m_archive, entry.get()) != ARCHIVE_OK)
        return archiveFailed("header");
    m_memberRemaining = m.size;
    m_step = Step::Data;
    return true;
}

bool ShardTarDevice::copyMemberChunk()
{
    // The reader asked for too little to take file bytes directly: a step goes through the
    // scratch space, sized to the largest member (+ the byte that tells a grown file).
    if (m_chunk.isEmpty()) {
        qint64 largest = 0;
        for (const ShardMember &m : std::as_const(m_members))
            largest = qMax(largest, m.size);
        m_chunk = QByteArray(int(qMin(largest, kDataChunk)) + 1, Qt::Uninitialized);   // exactly that (resize() rounds up)
    }
    const qint64 want = qMin(m_memberRemaining, kDataChunk);
    return readMemberBytes(m_chunk.data(), want, m_memberRemaining <= kDataChunk)
           && passMemberBytes(m_chunk.constData(), want, false);
}

qint64 ShardTarDevice::copyMemberDirect(char *to, qint64 room)
{
    const qint64 want = qMin(m_memberRemaining, room);
    // With room for one byte more than is left, the one read also tells a grown file; a reader
    // whose buffer ends exactly at the member's end costs a one-byte read after it.
    const bool probe = room > m_memberRemaining;
    if (!readMemberBytes(to, want, probe))
        return -1;
    char spare;   // a probe alone, after the member's last byte
    if (!probe && want == m_memberRemaining && !readMemberBytes(&spare, 0, true))
        return -1;
    if (!passMemberBytes(to, want, true))
        return -1;
    return withinAnnouncedSize() ? want : -1;
}

// Reads exactly `want` bytes of the current member into `to`. With `probe`, the read asks for
// one byte more (`to` has room for it): a short answer is the end of the file, a full one means
// the file grew. No extra read per file just to see the end.
bool ShardTarDevice::readMemberBytes(char *to, qint64 want, bool probe)
{
    const ShardMember &m = m_members.at(m_memberIndex);
    const qint64 ask = probe ? want + 1 : want;
    qint64 got = 0;
    while (got < ask) {
        const ssize_t n = ::read(m_fd, to + got, size_t(ask - got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return fail(ErrorKind::Io, tr("Cannot read %1: %2").arg(m.path, QString::fromLocal8Bit(std::strerror(errno))));
        if (n == 0)
            break;
        got += n;
        if (probe && got == want)
            break;   // fewer bytes than asked for: the end of the file (a regular file reads whole)
    }
    if (got < want)
        return fail(ErrorKind::Io, tr("%1 became shorter while it was being sent").arg(m.path));
    if (got > want)
        return fail(ErrorKind::Io, tr("%1 grew while it was being sent").arg(m.path));
    if (m_hashing && !m_memberHash.add(to, want))
        return fail(ErrorKind::Internal, tr("Cannot hash %1").arg(m.path));
    return true;
}

// Hands the member's next `n` bytes to libarchive, which counts them against the header's size
// and pads the member at its end. `alreadyDelivered`: they are in the reader's buffer already,
// so the sink only counts them.
bool ShardTarDevice::passMemberBytes(const char *bytes, qint64 n, bool alreadyDelivered)
{
    if (n > 0) {
        m_sink.passThrough = alreadyDelivered;
        m_sink.passed = 0;
        const la_ssize_t written = archive_write_data(m_archive, bytes, size_t(n));
        m_sink.passThrough = false;
        if (written != la_ssize_t(n))
            return archiveFailed("data");
        // Unblocked (bytes_per_block 0), libarchive hands data bytes on as they come, at once.
        if (alreadyDelivered && m_sink.passed != n)
            return fail(ErrorKind::Internal, tr("The tar writer held back file bytes"));
    }
    m_memberRemaining -= n;
    if (m_memberRemaining > 0)
        return true;

    if (m_hashing) {
        m_hashing = false;
        QString &sha256 = (*m_fingerprints)[m_memberIndex].sha256;
        sha256 = m_memberHash.finishHex();
        if (sha256.isEmpty())
            return fail(ErrorKind::Internal, tr("Cannot hash %1").arg(m_members.at(m_memberIndex).path));
    }
    closeMemberFile();
    if (archive_write_finish_entry(m_archive) != ARCHIVE_OK)
        return archiveFailed("padding");
    ++m_memberIndex;
    m_step = Step::Header;
    return true;
}

bool ShardTarDevice::writeConfig()
{
    const QByteArray json = notificationConfigJson(m_config);
    EntryPtr entry = makeEntry(QString::fromLatin1(kConfigMemberName), json.size(), kConfigMode, 0);
    if (archive_write_header(m_archive, entry.get()) != ARCHIVE_OK
        || archive_write_data(m_archive, json.constData(), size_t(json.size())) != la_ssize_t(json.size())
        || archive_write_finish_entry(m_archive) != ARCHIVE_OK)
        return archiveFailed("notification config");
    m_step = Step::Close;
    return true;
}

bool ShardTarDevice::finishArchive()
{
    if (archive_write_close(m_archive) != ARCHIVE_OK)
        return archiveFailed("end of archive");
    releaseArchive();
    if (m_sink.produced != m_size)
        return fail(ErrorKind::Internal, tr("The tar has %1 bytes, not the announced %2")
                                             .arg(m_sink.produced).arg(m_size));
    m_step = Step::Done;
    return true;
}

bool ShardTarDevice::withinAnnouncedSize()
{
    return m_sink.produced <= m_size || fail(ErrorKind::Internal, tr("The tar grew beyond its announced size"));
}

bool ShardTarDevice::fail(ErrorKind kind, const QString &message)
{
    m_error = Error(kind, message);
    m_step = Step::Failed;
    closeMemberFile();
    releaseArchive();
    setErrorString(message);
    return false;
}

bool ShardTarDevice::archiveFailed(const char *what)
{
    const QString detail = m_archive ? QString::fromLocal8Bit(archive_error_string(m_archive)) : QString();
    return fail(ErrorKind::Internal, tr("Could not write the tar %1: %2").arg(QLatin1String(what), detail));
}

void ShardTarDevice::releaseArchive()
{
    if (m_archive) {
        const Utf8LocaleScope utf8;
        archive_write_free(m_archive);
        m_archive = nullptr;
    }
}

// A shard's members mostly share a folder: each opens relative to it (kept open), not by its
// whole path (a look-up of every folder on the way, per file). The folder is opened by path
// when the first of its members is (a folder renamed during the shard is still read from).
int ShardTarDevice::openMemberFile(const QString &path)
{
    const int slash = int(path.lastIndexOf(QLatin1Char('/')));
    if (slash < 0)
        return ::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC);
    const QStringView folder = QStringView(path).left(qMax(slash, 1));   // "/x" is in "/"
    if (m_folderFd < 0 || folder != m_folder) {
        closeFolder();
        m_folder = folder.toString();
        m_folderFd = ::open(QFile::encodeName(m_folder).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (m_folderFd < 0)   // the whole path says why (gone, not a folder, no permission)
            return ::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC);
    }
    return ::openat(m_folderFd, QFile::encodeName(path.mid(slash + 1)).constData(), O_RDONLY | O_CLOEXEC);
}

void ShardTarDevice::closeFolder()
{
    if (m_folderFd >= 0) {
        ::close(m_folderFd);
        m_folderFd = -1;
    }
    m_folder.clear();
}

void ShardTarDevice::closeMemberFile()
{
    if (m_fd >= 0) {
        ::close(m_fd);
        m_fd = -1;
    }
}

}  // namespace bd::staging
